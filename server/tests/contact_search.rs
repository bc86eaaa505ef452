//! The network's contacts search held to one answer, whatever the plan: every plan
//! (`db::network::Plan`) gives, page after page, exactly what a plain model computes from the
//! visible rows with the search's rule (`Search::matches`) — for every order, filter and a
//! set of searches (rare and common words, prefixes, phrases, punctuation), with the
//! full-text index up to date and with it far behind. And the network's
//! counts (`network_contacts`, kept by triggers) always equal a count of the visible rows, through
//! syncs, changed names and dates, full-sync removals, sharing off and on, a member's removal and
//! a second network.
//!
//! On PostgreSQL the same model checks the repository and every plan (no FTS5 there: a trigram
//! index on the search's copy of each row, written by the indexer after each commit), with
//! the search's rows caught up and far behind, the counts the same way, and the trigram index
//! in place of the full-text index's own checks; the checks of FTS5's tables and of SQLite's
//! migration 0017 stay SQLite-only.

mod common;

use std::collections::HashMap;

use allyshare_protocol::{Role, KNOWN_BY_LISTED};
use allyshare_server::db::network::{compare, list_contacts_by, Plan, Search};
use allyshare_server::db::{ContactPosition, ContactQuery, ContactSort};
use common::{on_postgres, rows as db_rows, HasDatabase, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::SqlitePool;

const FIRST: [&str; 6] = ["Ada", "Adam", "Bob", "Léa", "Sean", "Zoë"];
const LAST: [&str; 5] = ["Lovelace", "O'Brien", "Adams", "Canada", "Smith"];
const TITLES: [&str; 5] = [
    "Product Manager",
    "Software Engineer",
    "Engineering Manager",
    "Founder",
    "Manager of Products",
];

/// Person `i` as ally `a` has them: the same person, but versions differ (the headline and the
/// date an ally connected).
fn person(i: usize, a: usize) -> Value {
    json!({
        "profile_url": format!("https://www.linkedin.com/in/person-{i}/"),
        "first_name": FIRST[i % FIRST.len()],
        "last_name": LAST[(i / FIRST.len()) % LAST.len()],
        "headline": format!("{} at Acme {}", TITLES[(i + a) % TITLES.len()], i % 3),
        "connected_on": format!("2024-{:02}-{:02}", 1 + (i * 7 + a) % 12, 1 + (i + a * 5) % 28),
    })
}

/// The persons ally `a` knows: overlapping sets, so many are known by several allies.
fn known_by(a: usize) -> Vec<Value> {
    (0..60)
        .filter(|i| (i + a) % (a + 2) != 0)
        .map(|i| person(i, a))
        .collect()
}

async fn pool(server: &TestServer) -> SqlitePool {
    SqlitePool::connect(&format!("sqlite:{}", server.db_path().display()))
        .await
        .unwrap()
}

/// One row as text (integers written out), as [`common::rows`] reads either backend.
type TextRow = Vec<Option<String>>;

/// The network's counts as kept, and as counted from the visible rows.
async fn counts_kept_and_counted(server: &impl HasDatabase) -> (Vec<TextRow>, Vec<TextRow>) {
    let kept = db_rows(
        server,
        "SELECT network_id, key, allies, name, connected FROM network_contacts
         ORDER BY network_id, key",
        &[],
    )
    .await;
    let counted = db_rows(
        server,
        "SELECT m.network_id, c.key, COUNT(*), MIN(c.sort_name), MAX(COALESCE(c.connected_on, ''))
         FROM contacts c JOIN memberships m ON m.person_id = c.person_id
         WHERE m.role = 'ally' AND m.sharing = 1
         GROUP BY m.network_id, c.key ORDER BY m.network_id, c.key",
        &[],
    )
    .await;
    (kept, counted)
}

async fn assert_counts_kept(server: &impl HasDatabase, when: &str) {
    let (kept, counted) = counts_kept_and_counted(server).await;
    assert!(!counted.is_empty() || kept.is_empty());
    assert_eq!(kept, counted, "the network's counts {when}");
}

/// A visible row of the network, as the model reads it.
struct Row_ {
    person_id: i64,
    key: String,
    name: String,
    connected: String,
    text: String,
}

async fn visible_rows(server: &impl HasDatabase, network_id: i64) -> Vec<Row_> {
    db_rows(
        server,
        "SELECT c.person_id, c.key, c.sort_name, COALESCE(c.connected_on, ''), c.search_text
         FROM contacts c JOIN memberships m ON m.person_id = c.person_id
         WHERE m.network_id = ? AND m.role = 'ally' AND m.sharing = 1",
        &[network_id],
    )
    .await
    .into_iter()
    .map(|r| {
        let cell = |i: usize| r[i].clone().unwrap_or_default();
        Row_ {
            person_id: cell(0).parse().unwrap(),
            key: cell(1),
            name: cell(2),
            connected: cell(3),
            text: cell(4),
        }
    })
    .collect()
}

/// Who answers a page: one of SQLite's plans on a pool, or the repository (PostgreSQL's one).
#[derive(Clone, Copy)]
enum Lister<'a> {
    Plan(&'a SqlitePool, Plan),
    PgPlan(&'a sqlx::PgPool, Plan),
    Repository(&'a dyn allyshare_server::Repository),
}

impl std::fmt::Debug for Lister<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lister::Plan(_, plan) | Lister::PgPlan(_, plan) => write!(f, "{plan:?}"),
            Lister::Repository(_) => write!(f, "the repository"),
        }
    }
}

/// Every key of the query's answer, in order: the model. A key is placed by its matching rows
/// (first name, newest date); by "most allies", by every visible row of it.
fn model(rows: &[Row_], query: &ContactQuery) -> Vec<String> {
    let search = Search::parse(&query.search);
    if search.is_empty() && !query.search.trim().is_empty() {
        return Vec::new();
    }
    let mut matching: HashMap<&str, ContactPosition> = HashMap::new();
    for r in rows.iter().filter(|r| {
        query.ally_id.is_none_or(|a| a == r.person_id)
            && query
                .connected_since
                .as_ref()
                .is_none_or(|s| r.connected >= *s)
            && search.matches(&r.text)
    }) {
        let p = matching.entry(&r.key).or_insert_with(|| ContactPosition {
            key: r.key.clone(),
            name: r.name.clone(),
            connected: r.connected.clone(),
            allies: 0,
        });
        p.name = p.name.clone().min(r.name.clone());
        p.connected = p.connected.clone().max(r.connected.clone());
    }
    let mut positions: Vec<ContactPosition> = matching.into_values().collect();
    if query.sort == ContactSort::Allies {
        for p in &mut positions {
            let all: Vec<&Row_> = rows.iter().filter(|r| r.key == p.key).collect();
            p.allies = all.len() as i64;
            p.name = all.iter().map(|r| r.name.clone()).min().unwrap();
            p.connected = all.iter().map(|r| r.connected.clone()).max().unwrap();
        }
    }
    positions.sort_by(|a, b| compare(query.sort, a, b));
    positions.into_iter().map(|p| p.key).collect()
}

/// Every key of the query's answer by `lister`, page after page of `limit`.
async fn paged(
    lister: Lister<'_>,
    network_id: i64,
    query: &ContactQuery,
    rows: &[Row_],
) -> Vec<String> {
    let mut keys = Vec::new();
    let mut query = query.clone();
    loop {
        let (page, next) = match lister {
            Lister::Plan(pool, plan) => list_contacts_by(pool, network_id, &query, plan).await,
            Lister::PgPlan(pool, plan) => {
                allyshare_server::db::pg::list_contacts_by(pool, network_id, &query, plan).await
            }
            Lister::Repository(repo) => repo.network_contacts(network_id, &query).await,
        }
        .unwrap();
        assert!(page.len() <= query.limit);
        if next.is_some() {
            assert_eq!(page.len(), query.limit, "a page with more after it is full");
        }
        // Each contact's count of allies, newest date and allies listed, from the rows.
        for contact in &page {
            let of_key: Vec<&Row_> = rows.iter().filter(|r| r.key == contact.key).collect();
            assert_eq!(contact.allies as usize, of_key.len(), "{}", contact.key);
            assert_eq!(contact.known_by.len(), of_key.len().min(KNOWN_BY_LISTED));
            let newest = of_key
                .iter()
                .map(|r| r.connected.clone())
                .max()
                .filter(|d| !d.is_empty());
            assert_eq!(contact.last_connected_on, newest, "{}", contact.key);
        }
        keys.extend(page.into_iter().map(|c| c.key));
        match next {
            Some(after) => query.after = Some(after),
            None => break,
        }
        assert!(keys.len() < 1_000, "the pages end");
    }
    keys
}

/// SQLite: the server's file, and a copy of it with the full-text index far behind (nothing
/// indexed, every row waiting for the indexer), where no indexer runs.
async fn sqlite_indexed_and_behind(server: &TestServer) -> (SqlitePool, SqlitePool) {
    let pool = pool(server).await;
    server.app.index_search_words().await.unwrap();
    let copy = server.dir.path().join("unindexed.db");
    sqlx::query("VACUUM INTO ?")
        .bind(copy.display().to_string())
        .execute(&pool)
        .await
        .unwrap();
    let behind = SqlitePool::connect(&format!("sqlite:{}", copy.display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO contact_search_unindexed (id) SELECT id FROM contact_search_ids")
        .execute(&behind)
        .await
        .unwrap();
    sqlx::query("DELETE FROM contacts_fts")
        .execute(&behind)
        .await
        .unwrap();
    let hits: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM contacts_fts WHERE contacts_fts MATCH 'ada*'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(hits > 0, "the server's own file is indexed");
    (pool, behind)
}

/// PostgreSQL's equivalent of the full-text index: the trigram GIN index on the expression
/// the search's `LIKE` is written on, kept on the indexer's copy of each contact's text, there
/// and able to answer it (the planner uses it once sequential scans are off: on so few rows it
/// would rather not).
async fn assert_trigram_index_serves_the_search(server: &TestServer) {
    use sqlx::Connection;
    let url = server.pg_url().expect("on PostgreSQL");
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let definition: String = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'contact_search_trigrams'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(definition.contains("gin_trgm_ops"), "{definition}");
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT key FROM contact_search_indexed i
         WHERE (' ' || i.search_text) LIKE '% lovelace ada%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(
        plan.iter()
            .any(|line| line.contains("contact_search_trigrams")),
        "{plan:?}"
    );
    conn.close().await.unwrap();
}

/// PostgreSQL: the trigram index far behind and wrong, as just after a commit the indexer has
/// not caught up with. Every ally is waiting for it, nothing of theirs is indexed but one
/// contact of each, under a text that is no longer theirs.
async fn pg_index_behind(server: &TestServer) {
    for sql in [
        "DELETE FROM contact_search_indexed",
        "INSERT INTO contact_search_indexed (person_id, key, sort_name, connected, search_text)
           SELECT DISTINCT ON (person_id) person_id, key, 'zzz', '2000-01-01', 'zzz lovelace ada'
           FROM contacts",
        "INSERT INTO contact_search_pending (person_id)
           SELECT DISTINCT person_id FROM contacts ON CONFLICT DO NOTHING",
    ] {
        common::execute(server, sql).await;
    }
}

#[tokio::test]
async fn every_plan_gives_the_models_answer_and_the_counts_stay_exact() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let mut allies = Vec::new();
    for a in 0..4 {
        let ally = server
            .sharing_ally(
                "Sales",
                &format!("ally{a}@example.org"),
                &format!("Ally {a}"),
            )
            .await;
        server.clock.advance(1);
        server
            .sync_contacts(&ally.token, "full", &known_by(a))
            .await;
        allies.push(ally);
    }
    // One of them also shares with a second network, which must not leak into the first.
    let other = server
        .sharing_ally("Other", "other@example.org", "Other")
        .await;
    server
        .sync_contacts(&other.token, "full", &[person(200, 9), person(3, 9)])
        .await;
    assert_counts_kept(&server, "after the first syncs").await;

    // Changes: a new version with another name and date; a full sync that drops some.
    server.clock.advance(1);
    let mut changed = known_by(1);
    changed[0]["first_name"] = json!("Aaron");
    changed[0]["connected_on"] = json!("2026-11-30");
    changed.truncate(30);
    server
        .sync_contacts(&allies[1].token, "full", &changed)
        .await;
    assert_counts_kept(&server, "after a changed name and a full sync's removals").await;

    // Ally 3 stops sharing, and shares again with an empty list (their contacts were deleted).
    let sharing = |on: bool| json!({ "sharing": on });
    let path = format!("/v1/networks/{}/sharing", admin.network_id);
    server
        .expect(
            Method::PUT,
            &path,
            Some(&allies[3].token),
            Some(sharing(false)),
            StatusCode::OK,
        )
        .await;
    assert_counts_kept(&server, "after sharing off").await;
    server
        .expect(
            Method::PUT,
            &path,
            Some(&allies[3].token),
            Some(sharing(true)),
            StatusCode::OK,
        )
        .await;
    server
        .sync_contacts(&allies[3].token, "full", &known_by(3)[..20])
        .await;
    assert_counts_kept(&server, "after sharing on again").await;

    let rows = visible_rows(&server, admin.network_id).await;
    assert!(
        rows.iter().all(|r| !r.key.contains("person-200")),
        "the other network's own"
    );
    // SQLite: every plan, on the server's file and on a copy with the full-text index far
    // behind. PostgreSQL: the repository (its chosen plan) and every plan, with the search's
    // rows caught up, then behind.
    let pg_pool = match server.pg_url() {
        Some(url) => Some(sqlx::PgPool::connect(url).await.unwrap()),
        None => None,
    };
    let sqlite = if on_postgres() {
        server.app.index_search_words().await.unwrap();
        let waiting = common::scalar(&server, "SELECT COUNT(*) FROM contact_search_pending").await;
        assert_eq!(waiting, 0, "the indexer caught up");
        assert_trigram_index_serves_the_search(&server).await;
        None
    } else {
        Some(sqlite_indexed_and_behind(&server).await)
    };
    let passes: &[&str] = if sqlite.is_some() {
        &[""]
    } else {
        &["", ", the trigram index behind"]
    };
    let listers: Vec<Lister> = match &sqlite {
        Some((indexed, behind)) => [Plan::Chosen, Plan::Rows, Plan::Walk]
            .into_iter()
            .flat_map(|plan| [Lister::Plan(indexed, plan), Lister::Plan(behind, plan)])
            .collect(),
        None => {
            let pool = pg_pool.as_ref().expect("on PostgreSQL");
            let mut listers = vec![Lister::Repository(server.app.repo())];
            // The repository is the chosen plan; the others, forced.
            listers.extend([Plan::Rows, Plan::Walk].map(|p| Lister::PgPlan(pool, p)));
            listers
        }
    };
    let searches = [
        "",
        "ada",
        "a",
        "lov",
        "lovelace ada",
        "o'brien",
        "brien",
        "product manager",
        "manager",
        "manager of",
        "engineer acme 1",
        "zoë",
        "ZOË",
        "canada",
        "acme 2 founder",
        "zzz",
        "!!",
        "le",
        "léa",
    ];
    let mut checked = 0;
    for pass in passes {
        if !pass.is_empty() {
            pg_index_behind(&server).await;
        }
        for search in searches {
            for sort in [ContactSort::Name, ContactSort::Recent, ContactSort::Allies] {
                for (ally_id, since) in [
                    (None, None),
                    (Some(allies[0].id), None),
                    (None, Some("2024-06-01".to_string())),
                    (Some(allies[2].id), Some("2024-03-01".to_string())),
                ] {
                    let query = ContactQuery {
                        search: search.to_string(),
                        sort,
                        ally_id,
                        connected_since: since,
                        after: None,
                        limit: 7,
                    };
                    let expected = model(&rows, &query);
                    for (i, lister) in listers.iter().enumerate() {
                        let got = paged(*lister, admin.network_id, &query, &rows).await;
                        let behind = if sqlite.is_some() && i % 2 == 1 {
                            ", nothing indexed"
                        } else {
                            pass
                        };
                        assert_eq!(got, expected, "{query:?} by {lister:?}{behind}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(
        checked,
        searches.len() * 3 * 4 * listers.len() * passes.len()
    );
    // The searches were not all empty: the model found something for most.
    assert!(
        model(
            &rows,
            &ContactQuery {
                search: "lov".into(),
                limit: 7,
                ..Default::default()
            }
        )
        .len()
            > 5
    );

    // A member's removal (the ally leaves the network): their contribution leaves the counts.
    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{}/members/{}", admin.network_id, allies[0].id),
            Some(&admin.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_counts_kept(&server, "after a member's removal").await;
    let (kept, _) = counts_kept_and_counted(&server).await;
    let network = |r: &TextRow| r[0].as_deref().unwrap().parse::<i64>().unwrap();
    assert!(kept.iter().any(|r| network(r) == admin.network_id));
    assert!(kept.iter().any(|r| network(r) == other.network_id));
}

/// A contact known by more allies than a page lists: the page lists the first
/// `KNOWN_BY_LISTED` by name and counts them all, with the newest date of all; the contact's
/// own page lists every one.
#[tokio::test]
async fn a_page_lists_the_first_allies_and_counts_them_all() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let allies = KNOWN_BY_LISTED + 3;
    for a in 0..allies {
        let ally = server
            .sharing_ally(
                "Sales",
                &format!("ally{a:02}@example.org"),
                &format!("Ally {a:02}"),
            )
            .await;
        let mut known = person(4, a);
        known["connected_on"] = json!(format!("2025-01-{:02}", 1 + a));
        server.sync_contacts(&ally.token, "full", &[known]).await;
    }
    let page = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{}/contacts?q=sean", admin.network_id),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    let contact = &page["contacts"][0];
    assert_eq!(contact["allies"], allies);
    assert_eq!(contact["last_connected_on"], format!("2025-01-{allies:02}"));
    let listed: Vec<&str> = contact["known_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["ally"]["name"].as_str().unwrap())
        .collect();
    let first: Vec<String> = (0..KNOWN_BY_LISTED)
        .map(|a| format!("Ally {a:02}"))
        .collect();
    assert_eq!(listed, first);

    let key = contact["key"].as_str().unwrap();
    let own = server
        .expect(
            Method::GET,
            &format!(
                "/v1/networks/{}/contacts/{}",
                admin.network_id,
                key.replace(':', "%3A")
            ),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(own["known_by"].as_array().unwrap().len(), allies);
    assert_eq!(own["allies"], allies);
}

/// The server's indexer adds a commit's words to the full-text index after the commit: the
/// queue of waiting rows empties by itself, and the index then proposes the new contact. On
/// PostgreSQL there is no indexer: the trigram index is kept in the committing transaction, so
/// the search finds the new contact as soon as the commit is answered.
#[tokio::test]
async fn the_indexer_catches_up_after_a_commit() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    server
        .sync_contacts(&ally.token, "full", &[person(3, 0), person(4, 0)])
        .await;
    if on_postgres() {
        // Found at once, whether or not the indexer has caught up yet.
        assert_eq!(search(&server, &admin, "sean").await, 1, "found at once");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while common::scalar(&server, "SELECT COUNT(*) FROM contact_search_pending").await > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the ally still waits for the index"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let indexed = common::scalar(
            &server,
            "SELECT COUNT(*) FROM contact_search_indexed
             WHERE (' ' || search_text) LIKE '% sean%'",
        )
        .await;
        assert_eq!(indexed, 1, "Sean (person 4) is in the index");
        assert_eq!(
            search(&server, &admin, "sean").await,
            1,
            "and found from it"
        );
        assert_trigram_index_serves_the_search(&server).await;
        return;
    }
    let pool = pool(&server).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contact_search_unindexed")
            .fetch_one(&pool)
            .await
            .unwrap();
        if waiting == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{waiting} rows still wait for the index"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let hits: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM contacts_fts WHERE contacts_fts MATCH '\"sean\"*'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(hits, 1, "Sean (person 4) is in the index");
}

/// SQLite: the indexer waits for another writer of the file instead of failing. It used to
/// start as a deferred transaction whose first statement reads the rows waiting for the
/// index before FTS5 writes: when another connection committed in between, its write failed
/// at once with "database is locked" (a stale read snapshot cannot be upgraded; no busy
/// timeout helps), and the e2e runs logged that a few times each.
#[tokio::test]
async fn on_sqlite_the_indexer_waits_for_another_writer_instead_of_failing() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("indexer.db");
    drop(allyshare_server::open_db(&path).await.unwrap());
    let pool = SqlitePool::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    for id in 1..=3 {
        sqlx::query(
            "INSERT INTO contact_search_ids (id, person_id, key, sort_name, connected, search_text)
             VALUES (?, 1, ?, 'lovelace ada', '', 'ada lovelace quokkaworks')",
        )
        .bind(id)
        .bind(format!("url:person-{id}"))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO contact_search_unindexed (id) VALUES (?)")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
    }
    // Another writer holds the file's write lock while the indexer starts, and commits (a
    // fourth row waiting for the index) while the indexer waits.
    let mut other = pool.acquire().await.unwrap().detach();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO contact_search_ids (id, person_id, key, sort_name, connected, search_text)
         VALUES (4, 1, 'url:person-4', 'lovelace ada', '', 'ada lovelace quokkaworks')",
    )
    .execute(&mut other)
    .await
    .unwrap();
    sqlx::query("INSERT INTO contact_search_unindexed (id) VALUES (4)")
        .execute(&mut other)
        .await
        .unwrap();
    let indexer = {
        let pool = pool.clone();
        tokio::spawn(async move { allyshare_server::db::network::index_search_words(&pool).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    let indexed = tokio::time::timeout(std::time::Duration::from_secs(20), indexer)
        .await
        .expect("the indexer ends")
        .unwrap()
        .expect("the indexer waits for the other writer, then writes");
    assert_eq!(indexed, 4, "the other writer's row too");
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contact_search_unindexed")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(waiting, 0);
    let hits: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM contacts_fts WHERE contacts_fts MATCH '\"quokkaworks\"'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(hits, 4);
}

/// PostgreSQL: a large first sync leaves the planner's statistics of the sync's tables up to
/// date soon after the commit, without autovacuum (switched off for them here, so only the
/// server's own refresh can do it). Before, the planner took each ally's rows for one and the
/// search and the indexer took seconds on plans chosen on that guess.
#[tokio::test]
async fn on_postgresql_a_large_sync_is_analyzed_without_waiting_for_autovacuum() {
    let server = TestServer::start().await;
    if !on_postgres() {
        eprintln!("skipped: SQLite keeps no statistics for its plans (see Repository::refresh_statistics)");
        return;
    }
    let tables = ["contacts", "contact_search_indexed"];
    for table in tables {
        common::execute(
            &server,
            &format!("ALTER TABLE {table} SET (autovacuum_enabled = false)"),
        )
        .await;
    }
    let analyzed = |table: &str| {
        format!(
            "SELECT COUNT(*) FROM pg_stats
             WHERE tablename = '{table}' AND attname = 'key' AND n_distinct <> 0"
        )
    };
    for table in tables {
        assert_eq!(
            common::scalar(&server, &analyzed(table)).await,
            0,
            "{table}"
        );
    }
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let many: Vec<Value> = (0..3_000).map(|i| person(i, 0)).collect();
    server.sync_contacts(&ally.token, "full", &many).await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for table in tables {
        while common::scalar(&server, &analyzed(table)).await == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "{table} has no statistics 20 s after the commit"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let counted = common::scalar(
            &server,
            &format!("SELECT reltuples::BIGINT FROM pg_class WHERE relname = '{table}'"),
        )
        .await;
        assert_eq!(counted, 3_000, "{table}'s statistics count its rows");
    }
    // Nothing has grown since: a second refresh analyzes nothing.
    assert_eq!(server.app.repo().refresh_statistics().await.unwrap(), 0);
}

/// Migration 0017 on a database that kept a CSV import's company and position (what earlier
/// versions stored): the values are gone from every table of the file, the columns too; the
/// search words and content hashes are those of what is left, so the search still finds by
/// name and headline, no more by company, and the ally's digest is the extension's.
#[tokio::test]
async fn migration_0017_erases_company_and_position_and_search_still_works() {
    if on_postgres() {
        eprintln!(
            "skipped on PostgreSQL: SQLite's migration 0017 (PostgreSQL's schema never had \
             the columns)"
        );
        return;
    }
    let mut server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let people: Vec<Value> = (0..8).map(|i| person(i, 0)).collect();
    server.sync_contacts(&ally.token, "full", &people).await;
    let digest_before = server
        .expect(
            Method::GET,
            "/v1/contacts/digest",
            Some(&ally.token),
            None,
            StatusCode::OK,
        )
        .await;

    // The database as an earlier version left it: the columns back, filled, with the words
    // and hashes that version stored (its search text had the company; its hash covered both).
    server.restart().await;
    {
        let pool = pool(&server).await;
        for sql in [
            "ALTER TABLE contacts ADD COLUMN company TEXT",
            "ALTER TABLE contacts ADD COLUMN position TEXT",
            "ALTER TABLE sync_staged ADD COLUMN company TEXT",
            "ALTER TABLE sync_staged ADD COLUMN position TEXT",
            "DROP TABLE contact_rederive",
            "DELETE FROM _sqlx_migrations WHERE version = 17",
            "UPDATE contacts SET company = 'Quokkaworks Holdings', position = 'Zebrafish Wrangler',
                 search_text = search_text || ' quokkaworks holdings',
                 content_hash = content_hash + 1
             WHERE key IN (SELECT key FROM contacts ORDER BY key LIMIT 5)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        // The full-text index holds the company's words, as that version's did.
        server_index_words(&pool).await;
        let hits: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM contacts_fts WHERE contacts_fts MATCH '\"quokkaworks\"'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(hits, 5, "the set-up: the old words are indexed");
        pool.close().await;
    }
    assert_eq!(
        search(&server, &admin, "quokkaworks").await,
        5,
        "the set-up: found by company"
    );

    // The new version starts: 0017 runs, then the rows are derived again.
    server.restart().await;
    let pool = pool(&server).await;
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM pragma_table_info('contacts')
         UNION ALL SELECT name FROM pragma_table_info('sync_staged')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        !columns.iter().any(|c| c == "company" || c == "position"),
        "{columns:?}"
    );
    for needle in ["quokkaworks", "zebrafish"] {
        assert_eq!(
            found_anywhere(&pool, needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contact_rederive")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(waiting, 0);
    assert_eq!(search(&server, &admin, "quokkaworks").await, 0);
    // By name and by headline, as before.
    assert_eq!(
        search(&server, &admin, "lovelace").await,
        6,
        "persons 0 to 5"
    );
    assert_eq!(search(&server, &admin, "founder").await, 1, "person 3");
    assert_eq!(search(&server, &admin, "acme").await, 8);
    assert_eq!(search(&server, &admin, "software+engineer").await, 2);
    // The hashes are the extension's again: its digest matches, no resync is needed.
    let digest_after = server
        .expect(
            Method::GET,
            "/v1/contacts/digest",
            Some(&ally.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(digest_after, digest_before);
    assert_counts_kept(&server, "after 0017").await;
}

/// Indexes the rows waiting for the full-text index, as the server's indexer does.
async fn server_index_words(pool: &SqlitePool) {
    allyshare_server::db::network::index_search_words(pool)
        .await
        .unwrap();
}

/// The tables and columns of the file where `needle` is (any case), full-text pages included.
async fn found_anywhere(pool: &SqlitePool, needle: &str) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut found = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(pool)
                .await
                .unwrap();
        for column in columns {
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE instr(lower(CAST(\"{column}\" AS TEXT)), lower(?)) > 0"
            ))
            .bind(needle)
            .fetch_one(pool)
            .await
            .unwrap();
            if hits > 0 {
                found.push(format!("{table}.{column} ({hits} rows)"));
            }
        }
    }
    found
}

/// How many contacts the network's search finds for `q`, through the API.
async fn search(server: &TestServer, admin: &common::Member, q: &str) -> usize {
    let page = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{}/contacts?q={q}", admin.network_id),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    page["contacts"].as_array().unwrap().len()
}
