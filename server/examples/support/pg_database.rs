//! A database of its own on a PostgreSQL server, for one run of a benchmark or the load test:
//! created with a random name from the server's URL (as `tools/pg-test.sh` gives it, or any
//! URL whose role may `CREATE DATABASE`), dropped at the end with its connections.

pub struct PgDatabase {
    /// The new database's URL (`--db` takes it).
    pub url: String,
    admin_url: String,
    name: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str, prefix: &str) -> PgDatabase {
        let name = format!("{prefix}_{:016x}", rand::random::<u64>());
        let admin = sqlx::PgPool::connect(admin_url)
            .await
            .expect("connecting to the PostgreSQL server");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("CREATE DATABASE");
        admin.close().await;
        PgDatabase {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_string(),
            name,
        }
    }

    /// Drops the database (ending the connections still open on it).
    pub async fn drop_now(self) {
        let admin = sqlx::PgPool::connect(&self.admin_url)
            .await
            .expect("connecting to the PostgreSQL server");
        let dropped = sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&admin)
        .await;
        if let Err(e) = dropped {
            eprintln!("warning: the database {} was not dropped: {e}", self.name);
        }
        admin.close().await;
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
