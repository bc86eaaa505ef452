//! The network's view of its allies' contacts, and introduction asks, on PostgreSQL.
//!
//! A network sees the contacts of the people who are its allies *and* share with it
//! (`memberships.role = 'ally' AND sharing = 1`): that rule is in every query here, as on
//! SQLite (`db/network.rs`), so a contact stops being visible the moment sharing is turned off.
//! The search reads those allies first and binds them ([`Allies`]); the other reads join
//! `memberships`.
//!
//! The search is the same rule ([`Search`]: each typed phrase matches consecutive words, the
//! last as a prefix), written as SQLite's plans write it, `(' ' || search_text) LIKE '% phrase%'`,
//! or, where the rows are reached by another index (a walk along a sort order), as the
//! same test with `strpos` ([`Rule`]), and the same plans ([`positions`]). It reads the search's narrow copy of each contact row
//! (`contact_search_indexed`, as SQLite's `contact_search_ids`): a trigram GIN index
//! (`pg_trgm`) on its words, one B-tree per sort order. The copy is written after each commit
//! by the indexer ([`index_search_words`]), as SQLite's full-text index is; the rows of the
//! allies it has not caught up with are read from `contacts` itself ([`From::Pending`]), so a
//! search never misses a committed contact nor finds one by its old text.

use std::collections::HashMap;

use allyshare_protocol::{
    ContactRecord, IntroAsk, IntroAskState, IntroOutcome, KnownBy, NetworkContact, PersonRef,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use super::ask_mail;
use crate::db::network::{Plan, Search, Walk, Walker, ALLIES_CANDIDATES_MAX, CANDIDATES_MAX};
use crate::db::{
    AnswerOutcome, AskOutcome, AsksPage, ContactPosition, ContactQuery, ContactSort, NewIntroAsk,
    RepoError,
};

/// Reads a [`ContactRecord`] from a row with the contact columns.
pub(super) fn record_from_row(row: &PgRow) -> Result<ContactRecord, RepoError> {
    Ok(ContactRecord {
        member_id: row.try_get("member_id")?,
        public_identifier: row.try_get("public_identifier")?,
        profile_url: row.try_get("profile_url")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        headline: row.try_get("headline")?,
        connected_on: row.try_get("connected_on")?,
        photo_url: row.try_get("photo_url")?,
    })
}

/// Which rows a query reads as `c`.
#[derive(Clone, Copy)]
enum From {
    /// The search's narrow rows (`contact_search_indexed`, with the trigram index and one
    /// index per sort order) of the allies the indexer has caught up with.
    Indexed,
    /// The rows of the allies the indexer has not caught up with, from `contacts` itself.
    Pending,
    /// Any rows of `contacts`, through `contacts_by_key`: a few keys' rows.
    Contacts,
}

impl From {
    /// The table, as `c`.
    fn table(self) -> &'static str {
        match self {
            From::Indexed => "contact_search_indexed c",
            From::Pending | From::Contacts => "contacts c",
        }
    }

    /// The row's connection date, never null.
    fn connected(self) -> &'static str {
        match self {
            From::Indexed => "c.connected",
            From::Pending | From::Contacts => "COALESCE(c.connected_on, '')",
        }
    }
}

/// The allies whose rows a query may read: the network's allies who share with it (only the
/// one asked for, with an ally filter), split by where their search rows are ([`From`]).
///
/// Read first, by their own small query, and bound as arrays: joined to `memberships` in
/// each query instead, the planner took the network's 40 allies for one right after a large
/// sync (before autovacuum's statistics) and matched the trigram index once *per ally*: 16 s
/// for a search of "engineer" under `./build.sh load --db postgres`.
struct Allies {
    indexed: Vec<i64>,
    pending: Vec<i64>,
}

impl Allies {
    async fn of_network(
        pool: &PgPool,
        network_id: i64,
        only: Option<i64>,
    ) -> Result<Allies, RepoError> {
        let rows: Vec<(i64, bool)> = sqlx::query_as(
            "SELECT m.person_id,
                    EXISTS (SELECT 1 FROM contact_search_pending p WHERE p.person_id = m.person_id)
             FROM memberships m
             WHERE m.network_id = $1 AND m.role = 'ally' AND m.sharing = 1
               AND ($2::BIGINT IS NULL OR m.person_id = $2)",
        )
        .bind(network_id)
        .bind(only)
        .fetch_all(pool)
        .await?;
        let (pending, indexed): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(_, p)| *p);
        Ok(Allies {
            indexed: indexed.into_iter().map(|(id, _)| id).collect(),
            pending: pending.into_iter().map(|(id, _)| id).collect(),
        })
    }

    fn is_empty(&self) -> bool {
        self.indexed.is_empty() && self.pending.is_empty()
    }

    /// The allies whose rows `from` holds.
    fn of(&self, from: From) -> Vec<i64> {
        match from {
            From::Indexed => self.indexed.clone(),
            From::Pending => self.pending.clone(),
            From::Contacts => [self.indexed.as_slice(), self.pending.as_slice()].concat(),
        }
    }
}

/// How a query states the search's rule, which decides the index the planner can reach the
/// rows by.
#[derive(Clone, Copy)]
enum Rule {
    /// `LIKE`, which the trigram index answers: the rows are found by their words.
    ByWords,
    /// `strpos`, which no index answers: the rows are read in a sort order's index (a walk),
    /// or by their keys, and each checked. (The planner's guess of how many rows a `LIKE`
    /// matches, without statistics, is so low that it would match the trigram index and sort
    /// every hit of a common word rather than walk.)
    Checked,
}

/// The search's rows ([`From::Indexed`] and [`From::Pending`]: every visible row once) that
/// pass the query, as a `SELECT key, name, connected, allies` of each branch (with `tail`
/// after each branch's `WHERE`, for the cursor and the order: given the branch), joined by
/// `UNION ALL`. Each branch is planned on its own, so an `ORDER BY … LIMIT` in `tail` walks
/// the indexed rows' order. A branch with no allies is left out; `allies` must not be empty.
fn push_search_rows(
    b: &mut QueryBuilder<'_, Postgres>,
    allies: &Allies,
    query: &ContactQuery,
    search: &Search,
    rule: Rule,
    tail: impl Fn(&mut QueryBuilder<'_, Postgres>, From),
) {
    let branches = [From::Indexed, From::Pending]
        .into_iter()
        .filter(|from| !allies.of(*from).is_empty());
    for (n, from) in branches.enumerate() {
        b.push(if n == 0 { "(" } else { " UNION ALL (" })
            .push(format!(
                "SELECT c.key, c.sort_name AS name, {} AS connected, 1::BIGINT AS allies
                 FROM {} WHERE",
                from.connected(),
                from.table()
            ));
        push_matching(b, from, allies, query, search, rule);
        tail(b, from);
        b.push(")");
    }
}

/// The visible rows of the network (`c` of `from`) that pass the query's filters and the
/// search's rule.
fn push_matching(
    b: &mut QueryBuilder<'_, Postgres>,
    from: From,
    allies: &Allies,
    query: &ContactQuery,
    search: &Search,
    rule: Rule,
) {
    b.push(" c.person_id = ANY(")
        .push_bind(allies.of(from))
        .push(")");
    if let Some(since) = &query.connected_since {
        b.push(format!(" AND {} >= ", from.connected()))
            .push_bind(since.clone());
    }
    match rule {
        Rule::ByWords => {
            for pattern in search.like_patterns() {
                b.push(" AND (' ' || c.search_text) LIKE ")
                    .push_bind(pattern);
            }
        }
        Rule::Checked => {
            for needle in search.phrase_needles() {
                b.push(" AND strpos(' ' || c.search_text, ")
                    .push_bind(needle)
                    .push(") > 0");
            }
        }
    }
}

fn position_from(row: &PgRow) -> Result<ContactPosition, RepoError> {
    Ok(ContactPosition {
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        connected: row.try_get("connected")?,
        allies: row.try_get("allies")?,
    })
}

/// Runs a plan's query, planned for its values each time: a prepared statement's generic plan
/// (PostgreSQL's choice after five runs) cannot tell a rare word from a common one, and would
/// walk the whole order's index for a word that matches nothing.
async fn fetch_positions(
    pool: &PgPool,
    mut b: QueryBuilder<'_, Postgres>,
) -> Result<Vec<ContactPosition>, RepoError> {
    b.build()
        .persistent(false)
        .fetch_all(pool)
        .await?
        .iter()
        .map(position_from)
        .collect()
}

/// The "most allies" cursor on `network_contacts` (alias `nc`).
fn push_allies_after(b: &mut QueryBuilder<'_, Postgres>, query: &ContactQuery) {
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

/// How many of the search's indexed rows (of every network) match `search`, counting to
/// `up_to` at most: as SQLite counts its full-text index's hits. (The planner's estimate would
/// cost nothing to read, but right after a large sync, before autovacuum's statistics, it
/// takes a common word for a rare one.)
async fn index_hits(pool: &PgPool, search: &Search, up_to: i64) -> Result<i64, RepoError> {
    let mut b = QueryBuilder::<Postgres>::new(
        "SELECT COUNT(*) FROM (SELECT 1 FROM contact_search_indexed c WHERE true",
    );
    for pattern in search.like_patterns() {
        b.push(" AND (' ' || c.search_text) LIKE ")
            .push_bind(pattern);
    }
    b.push(" LIMIT ").push_bind(up_to).push(") hits");
    Ok(b.build_query_scalar()
        .persistent(false)
        .fetch_one(pool)
        .await?)
}

/// The page's positions (one more than the page, to tell whether there are more), by the
/// plans SQLite has and the same choice ([`Plan`]): few rows (the trigram index's hits for a
/// rare word, or one ally's rows) are matched, grouped, sorted and cut in SQL; many (a common
/// word, a short prefix, no search) walk the sort order's index ([`Walker`]; for "most
/// allies", the network's counts from the top, each key checked for a matching row) and stop
/// at a page.
async fn positions(
    pool: &PgPool,
    network_id: i64,
    query: &ContactQuery,
    search: &Search,
    plan: Plan,
) -> Result<Vec<ContactPosition>, RepoError> {
    let allies = Allies::of_network(pool, network_id, query.ally_id).await?;
    if allies.is_empty() {
        return Ok(Vec::new());
    }
    let most = match query.sort {
        ContactSort::Allies => ALLIES_CANDIDATES_MAX,
        ContactSort::Name | ContactSort::Recent => CANDIDATES_MAX,
    };
    let few_rows = match plan {
        Plan::Rows => true,
        Plan::Walk => false,
        Plan::Chosen => {
            query.ally_id.is_some()
                || (search.has_indexed_phrase()
                    && index_hits(pool, search, most + 1).await? <= most)
        }
    };
    let order = match query.sort {
        ContactSort::Allies => {
            return by_allies(pool, network_id, &allies, query, search, few_rows).await
        }
        ContactSort::Name => Walk::Name,
        ContactSort::Recent => Walk::Recent,
    };
    if !few_rows {
        return walk(pool, &allies, query, search, order).await;
    }
    let mut b = QueryBuilder::<Postgres>::new(
        "SELECT key, MIN(name) AS name, MAX(connected) AS connected, 1::BIGINT AS allies FROM (",
    );
    push_search_rows(&mut b, &allies, query, search, Rule::ByWords, |_, _| {});
    b.push(") rows GROUP BY key");
    if let Some(after) = &query.after {
        match order {
            Walk::Name => b
                .push(" HAVING (MIN(name), key) > (")
                .push_bind(after.name.clone()),
            Walk::Recent => b
                .push(" HAVING (MAX(connected), key) < (")
                .push_bind(after.connected.clone()),
        };
        b.push(", ").push_bind(after.key.clone()).push(")");
    }
    b.push(order.order_positions_limit())
        .push_bind(query.limit as i64 + 1);
    fetch_positions(pool, b).await
}

/// "Most allies": the network's counts (`network_contacts`) in their order, of the keys of
/// the matching rows when they are few (`few_rows`); otherwise read from the top of their
/// index, each key kept if one of its visible rows passes the filters and the search.
async fn by_allies(
    pool: &PgPool,
    network_id: i64,
    allies: &Allies,
    query: &ContactQuery,
    search: &Search,
    few_rows: bool,
) -> Result<Vec<ContactPosition>, RepoError> {
    let mut b = QueryBuilder::<Postgres>::new("SELECT nc.key, nc.name, nc.connected, nc.allies");
    if few_rows {
        // Each matching key's count looked up by the primary key, as SQLite does: `OFFSET 0`
        // keeps the lookup a subquery of its own, which the planner cannot turn into a hash
        // join reading all of the network's counts (276,000 rows for the 4,577 keys of
        // "garcia" in the bench: 50–80 ms).
        b.push(" FROM (SELECT DISTINCT key FROM (");
        push_search_rows(&mut b, allies, query, search, Rule::ByWords, |_, _| {});
        b.push(
            ") rows) hits CROSS JOIN LATERAL (SELECT * FROM network_contacts nc
               WHERE nc.key = hits.key AND nc.network_id = ",
        )
        .push_bind(network_id)
        .push(" OFFSET 0) nc WHERE true");
    } else {
        b.push(" FROM network_contacts nc WHERE nc.network_id = ")
            .push_bind(network_id);
        if !search.is_empty() || query.ally_id.is_some() || query.connected_since.is_some() {
            b.push(" AND EXISTS (SELECT 1 FROM contacts c WHERE c.key = nc.key AND");
            push_matching(&mut b, From::Contacts, allies, query, search, Rule::Checked);
            b.push(")");
        }
    }
    push_allies_after(&mut b, query);
    b.push(" ORDER BY nc.allies DESC, nc.name, nc.key LIMIT ")
        .push_bind(query.limit as i64 + 1);
    fetch_positions(pool, b).await
}

/// The page's positions by [`Walker`], each step the next matching rows in the order's index
/// (of each branch of the search's rows, merged).
async fn walk(
    pool: &PgPool,
    allies: &Allies,
    query: &ContactQuery,
    search: &Search,
    order: Walk,
) -> Result<Vec<ContactPosition>, RepoError> {
    let mut walker = Walker::new(order, query);
    while let Some(step) = walker.next_step() {
        let mut b = QueryBuilder::<Postgres>::new("SELECT * FROM (");
        push_search_rows(&mut b, allies, query, search, Rule::Checked, |b, from| {
            let connected = from.connected();
            let (column, cmp, order_by) = match order {
                Walk::Name => ("c.sort_name", ">", "c.sort_name, c.key".to_string()),
                Walk::Recent => (connected, "<", format!("{connected} DESC, c.key DESC")),
            };
            step.push_after(b, column, "c.key", cmp, &order_by);
        });
        b.push(") rows")
            .push(order.order_positions_limit())
            .push_bind(step.rows);
        let fresh = walker.take(fetch_positions(pool, b).await?);
        let rows = if walker.needs_rows_of(&fresh) {
            let keys: Vec<String> = fresh.iter().map(|p| p.key.clone()).collect();
            let mut b = QueryBuilder::<Postgres>::new(
                "SELECT c.key, c.sort_name AS name, COALESCE(c.connected_on, '') AS connected,
                        1::BIGINT AS allies
                 FROM contacts c WHERE c.key = ANY(",
            );
            b.push_bind(keys).push(") AND");
            push_matching(&mut b, From::Contacts, allies, query, search, Rule::Checked);
            fetch_positions(pool, b).await?
        } else {
            Vec::new()
        };
        walker.keep(fresh, &rows);
    }
    Ok(walker.into_found())
}

/// The network's contacts of `keys`: the version of the ally who updated it last (then the
/// lowest person id), how many allies know it and the newest date, and the allies who know it
/// by name — the first `listed` of them when given (as SQLite's `contacts_of`).
async fn contacts_of(
    pool: &PgPool,
    network_id: i64,
    keys: &[&str],
    listed: Option<usize>,
) -> Result<HashMap<String, NetworkContact>, RepoError> {
    let mut found: HashMap<String, NetworkContact> = HashMap::new();
    if keys.is_empty() {
        return Ok(found);
    }
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let rows = sqlx::query(
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
           WHERE c.key = ANY($1) AND m.network_id = $2 AND m.role = 'ally' AND m.sharing = 1
         ) r LEFT JOIN contacts v
             ON r.newest = 1 AND v.person_id = r.person_id AND v.key = r.key
         WHERE r.newest = 1 OR r.nth <= $3
         ORDER BY r.nth",
    )
    .bind(&keys)
    .bind(network_id)
    .bind(listed.map_or(i64::MAX, |n| n as i64))
    .fetch_all(pool)
    .await?;
    let listed = listed.unwrap_or(usize::MAX);
    let mut versions: HashMap<String, ContactRecord> = HashMap::new();
    let mut known: HashMap<String, (Vec<KnownBy>, u32, Option<String>)> = HashMap::new();
    for row in rows {
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

/// One page of the network's contacts, one row per key, in the query's order; with the
/// position of the last row when there are more, for the next cursor.
pub(super) async fn list_contacts(
    pool: &PgPool,
    network_id: i64,
    query: &ContactQuery,
) -> Result<(Vec<NetworkContact>, Option<ContactPosition>), RepoError> {
    list_contacts_by(pool, network_id, query, Plan::Chosen).await
}

/// [`list_contacts`] by the given plan (the search's tests hold every plan to one answer).
#[doc(hidden)]
pub async fn list_contacts_by(
    pool: &PgPool,
    network_id: i64,
    query: &ContactQuery,
    plan: Plan,
) -> Result<(Vec<NetworkContact>, Option<ContactPosition>), RepoError> {
    let search = Search::parse(&query.search);
    if search.is_empty() && !query.search.trim().is_empty() {
        // Only punctuation: no word to find, so nothing matches.
        return Ok((Vec::new(), None));
    }
    let mut positions = positions(pool, network_id, query, &search, plan).await?;
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
pub(super) async fn network_contact(
    pool: &PgPool,
    network_id: i64,
    key: &str,
) -> Result<Option<NetworkContact>, RepoError> {
    Ok(contacts_of(pool, network_id, &[key], None)
        .await?
        .remove(key))
}

/// The network's allies who share with it, by name.
pub(super) async fn sharing_allies(
    pool: &PgPool,
    network_id: i64,
) -> Result<Vec<PersonRef>, RepoError> {
    let rows = sqlx::query(
        "SELECT p.id, p.name FROM memberships m JOIN people p ON p.id = m.person_id
         WHERE m.network_id = $1 AND m.role = 'ally' AND m.sharing = 1
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

pub(super) fn ask_from_row(row: &PgRow) -> Result<IntroAsk, RepoError> {
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

async fn ask_by_id(conn: &mut PgConnection, id: i64) -> Result<Option<IntroAsk>, RepoError> {
    let row = sqlx::query(&format!("{ASK_SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(ask_from_row).transpose()
}

pub(super) async fn create_ask(
    pool: &PgPool,
    ask: &NewIntroAsk<'_>,
) -> Result<AskOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    // Locks the membership (checking that the person is a sharing ally of this network): two
    // instances asking the same ally at once check "already pending" one after the other.
    let sharing = sqlx::query(
        "SELECT person_id FROM memberships
         WHERE person_id = $1 AND network_id = $2 AND role = 'ally' AND sharing = 1
         FOR UPDATE",
    )
    .bind(ask.ally_id)
    .bind(ask.network_id)
    .fetch_optional(&mut *tx)
    .await?;
    if sharing.is_none() {
        return Ok(AskOutcome::NotVisible);
    }
    let row = sqlx::query(
        "SELECT c.* FROM contacts c JOIN memberships m ON m.person_id = c.person_id
         WHERE c.person_id = $1 AND c.key = $2 AND m.network_id = $3
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
        "SELECT EXISTS (SELECT 1 FROM intro_asks WHERE network_id = $1 AND ally_id = $2
                        AND contact_key = $3 AND state = 'pending')",
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

/// Stores an ask the caller has checked, inside the caller's transaction, with the ally's ask
/// email queued; the ask as stored.
pub(super) async fn insert_ask(
    tx: &mut PgConnection,
    ask: &NewIntroAsk<'_>,
    contact: &ContactRecord,
) -> Result<IntroAsk, RepoError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO intro_asks (network_id, ally_id, admin_id, contact_key, contact_name,
                                 contact_headline, contact_profile_url, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
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
    ask_mail::queue_for_new_ask(&mut *tx, ask.ally_id, ask.now).await?;
    ask_by_id(tx, id)
        .await?
        .ok_or_else(|| RepoError::Corrupt("the new ask vanished".into()))
}

/// Asks of one network (`network_id`) or to one ally (`ally_id`), newest first.
pub(super) async fn list_asks(
    pool: &PgPool,
    network_id: Option<i64>,
    ally_id: Option<i64>,
    state: Option<IntroAskState>,
    page: AsksPage,
) -> Result<Vec<IntroAsk>, RepoError> {
    let mut b = QueryBuilder::<Postgres>::new(ASK_SELECT);
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

pub(super) async fn answer_ask(
    pool: &PgPool,
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
        "UPDATE intro_asks SET state = $1, reason = $2, answered_at = $3
         WHERE id = $4 AND ally_id = $5 AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(reason)
    .bind(now)
    .bind(ask_id)
    .bind(ally_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let ask = sqlx::query(&format!("{ASK_SELECT} WHERE a.id = $1 AND a.ally_id = $2"))
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

/// Writes the search's trigram index for the allies whose contacts were added or changed
/// since the last run (migration 0004), one ally per transaction; how many contact rows it
/// wrote. Each ally's queue row is taken with `FOR UPDATE SKIP LOCKED`, so instances running
/// this at once share the work instead of repeating it. Run after each commit: the commit does
/// not wait for the index, and the search does not miss what it has not written yet.
pub(super) async fn index_search_words(pool: &PgPool) -> Result<u64, RepoError> {
    let mut written = 0;
    loop {
        let mut tx = pool.begin().await?;
        let person: Option<i64> = sqlx::query_scalar(
            "DELETE FROM contact_search_pending WHERE person_id =
               (SELECT person_id FROM contact_search_pending
                ORDER BY person_id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING person_id",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(person) = person else {
            return Ok(written);
        };
        // The ally's rows and their indexed copies are compared by a merge or hash join, never
        // a nested loop: right after a large sync (before autovacuum's statistics) the planner
        // took each side for one row and compared every pair, 37 million for an ally of 10,000
        // (6.7 s, while the ally's next commit waited on its queue row).
        sqlx::query("SET LOCAL enable_nestloop = off")
            .execute(&mut *tx)
            .await?;
        written += sqlx::query(
            "INSERT INTO contact_search_indexed
               (person_id, key, sort_name, connected, search_text)
             SELECT c.person_id, c.key, c.sort_name, COALESCE(c.connected_on, ''), c.search_text
             FROM contacts c
             LEFT JOIN contact_search_indexed i ON i.person_id = c.person_id AND i.key = c.key
             WHERE c.person_id = $1 AND (i.key IS NULL
               OR (i.sort_name, i.connected, i.search_text)
                  IS DISTINCT FROM (c.sort_name, COALESCE(c.connected_on, ''), c.search_text))
             ON CONFLICT (person_id, key) DO UPDATE SET sort_name = excluded.sort_name,
               connected = excluded.connected, search_text = excluded.search_text",
        )
        .bind(person)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
    }
}
