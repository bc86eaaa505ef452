//! Measures the console's contacts search: a network of 600,000 contacts (1,000 allies × 600,
//! all sharing with it, many contacts known by several allies) in a fresh SQLite file, then
//! the service function the Contacts page calls (`api::network::contacts_page`, permission
//! check included) timed for a mix of the searches, filters and orders the page offers.
//!
//! `cargo run --release -p allyshare-server --example contacts_search [-- --json] [--allies N]
//! [--db PATH] [--postgres URL]`
//!
//! `--postgres URL` builds the same network on a new database on that PostgreSQL server (its
//! role may `CREATE DATABASE`), dropped at the end, to compare the two backends' search.
//!
//! The network is built with direct inserts into `contacts` (the full-text index is kept by
//! its triggers, as in a sync commit), not over HTTP: the figure is the search's, and sync
//! ingest has its own benchmark (`ingest`). With `--json` the result is also printed as one
//! JSON line (read by `./build.sh bench`).

use std::sync::Arc;
use std::time::Instant;

use allyshare_protocol::{ContactRecord, Permissions};
use allyshare_server::api::network::{contacts_page, encode_cursor};
use allyshare_server::db::{ContactQuery, ContactSort, StoredContact};
use allyshare_server::{App, Config, HashCost};
use serde_json::json;
use sqlx::{Postgres, QueryBuilder, Sqlite};

#[path = "support/pg_database.rs"]
mod pg_database;

/// The database the network is built in, read beside the server.
enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Runs `$sql` (with `$1, $2, …` placeholders, in order: SQLite reads them as its numbered
/// names) on either backend, binding `$bind`s; `fetch_one` gives the first column as `i64`.
macro_rules! on_db {
    ($db:expr, execute, $sql:expr $(, $bind:expr)*) => {
        match $db {
            Db::Sqlite(pool) => {
                sqlx::query($sql)$(.bind($bind))*.execute(pool).await.unwrap();
            }
            Db::Postgres(pool) => {
                sqlx::query($sql)$(.bind($bind))*.execute(pool).await.unwrap();
            }
        }
    };
    ($db:expr, fetch_one, $sql:expr $(, $bind:expr)*) => {
        match $db {
            Db::Sqlite(pool) => sqlx::query_scalar::<_, i64>($sql)$(.bind($bind))*
                .fetch_one(pool).await.unwrap(),
            Db::Postgres(pool) => sqlx::query_scalar::<_, i64>($sql)$(.bind($bind))*
                .fetch_one(pool).await.unwrap(),
        }
    };
}

const CONTACTS_PER_ALLY: usize = 600;
/// Distinct people the allies' contacts are drawn from (popular ones more often).
const POOL: usize = 400_000;
const ROUNDS: usize = 15;

const FIRST: [&str; 40] = [
    "Maria", "David", "James", "Sofia", "Ahmed", "Wei", "Olivia", "Lucas", "Amara", "Noah", "Emma",
    "Liam", "Chloe", "Mateo", "Aisha", "Yuki", "Elena", "Omar", "Hannah", "Ivan", "Priya",
    "Carlos", "Fatima", "Jonas", "Lena", "Marco", "Nina", "Pablo", "Rosa", "Samuel", "Tara",
    "Umar", "Vera", "Wendy", "Xavier", "Yara", "Zoe", "Ada", "Bruno", "Chen",
];
const LAST: [&str; 60] = [
    "Garcia",
    "Smith",
    "Müller",
    "Nguyen",
    "Kowalski",
    "Rossi",
    "Dubois",
    "Silva",
    "Kim",
    "Patel",
    "Johnson",
    "Brown",
    "Lopez",
    "Martin",
    "Lee",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
    "Perez",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Sanchez",
    "Morris",
    "Rogers",
    "Reed",
    "Cook",
    "Morgan",
    "Bell",
    "Murphy",
    "Bailey",
    "Rivera",
    "Cooper",
    "Richardson",
    "Cox",
    "Lovelace",
];
const TITLES: [&str; 24] = [
    "Software Engineer",
    "Senior Software Engineer",
    "Product Manager",
    "Engineering Manager",
    "Head of Sales",
    "Account Executive",
    "Data Scientist",
    "Designer",
    "CTO",
    "CEO",
    "Founder",
    "Recruiter",
    "Marketing Lead",
    "Operations Manager",
    "Investor",
    "Partner",
    "VP Engineering",
    "Customer Success Manager",
    "Staff Engineer",
    "Analyst",
    "CFO",
    "Talent Partner",
    "Growth Lead",
    "Consultant",
];
const COMPANY_A: [&str; 30] = [
    "Acme", "Blue", "Nova", "Quantum", "Bright", "Green", "Silver", "North", "Summit", "Apex",
    "Pixel", "Cedar", "Harbor", "Orbit", "Lumen", "Vertex", "Atlas", "Cobalt", "Echo", "Falcon",
    "Granite", "Helix", "Iris", "Juniper", "Kite", "Lattice", "Maple", "Nimbus", "Onyx", "Prism",
];
const COMPANY_B: [&str; 10] = [
    "Labs",
    "Systems",
    "Health",
    "Capital",
    "Robotics",
    "Analytics",
    "Energy",
    "Foods",
    "Studio",
    "Networks",
];

/// A small deterministic generator (xorshift64*), so every run builds the same network.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Person `i` of the pool: the same name and headline (with a company in it) for every ally who knows them.
fn person(i: usize) -> ContactRecord {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
    r.next();
    let company = format!(
        "{} {}",
        COMPANY_A[r.below(COMPANY_A.len())],
        COMPANY_B[r.below(COMPANY_B.len())]
    );
    ContactRecord {
        member_id: Some(format!("ACoAAP{i:08}")),
        public_identifier: Some(format!("pool-person-{i}")),
        profile_url: format!("https://www.linkedin.com/in/pool-person-{i}/"),
        first_name: Some(FIRST[r.below(FIRST.len())].to_string()),
        last_name: Some(LAST[r.below(LAST.len())].to_string()),
        headline: Some(format!("{} at {company}", TITLES[r.below(TITLES.len())])),
        connected_on: None,
        photo_url: None,
    }
}

fn date(r: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        2012 + r.below(14),
        1 + r.below(12),
        1 + r.below(28)
    )
}

async fn build(app: &App, db: &Db, allies: usize) -> (i64, i64, Vec<i64>) {
    let now = app.now();
    let network_id = on_db!(
        db,
        fetch_one,
        "INSERT INTO networks (name, created_at) VALUES ('Bench', $1) RETURNING id",
        now
    );
    let admin_id = on_db!(
        db,
        fetch_one,
        "INSERT INTO people (name, email, email_norm, created_at)
         VALUES ('Bench Admin', 'admin@example.org', 'admin@example.org', $1) RETURNING id",
        now
    );
    on_db!(
        db,
        execute,
        "INSERT INTO memberships (person_id, network_id, role, created_at, permissions)
         VALUES ($1, $2, 'network_admin', $3, $4)",
        admin_id,
        network_id,
        now,
        Permissions::all().bits()
    );
    let mut ally_ids = Vec::with_capacity(allies);
    let mut rng = Rng(42);
    for a in 0..allies {
        let email = format!("ally{a}@example.org");
        let name = format!(
            "{} {} ({a})",
            FIRST[rng.below(FIRST.len())],
            LAST[rng.below(LAST.len())]
        );
        let id = on_db!(
            db,
            fetch_one,
            "INSERT INTO people (name, email, email_norm, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
            &name,
            &email,
            &email,
            now
        );
        on_db!(
            db,
            execute,
            "INSERT INTO memberships (person_id, network_id, role, created_at, sharing)
             VALUES ($1, $2, 'ally', $3, 1)",
            id,
            network_id,
            now
        );
        ally_ids.push(id);
    }
    let started = Instant::now();
    for (a, &ally) in ally_ids.iter().enumerate() {
        // 600 distinct people, skewed towards the start of the pool: some are known by dozens
        // of allies, most by one or two.
        let mut picked = std::collections::HashSet::with_capacity(CONTACTS_PER_ALLY);
        while picked.len() < CONTACTS_PER_ALLY {
            let u = rng.unit();
            picked.insert(((u * u) * POOL as f64) as usize);
        }
        let mut contacts: Vec<StoredContact> = picked
            .into_iter()
            .map(|i| {
                let mut record = person(i);
                record.connected_on = Some(date(&mut rng));
                StoredContact::new(&record).expect("a valid contact")
            })
            .collect();
        contacts.sort_by(|x, y| x.key.cmp(&y.key));
        let updated_at = now - (a as i64);
        match db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await.unwrap();
                for chunk in contacts.chunks(100) {
                    insert_contacts::<Sqlite>(ally, updated_at, chunk)
                        .build()
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                tx.commit().await.unwrap();
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await.unwrap();
                for chunk in contacts.chunks(100) {
                    insert_contacts::<Postgres>(ally, updated_at, chunk)
                        .build()
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                tx.commit().await.unwrap();
            }
        }
    }
    eprintln!(
        "built {} contacts of {allies} allies in {:.1} s",
        allies * CONTACTS_PER_ALLY,
        started.elapsed().as_secs_f64()
    );
    match db {
        Db::Sqlite(pool) => {
            sqlx::query("ANALYZE").execute(pool).await.unwrap();
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await
                .unwrap();
        }
        Db::Postgres(_) => {}
    }
    (network_id, admin_id, ally_ids)
}

/// One ally's contacts as a commit inserts them (the search's rows and counts follow by the
/// schema's triggers).
fn insert_contacts<'a, DB: sqlx::Database>(
    ally: i64,
    updated_at: i64,
    chunk: &'a [StoredContact],
) -> QueryBuilder<'a, DB>
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut b = QueryBuilder::<DB>::new(
        "INSERT INTO contacts (person_id, key, member_id, public_identifier, profile_url,
           first_name, last_name, headline, connected_on, photo_url,
           content_hash, sort_name, search_text, updated_at) ",
    );
    b.push_values(chunk, |mut row, c| {
        let r = &c.record;
        row.push_bind(ally)
            .push_bind(c.key.clone())
            .push_bind(r.member_id.clone())
            .push_bind(r.public_identifier.clone())
            .push_bind(r.profile_url.clone())
            .push_bind(r.first_name.clone())
            .push_bind(r.last_name.clone())
            .push_bind(r.headline.clone())
            .push_bind(r.connected_on.clone())
            .push_bind(r.photo_url.clone())
            .push_bind(c.content_hash as i64)
            .push_bind(c.sort_name.clone())
            .push_bind(c.search_text.clone())
            .push_bind(updated_at);
    });
    b
}

fn query(search: &str) -> ContactQuery {
    ContactQuery {
        search: search.to_string(),
        limit: 25,
        ..ContactQuery::default()
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let json_line = args.iter().any(|a| a == "--json");
    let allies: usize = args
        .iter()
        .position(|a| a == "--allies")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let dir = tempfile::tempdir().expect("temp dir");
    // `--db PATH` keeps the network in PATH, and reuses it when it is there (to try a change
    // of the search without building the network again).
    let kept = args
        .iter()
        .position(|a| a == "--db")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let postgres = match args.iter().position(|a| a == "--postgres") {
        Some(i) => Some(
            pg_database::PgDatabase::create(
                args.get(i + 1).expect("--postgres URL"),
                "allyshare_search",
            )
            .await,
        ),
        None => None,
    };
    let reuse = postgres.is_none() && kept.as_ref().is_some_and(|p| p.exists());
    let db = kept.unwrap_or_else(|| dir.path().join("search.db"));
    let location = match &postgres {
        Some(pg) => std::path::PathBuf::from(&pg.url),
        None => db.clone(),
    };
    let mut config = Config::new(location, dir.path().join("outbox"), "http://127.0.0.1:1");
    config.hash_cost = HashCost::InsecureFastForTests;
    config.clock = Arc::new(allyshare_server::SystemClock);
    let app = App::open(config).await.unwrap();
    let database = match &postgres {
        Some(pg) => Db::Postgres(sqlx::PgPool::connect(&pg.url).await.unwrap()),
        None => Db::Sqlite(
            sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
                .await
                .unwrap(),
        ),
    };
    let (network_id, admin_id, ally_ids) = if reuse {
        let Db::Sqlite(pool) = &database else {
            unreachable!("--db is SQLite's")
        };
        let network_id: i64 = sqlx::query_scalar("SELECT id FROM networks WHERE name = 'Bench'")
            .fetch_one(pool)
            .await
            .unwrap();
        let admin_id: i64 =
            sqlx::query_scalar("SELECT id FROM people WHERE email = 'admin@example.org'")
                .fetch_one(pool)
                .await
                .unwrap();
        let ally_ids: Vec<i64> = sqlx::query_scalar(
            "SELECT person_id FROM memberships WHERE role = 'ally' ORDER BY person_id",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        (network_id, admin_id, ally_ids)
    } else {
        let built = build(&app, &database, allies).await;
        // The contacts were inserted as a commit inserts them: their words wait for the
        // server's indexer (SQLite's migration 0011, PostgreSQL's 0004), run here once.
        let started = Instant::now();
        let indexed = app.index_search_words().await.unwrap();
        if let Db::Postgres(pool) = &database {
            sqlx::query("ANALYZE").execute(pool).await.unwrap();
        }
        eprintln!(
            "indexed the words of {indexed} contacts in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        built
    };
    match database {
        Db::Sqlite(pool) => pool.close().await,
        Db::Postgres(pool) => pool.close().await,
    }

    // A page of the first ally's contacts by name, for a "Next page" cursor.
    let (_, last) = contacts_page(&app, admin_id, network_id, &query(""))
        .await
        .unwrap();
    let second = last.expect("more than a page");
    let (_, last) = contacts_page(
        &app,
        admin_id,
        network_id,
        &ContactQuery {
            sort: ContactSort::Recent,
            ..query("")
        },
    )
    .await
    .unwrap();
    let recent_second = last.expect("more than a page");
    let _ = encode_cursor(ContactSort::Recent, &recent_second);

    let ally = Some(ally_ids[ally_ids.len() / 2]);
    let mix: Vec<(&str, ContactQuery)> = vec![
        ("the first page", query("")),
        (
            "the second page",
            ContactQuery {
                after: Some(second.clone()),
                ..query("")
            },
        ),
        ("a last name: garcia", query("garcia")),
        ("a full name: maria garcia", query("maria garcia")),
        ("a name being typed: lov", query("lov")),
        ("a company: quantum robotics", query("quantum robotics")),
        ("a common word: engineer", query("engineer")),
        ("a title: product manager", query("product manager")),
        ("a title and company: cto acme", query("cto acme")),
        ("one letter: s", query("s")),
        ("no match: zzyzx", query("zzyzx")),
        (
            "one ally's contacts",
            ContactQuery {
                ally_id: ally,
                ..query("")
            },
        ),
        (
            "one ally's, searched: engineer",
            ContactQuery {
                ally_id: ally,
                ..query("engineer")
            },
        ),
        (
            "connected since 2025-06-01",
            ContactQuery {
                connected_since: Some("2025-06-01".into()),
                ..query("")
            },
        ),
        (
            "most recently connected",
            ContactQuery {
                sort: ContactSort::Recent,
                ..query("")
            },
        ),
        (
            "most recently connected, second page",
            ContactQuery {
                sort: ContactSort::Recent,
                after: Some(recent_second.clone()),
                ..query("")
            },
        ),
        (
            "most recently connected: founder",
            ContactQuery {
                sort: ContactSort::Recent,
                ..query("founder")
            },
        ),
        (
            "most allies",
            ContactQuery {
                sort: ContactSort::Allies,
                ..query("")
            },
        ),
        (
            "most allies: garcia",
            ContactQuery {
                sort: ContactSort::Allies,
                ..query("garcia")
            },
        ),
        (
            "most allies, one ally's contacts",
            ContactQuery {
                sort: ContactSort::Allies,
                ally_id: ally,
                ..query("")
            },
        ),
    ];
    let mut all = Vec::new();
    println!("query (median / max ms of {ROUNDS} runs, rows on the page)");
    for (name, q) in &mix {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut rows = 0;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let (page, _) = contacts_page(&app, admin_id, network_id, q).await.unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            rows = page.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  {name:<40} {:>7.2} / {:>7.2}  ({rows})",
            times[ROUNDS / 2],
            times[ROUNDS - 1]
        );
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    let p95 = all[((all.len() as f64 * 0.95).ceil() as usize).saturating_sub(1)];
    let p50 = all[all.len() / 2];
    println!(
        "contacts search on {} contacts ({allies} allies): p50 {p50:.2} ms, p95 {p95:.2} ms over {} searches",
        allies * CONTACTS_PER_ALLY,
        all.len()
    );
    // What an erasure adds on SQLite (an ally stops sharing with every network): the index
    // rewritten. PostgreSQL deletes an erased contact's indexed text with its row.
    if postgres.is_none() {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let started = Instant::now();
        let mut conn = pool.acquire().await.unwrap();
        allyshare_server::db::network::purge_deleted_words(&mut conn)
            .await
            .unwrap();
        println!(
            "purging the search index of deleted words: {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        drop(conn);
        pool.close().await;
    }
    if json_line {
        println!(
            "{}",
            json!({
                "contacts": allies * CONTACTS_PER_ALLY,
                "allies": allies,
                "searches": all.len(),
                "p50_ms": p50,
                "admin_contacts_search_p95_ms": p95,
            })
        );
    }
    if let Some(pg) = postgres {
        app.repo().close().await;
        pg.drop_now().await;
    }
}
