//! The AllyShare reference backend.
//!
//! One binary, one SQLite file, one outbox directory: enough to run the whole ally flow on a
//! developer's machine and in the end-to-end tests, yet built like a real service (argon2id
//! password hashes, hashed single-use tokens, rotating refresh tokens with reuse detection,
//! a strict CSP on every page). The pieces:
//!
//! - [`db`]: the [`db::Repository`] trait and its SQLite implementation.
//! - [`invite`]: creating invitations (used by the CLI and tests).
//! - [`web`]: the Get Started pages an invitee sees in the browser.
//! - [`console`]: the Network Admin's web console at `/admin`.
//! - [`api`]: the JSON API under `/v1`, and its OpenAPI document.
//!
//! Tests run the server in-process: build a [`Config`], [`App::open`] it, bind
//! `127.0.0.1:0`, and [`serve_app`].

pub mod api;
pub mod ask_mail;
pub mod buckets;
pub mod budget;
pub mod clock;
pub mod companies;
pub mod console;
pub mod copy;
pub mod cross_site;
pub mod csvfile;
pub mod db;
pub mod handoff;
pub mod html;
pub mod i18n;
pub mod intro_mail;
pub mod intro_requests;
pub mod introductions;
pub mod invite;
pub mod lists;
pub mod mail;
pub mod members;
pub mod password_reset;
pub mod passwords;
pub mod throttle;
pub mod tokens;
pub mod web;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

pub use budget::WriteBudget;
pub use clock::{Clock, ManualClock, SystemClock};
pub use db::pg::{open_pg, PgRepository};
pub use db::{open_db, open_repository, RepoError, Repository, SqliteRepository};
pub use invite::{InviteError, InviteRequest, Invited, Queued};
pub use passwords::HashCost;
pub use throttle::SignInLimits;

use db::members::{Actor, AuditAction};
use mail::{MailError, Mailer};
use passwords::PasswordHasher;

/// Where a developer can get the extension until it is published: a Chrome Web Store search.
pub const DEFAULT_EXTENSION_URL: &str = "https://chromewebstore.google.com/search/AllyShare";

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database: a SQLite file (created if missing) or a `postgres://` URL.
    pub db_path: PathBuf,
    /// Directory the `.eml` files are written to (created if missing).
    pub outbox_dir: PathBuf,
    /// The base URL people reach this server at; invitation links start with it.
    pub public_url: String,
    /// The "Add to Chrome" link on the guide page.
    pub extension_url: String,
    /// The extension's ids (the Chrome Web Store build's, the Edge Add-ons build's, …): when
    /// there is one, the guide page and `/handoff` run the hand-off script, which tries each
    /// in turn and signs in the one installed.
    pub extension_ids: Vec<String>,
    /// The sender of every email, `Name <address>`.
    pub mail_from: String,
    /// Send email through this SMTP server (`smtp://…`, `smtps://…`) instead of the outbox.
    pub smtp_url: Option<String>,
    /// Password hashing cost; only tests lower it.
    pub hash_cost: HashCost,
    /// The time source for every expiry.
    pub clock: Arc<dyn Clock>,
    /// Each ally's contact-sync write budget.
    pub write_budget: WriteBudget,
    /// Most contacts in one sync batch, published in the sync limits (at most the protocol's
    /// [`allyshare_protocol::limits::BATCH_MAX_ITEMS`]).
    pub max_batch_items: u32,
    /// How fast sign-in attempts may come, per account and per address.
    pub sign_in_limits: SignInLimits,
    /// Most emails sent in any 60 seconds (the mail queue's pace; at least 1).
    pub mail_per_minute: u32,
}

/// The default of [`Config::mail_per_minute`].
pub const DEFAULT_MAIL_PER_MINUTE: u32 = 60;

impl Config {
    /// A configuration with defaults for everything but the paths and the public URL.
    pub fn new(
        db_path: impl Into<PathBuf>,
        outbox_dir: impl Into<PathBuf>,
        public_url: impl Into<String>,
    ) -> Self {
        Config {
            db_path: db_path.into(),
            outbox_dir: outbox_dir.into(),
            public_url: public_url.into(),
            extension_url: DEFAULT_EXTENSION_URL.to_string(),
            extension_ids: Vec::new(),
            mail_from: mail::DEFAULT_FROM.to_string(),
            smtp_url: None,
            hash_cost: HashCost::Standard,
            clock: Arc::new(SystemClock),
            write_budget: WriteBudget::default(),
            max_batch_items: allyshare_protocol::limits::BATCH_MAX_ITEMS as u32,
            sign_in_limits: SignInLimits::default(),
            mail_per_minute: DEFAULT_MAIL_PER_MINUTE,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Repo(#[from] db::RepoError),
    #[error("mail configuration: {0}")]
    Mail(#[from] MailError),
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug)]
struct Inner {
    repo: Arc<dyn Repository>,
    mailer: Mailer,
    public_url: String,
    extension_url: String,
    /// The extension ids, comma-separated, as the pages' `<meta>` gives them to the script.
    extension_ids: Option<String>,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
    /// The write budgets; they and the three throttles keep their buckets where the
    /// repository says ([`Repository::shared_buckets`]: the database on PostgreSQL, this
    /// process's memory on SQLite).
    buckets: budget::Buckets,
    sync_limits: allyshare_protocol::SyncLimits,
    sign_in_throttle: throttle::SignInThrottle,
    /// *Forgot password?* asks, per client address and per email.
    reset_throttle: throttle::SignInThrottle,
    /// The join pages' tries, per client address and per email.
    join_throttle: throttle::SignInThrottle,
    /// One contact-sync write at a time in this process, on SQLite; see [`App::sync_write_turn`].
    sync_writes: tokio::sync::Mutex<()>,
    mail_per_minute: u32,
    /// One drain of the mail queue at a time in this process.
    mail_turn: tokio::sync::Mutex<()>,
    /// Wakes the mail queue's task when an email was queued.
    mail_wake: tokio::sync::Notify,
    /// Wakes the search's indexer: a commit added contacts.
    search_wake: tokio::sync::Notify,
}

/// The running application: repository, outbox, settings. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl App {
    /// Opens the database (creating and migrating it if needed) and builds the app.
    pub async fn open(config: Config) -> Result<App, ServerError> {
        let repo = db::open_repository(&config.db_path).await?;
        App::with_repository(repo, config)
    }

    /// Builds the app on any repository (the database settings in `config` are ignored).
    pub fn with_repository(repo: Arc<dyn Repository>, config: Config) -> Result<App, ServerError> {
        let store = repo
            .shared_buckets()
            .unwrap_or_else(|| Arc::new(buckets::MemoryBuckets::default()));
        Ok(App {
            inner: Arc::new(Inner {
                repo,
                mailer: Mailer::new(
                    &config.outbox_dir,
                    &config.mail_from,
                    config.smtp_url.as_deref(),
                )?,
                public_url: config.public_url.trim_end_matches('/').to_string(),
                extension_url: config.extension_url,
                extension_ids: Some(config.extension_ids.join(",")).filter(|ids| !ids.is_empty()),
                hasher: PasswordHasher::new(config.hash_cost),
                clock: config.clock,
                buckets: budget::Buckets::new(config.write_budget, store.clone()),
                sync_limits: allyshare_protocol::SyncLimits {
                    max_batch_items: config
                        .max_batch_items
                        .clamp(1, allyshare_protocol::limits::BATCH_MAX_ITEMS as u32),
                    ..allyshare_protocol::SyncLimits::default()
                },
                sign_in_throttle: throttle::SignInThrottle::new(
                    throttle::SIGN_IN,
                    config.sign_in_limits,
                    store.clone(),
                ),
                reset_throttle: throttle::SignInThrottle::new(
                    throttle::PASSWORD_RESET,
                    password_reset::RESET_LIMITS,
                    store.clone(),
                ),
                join_throttle: throttle::SignInThrottle::new(
                    throttle::JOIN,
                    introductions::JOIN_LIMITS,
                    store,
                ),
                sync_writes: tokio::sync::Mutex::new(()),
                mail_per_minute: config.mail_per_minute.max(1),
                mail_turn: tokio::sync::Mutex::new(()),
                mail_wake: tokio::sync::Notify::new(),
                search_wake: tokio::sync::Notify::new(),
            }),
        })
    }

    pub fn repo(&self) -> &dyn Repository {
        self.inner.repo.as_ref()
    }

    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    pub(crate) fn extension_url(&self) -> &str {
        &self.inner.extension_url
    }

    /// The extension ids the hand-off tries, comma-separated (`None`: no hand-off).
    pub(crate) fn extension_ids(&self) -> Option<&str> {
        self.inner.extension_ids.as_deref()
    }

    /// `scheme://host[:port]` of the public URL.
    pub(crate) fn public_origin(&self) -> &str {
        let url = self.public_url();
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        match url[after_scheme..].find('/') {
            Some(i) => &url[..after_scheme + i],
            None => url,
        }
    }

    /// The sync limits this server publishes and enforces.
    pub fn sync_limits(&self) -> allyshare_protocol::SyncLimits {
        self.inner.sync_limits
    }

    /// Spends from the person's write budget, or fails with how long to wait.
    pub(crate) async fn spend_write_budget(
        &self,
        person_id: i64,
        cost: u64,
    ) -> Result<(), api::ApiFailure> {
        self.inner
            .buckets
            .spend(person_id, cost, self.now())
            .await?
            .map_err(api::ApiFailure::RateLimited)
    }

    /// Spends one sign-in attempt for the account (a normalised email) and the address, or
    /// fails with how long to wait.
    pub(crate) async fn throttle_sign_in(
        &self,
        account: Option<&str>,
        address: Option<std::net::IpAddr>,
    ) -> Result<(), api::ApiFailure> {
        self.inner
            .sign_in_throttle
            .attempt(account, address, self.now())
            .await?
            .map_err(api::ApiFailure::TooManyAttempts)
    }

    /// Signs in with an email and password: spends a throttled attempt, then the same argon2
    /// work whether or not the account exists (so timing does not tell them apart). The
    /// person when the password is theirs; `None` for an unknown email or a wrong password.
    pub(crate) async fn verify_sign_in(
        &self,
        email: &str,
        password: String,
        address: Option<std::net::IpAddr>,
    ) -> Result<Option<db::PersonRecord>, api::ApiFailure> {
        self.throttle_sign_in(Some(&db::normalize_email(email)), address)
            .await?;
        let person = self.repo().find_person_by_email(email).await?;
        let hasher = self.hasher().clone();
        let stored = person.as_ref().and_then(|p| p.password_hash.clone());
        let verified = tokio::task::spawn_blocking(move || match stored {
            Some(hash) => hasher.verify(&password, &hash),
            None => {
                hasher.verify_dummy(&password);
                false
            }
        })
        .await
        .map_err(|e| api::ApiFailure::Internal(format!("password check panicked: {e}")))?;
        Ok(person.filter(|_| verified))
    }

    /// Spends one *Forgot password?* ask for the email (normalised here) from the address, or
    /// fails with how long to wait (whether or not the address has an account).
    pub(crate) async fn throttle_password_reset(
        &self,
        email: &str,
        address: Option<std::net::IpAddr>,
    ) -> Result<(), api::ApiFailure> {
        self.inner
            .reset_throttle
            .attempt(Some(&db::normalize_email(email)), address, self.now())
            .await?
            .map_err(api::ApiFailure::TooManyAttempts)
    }

    /// Spends one try of a network's join page for the email (normalised here) from the
    /// address, or fails with how long to wait (whether or not the address has an account).
    pub(crate) async fn throttle_join(
        &self,
        email: &str,
        address: Option<std::net::IpAddr>,
    ) -> Result<(), api::ApiFailure> {
        self.inner
            .join_throttle
            .attempt(Some(&db::normalize_email(email)), address, self.now())
            .await?
            .map_err(api::ApiFailure::TooManyAttempts)
    }

    /// Stores a password reset request for the account with this email, if any (within the
    /// hourly limit), and wakes the mail queue; see [`password_reset`].
    pub async fn request_password_reset(
        &self,
        email: &str,
    ) -> Result<db::password_reset::ResetRequested, RepoError> {
        let requested = password_reset::request(self.repo(), email, self.now()).await?;
        if matches!(requested, db::password_reset::ResetRequested::Queued { .. }) {
            self.inner.mail_wake.notify_one();
        }
        Ok(requested)
    }

    /// Asks an ally for an introduction (the permission checked by the caller): the ask and
    /// the ally's ask email in one transaction (see [`ask_mail`]), then the mail queue is
    /// woken. The one way the API and the console ask.
    pub async fn create_ask(&self, ask: &db::NewIntroAsk<'_>) -> Result<db::AskOutcome, RepoError> {
        let outcome = self.repo().create_ask(ask).await?;
        if matches!(outcome, db::AskOutcome::Created(_)) {
            self.inner.mail_wake.notify_one();
        }
        Ok(outcome)
    }

    /// Sets a new password through a reset link (its rules checked by the caller): hashes it,
    /// then spends the link and ends every session of the person, in one transaction. `false`
    /// when the link stopped working meanwhile (nothing changed).
    pub(crate) async fn complete_password_reset(
        &self,
        reset_id: i64,
        new_password: String,
    ) -> Result<bool, api::ApiFailure> {
        let hash = self.hash_new_password(new_password).await?;
        Ok(self
            .repo()
            .complete_password_reset(reset_id, &hash, self.now())
            .await?
            .is_some())
    }

    /// The argon2id hash of a new password (its rules checked by the caller), computed off the
    /// async runtime: the one place the Get Started form, a password change and a reset link
    /// hash a password.
    pub(crate) async fn hash_new_password(
        &self,
        password: String,
    ) -> Result<String, api::ApiFailure> {
        let hasher = self.hasher().clone();
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| api::ApiFailure::Internal(format!("password hashing panicked: {e}")))?
            .map_err(|e| api::ApiFailure::Internal(e.to_string()))
    }

    /// Waits for this request's turn to write contact-sync data, where the database lets one
    /// writer in at a time ([`db::Repository::one_writer`]: SQLite). Without a queue here,
    /// concurrent uploads wait inside SQLite's busy handler (sleeping up to 100 ms between
    /// tries, unfairly) while each holds a pooled connection, so under load reads starve for
    /// connections too. Queued here (first come, first served), writers hold no connection
    /// while they wait. Found by `./build.sh load`. PostgreSQL takes many writers at once (row
    /// locks order what must be ordered), so there is no turn: queued, an instance's uploads
    /// and commits waited behind its indexer's (`./build.sh load --db postgres`: upload p99
    /// 96–136 ms with the turn, 24–34 ms without).
    pub(crate) async fn sync_write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        if !self.repo().one_writer() {
            return None;
        }
        Some(self.inner.sync_writes.lock().await)
    }

    /// Gives back what a write that turned out to do nothing had spent (best effort: a
    /// refund the database could not store is logged, the request's answer stands).
    pub(crate) async fn refund_write_budget(&self, person_id: i64, cost: u64) {
        if let Err(error) = self.inner.buckets.refund(person_id, cost).await {
            tracing::warn!(%error, "a write budget refund was not stored");
        }
    }

    pub(crate) fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// Invites a person into a network (creating the network if new); see [`invite::invite`].
    pub async fn invite(&self, request: &InviteRequest) -> Result<Invited, InviteError> {
        invite::invite(
            self.repo(),
            &self.inner.mailer,
            &self.inner.public_url,
            request,
            self.now(),
        )
        .await
    }

    /// Invites a person into an existing network (see [`invite::invite_member`]); the email
    /// is queued.
    pub async fn invite_member(
        &self,
        actor: Actor,
        network_id: i64,
        who: &allyshare_protocol::InvitationRequest,
    ) -> Result<invite::Queued, InviteError> {
        self.may_give(actor, network_id, who.role, who.permissions)
            .await?;
        let queued =
            invite::invite_member(self.repo(), &self.inner.mailer, network_id, who, self.now())
                .await?;
        self.inner.mail_wake.notify_one();
        self.audit_invitation(
            actor,
            network_id,
            AuditAction::Invited,
            queued.invitation_id,
        )
        .await;
        Ok(queued)
    }

    /// Whether `actor` may invite Network Admins with `permissions` (absent: every one, the
    /// Admin template): a member gives only permissions they hold themselves, so inviting is
    /// never a way to more than one has. Allies hold none; the operator (the CLI) may give any.
    pub async fn may_give(
        &self,
        actor: Actor,
        network_id: i64,
        role: allyshare_protocol::Role,
        permissions: Option<allyshare_protocol::Permissions>,
    ) -> Result<(), InviteError> {
        let (Actor::Person(person_id), allyshare_protocol::Role::NetworkAdmin) = (actor, role)
        else {
            return Ok(());
        };
        let held = self
            .repo()
            .access_in(person_id, network_id)
            .await?
            .map(|a| a.permissions)
            .unwrap_or(allyshare_protocol::Permissions::NONE);
        let wanted = permissions.unwrap_or_else(allyshare_protocol::Permissions::all);
        if wanted.iter().all(|p| held.contains(p)) {
            Ok(())
        } else {
            Err(InviteError::BeyondYourPermissions)
        }
    }

    /// Imports a CSV of invitees into an existing network (see [`invite::import_csv`]); the
    /// emails are queued.
    pub async fn import_invitations(
        &self,
        network_id: i64,
        actor: Actor,
        csv: &[u8],
        role: allyshare_protocol::Role,
        permissions: Option<allyshare_protocol::Permissions>,
    ) -> Result<allyshare_protocol::InvitationImport, InviteError> {
        self.may_give(actor, network_id, role, permissions).await?;
        let report = invite::import_csv(
            self.repo(),
            &self.inner.mailer,
            network_id,
            csv,
            role,
            permissions,
            || self.now(),
        )
        .await?;
        self.inner.mail_wake.notify_one();
        let detail = format!(
            "{} invited as {} from {} rows",
            report.sent,
            members::import_role_words(role, permissions),
            report.rows.len()
        );
        self.audit(
            actor,
            network_id,
            AuditAction::ImportedCsv,
            "A CSV file",
            Some(&detail),
        )
        .await;
        Ok(report)
    }

    /// The network's invitations, newest first, as an admin sees them.
    pub async fn invitations(
        &self,
        network_id: i64,
    ) -> Result<Vec<allyshare_protocol::Invitation>, InviteError> {
        let now = self.now();
        Ok(self
            .repo()
            .list_invitations(network_id)
            .await?
            .iter()
            .map(|inv| inv.to_wire(now))
            .collect())
    }

    /// Revokes a pending invitation.
    pub async fn revoke_invitation(
        &self,
        actor: Actor,
        network_id: i64,
        invitation_id: i64,
    ) -> Result<(), InviteError> {
        invite::revoke(self.repo(), network_id, invitation_id, self.now()).await?;
        self.audit_invitation(actor, network_id, AuditAction::Revoked, invitation_id)
            .await;
        Ok(())
    }

    /// A new invitation for one not accepted or revoked (see [`invite::resend`]); the email
    /// is queued.
    pub async fn resend_invitation(
        &self,
        actor: Actor,
        network_id: i64,
        invitation_id: i64,
    ) -> Result<invite::Queued, InviteError> {
        let queued = invite::resend(
            self.repo(),
            &self.inner.mailer,
            network_id,
            invitation_id,
            self.now(),
        )
        .await?;
        self.inner.mail_wake.notify_one();
        self.audit_invitation(actor, network_id, AuditAction::Resent, queued.invitation_id)
            .await;
        Ok(queued)
    }

    /// [`App::resend_invitation`], with the email sent at once (the CLI, which prints the link).
    pub async fn resend_invitation_now(
        &self,
        network_id: i64,
        invitation_id: i64,
    ) -> Result<Invited, InviteError> {
        let i = &self.inner;
        invite::resend_now(
            self.repo(),
            &i.mailer,
            &i.public_url,
            network_id,
            invitation_id,
            self.now(),
        )
        .await
    }

    /// Wakes the mail queue's task: an email was queued.
    pub(crate) fn wake_mail(&self) {
        self.inner.mail_wake.notify_one();
    }

    /// Most emails this server sends in any 60 seconds.
    pub fn mail_per_minute(&self) -> u32 {
        self.inner.mail_per_minute
    }

    /// Sends the queued email that is due, as much as the rate allows now (the attempts of the
    /// last 60 seconds, by every process on this database, count), and returns how many were
    /// sent. The server's background task calls this every second and whenever an email is
    /// queued; tests call it to drain the queue at a moment of their choosing.
    pub async fn send_queued_mail(&self) -> Result<usize, RepoError> {
        let _turn = self.inner.mail_turn.lock().await;
        let mut sent = 0;
        loop {
            let claimed = self
                .repo()
                .claim_mail(self.now(), self.inner.mail_per_minute)
                .await?;
            if claimed.is_empty() {
                return Ok(sent);
            }
            for mail in claimed {
                let i = &self.inner;
                let (repo, now) = (self.repo(), self.now());
                let outcome = match mail.about {
                    db::MailAbout::Invitation(id) => {
                        invite::send_claimed(repo, &i.mailer, &i.public_url, mail, id, now).await
                    }
                    db::MailAbout::PasswordReset(id) => {
                        password_reset::send_claimed(repo, &i.mailer, &i.public_url, mail, id, now)
                            .await
                    }
                    db::MailAbout::Asks(ally_id) => {
                        ask_mail::send_claimed(repo, &i.mailer, mail, ally_id, now)
                            .await
                            .map(|sent| sent.map(|delivery| (String::new(), delivery)))
                    }
                    db::MailAbout::CompanyAdminInvitation(id) => {
                        intro_mail::send_company_invitation(
                            repo,
                            &i.mailer,
                            &i.public_url,
                            mail,
                            id,
                            now,
                        )
                        .await
                    }
                    db::MailAbout::ProfessionalConfirmation(id) => {
                        intro_mail::send_confirmation(repo, &i.mailer, &i.public_url, mail, id, now)
                            .await
                    }
                    db::MailAbout::IntroNotice(id) => {
                        intro_mail::send_notice(repo, &i.mailer, &i.public_url, mail, id, now)
                            .await
                            .map(|sent| sent.map(|delivery| (String::new(), delivery)))
                    }
                };
                match outcome {
                    Ok(Some(_)) => sent += 1,
                    Ok(None) => {}
                    Err(InviteError::Repo(e)) => return Err(e),
                    // Recorded in the queue, retried later.
                    Err(_) => {}
                }
            }
        }
    }

    /// Adds the words of newly committed contacts to the search's full-text index, in this
    /// server's turn of writing contact data (see [`App::sync_write_turn`]); how many.
    pub async fn index_search_words(&self) -> Result<u64, RepoError> {
        let _turn = self.sync_write_turn().await;
        self.repo().index_search_words().await
    }

    /// Tells the search's indexer that a commit added contacts.
    pub(crate) fn contacts_committed(&self) {
        self.inner.search_wake.notify_one();
    }

    /// The search's indexer: after each commit (and every minute, for what an earlier run or
    /// another writer left), the full-text index catches up. Searches never wait for it.
    async fn run_search_indexer(self) {
        loop {
            if let Err(e) = self.index_search_words().await {
                tracing::warn!(error = %e, "the contacts search index could not catch up");
            }
            // Not in a sync-write turn: an analysis takes a while, and it blocks no write.
            if let Err(e) = self.repo().refresh_statistics().await {
                tracing::warn!(error = %e, "the database's statistics could not be refreshed");
            }
            tokio::select! {
                () = self.inner.search_wake.notified() => {}
                () = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            }
        }
    }

    /// The mail queue's task: drains it every second, and at once when an email is queued.
    async fn run_mail_queue(self) {
        loop {
            if let Err(e) = self.send_queued_mail().await {
                tracing::warn!(error = %e, "the mail queue could not be drained");
            }
            tokio::select! {
                () = self.inner.mail_wake.notified() => {}
                () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            }
        }
    }

    /// The daily "companies not ready" digest's schedule: every minute, queue today's digests
    /// once it is past 08:00 UTC ([`App::queue_digests`]; once a day per network, whichever
    /// process or the `digest` command comes first).
    async fn run_digests(self) {
        loop {
            if let Err(e) = self.queue_digests(false).await {
                tracing::warn!(error = %e, "the digest could not be queued");
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    }

    /// All routes: the pages, the assets, `/healthz`, and the `/v1` API.
    pub fn router(&self) -> Router {
        web::routes()
            .merge(console::routes())
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                cross_site::guard,
            ))
            .merge(api::routes())
            .fallback(web::not_found)
            .layer(axum::middleware::from_fn(i18n::scope))
            .with_state(self.clone())
    }
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let hasher = app.hasher().clone();
    tokio::task::spawn_blocking(move || hasher.warm_up());
    // Sends the queued email while the server runs (the queue is in the database: what is
    // left when it stops is sent after the next start).
    let mail_queue = tokio::spawn(app.clone().run_mail_queue());
    let digests = tokio::spawn(app.clone().run_digests());
    let search_indexer = tokio::spawn(app.clone().run_search_indexer());
    // The peer address reaches the handlers (sign-in throttling per address).
    let service = app
        .router()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
    mail_queue.abort();
    digests.abort();
    search_indexer.abort();
    let _ = mail_queue.await;
    let _ = digests.await;
    let _ = search_indexer.await;
    served?;
    Ok(())
}

/// Opens the database from `config` and serves on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> Result<(), ServerError> {
    let app = App::open(config).await?;
    serve_app(listener, app, std::future::pending()).await
}
