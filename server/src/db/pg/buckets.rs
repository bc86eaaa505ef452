//! The token buckets in the database (`token_buckets`), shared by every instance: the store
//! of [`crate::buckets`] on PostgreSQL, so a sign-in throttle or a write budget counts the
//! attempts every instance saw, once.
//!
//! A spend is one transaction. Its first statement locks the buckets' rows, creating those
//! that do not exist yet (`INSERT … ON CONFLICT DO UPDATE`, a new row with NULL levels: a full
//! bucket), in one order (scope, key) so two spends never deadlock; then the same pure
//! decision as in memory ([`crate::buckets::plan`]) says what the levels become. Allowed: one
//! `UPDATE` writes them, and the transaction commits. Refused: the transaction rolls back, so
//! a refused attempt spends and stores nothing. Two instances racing for one bucket wait for
//! each other's row lock: they never both spend its last token.
//!
//! The keys are keyed hashes under a secret of the database (`server_secrets`), made by the
//! first instance to start (`INSERT … ON CONFLICT DO NOTHING`, then read back: every instance
//! reads the same one). Rows full again are deleted every minute by each instance: deleting a
//! full bucket changes nothing (no row is a full bucket), so it is safe from any instance at
//! any time, and needs no lock.

use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use sqlx::{PgPool, Row};
use tokio::sync::OnceCell;

use crate::buckets::{
    keyed_hash, plan, Bucket, BucketStore, Found, Level, Rate, Take, PRUNE_EVERY_SECS,
};
use crate::db::RepoError;

/// The name of the buckets' secret in `server_secrets`.
const SECRET_NAME: &str = "bucket_key";

/// The buckets of one database.
#[derive(Debug)]
pub struct PgBuckets {
    pool: PgPool,
    secret: OnceCell<[u8; 32]>,
    next_prune: AtomicI64,
}

impl PgBuckets {
    pub fn new(pool: PgPool) -> PgBuckets {
        PgBuckets {
            pool,
            secret: OnceCell::new(),
            next_prune: AtomicI64::new(0),
        }
    }

    /// The database's secret, made by whichever instance asks first.
    async fn secret(&self) -> Result<&[u8; 32], RepoError> {
        self.secret
            .get_or_try_init(|| async {
                let fresh: [u8; 32] = rand::random();
                sqlx::query(
                    "INSERT INTO server_secrets (name, secret) VALUES ($1, $2)
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(SECRET_NAME)
                .bind(&fresh[..])
                .execute(&self.pool)
                .await?;
                let stored: Vec<u8> =
                    sqlx::query_scalar("SELECT secret FROM server_secrets WHERE name = $1")
                        .bind(SECRET_NAME)
                        .fetch_one(&self.pool)
                        .await?;
                <[u8; 32]>::try_from(stored.as_slice()).map_err(|_| {
                    RepoError::Corrupt("server_secrets.bucket_key is not 32 bytes".into())
                })
            })
            .await
    }

    /// Deletes the rows full again by `now`, at most once a minute per instance.
    async fn prune(&self, now: i64) -> Result<(), RepoError> {
        let due = self.next_prune.load(Ordering::Relaxed);
        if now < due
            || self
                .next_prune
                .compare_exchange(
                    due,
                    now + PRUNE_EVERY_SECS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return Ok(());
        }
        sqlx::query("DELETE FROM token_buckets WHERE full_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn level_of(tokens: Option<i64>, at: Option<i64>) -> Option<Level> {
    Some(Level {
        tokens: u64::try_from(tokens?).unwrap_or(0),
        at: at?,
    })
}

fn db_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl BucketStore for PgBuckets {
    async fn key(&self, scope: &'static str, value: &[u8]) -> Result<i64, RepoError> {
        Ok(keyed_hash(self.secret().await?, scope, value))
    }

    async fn take(&self, takes: &[Take], now: i64) -> Result<Result<(), u64>, RepoError> {
        self.prune(now).await?;
        if takes.is_empty() {
            return Ok(Ok(()));
        }
        let mut order: Vec<usize> = (0..takes.len()).collect();
        order.sort_by_key(|&i| takes[i].bucket);
        let scopes: Vec<&str> = order.iter().map(|&i| takes[i].bucket.scope).collect();
        let keys: Vec<i64> = order.iter().map(|&i| takes[i].bucket.key).collect();
        let mut tx = self.pool.begin().await?;
        let locked = sqlx::query(
            "INSERT INTO token_buckets (scope, key, tokens, at, full_at)
             SELECT s, k, NULL, NULL, $3 FROM UNNEST($1::text[], $2::bigint[]) AS b(s, k)
             ORDER BY s, k
             ON CONFLICT (scope, key) DO UPDATE SET tokens = token_buckets.tokens
             RETURNING scope, key, tokens, at",
        )
        .bind(&scopes)
        .bind(&keys)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let mut found: Vec<Found> = vec![Ok(None); takes.len()];
        for row in &locked {
            let (scope, key): (String, i64) = (row.try_get("scope")?, row.try_get("key")?);
            let level = level_of(row.try_get("tokens")?, row.try_get("at")?);
            for (i, take) in takes.iter().enumerate() {
                if take.bucket.scope == scope && take.bucket.key == key {
                    found[i] = Ok(level);
                }
            }
        }
        let levels = match plan(takes, &found, now) {
            Ok(levels) => levels,
            Err(wait) => {
                tx.rollback().await?;
                return Ok(Err(wait));
            }
        };
        let tokens: Vec<i64> = order.iter().map(|&i| db_int(levels[i].tokens)).collect();
        let ats: Vec<i64> = order.iter().map(|&i| levels[i].at).collect();
        let full_ats: Vec<i64> = order
            .iter()
            .map(|&i| takes[i].rate.full_at(levels[i]))
            .collect();
        sqlx::query(
            "UPDATE token_buckets b SET tokens = n.tokens, at = n.at, full_at = n.full_at
             FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
                  AS n(scope, key, tokens, at, full_at)
             WHERE b.scope = n.scope AND b.key = n.key",
        )
        .bind(&scopes)
        .bind(&keys)
        .bind(&tokens)
        .bind(&ats)
        .bind(&full_ats)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn refund(&self, bucket: Bucket, rate: Rate, cost: u64) -> Result<(), RepoError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT tokens, at FROM token_buckets WHERE scope = $1 AND key = $2 FOR UPDATE",
        )
        .bind(bucket.scope)
        .bind(bucket.key)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(level) = row
            .map(|r| Ok::<_, sqlx::Error>(level_of(r.try_get("tokens")?, r.try_get("at")?)))
            .transpose()?
            .flatten()
        else {
            return Ok(());
        };
        let level = rate.refund(level, cost);
        sqlx::query(
            "UPDATE token_buckets SET tokens = $3, full_at = $4 WHERE scope = $1 AND key = $2",
        )
        .bind(bucket.scope)
        .bind(bucket.key)
        .bind(db_int(level.tokens))
        .bind(rate.full_at(level))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
