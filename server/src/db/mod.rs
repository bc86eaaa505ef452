//! The data layer: a [`Repository`] trait that handlers and the CLI talk to, and its SQLite
//! implementation.
//!
//! Why a trait: the reference server runs on one SQLite file, but deployments that outgrow one
//! machine will want PostgreSQL. Everything above this module speaks only in terms of the
//! trait's operations (each one a whole unit of work, in one transaction where it writes more
//! than one row), so a second implementation can be added without touching the handlers.
//!
//! SQLite specifics: WAL journal (readers never block the writer), foreign keys on, a busy
//! timeout so concurrent writers wait instead of failing, and writing transactions that start
//! with a write statement so they take the write lock up front (a deferred transaction that
//! reads first can fail with `SQLITE_BUSY` when it later tries to write). WAL checkpoints run
//! in the background, never inside a request; the file is memory-mapped (throughput: see the
//! pragmas in [`open_db`]).
//!
//! Emails: `people.email_norm` (and `invitations.email_norm`) hold the trimmed, lowercased
//! address, see [`normalize_email`]; that column is unique and used for every comparison,
//! while `email` keeps the address as it was typed.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[macro_use]
mod delegation;

pub mod ask_mail;
pub mod companies;
pub mod console;
pub mod imports;
pub mod intro_requests;
mod invitations;
pub mod lists;
pub mod mail;
pub mod members;
pub mod network;
pub mod password_reset;
// The statements of `password_reset`, one text for both backends (see `dialect`).
#[allow(clippy::duplicate_mod)]
#[path = "shared/password_reset.rs"]
mod password_reset_sql;
mod people;
pub mod pg;
mod sessions;
pub mod sync;

use allyshare_protocol::{
    CommitResult, ContactDigest, ContactRecord, IntroAsk, IntroAskState, IntroOutcome, Me,
    NetworkContact, NetworkMembership, Permissions, Person, PersonRef, Role, SyncKind,
};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

/// A day, in seconds.
const DAY_SECS: i64 = 24 * 60 * 60;

/// The normalised form of an email address used for comparison: trimmed and lowercased.
///
/// Lowercasing the local part is not strictly RFC 5321, but no mail provider in practice
/// distinguishes case there, and treating `Ada@x.org` and `ada@x.org` as two people would be
/// far more surprising.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unexpected data in the database: {0}")]
    Corrupt(String),
}

/// An invitation to create.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub network_name: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The admin's personal note for the email (checked text).
    pub note: Option<String>,
    /// A Network Admin's permissions once accepted (`None`: every permission).
    pub permissions: Option<Permissions>,
    pub token_hash: String,
    pub now: i64,
    pub expires_at: i64,
    /// Queue its email already claimed by the caller, who sends it at once (the CLI, which
    /// prints the link); otherwise the queue sends it in turn.
    pub deliver_now: bool,
    /// Refuse when this many invitations (so emails) went to the address from this network in
    /// the last 24 hours.
    pub daily_limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedInvitation {
    pub invitation_id: i64,
    pub network_id: i64,
    /// How many earlier pending invitations (same network, same email) this one replaced.
    pub revoked_previous: u64,
    /// Its email in the mail queue.
    pub mail_id: i64,
}

/// What [`Repository::create_invitation`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    Created(CreatedInvitation),
    /// The address had `sent` invitations from this network in the last 24 hours; the next is
    /// allowed in `retry_after` seconds. Nothing was stored.
    TooManyEmails {
        sent: u32,
        retry_after: i64,
    },
}

/// What a queued email is: the email of an invitation, of a password reset, or of the new
/// intro asks of the ally with this id ([`ask_mail`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailAbout {
    Invitation(i64),
    PasswordReset(i64),
    Asks(i64),
    /// An invitation to become a Company Admin ([`companies`]).
    CompanyAdminInvitation(i64),
    /// A professional's email confirmation ([`intro_requests`]).
    ProfessionalConfirmation(i64),
    /// A notice about introduction requests ([`intro_requests`]).
    IntroNotice(i64),
}

/// An email claimed from the queue, to send now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimedMail {
    pub id: i64,
    pub about: MailAbout,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// How sending a claimed email ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailDone {
    Sent,
    /// An ally's ask email was sent, telling about these asks (marked emailed with it, and the
    /// next ask email queued if more arrived meanwhile).
    SentAsks {
        ally_id: i64,
        ask_ids: Vec<i64>,
    },
    /// The invitation (or password reset) was no longer pending: nothing sent.
    Dropped,
    /// Sending failed: try again at `retry_at`, or never (`None`).
    Failed {
        error: String,
        retry_at: Option<i64>,
    },
}

/// An invitation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRecord {
    pub id: i64,
    pub network_id: i64,
    pub network_name: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub note: Option<String>,
    /// A Network Admin's permissions once accepted (`None`: every permission).
    pub permissions: Option<Permissions>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What state an invitation link is in, at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Used,
    Expired,
    Revoked,
}

impl InvitationRecord {
    /// As an admin sees it.
    pub fn to_wire(&self, now: i64) -> allyshare_protocol::Invitation {
        use allyshare_protocol::InvitationState as Wire;
        allyshare_protocol::Invitation {
            id: self.id,
            network_id: self.network_id,
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            state: match self.state(now) {
                InvitationState::Pending => Wire::Pending,
                InvitationState::Used => Wire::Accepted,
                InvitationState::Expired => Wire::Expired,
                InvitationState::Revoked => Wire::Revoked,
            },
            created_at: self.created_at,
            expires_at: self.expires_at,
            accepted_at: self.used_at,
            revoked_at: self.revoked_at,
        }
    }

    pub fn state(&self, now: i64) -> InvitationState {
        if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if self.used_at.is_some() {
            InvitationState::Used
        } else if now >= self.expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub password_hash: Option<String>,
}

/// Result of accepting an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptOutcome {
    /// The person is now a member. `new_account` is false when an existing person was reused.
    Joined { person_id: i64, new_account: bool },
    /// The invitation was used, revoked or expired meanwhile; nothing changed.
    NotPending,
    /// The person has no password yet and none was given; nothing changed.
    PasswordRequired,
}

/// The hashes and expiries of a pair of session tokens.
#[derive(Debug, Clone)]
pub struct TokenHashes {
    pub access_hash: String,
    pub access_expires_at: i64,
    pub refresh_hash: String,
    pub refresh_expires_at: i64,
}

/// A live session found from its access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRef {
    pub session_id: i64,
    pub person_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The refresh token was current; the session now has the new tokens.
    Rotated,
    /// The refresh token had already been exchanged: the session has been revoked.
    Reused,
    /// Unknown, expired, or its session revoked.
    Invalid,
}

/// Everything the server stores, as whole operations.
#[async_trait]
pub trait Repository: Send + Sync + std::fmt::Debug {
    /// Where the sign-in throttles and the write budgets keep their token buckets when every
    /// instance on this database must share them (PostgreSQL: several instances); `None`
    /// keeps them in this process's memory (SQLite: one process). See [`crate::buckets`].
    fn shared_buckets(&self) -> Option<std::sync::Arc<dyn crate::buckets::BucketStore>> {
        None
    }

    /// Whether the database lets one writer in at a time (SQLite), so the server queues its
    /// contact-sync writes ([`crate::App::sync_write_turn`]); PostgreSQL takes many at once.
    fn one_writer(&self) -> bool {
        true
    }

    /// Brings the planner's statistics of the tables a sync writes up to date once syncs have
    /// changed them much, without waiting for the database's own schedule; how many tables it
    /// analyzed. PostgreSQL's plans turn on them (see `db/pg/statistics.rs`). SQLite keeps no
    /// statistics unless told to (`ANALYZE`), and its plans here were measured without: none.
    async fn refresh_statistics(&self) -> Result<usize, RepoError> {
        Ok(0)
    }

    /// Creates the network if new, checks the address's daily limit, revokes pending
    /// invitations for the same email in that network, and stores the new invitation with its
    /// email in the mail queue — in one transaction.
    async fn create_invitation(&self, inv: &NewInvitation) -> Result<CreateOutcome, RepoError>;

    /// Creates several invitations in one transaction (a CSV import): each as
    /// [`Repository::create_invitation`] would, in order, one outcome each. An error stores
    /// none of them.
    async fn create_invitations(
        &self,
        invs: &[NewInvitation],
    ) -> Result<Vec<CreateOutcome>, RepoError>;

    /// The normalised emails of the network's members (a CSV import's check, in one query).
    async fn member_emails(
        &self,
        network_id: i64,
    ) -> Result<std::collections::HashSet<String>, RepoError>;

    /// The normalised emails with a pending invitation to the network (as
    /// [`Repository::has_pending_invitation`], for every address in one query).
    async fn pending_invitation_emails(
        &self,
        network_id: i64,
        now: i64,
    ) -> Result<std::collections::HashSet<String>, RepoError>;

    /// Marks queued email of invitations (and password resets) no longer pending as dropped,
    /// then claims due email, oldest first: at most `per_minute` minus the attempts of the last
    /// 60 seconds. A claimed email is left to its claimer for [`mail::MAIL_LEASE_SECS`].
    async fn claim_mail(&self, now: i64, per_minute: u32) -> Result<Vec<ClaimedMail>, RepoError>;

    /// Stores the hash of the token a pending invitation's email is about to carry (the
    /// previous link stops working) and returns the invitation; `None` if it is not pending.
    async fn issue_invitation_token(
        &self,
        invitation_id: i64,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<InvitationRecord>, RepoError>;

    /// Records how sending a claimed email ended.
    async fn finish_mail(&self, mail_id: i64, done: &MailDone, now: i64) -> Result<(), RepoError>;

    async fn find_invitation(
        &self,
        token_hash: &str,
    ) -> Result<Option<InvitationRecord>, RepoError>;

    async fn find_person_by_email(&self, email: &str) -> Result<Option<PersonRecord>, RepoError>;

    /// The network's name, if it exists.
    async fn network_name(&self, network_id: i64) -> Result<Option<String>, RepoError>;

    /// The network's id, by exact name.
    async fn network_id(&self, name: &str) -> Result<Option<i64>, RepoError>;

    /// Whether the person with this email is a member of the network.
    async fn is_member(&self, network_id: i64, email: &str) -> Result<bool, RepoError>;

    /// Whether a pending (unused, unrevoked, unexpired) invitation exists for this email.
    async fn has_pending_invitation(
        &self,
        network_id: i64,
        email: &str,
        now: i64,
    ) -> Result<bool, RepoError>;

    /// The network's invitations, newest first.
    async fn list_invitations(&self, network_id: i64) -> Result<Vec<InvitationRecord>, RepoError>;

    async fn invitation_by_id(
        &self,
        network_id: i64,
        invitation_id: i64,
    ) -> Result<Option<InvitationRecord>, RepoError>;

    /// Revokes the invitation if it is pending; `false` otherwise.
    async fn revoke_invitation(
        &self,
        network_id: i64,
        invitation_id: i64,
        now: i64,
    ) -> Result<bool, RepoError>;

    /// In one transaction: marks the invitation used (only if still pending at `now`), creates
    /// the person or reuses the one with the invitation's email, and adds the membership.
    ///
    /// `password_hash` is stored only for a new person, or an existing one without a password;
    /// an existing password is never replaced here. If the person is already a member, the
    /// role becomes the higher of the two (`network_admin` > `ally`).
    async fn accept_invitation(
        &self,
        invitation_id: i64,
        password_hash: Option<&str>,
        now: i64,
    ) -> Result<AcceptOutcome, RepoError>;

    async fn create_session(
        &self,
        person_id: i64,
        tokens: &TokenHashes,
        now: i64,
    ) -> Result<i64, RepoError>;

    async fn session_for_access_token(
        &self,
        access_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRef>, RepoError>;

    /// Exchanges a refresh token for `new`, or detects reuse and revokes the session.
    async fn rotate_refresh_token(
        &self,
        old_refresh_hash: &str,
        new: &TokenHashes,
        now: i64,
    ) -> Result<RefreshOutcome, RepoError>;

    async fn revoke_session(&self, session_id: i64) -> Result<(), RepoError>;

    /// The person and their networks ordered by name, or `None` if there is no such person.
    async fn me(&self, person_id: i64) -> Result<Option<Me>, RepoError>;

    /// The person's role in the network, or `None` if they are not a member.
    async fn role_in(&self, person_id: i64, network_id: i64) -> Result<Option<Role>, RepoError>;

    /// Turns sharing with one network on or off, in one transaction with its consequences:
    /// off deletes the ally's intro asks there, and when no network is shared with any more,
    /// the ally's contacts and their sync data are deleted (see `stopped_sharing`).
    async fn set_sharing(
        &self,
        person_id: i64,
        network_id: i64,
        sharing: bool,
        now: i64,
    ) -> Result<SharingOutcome, RepoError>;

    /// Leaves a network (same consequences as turning sharing off). `false` if not a member.
    async fn leave_network(
        &self,
        person_id: i64,
        network_id: i64,
        now: i64,
    ) -> Result<bool, RepoError>;

    /// Deletes the person: memberships, contacts, sync sessions, intro asks to them, hand-off
    /// grants, the invitations sent to their address (in every network) and every session (so
    /// every token stops working at once).
    async fn delete_account(&self, person_id: i64) -> Result<bool, RepoError>;

    /// Sets a new password hash and ends every session of the person (every token, every
    /// pending hand-off grant, every console session) and every unused reset link, at once.
    /// Returns how many sessions (extension and console) were still there.
    async fn change_password(&self, person_id: i64, password_hash: &str) -> Result<u64, RepoError>;

    /// Stores a password reset request for the account with this email, if there is one and
    /// it had fewer than `hourly_limit` in the last hour, with its email in the mail queue; it
    /// lapses unsent after `lapse_secs`.
    async fn request_password_reset(
        &self,
        email: &str,
        now: i64,
        lapse_secs: i64,
        hourly_limit: u32,
    ) -> Result<password_reset::ResetRequested, RepoError>;

    /// Stores the hash of the token a pending reset's email is about to carry, valid
    /// `valid_secs` from `now`; who to send it to, or `None` if it was used or lapsed.
    async fn issue_password_reset_token(
        &self,
        reset_id: i64,
        token_hash: &str,
        now: i64,
        valid_secs: i64,
    ) -> Result<Option<password_reset::ResetRecipient>, RepoError>;

    /// The reset whose link token has this hash (used or expired ones too).
    async fn find_password_reset(
        &self,
        token_hash: &str,
    ) -> Result<Option<password_reset::PasswordResetRecord>, RepoError>;

    /// Spends a reset link still unused and unexpired at `now`, and in the same transaction
    /// does what [`Repository::change_password`] does. The person's id, or `None` (nothing
    /// changed) when the link no longer works.
    async fn complete_password_reset(
        &self,
        reset_id: i64,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<i64>, RepoError>;

    /// Opens a sync session (aborting the person's expired ones first).
    async fn open_sync(
        &self,
        person_id: i64,
        kind: SyncKind,
        now: i64,
    ) -> Result<OpenSyncOutcome, RepoError>;

    /// Stores one batch of a session, idempotently by (session, seq), and pushes the
    /// session's expiry back.
    async fn put_batch(
        &self,
        person_id: i64,
        batch: &NewBatch<'_>,
        now: i64,
    ) -> Result<BatchOutcome, RepoError>;

    /// The body hash of batch `seq` of the person's session, if it was received.
    async fn batch_hash(
        &self,
        person_id: i64,
        session_id: i64,
        seq: u32,
    ) -> Result<Option<String>, RepoError>;

    /// Applies a session's staged contacts, in one transaction; repeating a done commit
    /// returns its result again.
    async fn commit_sync(
        &self,
        person_id: i64,
        session_id: i64,
        batch_count: u32,
        now: i64,
    ) -> Result<CommitOutcome, RepoError>;

    /// Abandons an open session: `None` if there is no such session of this person, else
    /// `"aborted"` or `"committed"` (a committed session stays committed).
    async fn abort_sync(
        &self,
        person_id: i64,
        session_id: i64,
        now: i64,
    ) -> Result<Option<&'static str>, RepoError>;

    /// The digest of the contacts the server holds for the person.
    async fn contact_digest(&self, person_id: i64) -> Result<ContactDigest, RepoError>;

    /// A page of the contacts visible to the network, and the position of its last row
    /// when there are more.
    async fn network_contacts(
        &self,
        network_id: i64,
        query: &ContactQuery,
    ) -> Result<(Vec<NetworkContact>, Option<ContactPosition>), RepoError>;

    /// One contact visible to the network, with every ally who knows them.
    async fn network_contact(
        &self,
        network_id: i64,
        key: &str,
    ) -> Result<Option<NetworkContact>, RepoError>;

    /// Adds the words of the contacts committed since the last run to the search's full-text
    /// index (which the commit leaves for later); how many rows.
    async fn index_search_words(&self) -> Result<u64, RepoError>;

    /// The network's allies who share with it, by name.
    async fn sharing_allies(&self, network_id: i64) -> Result<Vec<PersonRef>, RepoError>;

    /// A page of the network's asks (in one state, or all), newest first.
    async fn network_asks_page(
        &self,
        network_id: i64,
        state: Option<IntroAskState>,
        page: AsksPage,
    ) -> Result<Vec<IntroAsk>, RepoError>;

    /// Creates an ask, if the ally shares the contact with the network, and in the same
    /// transaction queues the ally's ask email (unless they turned ask emails off, or one is
    /// queued already: see [`ask_mail`]).
    async fn create_ask(&self, ask: &NewIntroAsk<'_>) -> Result<AskOutcome, RepoError>;

    /// What the ally's ask email says now ([`ask_mail::content`]).
    async fn ask_mail(&self, ally_id: i64) -> Result<Option<ask_mail::AskMail>, RepoError>;

    /// The person's preferences (`None`: no such person).
    async fn preferences(
        &self,
        person_id: i64,
    ) -> Result<Option<allyshare_protocol::Preferences>, RepoError>;

    /// Sets the person's preferences; them as stored (`None`: no such person).
    async fn set_preferences(
        &self,
        person_id: i64,
        preferences: &allyshare_protocol::Preferences,
    ) -> Result<Option<allyshare_protocol::Preferences>, RepoError>;

    /// Asks of a network, or to an ally (or both), newest first.
    async fn list_asks(
        &self,
        network_id: Option<i64>,
        ally_id: Option<i64>,
        state: Option<IntroAskState>,
    ) -> Result<Vec<IntroAsk>, RepoError>;

    /// The ally answers one of their pending asks.
    async fn answer_ask(
        &self,
        ally_id: i64,
        ask_id: i64,
        outcome: IntroOutcome,
        reason: Option<&str>,
        now: i64,
    ) -> Result<AnswerOutcome, RepoError>;

    /// Stores a hand-off grant (see [`crate::handoff`]).
    async fn create_handoff_grant(
        &self,
        person_id: i64,
        secret_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), RepoError>;

    /// Stores a code bound to `challenge`, if the grant is live; `false` otherwise.
    async fn create_handoff_code(
        &self,
        grant_hash: &str,
        code_hash: &str,
        challenge: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool, RepoError>;

    /// Spends the code (whatever the outcome) and, if it was live, its grant was live and
    /// `challenge` matches, consumes the grant and says whose it was.
    async fn redeem_handoff_code(
        &self,
        code_hash: &str,
        challenge: &str,
        now: i64,
    ) -> Result<HandoffRedeem, RepoError>;

    /// Starts a console session (a cookie's token hash) that ends at `expires_at` or after
    /// `idle_secs` without use; forgets the person's sessions that ended by time.
    async fn create_console_session(
        &self,
        person_id: i64,
        token_hash: &str,
        now: i64,
        expires_at: i64,
        idle_secs: i64,
    ) -> Result<i64, RepoError>;

    /// The live console session of a cookie's token hash (seeing it counts as activity).
    async fn console_session(
        &self,
        token_hash: &str,
        now: i64,
        idle_secs: i64,
    ) -> Result<Option<console::ConsoleSession>, RepoError>;

    /// Ends a console session (sign out).
    async fn end_console_session(&self, session_id: i64) -> Result<(), RepoError>;

    /// A page of one network's Team Members table, and how many rows match in all.
    async fn team(
        &self,
        query: &console::TeamQuery,
    ) -> Result<(Vec<console::TeamRow>, i64), RepoError>;

    /// The pending invitation to this address in this network, if any.
    async fn pending_invitation_id(
        &self,
        network_id: i64,
        email: &str,
        now: i64,
    ) -> Result<Option<i64>, RepoError>;

    /// The person's role and permissions in the network, or `None` if not a member.
    async fn access_in(
        &self,
        person_id: i64,
        network_id: i64,
    ) -> Result<Option<members::Access>, RepoError>;

    /// The networks where the person is the only member who can manage roles and permissions
    /// ([`members::sole_manager_of`]).
    async fn sole_manager_of(&self, person_id: i64) -> Result<Vec<i64>, RepoError>;

    /// One member of the network (their Settings page).
    async fn member(
        &self,
        network_id: i64,
        person_id: i64,
    ) -> Result<Option<members::MemberRecord>, RepoError>;

    /// Changes a member's role and permissions, logged, keeping one member who can manage the
    /// team ([`members::set_access`]).
    async fn set_member_access(
        &self,
        network_id: i64,
        person_id: i64,
        access: members::Access,
        log: &members::NewAuditEntry<'_>,
    ) -> Result<members::MemberChange, RepoError>;

    /// Removes a member and what they shared, logged, keeping one member who can manage the
    /// team ([`members::remove`]).
    async fn remove_member(
        &self,
        network_id: i64,
        person_id: i64,
        log: &members::NewAuditEntry<'_>,
    ) -> Result<members::MemberChange, RepoError>;

    /// Adds a line to the network's audit log.
    async fn record_audit(&self, entry: &members::NewAuditEntry<'_>) -> Result<(), RepoError>;

    /// The network's audit log, newest first, older than `before`.
    async fn audit_log(
        &self,
        network_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<members::AuditEntry>, RepoError>;

    /// The network's introduction lists, by name ([`lists`]).
    async fn intro_lists(
        &self,
        network_id: i64,
    ) -> Result<Vec<allyshare_protocol::IntroList>, RepoError>;

    /// One introduction list of the network.
    async fn intro_list(
        &self,
        network_id: i64,
        list_id: i64,
    ) -> Result<Option<allyshare_protocol::IntroList>, RepoError>;

    /// Creates a list (its name checked), unique in the network whatever the case.
    async fn create_intro_list(
        &self,
        network_id: i64,
        name: &str,
        by: i64,
        now: i64,
    ) -> Result<lists::ListNameOutcome, RepoError>;

    /// Renames a list of the network (the name checked).
    async fn rename_intro_list(
        &self,
        network_id: i64,
        list_id: i64,
        name: &str,
        now: i64,
    ) -> Result<lists::ListNameOutcome, RepoError>;

    /// Deletes a list of the network and its entries; the list as it was.
    async fn delete_intro_list(
        &self,
        network_id: i64,
        list_id: i64,
    ) -> Result<Option<allyshare_protocol::IntroList>, RepoError>;

    /// Adds the network's contacts of these keys to one of its lists.
    async fn add_list_entries(
        &self,
        network_id: i64,
        list_id: i64,
        keys: &[String],
        by: i64,
        now: i64,
    ) -> Result<lists::AddOutcome, RepoError>;

    /// Removes these keys from a list of the network: how many were on it.
    async fn remove_list_entries(
        &self,
        network_id: i64,
        list_id: i64,
        keys: &[String],
        now: i64,
    ) -> Result<Option<u64>, RepoError>;

    /// The contacts of a list of the network, as its sharing allies have them now.
    async fn list_entries(
        &self,
        network_id: i64,
        list_id: i64,
    ) -> Result<Vec<allyshare_protocol::IntroListEntry>, RepoError>;

    /// One ask per contact of the list, in one transaction ([`lists::ask_all`]).
    async fn ask_for_list(
        &self,
        network_id: i64,
        list_id: i64,
        admin_id: i64,
        note: &str,
        now: i64,
    ) -> Result<Option<allyshare_protocol::ListAskResult>, RepoError>;

    /// Keeps an uploaded CSV for its preview and *Invite* ([`imports::store_pending`]).
    async fn store_pending_import(
        &self,
        new: &imports::NewPendingImport<'_>,
    ) -> Result<i64, RepoError>;

    /// The person's pending CSV of the kind in the network, unless expired.
    async fn pending_import(
        &self,
        kind: imports::ImportKind,
        network_id: i64,
        person_id: i64,
        import_id: i64,
        now: i64,
    ) -> Result<Option<imports::PendingImport>, RepoError>;

    /// Takes the person's pending CSV for its import, once ([`imports::take_pending`]).
    async fn take_pending_import(
        &self,
        kind: imports::ImportKind,
        network_id: i64,
        person_id: i64,
        import_id: i64,
        now: i64,
    ) -> Result<Option<imports::PendingImport>, RepoError>;

    /// Keeps the report of a taken import.
    async fn finish_import(
        &self,
        kind: imports::ImportKind,
        network_id: i64,
        import_id: i64,
        report_json: &str,
    ) -> Result<(), RepoError>;

    /// An import of the kind in the network and its report, unless expired.
    async fn import_record(
        &self,
        kind: imports::ImportKind,
        network_id: i64,
        import_id: i64,
        now: i64,
    ) -> Result<Option<imports::ImportRecord>, RepoError>;

    /// Where the emails of an import are in the mail queue.
    async fn import_mail_progress(
        &self,
        network_id: i64,
        import_id: i64,
    ) -> Result<imports::MailProgress, RepoError>;

    /// Closes the underlying connections (a no-op where there is nothing to close).
    async fn close(&self) {}

    /// Companies, their Company Admins and the invitations to become one.
    fn companies(&self) -> &dyn companies::Companies;

    /// Professionals, introduction requests, their notices and the digest.
    fn intros(&self) -> &dyn intro_requests::IntroRequests;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffRedeem {
    Redeemed { person_id: i64 },
    Invalid,
}

/// The orders of a network's contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContactSort {
    /// By name (the default).
    #[default]
    Name,
    /// Most recently connected first (by any ally), then by key.
    Recent,
    /// Known by the most allies first, then by name.
    Allies,
}

impl ContactSort {
    pub const ALL: [ContactSort; 3] = [ContactSort::Name, ContactSort::Recent, ContactSort::Allies];

    /// The wire name (`name`, `recent`, `allies`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContactSort::Name => "name",
            ContactSort::Recent => "recent",
            ContactSort::Allies => "allies",
        }
    }

    pub fn parse(s: &str) -> Option<ContactSort> {
        ContactSort::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Where a contact stands in the orders (the cursor of the next page): its key, first sort
/// name, newest connection date (`YYYY-MM-DD`, empty if none) and number of allies. Each order
/// reads only its own fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ContactPosition {
    pub key: String,
    pub name: String,
    pub connected: String,
    pub allies: i64,
}

/// Which page of a network's contacts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactQuery {
    /// Words that must each begin a word of the name or headline (case and accents
    /// aside).
    pub search: String,
    /// Only the contacts this ally knows.
    pub ally_id: Option<i64>,
    /// Only the contacts an ally connected with on this day (`YYYY-MM-DD`) or later.
    pub connected_since: Option<String>,
    pub sort: ContactSort,
    /// Start after this position.
    pub after: Option<ContactPosition>,
    pub limit: usize,
}

/// Which page of a list of asks, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsksPage {
    /// Only asks older than this one (by id).
    pub before: Option<i64>,
    /// At most this many (all when `None`).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewIntroAsk<'a> {
    pub network_id: i64,
    pub admin_id: i64,
    pub ally_id: i64,
    pub contact_key: &'a str,
    pub note: &'a str,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskOutcome {
    Created(Box<IntroAsk>),
    /// The person is not a sharing ally of the network, or does not hold the contact.
    NotVisible,
    /// The same ask is already pending.
    AlreadyPending,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    Answered(Box<IntroAsk>),
    NotFound,
    NotPending(IntroAskState),
}

/// A contact ready to store: normalised, with its key, hash, and search columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContact {
    pub key: String,
    pub record: ContactRecord,
    pub content_hash: u64,
    /// Lowercased display name, for ordering.
    pub sort_name: String,
    /// The words of the name and headline, lowercased, joined by spaces: what the
    /// search matches and its full-text index holds (see [`network::Search`]).
    pub search_text: String,
}

impl StoredContact {
    /// Normalises `record`; fails with what is wrong with it.
    pub fn new(
        record: &ContactRecord,
    ) -> Result<StoredContact, allyshare_protocol::ContactProblem> {
        let record = record.normalized()?;
        let key = record
            .key()
            .ok_or_else(|| allyshare_protocol::ContactProblem {
                field: "profile_url",
                message: "gives no public identifier".into(),
            })?;
        let sort_name = record.display_name().to_lowercase();
        let search_text = [
            record.first_name.as_deref(),
            record.last_name.as_deref(),
            record.headline.as_deref(),
        ]
        .into_iter()
        .flatten()
        .flat_map(network::words_of)
        .collect::<Vec<_>>()
        .join(" ");
        Ok(StoredContact {
            key,
            content_hash: record.content_hash(),
            record,
            sort_name,
            search_text,
        })
    }
}

/// A batch to store.
#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    pub session_id: i64,
    pub seq: u32,
    /// SHA-256 (hex) of the batch's canonical JSON: the same batch sent again has the same.
    pub body_hash: &'a str,
    pub contacts: &'a [StoredContact],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSync {
    pub id: i64,
    pub kind: SyncKind,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenSyncOutcome {
    Opened(OpenedSync),
    /// The person shares with no network.
    NotSharing,
    /// Too many sessions already open.
    TooMany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    Stored {
        items: u32,
    },
    /// The same batch had been received already; nothing was done.
    Replayed {
        items: u32,
    },
    /// A different batch had been received under this number.
    Conflict,
    NotFound,
    /// Committed, abandoned or expired.
    Closed(&'static str),
    /// The session would carry more contacts than an ally may have.
    TooManyContacts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed(CommitResult),
    NotFound,
    Closed(&'static str),
    /// These batch numbers (the first few) have not arrived.
    Missing(Vec<u32>),
    /// A batch was received with this number, which is not below `batch_count`.
    BeyondCount(u32),
    NotSharing,
    TooManyContacts,
}

/// What [`Repository::set_sharing`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharingOutcome {
    Updated(NetworkMembership),
    NotMember,
    /// Only allies share contacts.
    NotAlly,
}

/// Opens the database `location` names: a PostgreSQL URL (`postgres://…`, see [`pg`]) or the
/// path of a SQLite file (created and migrated if needed).
pub async fn open_repository(location: &Path) -> Result<Arc<dyn Repository>, RepoError> {
    match location.to_str() {
        Some(url) if pg::is_postgres_url(url) => Ok(Arc::new(pg::open_pg(url).await?)),
        _ => Ok(Arc::new(open_db(location).await?)),
    }
}

/// Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
pub async fn open_db(path: &Path) -> Result<SqliteRepository, RepoError> {
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Throughput (a full sync of 30,000 contacts stages and then copies ~20 MB of rows):
        // SQLite's default 2 MB page cache made every batch and the commit re-read pages with
        // a pread(2) each. Map the file instead, and give each connection a larger cache; both
        // are only as big as the database actually is.
        .pragma("mmap_size", "268435456")
        .pragma("cache_size", "-32768")
        .pragma("temp_store", "memory")
        // Checkpoints run in the background (see `Checkpointer`), not in whichever request's
        // commit happens to cross SQLite's 1,000-page threshold: that request used to pay for
        // copying everyone's pages into the database file (half of a 30,000-contact commit).
        .pragma("wal_autocheckpoint", "0")
        .pragma("journal_size_limit", "67108864");
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    rederive_minimal_contacts(&pool).await?;
    let checkpointer = Arc::new(Checkpointer::start(pool.clone()));
    Ok(SqliteRepository {
        pool,
        _checkpointer: checkpointer,
    })
}

/// The second half of migration 0017 (the design's *Minimal data*): the rows that had a
/// company or position, listed in `contact_rederive`, get the search words and content hash of
/// what is left of them (SQL cannot split words by Unicode's rules nor compute the protocol's
/// hash), then the search index is merged so their deleted words leave the file. In batches, one
/// transaction each, so an interruption loses nothing: the next start goes on. Nothing to do
/// (one empty read) on every start after that.
pub async fn rederive_minimal_contacts(pool: &SqlitePool) -> Result<u64, RepoError> {
    let mut done = 0u64;
    loop {
        let mut tx = pool.begin().await?;
        let listed: Vec<(i64, String)> =
            sqlx::query_as("SELECT person_id, key FROM contact_rederive LIMIT 500")
                .fetch_all(&mut *tx)
                .await?;
        if listed.is_empty() {
            break;
        }
        for (person_id, key) in &listed {
            let row = sqlx::query("SELECT * FROM contacts WHERE person_id = ? AND key = ?")
                .bind(person_id)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = row {
                let record = sync::record_from_row(&row)?;
                // A stored row was valid when stored; should one not be now, its search words
                // are still rebuilt from its own fields, and its hash left to the next sync.
                let (search_text, sort_name, hash) = match StoredContact::new(&record) {
                    Ok(c) => (c.search_text, c.sort_name, Some(c.content_hash as i64)),
                    Err(_) => (
                        [&record.first_name, &record.last_name, &record.headline]
                            .into_iter()
                            .flatten()
                            .flat_map(|t| network::words_of(t))
                            .collect::<Vec<_>>()
                            .join(" "),
                        record.display_name().to_lowercase(),
                        None,
                    ),
                };
                sqlx::query(
                    "UPDATE contacts SET search_text = ?, sort_name = ?,
                         content_hash = COALESCE(?, content_hash)
                     WHERE person_id = ? AND key = ?",
                )
                .bind(search_text)
                .bind(sort_name)
                .bind(hash)
                .bind(person_id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("DELETE FROM contact_rederive WHERE person_id = ? AND key = ?")
                .bind(person_id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        done += listed.len() as u64;
    }
    if done > 0 {
        let mut conn = pool.acquire().await?;
        network::purge_deleted_words(&mut conn).await?;
    }
    Ok(done)
}

/// How often the background checkpoint copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` every [`CHECKPOINT_EVERY`] on a pool connection, so
/// the WAL stays small without any request waiting for a checkpoint. PASSIVE never blocks
/// readers or writers (it copies what it can and tries again next time). Stops when the last
/// repository clone is dropped; SQLite checkpoints once more when the last connection closes.
#[derive(Debug)]
struct Checkpointer {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Checkpointer {
    fn start(pool: SqlitePool) -> Checkpointer {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tick.tick() => {
                        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                            .execute(&pool)
                            .await
                        {
                            tracing::warn!(error = %e, "background WAL checkpoint failed");
                        }
                    }
                }
            }
        });
        Checkpointer { stop: Some(stop) }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The SQLite implementation of [`Repository`].
#[derive(Debug, Clone)]
pub struct SqliteRepository {
    pool: SqlitePool,
    // Held for its `Drop`: the background checkpoint stops with the last clone.
    _checkpointer: Arc<Checkpointer>,
}

fn parse_role(s: &str) -> Result<Role, RepoError> {
    Role::parse(s).ok_or_else(|| RepoError::Corrupt(format!("unknown role {s:?}")))
}

/// One invitation and its queued email, inside the caller's transaction (see
/// [`Repository::create_invitation`]); a refusal for the daily limit writes nothing.
async fn insert_invitation(
    conn: &mut sqlx::SqliteConnection,
    inv: &NewInvitation,
) -> Result<CreateOutcome, RepoError> {
    let network_id: i64 = sqlx::query_scalar(
        "INSERT INTO networks (name, created_at) VALUES (?, ?)
             ON CONFLICT (name) DO UPDATE SET name = excluded.name
             RETURNING id",
    )
    .bind(&inv.network_name)
    .bind(inv.now)
    .fetch_one(&mut *conn)
    .await?;
    let email_norm = normalize_email(&inv.email);
    if let Some(limit) = inv.daily_limit {
        let row = sqlx::query(
            "SELECT COUNT(*) AS sent, MIN(created_at) AS oldest FROM invitations
                 WHERE network_id = ? AND email_norm = ? AND created_at > ?",
        )
        .bind(network_id)
        .bind(&email_norm)
        .bind(inv.now - DAY_SECS)
        .fetch_one(&mut *conn)
        .await?;
        let sent: i64 = row.try_get("sent")?;
        if sent >= i64::from(limit) {
            let oldest: i64 = row.try_get::<Option<i64>, _>("oldest")?.unwrap_or(inv.now);
            return Ok(CreateOutcome::TooManyEmails {
                sent: sent as u32,
                retry_after: (oldest + DAY_SECS - inv.now).max(1),
            });
        }
    }
    let revoked = sqlx::query(
        "UPDATE invitations SET revoked_at = ?
             WHERE network_id = ? AND email_norm = ? AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(inv.now)
    .bind(network_id)
    .bind(&email_norm)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let invitation_id: i64 = sqlx::query_scalar(
        "INSERT INTO invitations
               (network_id, email, email_norm, name, role, note, permissions, token_hash,
                created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             RETURNING id",
    )
    .bind(network_id)
    .bind(inv.email.trim())
    .bind(&email_norm)
    .bind(&inv.name)
    .bind(inv.role.as_str())
    .bind(&inv.note)
    .bind(inv.permissions.map(Permissions::bits))
    .bind(&inv.token_hash)
    .bind(inv.now)
    .bind(inv.expires_at)
    .fetch_one(&mut *conn)
    .await?;
    // Born claimed when the caller sends it at once, so no queue worker takes it first.
    let (attempts, last_attempt_at, next_attempt_at) = if inv.deliver_now {
        (1, Some(inv.now), inv.now + mail::MAIL_LEASE_SECS)
    } else {
        (0, None, inv.now)
    };
    let mail_id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_queue
               (invitation_id, created_at, next_attempt_at, attempts, last_attempt_at)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(invitation_id)
    .bind(inv.now)
    .bind(next_attempt_at)
    .bind(attempts)
    .bind(last_attempt_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(CreateOutcome::Created(CreatedInvitation {
        invitation_id,
        network_id,
        revoked_previous: revoked,
        mail_id,
    }))
}

impl_repository!(SqliteRepository);

/// What the statements both backends share (`db/shared/`, compiled once per backend) need
/// from SQLite: its pool and connection, and the steps that differ from PostgreSQL.
mod dialect {
    use super::RepoError;

    pub(super) type Pool = sqlx::SqlitePool;
    pub(super) use super::set_password;

    /// Nothing on SQLite: its one writer runs writing transactions one after the other (on
    /// PostgreSQL, `SELECT … FOR UPDATE` of the row).
    pub(super) async fn lock_for_update(
        _tx: &mut sqlx::SqliteConnection,
        _table: &'static str,
        _id: i64,
    ) -> Result<(), RepoError> {
        Ok(())
    }
}

const INVITATION_SELECT: &str =
    "SELECT i.id, i.network_id, n.name AS network_name, i.email, i.name, i.role, i.note,
            i.permissions, i.created_at, i.expires_at, i.used_at, i.revoked_at
     FROM invitations i JOIN networks n ON n.id = i.network_id";

fn invitation_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<InvitationRecord, RepoError> {
    Ok(InvitationRecord {
        id: row.try_get("id")?,
        network_id: row.try_get("network_id")?,
        network_name: row.try_get("network_name")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: parse_role(row.try_get::<&str, _>("role")?)?,
        note: row.try_get("note")?,
        permissions: row
            .try_get::<Option<i64>, _>("permissions")?
            .map(Permissions::from_bits),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn membership_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<NetworkMembership, RepoError> {
    let role = parse_role(row.try_get::<&str, _>("role")?)?;
    Ok(NetworkMembership {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role,
        sharing: role == Role::Ally && row.try_get::<bool, _>("sharing")?,
        joined_at: row.try_get("created_at")?,
    })
}

/// A password change, inside the caller's transaction: the new hash, and every session of the
/// person ends (every bearer and refresh token, every pending hand-off grant, every console
/// session); the unused password reset links of the person stop working. How many sessions
/// (extension and console) were still there.
async fn set_password(
    tx: &mut sqlx::SqliteConnection,
    person_id: i64,
    password_hash: &str,
) -> Result<u64, RepoError> {
    sqlx::query("UPDATE people SET password_hash = ? WHERE id = ?")
        .bind(password_hash)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let ended = sqlx::query("UPDATE sessions SET revoked = 1 WHERE person_id = ? AND revoked = 0")
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM handoff_grants WHERE person_id = ?")
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let ended_in_console = sqlx::query("DELETE FROM console_sessions WHERE person_id = ?")
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM password_resets WHERE person_id = ? AND used_at IS NULL")
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    Ok(ended + ended_in_console)
}

/// The consequences of an ally no longer sharing with `network_id` (turned off, or left):
/// the network's introduction-list entries of contacts that no other ally sharing with it
/// has are deleted; every intro ask to them there is deleted (each holds a copy of one of their contacts: name,
/// headline, profile URL, and a note about that person), and if they now share with no network
/// at all, their contacts and everything derived from them: staged rows and batch hashes of
/// every sync session, and the stored results (digests) of committed ones; open sessions are
/// closed (a late batch or commit is answered `session_closed`).
///
/// Asks are deleted rather than kept as tombstones: a row with nothing identifying left (no
/// contact, no note) would tell the network only that it once asked this ally something, which
/// no view uses, and the Terms promise that turning sharing off removes the connections from
/// that network's view.
pub(super) async fn stopped_sharing(
    tx: &mut sqlx::SqliteConnection,
    person_id: i64,
    network_id: i64,
    now: i64,
) -> Result<(), RepoError> {
    sqlx::query("DELETE FROM intro_asks WHERE ally_id = ? AND network_id = ?")
        .bind(person_id)
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    // The network's list entries of contacts no other sharing ally has: a list names a
    // contact only while the network may see it.
    lists::prune_entries(&mut *tx, network_id).await?;
    let still_sharing: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships
                        WHERE person_id = ? AND role = 'ally' AND sharing = 1)",
    )
    .bind(person_id)
    .fetch_one(&mut *tx)
    .await?;
    if !still_sharing {
        sqlx::query("DELETE FROM contacts WHERE person_id = ?")
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        network::purge_deleted_words(&mut *tx).await?;
        for derived in [
            "DELETE FROM sync_staged WHERE session_id IN
               (SELECT id FROM sync_sessions WHERE person_id = ?)",
            "DELETE FROM sync_batches WHERE session_id IN
               (SELECT id FROM sync_sessions WHERE person_id = ?)",
            "DELETE FROM sync_sessions WHERE person_id = ? AND state = 'committed'",
        ] {
            sqlx::query(derived)
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE sync_sessions SET state = 'aborted', closed_at = ?
             WHERE person_id = ? AND state = 'open'",
        )
        .bind(now)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// The person an accepted invitation is for, found by address: their id, their name, and
/// whether the account is new. A new account is made with `password_hash`; an account without
/// a password is given it. `None` when a password is needed and none was given. The one rule
/// for every invitation (a network's member, a company's admin).
pub(crate) async fn person_accepting(
    tx: &mut sqlx::SqliteConnection,
    name: &str,
    email: &str,
    email_norm: &str,
    password_hash: Option<&str>,
    now: i64,
) -> Result<Option<(i64, String, bool)>, RepoError> {
    let existing = sqlx::query("SELECT id, name, password_hash FROM people WHERE email_norm = ?")
        .bind(email_norm)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = existing {
        let id: i64 = row.try_get("id")?;
        let current: Option<String> = row.try_get("password_hash")?;
        if current.is_none() {
            let Some(hash) = password_hash else {
                return Ok(None);
            };
            sqlx::query("UPDATE people SET password_hash = ? WHERE id = ?")
                .bind(hash)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        return Ok(Some((id, row.try_get("name")?, false)));
    }
    let Some(hash) = password_hash else {
        return Ok(None);
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO people (name, email, email_norm, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(name)
    .bind(email)
    .bind(email_norm)
    .bind(hash)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Some((id, name.to_string(), true)))
}
