//! The ally's session: signing in (password, or the Get Started page's hand-off, confirmed by
//! the ally), the access and refresh tokens, signing out.
//!
//! The rules kept here: refresh tokens are single use, so one refresh at a time (a second
//! racing one would end the session); the refresh token is stored before the access token;
//! a hand-off is not a session until the ally confirms the account ("Continue as …"), and one
//! declined, expired or made moot is revoked at the server; signing out forgets everything
//! tied to the account on this browser.

use super::*;

impl<P: Platform> Worker<P> {
    pub(super) async fn sign_in(&self, email: &str, password: &str) -> Result<(), Problem> {
        // Typing a password answers a waiting hand-off question too: that one is revoked.
        self.drop_pending_sign_in().await?;
        let base = self.backend_url().await?;
        let response = self
            .platform
            .backend(api::sign_in(&base, email, password))
            .await
            .map_err(|e| Problem::from_api(&e.into(), &base))?;
        let tokens = api::read_sign_in(&response).map_err(|e| Problem::from_api(&e, &base))?;
        // A new sign-in replaces whatever was there (another account's data included).
        self.forget_session().await?;
        self.save_tokens(&tokens).await?;
        store::forget(self.store(), keys::SIGNED_OUT_BY_ALLY).await?;
        self.refresh_profile().await
    }

    /// The ally's own "Sign out": also keeps an open Get Started page from handing the session
    /// straight back (a change of server signs out too, but is no such decision).
    pub(super) async fn sign_out_by_ally(&self) -> Result<(), Problem> {
        self.drop_pending_sign_in().await?;
        self.sign_out().await?;
        store::save(self.store(), keys::SIGNED_OUT_BY_ALLY, &true).await?;
        Ok(())
    }

    pub(super) async fn sign_out(&self) -> Result<(), Problem> {
        let base = self.backend_url().await?;
        // Revoke on the server when it can be reached; sign out locally whatever it answers.
        let _ = self.authed(|| api::sign_out(&base)).await;
        self.forget_session().await?;
        Ok(())
    }

    pub(super) async fn refresh_profile(&self) -> Result<(), Problem> {
        if !self.signed_in().await? {
            return Ok(());
        }
        let base = self.backend_url().await?;
        let result = match self.authed(|| api::me(&base)).await {
            Ok(response) => api::read_me(&response),
            Err(e) => Err(e),
        };
        match result {
            Ok(me) => Ok(store::save(self.store(), keys::PROFILE, &me).await?),
            Err(e @ (ApiFailure::Unauthorized | ApiFailure::SessionEnded)) => {
                self.forget_session().await?;
                Err(Problem::from_api(&e, &base))
            }
            Err(e) => Err(Problem::from_api(&e, &base)),
        }
    }

    /// Sends an authenticated request: refreshes the access token when it is stale, and once
    /// more when the server refuses it (it may have been revoked or expired in flight).
    pub async fn authed(
        &self,
        request: impl Fn() -> HttpRequest,
    ) -> Result<HttpResponse, ApiFailure> {
        let token = self.access_token(None).await?;
        let response = self.platform.backend(request().bearer(&token)).await?;
        if response.status != 401 {
            return Ok(response);
        }
        let token = self.access_token(Some(&token)).await?;
        let response = self.platform.backend(request().bearer(&token)).await?;
        if response.status == 401 {
            self.forget_session().await.ok();
            return Err(ApiFailure::SessionEnded);
        }
        Ok(response)
    }

    /// A usable access token, refreshing when needed. `refused` is a token the server just
    /// turned down: it is not returned again.
    pub(super) async fn access_token(&self, refused: Option<&str>) -> Result<String, ApiFailure> {
        let _one_at_a_time = self.refresh_lock.lock().await;
        let storage = |e: StoreError| ApiFailure::BadResponse(e.to_string());
        let access: Option<AccessToken> = store::load(self.store(), keys::ACCESS_TOKEN)
            .await
            .map_err(storage)?;
        let access = access.filter(|a| Some(a.token.as_str()) != refused);
        // The usual case, one storage read: the access token is still good.
        if let Some(token) = auth::usable_access(self.now(), access.as_ref()) {
            return Ok(token);
        }
        let refresh: Option<RefreshToken> = store::load(self.store(), keys::REFRESH_TOKEN)
            .await
            .map_err(storage)?;
        match auth::next_step(self.now(), access.as_ref(), refresh.as_ref()) {
            TokenStep::Use(token) => Ok(token),
            TokenStep::SignIn => Err(ApiFailure::SessionEnded),
            TokenStep::Refresh(refresh_token) => {
                let base = self.backend_url().await.map_err(storage)?;
                let response = self
                    .platform
                    .backend(api::refresh(&base, &refresh_token))
                    .await?;
                match api::read_refresh(&response) {
                    Ok(tokens) => {
                        self.save_tokens(&tokens).await.map_err(storage)?;
                        Ok(tokens.access_token)
                    }
                    Err(ApiFailure::SessionEnded) => {
                        self.forget_session().await.map_err(storage)?;
                        Err(ApiFailure::SessionEnded)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }

    pub(super) async fn save_tokens(
        &self,
        tokens: &allyshare_protocol::SessionTokens,
    ) -> Result<(), StoreError> {
        let (access, refresh) = auth::tokens_at(self.now(), tokens);
        // Refresh token first: if the worker stops between the two writes, the next wake-up
        // refreshes again instead of holding an access token whose refresh token was consumed.
        store::save(self.store(), keys::REFRESH_TOKEN, &refresh).await?;
        store::save(self.store(), keys::ACCESS_TOKEN, &access).await
    }

    /// Signing out forgets the account and everything tied to it on this browser: tokens, the
    /// profile, what the server acknowledged, and the contacts read for it.
    pub(super) async fn forget_session(&self) -> Result<(), StoreError> {
        store::forget(self.store(), keys::ACCESS_TOKEN).await?;
        store::forget(self.store(), keys::REFRESH_TOKEN).await?;
        store::forget(self.store(), keys::PROFILE).await?;
        self.forget_contacts().await
    }

    /// A message from a web page (`externally_connectable`): the hand-off from the backend's
    /// Get Started page. Anyone but the configured backend, a message while signed in (or
    /// signed out on purpose), or while a hand-off waits for the ally's answer, gets
    /// `{"ok": false}`. A code exchanged becomes a [`PendingSignIn`], not a session: see
    /// [`crate::handoff`].
    pub async fn handle_external(
        &self,
        message: Option<ExternalMessage>,
        sender_origin: Option<&str>,
    ) -> ExternalAnswer {
        let refused = ExternalAnswer::REFUSED;
        let Ok(base) = self.backend_url().await else {
            return refused;
        };
        let signed_out_by_ally: bool = store::load(self.store(), keys::SIGNED_OUT_BY_ALLY)
            .await
            .ok()
            .flatten()
            .unwrap_or(false);
        // Storage that cannot be read counts as "no": nothing is handed over then.
        let signed_in = self.signed_in().await.unwrap_or(true);
        let asking = self.pending_sign_in().await.map_or(true, |p| p.is_some());
        let heard = handoff::accepts(
            handoff::from_backend(sender_origin, &base),
            signed_in,
            signed_out_by_ally,
            asking,
        );
        let (Some(message), true) = (message, heard) else {
            return refused;
        };
        match message {
            ExternalMessage::Hello => {
                let verifier = handoff::verifier(&self.platform.secure_random());
                let challenge = handoff::challenge(&verifier);
                let pending = PendingHandoff {
                    verifier,
                    created_at: self.now(),
                };
                match store::save(self.store(), keys::HANDOFF, &pending).await {
                    Ok(()) => ExternalAnswer::Challenge { challenge },
                    Err(_) => refused,
                }
            }
            ExternalMessage::Code { code } => {
                let pending: Option<PendingHandoff> = store::load(self.store(), keys::HANDOFF)
                    .await
                    .ok()
                    .flatten();
                // Single use, whatever the outcome.
                let _ = store::forget(self.store(), keys::HANDOFF).await;
                let Some(pending) = pending.filter(|p| p.usable_at(self.now())) else {
                    return refused;
                };
                let request = api::handoff(&base, code, pending.verifier);
                let tokens = match self.platform.backend(request).await {
                    Ok(response) => api::read_sign_in(&response).ok(),
                    Err(_) => None,
                };
                let Some(tokens) = tokens else {
                    return refused;
                };
                match self.hold_sign_in(&base, &tokens).await {
                    Ok(()) => ExternalAnswer::TAKEN,
                    Err(()) => refused,
                }
            }
        }
    }

    /// Keeps freshly handed-over tokens aside with the account they open, for the ally to
    /// confirm. Nothing else changes: the extension stays signed out, reads and uploads nothing.
    /// Tokens whose account cannot be learnt are revoked at once.
    pub(super) async fn hold_sign_in(
        &self,
        base: &str,
        tokens: &allyshare_protocol::SessionTokens,
    ) -> Result<(), ()> {
        let (access, refresh) = auth::tokens_at(self.now(), tokens);
        let me = match self
            .platform
            .backend(api::me(base).bearer(&access.token))
            .await
        {
            Ok(response) => api::read_me(&response).ok(),
            Err(_) => None,
        };
        let Some(me) = me else {
            self.revoke(base, &access, &refresh).await;
            return Err(());
        };
        // A question left over from before (expired) is revoked before a new one is asked.
        if self.drop_pending_sign_in().await.is_err() {
            self.revoke(base, &access, &refresh).await;
            return Err(());
        }
        let pending = PendingSignIn {
            access,
            refresh,
            me,
            created_at: self.now(),
        };
        if store::save(self.store(), keys::PENDING_SIGN_IN, &pending)
            .await
            .is_err()
        {
            self.revoke(base, &pending.access, &pending.refresh).await;
            return Err(());
        }
        Ok(())
    }

    /// The hand-off waiting for the ally's answer, while it can still be confirmed.
    pub(super) async fn pending_sign_in(&self) -> Result<Option<PendingSignIn>, StoreError> {
        let pending: Option<PendingSignIn> =
            store::load(self.store(), keys::PENDING_SIGN_IN).await?;
        Ok(pending.filter(|p| p.usable_at(self.now())))
    }

    /// "Continue as …": the pending hand-off becomes the session, as a password sign-in would.
    pub(super) async fn confirm_sign_in(&self, email: &str) -> Result<(), Problem> {
        let pending = self.pending_sign_in().await?;
        let Some(pending) = pending.filter(|p| p.confirmed_by(email)) else {
            // Expired, or not the account the ally saw: nothing is signed in.
            self.drop_pending_sign_in().await?;
            return Err(Problem::HandoffExpired);
        };
        store::forget(self.store(), keys::PENDING_SIGN_IN).await?;
        self.forget_session().await?;
        // Refresh token first, as in `save_tokens`.
        store::save(self.store(), keys::REFRESH_TOKEN, &pending.refresh).await?;
        store::save(self.store(), keys::ACCESS_TOKEN, &pending.access).await?;
        store::save(self.store(), keys::PROFILE, &pending.me).await?;
        store::forget(self.store(), keys::SIGNED_OUT_BY_ALLY).await?;
        Ok(())
    }

    /// "Not me" (or a sign-in, sign-out or change of server that makes the question moot): the
    /// pending hand-off is forgotten, then revoked at the server when it can be reached.
    pub(super) async fn drop_pending_sign_in(&self) -> Result<(), StoreError> {
        let pending: Option<PendingSignIn> =
            store::load(self.store(), keys::PENDING_SIGN_IN).await?;
        let Some(pending) = pending else {
            return Ok(());
        };
        store::forget(self.store(), keys::PENDING_SIGN_IN).await?;
        let base = self.backend_url().await?;
        self.revoke(&base, &pending.access, &pending.refresh).await;
        Ok(())
    }

    /// Ends a session the extension holds tokens for but does not use (`DELETE
    /// /v1/sessions/current`), refreshing first when the access token is stale. Best effort: an
    /// unreachable server keeps it until it expires.
    pub(super) async fn revoke(&self, base: &str, access: &AccessToken, refresh: &RefreshToken) {
        let token = match auth::next_step(self.now(), Some(access), Some(refresh)) {
            TokenStep::Use(token) => token,
            TokenStep::Refresh(refresh_token) => {
                let renewed = match self
                    .platform
                    .backend(api::refresh(base, &refresh_token))
                    .await
                {
                    Ok(response) => api::read_refresh(&response).ok(),
                    Err(_) => None,
                };
                match renewed {
                    Some(tokens) => tokens.access_token,
                    None => return,
                }
            }
            TokenStep::SignIn => return,
        };
        let _ = self
            .platform
            .backend(api::sign_out(base).bearer(&token))
            .await;
    }
}
