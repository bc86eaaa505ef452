//! The ally's settings: the backend's address (a change signs out of the old one), the sync
//! cadence, and the preferences the backend keeps (ask emails).

use super::*;

/// The stored choice of backend, else the build's default.
pub(super) fn backend_url_or_default(stored: Option<String>) -> String {
    stored.unwrap_or_else(|| DEFAULT_BACKEND_URL.to_string())
}

impl<P: Platform> Worker<P> {
    /// The backend in use: the ally's choice, else the build's default.
    pub async fn backend_url(&self) -> Result<String, StoreError> {
        Ok(backend_url_or_default(
            store::load(self.store(), keys::BACKEND_URL).await?,
        ))
    }

    pub(super) async fn set_backend_url(&self, input: &str) -> Result<(), Problem> {
        let url =
            crate::settings::normalize_backend_url(input).map_err(|e| Problem::InvalidUrl {
                reason: e.to_string(),
            })?;
        if url == self.backend_url().await? {
            return Ok(());
        }
        // Tokens and acknowledgements belong to the old backend: end that session first (and
        // any hand-off from it still waiting for an answer).
        self.drop_pending_sign_in().await?;
        self.sign_out().await?;
        if url == DEFAULT_BACKEND_URL {
            store::forget(self.store(), keys::BACKEND_URL).await?;
        } else {
            store::save(self.store(), keys::BACKEND_URL, &url).await?;
        }
        Ok(())
    }

    /// The ally's preferences as the backend has them, after setting them to `new` if given.
    pub(super) async fn preferences(
        &self,
        new: Option<allyshare_protocol::Preferences>,
    ) -> Result<allyshare_protocol::Preferences, Problem> {
        let response = match new {
            Some(preferences) => {
                self.call(|base| api::set_preferences(base, preferences))
                    .await?
            }
            None => self.call(api::preferences).await?,
        };
        api::read_preferences(&response).map_err(|e| Problem::Unexpected {
            detail: e.to_string(),
        })
    }

    pub(super) async fn set_cadence(
        &self,
        routine_hours: u32,
        full_days: u32,
    ) -> Result<(), Problem> {
        if !(1..=24 * 7).contains(&routine_hours) || !(1..=30).contains(&full_days) {
            return Err(Problem::Unexpected {
                detail: "routine sync every 1 to 168 hours, full sync every 1 to 30 days".into(),
            });
        }
        self.change_job(|job| {
            job.schedule.cadence = crate::jobs::Cadence {
                routine_every_secs: u64::from(routine_hours) * 3600,
                full_every_secs: u64::from(full_days) * 86_400,
            };
        })
        .await?;
        Ok(())
    }
}
