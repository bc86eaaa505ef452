//! The network's view of its allies' contacts, and introduction asks, in SQLite.
//!
//! A network sees the contacts of the people who are its allies *and* share with it
//! (`memberships.role = 'ally' AND sharing = 1`): that join is in every query here, so a
//! contact stops being visible the moment sharing is turned off.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use allyshare_protocol::{
    ContactRecord, IntroAsk, IntroAskState, IntroOutcome, KnownBy, NetworkContact, PersonRef,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::sync::record_from_row;
use super::{
    AnswerOutcome, AskOutcome, AsksPage, ContactPosition, ContactQuery, ContactSort, NewIntroAsk,
    RepoError,
};

/// The words of a text as the search sees them: runs of letters and digits, lowercased. What
/// [`super::StoredContact`] stores as `search_text` (joined by spaces), so the full-text index
/// holds exactly these words.
pub fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// Shortest last word of a phrase that the full-text index is asked for (a shorter prefix
/// matches so many words that merging them costs more than walking the names).
const INDEXED_PREFIX_MIN: usize = 3;

/// A search: each typed word (split into the text's words, `o'brien` → `o brien`) must match
/// consecutive words of the name, headline or company, the last as a prefix ("ada" finds "Ada"
/// and "Adams", not "Canada").
#[derive(Debug, Clone, Default)]
pub struct Search {
    phrases: Vec<Vec<String>>,
}

impl Search {
    pub fn parse(q: &str) -> Search {
        Search {
            phrases: q
                .split_whitespace()
                .map(|w| words_of(w).collect::<Vec<_>>())
                .filter(|p| !p.is_empty())
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// Whether a stored `search_text` matches: the one rule, applied to every row a plan
    /// reads (the index only proposes rows).
    pub fn matches(&self, search_text: &str) -> bool {
        if self.phrases.is_empty() {
            return true;
        }
        let words: Vec<String> = words_of(search_text).collect();
        self.phrases.iter().all(|phrase| {
            let (last, head) = phrase.split_last().expect("phrases are not empty");
            words
                .windows(phrase.len())
                .any(|w| w[..head.len()] == *head && w[head.len()].starts_with(last.as_str()))
        })
    }

    /// The FTS5 query of the phrases the index can answer cheaply (their prefix is long
    /// enough): a superset of the rows that match; `None` when no phrase qualifies. Each phrase
    /// is quoted, of letters and digits only, so nothing typed is FTS5 syntax.
    fn index_query(&self) -> Option<String> {
        let parts: Vec<String> = self
            .phrases
            .iter()
            .filter(|p| {
                p.last()
                    .is_some_and(|l| l.chars().count() >= INDEXED_PREFIX_MIN)
            })
            .map(|p| format!("\"{}\"*", p.join(" ")))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }
}

/// Most index hits for which the page is found from the hits themselves (read, checked,
/// grouped and sorted here); above it, the sort order's index is walked instead, which finds a
/// page of common matches at once.
pub const CANDIDATES_MAX: i64 = 4_000;

/// A network's visible contacts: the rows of its allies who share with it (alias `c` joined
/// to `m`); the network id is bound by the caller right after.
const VISIBLE: &str = " m.network_id = ";
const SHARING: &str = " AND m.role = 'ally' AND m.sharing = 1";

/// Adds the row filters of `query` (the ally, the date) on the contacts of alias `c`.
fn push_filters(b: &mut QueryBuilder<'_, Sqlite>, c: &str, query: &ContactQuery) {
    if let Some(ally) = query.ally_id {
        b.push(format!(" AND {c}.person_id = ")).push_bind(ally);
    }
    if let Some(since) = &query.connected_since {
        b.push(format!(" AND COALESCE({c}.connected_on, '') >= "))
            .push_bind(since.clone());
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

/// How many rows (of every network) the index proposes for `index_query`, counting to
/// `up_to` at most.
async fn index_hits(pool: &SqlitePool, index_query: &str, up_to: i64) -> Result<i64, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM contacts_fts WHERE contacts_fts MATCH ? LIMIT ?)",
    )
    .bind(index_query)
    .bind(up_to)
    .fetch_one(pool)
    .await?)
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

/// The page's positions from every matching row, when they are few: the index's hits
/// (`index_query`), else the rows of the one ally of the filter; each row checked by the
/// search's rule.
async fn by_candidates(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
    index_query: Option<&str>,
) -> Result<Vec<ContactPosition>, RepoError> {
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT c.key, c.sort_name AS name, COALESCE(c.connected_on, '') AS connected, 1 AS allies,
                c.search_text
         FROM ",
    );
    if let Some(index_query) = index_query {
        // CROSS JOIN fixes the loop order (SQLite's rule): from the hits outwards.
        b.push(
            "contacts_fts CROSS JOIN contact_search_ids s ON s.id = contacts_fts.rowid
             CROSS JOIN contacts c ON c.person_id = s.person_id AND c.key = s.key
             CROSS JOIN memberships m ON m.person_id = c.person_id
             WHERE contacts_fts MATCH ",
        )
        .push_bind(index_query.to_string())
        .push(" AND");
    } else {
        b.push("contacts c JOIN memberships m ON m.person_id = c.person_id WHERE");
    }
    b.push(VISIBLE).push_bind(network_id).push(SHARING);
    push_filters(&mut b, "c", query);
    // Per key, the matching rows' first name and newest date.
    let mut by_key: HashMap<String, ContactPosition> = HashMap::new();
    for row in b.build().fetch_all(pool).await? {
        if !search.matches(row.try_get("search_text")?) {
            continue;
        }
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

/// Rows read by [`walk`]'s first step; each next step reads four times as many.
const WALK_FIRST_STEP: i64 = 64;
/// Rows [`walk`] reads at most when the index could answer instead (matches that are many but
/// all far along the order): past it, the index's hits are read whole.
const WALK_MAX_ROWS: usize = 21_760;

/// The page's positions by walking the sort order's index from the cursor, a step of rows at a
/// time, keeping each key at its first matching row in that order (a key whose earlier
/// matching row lies before the cursor was on an earlier page): no sort, and it stops at a
/// page.
async fn walk(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
    order: Walk,
    bounded: bool,
) -> Result<Option<Vec<ContactPosition>>, RepoError> {
    let (index, order_by) = match order {
        Walk::Name => ("contacts_by_name", "c.sort_name, c.key, c.person_id"),
        Walk::Recent => (
            "contacts_by_connected",
            "COALESCE(c.connected_on, '') DESC, c.key DESC, c.person_id DESC",
        ),
    };
    let mut found: Vec<ContactPosition> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    // The last row read: (name or date, key, person id).
    let mut last_row: Option<(String, String, i64)> = None;
    let mut step = WALK_FIRST_STEP;
    let mut read = 0;
    loop {
        let mut b = QueryBuilder::<Sqlite>::new(format!(
            "SELECT c.key, c.person_id, c.sort_name AS name,
                    COALESCE(c.connected_on, '') AS connected, 1 AS allies, c.search_text
             FROM contacts c INDEXED BY {index}
             CROSS JOIN memberships m ON m.person_id = c.person_id WHERE"
        ));
        b.push(VISIBLE).push_bind(network_id).push(SHARING);
        push_filters(&mut b, "c", query);
        let (column, cmp) = match order {
            Walk::Name => ("c.sort_name", ">"),
            Walk::Recent => ("COALESCE(c.connected_on, '')", "<"),
        };
        match (&last_row, &query.after) {
            (Some((at, key, person)), _) => {
                b.push(format!(" AND ({column}, c.key, c.person_id) {cmp} ("))
                    .push_bind(at.clone())
                    .push(", ")
                    .push_bind(key.clone())
                    .push(", ")
                    .push_bind(*person)
                    .push(")");
            }
            (None, Some(after)) => {
                let at = match order {
                    Walk::Name => after.name.clone(),
                    Walk::Recent => after.connected.clone(),
                };
                b.push(format!(" AND ({column}, c.key) {cmp} ("))
                    .push_bind(at)
                    .push(", ")
                    .push_bind(after.key.clone())
                    .push(")");
            }
            (None, None) => {}
        }
        b.push(format!(" ORDER BY {order_by} LIMIT "))
            .push_bind(step);
        let rows = b.build().fetch_all(pool).await?;
        read += rows.len();
        let mut fresh = Vec::new();
        for row in &rows {
            let p = position_from(row)?;
            last_row = Some((
                match order {
                    Walk::Name => p.name.clone(),
                    Walk::Recent => p.connected.clone(),
                },
                p.key.clone(),
                row.try_get("person_id")?,
            ));
            if seen.contains(&p.key) || !search.matches(row.try_get("search_text")?) {
                continue;
            }
            seen.insert(p.key.clone());
            fresh.push(p);
        }
        if query.after.is_some() && !fresh.is_empty() {
            fresh = first_rows_only(pool, network_id, query, search, order, fresh).await?;
        }
        found.extend(fresh);
        if found.len() > query.limit || (rows.len() as i64) < step {
            break;
        }
        if bounded && read >= WALK_MAX_ROWS {
            return Ok(None);
        }
        step = (step * 4).min(16_384);
    }
    found.truncate(query.limit + 1);
    Ok(Some(found))
}

/// `found` without the keys that have a matching row before theirs in the walk's order (such
/// a key was placed on an earlier page, at that row).
async fn first_rows_only(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
    order: Walk,
    found: Vec<ContactPosition>,
) -> Result<Vec<ContactPosition>, RepoError> {
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT c.key, c.sort_name AS name, COALESCE(c.connected_on, '') AS connected, c.search_text
         FROM contacts c JOIN memberships m ON m.person_id = c.person_id
         WHERE c.key IN (SELECT value FROM json_each(",
    );
    b.push_bind(serde_json::to_string(&keys).unwrap_or_default())
        .push(")) AND")
        .push(VISIBLE)
        .push_bind(network_id)
        .push(SHARING);
    push_filters(&mut b, "c", query);
    let mut earlier: HashSet<String> = HashSet::new();
    let rows = b.build().fetch_all(pool).await?;
    for row in &rows {
        if !search.matches(row.try_get("search_text")?) {
            continue;
        }
        let key: String = row.try_get("key")?;
        let Some(p) = found.iter().find(|p| p.key == key) else {
            continue;
        };
        let before = match order {
            Walk::Name => row.try_get::<String, _>("name")? < p.name,
            Walk::Recent => row.try_get::<String, _>("connected")? > p.connected,
        };
        if before {
            earlier.insert(key);
        }
    }
    Ok(found
        .into_iter()
        .filter(|p| !earlier.contains(&p.key))
        .collect())
}

/// "Most allies" over many contacts: every visible row counted per key (one pass over the
/// network), the first page by count; a search narrows through the index's proposals, then
/// by its rule.
async fn grouped(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
    index_query: Option<&str>,
) -> Result<Vec<ContactPosition>, RepoError> {
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT c.key, MIN(c.sort_name) AS name, MAX(COALESCE(c.connected_on, '')) AS connected,
                COUNT(*) AS allies, GROUP_CONCAT(c.search_text, char(10)) AS texts
         FROM contacts c JOIN memberships m ON m.person_id = c.person_id WHERE",
    );
    b.push(VISIBLE).push_bind(network_id).push(SHARING);
    if let Some(index_query) = index_query {
        // Only the keys of the index's proposals (a superset; the rule checks each below).
        b.push(
            " AND c.key IN (SELECT s.key FROM contacts_fts
                 JOIN contact_search_ids s ON s.id = contacts_fts.rowid
                 WHERE contacts_fts MATCH ",
        )
        .push_bind(index_query.to_string())
        .push(")");
    }
    if query.connected_since.is_some() {
        b.push(
            " AND c.key IN (SELECT c3.key FROM contacts c3 JOIN memberships m ON m.person_id = c3.person_id WHERE",
        )
        .push(VISIBLE)
        .push_bind(network_id)
        .push(SHARING);
        push_filters(&mut b, "c3", query);
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
    b.push(" ORDER BY allies DESC, name, c.key");
    if search.is_empty() {
        b.push(" LIMIT ").push_bind(query.limit as i64 + 1);
    }
    let mut found = Vec::new();
    for row in b.build().fetch_all(pool).await? {
        let texts: String = row.try_get("texts")?;
        if search.is_empty() || texts.split('\n').any(|t| search.matches(t)) {
            found.push(position_from(&row)?);
            if found.len() > query.limit {
                break;
            }
        }
    }
    Ok(found)
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
    let search = Search::parse(&query.search);
    if search.is_empty() && !query.search.trim().is_empty() {
        // Only punctuation: no word to find, so nothing matches.
        return Ok((Vec::new(), None));
    }
    let index_query = search.index_query();
    let few_hits = match &index_query {
        Some(q) => index_hits(pool, q, CANDIDATES_MAX + 1).await? <= CANDIDATES_MAX,
        None => false,
    };
    let mut positions = if few_hits {
        by_candidates(pool, network_id, query, &search, index_query.as_deref()).await?
    } else if query.ally_id.is_some() {
        by_candidates(pool, network_id, query, &search, None).await?
    } else {
        let walked = match query.sort {
            ContactSort::Name => Some(Walk::Name),
            ContactSort::Recent => Some(Walk::Recent),
            ContactSort::Allies => None,
        };
        let bounded = index_query.is_some();
        let found = match walked {
            Some(order) => walk(pool, network_id, query, &search, order, bounded).await?,
            None => None,
        };
        match (found, query.sort) {
            (Some(found), _) => found,
            // Many hits, but far along the order: read them all after all.
            (None, ContactSort::Name | ContactSort::Recent) => {
                by_candidates(pool, network_id, query, &search, index_query.as_deref()).await?
            }
            (None, ContactSort::Allies) => {
                grouped(pool, network_id, query, &search, index_query.as_deref()).await?
            }
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

pub(super) const ASK_SELECT: &str = "SELECT a.id, a.network_id, n.name AS network_name,
       a.ally_id, ally.name AS ally_name, a.admin_id, admin.name AS admin_name,
       a.contact_key, a.contact_name, a.contact_headline, a.contact_profile_url, a.note,
       a.state, a.reason, a.created_at, a.answered_at
     FROM intro_asks a
     JOIN networks n ON n.id = a.network_id
     JOIN people ally ON ally.id = a.ally_id
     LEFT JOIN people admin ON admin.id = a.admin_id";

pub(super) fn ask_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<IntroAsk, RepoError> {
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
    let created = insert_ask(&mut tx, ask, &contact).await?;
    tx.commit().await?;
    Ok(AskOutcome::Created(Box::new(created)))
}

/// Stores an ask the caller has checked (the ally shares `contact` with the network, and no
/// such ask is pending), inside the caller's transaction; the ask as stored.
pub(super) async fn insert_ask(
    tx: &mut sqlx::SqliteConnection,
    ask: &NewIntroAsk<'_>,
    contact: &ContactRecord,
) -> Result<IntroAsk, RepoError> {
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
    // Write-first like every queued email: the ally's ask email, in this transaction.
    super::ask_mail::queue_for_new_ask(&mut *tx, ask.ally_id, ask.now).await?;
    ask_by_id(tx, id)
        .await?
        .ok_or_else(|| RepoError::Corrupt("the new ask vanished".into()))
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
