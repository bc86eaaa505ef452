//! Load test of the reference server (`./build.sh load`): the real server binary on a fresh
//! SQLite file, driven over HTTP on loopback, open-loop at fixed rates for a fixed time. With
//! `--postgres URL` (`./build.sh load --db postgres`): two instances of the server on one new
//! PostgreSQL database created on that server, the clients spread over both (each person talks
//! to one instance: even-numbered ones to the first, odd to the second).
//!
//! - Uploads: 20 batches of 500 contacts a second for 60 s, from 8 allies at a time, each a
//!   delta sync session of 10 batches then a commit; 40 allies take turns. Shaped so that no
//!   ally comes near its write budget (server/src/budget.rs): a well-behaved client never sees
//!   429; any 429 is counted apart from errors.
//! - Meanwhile other allies read `/v1/me` (50/s) and 2 admins search the network view (10/s,
//!   half of the words common, half rare).
//!
//! Latency is measured from when a request was due, not from when it was sent, so a server
//! that falls behind shows in the percentiles (no coordinated omission). Prints success rate
//! and p50/p99/p99.9 per kind; exits non-zero on any error.
//!
//! `cargo run --release -p allyshare-server --example load -- SERVER_BIN [SECONDS] [--postgres URL]`

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "support/get_started.rs"]
mod get_started;
#[path = "support/pg_database.rs"]
mod pg_database;

use allyshare_protocol::{ContactBatch, ContactRecord};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

const UPLOADS_PER_SEC: u64 = 20;
const BATCH: usize = 500;
const UPLOADERS: usize = 40;
/// Allies uploading at any one time, each a session of [`SESSION_BATCHES`] batches, staggered
/// so that their commits are spread out rather than all at once.
const CONCURRENT: usize = 8;
const SESSION_BATCHES: usize = 10;
const READERS: usize = 10;
const READS_PER_SEC: u64 = 50;
const ADMINS: usize = 2;
const SEARCHES_PER_SEC: u64 = 10;
const PASSWORD: &str = "load test password, long and unguessable 7";
const P99_GOAL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Open,
    Upload,
    Commit,
    Me,
    Search,
}

#[derive(Default)]
struct Stats {
    ok: Vec<Duration>,
    throttled: usize,
    errors: Vec<String>,
}

type Results = Arc<Mutex<HashMap<Kind, Stats>>>;

fn record(results: &Results, kind: Kind, due: Instant, outcome: Result<u16, String>) {
    let elapsed = due.elapsed();
    let mut all = results.lock().unwrap();
    let stats = all.entry(kind).or_default();
    match outcome {
        Ok(s) if (200..300).contains(&s) => stats.ok.push(elapsed),
        Ok(429) => stats.throttled += 1,
        Ok(s) => stats.errors.push(format!("HTTP {s}")),
        Err(e) => stats.errors.push(e),
    }
}

fn contact(ally: usize, n: usize) -> ContactRecord {
    ContactRecord {
        member_id: Some(format!("ACoAAL{ally:03}{n:07}")),
        public_identifier: Some(format!("load-{ally}-{n}")),
        profile_url: format!("https://www.linkedin.com/in/load-{ally}-{n}/"),
        first_name: Some(format!("First{n}")),
        last_name: Some(format!("Last{ally}")),
        headline: Some(format!("Engineer at Company {}", n % 97)),
        connected_on: Some("2024-01-02".into()),
        photo_url: None,
    }
}

/// One sync session of the plan: which ally, and its place in that ally's turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SessionKey {
    ally: usize,
    slot: usize,
    turn: usize,
}

/// Which session and batch number every upload belongs to. Upload `t` goes to slot
/// `t % CONCURRENT`; each slot runs sessions of [`SESSION_BATCHES`] back to back, slot `k`
/// starting `k / CONCURRENT` of the way into a session so that the slots' commits alternate.
struct Plan {
    uploads: Vec<(SessionKey, usize)>,
    /// Batches per session.
    counts: HashMap<SessionKey, usize>,
}

impl Plan {
    fn new(total: usize) -> Plan {
        let mut uploads = Vec::with_capacity(total);
        let mut counts: HashMap<SessionKey, usize> = HashMap::new();
        for t in 0..total {
            let slot = t % CONCURRENT;
            let m = t / CONCURRENT + slot * SESSION_BATCHES / CONCURRENT;
            let turn = m / SESSION_BATCHES;
            let ally = (slot + CONCURRENT * turn) % UPLOADERS;
            let key = SessionKey { ally, slot, turn };
            let seq = counts.entry(key).or_default();
            uploads.push((key, *seq));
            *seq += 1;
        }
        Plan { uploads, counts }
    }
}

struct Person {
    token: String,
    network_id: i64,
    /// The instance this person talks to.
    base: String,
}

struct Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(bin: &Path, db: &std::ffi::OsStr, dir: &Path) -> Server {
    use std::io::BufRead;
    let mut child = std::process::Command::new(bin)
        .arg("serve")
        .arg("--db")
        .arg(db)
        .args(["--addr", "127.0.0.1:0", "--outbox"])
        .arg(dir.join("outbox"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting the server");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server's listening line");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("listening line")
        .to_string();
    Server { child, base }
}

/// Invites through the CLI, accepts through the Get Started form, signs in over the API.
async fn person(
    (bin, db, dir): (&Path, &std::ffi::OsStr, &Path),
    http: &reqwest::Client,
    base: &str,
    email: &str,
    role: &str,
) -> Person {
    let out = std::process::Command::new(bin)
        .arg("invite")
        .arg("--db")
        .arg(db)
        .arg("--outbox")
        .arg(dir.join("outbox"))
        .args([
            "--public-url",
            base,
            "--network",
            "Load Network",
            "--role",
            role,
        ])
        .args(["--email", email, "--name", email])
        .output()
        .expect("invite");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let link = stdout.lines().last().expect("link").trim().to_string();
    let accepted = get_started::accept_invitation(http, &link, PASSWORD).await;
    assert_eq!(accepted, 200, "accepting {email}");
    let tokens: Value = http
        .post(format!("{base}/v1/sessions"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("tokens");
    let token = tokens["access_token"].as_str().expect("token").to_string();
    let me: Value = http
        .get(format!("{base}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let network_id = me["networks"][0]["id"].as_i64().expect("network");
    Person {
        token,
        network_id,
        base: base.to_string(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let postgres = match args.iter().position(|a| a == "--postgres") {
        Some(i) => {
            let url = args.get(i + 1).cloned().expect("--postgres URL");
            args.drain(i..i + 2);
            Some(pg_database::PgDatabase::create(&url, "allyshare_load").await)
        }
        None => None,
    };
    let mut args = args.into_iter();
    let usage = "usage: load SERVER_BIN [SECONDS] [--postgres URL]";
    let bin = std::path::PathBuf::from(args.next().expect(usage));
    let bin: &Path = &bin;
    let secs: u64 = args.next().map_or(60, |s| s.parse().expect("SECONDS"));
    let dir = tempfile::tempdir().expect("temp dir");
    let db: std::ffi::OsString = match &postgres {
        Some(pg) => pg.url.clone().into(),
        None => dir.path().join("load.db").into(),
    };
    // The first instance applies the schema before the second starts.
    let mut servers = vec![start_server(bin, &db, dir.path())];
    if postgres.is_some() {
        servers.push(start_server(bin, &db, dir.path()));
    }
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let base_of = |i: usize| bases[i % bases.len()].as_str();
    let cli = (bin, db.as_os_str(), dir.path());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    match &postgres {
        Some(_) => println!(
            "servers {} on one PostgreSQL database, the clients spread over them",
            bases.join(" and ")
        ),
        None => println!("server {}, database in a temporary directory", bases[0]),
    }

    // People: allies who upload, allies who read, admins who search; one network.
    let setup = Instant::now();
    let mut uploaders = Vec::new();
    for i in 0..UPLOADERS {
        let ally = person(
            cli,
            &http,
            base_of(i),
            &format!("up{i}@example.org"),
            "ally",
        )
        .await;
        let r = http
            .put(format!(
                "{}/v1/networks/{}/sharing",
                ally.base, ally.network_id
            ))
            .bearer_auth(&ally.token)
            .json(&json!({"sharing": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "sharing on");
        uploaders.push(ally);
    }
    let mut readers = Vec::new();
    for i in 0..READERS {
        readers.push(
            person(
                cli,
                &http,
                base_of(i),
                &format!("rd{i}@example.org"),
                "ally",
            )
            .await,
        );
    }
    let mut admins = Vec::new();
    for i in 0..ADMINS {
        admins.push(
            person(
                cli,
                &http,
                base_of(i),
                &format!("ad{i}@example.org"),
                "network_admin",
            )
            .await,
        );
    }
    println!(
        "setup: {} people in {:.1} s",
        UPLOADERS + READERS + ADMINS,
        setup.elapsed().as_secs_f64()
    );

    let total_uploads = (UPLOADS_PER_SEC * secs) as usize;
    let plan = Plan::new(total_uploads);
    let mut per_ally: HashMap<usize, u64> = HashMap::new();
    for (session, _) in &plan.uploads {
        *per_ally.entry(session.ally).or_default() += 1;
    }
    // Budget: the most any ally writes in the run (batches, opens and commits).
    let most = per_ally.values().copied().max().unwrap_or(0);
    let worst_cost = most * (BATCH as u64 + 10) + 20 * plan.counts.len() as u64;
    assert!(
        worst_cost < allyshare_server::WriteBudget::default().burst,
        "the load would exhaust an ally's write budget ({worst_cost})"
    );
    println!(
        "load: {UPLOADS_PER_SEC} uploads/s of {BATCH} contacts ({} sessions of {SESSION_BATCHES} batches, {CONCURRENT} at a time, {UPLOADERS} allies), \
         {READS_PER_SEC} /v1/me/s ({READERS} allies), {SEARCHES_PER_SEC} searches/s ({ADMINS} admins), for {secs} s",
        plan.counts.len()
    );

    let results: Results = Arc::default();
    let uploaders = Arc::new(uploaders);
    let readers = Arc::new(readers);
    let admins = Arc::new(admins);
    type Sessions = HashMap<SessionKey, (OnceCell<i64>, AtomicUsize)>;
    let sessions: Arc<Sessions> = Arc::new(
        plan.counts
            .keys()
            .map(|k| (*k, (OnceCell::new(), AtomicUsize::new(0))))
            .collect(),
    );
    let plan = Arc::new(plan);
    let start = Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::new();

    // Uploads (a session opened with its first batch, committed after its last).
    {
        let (http, results) = (http.clone(), results.clone());
        let (uploaders, sessions, plan) = (uploaders.clone(), sessions.clone(), plan.clone());
        tasks.push(tokio::spawn(async move {
            let mut handles = Vec::new();
            for t in 0..total_uploads {
                let due = start + Duration::from_nanos(t as u64 * 1_000_000_000 / UPLOADS_PER_SEC);
                tokio::time::sleep_until(due.into()).await;
                let (http, results) = (http.clone(), results.clone());
                let (uploaders, sessions, plan) =
                    (uploaders.clone(), sessions.clone(), plan.clone());
                handles.push(tokio::spawn(async move {
                    let (key, seq) = plan.uploads[t];
                    let token = &uploaders[key.ally].token;
                    let base = &uploaders[key.ally].base;
                    let (cell, done) = &sessions[&key];
                    let opened = cell
                        .get_or_try_init(|| async {
                            let due = Instant::now();
                            let r = http
                                .post(format!("{base}/v1/sync/sessions"))
                                .bearer_auth(token)
                                .json(&json!({"kind": "delta"}))
                                .send()
                                .await
                                .map_err(|e| e.to_string())?;
                            let status = r.status().as_u16();
                            record(&results, Kind::Open, due, Ok(status));
                            let body: Value = r.json().await.map_err(|e| e.to_string())?;
                            body["id"].as_i64().ok_or(format!("open answered {status}"))
                        })
                        .await;
                    let Ok(&session_id) = opened else {
                        record(&results, Kind::Upload, due, Err("no session".into()));
                        return;
                    };
                    let batch = ContactBatch {
                        contacts: (0..BATCH)
                            .map(|i| contact(key.ally, t * BATCH + i))
                            .collect(),
                    };
                    let outcome = http
                        .put(format!(
                            "{base}/v1/sync/sessions/{session_id}/batches/{seq}"
                        ))
                        .bearer_auth(token)
                        .json(&batch)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .map_err(|e| e.to_string());
                    let stored = matches!(outcome, Ok(200));
                    record(&results, Kind::Upload, due, outcome);
                    let batches = plan.counts[&key];
                    if stored && done.fetch_add(1, Ordering::SeqCst) + 1 == batches {
                        let due = Instant::now();
                        let outcome = http
                            .post(format!("{base}/v1/sync/sessions/{session_id}/commit"))
                            .bearer_auth(token)
                            .json(&json!({"batch_count": batches}))
                            .send()
                            .await
                            .map(|r| r.status().as_u16())
                            .map_err(|e| e.to_string());
                        record(&results, Kind::Commit, due, outcome);
                    }
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        }));
    }
    // Reads of /v1/me, and admins' searches.
    for (kind, rate) in [(Kind::Me, READS_PER_SEC), (Kind::Search, SEARCHES_PER_SEC)] {
        let (http, results) = (http.clone(), results.clone());
        let (readers, admins) = (readers.clone(), admins.clone());
        tasks.push(tokio::spawn(async move {
            let mut handles = Vec::new();
            for t in 0..(rate * secs) as usize {
                let due = start + Duration::from_nanos(t as u64 * 1_000_000_000 / rate);
                tokio::time::sleep_until(due.into()).await;
                let (http, results) = (http.clone(), results.clone());
                let (readers, admins) = (readers.clone(), admins.clone());
                handles.push(tokio::spawn(async move {
                    let request = match kind {
                        Kind::Me => {
                            let reader = &readers[t % READERS];
                            http.get(format!("{}/v1/me", reader.base))
                                .bearer_auth(&reader.token)
                        }
                        _ => {
                            let admin = &admins[t % ADMINS];
                            let q = ["engineer", "company 42", "first12", "last7 first3"][t % 4];
                            http.get(format!(
                                "{}/v1/networks/{}/contacts",
                                admin.base, admin.network_id
                            ))
                            .query(&[("q", q), ("limit", "50")])
                            .bearer_auth(&admin.token)
                        }
                    };
                    let outcome = request
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .map_err(|e| e.to_string());
                    record(&results, kind, due, outcome);
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let wall = start.elapsed();
    drop(servers);
    if let Some(pg) = postgres {
        pg.drop_now().await;
    }

    println!("ran {:.1} s", wall.as_secs_f64());
    println!(
        "{:<8} {:>7} {:>9} {:>6} {:>7} {:>10} {:>10} {:>10} {:>10}",
        "kind", "sent", "success", "429", "errors", "p50", "p99", "p99.9", "max"
    );
    let mut all = results.lock().unwrap();
    let mut failed = false;
    let mut goal = true;
    let mut kinds: Vec<_> = all.keys().copied().collect();
    kinds.sort();
    for kind in kinds {
        let stats = all.get_mut(&kind).unwrap();
        stats.ok.sort();
        let sent = stats.ok.len() + stats.throttled + stats.errors.len();
        let p99 = percentile(&stats.ok, 0.99);
        println!(
            "{:<8} {:>7} {:>8.2}% {:>6} {:>7} {:>10} {:>10} {:>10} {:>10}",
            format!("{kind:?}"),
            sent,
            100.0 * stats.ok.len() as f64 / sent.max(1) as f64,
            stats.throttled,
            stats.errors.len(),
            ms(percentile(&stats.ok, 0.50)),
            ms(p99),
            ms(percentile(&stats.ok, 0.999)),
            ms(stats.ok.last().copied().unwrap_or_default()),
        );
        if let Some(e) = stats.errors.first() {
            println!("  first error: {e}");
            failed = true;
        }
        if stats.throttled > 0 {
            failed = true;
        }
        goal &= p99 <= P99_GOAL;
    }
    println!(
        "goal (no errors, p99 <= {} ms for every kind): {}",
        P99_GOAL.as_millis(),
        if goal && !failed { "met" } else { "missed" }
    );
    if failed {
        std::process::exit(1);
    }
}
