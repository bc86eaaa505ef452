//! The per-ally write budget: a token bucket per person, in memory.
//!
//! Every contact-sync write costs its number of contacts plus a fixed [`REQUEST_COST`], so
//! neither huge batches nor floods of tiny requests get through. A full sync of 30,000
//! contacts fits in the default burst; repeating it back to back does not, and the answer is
//! 429 with `Retry-After` (whole seconds until the bucket holds enough again).
//!
//! The buckets live in memory: a restart refills them, which is fine for a guard against
//! runaway clients (it is not a quota).

use std::collections::HashMap;
use std::sync::Mutex;

/// What every write request costs on top of its items.
pub const REQUEST_COST: u64 = 10;

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

#[derive(Debug)]
pub struct Buckets {
    budget: WriteBudget,
    /// person id → (available, at time)
    state: Mutex<HashMap<i64, (u64, i64)>>,
}

impl Buckets {
    pub fn new(budget: WriteBudget) -> Self {
        Buckets {
            budget,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Spends `cost` from the person's bucket, or says how many seconds to wait.
    pub fn spend(&self, person_id: i64, cost: u64, now: i64) -> Result<(), u64> {
        let WriteBudget { burst, per_second } = self.budget;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (available, at) = state.entry(person_id).or_insert((burst, now));
        let elapsed = u64::try_from(now - *at).unwrap_or(0);
        *available = burst.min(available.saturating_add(elapsed.saturating_mul(per_second)));
        *at = now;
        if *available >= cost {
            *available -= cost;
            return Ok(());
        }
        if cost > burst || per_second == 0 {
            // Never affordable at once; wait for a full bucket and let it through then.
            let wait = (burst - *available).div_ceil(per_second.max(1));
            if *available == burst {
                *available = 0;
                return Ok(());
            }
            return Err(wait.max(1));
        }
        Err((cost - *available).div_ceil(per_second).max(1))
    }

    /// Gives back what a request that turned out to do nothing had spent.
    pub fn refund(&self, person_id: i64, cost: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((available, _)) = state.get_mut(&person_id) {
            *available = self.budget.burst.min(*available + cost);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spends_refills_and_says_how_long_to_wait() {
        let b = Buckets::new(WriteBudget {
            burst: 100,
            per_second: 10,
        });
        assert_eq!(b.spend(1, 60, 0), Ok(()));
        assert_eq!(b.spend(1, 60, 0), Err(2));
        assert_eq!(b.spend(2, 60, 0), Ok(()), "buckets are per person");
        assert_eq!(b.spend(1, 60, 2), Ok(()));
        b.refund(1, 60);
        assert_eq!(b.spend(1, 60, 2), Ok(()));
        assert_eq!(b.spend(1, 100, 100), Ok(()), "refills up to the burst only");
        assert_eq!(b.spend(1, 1, 100), Err(1));
    }
}
