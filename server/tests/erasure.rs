//! Stopping sharing and deleting the account leave nothing behind: checked in the SQLite file
//! itself (every text column of every table), not only in the API's answers, against the
//! sentences of the Terms page that promise it.

mod common;

use allyshare_protocol::Role;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A contact whose every identifying field carries `tag`.
fn contact(tag: &str) -> serde_json::Value {
    json!({
        "member_id": format!("ID{tag}"),
        "profile_url": format!("https://www.linkedin.com/in/profile{tag}/"),
        "first_name": format!("First{tag}"),
        "last_name": format!("Last{tag}"),
        "headline": format!("Headline{tag}"),
    })
}

async fn share(server: &TestServer, token: &str, tags: &[&str]) {
    let contacts: Vec<_> = tags.iter().map(|t| contact(t)).collect();
    server.sync_contacts(token, "full", &contacts).await;
}

async fn set_sharing(server: &TestServer, member: &Member, network_id: i64, sharing: bool) {
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{network_id}/sharing"),
            Some(&member.token),
            Some(json!({ "sharing": sharing })),
            StatusCode::OK,
        )
        .await;
}

async fn ask(server: &TestServer, admin: &Member, ally: &Member, tag: &str) -> i64 {
    server
        .expect(
            Method::POST,
            &format!("/v1/networks/{}/intro-asks", admin.network_id),
            Some(&admin.token),
            Some(json!({
                "ally_id": ally.id,
                "contact_key": format!("member:ID{tag}"),
                "note": "Please introduce us.",
            })),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap()
}

/// The server's database, read beside it (its SQLite file, or its PostgreSQL database).
struct Db<'a>(&'a TestServer);

fn open_file(server: &TestServer) -> Db<'_> {
    Db(server)
}

/// Every `table.column` of the database whose value (as text) contains `needle`,
/// case-insensitively; with the table's row count for context. Tables in the order they were
/// created, columns in theirs.
async fn where_found(db: &Db<'_>, needle: &str) -> Vec<String> {
    let server = db.0;
    let on_pg = server.pg.is_some();
    let tables: Vec<String> = if on_pg {
        rows(
            server,
            "SELECT c.relname::TEXT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.oid",
            &[],
        )
        .await
    } else {
        rows(
            server,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            &[],
        )
        .await
    }
    .into_iter()
    .map(|r| r[0].clone().unwrap())
    .collect();
    let needle = needle.replace('\'', "''");
    let mut found = Vec::new();
    for table in tables {
        let columns: Vec<(String, bool)> = if on_pg {
            rows(
                server,
                &format!(
                    "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name = '{table}'
                     ORDER BY ordinal_position"
                ),
                &[],
            )
            .await
            .into_iter()
            .map(|r| (r[0].clone().unwrap(), r[1].as_deref() == Some("bytea")))
            .collect()
        } else {
            rows(
                server,
                &format!("SELECT name FROM pragma_table_info('{table}')"),
                &[],
            )
            .await
            .into_iter()
            .map(|r| (r[0].clone().unwrap(), false))
            .collect()
        };
        if on_pg {
            // One statement per table: a count per column.
            let counts: Vec<String> = columns
                .iter()
                .map(|(column, bytes)| {
                    let text = if *bytes {
                        format!("encode(\"{column}\", 'escape')")
                    } else {
                        format!("CAST(\"{column}\" AS TEXT)")
                    };
                    format!("COUNT(*) FILTER (WHERE strpos(lower({text}), lower('{needle}')) > 0)")
                })
                .collect();
            let sql = format!("SELECT {} FROM \"{table}\"", counts.join(", "));
            let row = rows(server, &sql, &[]).await.remove(0);
            for ((column, _), hits) in columns.iter().zip(row) {
                let hits: i64 = hits.as_deref().unwrap().parse().unwrap();
                if hits > 0 {
                    found.push(format!("{table}.{column} ({hits} rows)"));
                }
            }
            continue;
        }
        for (column, _) in columns {
            let hits = scalar(
                server,
                &format!(
                    "SELECT COUNT(*) FROM \"{table}\" WHERE instr(lower(CAST(\"{column}\" AS TEXT)), lower('{needle}')) > 0"
                ),
            )
            .await;
            if hits > 0 {
                found.push(format!("{table}.{column} ({hits} rows)"));
            }
        }
    }
    found
}

async fn count(db: &Db<'_>, sql: &str, id: i64) -> i64 {
    let ids = vec![id; sql.matches('?').count()];
    rows(db.0, sql, &ids).await[0][0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

async fn terms(server: &TestServer) -> String {
    let (status, page) = server.get_page(&format!("{}/terms", server.base)).await;
    assert_eq!(status, StatusCode::OK);
    // The words as a reader sees them (the page escapes apostrophes).
    page.replace("&#39;", "'").replace("&#x27;", "'")
}

/// Opens a delta sync session for `ally` and stages one contact ("Staged") in it, uncommitted;
/// the session's id.
async fn stage_one_contact(server: &TestServer, ally: &common::Member) -> i64 {
    let open = server.open_sync_session(&ally.token, "delta").await;
    server
        .upload_batches(&ally.token, open, &[contact("Staged")])
        .await;
    open
}

/// Turning one network off removes from the database everything that network held of the
/// ally's contacts (the intro asks' copies of name, headline and profile URL); turning the
/// last one off removes the contacts and everything derived from them (sync batches, staged
/// rows, stored commit results).
#[tokio::test]
async fn stopping_sharing_removes_the_contacts_copies_from_the_database() {
    let server = TestServer::start().await;
    let page = terms(&server).await;
    assert!(page.contains(
        "You can turn sharing off for any network at any time, which removes your connections \
         from that network's view at once"
    ));
    assert!(page
        .contains("Stopping sharing with every network deletes your connections from the server"));

    let sales = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let marketing = server
        .member("Marketing", "mia@example.org", "Mia", Role::NetworkAdmin)
        .await;
    let ada = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let ada_m = server
        .member("Marketing", "ada@example.org", "Ada", Role::Ally)
        .await;
    set_sharing(&server, &ada, ada_m.network_id, true).await;
    share(&server, &ada.token, &["Grace", "Alan", "Ida"]).await;
    // Sales asks about Grace (left pending) and Alan (answered "made"); Marketing about Ida.
    ask(&server, &sales, &ada, "Grace").await;
    let made = ask(&server, &sales, &ada, "Alan").await;
    server
        .expect(
            Method::POST,
            &format!("/v1/intro-asks/{made}/answer"),
            Some(&ada.token),
            Some(json!({ "outcome": "made" })),
            StatusCode::OK,
        )
        .await;
    ask(&server, &marketing, &ada, "Ida").await;
    // An open session with a staged batch.
    let open = stage_one_contact(&server, &ada).await;

    let db = open_file(&server);
    assert!(!where_found(&db, "LastGrace").await.is_empty());

    // Sales off: Sales's asks about Ada's contacts are gone from the file; Marketing, still
    // shared with, keeps its ask and the contacts stay.
    set_sharing(&server, &ada, ada.network_id, false).await;
    for tag in ["Grace", "Alan"] {
        for needle in [format!("Last{tag}"), format!("profile{tag}")] {
            let found = where_found(&db, &needle).await;
            assert!(!found.is_empty(), "{needle}: the contact itself stays");
            // The contact's row, its search row and (for its words) the search index of the
            // contacts (PostgreSQL: the trigram index's text), and Marketing's view of its
            // contacts.
            assert!(
                found.iter().all(|f| [
                    "contacts.",
                    "contacts_fts_data.",
                    "contact_search_ids.",
                    "contact_search_indexed.",
                    "network_contacts."
                ]
                .iter()
                .any(|t| f.starts_with(t))),
                "{needle} is still in {found:?}"
            );
        }
    }
    // Sales's view holds nothing of Ada's any more; Marketing's has her three.
    let views: Vec<(i64, i64)> = rows(
        &server,
        "SELECT network_id, COUNT(*) FROM network_contacts GROUP BY network_id ORDER BY network_id",
        &[],
    )
    .await
    .into_iter()
    .map(|r| {
        let n = |i: usize| r[i].as_deref().unwrap().parse::<i64>().unwrap();
        (n(0), n(1))
    })
    .collect();
    assert_eq!(views, [(ada_m.network_id, 3)]);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM intro_asks WHERE network_id = ?",
            ada.network_id
        )
        .await,
        0
    );
    let seen = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{}/intro-asks", sales.network_id),
            Some(&sales.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(seen, json!([]));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM intro_asks WHERE network_id = ?",
            ada_m.network_id
        )
        .await,
        1
    );

    // Marketing off too: nothing of any contact is left anywhere in the file.
    set_sharing(&server, &ada, ada_m.network_id, false).await;
    for tag in ["Grace", "Alan", "Ida", "Staged"] {
        for needle in [
            format!("ID{tag}"),
            format!("profile{tag}"),
            format!("Last{tag}"),
            format!("Headline{tag}"),
        ] {
            assert_eq!(
                where_found(&db, &needle).await,
                Vec::<String>::new(),
                "{needle}"
            );
        }
    }
    for (table, sql) in [
        (
            "contacts",
            "SELECT COUNT(*) FROM contacts WHERE person_id = ?",
        ),
        (
            "intro_asks",
            "SELECT COUNT(*) FROM intro_asks WHERE ally_id = ?",
        ),
        (
            "sync_staged",
            "SELECT COUNT(*) FROM sync_staged WHERE session_id IN
               (SELECT id FROM sync_sessions WHERE person_id = ?)",
        ),
        (
            "sync_batches",
            "SELECT COUNT(*) FROM sync_batches WHERE session_id IN
               (SELECT id FROM sync_sessions WHERE person_id = ?)",
        ),
        (
            "commit results",
            "SELECT COUNT(*) FROM sync_sessions WHERE person_id = ? AND result IS NOT NULL",
        ),
    ] {
        assert_eq!(count(&db, sql, ada.id).await, 0, "{table}");
    }
    // The open session was closed: a late batch or commit is refused, and changes nothing.
    let late = server
        .call(
            Method::POST,
            &format!("/v1/sync/sessions/{open}/commit"),
            Some(&ada.token),
            Some(json!({ "batch_count": 1 })),
        )
        .await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM contacts WHERE person_id = ?",
            ada.id
        )
        .await,
        0
    );
}

/// Deleting the account removes the person from the file: the person row, and the
/// invitations sent to their address (email and name), in every network, accepted or not;
/// other people's invitations stay.
#[tokio::test]
async fn deleting_the_account_removes_the_person_and_their_invitations_from_the_database() {
    let server = TestServer::start().await;
    let page = terms(&server).await;
    assert!(page.contains(
        "Deleting your account deletes everything the server holds about you, in every \
         network: your account (your name, email address and password), your memberships, \
         every connection you shared, the introduction requests about them, and the \
         invitations sent to your email address"
    ));

    let sales = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let ada = server
        .sharing_ally("Sales", "Ada.Lovelace@Example.org", "Augusta Ada King")
        .await;
    server
        .member(
            "Marketing",
            "ada.lovelace@example.org",
            "Augusta Ada King",
            Role::Ally,
        )
        .await;
    // Still pending, in a third network; and someone else's invitation.
    server
        .invite(
            "Venture",
            "ADA.LOVELACE@example.org",
            "Augusta Ada King",
            Role::Ally,
        )
        .await;
    server
        .invite("Venture", "bob@example.org", "Bob", Role::Ally)
        .await;
    share(&server, &ada.token, &["Grace"]).await;
    ask(&server, &sales, &ada, "Grace").await;

    let db = open_file(&server);
    assert!(!where_found(&db, "lovelace@example.org").await.is_empty());
    server
        .expect(
            Method::DELETE,
            "/v1/me",
            Some(&ada.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    for needle in [
        "lovelace@example.org",
        "Augusta Ada King",
        "IDGrace",
        "profileGrace",
        "LastGrace",
    ] {
        assert_eq!(
            where_found(&db, needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM people WHERE id = ?", ada.id).await,
        0
    );
    // Everyone else's rows are untouched.
    let left: Vec<String> = rows(&server, "SELECT email FROM invitations ORDER BY email", &[])
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    assert_eq!(left, ["bob@example.org", "boss@example.org"]);
    assert_eq!(
        where_found(&db, "boss@example.org").await,
        [
            "people.email (1 rows)",
            "people.email_norm (1 rows)",
            "invitations.email (1 rows)",
            "invitations.email_norm (1 rows)"
        ]
    );
}

/// PostgreSQL's contacts, staged rows and network counts have no foreign key to their person,
/// session or network (its migration 0003: a per-row check at every insert); deleting a
/// person's row still deletes them, and what the search and the network's counts keep of
/// them, as the cascade did, and deleting a network its counts. The
/// server deletes contacts itself first: this deletes the row alone, as an operator could.
#[tokio::test]
async fn on_postgresql_a_deleted_person_row_takes_their_contacts_and_staged_rows_along() {
    let server = TestServer::start().await;
    if server.pg.is_none() {
        eprintln!("skipped: SQLite keeps these foreign keys (ON DELETE CASCADE)");
        return;
    }
    let ada = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let bob = server.sharing_ally("Sales", "bob@example.org", "Bob").await;
    share(&server, &ada.token, &["Grace", "Alan"]).await;
    share(&server, &bob.token, &["Grace"]).await;
    server.app.index_search_words().await.unwrap();
    stage_one_contact(&server, &ada).await;
    let db = open_file(&server);
    let held = [
        "SELECT COUNT(*) FROM contacts WHERE person_id = ?",
        "SELECT COUNT(*) FROM contact_search_indexed WHERE person_id = ?",
        "SELECT COUNT(*) FROM sync_staged WHERE session_id IN
           (SELECT id FROM sync_sessions WHERE person_id = ?)",
    ];
    for (sql, before) in held.iter().zip([2, 2, 1]) {
        assert_eq!(count(&db, sql, ada.id).await, before, "{sql}");
    }

    execute(
        &server,
        &format!("DELETE FROM people WHERE id = {}", ada.id),
    )
    .await;
    for sql in held {
        assert_eq!(count(&db, sql, ada.id).await, 0, "{sql}");
    }
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM sync_staged s WHERE NOT EXISTS
               (SELECT 1 FROM sync_sessions o WHERE o.id = s.session_id) AND ? > 0",
            1
        )
        .await,
        0,
        "no staged row outlives its session"
    );
    for needle in ["LastAlan", "LastStaged"] {
        assert_eq!(
            where_found(&db, needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
    // Grace is still Bob's: the network counts her once, Alan not at all.
    let counts = rows(
        &server,
        "SELECT key, allies FROM network_contacts ORDER BY key",
        &[],
    )
    .await;
    assert_eq!(
        counts,
        vec![vec![
            Some("member:IDGrace".to_string()),
            Some("1".to_string())
        ]]
    );
    // And a deleted network takes its counts along (no foreign key there either), also a
    // count no membership's trigger would take down.
    execute(
        &server,
        &format!(
            "INSERT INTO network_contacts (network_id, key, allies, name, connected)
             VALUES ({}, 'member:IDStray', 3, 'stray', '')",
            bob.network_id
        ),
    )
    .await;
    execute(
        &server,
        &format!("DELETE FROM networks WHERE id = {}", bob.network_id),
    )
    .await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM network_contacts WHERE ? > 0", 1).await,
        0
    );
}
