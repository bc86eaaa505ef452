//! Token buckets: their arithmetic, and where they are kept.
//!
//! The sign-in throttles ([`crate::throttle`]: sign-in, *Forgot password?*, the join page) and
//! the per-ally write budget ([`crate::budget`]) are token buckets. A bound that each instance
//! of a server counts on its own is N times the configured bound behind a load balancer of N
//! instances, so where the buckets live follows the repository
//! ([`crate::db::Repository::shared_buckets`]):
//!
//! - on SQLite, [`MemoryBuckets`]: this process's memory (one process serves a SQLite file);
//! - on PostgreSQL, the database's `token_buckets` table (`db::pg::buckets`), shared by every
//!   instance: attempts spread over the instances are counted once.
//!
//! Both stores decide with the same pure function, [`plan`] (over [`Rate::take`]), so they
//! cannot disagree; a store only reads the buckets' levels, and writes back what [`plan`]
//! says, or nothing when it refuses. Both key a bucket by a keyed hash ([`keyed_hash`]),
//! never by the email or address itself: a random secret per process in memory, a secret
//! created once in the database (at the first start) on PostgreSQL. And both forget the
//! buckets that have refilled (a full bucket and no bucket are the same thing), so what they
//! hold stays bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::db::RepoError;

/// A bucket's size and how fast it refills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// The most tokens it holds (what can be spent at once).
    pub burst: u64,
    /// Tokens that come back every [`Rate::every_secs`].
    pub refill: u64,
    /// Seconds between refills (at least 1).
    pub every_secs: i64,
}

/// What a bucket holds: `tokens`, as refilled up to `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub tokens: u64,
    pub at: i64,
}

impl Rate {
    fn every(&self) -> i64 {
        self.every_secs.max(1)
    }

    /// The level of a bucket stored as `stored` (`None`: never spent, or forgotten once full),
    /// refilled up to `now` in whole steps (a step under way keeps its progress).
    pub fn refilled(&self, stored: Option<Level>, now: i64) -> Level {
        let Some(Level { tokens, at }) = stored else {
            return Level {
                tokens: self.burst,
                at: now,
            };
        };
        let steps = (now - at).max(0) / self.every();
        if steps == 0 {
            return Level { tokens, at };
        }
        let back = self
            .refill
            .saturating_mul(u64::try_from(steps).unwrap_or(u64::MAX));
        Level {
            tokens: self.burst.min(tokens.saturating_add(back)),
            at: at + steps * self.every(),
        }
    }

    /// Spends `cost` from a bucket stored as `stored`: its new level, or the seconds until it
    /// holds enough (nothing spent). A cost beyond the burst (never affordable at once) goes
    /// through on a full bucket, emptying it.
    pub fn take(&self, stored: Option<Level>, cost: u64, now: i64) -> Result<Level, u64> {
        let level = self.refilled(stored, now);
        let full = level.tokens >= self.burst;
        // A full bucket starts refilling from now.
        let at = if full { now } else { level.at };
        if level.tokens >= cost {
            return Ok(Level {
                tokens: level.tokens - cost,
                at,
            });
        }
        let needed = if cost > self.burst || self.refill == 0 {
            if full {
                return Ok(Level { tokens: 0, at });
            }
            self.burst - level.tokens
        } else {
            cost - level.tokens
        };
        let steps = i64::try_from(needed.div_ceil(self.refill.max(1))).unwrap_or(i64::MAX);
        let until = level.at.saturating_add(steps.saturating_mul(self.every()));
        Err(u64::try_from(until - now).unwrap_or(1).max(1))
    }

    /// Gives `cost` back to a bucket (at most up to its burst).
    pub fn refund(&self, level: Level, cost: u64) -> Level {
        Level {
            tokens: self.burst.min(level.tokens.saturating_add(cost)),
            at: level.at,
        }
    }

    /// When a bucket at `level` is full again: from then on it may be forgotten.
    pub fn full_at(&self, level: Level) -> i64 {
        let missing = self.burst.saturating_sub(level.tokens);
        if missing == 0 {
            return level.at;
        }
        if self.refill == 0 {
            return i64::MAX;
        }
        let steps = i64::try_from(missing.div_ceil(self.refill)).unwrap_or(i64::MAX);
        level.at.saturating_add(steps.saturating_mul(self.every()))
    }
}

/// One bucket: its kind (`scope`, e.g. `sign_in/address`) and its key there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bucket {
    pub scope: &'static str,
    pub key: i64,
}

/// Spending `cost` from `bucket`, whose rate is `rate`. Takes are checked by `tier`, lowest
/// first: a tier that is refused ends the check (its longest wait is the answer), so a refused
/// cheap bucket never touches the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Take {
    pub bucket: Bucket,
    pub rate: Rate,
    pub cost: u64,
    pub tier: u8,
}

/// What a store found for a take: its stored level (`None`: no bucket, a full one), or a
/// wait of its own (the in-memory store is full: it refuses to track a new bucket).
pub type Found = Result<Option<Level>, u64>;

/// The one decision every store makes: the new level of every bucket in `takes` (in the same
/// order), or the seconds to wait when any is refused (then nothing is spent anywhere).
pub fn plan(takes: &[Take], found: &[Found], now: i64) -> Result<Vec<Level>, u64> {
    debug_assert_eq!(takes.len(), found.len());
    let mut tiers: Vec<u8> = takes.iter().map(|t| t.tier).collect();
    tiers.sort_unstable();
    tiers.dedup();
    let mut levels = vec![None; takes.len()];
    for tier in tiers {
        let mut wait = None;
        for (i, (take, found)) in takes.iter().zip(found).enumerate() {
            if take.tier != tier {
                continue;
            }
            match found.and_then(|stored| take.rate.take(stored, take.cost, now)) {
                Ok(level) => levels[i] = Some(level),
                Err(w) => wait = Some(wait.map_or(w, |v: u64| v.max(w))),
            }
        }
        if let Some(wait) = wait {
            return Err(wait);
        }
    }
    Ok(levels.into_iter().map(|l| l.expect("every tier")).collect())
}

/// The key of `value` among the buckets of `scope`: the first 8 bytes of
/// SHA-256(`secret` ‖ scope ‖ 0 ‖ value). The secret is fixed-length and never leaves the
/// server, so the keys tell nothing about the emails and addresses they stand for.
pub fn keyed_hash(secret: &[u8; 32], scope: &str, value: &[u8]) -> i64 {
    let mut hash = Sha256::new();
    hash.update(secret);
    hash.update(scope.as_bytes());
    hash.update([0]);
    hash.update(value);
    let digest = hash.finalize();
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Where buckets are kept: this process's memory ([`MemoryBuckets`]) or the database.
#[async_trait]
pub trait BucketStore: Send + Sync + std::fmt::Debug {
    /// The key of `value` in `scope` ([`keyed_hash`] with this store's secret).
    async fn key(&self, scope: &'static str, value: &[u8]) -> Result<i64, RepoError>;

    /// Spends every take at once, as [`plan`] decides: `Ok(Err(wait))` when refused (nothing
    /// spent or stored).
    async fn take(&self, takes: &[Take], now: i64) -> Result<Result<(), u64>, RepoError>;

    /// Gives `cost` back to `bucket` if it is still kept ([`Rate::refund`]).
    async fn refund(&self, bucket: Bucket, rate: Rate, cost: u64) -> Result<(), RepoError>;
}

/// Most buckets [`MemoryBuckets`] keeps of one scope (about 40 bytes each with the map's
/// overhead: a few MB). Past that, a bucket it does not hold yet is refused until buckets
/// refill and are forgotten, rather than forgetting the buckets of accounts under attack.
pub const MAX_TRACKED: usize = 100_000;

/// Buckets that have refilled are forgotten this often.
pub const PRUNE_EVERY_SECS: i64 = 60;

#[derive(Debug, Default)]
struct MemoryState {
    /// scope → key → (level, full again at)
    scopes: HashMap<&'static str, HashMap<i64, (Level, i64)>>,
    next_prune: i64,
}

/// The buckets in this process's memory (SQLite's store: one process), keyed with a random
/// secret of this process. A restart refills them: a guard, not a ledger.
#[derive(Debug)]
pub struct MemoryBuckets {
    secret: [u8; 32],
    cap: usize,
    state: Mutex<MemoryState>,
}

impl Default for MemoryBuckets {
    fn default() -> Self {
        MemoryBuckets::with_capacity(MAX_TRACKED)
    }
}

impl MemoryBuckets {
    /// At most `cap` buckets of each scope.
    pub fn with_capacity(cap: usize) -> Self {
        MemoryBuckets {
            secret: rand::random(),
            cap,
            state: Mutex::new(MemoryState::default()),
        }
    }

    /// How many buckets of `scope` are kept.
    pub fn tracked(&self, scope: &str) -> usize {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.scopes.get(scope).map_or(0, HashMap::len)
    }
}

#[async_trait]
impl BucketStore for MemoryBuckets {
    async fn key(&self, scope: &'static str, value: &[u8]) -> Result<i64, RepoError> {
        Ok(keyed_hash(&self.secret, scope, value))
    }

    async fn take(&self, takes: &[Take], now: i64) -> Result<Result<(), u64>, RepoError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if now >= state.next_prune {
            for buckets in state.scopes.values_mut() {
                buckets.retain(|_, (_, full_at)| *full_at > now);
            }
            state.next_prune = now + PRUNE_EVERY_SECS;
        }
        let found: Vec<Found> = takes
            .iter()
            .map(|t| match state.scopes.get(t.bucket.scope) {
                Some(buckets) => match buckets.get(&t.bucket.key) {
                    Some((level, _)) => Ok(Some(*level)),
                    None if buckets.len() >= self.cap => Err(PRUNE_EVERY_SECS as u64),
                    None => Ok(None),
                },
                None => Ok(None),
            })
            .collect();
        let levels = match plan(takes, &found, now) {
            Ok(levels) => levels,
            Err(wait) => return Ok(Err(wait)),
        };
        for (take, level) in takes.iter().zip(levels) {
            let full_at = take.rate.full_at(level);
            state
                .scopes
                .entry(take.bucket.scope)
                .or_default()
                .insert(take.bucket.key, (level, full_at));
        }
        Ok(Ok(()))
    }

    async fn refund(&self, bucket: Bucket, rate: Rate, cost: u64) -> Result<(), RepoError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kept) = state
            .scopes
            .get_mut(bucket.scope)
            .and_then(|b| b.get_mut(&bucket.key))
        {
            let level = rate.refund(kept.0, cost);
            *kept = (level, rate.full_at(level));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate {
        burst: 3,
        refill: 1,
        every_secs: 60,
    };

    #[test]
    fn take_refills_in_whole_steps_and_says_how_long_to_wait() {
        let mut level = None;
        for _ in 0..3 {
            level = Some(RATE.take(level, 1, 0).unwrap());
        }
        assert_eq!(RATE.take(level, 1, 0), Err(60));
        assert_eq!(RATE.take(level, 1, 59), Err(1));
        let after = RATE.take(level, 1, 90).unwrap();
        assert_eq!(after, Level { tokens: 0, at: 60 }, "the half step is kept");
        assert_eq!(RATE.take(Some(after), 1, 100), Err(20));
        assert_eq!(RATE.full_at(after), 240);
    }

    #[test]
    fn a_cost_beyond_the_burst_passes_on_a_full_bucket_only() {
        let rate = Rate {
            burst: 100,
            refill: 10,
            every_secs: 1,
        };
        let half = rate.take(None, 50, 0).unwrap();
        assert_eq!(rate.take(Some(half), 500, 0), Err(5));
        assert_eq!(
            rate.take(Some(half), 500, 5),
            Ok(Level { tokens: 0, at: 5 })
        );
        assert_eq!(
            rate.refund(half, 80).tokens,
            100,
            "refunds stop at the burst"
        );
    }

    #[test]
    fn a_refused_tier_ends_the_check_and_spends_nothing() {
        let bucket = |key| Bucket { scope: "test", key };
        let takes = [
            Take {
                bucket: bucket(1),
                rate: RATE,
                cost: 1,
                tier: 0,
            },
            Take {
                bucket: bucket(2),
                rate: RATE,
                cost: 1,
                tier: 1,
            },
            Take {
                bucket: bucket(3),
                rate: Rate {
                    every_secs: 600,
                    ..RATE
                },
                cost: 1,
                tier: 1,
            },
        ];
        let empty = Ok(Some(Level { tokens: 0, at: 0 }));
        assert_eq!(plan(&takes, &[empty, empty, empty], 0), Err(60), "tier 0");
        assert_eq!(plan(&takes, &[Ok(None), empty, empty], 0), Err(600), "max");
        assert_eq!(plan(&takes, &[Ok(None), Ok(None), Err(7)], 0), Err(7));
        let spent = plan(&takes, &[Ok(None); 3], 5).unwrap();
        assert_eq!(spent, vec![Level { tokens: 2, at: 5 }; 3]);
    }

    #[test]
    fn keys_depend_on_the_secret_and_the_scope() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(keyed_hash(&a, "s", b"x"), keyed_hash(&a, "s", b"x"));
        assert_ne!(keyed_hash(&a, "s", b"x"), keyed_hash(&b, "s", b"x"));
        assert_ne!(keyed_hash(&a, "s", b"x"), keyed_hash(&a, "t", b"x"));
    }
}
