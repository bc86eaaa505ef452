//! Introduction lists on PostgreSQL. For now only what other aggregates' rules need: pruning
//! the entries a network may no longer see (an ally stopped sharing or left).

use sqlx::PgConnection;

use crate::db::RepoError;

/// An entry is visible while some ally sharing with its network holds the contact.
const VISIBLE: &str =
    "EXISTS (SELECT 1 FROM contacts c JOIN memberships m ON m.person_id = c.person_id
                WHERE c.key = e.contact_key AND m.network_id = e.network_id
                  AND m.role = 'ally' AND m.sharing = 1)";

pub(super) async fn prune_entries(
    tx: &mut PgConnection,
    network_id: i64,
) -> Result<u64, RepoError> {
    Ok(sqlx::query(&format!(
        "DELETE FROM intro_list_entries AS e WHERE e.network_id = $1 AND NOT {VISIBLE}"
    ))
    .bind(network_id)
    .execute(&mut *tx)
    .await?
    .rows_affected())
}
/// The networks the person shares their contacts with.
pub(super) async fn sharing_networks(
    tx: &mut PgConnection,
    person_id: i64,
) -> Result<Vec<i64>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT network_id FROM memberships WHERE person_id = $1 AND role = 'ally' AND sharing = 1",
    )
    .bind(person_id)
    .fetch_all(&mut *tx)
    .await?)
}
