//! `allyshare-server copy --from FILE --to postgres://…`: moves a SQLite database into an
//! empty PostgreSQL one, for a server that outgrows one machine (README: *Outgrowing one
//! machine*).
//!
//! Why it is generic: the list of tables and their columns is read from the two schemas
//! themselves (SQLite's `sqlite_master` and `pragma_table_info`, PostgreSQL's catalog after
//! its schema is applied), never kept by hand, so a table or column a future migration adds
//! to both backends is copied without touching this file. What the copy does not know stops
//! it before anything is written: a table on one side only and not in [`SQLITE_ONLY`] (a
//! migration written for one backend and forgotten for the other), a column on one side only,
//! a column type it cannot carry.
//!
//! What it checks, in order, before it writes:
//! 1. the source's migrations are exactly this server's, all applied, and migration 0017's
//!    re-derivation queue is empty. It refuses otherwise rather than migrating: the source is
//!    opened read-only, so a copy never changes the file it is moving away from (the operator
//!    keeps it as it was, as a fallback), and a file from a newer server cannot be read right
//!    by an older one anyway. `serve` on the file once brings it up to date;
//! 2. the target holds nothing: no table but this server's, every one of them empty (else
//!    refused before the schema is applied, so a refused copy changes nothing); then the
//!    schema is applied (`server/migrations-postgres/`) and the tables are locked and checked
//!    empty again inside the copy's transaction;
//! 3. the two schemas have the same tables (but [`SQLITE_ONLY`]) with the same columns.
//!
//! Then every table is copied in foreign-key order (parents first, from PostgreSQL's
//! constraints), ids kept, streamed from one read transaction of SQLite (a consistent
//! snapshot) in batches of [`BATCH_ROWS`] rows (`INSERT … SELECT FROM UNNEST` of one array per
//! column), all in one PostgreSQL transaction: all or nothing. Each table's count in
//! PostgreSQL must equal the rows read (a trigger that also fills a copied table would show
//! there). Finally every identity column's sequence is moved past the table's largest id, so
//! the next row PostgreSQL numbers does not collide with a copied one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use futures_util::TryStreamExt;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row};

/// Rows per `INSERT` into PostgreSQL.
pub const BATCH_ROWS: usize = 2_000;

/// SQLite tables that have no PostgreSQL twin, and why each is not copied. A SQLite table not
/// listed here and not in PostgreSQL's schema stops the copy.
pub const SQLITE_ONLY: &[(&str, &str)] = &[
    (
        "contacts_fts",
        "the contacts search's FTS5 index (and its shadow tables contacts_fts_*): PostgreSQL \
         answers the search from its own trigram index (contact_search_indexed), written from \
         the copied contacts once the server runs",
    ),
    (
        "contact_search_ids",
        "the search's narrow rows, with the integer row ids FTS5 needs (contacts is a WITHOUT \
         ROWID table): PostgreSQL's twin (contact_search_indexed) is written by its indexer \
         from the copied contacts",
    ),
    (
        "contact_search_unindexed",
        "the FTS5 indexer's queue of rows committed but not yet indexed: PostgreSQL keeps its \
         own queue (contact_search_pending), filled as the contacts are copied",
    ),
    (
        "contact_rederive",
        "migration 0017's queue of rows whose search words and hash are re-derived at start: \
         the copy refuses a source where it is not empty",
    ),
];

/// PostgreSQL tables that have no SQLite twin, and why nothing is copied into them. A
/// PostgreSQL table not listed here and not in SQLite's schema stops the copy.
pub const POSTGRES_ONLY: &[(&str, &str)] = &[
    (
        "token_buckets",
        "the sign-in, reset and join throttles and the write budgets shared by several \
         instances: on SQLite they live in the one process's memory, so there is nothing to \
         move (the buckets start full, as after a restart)",
    ),
    (
        "server_secrets",
        "the key the shared token buckets are hashed under, made by the first instance that \
         starts on the database: SQLite's is per process and never stored",
    ),
    (
        "contact_search_indexed",
        "the contacts search's narrow copy of each contact row, with its trigram and order \
         indexes: written by the server's indexer from the copied contacts (SQLite's twins: \
         contact_search_ids and its FTS5 index)",
    ),
    (
        "contact_search_pending",
        "the allies whose contacts the trigram index has not caught up with: filled by \
         PostgreSQL's triggers as the contacts are copied",
    ),
];

/// Tables in both schemas that are not copied: PostgreSQL derives them itself as the copied
/// rows arrive, and the copy compares its count with the source's.
pub const DERIVED: &[(&str, &str)] = &[(
    "network_contacts",
    "each network's view of its contacts, kept by triggers on contacts and memberships on both \
     backends: PostgreSQL's rebuild it from the copied rows",
)];

/// Among the tables that are ready (their parents copied), these go first: `contacts` before
/// `memberships`, so the sharing allies' memberships build `network_contacts` from their
/// contacts in one statement each (the trigger on `memberships`), not one row at a time.
const EARLY: &[&str] = &["contacts"];

/// The migrations tables of both sides, the backends' own bookkeeping.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Why a copy was refused or failed. Nothing was written to the target in any case (the copy
/// is one transaction), except that a sequence may have moved past ids that were never used.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("{0:?} is not a PostgreSQL URL: give --to postgres://user@host/database")]
    NotPostgres(String),
    #[error(
        "cannot connect to the PostgreSQL database: {0} (check the URL, and that the server \
         accepts connections from here)"
    )]
    Connect(sqlx::Error),
    #[error("cannot open the SQLite file {path}: {source} (is it the server's --db file?)")]
    OpenSource { path: String, source: sqlx::Error },
    #[error(
        "{0} has no migrations table: it is not an AllyShare database (give the file `serve --db` uses)"
    )]
    NotAllyShare(String),
    #[error(
        "the SQLite database is not up to date: migration {version} ({description}) is not \
         applied. Start `allyshare-server serve --db` on it once (it migrates at start), stop it, \
         then copy again"
    )]
    SourceBehind { version: i64, description: String },
    #[error(
        "the SQLite database has migration {0}, which this server does not know: copy with the \
         server version that wrote it"
    )]
    SourceAhead(i64),
    #[error(
        "migration {0} of the SQLite database differs from this server's (checksum): it was \
         written by another build; copy with that build"
    )]
    SourceChecksum(i64),
    #[error(
        "the SQLite database still has {0} contacts to re-derive (migration 0017): start \
         `allyshare-server serve --db` on it once until it logs that it is ready, stop it, then \
         copy again"
    )]
    RederivePending(i64),
    #[error(
        "the target database is not empty ({0}): copy into a new, empty database \
         (`createdb`); nothing was changed"
    )]
    TargetNotEmpty(String),
    #[error(
        "table {table} exists only in the {side} schema and the copy does not know it: a \
         migration added it to one backend only; add it to the other (or to copy::SQLITE_ONLY or \
         copy::POSTGRES_ONLY, with the reason). Nothing was copied"
    )]
    UnknownTable { table: String, side: &'static str },
    #[error(
        "table {table}: column {column} exists only in the {side} schema: a migration changed \
         one backend only. Nothing was copied"
    )]
    UnknownColumn {
        table: String,
        column: String,
        side: &'static str,
    },
    #[error(
        "table {table}, column {column}: PostgreSQL type {ty} is not one the copy carries \
         (bigint, text, bytea): teach copy.rs. Nothing was copied"
    )]
    UnknownType {
        table: String,
        column: String,
        ty: String,
    },
    #[error("the foreign keys between {0} form a cycle: the copy cannot order them")]
    Cycle(String),
    #[error(
        "table {table}: {read} rows read from SQLite but {written} in PostgreSQL (a trigger \
         that fills it too?). Nothing was copied"
    )]
    CountMismatch {
        table: String,
        read: u64,
        written: i64,
    },
    #[error("table {table}: {source}. Nothing was copied")]
    Table { table: String, source: sqlx::Error },
    #[error("database error: {0}. Nothing was copied")]
    Database(#[from] sqlx::Error),
    #[error("applying the PostgreSQL schema failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// What a copy did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Each copied table and its rows, in the order copied.
    pub tables: Vec<(String, u64)>,
    /// Each derived table: its rows in PostgreSQL after the copy, and in the source.
    pub derived: Vec<(String, i64, i64)>,
    /// The SQLite-only tables skipped, with their rows.
    pub skipped: Vec<(String, i64)>,
}

impl CopyReport {
    /// The report as the CLI prints it: one line per table.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .tables
            .iter()
            .map(|(t, n)| format!("{t:<28} {n:>10} rows copied"))
            .collect();
        for (t, got, had) in &self.derived {
            let note = if got == had {
                String::new()
            } else {
                format!(" (warning: the source had {had}: its view disagreed with its rows)")
            };
            lines.push(format!(
                "{t:<28} {got:>10} rows derived by PostgreSQL's triggers{note}"
            ));
        }
        for (t, n) in &self.skipped {
            lines.push(format!("{t:<28} {n:>10} rows skipped (SQLite only)"));
        }
        lines
    }
}

/// A column as the copy carries it: its name and how its values travel.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    name: String,
    ty: ColumnType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnType {
    Integer,
    Text,
    Bytes,
}

impl ColumnType {
    fn pg_array(self) -> &'static str {
        match self {
            ColumnType::Integer => "bigint[]",
            ColumnType::Text => "text[]",
            ColumnType::Bytes => "bytea[]",
        }
    }
}

/// One batch of one column's values.
enum Values {
    Integer(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
}

impl Values {
    fn new(ty: ColumnType) -> Values {
        match ty {
            ColumnType::Integer => Values::Integer(Vec::with_capacity(BATCH_ROWS)),
            ColumnType::Text => Values::Text(Vec::with_capacity(BATCH_ROWS)),
            ColumnType::Bytes => Values::Bytes(Vec::with_capacity(BATCH_ROWS)),
        }
    }
}

/// A PostgreSQL table of the schema: its columns (in their order) and identity column.
#[derive(Debug, Clone, Default)]
struct PgTable {
    columns: Vec<Column>,
    identity: Option<String>,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Whether `table` is one [`POSTGRES_ONLY`] names: never copied, and rows there (a server
/// started on the database once: its buckets' key) do not make the target "not empty".
fn postgres_only(table: &str) -> bool {
    POSTGRES_ONLY.iter().any(|(name, _)| *name == table)
}

/// Whether `table` is SQLite's own or one [`SQLITE_ONLY`] names (with FTS5's shadow tables).
fn sqlite_only(table: &str) -> bool {
    SQLITE_ONLY.iter().any(|(name, _)| {
        table == *name || (*name == "contacts_fts" && table.starts_with("contacts_fts_"))
    })
}

/// Copies the SQLite database `source` into the empty PostgreSQL database `target` (see the
/// module's documentation for what it checks first). `progress` hears of each table once it
/// is copied.
pub async fn copy(
    source: &Path,
    target: &str,
    mut progress: impl FnMut(&str, u64),
) -> Result<CopyReport, CopyError> {
    if !crate::db::pg::is_postgres_url(target) {
        return Err(CopyError::NotPostgres(target.to_string()));
    }
    // The source, read-only: the copy never changes the file it moves away from.
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|e| open_error(source, e))?
        .filename(source)
        .read_only(true)
        .create_if_missing(false);
    let mut sqlite = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| open_error(source, e))?;
    // One read transaction: every table from the same snapshot, even if a server still writes.
    let mut read = sqlite.begin().await?;
    check_source_migrations(&mut read, source).await?;
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contact_rederive")
        .fetch_one(&mut *read)
        .await?;
    if pending > 0 {
        return Err(CopyError::RederivePending(pending));
    }
    let sqlite_tables = sqlite_schema(&mut read).await?;

    // One connection first, for the real reason when the server cannot be reached (the pool
    // would only say it timed out).
    sqlx::PgConnection::connect(target)
        .await
        .map_err(CopyError::Connect)?
        .close()
        .await?;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(target)
        .await?;
    let result = copy_into(&mut read, &sqlite_tables, &pool, &mut progress).await;
    pool.close().await;
    result
}

fn open_error(source: &Path, source_error: sqlx::Error) -> CopyError {
    CopyError::OpenSource {
        path: source.display().to_string(),
        source: source_error,
    }
}

async fn copy_into(
    read: &mut sqlx::SqliteConnection,
    sqlite_tables: &BTreeMap<String, BTreeSet<String>>,
    pool: &sqlx::PgPool,
    progress: &mut impl FnMut(&str, u64),
) -> Result<CopyReport, CopyError> {
    // Before the schema is applied: a database with anything in it is refused untouched.
    let existing = pg_table_names(pool).await?;
    if !existing.is_empty() && !existing.contains(MIGRATIONS_TABLE) {
        return Err(CopyError::TargetNotEmpty(format!(
            "it holds tables that are not AllyShare's: {}",
            existing
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut holding = Vec::new();
    for table in existing
        .iter()
        .filter(|t| *t != MIGRATIONS_TABLE && !postgres_only(t))
    {
        if pg_has_rows(&mut *pool.acquire().await?, table).await? {
            holding.push(table.clone());
        }
    }
    if !holding.is_empty() {
        return Err(not_empty(&holding));
    }
    sqlx::migrate!("./migrations-postgres").run(pool).await?;

    let pg_tables = pg_schema(pool).await?;
    let order = check_schemas(sqlite_tables, &pg_tables, pool).await?;

    let mut tx = pool.begin().await?;
    let every: Vec<String> = pg_tables.keys().map(|t| quote(t)).collect();
    sqlx::query(&format!(
        "LOCK TABLE {} IN EXCLUSIVE MODE",
        every.join(", ")
    ))
    .execute(&mut *tx)
    .await?;
    let mut holding = Vec::new();
    for table in pg_tables.keys().filter(|t| !postgres_only(t)) {
        if pg_has_rows(&mut tx, table).await? {
            holding.push(table.clone());
        }
    }
    if !holding.is_empty() {
        return Err(not_empty(&holding));
    }

    let mut report = CopyReport::default();
    for table in &order {
        let columns = &pg_tables[table].columns;
        let read_rows = copy_table(read, &mut tx, table, columns).await?;
        let written: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(table)))
            .fetch_one(&mut *tx)
            .await?;
        if written != read_rows as i64 {
            return Err(CopyError::CountMismatch {
                table: table.clone(),
                read: read_rows,
                written,
            });
        }
        progress(table, read_rows);
        report.tables.push((table.clone(), read_rows));
    }
    for (table, _) in DERIVED {
        let got: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(table)))
            .fetch_one(&mut *tx)
            .await?;
        let had: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(table)))
            .fetch_one(&mut *read)
            .await?;
        report.derived.push((table.to_string(), got, had));
    }
    for table in sqlite_tables.keys().filter(|t| sqlite_only(t)) {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(table)))
            .fetch_one(&mut *read)
            .await?;
        report.skipped.push((table.clone(), n));
    }
    // Past every copied id: `setval(seq, max)` makes the next value max + 1; an empty table's
    // sequence starts at 1.
    for (table, info) in &pg_tables {
        if let Some(id) = &info.identity {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({col}), 1), \
                 MAX({col}) IS NOT NULL) FROM {tbl}",
                col = quote(id),
                tbl = quote(table)
            ))
            .bind(quote(table))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(report)
}

/// The refusal for tables holding rows.
fn not_empty(tables: &[String]) -> CopyError {
    CopyError::TargetNotEmpty(format!("rows in {}", tables.join(", ")))
}

async fn pg_has_rows(conn: &mut sqlx::PgConnection, table: &str) -> Result<bool, CopyError> {
    Ok(
        sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {})", quote(table)))
            .fetch_one(conn)
            .await?,
    )
}

/// The source's migrations must be exactly this server's, every one applied.
async fn check_source_migrations(
    read: &mut sqlx::SqliteConnection,
    source: &Path,
) -> Result<(), CopyError> {
    let has_table: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *read)
    .await?;
    if has_table == 0 {
        return Err(CopyError::NotAllyShare(source.display().to_string()));
    }
    let applied: Vec<(i64, bool, Vec<u8>)> =
        sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations")
            .fetch_all(&mut *read)
            .await?;
    let applied: BTreeMap<i64, (bool, Vec<u8>)> = applied
        .into_iter()
        .map(|(v, ok, sum)| (v, (ok, sum)))
        .collect();
    let known = sqlx::migrate!("./migrations");
    for migration in known
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
    {
        match applied.get(&migration.version) {
            Some((true, sum)) if sum[..] == migration.checksum[..] => {}
            Some((true, _)) => return Err(CopyError::SourceChecksum(migration.version)),
            _ => {
                return Err(CopyError::SourceBehind {
                    version: migration.version,
                    description: migration.description.to_string(),
                })
            }
        }
    }
    if let Some(version) = applied
        .keys()
        .find(|v| !known.iter().any(|m| m.version == **v))
    {
        return Err(CopyError::SourceAhead(*version));
    }
    Ok(())
}

/// SQLite's tables (its own and the migrations table left out) and their columns.
async fn sqlite_schema(
    read: &mut sqlx::SqliteConnection,
) -> Result<BTreeMap<String, BTreeSet<String>>, CopyError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' \
         ESCAPE '\\' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *read)
    .await?;
    let mut tables = BTreeMap::new();
    for name in names {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(&name)
            .fetch_all(&mut *read)
            .await?;
        tables.insert(name, columns.into_iter().collect());
    }
    Ok(tables)
}

async fn pg_table_names(pool: &sqlx::PgPool) -> Result<BTreeSet<String>, CopyError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(pool)
    .await?;
    Ok(names.into_iter().collect())
}

/// PostgreSQL's tables (the migrations table left out): columns in order, identity column.
async fn pg_schema(pool: &sqlx::PgPool) -> Result<BTreeMap<String, PgTable>, CopyError> {
    let rows = sqlx::query(
        "SELECT c.table_name::text AS t, c.column_name::text AS c, c.data_type::text AS ty, \
                c.is_identity::text AS ident \
         FROM information_schema.columns c \
         JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '_sqlx_migrations' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(pool)
    .await?;
    let mut tables: BTreeMap<String, PgTable> = BTreeMap::new();
    for row in rows {
        let table: String = row.try_get("t")?;
        let column: String = row.try_get("c")?;
        let ty: String = row.try_get("ty")?;
        let ty = match ty.as_str() {
            "bigint" | "integer" | "smallint" => ColumnType::Integer,
            "text" => ColumnType::Text,
            "bytea" => ColumnType::Bytes,
            _ => return Err(CopyError::UnknownType { table, column, ty }),
        };
        let entry = tables.entry(table).or_default();
        if row.try_get::<String, _>("ident")? == "YES" {
            entry.identity = Some(column.clone());
        }
        entry.columns.push(Column { name: column, ty });
    }
    Ok(tables)
}

/// The two schemas must agree: the same tables (but [`SQLITE_ONLY`]), each with the same
/// columns. Returns the tables to copy in foreign-key order (parents first).
async fn check_schemas(
    sqlite: &BTreeMap<String, BTreeSet<String>>,
    pg: &BTreeMap<String, PgTable>,
    pool: &sqlx::PgPool,
) -> Result<Vec<String>, CopyError> {
    for table in sqlite.keys() {
        if !pg.contains_key(table) && !sqlite_only(table) {
            return Err(CopyError::UnknownTable {
                table: table.clone(),
                side: "SQLite",
            });
        }
    }
    for (table, info) in pg {
        if postgres_only(table) {
            continue;
        }
        let Some(columns) = sqlite.get(table) else {
            return Err(CopyError::UnknownTable {
                table: table.clone(),
                side: "PostgreSQL",
            });
        };
        if sqlite_only(table) {
            return Err(CopyError::UnknownTable {
                table: table.clone(),
                side: "PostgreSQL (listed as SQLite only)",
            });
        }
        for column in &info.columns {
            if !columns.contains(&column.name) {
                return Err(CopyError::UnknownColumn {
                    table: table.clone(),
                    column: column.name.clone(),
                    side: "PostgreSQL",
                });
            }
        }
        for column in columns {
            if !info.columns.iter().any(|c| &c.name == column) {
                return Err(CopyError::UnknownColumn {
                    table: table.clone(),
                    column: column.clone(),
                    side: "SQLite",
                });
            }
        }
    }
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint \
         WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
    )
    .fetch_all(pool)
    .await?;
    let copied: BTreeSet<String> = pg
        .keys()
        .filter(|t| !DERIVED.iter().any(|(d, _)| d == t))
        .filter(|t| !postgres_only(t))
        .cloned()
        .collect();
    let unquote = |name: String| name.trim_matches('"').to_string();
    foreign_key_order(
        &copied,
        edges
            .into_iter()
            .map(|(child, parent)| (unquote(child), unquote(parent))),
    )
}

/// `tables` sorted so that each comes after the tables it references (`(child, parent)`
/// edges); among those ready, [`EARLY`] first, then by name.
fn foreign_key_order(
    tables: &BTreeSet<String>,
    edges: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<String>, CopyError> {
    let mut parents: BTreeMap<&str, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for (child, parent) in edges {
        if child != parent && tables.contains(&parent) {
            if let Some(p) = parents.get_mut(child.as_str()) {
                p.insert(parent);
            }
        }
    }
    let mut order: Vec<String> = Vec::with_capacity(tables.len());
    while order.len() < tables.len() {
        let mut ready: Vec<&str> = parents
            .iter()
            .filter(|(t, p)| !order.iter().any(|o| o == *t) && p.iter().all(|p| order.contains(p)))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            let left: Vec<&str> = parents
                .keys()
                .copied()
                .filter(|t| !order.iter().any(|o| o == t))
                .collect();
            return Err(CopyError::Cycle(left.join(", ")));
        }
        ready.sort_by_key(|t| (!EARLY.contains(t), *t));
        order.push(ready[0].to_string());
    }
    Ok(order)
}

/// Streams one table from SQLite into PostgreSQL; the rows read.
async fn copy_table(
    read: &mut sqlx::SqliteConnection,
    tx: &mut sqlx::PgConnection,
    table: &str,
    columns: &[Column],
) -> Result<u64, CopyError> {
    let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let select = format!("SELECT {} FROM {}", names.join(", "), quote(table));
    let unnest: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + 1, c.ty.pg_array()))
        .collect();
    let insert = format!(
        "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
        quote(table),
        names.join(", "),
        unnest.join(", ")
    );
    let failed = |source: sqlx::Error| CopyError::Table {
        table: table.to_string(),
        source,
    };
    let mut batch: Vec<Values> = columns.iter().map(|c| Values::new(c.ty)).collect();
    let mut in_batch = 0usize;
    let mut total = 0u64;
    let mut rows = sqlx::query(&select).fetch(&mut *read);
    while let Some(row) = rows.try_next().await.map_err(failed)? {
        for (i, values) in batch.iter_mut().enumerate() {
            match values {
                Values::Integer(v) => v.push(row.try_get(i).map_err(failed)?),
                Values::Text(v) => v.push(row.try_get(i).map_err(failed)?),
                Values::Bytes(v) => v.push(row.try_get(i).map_err(failed)?),
            }
        }
        in_batch += 1;
        total += 1;
        if in_batch == BATCH_ROWS {
            flush(tx, &insert, &mut batch, columns)
                .await
                .map_err(failed)?;
            in_batch = 0;
        }
    }
    if in_batch > 0 {
        flush(tx, &insert, &mut batch, columns)
            .await
            .map_err(failed)?;
    }
    Ok(total)
}

async fn flush(
    tx: &mut sqlx::PgConnection,
    insert: &str,
    batch: &mut [Values],
    columns: &[Column],
) -> Result<(), sqlx::Error> {
    let mut query = sqlx::query(insert);
    for (values, column) in batch.iter_mut().zip(columns) {
        let full = std::mem::replace(values, Values::new(column.ty));
        query = match full {
            Values::Integer(v) => query.bind(v),
            Values::Text(v) => query.bind(v),
            Values::Bytes(v) => query.bind(v),
        };
    }
    query.execute(tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn edge(child: &str, parent: &str) -> (String, String) {
        (child.to_string(), parent.to_string())
    }

    #[test]
    fn parents_come_first_and_contacts_before_memberships() {
        let tables = set(&["memberships", "people", "networks", "contacts", "audit_log"]);
        let order = foreign_key_order(
            &tables,
            [
                edge("memberships", "people"),
                edge("memberships", "networks"),
                edge("contacts", "people"),
                edge("audit_log", "networks"),
                edge("audit_log", "people"),
            ],
        )
        .unwrap();
        assert_eq!(
            order,
            ["networks", "people", "contacts", "audit_log", "memberships"]
        );
    }

    #[test]
    fn a_cycle_is_refused() {
        let tables = set(&["a", "b"]);
        let err = foreign_key_order(&tables, [edge("a", "b"), edge("b", "a")]).unwrap_err();
        assert!(
            matches!(err, CopyError::Cycle(ref t) if t == "a, b"),
            "{err}"
        );
    }

    #[test]
    fn fts5_shadow_tables_are_sqlite_only() {
        assert!(sqlite_only("contacts_fts"));
        assert!(sqlite_only("contacts_fts_data"));
        assert!(sqlite_only("contact_rederive"));
        assert!(!sqlite_only("contacts"));
    }
}
