//! The planner's statistics of the tables a sync writes, brought up to date as soon as a sync
//! has changed them much, rather than at autovacuum's next visit.
//!
//! Why: autovacuum looks at a database once a minute (`autovacuum_naptime`), and until it has
//! analyzed a table the planner guesses its rows. Right after a network's first large syncs
//! those guesses were off by thousands: each ally's rows taken for one, each of 50 keys for
//! 800 rows. Every plan chosen on them was wrong at once — a contact page read all 250,000
//! contacts in a hash join (1.8 s), the indexer compared every pair of one ally's rows —
//! and under `./build.sh load --db postgres` every kind of request waited seconds behind them.
//!
//! The rule is autovacuum's (analyze when a tenth more than at the last analysis), on the
//! table's size rather than on its counts of changed rows: a backend reports those counts up
//! to 10 s after its commit, so the check that follows a large first sync would not see it,
//! while the file has grown at once. The floor is 16 pages (128 KB, a few hundred rows), so a
//! trickle of small syncs does not analyze again and again; what does not grow a table
//! (changed names, removals) waits for autovacuum, as before. Run after the indexer's turn
//! (after each commit). Instances share the work: a table is analyzed by whichever instance
//! takes its advisory lock, the others go on.

use sqlx::PgPool;

use crate::db::RepoError;

/// The tables a sync writes in bulk, whose row counts the search's and the sync's plans read.
const SYNC_TABLES: [&str; 4] = [
    "contacts",
    "contact_search_indexed",
    "network_contacts",
    "sync_staged",
];

/// The advisory-lock namespace of these analyses (the table's position in [`SYNC_TABLES`] is
/// the second key).
const ANALYZE_LOCK: i32 = 0x414e_4c5a;

/// Analyzes each of [`SYNC_TABLES`] whose file has grown by more than a tenth (and 16 pages)
/// since its last analysis or vacuum (by anyone: autovacuum, an operator, this), which
/// recorded its size (`pg_class.relpages`); how many it analyzed.
pub(super) async fn refresh_sync_statistics(pool: &PgPool) -> Result<usize, RepoError> {
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT t FROM UNNEST($1::TEXT[]) t JOIN pg_class c ON c.oid = to_regclass(t)
         WHERE pg_relation_size(c.oid) / current_setting('block_size')::BIGINT
               > c.relpages * 1.1 + 16",
    )
    .bind(SYNC_TABLES.as_slice())
    .fetch_all(pool)
    .await?;
    let mut analyzed = 0;
    for table in stale {
        let Some(n) = SYNC_TABLES.iter().position(|t| *t == table) else {
            continue;
        };
        let mut tx = pool.begin().await?;
        let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, $2)")
            .bind(ANALYZE_LOCK)
            .bind(n as i32)
            .fetch_one(&mut *tx)
            .await?;
        if ours {
            // The name is one of SYNC_TABLES, not a value from outside.
            sqlx::query(&format!("ANALYZE {}", SYNC_TABLES[n]))
                .execute(&mut *tx)
                .await?;
            analyzed += 1;
        }
        tx.commit().await?;
    }
    Ok(analyzed)
}
