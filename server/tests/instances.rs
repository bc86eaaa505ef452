//! Two server instances on one PostgreSQL database, as behind a load balancer: what must be
//! shared is shared. Sign-in attempts, join-page tries and an ally's writes spread over both
//! instances are counted once (the buckets are in the database, `token_buckets`), also when
//! they race; queued email is sent once, by one of them.
//!
//! On SQLite these tests skip (one process serves a SQLite file by design) and say so.

mod common;

use std::time::{Duration, Instant};

use allyshare_protocol::Role;
use allyshare_server::throttle::Rate;
use common::{scalar, Browser, TestServer};
use reqwest::StatusCode;
use serde_json::json;

/// The first instance and a second one on its database; `None` (after saying why) on SQLite.
async fn two_instances(
    configure: fn(&mut allyshare_server::Config),
) -> Option<(TestServer, TestServer)> {
    let a = TestServer::start_with(configure).await;
    match a.another_instance().await {
        Some(b) => Some((a, b)),
        None => {
            eprintln!(
                "skipped: two instances need PostgreSQL (SQLite is served by one process); \
                 run under tools/pg-test.sh"
            );
            None
        }
    }
}

/// 4 wrong passwords for one account from one address, the other buckets out of the way.
fn four_tries(config: &mut allyshare_server::Config) {
    config.sign_in_limits = allyshare_server::SignInLimits {
        per_account_address: Rate {
            burst: 4,
            refill_secs: 60,
        },
        per_account: Rate {
            burst: 100,
            refill_secs: 60,
        },
        per_address: Rate {
            burst: 100,
            refill_secs: 60,
        },
    };
}

async fn wrong_password(server: &TestServer, email: &str) -> (StatusCode, Option<String>) {
    let response = server.sign_in(email, "not the password at all").await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (response.status(), retry_after)
}

#[tokio::test]
async fn sign_in_attempts_alternating_between_two_instances_are_counted_once() {
    let Some((a, b)) = two_instances(four_tries).await else {
        return;
    };
    a.member("Sales", "ada@example.org", "Ada", Role::Ally)
        .await; // one attempt spent, on a
                // Three more wrong passwords, alternating: the account's 4 from this address are spent.
    for (i, server) in [&b, &a, &b].into_iter().enumerate() {
        assert_eq!(
            wrong_password(server, "ada@example.org").await.0,
            StatusCode::UNAUTHORIZED,
            "attempt {}",
            i + 2
        );
    }
    for server in [&a, &b] {
        let (status, retry_after) = wrong_password(server, "ada@example.org").await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "counted once, not per instance"
        );
        assert_eq!(retry_after.as_deref(), Some("60"));
    }
    // The right password waits too, on either instance, until the bucket refills.
    assert_eq!(
        b.sign_in("ada@example.org", common::GOOD_PASSWORD)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    a.clock.advance(60);
    assert_eq!(
        b.sign_in("ada@example.org", common::GOOD_PASSWORD)
            .await
            .status(),
        StatusCode::CREATED
    );
    // One secret for both (made by whichever started first); no email or address stored.
    assert_eq!(scalar(&a, "SELECT COUNT(*) FROM server_secrets").await, 1);
    assert!(scalar(&a, "SELECT COUNT(*) FROM token_buckets").await > 0);
}

/// Sixteen attempts at once, half on each instance: exactly the bucket's 4 get to a password
/// check; the others are refused (the row lock orders the spends: no two take the last token).
#[tokio::test]
async fn simultaneous_attempts_on_both_instances_never_overspend() {
    let Some((a, b)) = two_instances(four_tries).await else {
        return;
    };
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..16 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (http, url) = (server.http.clone(), format!("{}/v1/sessions", server.base));
        attempts.spawn(async move {
            let body = json!({ "email": "nobody@example.org", "password": "not the password" });
            let response = http.post(url).json(&body).send().await.expect("sign in");
            response.status()
        });
    }
    let answers: Vec<StatusCode> = attempts.join_all().await;
    let checked = answers
        .iter()
        .filter(|status| **status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (4, 12), "{answers:?}");
}

/// A budget of 35: three requests of 10 fit, the fourth waits 5 seconds, wherever it lands.
fn small_budget(config: &mut allyshare_server::Config) {
    config.write_budget = allyshare_server::WriteBudget {
        burst: 35,
        per_second: 1,
    };
}

/// Opens a delta sync session (a write: 10 of the budget).
async fn open(server: &TestServer, token: &str) -> reqwest::Response {
    server
        .call(
            reqwest::Method::POST,
            "/v1/sync/sessions",
            Some(token),
            Some(json!({ "kind": "delta" })),
        )
        .await
}

#[tokio::test]
async fn an_allys_writes_spread_over_two_instances_spend_one_budget() {
    let Some((a, b)) = two_instances(small_budget).await else {
        return;
    };
    let ally = a.sharing_ally("Sales", "ada@example.org", "Ada").await;
    for (i, server) in [&a, &b, &a].into_iter().enumerate() {
        assert_eq!(
            open(server, &ally.token).await.status(),
            StatusCode::CREATED,
            "open {i}"
        );
    }
    let refused = open(&b, &ally.token).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    assert_eq!(
        scalar(&a, "SELECT COUNT(*) FROM sync_sessions").await,
        3,
        "refused: no session"
    );
    a.clock.advance(5);
    assert_eq!(open(&b, &ally.token).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn join_page_tries_alternating_between_two_instances_are_counted_once() {
    let Some((a, b)) = two_instances(|_| {}).await else {
        return;
    };
    let admin = a
        .member("Getro", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let n = admin.network_id;
    let join = |server: &TestServer| {
        let browser = Browser::new(server);
        async move {
            browser.get(&format!("/join/{n}")).await;
            browser
                .post(
                    &format!("/join/{n}"),
                    &[
                        ("name", "Pat Pro"),
                        ("email", "pat@example.org"),
                        ("headline", "Engineer"),
                        ("linkedin_url", "https://www.linkedin.com/in/pat/"),
                        ("cv_url", ""),
                        ("password", common::GOOD_PASSWORD),
                        ("terms", "accepted"),
                    ],
                )
                .await
        }
    };
    // The join page's 5 tries for one address from one client (JOIN_LIMITS), alternating
    // (past the third, the daily confirmations refuse them: still tries).
    for (i, server) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
        let answer = join(server).await;
        assert_ne!(
            answer.status,
            StatusCode::TOO_MANY_REQUESTS,
            "try {}",
            i + 1
        );
    }
    let throttled = join(&b).await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        throttled.body
    );
    assert!(throttled.body.contains("Too many tries to join"));
}

/// Both instances drain the mail queue every second: a queued email is sent once, by one.
#[tokio::test]
async fn a_queued_email_is_sent_once_by_one_of_two_instances() {
    let Some((a, b)) = two_instances(|_| {}).await else {
        return;
    };
    let admin = a
        .member("Sales", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let emls = |server: &TestServer| {
        std::fs::read_dir(server.outbox())
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml"))
                })
                .count()
            })
            .unwrap_or(0)
    };
    let (a_before, b_before) = (emls(&a), emls(&b));
    for i in 0..6 {
        b.expect(
            reqwest::Method::POST,
            &format!("/v1/networks/{}/invitations", admin.network_id),
            Some(&admin.token),
            Some(
                json!({ "email": format!("ally{i}@example.org"), "name": "Ally", "role": "ally" }),
            ),
            StatusCode::CREATED,
        )
        .await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let sent = "SELECT COUNT(*) FROM mail_queue WHERE state = 'sent'";
    while scalar(&a, sent).await < 7 && Instant::now() < deadline {
        // Both drain at once, as their background tasks (woken by the invitations) also do.
        let (x, y) = tokio::join!(a.app.send_queued_mail(), b.app.send_queued_mail());
        x.unwrap();
        y.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(scalar(&a, sent).await, 7, "the admin's and six invitations");
    let written = emls(&a) - a_before + emls(&b) - b_before;
    assert_eq!(
        written, 6,
        "each invitation's email once, across both outboxes"
    );
    assert_eq!(
        scalar(&a, "SELECT COALESCE(MAX(attempts), 0) FROM mail_queue").await,
        1
    );
}
