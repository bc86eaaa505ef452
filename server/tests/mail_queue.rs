//! Invitation email is not a relay: every message goes through one durable queue that a
//! background task drains at `--mail-per-minute`, an address gets at most a few invitation
//! emails from a network a day, revoked and accepted invitations are not re-sent, and a CSV
//! import reports how many emails it queued; migration 0005 keeps what an older server had
//! queued. The drain is driven here by the [`ManualClock`] and [`App::send_queued_mail`] (the
//! background task does the same every second).

mod common;

use allyshare_protocol::Role;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

const RATE: u32 = 100;

fn rate(config: &mut allyshare_server::Config) {
    config.mail_per_minute = RATE;
}

fn emails(server: &TestServer) -> usize {
    match std::fs::read_dir(server.outbox()) {
        Ok(dir) => dir
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "eml")
            })
            .count(),
        Err(_) => 0,
    }
}

/// Emails in the outbox addressed to `address`.
fn emails_to(server: &TestServer, address: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(server.outbox()) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, String)> = dir
        .map(|e| e.unwrap().path())
        .map(|p| {
            let modified = std::fs::metadata(&p).unwrap().modified().unwrap();
            (modified, read_eml(&p))
        })
        .filter(|(_, eml)| eml.contains(&format!("<{address}>")))
        .collect();
    found.sort();
    found.into_iter().map(|(_, eml)| eml).collect()
}

async fn queue_states(server: &TestServer) -> Vec<(String, i64)> {
    rows(
        server,
        "SELECT state, COUNT(*) FROM mail_queue GROUP BY state ORDER BY state",
        &[],
    )
    .await
    .into_iter()
    .map(|r| {
        let count = r[1].as_deref().unwrap().parse().unwrap();
        (r[0].clone().unwrap(), count)
    })
    .collect()
}

async fn import(server: &TestServer, admin: &Member, csv: String) -> serde_json::Value {
    let response = server
        .http
        .post(format!(
            "{}/v1/networks/{}/invitations/import",
            server.base, admin.network_id
        ))
        .bearer_auth(&admin.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// 5,000 rows queue 5,000 emails; they leave at the configured rate, survive a restart, and a
/// revoked invitation's queued email is never sent.
#[tokio::test]
async fn an_import_of_5000_rows_is_sent_at_the_configured_rate() {
    let mut server = TestServer::start_with(rate).await;
    // The admin's own invitation (the operator's, sent at once) is the first email.
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    assert_eq!(emails(&server), 1);
    let csv: String = std::iter::once("name;email\n".to_string())
        .chain((0..5000).map(|i| format!("Person {i};p{i}@example.org\n")))
        .collect();
    let report = import(&server, &admin, csv).await;
    assert_eq!(report["emails_queued"], 5000);
    assert_eq!(report["sent"], 5000);

    // A minute's worth leaves now (the admin's invitation was one of them), no more however
    // often the queue is drained while the clock stands still.
    server.app.send_queued_mail().await.unwrap();
    assert_eq!(emails(&server), RATE as usize);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(server.app.send_queued_mail().await.unwrap(), 0);
    assert_eq!(emails(&server), RATE as usize);

    // Revoke one that is still queued: its email never goes out.
    let last = report["rows"][4999]["invitation_id"].as_i64().unwrap();
    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{}/invitations/{last}", admin.network_id),
            Some(&admin.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;

    // A minute later, the next minute's worth.
    server.clock.advance(60);
    server.app.send_queued_mail().await.unwrap();
    assert_eq!(emails(&server), 2 * RATE as usize);

    // The queue is in the database: a restart loses nothing and sends nothing twice.
    server.restart().await;
    assert_eq!(
        queue_states(&server).await,
        [
            ("dropped".to_string(), 1),
            ("queued".to_string(), 5000 - 2 * RATE as i64),
            ("sent".to_string(), 2 * RATE as i64)
        ]
    );
    server.clock.advance(60);
    server.app.send_queued_mail().await.unwrap();
    assert_eq!(emails(&server), 3 * RATE as usize);
    // The rest, minute by minute.
    for _ in 0..60 {
        server.clock.advance(60);
        server.app.send_queued_mail().await.unwrap();
    }
    assert_eq!(emails(&server), 5000, "every row but the revoked one, once");
    assert!(emails_to(&server, "p4999@example.org").is_empty());
    assert_eq!(emails_to(&server, "p4998@example.org").len(), 1);
    let states = queue_states(&server).await;
    assert!(!states.iter().any(|(s, _)| s == "queued"), "{states:?}");
}

/// Re-sending in a loop sends at most three emails to an address a day (then 429, with
/// Retry-After, and nothing changes); revoked and accepted invitations are not re-sent.
#[tokio::test]
async fn resends_are_limited_per_address_and_refused_for_revoked_invitations() {
    let server = TestServer::start_with(rate).await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let invitations = format!("/v1/networks/{}/invitations", admin.network_id);
    let first = server
        .expect(
            Method::POST,
            &invitations,
            Some(&admin.token),
            Some(json!({"name": "Carl", "email": "carl@example.org"})),
            StatusCode::CREATED,
        )
        .await;
    let mut id = first["id"].as_i64().unwrap();
    server.app.send_queued_mail().await.unwrap();
    let mut answers = Vec::new();
    for _ in 0..10 {
        let response = server
            .call(
                Method::POST,
                &format!("{invitations}/{id}/resend"),
                Some(&admin.token),
                None,
            )
            .await;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<i64>().unwrap());
        let body: serde_json::Value = response.json().await.unwrap();
        if status == StatusCode::CREATED {
            id = body["id"].as_i64().unwrap();
            // Sent before the next one replaces it (a replaced invitation's email is not sent).
            server.app.send_queued_mail().await.unwrap();
        } else {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
            assert_eq!(body["code"], "rate_limited");
            let message = body["message"].as_str().unwrap();
            assert!(message.contains("carl@example.org"), "{message}");
            assert!(message.contains("24 hours"), "{message}");
            let retry_after = retry_after.expect("Retry-After");
            assert!((1..=DAY).contains(&retry_after), "{retry_after}");
        }
        answers.push(status.as_u16());
    }
    assert_eq!(answers, [201, 201, 429, 429, 429, 429, 429, 429, 429, 429]);
    // A new invitation to the same address counts too.
    server
        .expect(
            Method::POST,
            &invitations,
            Some(&admin.token),
            Some(json!({"name": "Carl", "email": "CARL@example.org"})),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    let sent = emails_to(&server, "carl@example.org");
    assert_eq!(
        sent.len(),
        3,
        "one per accepted request, none for the refused ones"
    );
    // Only the newest link works.
    let newest = links_in(sent.last().unwrap());
    let (status, _) = server.get_page(&newest[0]).await;
    assert_eq!(status, StatusCode::OK);
    for older in &sent[..2] {
        assert_eq!(
            server.get_page(&links_in(older)[0]).await.0,
            StatusCode::NOT_FOUND
        );
    }
    let list = server
        .expect(
            Method::GET,
            &invitations,
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    let carl: Vec<&serde_json::Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["email"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("carl@example.org")
        })
        .collect();
    assert_eq!(carl.len(), 3);

    // A day later the address may be invited again.
    server.clock.advance(DAY);
    let admin = Member {
        token: server
            .tokens(&admin.email, GOOD_PASSWORD)
            .await
            .access_token,
        ..admin
    };
    let again = server
        .expect(
            Method::POST,
            &format!("{invitations}/{id}/resend"),
            Some(&admin.token),
            None,
            StatusCode::CREATED,
        )
        .await;
    let again = again["id"].as_i64().unwrap();

    // Revoked (by the admin, or replaced by a newer one): refused, with what to do instead.
    server
        .expect(
            Method::DELETE,
            &format!("{invitations}/{again}"),
            Some(&admin.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    server.clock.advance(60);
    server.app.send_queued_mail().await.unwrap();
    let queued_before = queue_states(&server).await;
    let sent_before = emails_to(&server, "carl@example.org").len();
    for revoked in [again, id] {
        let error = server
            .expect(
                Method::POST,
                &format!("{invitations}/{revoked}/resend"),
                Some(&admin.token),
                None,
                StatusCode::CONFLICT,
            )
            .await;
        assert!(
            error["message"].as_str().unwrap().contains("revoked"),
            "{error}"
        );
        assert!(
            error["message"].as_str().unwrap().contains("invite"),
            "{error}"
        );
    }
    server.clock.advance(60);
    server.app.send_queued_mail().await.unwrap();
    assert_eq!(queue_states(&server).await, queued_before, "nothing queued");
    assert_eq!(emails_to(&server, "carl@example.org").len(), sent_before);

    // Accepted: refused.
    let ally = server
        .member("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let accepted = server
        .expect(
            Method::GET,
            &format!("{invitations}?state=accepted"),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    let ada = accepted
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == ally.email)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let error = server
        .expect(
            Method::POST,
            &format!("{invitations}/{ada}/resend"),
            Some(&admin.token),
            None,
            StatusCode::CONFLICT,
        )
        .await;
    assert!(error["message"].as_str().unwrap().contains("accepted"));
}

/// The operator's CLI invite sends at once (it prints the link), while the server that runs
/// on the same database leaves that email alone.
#[tokio::test]
async fn the_cli_invite_sends_at_once_and_the_queue_reports_it_sent() {
    let server = TestServer::start_with(rate).await;
    let invited = server
        .invite("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let eml = read_eml(invited.email_path.as_deref().unwrap());
    let links = links_in(&eml);
    assert!(!links.is_empty() && links.iter().all(|l| *l == invited.link));
    assert_eq!(server.app.send_queued_mail().await.unwrap(), 0);
    assert_eq!(emails(&server), 1);
    assert_eq!(queue_states(&server).await, [("sent".to_string(), 1)]);
}

/// The email of a CLI invite is queued already claimed by the CLI: a server draining the same
/// database meanwhile does not take it (it would land in the server's outbox, and the CLI could
/// not print its link), unless the CLI died and its lease ran out.
#[tokio::test]
async fn an_email_sent_at_once_is_not_claimed_by_the_queue() {
    use allyshare_server::db::{CreateOutcome, NewInvitation};
    let db = TestDatabase::create().await;
    let repo = allyshare_server::open_repository(&db.location())
        .await
        .unwrap();
    let now = 1_800_000_000;
    let new = |email: &str, deliver_now| NewInvitation {
        network_name: "Sales".into(),
        email: email.into(),
        name: "Ada".into(),
        role: Role::Ally,
        note: None,
        permissions: None,
        token_hash: format!("hash of {email}"),
        now,
        expires_at: now + 7 * DAY,
        deliver_now,
        daily_limit: None,
    };
    let created = |outcome| match outcome {
        CreateOutcome::Created(c) => c,
        other => panic!("{other:?}"),
    };
    let cli = created(
        repo.create_invitation(&new("cli@example.org", true))
            .await
            .unwrap(),
    );
    let api = created(
        repo.create_invitation(&new("api@example.org", false))
            .await
            .unwrap(),
    );
    let claimed = repo.claim_mail(now, 100).await.unwrap();
    assert_eq!(
        claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
        [api.mail_id]
    );
    // Its lease over (the CLI died before sending), the queue sends it.
    let later = repo.claim_mail(now + 301, 100).await.unwrap();
    assert_eq!(
        later.iter().map(|m| m.id).collect::<Vec<_>>(),
        [cli.mail_id, api.mail_id]
    );
}

/// An email the SMTP server turned away stays queued, with the error, and is sent again a
/// minute later, with a link that works (its token's hash is the one stored).
#[tokio::test]
async fn an_email_the_smtp_server_turned_away_is_sent_again_later() {
    let (url, mut received) = smtp_listener(true).await;
    let db = TestDatabase::create().await;
    let clock = allyshare_server::ManualClock::new(1_800_000_000);
    let mut config = allyshare_server::Config::new(
        db.location(),
        db.dir.path().join("outbox"),
        "http://127.0.0.1:1",
    );
    config.smtp_url = Some(url);
    config.hash_cost = allyshare_server::HashCost::InsecureFastForTests;
    config.clock = std::sync::Arc::new(clock.clone());
    let app = allyshare_server::App::open(config).await.unwrap();
    let error = app
        .invite(&allyshare_server::InviteRequest {
            network: "Sales".into(),
            email: "ada@example.org".into(),
            name: "Ada".into(),
            role: Role::Ally,
        })
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("stays in the mail queue"), "{message}");

    let row = rows(
        &db,
        "SELECT state, attempts, last_error FROM mail_queue",
        &[],
    )
    .await;
    let (state, attempts, error) = (
        row[0][0].clone().unwrap(),
        row[0][1].clone().unwrap(),
        row[0][2].clone(),
    );
    let attempts: i64 = attempts.parse().unwrap();
    assert_eq!((state.as_str(), attempts), ("queued", 1));
    assert!(error.unwrap().contains("421"));

    // Not before a minute has passed; then once.
    assert_eq!(app.send_queued_mail().await.unwrap(), 0);
    clock.advance(59);
    assert_eq!(app.send_queued_mail().await.unwrap(), 0);
    clock.advance(1);
    assert_eq!(app.send_queued_mail().await.unwrap(), 1);
    let (rcpt, data) = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rcpt, "<ada@example.org>");
    let link = links_in(&data).into_iter().next().expect("a link");
    let token = link.rsplit('/').next().unwrap();
    let stored = text(&db, "SELECT token_hash FROM invitations")
        .await
        .unwrap();
    assert_eq!(stored, allyshare_server::tokens::hash_token(token));
    clock.advance(3600);
    assert_eq!(app.send_queued_mail().await.unwrap(), 0, "sent once");
    assert!(received.try_recv().is_err());
}

/// The optional note of an invitation: bounded (422 `limit_exceeded` past 1,000 characters,
/// as published), text only (control characters refused), shown in both parts of the email
/// (escaped in the HTML one), and kept by a re-send.
#[tokio::test]
async fn an_invitation_note_is_bounded_text_in_its_email_and_its_resends() {
    let server = TestServer::start_with(rate).await;
    let admin = server
        .member("Sales", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let path = format!("/v1/networks/{}/invitations", admin.network_id);
    let send = |note: serde_json::Value, status| {
        server.expect(
            Method::POST,
            &path,
            Some(&admin.token),
            Some(json!({"name": "Bob", "email": "bob@example.org", "note": note})),
            status,
        )
    };
    let error = send(json!("n".repeat(1001)), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error["code"], "limit_exceeded");
    let error = send(json!("bell\u{7}"), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("control characters"));
    // Nothing stored: only the admin's own invitation email is in the queue.
    let queued: i64 = queue_states(&server).await.iter().map(|(_, n)| n).sum();
    assert_eq!(queued, 1);
    let created = send(json!("See you <soon> & \r\nthanks"), StatusCode::CREATED).await;
    server.app.send_queued_mail().await.unwrap();
    let email = emails_to(&server, "bob@example.org").pop().expect("sent");
    assert!(email.contains("A note from Sales:\r\n\r\n    See you <soon> &\r\n    thanks\r\n"));
    assert!(
        email.contains("See you &#60;soon&#62; &#38;<br>"),
        "{email}"
    );
    assert!(!email.contains("<soon>\r\n</blockquote>"));
    let id = created["id"].as_i64().unwrap();
    server
        .expect(
            Method::POST,
            &format!("{path}/{id}/resend"),
            Some(&admin.token),
            None,
            StatusCode::CREATED,
        )
        .await;
    server.app.send_queued_mail().await.unwrap();
    let resent = emails_to(&server, "bob@example.org");
    assert_eq!(resent.len(), 2);
    assert!(resent[1].contains("    See you <soon> &"));
}

/// Migration 0005 rebuilds `mail_queue` (a row is now an invitation's email or a password
/// reset's): an email queued by a server from before it is kept, with its id, and sent after
/// the upgrade with a working link.
#[tokio::test]
async fn an_email_queued_before_migration_5_is_kept_and_sent_after_it() {
    if on_postgres() {
        eprintln!(
            "skipped on PostgreSQL: SQLite's migration history (PostgreSQL's schema starts \
             from one file, with mail_queue as it is now)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("old.db");
    // The database as the server of migrations 0001–0004 left it.
    let old_migrations = dir.path().join("migrations");
    std::fs::create_dir(&old_migrations).unwrap();
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < "0005" {
            std::fs::copy(&path, old_migrations.join(&name)).unwrap();
        }
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db_path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old_migrations.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let clock = allyshare_server::ManualClock::starting_now();
    let now = allyshare_server::Clock::now(&clock);
    sqlx::query("INSERT INTO networks (id, name, created_at) VALUES (1, 'Sales', ?)")
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO invitations
           (id, network_id, email, email_norm, name, role, token_hash, created_at, expires_at)
         VALUES (7, 1, 'ada@example.org', 'ada@example.org', 'Ada', 'ally', 'nobody', ?, ?)",
    )
    .bind(now)
    .bind(now + 7 * DAY)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO mail_queue (id, invitation_id, created_at, next_attempt_at)
         VALUES (42, 7, ?, ?)",
    )
    .bind(now)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let mut config =
        allyshare_server::Config::new(&db_path, dir.path().join("outbox"), "http://127.0.0.1:9");
    config.hash_cost = allyshare_server::HashCost::InsecureFastForTests;
    config.clock = std::sync::Arc::new(clock.clone());
    let app = allyshare_server::App::open(config).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db_path.display()))
        .await
        .unwrap();
    let row: (i64, Option<i64>, Option<i64>, String) =
        sqlx::query_as("SELECT id, invitation_id, password_reset_id, state FROM mail_queue")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(row, (42, Some(7), None, "queued".to_string()));
    assert_eq!(app.send_queued_mail().await.unwrap(), 1);
    let state: String = sqlx::query_scalar("SELECT state FROM mail_queue WHERE id = 42")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "sent");
    let eml = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| read_eml(&e.unwrap().path()))
        .next()
        .expect("the email");
    let link = links_in(&eml).pop().expect("a Get Started link");
    let token = link.rsplit('/').next().unwrap();
    let hash: String = sqlx::query_scalar("SELECT token_hash FROM invitations WHERE id = 7")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(
        hash, "nobody",
        "the link was issued when the email was sent"
    );
    assert_ne!(hash, token, "only its hash is stored");
    // A row must be the email of exactly one thing.
    let neither = sqlx::query("INSERT INTO mail_queue (created_at, next_attempt_at) VALUES (0, 0)")
        .execute(&pool)
        .await;
    assert!(neither.is_err());
    pool.close().await;
}
