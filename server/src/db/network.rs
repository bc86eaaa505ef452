//! The network's view of its allies' contacts, and introduction asks, in SQLite.
//!
//! A network sees the contacts of the people who are its allies *and* share with it
//! (`memberships.role = 'ally' AND sharing = 1`): that join is in every query here, so a
//! contact stops being visible the moment sharing is turned off.

use std::cmp::Ordering;
use std::collections::HashMap;

use allyshare_protocol::{
    ContactRecord, IntroAsk, IntroAskState, IntroOutcome, KnownBy, NetworkContact, PersonRef,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::sync::record_from_row;
use super::{
    AnswerOutcome, AskOutcome, AsksPage, ContactPosition, ContactQuery, ContactSort, NewIntroAsk,
    RepoError,
};

/// The FTS5 query of a search: every word must begin a word of the name, headline or company
/// (case and accents aside). A word is split where the index's tokenizer splits text
/// (`o'brien` is the phrase `o brien`), and each becomes a quoted phrase whose last part is a
/// prefix, so nothing typed is FTS5 syntax. `None` when the search has no word.
pub fn fts_query(search: &str) -> Option<String> {
    let words: Vec<String> = search
        .split_whitespace()
        .filter_map(|word| {
            let tokens: Vec<String> = word
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .map(str::to_lowercase)
                .collect();
            (!tokens.is_empty()).then(|| format!("\"{}\"*", tokens.join(" ")))
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// Most index hits of a search for which the page is found from the hits themselves (read,
/// grouped and sorted here); above it, the sort order's index is walked instead, which finds a
/// page of common matches at once.
pub const CANDIDATES_MAX: i64 = 10_000;

/// A network's visible contacts: the rows of its allies who share with it (alias `c` joined
/// to `m`); the network id is bound by the caller right after.
const VISIBLE: &str = " m.network_id = ";
const SHARING: &str = " AND m.role = 'ally' AND m.sharing = 1";

/// The rows of the search among FTS5's hits (a subquery run once, then probed).
const IN_SEARCH: &str = "(SELECT s.id FROM contact_search_ids s WHERE s.person_id = {c}.person_id \
     AND s.key = {c}.key) IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ";

/// Adds the row filters of `query` on the contacts of alias `c` (the ally, the date, and the
/// search when `search` is given).
fn push_filters(
    b: &mut QueryBuilder<'_, Sqlite>,
    c: &str,
    query: &ContactQuery,
    search: Option<&str>,
) {
    if let Some(ally) = query.ally_id {
        b.push(format!(" AND {c}.person_id = ")).push_bind(ally);
    }
    if let Some(since) = &query.connected_since {
        b.push(format!(" AND COALESCE({c}.connected_on, '') >= "))
            .push_bind(since.clone());
    }
    if let Some(search) = search {
        b.push(" AND ")
            .push(IN_SEARCH.replace("{c}", c))
            .push_bind(search.to_string())
            .push(")");
    }
}

fn position_from(row: &sqlx::sqlite::SqliteRow) -> Result<ContactPosition, RepoError> {
    Ok(ContactPosition {
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        connected: row.try_get("connected")?,
        allies: row.try_get("allies")?,
    })
}

/// The order of `sort`, as a comparison of two positions.
pub fn compare(sort: ContactSort, a: &ContactPosition, b: &ContactPosition) -> Ordering {
    match sort {
        ContactSort::Name => (&a.name, &a.key).cmp(&(&b.name, &b.key)),
        ContactSort::Recent => (&b.connected, &b.key).cmp(&(&a.connected, &a.key)),
        ContactSort::Allies => b
            .allies
            .cmp(&a.allies)
            .then_with(|| (&a.name, &a.key).cmp(&(&b.name, &b.key))),
    }
}

/// How many rows (of every network) the search's index finds.
async fn index_hits(pool: &SqlitePool, search: &str) -> Result<i64, RepoError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM contacts_fts WHERE contacts_fts MATCH ?")
            .bind(search)
            .fetch_one(pool)
            .await?,
    )
}

/// The counts (and first name, newest date) over all the network's visible rows of `keys`.
async fn totals_of(
    pool: &SqlitePool,
    network_id: i64,
    keys: &[&str],
) -> Result<HashMap<String, ContactPosition>, RepoError> {
    let mut totals = HashMap::with_capacity(keys.len());
    if keys.is_empty() {
        return Ok(totals);
    }
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT c.key, MIN(c.sort_name) AS name, MAX(COALESCE(c.connected_on, '')) AS connected,
                COUNT(*) AS allies
         FROM contacts c JOIN memberships m ON m.person_id = c.person_id
         WHERE c.key IN (SELECT value FROM json_each(",
    );
    b.push_bind(serde_json::to_string(keys).unwrap_or_default())
        .push(")) AND")
        .push(VISIBLE)
        .push_bind(network_id)
        .push(SHARING)
        .push(" GROUP BY c.key");
    for row in b.build().fetch_all(pool).await? {
        let position = position_from(&row)?;
        totals.insert(position.key.clone(), position);
    }
    Ok(totals)
}

/// The page's positions from every matching row, when they are few: the index's hits of the
/// search (`from_hits`), else the rows of the one ally of the filter.
async fn by_candidates(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: Option<&str>,
    from_hits: bool,
) -> Result<Vec<ContactPosition>, RepoError> {
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT c.key, c.sort_name AS name, COALESCE(c.connected_on, '') AS connected, 1 AS allies
         FROM ",
    );
    if from_hits {
        // CROSS JOIN fixes the loop order (SQLite's rule): from the hits outwards.
        b.push(
            "contacts_fts CROSS JOIN contact_search_ids s ON s.id = contacts_fts.rowid
             CROSS JOIN contacts c ON c.person_id = s.person_id AND c.key = s.key
             CROSS JOIN memberships m ON m.person_id = c.person_id
             WHERE contacts_fts MATCH ",
        )
        .push_bind(search.unwrap_or_default().to_string())
        .push(" AND");
    } else {
        b.push("contacts c JOIN memberships m ON m.person_id = c.person_id WHERE");
    }
    b.push(VISIBLE).push_bind(network_id).push(SHARING);
    push_filters(&mut b, "c", query, if from_hits { None } else { search });
    // Per key, the matching rows' first name and newest date.
    let mut by_key: HashMap<String, ContactPosition> = HashMap::new();
    for row in b.build().fetch_all(pool).await? {
        let p = position_from(&row)?;
        match by_key.get_mut(&p.key) {
            Some(seen) => {
                if p.name < seen.name {
                    seen.name = p.name;
                }
                if p.connected > seen.connected {
                    seen.connected = p.connected;
                }
            }
            None => {
                by_key.insert(p.key.clone(), p);
            }
        }
    }
    let mut positions: Vec<ContactPosition> = if query.sort == ContactSort::Allies {
        // "Most allies" counts every ally who knows the contact, not only the matching ones.
        let keys: Vec<&str> = by_key.keys().map(String::as_str).collect();
        totals_of(pool, network_id, &keys)
            .await?
            .into_values()
            .collect()
    } else {
        by_key.into_values().collect()
    };
    if let Some(after) = &query.after {
        positions.retain(|p| compare(query.sort, p, after) == Ordering::Greater);
    }
    positions.sort_by(|a, b| compare(query.sort, a, b));
    positions.truncate(query.limit + 1);
    Ok(positions)
}

/// Which index [`walk`] follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    Name,
    Recent,
}

/// The page's positions by walking the sort order's index from the cursor, keeping for each
/// key only its first matching row in that order: no sort, and it stops at a page.
async fn walk(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: Option<&str>,
    order: Walk,
) -> Result<Vec<ContactPosition>, RepoError> {
    let (index, columns) = match order {
        Walk::Name => ("contacts_by_name", "c.sort_name AS name, '' AS connected"),
        Walk::Recent => (
            "contacts_by_connected",
            "'' AS name, COALESCE(c.connected_on, '') AS connected",
        ),
    };
    let mut b = QueryBuilder::<Sqlite>::new(format!(
        "SELECT c.key, {columns}, 1 AS allies FROM contacts c INDEXED BY {index}
         CROSS JOIN memberships m ON m.person_id = c.person_id WHERE"
    ));
    b.push(VISIBLE).push_bind(network_id).push(SHARING);
    push_filters(&mut b, "c", query, search);
    if let Some(after) = &query.after {
        match order {
            Walk::Name => b
                .push(" AND (c.sort_name, c.key) > (")
                .push_bind(after.name.clone())
                .push(", ")
                .push_bind(after.key.clone())
                .push(")"),
            Walk::Recent => b
                .push(" AND (COALESCE(c.connected_on, ''), c.key) < (")
                .push_bind(after.connected.clone())
                .push(", ")
                .push_bind(after.key.clone())
                .push(")"),
        };
    }
    // Not the key's first matching row if another sharing ally's comes before it.
    b.push(
        " AND NOT EXISTS (
           SELECT 1 FROM contacts c2 JOIN memberships m ON m.person_id = c2.person_id
           WHERE c2.key = c.key AND c2.person_id != c.person_id AND",
    )
    .push(VISIBLE)
    .push_bind(network_id)
    .push(SHARING);
    push_filters(&mut b, "c2", query, search);
    b.push(match order {
        Walk::Name => {
            " AND (c2.sort_name < c.sort_name
                   OR (c2.sort_name = c.sort_name AND c2.person_id < c.person_id)))
             ORDER BY c.sort_name, c.key LIMIT "
        }
        Walk::Recent => {
            " AND (COALESCE(c2.connected_on, '') > COALESCE(c.connected_on, '')
                   OR (COALESCE(c2.connected_on, '') = COALESCE(c.connected_on, '')
                       AND c2.person_id < c.person_id)))
             ORDER BY COALESCE(c.connected_on, '') DESC, c.key DESC LIMIT "
        }
    })
    .push_bind(query.limit as i64 + 1);
    b.build()
        .fetch_all(pool)
        .await?
        .iter()
        .map(position_from)
        .collect()
}

/// "Most allies" over a large match: every visible row counted per key (one pass over the
/// network), the first page by count.
async fn grouped(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: Option<&str>,
) -> Result<Vec<ContactPosition>, RepoError> {
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT c.key, MIN(c.sort_name) AS name, MAX(COALESCE(c.connected_on, '')) AS connected,
                COUNT(*) AS allies
         FROM contacts c JOIN memberships m ON m.person_id = c.person_id WHERE",
    );
    b.push(VISIBLE).push_bind(network_id).push(SHARING);
    if query.connected_since.is_some() || search.is_some() {
        b.push(
            " AND c.key IN (SELECT c3.key FROM contacts c3 JOIN memberships m ON m.person_id = c3.person_id WHERE",
        )
        .push(VISIBLE)
        .push_bind(network_id)
        .push(SHARING);
        push_filters(&mut b, "c3", query, search);
        b.push(")");
    }
    b.push(" GROUP BY c.key");
    if let Some(after) = &query.after {
        b.push(" HAVING COUNT(*) < ")
            .push_bind(after.allies)
            .push(" OR (COUNT(*) = ")
            .push_bind(after.allies)
            .push(" AND (MIN(c.sort_name), c.key) > (")
            .push_bind(after.name.clone())
            .push(", ")
            .push_bind(after.key.clone())
            .push("))");
    }
    b.push(" ORDER BY allies DESC, name, c.key LIMIT ")
        .push_bind(query.limit as i64 + 1);
    b.build()
        .fetch_all(pool)
        .await?
        .iter()
        .map(position_from)
        .collect()
}

/// The network's contacts of `keys` (every visible row of each: the allies who know it, and
/// the version of the ally who updated it last, then the lowest person id).
async fn contacts_of(
    pool: &SqlitePool,
    network_id: i64,
    keys: &[&str],
) -> Result<HashMap<String, NetworkContact>, RepoError> {
    let mut found: HashMap<String, (NetworkContact, i64, i64)> = HashMap::new();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT c.*, p.name AS ally_name FROM contacts c
         JOIN memberships m ON m.person_id = c.person_id
         JOIN people p ON p.id = c.person_id
         WHERE c.key IN (SELECT value FROM json_each(",
    );
    b.push_bind(serde_json::to_string(keys).unwrap_or_default())
        .push(")) AND")
        .push(VISIBLE)
        .push_bind(network_id)
        .push(SHARING)
        .push(" ORDER BY p.name, p.id");
    for row in b.build().fetch_all(pool).await? {
        let key: String = row.try_get("key")?;
        let person_id: i64 = row.try_get("person_id")?;
        let updated_at: i64 = row.try_get("updated_at")?;
        let known = KnownBy {
            ally: PersonRef {
                id: person_id,
                name: row.try_get("ally_name")?,
            },
            connected_on: row.try_get("connected_on")?,
        };
        match found.get_mut(&key) {
            Some((contact, best_at, best_id)) => {
                if updated_at > *best_at || (updated_at == *best_at && person_id < *best_id) {
                    contact.contact = record_from_row(&row)?;
                    *best_at = updated_at;
                    *best_id = person_id;
                }
                contact.known_by.push(known);
            }
            None => {
                let contact = NetworkContact {
                    key: key.clone(),
                    contact: record_from_row(&row)?,
                    known_by: vec![known],
                };
                found.insert(key, (contact, updated_at, person_id));
            }
        }
    }
    Ok(found.into_iter().map(|(k, (c, _, _))| (k, c)).collect())
}

/// One page of the network's contacts, one row per key, in the query's order; with the
/// position of the last row when there are more, for the next cursor.
///
/// Several plans, because a search for a rare word and one for a common word want opposite
/// ones: few index hits (or one ally's contacts) are read whole, grouped and sorted here; many
/// hits (or none to narrow by) walk the sort order's index and stop at a page; "most allies"
/// over many contacts counts them in one pass.
pub async fn list_contacts(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
) -> Result<(Vec<NetworkContact>, Option<ContactPosition>), RepoError> {
    let search = fts_query(&query.search);
    if search.is_none() && !query.search.trim().is_empty() {
        // Only punctuation: no word to find, so nothing matches.
        return Ok((Vec::new(), None));
    }
    let few_hits = match &search {
        Some(search) => index_hits(pool, search).await? <= CANDIDATES_MAX,
        None => false,
    };
    let mut positions = if few_hits || query.ally_id.is_some() {
        by_candidates(pool, network_id, query, search.as_deref(), few_hits).await?
    } else {
        match query.sort {
            ContactSort::Name => {
                walk(pool, network_id, query, search.as_deref(), Walk::Name).await?
            }
            ContactSort::Recent => {
                walk(pool, network_id, query, search.as_deref(), Walk::Recent).await?
            }
            ContactSort::Allies => grouped(pool, network_id, query, search.as_deref()).await?,
        }
    };
    let more = positions.len() > query.limit;
    positions.truncate(query.limit);
    let keys: Vec<&str> = positions.iter().map(|p| p.key.as_str()).collect();
    let mut contacts = contacts_of(pool, network_id, &keys).await?;
    let page = positions
        .iter()
        .filter_map(|p| contacts.remove(&p.key))
        .collect();
    Ok((page, if more { positions.pop() } else { None }))
}

/// One contact of the network, with every ally (sharing with it) who knows them.
pub async fn network_contact(
    pool: &SqlitePool,
    network_id: i64,
    key: &str,
) -> Result<Option<NetworkContact>, RepoError> {
    Ok(contacts_of(pool, network_id, &[key]).await?.remove(key))
}

/// Rewrites the search index without the words of deleted rows. FTS5 marks a deleted row's
/// words deleted and drops them only when its segments merge: where an ally's contacts are
/// erased (they stop sharing with every network, leave, or delete their account), nothing of
/// them may stay in the file. Its cost grows with the index (about a second at 600,000
/// contacts), and it runs only on those rare erasures.
pub async fn purge_deleted_words(conn: &mut sqlx::SqliteConnection) -> Result<(), RepoError> {
    sqlx::query("INSERT INTO contacts_fts (contacts_fts) VALUES ('optimize')")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The network's allies who share with it, by name.
pub async fn sharing_allies(
    pool: &SqlitePool,
    network_id: i64,
) -> Result<Vec<PersonRef>, RepoError> {
    let rows = sqlx::query(
        "SELECT p.id, p.name FROM memberships m JOIN people p ON p.id = m.person_id
         WHERE m.network_id = ? AND m.role = 'ally' AND m.sharing = 1
         ORDER BY p.name, p.id",
    )
    .bind(network_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PersonRef {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
            })
        })
        .collect()
}

const ASK_SELECT: &str = "SELECT a.id, a.network_id, n.name AS network_name,
       a.ally_id, ally.name AS ally_name, a.admin_id, admin.name AS admin_name,
       a.contact_key, a.contact_name, a.contact_headline, a.contact_profile_url, a.note,
       a.state, a.reason, a.created_at, a.answered_at
     FROM intro_asks a
     JOIN networks n ON n.id = a.network_id
     JOIN people ally ON ally.id = a.ally_id
     LEFT JOIN people admin ON admin.id = a.admin_id";

fn ask_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<IntroAsk, RepoError> {
    let state: &str = row.try_get("state")?;
    let admin_id: Option<i64> = row.try_get("admin_id")?;
    Ok(IntroAsk {
        id: row.try_get("id")?,
        network_id: row.try_get("network_id")?,
        network_name: row.try_get("network_name")?,
        ally: PersonRef {
            id: row.try_get("ally_id")?,
            name: row.try_get("ally_name")?,
        },
        asked_by: match admin_id {
            Some(id) => Some(PersonRef {
                id,
                name: row.try_get("admin_name")?,
            }),
            None => None,
        },
        contact_key: row.try_get("contact_key")?,
        contact_name: row.try_get("contact_name")?,
        contact_headline: row.try_get("contact_headline")?,
        contact_profile_url: row.try_get("contact_profile_url")?,
        note: row.try_get("note")?,
        state: IntroAskState::parse(state)
            .ok_or_else(|| RepoError::Corrupt(format!("unknown ask state {state:?}")))?,
        reason: row.try_get("reason")?,
        created_at: row.try_get("created_at")?,
        answered_at: row.try_get("answered_at")?,
    })
}

async fn ask_by_id(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
) -> Result<Option<IntroAsk>, RepoError> {
    let row = sqlx::query(&format!("{ASK_SELECT} WHERE a.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(ask_from_row).transpose()
}

pub async fn create_ask(pool: &SqlitePool, ask: &NewIntroAsk<'_>) -> Result<AskOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    // A write first, so the transaction holds the write lock from the start (a read first
    // would fail with SQLITE_BUSY when another writer commits before this one writes). It
    // also checks that the person is a sharing ally of this network.
    let sharing = sqlx::query(
        "UPDATE memberships SET sharing = sharing
         WHERE person_id = ? AND network_id = ? AND role = 'ally' AND sharing = 1
         RETURNING person_id",
    )
    .bind(ask.ally_id)
    .bind(ask.network_id)
    .fetch_optional(&mut *tx)
    .await?;
    if sharing.is_none() {
        return Ok(AskOutcome::NotVisible);
    }
    // Visible to this network: the person is a sharing ally of it and holds the contact.
    let row = sqlx::query(
        "SELECT c.* FROM contacts c JOIN memberships m ON m.person_id = c.person_id
         WHERE c.person_id = ? AND c.key = ? AND m.network_id = ?
           AND m.role = 'ally' AND m.sharing = 1",
    )
    .bind(ask.ally_id)
    .bind(ask.contact_key)
    .bind(ask.network_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(AskOutcome::NotVisible);
    };
    let contact: ContactRecord = record_from_row(&row)?;
    let pending: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM intro_asks WHERE network_id = ? AND ally_id = ?
                        AND contact_key = ? AND state = 'pending')",
    )
    .bind(ask.network_id)
    .bind(ask.ally_id)
    .bind(ask.contact_key)
    .fetch_one(&mut *tx)
    .await?;
    if pending {
        return Ok(AskOutcome::AlreadyPending);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO intro_asks (network_id, ally_id, admin_id, contact_key, contact_name,
                                 contact_headline, contact_profile_url, note, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(ask.network_id)
    .bind(ask.ally_id)
    .bind(ask.admin_id)
    .bind(ask.contact_key)
    .bind(contact.display_name())
    .bind(&contact.headline)
    .bind(&contact.profile_url)
    .bind(ask.note)
    .bind(ask.now)
    .fetch_one(&mut *tx)
    .await?;
    let created = ask_by_id(&mut tx, id)
        .await?
        .ok_or_else(|| RepoError::Corrupt("the new ask vanished".into()))?;
    tx.commit().await?;
    Ok(AskOutcome::Created(Box::new(created)))
}

/// Asks of one network (`network_id`) or to one ally (`ally_id`), newest first.
pub async fn list_asks(
    pool: &SqlitePool,
    network_id: Option<i64>,
    ally_id: Option<i64>,
    state: Option<IntroAskState>,
    page: AsksPage,
) -> Result<Vec<IntroAsk>, RepoError> {
    let mut b = QueryBuilder::<Sqlite>::new(ASK_SELECT);
    b.push(" WHERE 1 = 1");
    if let Some(id) = network_id {
        b.push(" AND a.network_id = ").push_bind(id);
    }
    if let Some(id) = ally_id {
        b.push(" AND a.ally_id = ").push_bind(id);
    }
    if let Some(state) = state {
        b.push(" AND a.state = ").push_bind(state.as_str());
    }
    if let Some(before) = page.before {
        b.push(" AND a.id < ").push_bind(before);
    }
    b.push(" ORDER BY a.id DESC");
    if let Some(limit) = page.limit {
        b.push(" LIMIT ").push_bind(limit);
    }
    b.build()
        .fetch_all(pool)
        .await?
        .iter()
        .map(ask_from_row)
        .collect()
}

pub async fn answer_ask(
    pool: &SqlitePool,
    ally_id: i64,
    ask_id: i64,
    outcome: IntroOutcome,
    reason: Option<&str>,
    now: i64,
) -> Result<AnswerOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    let state = match outcome {
        IntroOutcome::Made => IntroAskState::Made,
        IntroOutcome::Declined => IntroAskState::Declined,
    };
    let updated = sqlx::query(
        "UPDATE intro_asks SET state = ?, reason = ?, answered_at = ?
         WHERE id = ? AND ally_id = ? AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(reason)
    .bind(now)
    .bind(ask_id)
    .bind(ally_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Scoped to the ally in the query itself, like the update above.
    let ask = sqlx::query(&format!("{ASK_SELECT} WHERE a.id = ? AND a.ally_id = ?"))
        .bind(ask_id)
        .bind(ally_id)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(ask_from_row)
        .transpose()?;
    tx.commit().await?;
    Ok(match ask {
        Some(ask) => {
            if updated == 1 {
                AnswerOutcome::Answered(Box::new(ask))
            } else {
                AnswerOutcome::NotPending(ask.state)
            }
        }
        None => AnswerOutcome::NotFound,
    })
}
