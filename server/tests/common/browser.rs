//! The console as a browser uses it, for the console's integration tests: a cookie jar, no
//! redirects followed, every form sent with the form token as the pages' forms do; and a
//! look into the database itself, to check that a refused request changed nothing.

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::StatusCode;

use super::{HasDatabase, TestServer, GOOD_PASSWORD};

/// A browser of the console: keeps its cookies, follows no redirect, and sends every form with
/// the form token (as the pages' own forms do).
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `Set-Cookie` header for `name`, whole.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        Browser {
            base: server.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookie(&self, suffix: &str) -> Option<String> {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .find(|(k, _)| k.ends_with(suffix))
            .map(|(_, v)| v.clone())
    }

    pub fn set_cookie_value(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_string(), value.to_string());
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("request");
        let headers = response.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, v) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if v.is_empty() || value.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_string(), v.to_string());
            }
        }
        Answer {
            status: response.status(),
            headers,
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// A form as a page sends it: a GET of a page first if there is no form cookie yet.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        if self.cookie("allyshare_form").is_none() {
            self.get("/admin/sign-in").await;
        }
        let token = self.cookie("allyshare_form").unwrap();
        let mut fields = fields.to_vec();
        fields.push(("form_token", &token));
        self.send(self.http.post(format!("{}{path}", self.base)).form(&fields))
            .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Answer {
        self.post(
            "/admin/sign-in",
            &[("email", email), ("password", password), ("next", "")],
        )
        .await
    }

    /// Signs in with [`GOOD_PASSWORD`], which must work.
    pub async fn signed_in(server: &TestServer, email: &str) -> Browser {
        let browser = Browser::new(server);
        let answer = browser.sign_in(email, GOOD_PASSWORD).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        browser
    }
}

/// The server's SQLite file (the tests that use it run on SQLite only; [`scalar`] and
/// [`execute`] read either backend).
pub async fn db(server: &impl HasDatabase) -> sqlx::SqlitePool {
    assert!(
        server.pg_url().is_none(),
        "db(): a SQLite-only helper, on PostgreSQL"
    );
    sqlx::SqlitePool::connect(&format!("sqlite:{}", server.sqlite_file().display()))
        .await
        .unwrap()
}

/// The one integer `sql` answers, from the server's database, whichever the backend (write
/// `sql` in the SQL both understand: no placeholders, `COUNT(*)`, `MAX(id)`).
pub async fn scalar(server: &impl HasDatabase, sql: &str) -> i64 {
    if let Some(url) = server.pg_url() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        return n;
    }
    let pool = db(server).await;
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

/// The one text (or null) `sql` answers, from the server's database, whichever the backend.
pub async fn text(server: &impl HasDatabase, sql: &str) -> Option<String> {
    if let Some(url) = server.pg_url() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let v = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        return v;
    }
    let pool = db(server).await;
    let v = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    v
}

/// The rows `sql` answers, each column as text (integers written out, null as `None`), from
/// the server's database, whichever the backend. `sql` takes its integer `binds` as `?`
/// placeholders (numbered for PostgreSQL here).
pub async fn rows(server: &impl HasDatabase, sql: &str, binds: &[i64]) -> Vec<Vec<Option<String>>> {
    use sqlx::Row;
    fn cell<'r, R: Row>(row: &'r R, i: usize) -> Option<String>
    where
        usize: sqlx::ColumnIndex<R>,
        Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    {
        match row.try_get::<Option<String>, _>(i) {
            Ok(v) => v,
            Err(_) => row
                .try_get::<Option<i64>, _>(i)
                .expect("a text or integer column")
                .map(|n| n.to_string()),
        }
    }
    if let Some(url) = server.pg_url() {
        let mut numbered = String::new();
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                numbered.push_str(&format!("${n}"));
            } else {
                numbered.push(c);
            }
        }
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let mut q = sqlx::query(&numbered);
        for b in binds {
            q = q.bind(*b);
        }
        let found = q.fetch_all(&pool).await.unwrap();
        pool.close().await;
        return found
            .iter()
            .map(|r| (0..r.columns().len()).map(|i| cell(r, i)).collect())
            .collect();
    }
    let pool = db(server).await;
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    let found = q.fetch_all(&pool).await.unwrap();
    pool.close().await;
    found
        .iter()
        .map(|r| (0..r.columns().len()).map(|i| cell(r, i)).collect())
        .collect()
}

/// Runs `sql` (no placeholders) on the server's database, whichever the backend; how many
/// rows it changed.
pub async fn execute(server: &impl HasDatabase, sql: &str) -> u64 {
    if let Some(url) = server.pg_url() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let n = sqlx::query(sql)
            .execute(&pool)
            .await
            .unwrap()
            .rows_affected();
        pool.close().await;
        return n;
    }
    let pool = db(server).await;
    let n = sqlx::query(sql)
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    pool.close().await;
    n
}
