//! `allyshare-server`: run the reference backend, or invite someone from the command line.
//!
//! `serve` prints exactly one line to stdout once it is listening
//! (`allyshare-server listening on http://IP:PORT`), which scripts and end-to-end tests parse
//! to learn the port when started with `--addr 127.0.0.1:0`. Logs go to stderr.
//!
//! `invite` prints the Get Started link alone on the last line of stdout, so a developer can
//! open it without digging through the outbox.
//!
//! `copy` moves a SQLite file into an empty PostgreSQL database ([`allyshare_server::copy`])
//! and prints each table's rows.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use allyshare_protocol::Role;
use allyshare_server::db::members::Actor;
use allyshare_server::{
    mail, App, Config, InviteRequest, WriteBudget, DEFAULT_EXTENSION_URL, DEFAULT_MAIL_PER_MINUTE,
};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "allyshare-server",
    version,
    about = "AllyShare reference backend"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// The "Add to Chrome" link on the setup guide page.
        #[arg(long, env = "ALLYSHARE_EXTENSION_URL", default_value = DEFAULT_EXTENSION_URL)]
        extension_url: String,
        /// The extension's id (32 letters a-p): enables the hand-off that signs it in right
        /// after the invitation is accepted. Repeat it, or give a comma list, for several
        /// builds (the Chrome Web Store's and the Edge Add-ons' ids): the hand-off tries each.
        #[arg(long = "extension-id", env = "ALLYSHARE_EXTENSION_ID", value_delimiter = ',',
              value_parser = allyshare_server::handoff::parse_extension_id)]
        extension_ids: Vec<String>,
        #[command(flatten)]
        sync: SyncArgs,
        /// Most emails sent in any 60 seconds: every email (invitations from the API, CSV
        /// imports, re-sends) waits in the mail queue in the database until its turn.
        #[arg(long, env = "ALLYSHARE_MAIL_PER_MINUTE", default_value_t = DEFAULT_MAIL_PER_MINUTE,
              value_parser = clap::value_parser!(u32).range(1..))]
        mail_per_minute: u32,
    },
    /// Invite a person into a network (created if new) and send the email at once (it counts
    /// towards the server's mail rate, without waiting for it); prints the link.
    Invite {
        #[command(flatten)]
        common: Common,
        /// The network's name.
        #[arg(long)]
        network: String,
        /// The invitee's email address.
        #[arg(long)]
        email: String,
        /// The invitee's name, as the email and page greet them.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Ally)]
        role: RoleArg,
    },
    /// Invite everyone in a CSV file (columns: name, or first and last name; email) into an
    /// existing network, and print each row's outcome. The emails are queued: a running
    /// `serve` on the same database sends them at its --mail-per-minute.
    Import {
        #[command(flatten)]
        common: Common,
        /// The network's name.
        #[arg(long)]
        network: String,
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = RoleArg::Ally)]
        role: RoleArg,
    },
    /// List a network's invitations and their state.
    Invitations {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        network: String,
    },
    /// Revoke a pending invitation.
    Revoke {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        network: String,
        /// The invitation's id (see `invitations`).
        #[arg(long)]
        id: i64,
    },
    /// Queue today's "companies not ready" digest (for cron; the running server also sends it
    /// every day after 08:00 UTC): to each Network Admin who reviews introduction requests, the
    /// companies with requests waiting and no Company Admin. Once a day per network; sends
    /// the queued email before it returns.
    Digest {
        #[command(flatten)]
        common: Common,
    },
    /// Send a new link for an invitation not accepted or revoked (the old link stops working);
    /// the email is sent at once. At most 3 invitation emails an address a day.
    Resend {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        network: String,
        #[arg(long)]
        id: i64,
    },
    /// Copy a SQLite database (stop its server first) into an empty PostgreSQL one, in one
    /// transaction: every table, ids kept. Refuses a target that holds anything, and a source
    /// whose migrations are not exactly this server's (start `serve` on it once first).
    Copy {
        /// The SQLite file (`serve --db FILE`); read only, never changed.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database: `postgres://user@host/database` (its schema is applied).
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// The database: a SQLite file (created and migrated if needed) or a PostgreSQL URL,
    /// `postgres://user@host/db` (migrated if needed).
    #[arg(long, env = "ALLYSHARE_DB", default_value = "allyshare.db")]
    db: PathBuf,
    /// Address to listen on; port 0 picks a free one. `invite` uses it only for the default
    /// public URL.
    #[arg(long, env = "ALLYSHARE_ADDR", default_value = "127.0.0.1:8787")]
    addr: String,
    /// Directory the emails are written to, as .eml files.
    #[arg(long, env = "ALLYSHARE_OUTBOX", default_value = "outbox")]
    outbox: PathBuf,
    /// Base URL of this server as people reach it [default: http://<addr>].
    #[arg(long, env = "ALLYSHARE_PUBLIC_URL")]
    public_url: Option<String>,
    /// Sender of the emails.
    #[arg(long, env = "ALLYSHARE_MAIL_FROM", default_value = mail::DEFAULT_FROM)]
    mail_from: String,
    /// Send email through this SMTP server instead of the outbox: `smtp://host:port`,
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://host` (TLS).
    #[arg(long, env = "ALLYSHARE_SMTP_URL")]
    smtp_url: Option<String>,
}

/// How much contact sync each ally may do (the defaults suit production).
#[derive(Debug, Args)]
struct SyncArgs {
    /// Most contacts in one sync batch (published in `/v1/sync/limits`; at most 500).
    #[arg(long, env = "ALLYSHARE_SYNC_MAX_BATCH_ITEMS", default_value_t = allyshare_protocol::limits::BATCH_MAX_ITEMS as u32)]
    sync_max_batch_items: u32,
    /// Each ally's write budget: most cost spent at once (a batch costs its contacts + 10).
    #[arg(long, env = "ALLYSHARE_WRITE_BURST", default_value_t = WriteBudget::default().burst)]
    write_burst: u64,
    /// Each ally's write budget: cost refilled per second.
    #[arg(long, env = "ALLYSHARE_WRITE_PER_SECOND", default_value_t = WriteBudget::default().per_second)]
    write_per_second: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RoleArg {
    #[value(name = "ally")]
    Ally,
    #[value(name = "network_admin")]
    NetworkAdmin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Ally => Role::Ally,
            RoleArg::NetworkAdmin => Role::NetworkAdmin,
        }
    }
}

impl Common {
    fn config(&self, public_url: String) -> Config {
        let mut config = Config::new(&self.db, &self.outbox, public_url);
        config.mail_from = self.mail_from.clone();
        config.smtp_url = self.smtp_url.clone();
        config
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve {
            common,
            extension_url,
            extension_ids,
            sync,
            mail_per_minute,
        } => serve(common, extension_url, extension_ids, sync, mail_per_minute).await,
        Command::Invite {
            common,
            network,
            email,
            name,
            role,
        } => {
            invite(
                common,
                InviteRequest {
                    network,
                    email,
                    name,
                    role: role.into(),
                },
            )
            .await
        }
        Command::Import {
            common,
            network,
            file,
            role,
        } => import(common, network, file, role.into()).await,
        Command::Invitations { common, network } => list_invitations(common, network).await,
        Command::Revoke {
            common,
            network,
            id,
        } => revoke(common, network, id).await,
        Command::Resend {
            common,
            network,
            id,
        } => resend(common, network, id).await,
        Command::Digest { common } => digest(common).await,
        Command::Copy { from, to } => copy(from, to).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("allyshare-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    common: Common,
    extension_url: String,
    mut extension_ids: Vec<String>,
    sync: SyncArgs,
    mail_per_minute: u32,
) -> Result<(), String> {
    // The same id twice (a flag and the environment, say) is tried once.
    let mut seen = std::collections::HashSet::new();
    extension_ids.retain(|id| seen.insert(id.clone()));
    let listener = tokio::net::TcpListener::bind(&common.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", common.addr))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let public_url = common
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let mut config = common.config(public_url);
    config.extension_url = extension_url;
    config.extension_ids = extension_ids;
    config.mail_per_minute = mail_per_minute;
    config.max_batch_items = sync.sync_max_batch_items;
    config.write_budget = WriteBudget {
        burst: sync.write_burst,
        per_second: sync.write_per_second,
    };
    let app = App::open(config)
        .await
        .map_err(|e| format!("cannot open {}: {e}", common.db.display()))?;
    tracing::info!(db = %common.db.display(), outbox = %common.outbox.display(), public_url = app.public_url(), "ready");
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "allyshare-server listening on http://{local}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
    }
    allyshare_server::serve_app(listener, app, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Opens the app for a one-off command.
async fn open_app(common: &Common) -> Result<App, String> {
    let public_url = common
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", common.addr));
    App::open(common.config(public_url))
        .await
        .map_err(|e| format!("cannot open {}: {e}", common.db.display()))
}

async fn open_network(common: &Common, network: &str) -> Result<(App, i64), String> {
    let app = open_app(common).await?;
    let id = app
        .repo()
        .network_id(network)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no network is named {network:?}"))?;
    Ok((app, id))
}

fn print_invited(invited: &allyshare_server::Invited) {
    match &invited.email_path {
        Some(path) => println!("Email written to {}", path.display()),
        None => println!("Email sent."),
    }
    println!("The link works once and expires in 7 days:");
    println!("{}", invited.link);
}

async fn invite(common: Common, request: InviteRequest) -> Result<(), String> {
    let app = open_app(&common).await?;
    let invited = app.invite(&request).await.map_err(|e| e.to_string())?;
    println!(
        "Invited {} <{}> to {} as {}.",
        request.name.trim(),
        request.email.trim(),
        request.network.trim(),
        request.role.as_str()
    );
    print_invited(&invited);
    Ok(())
}

async fn import(common: Common, network: String, file: PathBuf, role: Role) -> Result<(), String> {
    let csv = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let (app, network_id) = open_network(&common, &network).await?;
    let report = app
        .import_invitations(network_id, Actor::Operator, &csv, role, None)
        .await
        .map_err(|e| e.to_string())?;
    for row in &report.rows {
        let outcome = serde_json::to_value(row.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        println!(
            "line {}\t{}\t{}\t{}{}",
            row.line,
            outcome,
            row.email,
            row.name,
            row.message
                .as_deref()
                .map(|m| format!("\t{m}"))
                .unwrap_or_default()
        );
    }
    println!(
        "{} invitations, {} rows; {} emails queued: a running server (`serve`) on this database \
         sends them, at most its --mail-per-minute.",
        report.sent,
        report.rows.len(),
        report.emails_queued
    );
    Ok(())
}

async fn digest(common: Common) -> Result<(), String> {
    let app = open_app(&common).await?;
    let networks = app.queue_digests(true).await.map_err(|e| e.to_string())?;
    let sent = app.send_queued_mail().await.map_err(|e| e.to_string())?;
    println!("Digests queued for {networks} network(s); {sent} email(s) sent.");
    Ok(())
}

async fn list_invitations(common: Common, network: String) -> Result<(), String> {
    let (app, network_id) = open_network(&common, &network).await?;
    let invitations = app
        .invitations(network_id)
        .await
        .map_err(|e| e.to_string())?;
    for inv in invitations {
        let state = serde_json::to_value(inv.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        println!(
            "{}\t{}\t{}\t{}\t{}",
            inv.id,
            state,
            inv.role.as_str(),
            inv.email,
            inv.name
        );
    }
    Ok(())
}

async fn revoke(common: Common, network: String, id: i64) -> Result<(), String> {
    let (app, network_id) = open_network(&common, &network).await?;
    app.revoke_invitation(Actor::Operator, network_id, id)
        .await
        .map_err(|e| e.to_string())?;
    println!("Revoked invitation {id}.");
    Ok(())
}

async fn resend(common: Common, network: String, id: i64) -> Result<(), String> {
    let (app, network_id) = open_network(&common, &network).await?;
    let invited = app
        .resend_invitation_now(network_id, id)
        .await
        .map_err(|e| e.to_string())?;
    print_invited(&invited);
    Ok(())
}

async fn copy(from: PathBuf, to: String) -> Result<(), String> {
    println!(
        "Copying {} into the PostgreSQL database (one transaction: all or nothing)…",
        from.display()
    );
    let report = allyshare_server::copy::copy(&from, &to, |table, rows| {
        eprintln!("copied {table}: {rows} rows");
    })
    .await
    .map_err(|e| e.to_string())?;
    for line in report.lines() {
        println!("{line}");
    }
    let total: u64 = report.tables.iter().map(|(_, n)| n).sum();
    println!(
        "Done: {total} rows in {} tables. Start `serve --db` on the PostgreSQL URL.",
        report.tables.len()
    );
    Ok(())
}
