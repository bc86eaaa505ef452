//! Sign-in throttling: password guessing is slowed per account and address, per account, and
//! per client address.
//!
//! Every attempt to sign in (email and password, a password change, a hand-off code) spends
//! one token from three buckets, checked cheapest first, before any password is checked:
//!
//! 1. the client address's (an IPv6 address counts by its /64, what one client usually has):
//!    stops one machine from trying many accounts;
//! 2. the account's *from this address* (the normalised email, whether or not such an account
//!    exists, so the answer never tells them apart): the usual guessing limit;
//! 3. the account's from every address together, a higher ceiling: stops a slow guess at one
//!    person spread over many addresses.
//!
//! So someone who guesses at an account from their own address runs out of attempts on
//! *their* pair, and the owner, signing in from their usual address, still gets in. An empty
//! bucket answers 429 with `Retry-After`; a refused attempt spends nothing and stores nothing.
//!
//! Memory is bounded whatever the input: the maps are keyed by a keyed 64-bit hash (SipHash
//! with a per-process random key), never by the email itself (the protocol bounds an email to
//! 254 characters anyway); buckets that have refilled are forgotten every minute; and each map
//! holds at most [`MAX_TRACKED`] buckets — past that, attempts for accounts or addresses it
//! does not track yet are refused (429) until buckets refill and are pruned, rather than
//! forgetting the buckets of accounts under attack.
//!
//! In memory like the write budget (a restart refills the buckets): a guard, not a ledger.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
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
    /// One account from one address.
    pub per_account_address: Rate,
    /// One account from all addresses together (a higher ceiling than the one above).
    pub per_account: Rate,
    /// One address, whatever the accounts.
    pub per_address: Rate,
}

impl Default for SignInLimits {
    /// 10 attempts on one account from one address, then one a minute; 100 on one account
    /// from anywhere, then one every 30 seconds; 100 from one address (an office behind one
    /// NAT), then one every 3 seconds.
    fn default() -> Self {
        SignInLimits {
            per_account_address: Rate {
                burst: 10,
                refill_secs: 60,
            },
            per_account: Rate {
                burst: 100,
                refill_secs: 30,
            },
            per_address: Rate {
                burst: 100,
                refill_secs: 3,
            },
        }
    }
}

/// Most buckets one map holds (about 40 bytes each with the map's overhead: a few MB).
pub const MAX_TRACKED: usize = 100_000;
/// Refilled buckets are forgotten this often.
const PRUNE_EVERY_SECS: i64 = 60;

/// Buckets keyed by a 64-bit hash.
#[derive(Debug)]
struct Buckets {
    rate: Rate,
    /// key → (tokens, at time)
    state: HashMap<u64, (u32, i64)>,
    cap: usize,
}

impl Buckets {
    fn new(rate: Rate, cap: usize) -> Self {
        Buckets {
            rate,
            state: HashMap::new(),
            cap,
        }
    }

    fn refill(&self) -> i64 {
        i64::from(self.rate.refill_secs.max(1))
    }

    /// `(tokens, at)` refilled up to `now`.
    fn current(&self, tokens: u32, at: i64, now: i64) -> (u32, i64) {
        let refill = self.refill();
        let back = (now - at).max(0) / refill;
        if back == 0 {
            return (tokens, at);
        }
        let tokens = self
            .rate
            .burst
            .min(tokens.saturating_add(u32::try_from(back).unwrap_or(u32::MAX)));
        (tokens, at + back * refill)
    }

    /// `None` when `key` may spend now, or the seconds until it may. Changes nothing.
    fn wait(&self, key: u64, now: i64) -> Option<u64> {
        match self.state.get(&key) {
            None if self.state.len() >= self.cap => Some(PRUNE_EVERY_SECS as u64),
            None => None,
            Some(&(tokens, at)) => {
                let (tokens, at) = self.current(tokens, at, now);
                (tokens == 0).then(|| u64::try_from(at + self.refill() - now).unwrap_or(1).max(1))
            }
        }
    }

    /// Spends one token of `key` (after [`Buckets::wait`] said it may).
    fn spend(&mut self, key: u64, now: i64) {
        let burst = self.rate.burst;
        let (tokens, at) = match self.state.get(&key) {
            Some(&(tokens, at)) => self.current(tokens, at, now),
            None => (burst, now),
        };
        // A full bucket starts refilling from now.
        let at = if tokens >= burst { now } else { at };
        self.state.insert(key, (tokens.saturating_sub(1), at));
    }

    /// Forgets the buckets that are full again by `now`.
    fn prune(&mut self, now: i64) {
        let (burst, refill) = (self.rate.burst, self.refill());
        self.state.retain(|_, (tokens, at)| {
            let missing = i64::from(burst.saturating_sub(*tokens));
            *at + missing * refill > now
        });
    }
}

#[derive(Debug)]
struct State {
    by_address: Buckets,
    by_account_address: Buckets,
    by_account: Buckets,
    next_prune: i64,
}

/// The three kinds of bucket.
#[derive(Debug)]
pub struct SignInThrottle {
    keys: RandomState,
    inner: Mutex<State>,
}

/// The address a bucket is kept for: IPv4 as is, IPv6 by its /64.
fn address_block(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
    }
}

impl SignInThrottle {
    pub fn new(limits: SignInLimits) -> Self {
        SignInThrottle::with_capacity(limits, MAX_TRACKED)
    }

    fn with_capacity(limits: SignInLimits, cap: usize) -> Self {
        SignInThrottle {
            keys: RandomState::new(),
            inner: Mutex::new(State {
                by_address: Buckets::new(limits.per_address, cap),
                by_account_address: Buckets::new(limits.per_account_address, cap),
                by_account: Buckets::new(limits.per_account, cap),
                next_prune: 0,
            }),
        }
    }

    fn key(&self, value: impl Hash) -> u64 {
        self.keys.hash_one(value)
    }

    /// Spends one attempt for `account` (a normalised email) from `address`, or says how many
    /// seconds to wait (spending and storing nothing).
    pub fn attempt(
        &self,
        account: Option<&str>,
        address: Option<IpAddr>,
        now: i64,
    ) -> Result<(), u64> {
        let address = address.map(address_block);
        let mut state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if now >= state.next_prune {
            state.by_address.prune(now);
            state.by_account_address.prune(now);
            state.by_account.prune(now);
            state.next_prune = now + PRUNE_EVERY_SECS;
        }
        // Cheapest first: a refused address touches no account's bucket.
        let address_key = address.map(|a| self.key(("address", a)));
        if let Some(wait) = address_key.and_then(|k| state.by_address.wait(k, now)) {
            return Err(wait);
        }
        let account_keys =
            account.map(|a| (self.key(("account", address, a)), self.key(("account", a))));
        if let Some((pair, whole)) = account_keys {
            let waits = [
                state.by_account_address.wait(pair, now),
                state.by_account.wait(whole, now),
            ];
            if let Some(wait) = waits.into_iter().flatten().max() {
                return Err(wait);
            }
        }
        if let Some(k) = address_key {
            state.by_address.spend(k, now);
        }
        if let Some((pair, whole)) = account_keys {
            state.by_account_address.spend(pair, now);
            state.by_account.spend(whole, now);
        }
        Ok(())
    }

    /// How many buckets each map holds: (addresses, account and address pairs, accounts).
    #[cfg(test)]
    fn tracked(&self) -> (usize, usize, usize) {
        let state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (
            state.by_address.state.len(),
            state.by_account_address.state.len(),
            state.by_account.state.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: SignInLimits = SignInLimits {
        per_account_address: Rate {
            burst: 3,
            refill_secs: 60,
        },
        per_account: Rate {
            burst: 6,
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
    fn per_account_and_address_then_refilled_one_at_a_time() {
        let t = SignInThrottle::new(LIMITS);
        for _ in 0..3 {
            assert_eq!(t.attempt(Some("a@x"), ip(1), 0), Ok(()));
        }
        assert_eq!(t.attempt(Some("a@x"), ip(1), 0), Err(60));
        assert_eq!(t.attempt(Some("a@x"), ip(1), 59), Err(1));
        assert_eq!(t.attempt(Some("b@x"), ip(1), 59), Ok(()), "another account");
        assert_eq!(t.attempt(Some("a@x"), ip(2), 59), Ok(()), "another address");
        assert_eq!(t.attempt(Some("a@x"), ip(1), 60), Ok(()));
        assert_eq!(t.attempt(Some("a@x"), ip(1), 61), Err(59));
    }

    /// Finding 8 of the security review: wrong passwords from one address no longer lock the
    /// owner out on theirs; the per-account ceiling still stops guesses from many addresses.
    #[test]
    fn guessing_elsewhere_does_not_lock_the_owner_out_but_the_ceiling_holds() {
        let t = SignInThrottle::new(LIMITS);
        for _ in 0..3 {
            assert_eq!(t.attempt(Some("owner@x"), ip(66), 0), Ok(()));
        }
        assert!(t.attempt(Some("owner@x"), ip(66), 0).is_err());
        assert_eq!(t.attempt(Some("owner@x"), ip(1), 0), Ok(()), "the owner");
        // Two more addresses reach the account's ceiling of 6.
        assert_eq!(t.attempt(Some("owner@x"), ip(67), 0), Ok(()));
        assert_eq!(t.attempt(Some("owner@x"), ip(68), 0), Ok(()));
        assert_eq!(t.attempt(Some("owner@x"), ip(69), 0), Err(60));
    }

    #[test]
    fn per_address_across_accounts_and_refusals_spend_nothing() {
        let t = SignInThrottle::new(LIMITS);
        for i in 0..5 {
            assert_eq!(t.attempt(Some(&format!("{i}@x")), ip(1), 0), Ok(()));
        }
        assert_eq!(t.attempt(Some("new@x"), ip(1), 0), Err(10));
        assert_eq!(t.attempt(None, ip(1), 5), Err(5));
        assert_eq!(t.tracked(), (1, 5, 5), "a refused attempt stores nothing");
        assert_eq!(t.attempt(Some("new@x"), ip(2), 5), Ok(()), "per address");
        // A refused attempt spent nothing: the pair still has two of its three.
        for _ in 0..2 {
            assert_eq!(t.attempt(Some("new@x"), ip(2), 5), Ok(()));
        }
        assert_eq!(t.attempt(Some("new@x"), ip(2), 5), Err(60));
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let t = SignInThrottle::new(LIMITS);
        for i in 0..5u16 {
            let a = IpAddr::from([0x2001, 0xdb8, 1, 2, 0, 0, 0, i]);
            assert_eq!(t.attempt(None, Some(a), 0), Ok(()));
        }
        let same_64 = IpAddr::from([0x2001, 0xdb8, 1, 2, 9, 9, 9, 9]);
        assert!(t.attempt(None, Some(same_64), 0).is_err());
        let next_64 = IpAddr::from([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1]);
        assert_eq!(t.attempt(None, Some(next_64), 0), Ok(()));
    }

    /// Finding 3: made-up accounts from many addresses cannot grow the maps without bound.
    /// Refilled buckets are forgotten after a minute, and no map ever passes its cap.
    #[test]
    fn memory_stays_bounded_under_made_up_accounts() {
        let cap = 1_000;
        let t = SignInThrottle::with_capacity(LIMITS, cap);
        let mut refused = 0;
        for i in 0..20_000u32 {
            let address = IpAddr::from(i.to_be_bytes());
            let now = i64::from(i / 100); // 100 attempts a second
            if t.attempt(Some(&format!("guess{i}@x")), Some(address), now)
                .is_err()
            {
                refused += 1;
            }
            let (a, b, c) = t.tracked();
            assert!(a <= cap && b <= cap && c <= cap, "{a} {b} {c} at {i}");
        }
        assert!(refused > 0, "the cap refused some new keys");
        // Nothing is pending any more after the slowest bucket has refilled: all forgotten.
        assert_eq!(t.attempt(None, None, 1_000_000), Ok(()));
        assert_eq!(t.tracked(), (0, 0, 0));
    }
}
