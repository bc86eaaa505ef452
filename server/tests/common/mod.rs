//! The test harness shared by the server's integration tests: the server in-process on a
//! loopback port, a real SQLite file in a temporary directory, a [`ManualClock`], and helpers
//! for the common requests.
//!
//! With `ALLYSHARE_TEST_POSTGRES_URL` set (a PostgreSQL server the tests may create databases
//! on; `tools/pg-test.sh` starts a throwaway one), every [`TestServer`] runs on PostgreSQL
//! instead, on a database of its own: created with a random name at start, dropped at the end
//! (also when the test fails: [`PgDatabase`]'s `Drop`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use allyshare_protocol::{ApiError, ErrorCode, Role, SessionTokens};
use allyshare_server::{serve_app, App, Config, HashCost, InviteRequest, Invited, ManualClock};
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::oneshot;

pub mod browser;
#[allow(unused_imports)]
pub use browser::{db, execute, rows, scalar, text, Answer, Browser};
pub const GOOD_PASSWORD: &str = "correct horse battery staple";
pub const DAY: i64 = 24 * 60 * 60;

pub struct TestServer {
    pub app: App,
    pub base: String,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    configure: fn(&mut Config),
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The server's own PostgreSQL database, when the tests run on PostgreSQL.
    pub pg: Option<PgDatabase>,
}

/// The environment variable that moves the tests to PostgreSQL.
pub const POSTGRES_URL_VAR: &str = "ALLYSHARE_TEST_POSTGRES_URL";

/// Whether this run is on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os(POSTGRES_URL_VAR).is_some_and(|v| !v.is_empty())
}

/// A database the tests look into ([`scalar`], [`text`], [`rows`], [`execute`]): a
/// [`TestServer`]'s, or a [`TestDatabase`] a test opens the server's parts on itself.
pub trait HasDatabase {
    /// The PostgreSQL database's URL, when on PostgreSQL.
    fn pg_url(&self) -> Option<&str>;
    /// The SQLite file, when on SQLite.
    fn sqlite_file(&self) -> PathBuf;
}

impl HasDatabase for TestServer {
    fn pg_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|pg| pg.url.as_str())
    }

    fn sqlite_file(&self) -> PathBuf {
        self.db_path()
    }
}

impl<T: HasDatabase> HasDatabase for Arc<T> {
    fn pg_url(&self) -> Option<&str> {
        T::pg_url(self)
    }

    fn sqlite_file(&self) -> PathBuf {
        T::sqlite_file(self)
    }
}

/// A fresh database for a test that opens the repository or an [`App`] itself: a SQLite file
/// in a temporary directory, or (under [`POSTGRES_URL_VAR`]) a PostgreSQL database of its own.
pub struct TestDatabase {
    pub dir: tempfile::TempDir,
    pub pg: Option<PgDatabase>,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let pg = if on_postgres() {
            Some(PgDatabase::create().await)
        } else {
            None
        };
        TestDatabase {
            dir: tempfile::tempdir().expect("temp dir"),
            pg,
        }
    }

    /// The database as `--db` (and [`Config::db_path`]) takes it.
    pub fn location(&self) -> PathBuf {
        db_location(&self.dir, self.pg.as_ref())
    }
}

impl HasDatabase for TestDatabase {
    fn pg_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|pg| pg.url.as_str())
    }

    fn sqlite_file(&self) -> PathBuf {
        self.location()
    }
}

/// A PostgreSQL database made for one test server: `url` names it; dropped (its connections
/// ended) when this is.
pub struct PgDatabase {
    pub url: String,
    admin_url: String,
    name: String,
    /// Whether dropping this drops the database (false for a second instance's handle: the
    /// first instance's drops it).
    owned: bool,
}

impl PgDatabase {
    /// A new, empty database on the server of `ALLYSHARE_TEST_POSTGRES_URL`.
    pub async fn create() -> PgDatabase {
        use rand::Rng;
        let admin_url = std::env::var(POSTGRES_URL_VAR).expect("ALLYSHARE_TEST_POSTGRES_URL");
        let name = format!("allyshare_test_{:016x}", rand::thread_rng().gen::<u64>());
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .expect("connect to ALLYSHARE_TEST_POSTGRES_URL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("CREATE DATABASE");
        admin.close().await;
        let url = with_database(&admin_url, &name);
        PgDatabase {
            url,
            admin_url,
            name,
            owned: true,
        }
    }

    /// The same database, for another server instance (dropping this leaves it).
    fn shared(&self) -> PgDatabase {
        PgDatabase {
            url: self.url.clone(),
            admin_url: self.admin_url.clone(),
            name: self.name.clone(),
            owned: false,
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside the test's runtime: a thread with its own does the work.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let admin = sqlx::PgPool::connect(&admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                Ok::<(), sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: the test database {} was not dropped", self.name);
        }
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// Starts with the test defaults, then `configure` applied (also on every restart).
    pub async fn start_with(configure: fn(&mut Config)) -> TestServer {
        let pg = if on_postgres() {
            Some(PgDatabase::create().await)
        } else {
            None
        };
        TestServer::start_on(pg, configure).await
    }

    /// On a SQLite file whichever the run's backend (a test that needs both, as `copy`'s).
    pub async fn start_sqlite() -> TestServer {
        TestServer::start_on(None, |_| {}).await
    }

    /// On this PostgreSQL database (dropped with the server), or on a SQLite file (`None`).
    pub async fn start_on(pg: Option<PgDatabase>, configure: fn(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = ManualClock::starting_now();
        let location = db_location(&dir, pg.as_ref());
        let (app, base, shutdown, task) = launch(&dir, &location, &clock, configure).await;
        TestServer {
            app,
            base,
            clock,
            dir,
            http: reqwest::Client::new(),
            configure,
            shutdown: Some(shutdown),
            task: Some(task),
            pg,
        }
    }

    /// A second server instance on the same PostgreSQL database, as a load balancer's second
    /// backend would be: its own process state (its own `App`, port, outbox and background
    /// tasks), the same database and the same clock and settings. `None` on SQLite, where one
    /// process serves a database file by design (a test says so and skips).
    pub async fn another_instance(&self) -> Option<TestServer> {
        let pg = self.pg.as_ref()?.shared();
        let dir = tempfile::tempdir().expect("temp dir");
        let location = db_location(&dir, Some(&pg));
        let (app, base, shutdown, task) =
            launch(&dir, &location, &self.clock, self.configure).await;
        Some(TestServer {
            app,
            base,
            clock: self.clock.clone(),
            dir,
            http: reqwest::Client::new(),
            configure: self.configure,
            shutdown: Some(shutdown),
            task: Some(task),
            pg: Some(pg),
        })
    }

    /// Stops the server (waiting for it to finish and closing the database), then starts a new
    /// one on the same database file and outbox, on a new port.
    pub async fn restart(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
        self.app.repo().close().await;
        let location = self.db_path();
        let (app, base, shutdown, task) =
            launch(&self.dir, &location, &self.clock, self.configure).await;
        self.app = app;
        self.base = base;
        self.shutdown = Some(shutdown);
        self.task = Some(task);
    }

    /// The database as `--db` takes it: the SQLite file, or the PostgreSQL URL.
    pub fn db_path(&self) -> PathBuf {
        db_location(&self.dir, self.pg.as_ref())
    }

    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    /// The newest link in the outbox that starts with this server's `path` (the last email's
    /// invitation, confirmation or accept link); panics when there is none.
    pub fn last_link(&self, path: &str) -> String {
        let prefix = format!("{}{path}", self.base);
        let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(self.outbox())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| {
                (
                    e.metadata().unwrap().modified().unwrap(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        mails.sort();
        mails
            .iter()
            .flat_map(|(_, m)| m.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .rfind(|w| w.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {path} link"))
    }

    pub async fn invite(&self, network: &str, email: &str, name: &str, role: Role) -> Invited {
        self.app
            .invite(&InviteRequest {
                network: network.to_string(),
                email: email.to_string(),
                name: name.to_string(),
                role,
            })
            .await
            .expect("invite")
    }

    pub async fn get_page(&self, link: &str) -> (StatusCode, String) {
        let response = self.http.get(link).send().await.expect("GET page");
        let status = response.status();
        (status, response.text().await.expect("page body"))
    }

    /// Posts `form` to `link` the way the page's own form does: with the browser's form cookie
    /// (from a GET of the same link) and its token in the `form_token` field, as a client that
    /// sends no `Origin` or `Sec-Fetch-Site` (the form token alone must do).
    pub async fn post_form(&self, link: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let (cookie, token) = self.form_cookie(link).await;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("form_token", &token));
        self.post_form_with(link, &fields, &[("cookie", &cookie)])
            .await
    }

    /// The raw answer to the Get Started form, sent as the page's own form is.
    pub async fn accept_response(&self, link: &str, password: &str) -> reqwest::Response {
        let (cookie, token) = self.form_cookie(link).await;
        self.http
            .post(link)
            .header("cookie", cookie)
            .form(&[
                ("password", password),
                ("password_confirm", password),
                ("terms", "accepted"),
                ("form_token", &token),
            ])
            .send()
            .await
            .expect("POST")
    }

    /// The form cookie a GET of `link` sets (`name=value`), and its value.
    pub async fn form_cookie(&self, link: &str) -> (String, String) {
        let response = self.http.get(link).send().await.expect("GET page");
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("allyshare_form="))
            .expect("the page sets a form cookie")
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let token = cookie.split_once('=').unwrap().1.to_string();
        (cookie, token)
    }

    /// A form post with exactly these fields and headers.
    pub async fn post_form_with(
        &self,
        link: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut request = self.http.post(link).form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("POST");
        let status = response.status();
        (status, response.text().await.expect("page body"))
    }

    pub async fn accept(&self, link: &str, password: &str) -> (StatusCode, String) {
        self.post_form(
            link,
            &[
                ("password", password),
                ("password_confirm", password),
                ("terms", "accepted"),
            ],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/sessions", self.base))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("sign in")
    }

    pub async fn tokens(&self, email: &str, password: &str) -> SessionTokens {
        let response = self.sign_in(email, password).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("tokens")
    }

    pub async fn me(&self, access_token: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/v1/me", self.base))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("me")
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/sessions/refresh", self.base))
            .json(&json!({ "refresh_token": refresh_token }))
            .send()
            .await
            .expect("refresh")
    }
}

/// A signed-in member of a network.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub network_id: i64,
    pub token: String,
    pub email: String,
}

impl TestServer {
    /// Invites, accepts (with [`GOOD_PASSWORD`]) and signs in.
    pub async fn member(&self, network: &str, email: &str, name: &str, role: Role) -> Member {
        let invited = self.invite(network, email, name, role).await;
        let (status, page) = self.accept(&invited.link, GOOD_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let tokens = self.tokens(email, GOOD_PASSWORD).await;
        let me: allyshare_protocol::Me = self.me(&tokens.access_token).await.json().await.unwrap();
        Member {
            id: me.person.id,
            network_id: invited.network_id,
            token: tokens.access_token,
            email: email.to_string(),
        }
    }

    /// An ally of `network` with sharing turned on.
    pub async fn sharing_ally(&self, network: &str, email: &str, name: &str) -> Member {
        let ally = self.member(network, email, name, Role::Ally).await;
        let response = self
            .call(
                reqwest::Method::PUT,
                &format!("/v1/networks/{}/sharing", ally.network_id),
                Some(&ally.token),
                Some(json!({ "sharing": true })),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        ally
    }

    /// Any request to `path` (relative to the server), with a bearer token and a JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// A request that must answer `status`; returns the JSON body (null when empty).
    pub async fn expect(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
        status: StatusCode,
    ) -> serde_json::Value {
        let response = self.call(method.clone(), path, token, body).await;
        let got = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{method} {path}: {text}");
        if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        }
    }
}

impl TestServer {
    /// Opens a sync session of `kind` (`delta` or `full`); its id.
    pub async fn open_sync_session(&self, token: &str, kind: &str) -> i64 {
        self.expect(
            reqwest::Method::POST,
            "/v1/sync/sessions",
            Some(token),
            Some(json!({ "kind": kind })),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("session id")
    }

    /// Uploads `contacts` into the open session, in batches of 500 numbered from 0; how many
    /// batches.
    pub async fn upload_batches(
        &self,
        token: &str,
        session: i64,
        contacts: &[serde_json::Value],
    ) -> usize {
        let batches: Vec<&[serde_json::Value]> = contacts.chunks(500).collect();
        for (seq, batch) in batches.iter().enumerate() {
            self.expect(
                reqwest::Method::PUT,
                &format!("/v1/sync/sessions/{session}/batches/{seq}"),
                Some(token),
                Some(json!({ "contacts": batch })),
                StatusCode::OK,
            )
            .await;
        }
        batches.len()
    }

    /// Uploads `contacts` in one sync session of `kind` (`delta` or `full`), in batches of
    /// 500, and commits it; the commit's result.
    pub async fn sync_contacts(
        &self,
        token: &str,
        kind: &str,
        contacts: &[serde_json::Value],
    ) -> serde_json::Value {
        let session = self.open_sync_session(token, kind).await;
        let batch_count = self.upload_batches(token, session, contacts).await;
        self.expect(
            reqwest::Method::POST,
            &format!("/v1/sync/sessions/{session}/commit"),
            Some(token),
            Some(json!({ "batch_count": batch_count })),
            StatusCode::OK,
        )
        .await
    }
}

pub async fn api_error(response: reqwest::Response, status: StatusCode) -> ApiError {
    assert_eq!(response.status(), status);
    response.json().await.expect("ApiError body")
}

pub async fn assert_unauthorized(response: reqwest::Response, code: ErrorCode) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let error: ApiError = response.json().await.expect("ApiError body");
    assert_eq!(error.code, code);
}

pub fn h1(page: &str) -> &str {
    page.split("<h1>")
        .nth(1)
        .and_then(|rest| rest.split("</h1>").next())
        .unwrap_or("")
}

/// What the e2e suite does with `https?://\S+/invite/[A-Za-z0-9_-]+` on the raw .eml.
pub fn links_in(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == '"') {
        if !(word.starts_with("http://") || word.starts_with("https://")) {
            continue;
        }
        if let Some(at) = word.rfind("/invite/") {
            let token: String = word[at + 8..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !token.is_empty() {
                links.push(format!("{}/invite/{token}", &word[..at]));
            }
        }
    }
    links
}

pub fn read_eml(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read .eml")
}
fn db_location(dir: &tempfile::TempDir, pg: Option<&PgDatabase>) -> PathBuf {
    match pg {
        Some(pg) => PathBuf::from(&pg.url),
        None => dir.path().join("test.db"),
    }
}

async fn launch(
    dir: &tempfile::TempDir,
    location: &Path,
    clock: &ManualClock,
    configure: fn(&mut Config),
) -> (
    App,
    String,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    // ALLYSHARE_TEST_LOG=1 shows the server's log (why a request failed) in the test output.
    if std::env::var_os("ALLYSHARE_TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let mut config = Config::new(location, dir.path().join("outbox"), &base);
    config.hash_cost = HashCost::InsecureFastForTests;
    config.clock = Arc::new(clock.clone());
    config.extension_url = "https://example.org/add-to-chrome?x=1&y=2".to_string();
    configure(&mut config);
    let app = App::open(config).await.expect("open app");
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn({
        let app = app.clone();
        async move {
            serve_app(listener, app, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        }
    });
    (app, base, tx, task)
}

/// A minimal SMTP server on loopback (the one mock here: no outside SMTP server can run in a
/// test): takes every message and hands each (recipient, raw DATA) to the channel. With
/// `turn_first_away`, the first connection gets a temporary error (421) instead.
pub async fn smtp_listener(
    turn_first_away: bool,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut first = turn_first_away;
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            if std::mem::take(&mut first) {
                let _ = socket.write_all(b"421 busy, try again later\r\n").await;
                continue;
            }
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut rcpt = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        rcpt = line[8..].trim().to_string();
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        tx.send((rcpt.clone(), data)).unwrap();
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, rx)
}
