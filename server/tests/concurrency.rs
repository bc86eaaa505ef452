//! Write transactions under concurrent writers: SQLite lets one writer in at a time, and a
//! transaction that reads before it writes can fail with `SQLITE_BUSY` (a 500) when another
//! writer committed in between. Each write transaction must start with its write.

mod common;

use std::sync::Arc;

use allyshare_protocol::Role;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn contact(prefix: &str, i: usize) -> serde_json::Value {
    json!({
        "member_id": format!("{prefix}{i:05}"),
        "profile_url": format!("https://www.linkedin.com/in/{prefix}-{i}/"),
        "first_name": format!("First{i}"),
        "last_name": format!("Last{i}"),
        "headline": format!("Headline {i}"),
    })
}

async fn share(server: &TestServer, token: &str, kind: &str, prefix: &str, n: usize) {
    let contacts: Vec<_> = (0..n).map(|i| contact(prefix, i)).collect();
    server.sync_contacts(token, kind, &contacts).await;
}

/// Admins ask for introductions while another ally keeps syncing: every ask is created (201),
/// none fails with a 500, and the database holds exactly one row per ask.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn intro_asks_succeed_while_other_writers_commit() {
    const ASKS: usize = 120;
    let server = Arc::new(TestServer::start().await);
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let ada = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let bob = server.sharing_ally("Sales", "bob@example.org", "Bob").await;
    share(&server, &ada.token, "full", "A", ASKS).await;

    // Bob syncs (delta sessions: open, a batch, commit) until the asks are done.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let syncing = tokio::spawn({
        let (server, done) = (server.clone(), done.clone());
        async move {
            let mut rounds = 0;
            let mut i = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                share(&server, &bob.token, "delta", "B", 20 + i % 7).await;
                i += 1;
                rounds += 1;
            }
            rounds
        }
    });

    let asks = format!("/v1/networks/{}/intro-asks", admin.network_id);
    let mut tasks = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(12));
    for i in 0..ASKS {
        let (server, asks, token, gate) = (
            server.clone(),
            asks.clone(),
            admin.token.clone(),
            gate.clone(),
        );
        let ally_id = ada.id;
        tasks.spawn(async move {
            let _turn = gate.acquire().await.unwrap();
            let response = server
                .call(
                    Method::POST,
                    &asks,
                    Some(&token),
                    Some(json!({
                        "ally_id": ally_id,
                        "contact_key": format!("member:A{i:05}"),
                        "note": "Could you introduce us?",
                    })),
                )
                .await;
            let status = response.status();
            (status, response.text().await.unwrap())
        });
    }
    let mut failures = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (status, body) = result.unwrap();
        if status != StatusCode::CREATED {
            failures.push(format!("{status}: {body}"));
        }
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let rounds = syncing.await.unwrap();
    assert!(rounds > 0, "the other ally synced meanwhile");
    assert!(
        failures.is_empty(),
        "{} of {ASKS} asks failed, e.g. {:?}",
        failures.len(),
        failures.first()
    );

    // The rows themselves: one pending ask per contact, no more.
    let row = rows(
        &server,
        "SELECT COUNT(*), COUNT(DISTINCT contact_key) FROM intro_asks WHERE state = 'pending'",
        &[],
    )
    .await
    .remove(0);
    let n = |i: usize| row[i].as_deref().unwrap().parse::<i64>().unwrap();
    let (rows, keys) = (n(0), n(1));
    assert_eq!((rows, keys), (ASKS as i64, ASKS as i64));
}
