//! The PostgreSQL implementation of [`Repository`]: the same operations, rules and rows as the
//! SQLite one, for a server that outgrows one machine (several stateless instances on one
//! database, see the README's *Outgrowing one machine*).
//!
//! Layout: one module per aggregate, as on the SQLite side; this file holds the pool, the
//! trait's implementation (each operation delegates to its aggregate's module) and the row
//! readers several aggregates share. Its schema is `server/migrations-postgres/` (one file
//! equivalent to SQLite's 0001..0016 taken together), applied by [`open_pg`].
//!
//! Differences from SQLite that are PostgreSQL's, not the server's: no single-writer queue
//! (PostgreSQL's row locks and `READ COMMITTED` transactions do that work), no WAL checkpoints
//! to schedule, and `FOR UPDATE SKIP LOCKED` where several instances share one queue.

use allyshare_protocol::{
    ContactDigest, IntroAsk, IntroOutcome, Me, NetworkContact, NetworkMembership, Permissions,
    PersonRef, Role, SyncKind,
};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::{PgPool, Row};

use super::*;

mod ask_mail;
mod buckets;
mod companies;
mod console;
mod imports;
mod intro_requests;
mod invitations;
mod lists;
mod mail;
mod members;
mod network;
#[doc(hidden)]
pub use network::list_contacts_by;
// One text with SQLite's (see `dialect`).
#[allow(clippy::duplicate_mod)]
#[path = "../shared/password_reset.rs"]
mod password_reset;
mod people;
mod sessions;
mod statistics;
mod sync;

/// Whether a `--db` value names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// Connects to the PostgreSQL database at `url` and brings its schema up to date.
pub async fn open_pg(url: &str) -> Result<PgRepository, RepoError> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await?;
    sqlx::migrate!("./migrations-postgres").run(&pool).await?;
    Ok(PgRepository { pool })
}

/// The PostgreSQL implementation of [`Repository`].
#[derive(Debug, Clone)]
pub struct PgRepository {
    pool: PgPool,
}

impl PgRepository {
    /// The pool (for tests that look at the rows, as they open the SQLite file).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

pub(super) const INVITATION_SELECT: &str = super::INVITATION_SELECT;

pub(super) fn invitation_from_row(row: &PgRow) -> Result<InvitationRecord, RepoError> {
    Ok(InvitationRecord {
        id: row.try_get("id")?,
        network_id: row.try_get("network_id")?,
        network_name: row.try_get("network_name")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: parse_role(row.try_get::<&str, _>("role")?)?,
        note: row.try_get("note")?,
        permissions: row
            .try_get::<Option<i64>, _>("permissions")?
            .map(Permissions::from_bits),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub(super) fn membership_from_row(row: &PgRow) -> Result<NetworkMembership, RepoError> {
    let role = parse_role(row.try_get::<&str, _>("role")?)?;
    Ok(NetworkMembership {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role,
        sharing: role == Role::Ally && row.try_get::<i64, _>("sharing")? != 0,
        joined_at: row.try_get("created_at")?,
    })
}

impl_repository!(PgRepository, {
    fn shared_buckets(&self) -> Option<std::sync::Arc<dyn crate::buckets::BucketStore>> {
        Some(std::sync::Arc::new(buckets::PgBuckets::new(
            self.pool.clone(),
        )))
    }

    fn one_writer(&self) -> bool {
        false
    }

    async fn refresh_statistics(&self) -> Result<usize, RepoError> {
        statistics::refresh_sync_statistics(&self.pool).await
    }
});

/// What the statements both backends share (`db/shared/`, compiled once per backend) need
/// from PostgreSQL: its pool and connection, and the steps that differ from SQLite.
mod dialect {
    use crate::db::RepoError;

    pub(super) type Pool = sqlx::PgPool;
    pub(super) use super::people::set_password;

    /// Locks the row `id` of `table` until the transaction ends, so instances sharing the
    /// database take their turns where SQLite's one writer would order them.
    pub(super) async fn lock_for_update(
        tx: &mut sqlx::PgConnection,
        table: &'static str,
        id: i64,
    ) -> Result<(), RepoError> {
        sqlx::query(&format!("SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}
