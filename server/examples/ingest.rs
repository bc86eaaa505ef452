//! Measures contact-sync ingest: one ally uploads 30,000 contacts in 500-item batches over
//! HTTP on loopback to a server on a fresh SQLite file (or a fresh PostgreSQL database), then
//! commits; then the same again as a second full sync where nothing changed.
//!
//! `cargo run --release -p allyshare-server --example ingest [-- --json] [--without-search-index]
//! [--postgres URL]`
//!
//! With `--json` each round is also printed as one JSON line (read by `./build.sh bench`).
//! `--without-search-index` drops the contacts search's triggers and indexes first (what the
//! search costs a sync: run both; SQLite only). `--postgres URL` runs on a new database
//! created on that PostgreSQL server (its role may `CREATE DATABASE`), dropped at the end.

use std::sync::Arc;
use std::time::Instant;

#[path = "support/get_started.rs"]
mod get_started;
#[path = "support/pg_database.rs"]
mod pg_database;

use allyshare_protocol::{ContactBatch, ContactRecord, Role, SessionTokens};
use allyshare_server::{serve_app, App, Config, HashCost, InviteRequest};
use serde_json::{json, Value};

const TOTAL: usize = 30_000;
const BATCH: usize = 500;

fn contact(i: usize) -> ContactRecord {
    ContactRecord {
        member_id: Some(format!("ACoAAB{i:08}")),
        public_identifier: Some(format!("person-{i}")),
        profile_url: format!("https://www.linkedin.com/in/person-{i}/"),
        first_name: Some(format!("First{i}")),
        last_name: Some(format!("Last{i}")),
        headline: Some(format!("Head of Things {i} at Company {}", i % 977)),
        connected_on: Some("2023-04-05".into()),
        photo_url: Some(format!("https://media.licdn.com/dms/image/{i}/profile.jpg")),
    }
}

#[tokio::main]
async fn main() {
    let json_lines = std::env::args().any(|a| a == "--json");
    let args: Vec<String> = std::env::args().collect();
    let postgres = match args.iter().position(|a| a == "--postgres") {
        Some(i) => Some(
            pg_database::PgDatabase::create(
                args.get(i + 1).expect("--postgres URL"),
                "allyshare_ingest",
            )
            .await,
        ),
        None => None,
    };
    let backend = if postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let location = match &postgres {
        Some(pg) => std::path::PathBuf::from(&pg.url),
        None => dir.path().join("ingest.db"),
    };
    let mut config = Config::new(location, dir.path().join("outbox"), &base);
    config.hash_cost = HashCost::InsecureFastForTests;
    config.clock = Arc::new(allyshare_server::SystemClock);
    let app = App::open(config).await.unwrap();
    if postgres.is_none() && std::env::args().any(|a| a == "--without-search-index") {
        // For a before/after figure: ingest without what the contacts search keeps at each
        // commit (its rows and their covering indexes, the full-text index's queue: migrations
        // 0010 and 0011; the network's counts stay), on the same binary.
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite:{}",
            dir.path().join("ingest.db").display()
        ))
        .await
        .unwrap();
        for drop in [
            "DROP TRIGGER contacts_search_insert",
            "DROP TRIGGER contacts_search_update",
            "DROP TRIGGER contacts_search_delete",
            "DROP INDEX contact_search_by_name",
            "DROP INDEX contact_search_by_connected",
        ] {
            sqlx::query(drop).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    tokio::spawn(serve_app(listener, app.clone(), std::future::pending()));

    let invited = app
        .invite(&InviteRequest {
            network: "Bench".into(),
            email: "bench@example.org".into(),
            name: "Bench".into(),
            role: Role::Ally,
        })
        .await
        .unwrap();
    let http = reqwest::Client::new();
    assert!(
        get_started::accept_invitation(&http, &invited.link, "correct horse battery staple")
            .await
            .is_success()
    );
    let tokens: SessionTokens = http
        .post(format!("{base}/v1/sessions"))
        .json(&json!({"email": "bench@example.org", "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tokens.access_token;
    let put = |path: String, body: Value| {
        http.put(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    assert!(put(
        format!("/v1/networks/{}/sharing", invited.network_id),
        json!({"sharing": true})
    )
    .await
    .unwrap()
    .status()
    .is_success());

    // The bodies are serialised before the clock starts: the figure is the server's.
    let batches: Vec<Vec<u8>> = (0..TOTAL / BATCH)
        .map(|b| {
            serde_json::to_vec(&ContactBatch {
                contacts: (b * BATCH..(b + 1) * BATCH).map(contact).collect(),
            })
            .unwrap()
        })
        .collect();
    for round in ["first full sync", "unchanged full sync"] {
        let started = Instant::now();
        let session: Value = http
            .post(format!("{base}/v1/sync/sessions"))
            .bearer_auth(&token)
            .json(&json!({"kind": "full"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = session["id"].as_i64().expect("session id");
        for (seq, batch) in batches.iter().enumerate() {
            let response = http
                .put(format!("{base}/v1/sync/sessions/{id}/batches/{seq}"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(batch.clone())
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success(),
                "{}",
                response.text().await.unwrap()
            );
        }
        let uploaded = started.elapsed();
        let result: Value = http
            .post(format!("{base}/v1/sync/sessions/{id}/commit"))
            .bearer_auth(&token)
            .json(&json!({"batch_count": batches.len()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let total = started.elapsed();
        assert_eq!(result["digest"]["count"], TOTAL);
        // The search's index is written after the commit (SQLite's migration 0011,
        // PostgreSQL's 0004): how long after the commit's answer it has every word (the
        // server's indexer, or this call). On PostgreSQL this call passes over an ally the
        // server's indexer is writing (`SKIP LOCKED`): the queue is empty once it is done.
        app.index_search_words().await.unwrap();
        if let Some(pg) = &postgres {
            let pool = sqlx::PgPool::connect(&pg.url).await.unwrap();
            while sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM contact_search_pending")
                .fetch_one(&pool)
                .await
                .unwrap()
                > 0
            {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            pool.close().await;
        }
        let indexed = started.elapsed() - total;
        println!(
            "{round} ({backend}): {TOTAL} contacts in {} batches: upload {:.2} s, commit {:.2} s, total {:.2} s = {:.0} contacts/s (added {}, unchanged {}); search index caught up {:.2} s later",
            batches.len(),
            uploaded.as_secs_f64(),
            (total - uploaded).as_secs_f64(),
            total.as_secs_f64(),
            TOTAL as f64 / total.as_secs_f64(),
            result["added"],
            result["unchanged"],
            indexed.as_secs_f64(),
        );
        if json_lines {
            println!(
                "{}",
                json!({
                    "round": round,
                    "backend": backend,
                    "contacts": TOTAL,
                    "upload_s": uploaded.as_secs_f64(),
                    "total_s": total.as_secs_f64(),
                    "contacts_per_s": TOTAL as f64 / total.as_secs_f64(),
                    "search_indexed_after_s": indexed.as_secs_f64(),
                })
            );
        }
    }
    if let Some(pg) = postgres {
        app.repo().close().await;
        pg.drop_now().await;
    }
}
