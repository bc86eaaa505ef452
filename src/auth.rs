//! The ally's session with the backend: which token to use, and when to refresh it.
//!
//! The access token is short-lived and kept in memory storage; the refresh token is long-lived,
//! single use, and kept in durable storage so the ally stays signed in across browser restarts.
//! These rules are pure; the worker applies them.

use allyshare_protocol::SessionTokens;
use serde::{Deserialize, Serialize};

/// Refresh this many seconds before the access token expires, so a request never races expiry.
pub const EXPIRY_MARGIN_SECS: u64 = 30;

/// The bearer token for API calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    pub token: String,
    /// Unix seconds.
    pub expires_at: u64,
}

/// The single-use token that buys a new pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    pub token: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl AccessToken {
    /// Whether the token can still be sent at `now` (with the safety margin).
    pub fn usable_at(&self, now: u64) -> bool {
        now.saturating_add(EXPIRY_MARGIN_SECS) < self.expires_at
    }
}

impl RefreshToken {
    /// Whether the token can still be exchanged at `now`.
    pub fn usable_at(&self, now: u64) -> bool {
        now < self.expires_at
    }
}

/// Splits the server's answer into the two stored tokens, with absolute expiries.
pub fn tokens_at(now: u64, tokens: &SessionTokens) -> (AccessToken, RefreshToken) {
    (
        AccessToken {
            token: tokens.access_token.clone(),
            expires_at: now.saturating_add(tokens.access_expires_in),
        },
        RefreshToken {
            token: tokens.refresh_token.clone(),
            expires_at: now.saturating_add(tokens.refresh_expires_in),
        },
    )
}

/// What to do before an authenticated call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStep {
    /// Send this access token.
    Use(String),
    /// Exchange this refresh token first.
    Refresh(String),
    /// Nothing usable is left: the ally must sign in.
    SignIn,
}

/// The access token to send, if the stored one is still usable: then the refresh token is
/// not needed (nor read from storage).
pub fn usable_access(now: u64, access: Option<&AccessToken>) -> Option<String> {
    access.filter(|a| a.usable_at(now)).map(|a| a.token.clone())
}

/// Decides, from what is stored, how to authenticate the next call.
pub fn next_step(
    now: u64,
    access: Option<&AccessToken>,
    refresh: Option<&RefreshToken>,
) -> TokenStep {
    match (usable_access(now, access), refresh) {
        (Some(token), _) => TokenStep::Use(token),
        (None, Some(r)) if r.usable_at(now) => TokenStep::Refresh(r.token.clone()),
        _ => TokenStep::SignIn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (AccessToken, RefreshToken) {
        tokens_at(
            1_000,
            &SessionTokens {
                access_token: "a".into(),
                access_expires_in: 900,
                refresh_token: "r".into(),
                refresh_expires_in: 86_400,
                token_type: "Bearer".into(),
            },
        )
    }

    #[test]
    fn fresh_access_token_is_used() {
        let (a, r) = pair();
        assert_eq!(a.expires_at, 1_900);
        assert_eq!(
            next_step(1_000, Some(&a), Some(&r)),
            TokenStep::Use("a".into())
        );
    }

    #[test]
    fn refreshes_shortly_before_expiry_and_after_a_restart() {
        let (a, r) = pair();
        // Inside the margin: refresh rather than race the expiry.
        assert_eq!(
            next_step(1_900 - EXPIRY_MARGIN_SECS, Some(&a), Some(&r)),
            TokenStep::Refresh("r".into())
        );
        // Browser restarted: the memory area (access token) is gone.
        assert_eq!(
            next_step(1_000, None, Some(&r)),
            TokenStep::Refresh("r".into())
        );
    }

    #[test]
    fn nothing_usable_means_sign_in() {
        let (a, r) = pair();
        assert_eq!(next_step(1_000, None, None), TokenStep::SignIn);
        assert_eq!(
            next_step(r.expires_at, Some(&a), Some(&r)),
            TokenStep::SignIn
        );
    }
}
