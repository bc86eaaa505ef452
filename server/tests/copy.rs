//! `allyshare-server copy --from FILE --to postgres://…`, the real binary: a SQLite database
//! built through the real server's API (a network, an admin, two sharing allies with contacts
//! synced, one sync still open, a list, an ask, a company, a professional and their
//! introduction request) moved into PostgreSQL, then compared table by table and through the
//! API of a server started on each (each ally's digest, the network's contacts, signing in with
//! the same password). And what it refuses, changing nothing: a target that holds anything, a
//! table or column one schema has and the copy does not know, a source not migrated.
//!
//! Runs only with a PostgreSQL server (`tools/pg-test.sh cargo test -p allyshare-server --test
//! copy`); without one each test says so and passes.

mod common;

use std::path::Path;

use allyshare_protocol::Role;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn no_postgres() -> bool {
    if on_postgres() {
        return false;
    }
    eprintln!(
        "skipped: `copy` needs a PostgreSQL server; ALLYSHARE_TEST_POSTGRES_URL is not set \
         (run under tools/pg-test.sh)"
    );
    true
}

/// The real binary's `copy`: its exit status, stdout and stderr.
async fn run_copy(from: &Path, to: &str) -> (bool, String, String) {
    let (from, to) = (from.to_path_buf(), to.to_string());
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_allyshare-server"))
            .arg("copy")
            .arg("--from")
            .arg(&from)
            .args(["--to", &to])
            .output()
            .expect("run allyshare-server copy");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

fn contact(i: usize) -> Value {
    json!({
        "member_id": format!("ACoA{i:06}"),
        "public_identifier": format!("person-{i}"),
        "profile_url": format!("https://www.linkedin.com/in/person-{i}/"),
        "first_name": format!("First{i}"),
        "last_name": format!("Last{}", i % 37),
        "headline": format!("Engineer at Company {}", i % 11),
        "connected_on": format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
        "photo_url": format!("https://media.licdn.com/dms/image/{i}/photo.jpg"),
    })
}

/// The SQLite tables the copy carries (every table but SQLite's own, the migrations table and
/// those `copy::SQLITE_ONLY` names), each with its rows.
async fn sqlite_counts(server: &TestServer) -> Vec<(String, i64)> {
    let pool = db(server).await;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' \
         AND name <> '_sqlx_migrations' AND name NOT LIKE 'contacts_fts%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut counts = Vec::new();
    for name in names {
        if allyshare_server::copy::SQLITE_ONLY
            .iter()
            .any(|(t, _)| *t == name)
        {
            continue;
        }
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {name}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        counts.push((name, n));
    }
    pool.close().await;
    counts
}

/// Every table of the PostgreSQL database at `url` (but the migrations table), with its rows.
async fn pg_counts(url: &str) -> Vec<(String, i64)> {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
           AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut counts = Vec::new();
    for name in names {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {name}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        // PostgreSQL's own tables (the shared token buckets and their key) have no SQLite
        // twin: the copy writes nothing there (a server that ran on the database may have).
        if allyshare_server::copy::POSTGRES_ONLY
            .iter()
            .any(|(table, _)| *table == name)
        {
            continue;
        }
        counts.push((name, n));
    }
    pool.close().await;
    counts
}

async fn get(server: &TestServer, path: &str, token: &str) -> Value {
    server
        .expect(Method::GET, path, Some(token), None, StatusCode::OK)
        .await
}

#[tokio::test]
async fn a_sqlite_database_moves_into_postgresql_whole() {
    if no_postgres() {
        return;
    }
    let sqlite = TestServer::start_sqlite().await;
    let net = "Copy Network";
    let admin = sqlite
        .member(net, "admin@example.org", "Admin", Role::NetworkAdmin)
        .await;
    let n = admin.network_id;
    let ada = sqlite
        .sharing_ally(net, "ada@example.org", "Ada Lovelace")
        .await;
    let bob = sqlite
        .sharing_ally(net, "bob@example.org", "Bob Babbage")
        .await;
    // 1,500 and 900 contacts, 300 of them known by both: more rows than one batch of the copy.
    let ada_contacts: Vec<Value> = (0..1_500).map(contact).collect();
    let bob_contacts: Vec<Value> = (1_200..2_100).map(contact).collect();
    sqlite
        .sync_contacts(&ada.token, "full", &ada_contacts)
        .await;
    sqlite
        .sync_contacts(&bob.token, "full", &bob_contacts)
        .await;
    // Bob's next sync, open: a staged batch not yet committed.
    let open = sqlite
        .expect(
            Method::POST,
            "/v1/sync/sessions",
            Some(&bob.token),
            Some(json!({"kind": "delta"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    sqlite
        .expect(
            Method::PUT,
            &format!("/v1/sync/sessions/{open}/batches/0"),
            Some(&bob.token),
            Some(json!({"contacts": [contact(5_000)]})),
            StatusCode::OK,
        )
        .await;
    let list = sqlite
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/lists"),
            Some(&admin.token),
            Some(json!({"name": "Targets"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    sqlite
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/lists/{list}/entries"),
            Some(&admin.token),
            Some(json!({"keys": ["member:ACoA000007", "member:ACoA001250"]})),
            StatusCode::OK,
        )
        .await;
    sqlite
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/intro-asks"),
            Some(&admin.token),
            Some(json!({"ally_id": ada.id, "contact_key": "member:ACoA000007", "note": "Hello"})),
            StatusCode::CREATED,
        )
        .await;
    let company = sqlite
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/companies"),
            Some(&admin.token),
            Some(json!({"name": "Acme", "website": "acme.example"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (status, body) = sqlite
        .post_form(
            &format!("{}/join/{n}", sqlite.base),
            &[
                ("name", "Pro Fessional"),
                ("email", "pro@example.org"),
                ("headline", "Engineer"),
                ("linkedin_url", "https://www.linkedin.com/in/pro/"),
                ("password", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sqlite.app.send_queued_mail().await.unwrap();
    let (status, _) = sqlite.get_page(&sqlite.last_link("/join/confirm/")).await;
    assert_eq!(status, StatusCode::OK);
    let pro = sqlite.tokens("pro@example.org", GOOD_PASSWORD).await;
    let request = sqlite
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/intro-requests"),
            Some(&pro.access_token),
            Some(json!({"company_id": company, "message": "Why me"})),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(request["state"], "out_of_network");
    sqlite.app.send_queued_mail().await.unwrap();

    let before = sqlite_counts(&sqlite).await;
    let pg = PgDatabase::create().await;
    let (ok, stdout, stderr) = run_copy(&sqlite.db_path(), &pg.url).await;
    assert!(ok, "copy failed:\n{stdout}\n{stderr}");
    eprintln!("{stdout}");
    assert!(
        stdout.contains("contacts") && stdout.contains("2400 rows copied"),
        "{stdout}"
    );

    // Every table: the same rows on both sides, and the copy knows each of PostgreSQL's.
    let after = pg_counts(&pg.url).await;
    assert_eq!(after, before, "per-table rows, PostgreSQL vs SQLite");
    let count = |table: &str| before.iter().find(|(t, _)| t == table).unwrap().1;
    for (table, at_least) in [
        ("contacts", 2_400),
        ("network_contacts", 2_100),
        ("memberships", 3),
        ("sync_staged", 1),
        ("intro_lists", 1),
        ("intro_list_entries", 2),
        ("intro_asks", 1),
        ("companies", 1),
        ("professionals", 1),
        ("intro_requests", 1),
        ("intro_request_events", 1),
        ("mail_queue", 5),
        ("sessions", 4),
    ] {
        assert!(count(table) >= at_least, "{table}: {}", count(table));
    }

    // A server on each: the same digests (with the tokens issued on SQLite: the sessions moved
    // too), the same network view, and the same password signs in.
    let postgres = TestServer::start_on(Some(pg), |_| {}).await;
    for ally in [&ada, &bob] {
        let on_sqlite = get(&sqlite, "/v1/contacts/digest", &ally.token).await;
        let on_postgres = get(&postgres, "/v1/contacts/digest", &ally.token).await;
        assert_eq!(on_postgres, on_sqlite, "{}'s digest", ally.email);
        let signed_in = postgres.tokens(&ally.email, GOOD_PASSWORD).await;
        let again = get(&postgres, "/v1/contacts/digest", &signed_in.access_token).await;
        assert_eq!(again, on_sqlite);
    }
    assert_eq!(
        get(&sqlite, "/v1/contacts/digest", &ada.token).await["count"],
        1_500
    );
    for query in [
        "limit=50",
        "limit=50&sort=allies",
        "q=company%203&limit=20",
        "q=first12&limit=20",
    ] {
        let path = format!("/v1/networks/{n}/contacts?{query}");
        assert_eq!(
            get(&postgres, &path, &admin.token).await,
            get(&sqlite, &path, &admin.token).await,
            "{path}"
        );
    }
    let wrong = postgres
        .sign_in("ada@example.org", "not the password at all")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // The sequences are past the copied ids: a new list gets the next id.
    let next = postgres
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/lists"),
            Some(&admin.token),
            Some(json!({"name": "After the move"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(next, list + 1);
}

#[tokio::test]
async fn a_target_that_holds_anything_is_refused_and_left_unchanged() {
    if no_postgres() {
        return;
    }
    let sqlite = TestServer::start_sqlite().await;
    sqlite
        .sharing_ally("Source", "ada@example.org", "Ada")
        .await;
    // A PostgreSQL database already in use by a server.
    let used = TestServer::start_on(Some(PgDatabase::create().await), |_| {}).await;
    used.member("Elsewhere", "eve@example.org", "Eve", Role::NetworkAdmin)
        .await;
    let url = used.pg.as_ref().unwrap().url.clone();
    let before = pg_counts(&url).await;
    let (ok, stdout, stderr) = run_copy(&sqlite.db_path(), &url).await;
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains("the target database is not empty (rows in") && stderr.contains("people"),
        "{stderr}"
    );
    assert_eq!(pg_counts(&url).await, before);

    // A database holding another application's tables: refused before the schema is applied.
    let other = PgDatabase::create().await;
    let pool = sqlx::PgPool::connect(&other.url).await.unwrap();
    sqlx::query("CREATE TABLE orders (id BIGINT PRIMARY KEY)")
        .execute(&pool)
        .await
        .unwrap();
    let (ok, _, stderr) = run_copy(&sqlite.db_path(), &other.url).await;
    assert!(!ok);
    assert!(
        stderr.contains("tables that are not AllyShare's: orders"),
        "{stderr}"
    );
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(tables, ["orders"]);
    pool.close().await;

    // Not a PostgreSQL URL, and not a SQLite file of the server.
    let (ok, _, stderr) = run_copy(&sqlite.db_path(), "/tmp/elsewhere.db").await;
    assert!(
        !ok && stderr.contains("is not a PostgreSQL URL"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_table_or_column_the_copy_does_not_know_stops_it_before_any_row() {
    if no_postgres() {
        return;
    }
    let sqlite = TestServer::start_sqlite().await;
    sqlite
        .sharing_ally("Source", "ada@example.org", "Ada")
        .await;
    let file = sqlite.db_path();

    // A SQLite migration that forgot PostgreSQL: a table on one side only.
    let pool = db(&sqlite).await;
    sqlx::query("CREATE TABLE future_feature (id INTEGER PRIMARY KEY, x TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    let target = PgDatabase::create().await;
    let (ok, _, stderr) = run_copy(&file, &target.url).await;
    assert!(!ok);
    assert!(
        stderr.contains("table future_feature exists only in the SQLite schema"),
        "{stderr}"
    );
    assert!(pg_counts(&target.url).await.iter().all(|(_, n)| *n == 0));
    sqlx::query("DROP TABLE future_feature")
        .execute(&pool)
        .await
        .unwrap();

    // A PostgreSQL table the SQLite schema lacks.
    let pg = sqlx::PgPool::connect(&target.url).await.unwrap();
    sqlx::query("CREATE TABLE pg_future (id BIGINT PRIMARY KEY)")
        .execute(&pg)
        .await
        .unwrap();
    let (ok, _, stderr) = run_copy(&file, &target.url).await;
    assert!(!ok);
    assert!(
        stderr.contains("table pg_future exists only in the PostgreSQL schema"),
        "{stderr}"
    );
    sqlx::query("DROP TABLE pg_future")
        .execute(&pg)
        .await
        .unwrap();
    // A column on one side only.
    sqlx::query("ALTER TABLE people ADD COLUMN nickname TEXT")
        .execute(&pg)
        .await
        .unwrap();
    let (ok, _, stderr) = run_copy(&file, &target.url).await;
    assert!(!ok);
    assert!(
        stderr.contains("table people: column nickname exists only in the PostgreSQL schema"),
        "{stderr}"
    );
    sqlx::query("ALTER TABLE people DROP COLUMN nickname")
        .execute(&pg)
        .await
        .unwrap();
    pg.close().await;

    // A source a migration behind: refused, and the file not migrated by the copy.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 17")
        .execute(&pool)
        .await
        .unwrap();
    let (ok, _, stderr) = run_copy(&file, &target.url).await;
    assert!(!ok);
    assert!(
        stderr.contains("the SQLite database is not up to date: migration 17"),
        "{stderr}"
    );
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE version = 17")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(applied, 0);
    pool.close().await;
    assert!(pg_counts(&target.url).await.iter().all(|(_, n)| *n == 0));
}
