//! Introduction lists on PostgreSQL (SQLite: `db/lists.rs`): a network's named lists, their
//! entries (contact keys), and asking for an introduction to every contact of a list. Every
//! statement names the network in SQL; an entry is read through the network's view, and
//! [`prune_entries`] deletes it in the same transaction as whatever took the contact out of
//! that view. Changing a list locks its row first (`UPDATE … RETURNING`), creating one locks
//! the network's row, so two instances keep the limits as SQLite's single writer does.

use std::collections::HashSet;

use allyshare_protocol::lists::{LISTS_MAX_PER_NETWORK, LIST_MAX_ENTRIES};
use allyshare_protocol::{
    EntriesAdded, IntroList, IntroListEntry, KnownBy, ListAskResult, PersonRef, SkipReason,
    SkippedAsk,
};
use sqlx::{PgConnection, PgPool, Row};

use super::network::{insert_ask, record_from_row};
use crate::db::lists::{name_key, AddOutcome, ListNameOutcome};
use crate::db::{NewIntroAsk, RepoError};

const VISIBLE: &str =
    "EXISTS (SELECT 1 FROM contacts c JOIN memberships m ON m.person_id = c.person_id
                WHERE c.key = e.contact_key AND m.network_id = e.network_id
                  AND m.role = 'ally' AND m.sharing = 1)";

fn list_select() -> String {
    format!(
        "SELECT l.id, l.network_id, l.name, l.created_by, p.name AS created_by_name,
                l.created_at, l.updated_at,
                (SELECT COUNT(*) FROM intro_list_entries e
                 WHERE e.list_id = l.id AND e.network_id = l.network_id AND {VISIBLE}) AS entries
         FROM intro_lists l LEFT JOIN people p ON p.id = l.created_by"
    )
}

fn list_from_row(row: &sqlx::postgres::PgRow) -> Result<IntroList, RepoError> {
    let created_by: Option<i64> = row.try_get("created_by")?;
    Ok(IntroList {
        id: row.try_get("id")?,
        network_id: row.try_get("network_id")?,
        name: row.try_get("name")?,
        entries: row.try_get::<i64, _>("entries")?.max(0) as u64,
        created_by: match created_by {
            Some(id) => Some(PersonRef {
                id,
                name: row.try_get("created_by_name")?,
            }),
            None => None,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// What two names that differ only in case have in common (the unique column).
pub(super) async fn lists(pool: &PgPool, network_id: i64) -> Result<Vec<IntroList>, RepoError> {
    sqlx::query(&format!(
        "{} WHERE l.network_id = $1 ORDER BY l.name_key, l.id",
        list_select()
    ))
    .bind(network_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(list_from_row)
    .collect()
}

async fn list_in(
    conn: &mut PgConnection,
    network_id: i64,
    list_id: i64,
) -> Result<Option<IntroList>, RepoError> {
    sqlx::query(&format!(
        "{} WHERE l.network_id = $1 AND l.id = $2",
        list_select()
    ))
    .bind(network_id)
    .bind(list_id)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(list_from_row)
    .transpose()
}

/// One list of the network.
pub(super) async fn list(
    pool: &PgPool,
    network_id: i64,
    list_id: i64,
) -> Result<Option<IntroList>, RepoError> {
    let mut conn = pool.acquire().await?;
    list_in(&mut conn, network_id, list_id).await
}

/// Creates a list in the network, unless the name is taken or the network has its most lists.
pub(super) async fn create(
    pool: &PgPool,
    network_id: i64,
    name: &str,
    by: i64,
    now: i64,
) -> Result<ListNameOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM networks WHERE id = $1 FOR UPDATE")
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO intro_lists (network_id, name, name_key, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (network_id, name_key) DO NOTHING RETURNING id",
    )
    .bind(network_id)
    .bind(name)
    .bind(name_key(name))
    .bind(by)
    .bind(now)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(ListNameOutcome::Duplicate);
    };
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM intro_lists WHERE network_id = $1")
        .bind(network_id)
        .fetch_one(&mut *tx)
        .await?;
    if count as usize > LISTS_MAX_PER_NETWORK {
        return Ok(ListNameOutcome::TooMany);
    }
    let list = list_in(&mut tx, network_id, id)
        .await?
        .ok_or_else(|| RepoError::Corrupt("the new list vanished".into()))?;
    tx.commit().await?;
    Ok(ListNameOutcome::Done {
        before: list.name.clone(),
        list,
    })
}

/// Takes the write lock and finds the list in the network: its name, if it is there.
async fn lock_list(
    tx: &mut PgConnection,
    network_id: i64,
    list_id: i64,
) -> Result<Option<String>, RepoError> {
    Ok(sqlx::query_scalar(
        "UPDATE intro_lists SET updated_at = updated_at WHERE id = $1 AND network_id = $2
         RETURNING name",
    )
    .bind(list_id)
    .bind(network_id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Renames a list of the network to `name` (checked by the caller).
pub(super) async fn rename(
    pool: &PgPool,
    network_id: i64,
    list_id: i64,
    name: &str,
    now: i64,
) -> Result<ListNameOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    let Some(before) = lock_list(&mut tx, network_id, list_id).await? else {
        return Ok(ListNameOutcome::NotFound);
    };
    let taken: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM intro_lists WHERE network_id = $1 AND name_key = $2 AND id != $3)",
    )
    .bind(network_id)
    .bind(name_key(name))
    .bind(list_id)
    .fetch_one(&mut *tx)
    .await?;
    if taken {
        return Ok(ListNameOutcome::Duplicate);
    }
    sqlx::query(
        "UPDATE intro_lists SET name = $1, name_key = $2, updated_at = $3
         WHERE id = $4 AND network_id = $5",
    )
    .bind(name)
    .bind(name_key(name))
    .bind(now)
    .bind(list_id)
    .bind(network_id)
    .execute(&mut *tx)
    .await?;
    let list = list_in(&mut tx, network_id, list_id)
        .await?
        .ok_or_else(|| RepoError::Corrupt("the renamed list vanished".into()))?;
    tx.commit().await?;
    Ok(ListNameOutcome::Done { list, before })
}

/// Deletes a list of the network and its entries; the list as it was.
pub(super) async fn delete(
    pool: &PgPool,
    network_id: i64,
    list_id: i64,
) -> Result<Option<IntroList>, RepoError> {
    let mut tx = pool.begin().await?;
    if lock_list(&mut tx, network_id, list_id).await?.is_none() {
        return Ok(None);
    }
    let list = list_in(&mut tx, network_id, list_id).await?;
    sqlx::query("DELETE FROM intro_lists WHERE id = $1 AND network_id = $2")
        .bind(list_id)
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(list)
}

/// Adds the keys the network can see to the list, up to its most entries.
pub(super) async fn add_entries(
    pool: &PgPool,
    network_id: i64,
    list_id: i64,
    keys: &[String],
    by: i64,
    now: i64,
) -> Result<AddOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    if lock_list(&mut tx, network_id, list_id).await?.is_none() {
        return Ok(AddOutcome::NotFound);
    }
    let before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM intro_list_entries WHERE list_id = $1 AND network_id = $2",
    )
    .bind(list_id)
    .bind(network_id)
    .fetch_one(&mut *tx)
    .await?;
    let mut result = EntriesAdded {
        added: 0,
        already_there: 0,
        not_found: 0,
    };
    let mut seen = HashSet::new();
    for key in keys.iter().filter(|k| seen.insert(k.as_str())) {
        let there: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM intro_list_entries
                            WHERE list_id = $1 AND network_id = $2 AND contact_key = $3)",
        )
        .bind(list_id)
        .bind(network_id)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        if there {
            result.already_there += 1;
            continue;
        }
        let inserted = sqlx::query(
            "INSERT INTO intro_list_entries (list_id, network_id, contact_key, added_by, added_at)
             SELECT $1, $2, $3, $4, $5
             WHERE EXISTS (SELECT 1 FROM contacts c JOIN memberships m ON m.person_id = c.person_id
                           WHERE c.key = $6 AND m.network_id = $7
                             AND m.role = 'ally' AND m.sharing = 1)
             ON CONFLICT DO NOTHING",
        )
        .bind(list_id)
        .bind(network_id)
        .bind(key)
        .bind(by)
        .bind(now)
        .bind(key)
        .bind(network_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            result.added += 1;
        } else {
            result.not_found += 1;
        }
    }
    if before as u64 + result.added > LIST_MAX_ENTRIES as u64 {
        return Ok(AddOutcome::TooMany {
            room: (LIST_MAX_ENTRIES as u64).saturating_sub(before.max(0) as u64),
        });
    }
    if result.added > 0 {
        touch(&mut tx, network_id, list_id, now).await?;
    }
    tx.commit().await?;
    Ok(AddOutcome::Added(result))
}

async fn touch(
    tx: &mut PgConnection,
    network_id: i64,
    list_id: i64,
    now: i64,
) -> Result<(), RepoError> {
    sqlx::query("UPDATE intro_lists SET updated_at = $1 WHERE id = $2 AND network_id = $3")
        .bind(now)
        .bind(list_id)
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Removes these keys from a list of the network: how many were on it, `None` if there is no
/// such list.
pub(super) async fn remove_entries(
    pool: &PgPool,
    network_id: i64,
    list_id: i64,
    keys: &[String],
    now: i64,
) -> Result<Option<u64>, RepoError> {
    let mut tx = pool.begin().await?;
    if lock_list(&mut tx, network_id, list_id).await?.is_none() {
        return Ok(None);
    }
    let mut removed = 0;
    let mut seen = HashSet::new();
    for key in keys.iter().filter(|k| seen.insert(k.as_str())) {
        removed += sqlx::query(
            "DELETE FROM intro_list_entries WHERE list_id = $1 AND network_id = $2 AND contact_key = $3",
        )
        .bind(list_id)
        .bind(network_id)
        .bind(key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    if removed > 0 {
        touch(&mut tx, network_id, list_id, now).await?;
    }
    tx.commit().await?;
    Ok(Some(removed))
}

/// The order in which the allies who know a contact are asked for an introduction: the one
/// connected with the contact longest (the earliest `connected_on`, an unknown date last),
/// then the one who joined the network first, then the lowest id. The longest connection is
/// the likeliest to be a real relationship.
const ASK_ORDER: &str = "c.connected_on IS NULL, c.connected_on, m.created_at, c.person_id";

/// The entries of a list of the network that the network still sees, ordered by name, each
/// with the allies who know it (in [`ASK_ORDER`]: the first is the one an introduction is
/// asked of). Empty if there is no such list.
pub(super) async fn entries(
    pool: &PgPool,
    network_id: i64,
    list_id: i64,
) -> Result<Vec<IntroListEntry>, RepoError> {
    let rows = sqlx::query(&format!(
        "SELECT e.contact_key, e.added_by, adder.name AS added_by_name, e.added_at,
                c.*, p.name AS ally_name
         FROM intro_list_entries e
         JOIN contacts c ON c.key = e.contact_key
         JOIN memberships m ON m.person_id = c.person_id AND m.network_id = e.network_id
                           AND m.role = 'ally' AND m.sharing = 1
         JOIN people p ON p.id = c.person_id
         LEFT JOIN people adder ON adder.id = e.added_by
         WHERE e.network_id = $1 AND e.list_id = $2
         ORDER BY e.contact_key, {ASK_ORDER}"
    ))
    .bind(network_id)
    .bind(list_id)
    .fetch_all(pool)
    .await?;
    // The rows of each key, in ask order.
    let mut by_key: Vec<(String, Vec<&sqlx::postgres::PgRow>)> = Vec::new();
    for row in &rows {
        let key: String = row.try_get("contact_key")?;
        match by_key.last_mut() {
            Some((last, group)) if *last == key => group.push(row),
            _ => by_key.push((key, vec![row])),
        }
    }
    let mut entries = Vec::with_capacity(by_key.len());
    for (key, group) in by_key {
        let mut known_by = Vec::with_capacity(group.len());
        // The version shown: the one updated last (then the lowest person id), as the
        // network's contacts show it.
        let mut shown = group[0];
        let mut shown_version = (i64::MIN, i64::MIN);
        for row in &group {
            let person_id: i64 = row.try_get("person_id")?;
            known_by.push(KnownBy {
                ally: PersonRef {
                    id: person_id,
                    name: row.try_get("ally_name")?,
                },
                connected_on: row.try_get("connected_on")?,
            });
            let version = (row.try_get::<i64, _>("updated_at")?, -person_id);
            if version > shown_version {
                shown_version = version;
                shown = row;
            }
        }
        let added_by: Option<i64> = shown.try_get("added_by")?;
        let sort_name: String = shown.try_get("sort_name")?;
        entries.push((
            sort_name,
            IntroListEntry {
                key,
                contact: record_from_row(shown)?,
                known_by,
                added_by: match added_by {
                    Some(id) => Some(PersonRef {
                        id,
                        name: shown.try_get("added_by_name")?,
                    }),
                    None => None,
                },
                added_at: shown.try_get("added_at")?,
            },
        ));
    }
    entries.sort_by(|a, b| (&a.0, &a.1.key).cmp(&(&b.0, &b.1.key)));
    Ok(entries.into_iter().map(|(_, entry)| entry).collect())
}

/// Asks for an introduction to every contact of a list of the network, one ask per contact,
/// to the first of the allies who know it in [`ASK_ORDER`]; a contact with an ask already
/// pending in the network (to any ally) is skipped. In one transaction. `None` if there is no
/// such list.
pub(super) async fn ask_all(
    pool: &PgPool,
    network_id: i64,
    list_id: i64,
    admin_id: i64,
    note: &str,
    now: i64,
) -> Result<Option<ListAskResult>, RepoError> {
    let mut tx = pool.begin().await?;
    if lock_list(&mut tx, network_id, list_id).await?.is_none() {
        return Ok(None);
    }
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT contact_key FROM intro_list_entries WHERE list_id = $1 AND network_id = $2
         ORDER BY contact_key",
    )
    .bind(list_id)
    .bind(network_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut result = ListAskResult {
        sent: Vec::new(),
        skipped: Vec::new(),
    };
    for key in &keys {
        let row = sqlx::query(&format!(
            "SELECT c.* FROM contacts c JOIN memberships m ON m.person_id = c.person_id
             WHERE c.key = $1 AND m.network_id = $2 AND m.role = 'ally' AND m.sharing = 1
             ORDER BY {ASK_ORDER} LIMIT 1"
        ))
        .bind(key)
        .bind(network_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            // Not in the network's view (pruning deletes such entries; nothing to name).
            result.skipped.push(SkippedAsk {
                contact_key: key.clone(),
                contact_name: String::new(),
                reason: SkipReason::NoLongerShared,
            });
            continue;
        };
        let contact = record_from_row(&row)?;
        let pending: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM intro_asks
                            WHERE network_id = $1 AND contact_key = $2 AND state = 'pending')",
        )
        .bind(network_id)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        if pending {
            result.skipped.push(SkippedAsk {
                contact_key: key.clone(),
                contact_name: contact.display_name(),
                reason: SkipReason::AlreadyPending,
            });
            continue;
        }
        let ask = NewIntroAsk {
            network_id,
            admin_id,
            ally_id: row.try_get("person_id")?,
            contact_key: key,
            note,
            now,
        };
        result.sent.push(insert_ask(&mut tx, &ask, &contact).await?);
    }
    tx.commit().await?;
    result
        .sent
        .sort_by(|a, b| (&a.contact_name, a.id).cmp(&(&b.contact_name, b.id)));
    result
        .skipped
        .sort_by(|a, b| (&a.contact_name, &a.contact_key).cmp(&(&b.contact_name, &b.contact_key)));
    Ok(Some(result))
}

/// Deletes the entries of the network's lists whose contact no ally sharing with the network
/// has any more: called, in the same transaction, by everything that takes contacts out of a
/// network's view, so no list keeps a contact the network may no longer see.
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
