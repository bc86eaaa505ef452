//! The per-ally write budget: a token bucket per person.
//!
//! Every contact-sync write costs its number of contacts plus a fixed [`REQUEST_COST`], so
//! neither huge batches nor floods of tiny requests get through. A full sync of 30,000
//! contacts fits in the default burst; repeating it back to back does not, and the answer is
//! 429 with `Retry-After` (whole seconds until the bucket holds enough again).
//!
//! The buckets are kept where the sign-in throttles' are ([`crate::buckets`]): in memory on
//! SQLite (a restart refills them, which is fine for a guard against runaway clients: it is
//! not a quota), in the database on PostgreSQL, so an ally's writes spread over several
//! instances spend one budget.

use std::sync::Arc;

use crate::buckets::{Bucket, BucketStore, Rate, Take};
use crate::db::RepoError;

/// What every write request costs on top of its items.
pub const REQUEST_COST: u64 = 10;

/// The kind of bucket (`token_buckets.scope` on PostgreSQL); the key is the person's id.
pub const SCOPE: &str = "write";

/// The size and refill rate of each person's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteBudget {
    /// Most cost that can be spent at once.
    pub burst: u64,
    /// Cost refilled per second.
    pub per_second: u64,
}

impl Default for WriteBudget {
    /// Room for two full syncs of 30,000 contacts in 500-item batches, then 100 contacts a
    /// second.
    fn default() -> Self {
        WriteBudget {
            burst: 62_000,
            per_second: 100,
        }
    }
}

impl WriteBudget {
    fn rate(self) -> Rate {
        Rate {
            burst: self.burst,
            refill: self.per_second,
            every_secs: 1,
        }
    }
}

/// Every person's bucket, kept in `store`.
#[derive(Debug)]
pub struct Buckets {
    budget: WriteBudget,
    store: Arc<dyn BucketStore>,
}

impl Buckets {
    pub fn new(budget: WriteBudget, store: Arc<dyn BucketStore>) -> Self {
        Buckets { budget, store }
    }

    fn bucket(person_id: i64) -> Bucket {
        Bucket {
            scope: SCOPE,
            key: person_id,
        }
    }

    /// Spends `cost` from the person's bucket, or says how many seconds to wait
    /// (`Ok(Err(wait))`, nothing spent).
    pub async fn spend(
        &self,
        person_id: i64,
        cost: u64,
        now: i64,
    ) -> Result<Result<(), u64>, RepoError> {
        let take = Take {
            bucket: Buckets::bucket(person_id),
            rate: self.budget.rate(),
            cost,
            tier: 0,
        };
        self.store.take(&[take], now).await
    }

    /// Gives back what a request that turned out to do nothing had spent.
    pub async fn refund(&self, person_id: i64, cost: u64) -> Result<(), RepoError> {
        self.store
            .refund(Buckets::bucket(person_id), self.budget.rate(), cost)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buckets::MemoryBuckets;

    #[tokio::test]
    async fn spends_refills_and_says_how_long_to_wait() {
        let b = Buckets::new(
            WriteBudget {
                burst: 100,
                per_second: 10,
            },
            Arc::new(MemoryBuckets::default()),
        );
        let spend = |person, cost, now| {
            let b = &b;
            async move { b.spend(person, cost, now).await.expect("in memory") }
        };
        assert_eq!(spend(1, 60, 0).await, Ok(()));
        assert_eq!(spend(1, 60, 0).await, Err(2));
        assert_eq!(spend(2, 60, 0).await, Ok(()), "buckets are per person");
        assert_eq!(spend(1, 60, 2).await, Ok(()));
        b.refund(1, 60).await.unwrap();
        assert_eq!(spend(1, 60, 2).await, Ok(()));
        assert_eq!(
            spend(1, 100, 100).await,
            Ok(()),
            "refills up to the burst only"
        );
        assert_eq!(spend(1, 1, 100).await, Err(1));
    }
}
