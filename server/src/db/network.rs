//! The network's view of its allies' contacts, and introduction asks, in SQLite.
//!
//! A network sees the contacts of the people who are its allies *and* share with it
//! (`memberships.role = 'ally' AND sharing = 1`): that join is in every query here, so a
//! contact stops being visible the moment sharing is turned off.

use allyshare_protocol::{
    ContactRecord, IntroAsk, IntroAskState, IntroOutcome, KnownBy, NetworkContact, PersonRef,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::sync::record_from_row;
use super::{AnswerOutcome, AskOutcome, ContactQuery, NewIntroAsk, RepoError};

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// How many entries of the name index the first plan of [`list_contacts`] walks at most.
const NAME_WINDOW: i64 = 20_000;

/// Which way [`visible_rows`] finds the page.
enum Plan<'a> {
    /// Walk the name index from the cursor (up to this (sort name, key) when given) and stop
    /// at the first `limit + 1` visible rows: no sort, fast when matches are common.
    ByName(Option<&'a (String, String)>),
    /// Every contact of the network's sharing allies, filtered, then the first `limit + 1`
    /// by name: one pass over the network, fast when matches are rare.
    ByAlly,
}

/// The page's rows (`limit + 1` at most): per key, the row of the ally who updated it last
/// (then the lowest person id) among the rows matching the search, after the cursor.
async fn visible_rows(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
    plan: Plan<'_>,
) -> Result<Vec<sqlx::sqlite::SqliteRow>, RepoError> {
    let words: Vec<String> = query
        .search
        .split_whitespace()
        .map(|w| format!("%{}%", like_escape(&w.to_lowercase())))
        .collect();
    let mut b = QueryBuilder::<Sqlite>::new("SELECT c.* FROM ");
    // CROSS JOIN fixes the loop order (SQLite's rule), so each plan is the one named.
    match plan {
        Plan::ByName(_) => b.push(
            "contacts c INDEXED BY contacts_by_name
             CROSS JOIN memberships m ON m.person_id = c.person_id
             WHERE m.network_id = ",
        ),
        Plan::ByAlly => b.push(
            "memberships m CROSS JOIN contacts c ON c.person_id = m.person_id
             WHERE m.network_id = ",
        ),
    };
    b.push_bind(network_id)
        .push(" AND m.role = 'ally' AND m.sharing = 1");
    for word in &words {
        b.push(" AND c.search_text LIKE ")
            .push_bind(word.clone())
            .push(" ESCAPE '\\'");
    }
    if let Some((name, key)) = &query.after {
        b.push(" AND (c.sort_name, c.key) > (")
            .push_bind(name.clone())
            .push(", ")
            .push_bind(key.clone())
            .push(")");
    }
    if let Plan::ByName(Some((name, key))) = plan {
        b.push(" AND (c.sort_name, c.key) <= (")
            .push_bind(name.clone())
            .push(", ")
            .push_bind(key.clone())
            .push(")");
    }
    // Not the winner if another sharing ally's matching row for the key is newer (or as
    // new, from a lower person id).
    b.push(
        " AND NOT EXISTS (
           SELECT 1 FROM contacts c2 JOIN memberships m2 ON m2.person_id = c2.person_id
           WHERE c2.key = c.key AND c2.person_id != c.person_id
             AND m2.network_id = ",
    )
    .push_bind(network_id)
    .push(
        " AND m2.role = 'ally' AND m2.sharing = 1
             AND (c2.updated_at > c.updated_at
                  OR (c2.updated_at = c.updated_at AND c2.person_id < c.person_id))",
    );
    for word in &words {
        b.push(" AND c2.search_text LIKE ")
            .push_bind(word.clone())
            .push(" ESCAPE '\\'");
    }
    b.push(") ORDER BY c.sort_name, c.key LIMIT ")
        .push_bind(query.limit as i64 + 1);
    Ok(b.build().fetch_all(pool).await?)
}

/// One page of the network's contacts, one row per key, ordered by (sort name, key); with the
/// sort position of the last row, for the next cursor.
///
/// Two plans, because a search for a common word and one for a rare word want opposite ones
/// (no full-text index): first the name order over a window of [`NAME_WINDOW`] index entries,
/// which finds a page of common matches at once; when the window holds less than a page,
/// one pass over the network's contacts.
pub async fn list_contacts(
    pool: &SqlitePool,
    network_id: i64,
    query: &ContactQuery,
) -> Result<(Vec<NetworkContact>, Option<(String, String)>), RepoError> {
    let mut b = QueryBuilder::<Sqlite>::new(
        "SELECT sort_name, key FROM contacts INDEXED BY contacts_by_name",
    );
    if let Some((name, key)) = &query.after {
        b.push(" WHERE (sort_name, key) > (")
            .push_bind(name.clone())
            .push(", ")
            .push_bind(key.clone())
            .push(")");
    }
    b.push(" ORDER BY sort_name, key LIMIT 1 OFFSET ")
        .push_bind(NAME_WINDOW);
    let window_end: Option<(String, String)> = b
        .build()
        .fetch_optional(pool)
        .await?
        .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
        .transpose()?;
    let mut rows = visible_rows(pool, network_id, query, Plan::ByName(window_end.as_ref())).await?;
    if rows.len() <= query.limit && window_end.is_some() {
        rows = visible_rows(pool, network_id, query, Plan::ByAlly).await?;
    }
    let more = rows.len() > query.limit;
    let mut page = Vec::with_capacity(rows.len().min(query.limit));
    let mut last = None;
    for row in rows.iter().take(query.limit) {
        let key: String = row.try_get("key")?;
        last = Some((row.try_get::<String, _>("sort_name")?, key.clone()));
        page.push(NetworkContact {
            key,
            contact: record_from_row(row)?,
            known_by: Vec::new(),
        });
    }
    if !page.is_empty() {
        let mut b = QueryBuilder::<Sqlite>::new(
            "SELECT c.key, p.id, p.name, c.connected_on
             FROM contacts c
             JOIN memberships m ON m.person_id = c.person_id
             JOIN people p ON p.id = c.person_id
             WHERE m.network_id = ",
        );
        b.push_bind(network_id)
            .push(" AND m.role = 'ally' AND m.sharing = 1 AND c.key IN (");
        let mut keys = b.separated(", ");
        for contact in &page {
            keys.push_bind(contact.key.clone());
        }
        b.push(") ORDER BY p.name, p.id");
        for row in b.build().fetch_all(pool).await? {
            let key: &str = row.try_get("key")?;
            if let Some(contact) = page.iter_mut().find(|c| c.key == key) {
                contact.known_by.push(KnownBy {
                    ally: PersonRef {
                        id: row.try_get("id")?,
                        name: row.try_get("name")?,
                    },
                    connected_on: row.try_get("connected_on")?,
                });
            }
        }
    }
    Ok((page, if more { last } else { None }))
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
    b.push(" ORDER BY a.id DESC");
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
