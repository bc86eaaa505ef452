//! Sharing with the ally's networks, and the LinkedIn session it reads with.
//!
//! The rules kept here: the local state follows what the server confirmed; a network switched
//! on asks for an upload of what was read (or a read first, when nothing was); when no network
//! is shared with any more, the server has deleted the contacts, and so does the extension
//! (and it stops reading LinkedIn).

use super::*;

impl<P: Platform> Worker<P> {
    /// An authenticated call whose answer must be a success; failures in the ally's terms.
    pub(super) async fn call(
        &self,
        build: impl Fn(&str) -> HttpRequest,
    ) -> Result<HttpResponse, Problem> {
        let base = self.backend_url().await?;
        self.authed(|| build(&base))
            .await
            .and_then(|response| api::classify(&response).map(|()| response))
            .map_err(|e| Problem::from_api(&e, &base))
    }

    pub(super) async fn set_sharing(&self, network_id: i64, sharing: bool) -> Result<(), Problem> {
        self.call(|base| api::set_sharing(base, network_id, sharing))
            .await?;
        // The local state follows what the server confirmed.
        self.after_sharing_change().await?;
        if sharing {
            // Upload what was read; with nothing read yet, the read comes first (one running
            // now, onboarding's, uploads when it ends since it asks about sharing then).
            self.change_job(|job| {
                if job.view.contacts > 0 {
                    job.schedule.request_upload();
                } else {
                    job.schedule.request_manual();
                }
            })
            .await?;
        }
        Ok(())
    }

    pub(super) async fn stop_sharing(&self) -> Result<(), Problem> {
        let me: Option<Me> = store::load(self.store(), keys::PROFILE).await?;
        for network in me.iter().flat_map(|m| &m.networks).filter(|n| n.sharing) {
            self.call(|base| api::set_sharing(base, network.id, false))
                .await?;
        }
        self.after_sharing_change().await
    }

    /// Re-reads the networks as the server now has them. When none is shared with any more,
    /// the server has deleted the contacts: so does the extension (and it stops reading
    /// LinkedIn).
    pub(super) async fn after_sharing_change(&self) -> Result<(), Problem> {
        self.refresh_profile().await?;
        if !self.sharing_anywhere().await? {
            self.forget_contacts().await?;
        }
        Ok(())
    }

    /// Forgets the contacts and everything about them: the list, the read's pages, the
    /// ledger, the exclusions, and the job (a run in progress stops at its next step).
    pub(super) async fn forget_contacts(&self) -> Result<(), StoreError> {
        let pages = self.job_record().await?.pages;
        if let Some(job) = self.job.borrow_mut().as_mut() {
            job.reset();
        }
        let mut names: Vec<String> = (0..pages).map(|i| keys::read_page(i).name.into()).collect();
        names.extend((0..CONTACT_BUCKETS).map(|b| keys::contact_bucket(b).name.into()));
        for key in [
            keys::LEDGER.place(),
            keys::JOB.place(),
            keys::EXCLUDED.place(),
        ] {
            names.push(key.1.to_string());
        }
        names.extend(keys::LEGACY_JOB_RECORDS.iter().map(|n| n.to_string()));
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.held_list.changing();
        self.store().remove_many(Area::Durable, &names).await
    }

    /// Looks at LinkedIn's session cookie only. A session that appeared clears "logged out"
    /// (the next sync will tell whether it works); a missing one is "logged out".
    pub(super) async fn check_linkedin(&self) -> Result<(), Problem> {
        let present = self.platform.linkedin_jsessionid().await.is_some();
        self.change_job(|job| {
            let v = &mut job.view;
            v.linkedin = match (present, v.linkedin) {
                (false, _) => LinkedInState::LoggedOut,
                (true, LinkedInState::LoggedOut | LinkedInState::Unknown) => {
                    LinkedInState::Connected
                }
                (true, other) => other,
            };
        })
        .await?;
        Ok(())
    }

    pub(super) async fn sharing_anywhere(&self) -> Result<bool, StoreError> {
        let me: Option<Me> = store::load(self.store(), keys::PROFILE).await?;
        Ok(crate::messages::shares_anywhere(me.as_ref()))
    }
}
