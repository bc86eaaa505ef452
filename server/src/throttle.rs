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
//! Where the buckets are kept follows the repository ([`crate::buckets`]): in this process's
//! memory on SQLite (one process), in the database on PostgreSQL, shared by every instance
//! (attempts spread over N instances are counted once, not N times). Either way they are keyed
//! by a keyed hash, never by the email itself (the protocol bounds an email to 254 characters
//! anyway); buckets that have refilled are forgotten every minute; and in memory each kind
//! holds at most [`crate::buckets::MAX_TRACKED`] buckets — past that, attempts for accounts or
//! addresses it does not track yet are refused (429) until buckets refill and are forgotten,
//! rather than forgetting the buckets of accounts under attack. (A row of the database's
//! lives at most its burst times its refill time after its last attempt, 5 to 50 minutes for
//! sign-in's, so the rows are bounded by the attempts of that window.)
//!
//! A restart refills the in-memory buckets: a guard, not a ledger.

use std::net::IpAddr;
use std::sync::Arc;

use crate::buckets::{Bucket, BucketStore, Take};
use crate::db::RepoError;

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

impl Rate {
    fn bucket(self) -> crate::buckets::Rate {
        crate::buckets::Rate {
            burst: u64::from(self.burst),
            refill: 1,
            every_secs: i64::from(self.refill_secs.max(1)),
        }
    }
}

/// The names of one throttle's three kinds of bucket (`token_buckets.scope` on PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub address: &'static str,
    pub account_address: &'static str,
    pub account: &'static str,
}

/// Sign-in's (email and password, a password change, a hand-off code).
pub const SIGN_IN: Scopes = Scopes {
    address: "sign_in/address",
    account_address: "sign_in/account_address",
    account: "sign_in/account",
};

/// *Forgot password?*'s.
pub const PASSWORD_RESET: Scopes = Scopes {
    address: "reset/address",
    account_address: "reset/account_address",
    account: "reset/account",
};

/// The join pages'.
pub const JOIN: Scopes = Scopes {
    address: "join/address",
    account_address: "join/account_address",
    account: "join/account",
};

/// The three kinds of bucket of one throttle.
#[derive(Debug)]
pub struct SignInThrottle {
    scopes: Scopes,
    limits: SignInLimits,
    store: Arc<dyn BucketStore>,
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
    /// The throttle named by `scopes`, its buckets kept in `store`.
    pub fn new(scopes: Scopes, limits: SignInLimits, store: Arc<dyn BucketStore>) -> Self {
        SignInThrottle {
            scopes,
            limits,
            store,
        }
    }

    /// Spends one attempt for `account` (a normalised email) from `address`, or says how many
    /// seconds to wait (`Ok(Err(wait))`, spending and storing nothing).
    pub async fn attempt(
        &self,
        account: Option<&str>,
        address: Option<IpAddr>,
        now: i64,
    ) -> Result<Result<(), u64>, RepoError> {
        let address = address.map(address_block);
        let mut takes = Vec::with_capacity(3);
        // Cheapest first: a refused address touches no account's bucket.
        if let Some(a) = address {
            let scope = self.scopes.address;
            takes.push(Take {
                bucket: Bucket {
                    scope,
                    key: self.store.key(scope, a.to_string().as_bytes()).await?,
                },
                rate: self.limits.per_address.bucket(),
                cost: 1,
                tier: 0,
            });
        }
        if let Some(account) = account {
            let pair = match address {
                Some(a) => format!("{a} {account}"),
                None => format!("- {account}"),
            };
            let scope = self.scopes.account_address;
            takes.push(Take {
                bucket: Bucket {
                    scope,
                    key: self.store.key(scope, pair.as_bytes()).await?,
                },
                rate: self.limits.per_account_address.bucket(),
                cost: 1,
                tier: 1,
            });
            let scope = self.scopes.account;
            takes.push(Take {
                bucket: Bucket {
                    scope,
                    key: self.store.key(scope, account.as_bytes()).await?,
                },
                rate: self.limits.per_account.bucket(),
                cost: 1,
                tier: 1,
            });
        }
        self.store.take(&takes, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buckets::MemoryBuckets;

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

    /// A throttle in memory, and its store (to count what it keeps).
    struct T {
        throttle: SignInThrottle,
        store: Arc<MemoryBuckets>,
    }

    impl T {
        fn new() -> T {
            T::with_capacity(crate::buckets::MAX_TRACKED)
        }

        fn with_capacity(cap: usize) -> T {
            let store = Arc::new(MemoryBuckets::with_capacity(cap));
            T {
                throttle: SignInThrottle::new(SIGN_IN, LIMITS, store.clone()),
                store,
            }
        }

        async fn attempt(
            &self,
            account: Option<&str>,
            address: Option<IpAddr>,
            now: i64,
        ) -> Result<(), u64> {
            self.throttle
                .attempt(account, address, now)
                .await
                .expect("in memory")
        }

        /// How many buckets each kind holds: (addresses, account and address pairs, accounts).
        fn tracked(&self) -> (usize, usize, usize) {
            (
                self.store.tracked(SIGN_IN.address),
                self.store.tracked(SIGN_IN.account_address),
                self.store.tracked(SIGN_IN.account),
            )
        }
    }

    #[tokio::test]
    async fn per_account_and_address_then_refilled_one_at_a_time() {
        let t = T::new();
        for _ in 0..3 {
            assert_eq!(t.attempt(Some("a@x"), ip(1), 0).await, Ok(()));
        }
        assert_eq!(t.attempt(Some("a@x"), ip(1), 0).await, Err(60));
        assert_eq!(t.attempt(Some("a@x"), ip(1), 59).await, Err(1));
        assert_eq!(
            t.attempt(Some("b@x"), ip(1), 59).await,
            Ok(()),
            "another account"
        );
        assert_eq!(
            t.attempt(Some("a@x"), ip(2), 59).await,
            Ok(()),
            "another address"
        );
        assert_eq!(t.attempt(Some("a@x"), ip(1), 60).await, Ok(()));
        assert_eq!(t.attempt(Some("a@x"), ip(1), 61).await, Err(59));
    }

    /// Finding 8 of the security review: wrong passwords from one address no longer lock the
    /// owner out on theirs; the per-account ceiling still stops guesses from many addresses.
    #[tokio::test]
    async fn guessing_elsewhere_does_not_lock_the_owner_out_but_the_ceiling_holds() {
        let t = T::new();
        for _ in 0..3 {
            assert_eq!(t.attempt(Some("owner@x"), ip(66), 0).await, Ok(()));
        }
        assert!(t.attempt(Some("owner@x"), ip(66), 0).await.is_err());
        assert_eq!(
            t.attempt(Some("owner@x"), ip(1), 0).await,
            Ok(()),
            "the owner"
        );
        // Two more addresses reach the account's ceiling of 6.
        assert_eq!(t.attempt(Some("owner@x"), ip(67), 0).await, Ok(()));
        assert_eq!(t.attempt(Some("owner@x"), ip(68), 0).await, Ok(()));
        assert_eq!(t.attempt(Some("owner@x"), ip(69), 0).await, Err(60));
    }

    #[tokio::test]
    async fn per_address_across_accounts_and_refusals_spend_nothing() {
        let t = T::new();
        for i in 0..5 {
            assert_eq!(t.attempt(Some(&format!("{i}@x")), ip(1), 0).await, Ok(()));
        }
        assert_eq!(t.attempt(Some("new@x"), ip(1), 0).await, Err(10));
        assert_eq!(t.attempt(None, ip(1), 5).await, Err(5));
        assert_eq!(t.tracked(), (1, 5, 5), "a refused attempt stores nothing");
        assert_eq!(
            t.attempt(Some("new@x"), ip(2), 5).await,
            Ok(()),
            "per address"
        );
        // A refused attempt spent nothing: the pair still has two of its three.
        for _ in 0..2 {
            assert_eq!(t.attempt(Some("new@x"), ip(2), 5).await, Ok(()));
        }
        assert_eq!(t.attempt(Some("new@x"), ip(2), 5).await, Err(60));
    }

    #[tokio::test]
    async fn an_ipv6_client_counts_by_its_64() {
        let t = T::new();
        for i in 0..5u16 {
            let a = IpAddr::from([0x2001, 0xdb8, 1, 2, 0, 0, 0, i]);
            assert_eq!(t.attempt(None, Some(a), 0).await, Ok(()));
        }
        let same_64 = IpAddr::from([0x2001, 0xdb8, 1, 2, 9, 9, 9, 9]);
        assert!(t.attempt(None, Some(same_64), 0).await.is_err());
        let next_64 = IpAddr::from([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1]);
        assert_eq!(t.attempt(None, Some(next_64), 0).await, Ok(()));
    }

    /// Finding 3: made-up accounts from many addresses cannot grow the maps without bound.
    /// Refilled buckets are forgotten after a minute, and no map ever passes its cap.
    #[tokio::test]
    async fn memory_stays_bounded_under_made_up_accounts() {
        let cap = 1_000;
        let t = T::with_capacity(cap);
        let mut refused = 0;
        for i in 0..20_000u32 {
            let address = IpAddr::from(i.to_be_bytes());
            let now = i64::from(i / 100); // 100 attempts a second
            if t.attempt(Some(&format!("guess{i}@x")), Some(address), now)
                .await
                .is_err()
            {
                refused += 1;
            }
            let (a, b, c) = t.tracked();
            assert!(a <= cap && b <= cap && c <= cap, "{a} {b} {c} at {i}");
        }
        assert!(refused > 0, "the cap refused some new keys");
        // Nothing is pending any more after the slowest bucket has refilled: all forgotten.
        assert_eq!(t.attempt(None, None, 1_000_000).await, Ok(()));
        assert_eq!(t.tracked(), (0, 0, 0));
    }
}
