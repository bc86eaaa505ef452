//! Introduction asks: listing and answering them, and the hourly background look that
//! announces each new one once.

use super::*;

/// How often the worker looks for new introduction asks in the background. An ask is not
/// urgent to the minute; an hour keeps it to 24 small requests a day.
pub const ASKS_EVERY_SECS: u64 = 3600;

impl<P: Platform> Worker<P> {
    pub(super) async fn asks(&self) -> Result<Vec<allyshare_protocol::IntroAsk>, Problem> {
        let response = self.call(api::intro_asks).await?;
        let asks = api::read_asks(&response).map_err(|e| Problem::Unexpected {
            detail: e.to_string(),
        })?;
        let pending = asks
            .iter()
            .filter(|a| a.state == allyshare_protocol::IntroAskState::Pending)
            .count() as u32;
        store::save(self.store(), keys::PENDING_ASKS, &pending).await?;
        Ok(asks)
    }

    /// Looks for introduction asks in the background when a look is due (hourly while signed
    /// in) and returns the pending ones not announced before: the caller notifies the ally.
    /// Each ask is announced once; an unreachable server just means no news this time.
    pub async fn new_asks_if_due(&self) -> Result<Vec<allyshare_protocol::IntroAsk>, StoreError> {
        let now = self.now();
        let checked: Option<u64> = store::load(self.store(), keys::ASKS_CHECKED_AT).await?;
        if !self.signed_in().await? || checked.is_some_and(|t| now < t + ASKS_EVERY_SECS) {
            return Ok(Vec::new());
        }
        store::save(self.store(), keys::ASKS_CHECKED_AT, &now).await?;
        let Ok(asks) = self.asks().await else {
            return Ok(Vec::new());
        };
        let announced: HashSet<i64> = store::load(self.store(), keys::ASKS_ANNOUNCED)
            .await?
            .unwrap_or_default();
        let pending: Vec<_> = asks
            .into_iter()
            .filter(|a| a.state == allyshare_protocol::IntroAskState::Pending)
            .collect();
        let ids: HashSet<i64> = pending.iter().map(|a| a.id).collect();
        store::save(self.store(), keys::ASKS_ANNOUNCED, &ids).await?;
        Ok(pending
            .into_iter()
            .filter(|a| !announced.contains(&a.id))
            .collect())
    }

    /// When the next background look at the asks is due (unix seconds).
    pub(super) async fn next_asks_check(&self) -> Result<u64, StoreError> {
        let checked: Option<u64> = store::load(self.store(), keys::ASKS_CHECKED_AT).await?;
        Ok(checked.map_or(self.now(), |t| t + ASKS_EVERY_SECS))
    }

    pub(super) async fn answer_ask(
        &self,
        ask_id: i64,
        made: bool,
        reason: Option<String>,
    ) -> Result<Vec<allyshare_protocol::IntroAsk>, Problem> {
        self.call(|base| api::answer_ask(base, ask_id, made, reason.clone()))
            .await?;
        self.asks().await
    }
}
