//! Sign-in throttling: password guessing is slowed per account and per client address.
//!
//! Every attempt to sign in (email and password, a password change, a hand-off code) spends
//! one token from the bucket of the account it names (the normalised email, whether or not
//! such an account exists, so the answer never tells them apart) and from the bucket of the
//! address it comes from. An empty bucket answers 429 with `Retry-After` before any password
//! is checked. Per account stops a slow guess at one person from many addresses; per address
//! stops one machine from trying many accounts.
//!
//! In memory like the write budget (a restart refills the buckets): a guard, not a ledger.
//! Full buckets are forgotten when the maps grow, so made-up emails cannot exhaust memory.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

/// A bucket's size and how fast it refills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Attempts that can be made at once.
    pub burst: u32,
    /// One attempt comes back every this many seconds.
    pub refill_secs: u32,
}

/// The sign-in limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    pub per_account: Rate,
    pub per_address: Rate,
}

impl Default for SignInLimits {
    /// 10 attempts on one account, then one a minute; 100 from one address (an office behind
    /// one NAT), then one every 3 seconds.
    fn default() -> Self {
        SignInLimits {
            per_account: Rate {
                burst: 10,
                refill_secs: 60,
            },
            per_address: Rate {
                burst: 100,
                refill_secs: 3,
            },
        }
    }
}

/// Forget full buckets once a map holds this many.
const PRUNE_AT: usize = 10_000;

#[derive(Debug)]
struct Buckets<K> {
    rate: Rate,
    /// key → (tokens, at time)
    state: HashMap<K, (u32, i64)>,
}

impl<K: Eq + Hash + Clone> Buckets<K> {
    fn new(rate: Rate) -> Self {
        Buckets {
            rate,
            state: HashMap::new(),
        }
    }

    /// The tokens in `key`'s bucket now (refilled), or seconds until one is back.
    fn available(&mut self, key: &K, now: i64) -> Result<(), u64> {
        let Rate { burst, refill_secs } = self.rate;
        let refill = i64::from(refill_secs.max(1));
        let (tokens, at) = self.state.entry(key.clone()).or_insert((burst, now));
        let back = (now - *at).max(0) / refill;
        if back > 0 {
            *tokens = burst.min(tokens.saturating_add(u32::try_from(back).unwrap_or(u32::MAX)));
            *at += back * refill;
        }
        if *tokens == burst {
            *at = now;
        }
        if *tokens > 0 {
            Ok(())
        } else {
            Err(u64::try_from(*at + refill - now).unwrap_or(1).max(1))
        }
    }

    fn spend(&mut self, key: &K) {
        if let Some((tokens, _)) = self.state.get_mut(key) {
            *tokens = tokens.saturating_sub(1);
        }
        if self.state.len() > PRUNE_AT {
            let burst = self.rate.burst;
            self.state.retain(|_, (tokens, _)| *tokens < burst);
        }
    }
}

/// The per-account and per-address buckets.
#[derive(Debug)]
pub struct SignInThrottle {
    inner: Mutex<(Buckets<String>, Buckets<IpAddr>)>,
}

impl SignInThrottle {
    pub fn new(limits: SignInLimits) -> Self {
        SignInThrottle {
            inner: Mutex::new((
                Buckets::new(limits.per_account),
                Buckets::new(limits.per_address),
            )),
        }
    }

    /// Spends one attempt for `account` (a normalised email) and `address`, or says how many
    /// seconds to wait (spending nothing).
    pub fn attempt(
        &self,
        account: Option<&str>,
        address: Option<IpAddr>,
        now: i64,
    ) -> Result<(), u64> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (accounts, addresses) = &mut *guard;
        let account = account.map(str::to_string);
        let by_account = match &account {
            Some(a) => accounts.available(a, now),
            None => Ok(()),
        };
        let by_address = match &address {
            Some(a) => addresses.available(a, now),
            None => Ok(()),
        };
        match (by_account, by_address) {
            (Ok(()), Ok(())) => {
                if let Some(a) = &account {
                    accounts.spend(a);
                }
                if let Some(a) = &address {
                    addresses.spend(a);
                }
                Ok(())
            }
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(wait), _) | (_, Err(wait)) => Err(wait),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: SignInLimits = SignInLimits {
        per_account: Rate {
            burst: 3,
            refill_secs: 60,
        },
        per_address: Rate {
            burst: 5,
            refill_secs: 10,
        },
    };

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn per_account_then_refilled_one_at_a_time() {
        let t = SignInThrottle::new(LIMITS);
        for i in 0..3 {
            assert_eq!(t.attempt(Some("a@x"), ip(i), 0), Ok(()));
        }
        assert_eq!(t.attempt(Some("a@x"), ip(9), 0), Err(60));
        assert_eq!(t.attempt(Some("a@x"), ip(9), 59), Err(1));
        assert_eq!(t.attempt(Some("b@x"), ip(9), 59), Ok(()), "per account");
        assert_eq!(t.attempt(Some("a@x"), ip(9), 60), Ok(()));
        assert_eq!(t.attempt(Some("a@x"), ip(9), 61), Err(59));
    }

    #[test]
    fn per_address_across_accounts() {
        let t = SignInThrottle::new(LIMITS);
        for i in 0..5 {
            assert_eq!(t.attempt(Some(&format!("{i}@x")), ip(1), 0), Ok(()));
        }
        assert_eq!(t.attempt(Some("new@x"), ip(1), 0), Err(10));
        assert_eq!(t.attempt(None, ip(1), 5), Err(5));
        assert_eq!(t.attempt(Some("new@x"), ip(2), 5), Ok(()), "per address");
        // A refused attempt spends nothing: the account still has its three.
        for _ in 0..2 {
            assert_eq!(t.attempt(Some("new@x"), ip(3), 5), Ok(()));
        }
        assert_eq!(t.attempt(Some("new@x"), ip(3), 5), Err(60));
    }
}
