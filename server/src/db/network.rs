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
/// consecutive words of the name or headline, the last as a prefix ("ada" finds "Ada"
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

    /// Whether a stored `search_text` matches: the rule stated once, in Rust. The plans match
    /// it in SQL (`push_rule`); the search tests hold them to this.
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

    /// The `LIKE` pattern of each phrase, against `' ' || search_text` (see `push_rule`): both
    /// backends' SQL states the rule with these.
    pub(crate) fn like_patterns(&self) -> impl Iterator<Item = String> + '_ {
        self.phrase_needles().map(|n| format!("%{n}%"))
    }

    /// What each phrase's `LIKE` pattern looks for in `' ' || search_text`: the phrase's words
    /// after a space. Phrases are letters and digits only, so no character of it is `LIKE`
    /// syntax, and `strpos(' ' || search_text, needle) > 0` states the same rule.
    pub(crate) fn phrase_needles(&self) -> impl Iterator<Item = String> + '_ {
        self.phrases.iter().map(|p| format!(" {}", p.join(" ")))
    }

    /// Whether a phrase's last word is long enough for an index to answer it cheaply (see
    /// [`INDEXED_PREFIX_MIN`]); otherwise the plans walk the sort order without asking it.
    pub(crate) fn has_indexed_phrase(&self) -> bool {
        self.index_query().is_some()
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

/// Most index hits for which the page is found from the hits themselves (their rows matched,
/// grouped, sorted and cut to a page in SQL); above it, the sort order's index is walked
/// instead, which finds a page of common matches at once.
pub const CANDIDATES_MAX: i64 = 8_000;

/// The same for "most allies", whose other plan (the network's counts from the top, each key
/// checked for a matching row) reads far more for a word that few popular contacts have.
pub const ALLIES_CANDIDATES_MAX: i64 = 40_000;

/// A network's visible contacts: the rows of its allies who share with it (alias `c` joined
/// to `m`); the network id is bound by the caller right after.
const VISIBLE: &str = " m.network_id = ";
const SHARING: &str = " AND m.role = 'ally' AND m.sharing = 1";

/// Which table a plan reads a contact row's search columns from.
#[derive(Clone, Copy)]
enum From {
    /// `contact_search_ids AS s`: the search's narrow rows (0011), in the plans' orders.
    Search,
    /// `contacts AS c`, through `contacts_by_key`: a few keys' rows.
    Contacts,
}

impl From {
    /// The row's ally, its connection date (never null), its words.
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            From::Search => ("s.person_id", "s.connected", "s.search_text"),
            From::Contacts => (
                "c.person_id",
                "COALESCE(c.connected_on, '')",
                "c.search_text",
            ),
        }
    }
}

/// Adds the row filters of `query` (the ally, the date).
fn push_filters(b: &mut QueryBuilder<'_, Sqlite>, from: From, query: &ContactQuery) {
    let (person, connected, _) = from.columns();
    if let Some(ally) = query.ally_id {
        b.push(format!(" AND {person} = ")).push_bind(ally);
    }
    if let Some(since) = &query.connected_since {
        b.push(format!(" AND {connected} >= "))
            .push_bind(since.clone());
    }
}

/// Adds the search's rule, in SQL: the same rule as
/// [`Search::matches`]. `search_text` is its words joined by single spaces, so a phrase matches
/// exactly where `' ' || search_text` holds `' ' || phrase` (its words joined by spaces), the
/// last word as a prefix: `LIKE '% phrase%'`. The words are letters and digits only, so none
/// is a `LIKE` wildcard; both sides are lowercase, so `LIKE`'s ASCII case folding changes
/// nothing. The rows leave SQLite already matched: the page is cut there, not here.
fn push_rule(b: &mut QueryBuilder<'_, Sqlite>, from: From, search: &Search) {
    let (_, _, text) = from.columns();
    for pattern in search.like_patterns() {
        b.push(format!(" AND (' ' || {text}) LIKE "))
            .push_bind(pattern);
    }
}

/// The visible rows of the network that pass the query's filters and search (the `WHERE`,
/// after the `FROM` of `from` joined to `memberships m`).
fn push_matching(
    b: &mut QueryBuilder<'_, Sqlite>,
    from: From,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
) {
    b.push(VISIBLE).push_bind(network_id).push(SHARING);
    push_filters(b, from, query);
    push_rule(b, from, search);
}

fn position_from(row: &sqlx::sqlite::SqliteRow) -> Result<ContactPosition, RepoError> {
    Ok(ContactPosition {
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        connected: row.try_get("connected")?,
        allies: row.try_get("allies")?,
    })
}

async fn fetch_positions(
    pool: &SqlitePool,
    mut b: QueryBuilder<'_, Sqlite>,
) -> Result<Vec<ContactPosition>, RepoError> {
    b.build()
        .fetch_all(pool)
        .await?
        .iter()
        .map(position_from)
        .collect()
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

/// Where the rows of a "few rows" plan come from.
#[derive(Clone, Copy)]
enum Rows<'a> {
    /// The full-text index's hits for this query (a superset; the rule checks each).
    Hits(&'a str),
    /// Every visible row (narrowed by the query's ally: at most one ally's contacts).
    Network,
}

/// The `FROM … WHERE` of the matching rows (the search's rows, alias `s`), from `rows`.
fn push_rows_from(
    b: &mut QueryBuilder<'_, Sqlite>,
    rows: Rows<'_>,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
) {
    match rows {
        Rows::Hits(index_query) => {
            // The index's proposals and the rows not indexed yet (see
            // [`index_search_words`]). CROSS JOIN fixes the loop order (SQLite's rule): from
            // the hits outwards.
            b.push(" FROM (SELECT rowid AS id FROM contacts_fts WHERE contacts_fts MATCH ")
                .push_bind(index_query.to_string())
                .push(
                    " UNION ALL SELECT id FROM contact_search_unindexed) hits
                 CROSS JOIN contact_search_ids s ON s.id = hits.id
                 CROSS JOIN memberships m ON m.person_id = s.person_id WHERE",
                );
        }
        Rows::Network => {
            b.push(
                " FROM contact_search_ids s JOIN memberships m ON m.person_id = s.person_id WHERE",
            );
        }
    }
    push_matching(b, From::Search, network_id, query, search);
}

/// The page's positions from every matching row of `rows` (few: the index's hits, or one
/// ally's contacts), grouped per key, sorted and cut in SQL. A key is placed by its matching
/// rows (their first name, their newest date); by "most allies", by the network's count of
/// every ally who knows it (`network_contacts`).
async fn from_rows(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
    rows: Rows<'_>,
) -> Result<Vec<ContactPosition>, RepoError> {
    let mut b;
    match query.sort {
        ContactSort::Name | ContactSort::Recent => {
            b = QueryBuilder::<Sqlite>::new(
                "SELECT s.key, MIN(s.sort_name) AS name, MAX(s.connected) AS connected, 1 AS allies",
            );
            push_rows_from(&mut b, rows, network_id, query, search);
            b.push(" GROUP BY s.key");
            if let Some(after) = &query.after {
                if query.sort == ContactSort::Name {
                    b.push(" HAVING (MIN(s.sort_name), s.key) > (")
                        .push_bind(after.name.clone());
                } else {
                    b.push(" HAVING (MAX(s.connected), s.key) < (")
                        .push_bind(after.connected.clone());
                }
                b.push(", ").push_bind(after.key.clone()).push(")");
            }
            b.push(if query.sort == ContactSort::Name {
                " ORDER BY name, s.key"
            } else {
                " ORDER BY connected DESC, s.key DESC"
            });
        }
        ContactSort::Allies => {
            b = QueryBuilder::<Sqlite>::new(
                "SELECT nc.key, nc.name, nc.connected, nc.allies FROM network_contacts nc
                 WHERE nc.network_id = ",
            );
            b.push_bind(network_id).push(" AND nc.key IN (SELECT s.key");
            push_rows_from(&mut b, rows, network_id, query, search);
            b.push(")");
            push_allies_after(&mut b, query);
            b.push(" ORDER BY nc.allies DESC, nc.name, nc.key");
        }
    }
    b.push(" LIMIT ").push_bind(query.limit as i64 + 1);
    fetch_positions(pool, b).await
}

/// The "most allies" cursor on `network_contacts` (alias `nc`).
fn push_allies_after(b: &mut QueryBuilder<'_, Sqlite>, query: &ContactQuery) {
    if let Some(after) = &query.after {
        b.push(" AND (nc.allies < ")
            .push_bind(after.allies)
            .push(" OR (nc.allies = ")
            .push_bind(after.allies)
            .push(" AND (nc.name, nc.key) > (")
            .push_bind(after.name.clone())
            .push(", ")
            .push_bind(after.key.clone())
            .push(")))");
    }
}

/// "Most allies" over many contacts: the network's counts (`network_contacts`) read from the
/// top of their index, each key kept if one of its visible rows passes the filters and the
/// search. No pass over the network: SQLite stops at a page.
async fn by_allies(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
) -> Result<Vec<ContactPosition>, RepoError> {
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT nc.key, nc.name, nc.connected, nc.allies
         FROM network_contacts nc INDEXED BY network_contacts_by_allies
         WHERE nc.network_id = ",
    );
    b.push_bind(network_id);
    push_allies_after(&mut b, query);
    if !search.is_empty() || query.ally_id.is_some() || query.connected_since.is_some() {
        b.push(
            " AND EXISTS (SELECT 1 FROM contacts c JOIN memberships m ON m.person_id = c.person_id
               WHERE c.key = nc.key AND",
        );
        push_matching(&mut b, From::Contacts, network_id, query, search);
        b.push(")");
    }
    b.push(" ORDER BY nc.allies DESC, nc.name, nc.key LIMIT ")
        .push_bind(query.limit as i64 + 1);
    fetch_positions(pool, b).await
}

/// Which sort order a walk follows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    Name,
    Recent,
}

impl Walk {
    /// `ORDER BY` over positions (columns `name`, `connected`, `key`) in this order, then
    /// `LIMIT` (its value bound by the caller).
    pub(crate) fn order_positions_limit(self) -> &'static str {
        match self {
            Walk::Name => " ORDER BY name, key LIMIT ",
            Walk::Recent => " ORDER BY connected DESC, key DESC LIMIT ",
        }
    }

    /// A position's value in this order (its name, or its date).
    fn at(self, p: &ContactPosition) -> &str {
        match self {
            Walk::Name => &p.name,
            Walk::Recent => &p.connected,
        }
    }
}

/// Matching rows read by a walk's first step; each next step reads four times as many.
const WALK_FIRST_STEP: i64 = 64;

/// A walk's next read: the matching rows in the walk's order after `after` (name or date,
/// key), `rows` of them at most.
pub(crate) struct WalkStep {
    pub(crate) after: Option<(String, String)>,
    pub(crate) rows: i64,
}

impl WalkStep {
    /// Adds, after a query's `WHERE`, the step's start (`(column, key) cmp (at, key)`), the
    /// walk's order and the step's size, on either backend.
    pub(crate) fn push_after<'a, DB>(
        &self,
        b: &mut QueryBuilder<'a, DB>,
        column: &str,
        key: &str,
        cmp: &str,
        order_by: &str,
    ) where
        DB: sqlx::Database,
        String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        if let Some((at, after_key)) = &self.after {
            b.push(format!(" AND ({column}, {key}) {cmp} ("))
                .push_bind(at.clone())
                .push(", ")
                .push_bind(after_key.clone())
                .push(")");
        }
        b.push(format!(" ORDER BY {order_by} LIMIT "))
            .push_bind(self.rows);
    }
}

/// A page found by walking the sort order's index from the cursor, a step of matching rows at
/// a time, keeping each key at its first matching row in that order: no sort, and it stops
/// at a page. A key whose earlier matching row lies before the cursor was on an earlier page;
/// a key's other rows at the same place (the allies who know it under the same name, or date)
/// are skipped. Sans-IO, for both backends: each reads the steps and the keys' rows in SQL.
pub(crate) struct Walker {
    order: Walk,
    limit: usize,
    after_cursor: bool,
    found: Vec<ContactPosition>,
    seen: HashSet<String>,
    next: Option<WalkStep>,
}

impl Walker {
    pub(crate) fn new(order: Walk, query: &ContactQuery) -> Walker {
        Walker {
            order,
            limit: query.limit,
            after_cursor: query.after.is_some(),
            found: Vec::new(),
            seen: HashSet::new(),
            next: Some(WalkStep {
                after: query
                    .after
                    .as_ref()
                    .map(|after| (order.at(after).to_string(), after.key.clone())),
                rows: WALK_FIRST_STEP,
            }),
        }
    }

    /// What to read next; `None` once the page (and one more, to tell there are more) is found.
    pub(crate) fn next_step(&self) -> Option<&WalkStep> {
        self.next.as_ref()
    }

    /// Takes the rows of the step just read, in the walk's order; gives the keys new to the
    /// walk. After a cursor, the caller reads every matching row of those keys and passes them
    /// to [`Walker::keep`], which drops the keys placed on an earlier page.
    pub(crate) fn take(&mut self, rows: Vec<ContactPosition>) -> Vec<ContactPosition> {
        let step = self.next.take().map_or(WALK_FIRST_STEP, |s| s.rows);
        let read = rows.len() as i64;
        let last = rows
            .last()
            .map(|p| (self.order.at(p).to_string(), p.key.clone()));
        let fresh = rows
            .into_iter()
            .filter(|p| self.seen.insert(p.key.clone()))
            .collect();
        if read == step {
            self.next = Some(WalkStep {
                after: last,
                rows: (step * 4).min(16_384),
            });
        }
        fresh
    }

    /// Whether [`Walker::keep`] needs the matching rows of the keys of `fresh`: only after a
    /// cursor (without one, no key can have been placed on an earlier page), and only if any.
    pub(crate) fn needs_rows_of(&self, fresh: &[ContactPosition]) -> bool {
        self.after_cursor && !fresh.is_empty()
    }

    /// Keeps the fresh keys of a step, but those with a matching row (of `rows`) before
    /// theirs in the walk's order: such a key was placed on an earlier page, at that row.
    pub(crate) fn keep(&mut self, fresh: Vec<ContactPosition>, rows: &[ContactPosition]) {
        let order = self.order;
        let before = |row: &ContactPosition, p: &ContactPosition| match order {
            Walk::Name => row.name < p.name,
            Walk::Recent => row.connected > p.connected,
        };
        self.found.extend(
            fresh
                .into_iter()
                .filter(|p| !rows.iter().any(|row| row.key == p.key && before(row, p))),
        );
        if self.found.len() > self.limit {
            self.next = None;
        }
    }

    /// The page's positions (and one more when there are more).
    pub(crate) fn into_found(mut self) -> Vec<ContactPosition> {
        self.found.truncate(self.limit + 1);
        self.found
    }
}

/// The page's positions by [`Walker`], on the search's rows and their covering index.
async fn walk(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
    order: Walk,
) -> Result<Vec<ContactPosition>, RepoError> {
    let (index, column, cmp, order_by) = match order {
        Walk::Name => (
            "contact_search_by_name",
            "s.sort_name",
            ">",
            "s.sort_name, s.key",
        ),
        Walk::Recent => (
            "contact_search_by_connected",
            "s.connected",
            "<",
            "s.connected DESC, s.key DESC",
        ),
    };
    let mut walker = Walker::new(order, query);
    while let Some(step) = walker.next_step() {
        let mut b = QueryBuilder::<Sqlite>::new(format!(
            "SELECT s.key, s.sort_name AS name, s.connected, 1 AS allies
             FROM contact_search_ids s INDEXED BY {index}
             CROSS JOIN memberships m ON m.person_id = s.person_id WHERE"
        ));
        push_matching(&mut b, From::Search, network_id, query, search);
        step.push_after(&mut b, column, "s.key", cmp, order_by);
        let fresh = walker.take(fetch_positions(pool, b).await?);
        let rows = if walker.needs_rows_of(&fresh) {
            matching_rows_of(pool, network_id, query, search, &fresh).await?
        } else {
            Vec::new()
        };
        walker.keep(fresh, &rows);
    }
    Ok(walker.into_found())
}

/// Every matching row of the keys of `found` (their name and date), from `contacts`.
async fn matching_rows_of(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
    found: &[ContactPosition],
) -> Result<Vec<ContactPosition>, RepoError> {
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT c.key, c.sort_name AS name, COALESCE(c.connected_on, '') AS connected, 1 AS allies
         FROM contacts c JOIN memberships m ON m.person_id = c.person_id
         WHERE c.key IN (SELECT value FROM json_each(",
    );
    b.push_bind(serde_json::to_string(&keys).unwrap_or_default())
        .push(")) AND");
    push_matching(&mut b, From::Contacts, network_id, query, search);
    fetch_positions(pool, b).await
}

/// The network's contacts of `keys`: the version of the ally who updated it last (then the
/// lowest person id), how many allies know it and the newest date, and the allies who know it
/// by name — the first `listed` of them when given. Counted and cut in SQL: a contact known
/// by hundreds of allies sends `listed` rows, not hundreds.
async fn contacts_of(
    pool: &SqlitePool,
    network_id: i64,
    keys: &[&str],
    listed: Option<usize>,
) -> Result<HashMap<String, NetworkContact>, RepoError> {
    let mut found: HashMap<String, NetworkContact> = HashMap::new();
    if keys.is_empty() {
        return Ok(found);
    }
    // Ranked on narrow columns; the whole row is read only for each key's newest version.
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT r.key, r.person_id, r.ally_name, r.connected_on AS known_since, r.nth, r.allies,
                r.last_connected_on, v.member_id, v.public_identifier, v.profile_url,
                v.first_name, v.last_name, v.headline, v.connected_on,
                v.photo_url
         FROM (
           SELECT c.key, c.person_id, p.name AS ally_name, c.connected_on,
                  ROW_NUMBER() OVER (PARTITION BY c.key ORDER BY p.name, p.id) AS nth,
                  ROW_NUMBER() OVER (PARTITION BY c.key
                                     ORDER BY c.updated_at DESC, c.person_id) AS newest,
                  COUNT(*) OVER (PARTITION BY c.key) AS allies,
                  MAX(c.connected_on) OVER (PARTITION BY c.key) AS last_connected_on
           FROM contacts c
           JOIN memberships m ON m.person_id = c.person_id
           JOIN people p ON p.id = c.person_id
           WHERE c.key IN (SELECT value FROM json_each(",
    );
    b.push_bind(serde_json::to_string(keys).unwrap_or_default())
        .push(")) AND")
        .push(VISIBLE)
        .push_bind(network_id)
        .push(SHARING)
        .push(
            ") r LEFT JOIN contacts v
               ON r.newest = 1 AND v.person_id = r.person_id AND v.key = r.key
             WHERE r.newest = 1 OR r.nth <= ",
        )
        .push_bind(listed.map_or(i64::MAX, |n| n as i64))
        .push(" ORDER BY r.nth");
    let listed = listed.unwrap_or(usize::MAX);
    let mut versions: HashMap<String, ContactRecord> = HashMap::new();
    let mut known: HashMap<String, (Vec<KnownBy>, u32, Option<String>)> = HashMap::new();
    for row in b.build().fetch_all(pool).await? {
        let key: String = row.try_get("key")?;
        if row.try_get::<Option<String>, _>("profile_url")?.is_some() {
            versions.insert(key.clone(), record_from_row(&row)?);
        }
        let (known_by, _, _) = known.entry(key).or_insert_with(|| {
            (
                Vec::new(),
                row.try_get::<i64, _>("allies").unwrap_or(0) as u32,
                row.try_get("last_connected_on").unwrap_or(None),
            )
        });
        if (row.try_get::<i64, _>("nth")? as usize) <= listed {
            known_by.push(KnownBy {
                ally: PersonRef {
                    id: row.try_get("person_id")?,
                    name: row.try_get("ally_name")?,
                },
                connected_on: row.try_get("known_since")?,
            });
        }
    }
    for (key, (known_by, allies, last_connected_on)) in known {
        let contact = versions
            .remove(&key)
            .ok_or_else(|| RepoError::Corrupt(format!("no newest version of {key}")))?;
        found.insert(
            key.clone(),
            NetworkContact {
                key,
                contact,
                known_by,
                allies,
                last_connected_on,
            },
        );
    }
    Ok(found)
}

/// How [`list_contacts`] finds a page: chosen from the query (and the index's count of hits),
/// or set by a test that holds every plan to the same answer.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// By the query: the cheapest plan for it.
    Chosen,
    /// Every matching row, grouped and sorted (few rows: the index's hits or one ally's).
    Rows,
    /// The sort order's index walked from the cursor ("most allies": the network's counts).
    Walk,
}

/// One page of the network's contacts, one row per key, in the query's order; with the
/// position of the last row when there are more, for the next cursor.
///
/// Two plans, because a search for a rare word and one for a common word want opposite ones:
/// few rows (the index's hits for a rare word, or one ally's contacts) are matched, grouped,
/// sorted and cut in SQL; many (a common word, a short prefix, no search) walk the sort
/// order's index and stop at a page. Either way only the page's rows leave SQLite.
pub async fn list_contacts(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
) -> Result<(Vec<NetworkContact>, Option<ContactPosition>), RepoError> {
    list_contacts_by(pool, network_id, query, Plan::Chosen).await
}

#[doc(hidden)]
pub async fn list_contacts_by(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    plan: Plan,
) -> Result<(Vec<NetworkContact>, Option<ContactPosition>), RepoError> {
    let search = Search::parse(&query.search);
    if search.is_empty() && !query.search.trim().is_empty() {
        // Only punctuation: no word to find, so nothing matches.
        return Ok((Vec::new(), None));
    }
    let index_query = search.index_query();
    let few_hits = match (&index_query, plan) {
        (Some(q), Plan::Chosen) => {
            let most = match query.sort {
                ContactSort::Allies => ALLIES_CANDIDATES_MAX,
                ContactSort::Name | ContactSort::Recent => CANDIDATES_MAX,
            };
            index_hits(pool, q, most + 1).await? <= most
        }
        (Some(_), Plan::Rows) => true,
        _ => false,
    };
    let rows = match (few_hits, &index_query) {
        (true, Some(q)) => Some(Rows::Hits(q)),
        _ if query.ally_id.is_some() && plan != Plan::Walk => Some(Rows::Network),
        _ if plan == Plan::Rows => Some(Rows::Network),
        _ => None,
    };
    let mut positions = match (rows, query.sort) {
        (Some(rows), _) => from_rows(pool, network_id, query, &search, rows).await?,
        (None, ContactSort::Name) => walk(pool, network_id, query, &search, Walk::Name).await?,
        (None, ContactSort::Recent) => walk(pool, network_id, query, &search, Walk::Recent).await?,
        (None, ContactSort::Allies) => by_allies(pool, network_id, query, &search).await?,
    };
    let more = positions.len() > query.limit;
    positions.truncate(query.limit);
    let keys: Vec<&str> = positions.iter().map(|p| p.key.as_str()).collect();
    let mut contacts = contacts_of(
        pool,
        network_id,
        &keys,
        Some(allyshare_protocol::KNOWN_BY_LISTED),
    )
    .await?;
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
    Ok(contacts_of(pool, network_id, &[key], None)
        .await?
        .remove(key))
}

/// Adds the words of the rows waiting for the full-text index (every row a commit added since
/// the last run), in one transaction; how many. Run after each sync commit, in the server's
/// turn of writing: the commit itself does not wait for the index (migration 0011).
pub async fn index_search_words(pool: &SqlitePool) -> Result<u64, RepoError> {
    // The write lock up front (waiting out another writer under the busy timeout): the first
    // statement reads the waiting rows before FTS5 writes its tables, and a deferred
    // transaction's read cannot become a write once another connection has written.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let added = sqlx::query(
        "INSERT INTO contacts_fts (rowid, search_text)
         SELECT s.id, s.search_text FROM contact_search_unindexed u
         JOIN contact_search_ids s ON s.id = u.id",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM contact_search_unindexed")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(added)
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
