//! The wire types of the AllyShare backend API (`/v1`).
//!
//! Both the extension (compiled to wasm) and the reference server depend on this crate, so the
//! two sides cannot drift apart. It holds plain data and no I/O. With the `openapi` feature the
//! types also derive their OpenAPI schemas, from which the server publishes `/v1/openapi.json`.
//!
//! Conventions: JSON, `snake_case` field names, timestamps as seconds since the Unix epoch,
//! errors as [`ApiError`] with a machine-readable [`ErrorCode`].

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

pub mod bounds;
pub mod contacts;
pub mod csv;
pub mod intros;
pub mod lists;
pub mod members;
pub mod permissions;

pub use contacts::{
    canonical_profile_url, contact_key, contact_key_of, contact_url_key_of, content_hash,
    content_hash_of, write_contact_key, ContactDigest, ContactProblem, ContactRecord, ContactView,
};
pub use intros::{
    CompanyAdminRemoved, CompanyAdminView, CompanyContact, CompanyInvitationState,
    CompanyInvitationView, CompanyTeam, CompanyView, IntroDirection, IntroInbox,
    IntroRequestAnswer, IntroRequestCreated, IntroRequestState, IntroRequestView, IntroReview,
    IntroSettings, NewCompany, NewCompanyIntroRequest, NewIntroRequest, ProfessionalSummary,
};
pub use lists::{
    EntriesAdded, EntriesRemoved, IntroList, IntroListDetail, IntroListEntry, IntroListRequest,
    ListAskRequest, ListAskResult, ListEntriesRequest, SkipReason, SkippedAsk,
};
pub use members::{AuditLogEntry, AuditLogPage, MemberAccessRequest, MemberView};
pub use permissions::{Permission, PermissionTemplate, Permissions};

/// Path prefix of every API route.
pub const API_PREFIX: &str = "/v1";

/// The routes of the API, relative to the backend's base URL.
pub mod routes {
    /// `POST`: email + password → [`crate::SessionTokens`]. `DELETE .../current`: sign out.
    pub const SESSIONS: &str = "/v1/sessions";
    /// `DELETE`: revoke the session the bearer token belongs to.
    pub const SESSION_CURRENT: &str = "/v1/sessions/current";
    /// `POST`: a refresh token → a new [`crate::SessionTokens`] (the old refresh token dies).
    pub const SESSION_REFRESH: &str = "/v1/sessions/refresh";
    /// `GET`: the signed-in person and their networks ([`crate::Me`]).
    pub const ME: &str = "/v1/me";
    /// `GET`: the person's [`crate::Preferences`]. `PUT`: set them.
    pub const ME_PREFERENCES: &str = "/v1/me/preferences";
    /// `POST`: [`crate::PasswordResetRequest`] → 202, an emailed reset link if the address has
    /// an account (the answer never says whether it has).
    pub const PASSWORD_RESETS: &str = "/v1/password-resets";
    /// `GET`: the OpenAPI document of this API.
    pub const OPENAPI: &str = "/v1/openapi.json";
    /// `POST`: a hand-off code + its verifier → [`crate::SessionTokens`].
    pub const SESSION_HANDOFF: &str = "/v1/sessions/handoff";
    /// `PUT`: [`crate::SharingRequest`] → [`crate::NetworkMembership`].
    pub const NETWORK_SHARING: &str = "/v1/networks/{network_id}/sharing";
    /// `DELETE`: leave the network.
    pub const NETWORK_MEMBERSHIP: &str = "/v1/networks/{network_id}/membership";
    /// `GET` (network admin): [`crate::ContactPage`]; query `q`, `cursor`, `limit`.
    pub const NETWORK_CONTACTS: &str = "/v1/networks/{network_id}/contacts";
    /// `GET` (network admin): the network's intro asks. `POST`: ask an ally.
    pub const NETWORK_INTRO_ASKS: &str = "/v1/networks/{network_id}/intro-asks";
    /// `GET` (network admin): the invitations. `POST`: invite one person.
    pub const NETWORK_INVITATIONS: &str = "/v1/networks/{network_id}/invitations";
    /// `POST` (network admin, `text/csv` body): invite many.
    pub const NETWORK_INVITATIONS_IMPORT: &str = "/v1/networks/{network_id}/invitations/import";
    /// `DELETE` (network admin): revoke a pending invitation.
    pub const NETWORK_INVITATION: &str = "/v1/networks/{network_id}/invitations/{invitation_id}";
    /// `POST` (network admin): send a new link (the old one stops working).
    pub const NETWORK_INVITATION_RESEND: &str =
        "/v1/networks/{network_id}/invitations/{invitation_id}/resend";
    /// `GET`: the sync limits ([`crate::SyncLimits`]).
    pub const SYNC_LIMITS: &str = "/v1/sync/limits";
    /// `POST`: open a sync session ([`crate::OpenSyncRequest`] → [`crate::SyncSession`]).
    pub const SYNC_SESSIONS: &str = "/v1/sync/sessions";
    /// `DELETE`: abandon an open sync session.
    pub const SYNC_SESSION: &str = "/v1/sync/sessions/{session_id}";
    /// `PUT`: upload batch number `seq` ([`crate::ContactBatch`] → [`crate::BatchReceipt`]).
    pub const SYNC_BATCH: &str = "/v1/sync/sessions/{session_id}/batches/{seq}";
    /// `POST`: commit ([`crate::CommitRequest`] → [`crate::CommitResult`]).
    pub const SYNC_COMMIT: &str = "/v1/sync/sessions/{session_id}/commit";
    /// `GET`: [`crate::ContactDigest`] of the contacts the server holds for the ally.
    pub const CONTACTS_DIGEST: &str = "/v1/contacts/digest";
    /// `GET`: the ally's intro asks ([`crate::IntroAsk`]).
    pub const MY_INTRO_ASKS: &str = "/v1/intro-asks";
    /// `POST`: answer an ask ([`crate::IntroAnswer`] → [`crate::IntroAsk`]).
    pub const INTRO_ASK_ANSWER: &str = "/v1/intro-asks/{ask_id}/answer";

    /// A route template with its `{placeholders}` filled in order.
    ///
    /// `routes::fill(routes::SYNC_BATCH, &[&12, &0])` → `/v1/sync/sessions/12/batches/0`.
    pub fn fill(template: &str, values: &[&dyn std::fmt::Display]) -> String {
        let mut out = String::with_capacity(template.len() + 16);
        let mut values = values.iter();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
            match values.next() {
                Some(v) => out.push_str(&v.to_string()),
                None => out.push_str(&rest[open..close]),
            }
            rest = &rest[close..];
        }
        out.push_str(rest);
        out
    }
}

/// Limits of account credentials, shared so the extension can check before sending.
pub mod limits {
    /// Minimum password length, in characters.
    pub const PASSWORD_MIN_CHARS: usize = 8;
    /// Maximum password length, in characters.
    pub const PASSWORD_MAX_CHARS: usize = 128;
    /// Most contacts in one sync batch.
    pub const BATCH_MAX_ITEMS: usize = 500;
    /// Largest sync batch body, in bytes.
    pub const BATCH_MAX_BYTES: usize = 1024 * 1024;
    /// Most contacts the server keeps for one ally (LinkedIn's own cap on connections).
    pub const CONTACTS_MAX_PER_ALLY: usize = 30_000;
    /// Highest batch count of one sync session.
    pub const SYNC_MAX_BATCHES: u32 = 1_000;
    /// A sync session expires this long after its last batch (uncommitted, it changes nothing).
    pub const SYNC_SESSION_TTL_SECS: i64 = 6 * 60 * 60;
    /// Most rows of one page of the network's contacts.
    pub const PAGE_MAX_ITEMS: usize = 100;
    /// Longest intro ask note or decline reason, in characters.
    pub const NOTE_MAX_CHARS: usize = 2_000;
    /// Longest personal note of an invitation (shown in its email), in characters.
    pub const INVITATION_NOTE_MAX_CHARS: usize = 1_000;
    /// Most data rows of an invitation CSV.
    pub const CSV_MAX_ROWS: usize = 5_000;
    /// Largest invitation CSV, in bytes.
    pub const CSV_MAX_BYTES: usize = 2 * 1024 * 1024;
    /// A hand-off code works once, within this many seconds.
    pub const HANDOFF_CODE_TTL_SECS: i64 = 5 * 60;
    /// Longest email address, in characters (RFC 5321's limit on a forward path).
    pub const EMAIL_MAX_CHARS: usize = 254;
    /// Longest name of a person, in characters.
    pub const NAME_MAX_CHARS: usize = 200;
    /// Longest token, code or verifier a client sends, in characters (ours are 43).
    pub const TOKEN_MAX_CHARS: usize = 128;
}

/// `POST /v1/sessions`: sign in with email and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignInRequest {
    /// Email address; compared case-insensitively.
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub password: String,
}

/// `PUT /v1/me/password`: change the password; every session of the person ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub new_password: String,
}

/// `POST /v1/password-resets`: email a password reset link to this address, if it has an
/// account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
}

/// `GET`/`PUT /v1/me/preferences`: what the person chose about the email they get. A `PUT`
/// carries every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// An email when a network asks the person (as an ally) for an introduction. On unless
    /// turned off.
    pub ask_emails: bool,
}

/// `POST /v1/sessions/refresh`: exchange a refresh token for a new pair of tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RefreshRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub refresh_token: String,
}

/// The tokens of a session. The access token goes in `Authorization: Bearer …`; the refresh
/// token is single use: refreshing returns a new one and invalidates the old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionTokens {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub access_expires_in: u64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires (unless used or revoked first).
    pub refresh_expires_in: u64,
    /// Always `Bearer`.
    pub token_type: String,
}

/// A person's role in one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Shares their LinkedIn connections with the network and makes introductions.
    Ally,
    /// Invites people, sees the contacts shared with the network, asks for introductions.
    NetworkAdmin,
}

impl Role {
    /// The wire name (`ally`, `network_admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ally => "ally",
            Role::NetworkAdmin => "network_admin",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "ally" => Some(Role::Ally),
            "network_admin" => Some(Role::NetworkAdmin),
            _ => None,
        }
    }
}

/// A person with an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// One network the person belongs to, and their role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NetworkMembership {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// Whether the person shares their contacts with this network (allies only; always
    /// `false` for a network admin). Off until the ally turns it on.
    #[serde(default)]
    pub sharing: bool,
    /// When the person joined this network (unix seconds): the newest is the one whose
    /// invitation brought them here, switched on first during onboarding.
    #[serde(default)]
    pub joined_at: i64,
}

/// `GET /v1/me`: who is signed in, and their networks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub person: Person,
    pub networks: Vec<NetworkMembership>,
}

/// Machine-readable error codes. Clients must treat an unknown code as [`ErrorCode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or parameters are malformed.
    InvalidRequest,
    /// Unknown email or wrong password (deliberately the same answer for both).
    InvalidCredentials,
    /// No bearer token, or one that is unknown, expired or revoked.
    Unauthorized,
    /// The refresh token is unknown, expired, already used or revoked: sign in again.
    InvalidRefreshToken,
    /// Authenticated, but not allowed to do this.
    Forbidden,
    NotFound,
    /// Too many requests; see `Retry-After`.
    RateLimited,
    /// The server failed; retrying later may help.
    Internal,
    /// The request body is larger than the published limit (413).
    PayloadTooLarge,
    /// A published limit would be exceeded: items per batch, batches per session, contacts per
    /// ally, rows per CSV (422).
    LimitExceeded,
    /// A sync batch with this sequence number was already received with a different body (422).
    BatchConflict,
    /// Commit refused: not every batch `0..batch_count` has arrived (409).
    BatchesMissing,
    /// The sync session is committed, abandoned or expired (409): open a new one.
    SessionClosed,
    /// The ally shares with no network, so contacts cannot be uploaded (409).
    NotSharing,
    /// The request conflicts with the current state (already a member, no longer pending…) (409).
    Conflict,
    /// The hand-off code is unknown, expired, used, or does not match the verifier (400).
    InvalidHandoffCode,
    /// A code this client does not know yet.
    #[serde(other)]
    Unknown,
}

/// The body of every error response (4xx and 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    /// A human-readable explanation, in English.
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

/// `POST /v1/sessions/handoff`: a one-time code from the web page, and the verifier whose
/// challenge the code was issued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HandoffExchange {
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub code: String,
    /// The secret the extension generated; `base64url(SHA-256(verifier))` is the challenge.
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub verifier: String,
}

/// `POST /handoff/code` (the web page, same origin, cookie): ask a code for a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HandoffCodeRequest {
    /// `base64url(SHA-256(verifier))`, no padding (43 characters).
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub challenge: String,
}

/// A one-time hand-off code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HandoffCode {
    pub code: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
}

/// `PUT /v1/networks/{network_id}/sharing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SharingRequest {
    pub sharing: bool,
}

/// `delta` upserts what it carries; `full` also removes, at commit, the ally's contacts it
/// did not carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncKind {
    Delta,
    Full,
}

impl SyncKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncKind::Delta => "delta",
            SyncKind::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<SyncKind> {
        match s {
            "delta" => Some(SyncKind::Delta),
            "full" => Some(SyncKind::Full),
            _ => None,
        }
    }
}

/// `POST /v1/sync/sessions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OpenSyncRequest {
    pub kind: SyncKind,
}

/// The published limits of contact sync (see [`limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncLimits {
    pub max_batch_items: u32,
    pub max_batch_bytes: u32,
    pub max_contacts: u32,
    pub max_batches: u32,
    pub session_ttl_secs: u64,
}

impl Default for SyncLimits {
    fn default() -> Self {
        SyncLimits {
            max_batch_items: limits::BATCH_MAX_ITEMS as u32,
            max_batch_bytes: limits::BATCH_MAX_BYTES as u32,
            max_contacts: limits::CONTACTS_MAX_PER_ALLY as u32,
            max_batches: limits::SYNC_MAX_BATCHES,
            session_ttl_secs: limits::SYNC_SESSION_TTL_SECS as u64,
        }
    }
}

/// An open sync session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncSession {
    pub id: i64,
    pub kind: SyncKind,
    /// When it expires unless a batch arrives before (each batch pushes it back).
    pub expires_at: i64,
    pub limits: SyncLimits,
}

/// `PUT /v1/sync/sessions/{session_id}/batches/{seq}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactBatch {
    pub contacts: Vec<ContactRecord>,
}

/// The answer to a batch (the same answer again when the same batch is sent again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BatchReceipt {
    pub session_id: i64,
    pub seq: u32,
    /// Contacts in this batch.
    pub items: u32,
    /// `true` when this is a repeat of a batch already received (nothing was done again).
    #[serde(default)]
    pub replayed: bool,
}

/// `POST /v1/sync/sessions/{session_id}/commit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CommitRequest {
    /// How many batches the session has: `0..batch_count` must all have arrived.
    pub batch_count: u32,
}

/// What a commit changed (the same answer again when the commit is repeated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CommitResult {
    pub session_id: i64,
    pub kind: SyncKind,
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Contacts removed (`full` sessions only).
    pub removed: u64,
    /// The ally's contacts after the commit.
    pub digest: ContactDigest,
}

/// A person, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
}

/// An ally who knows a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct KnownBy {
    pub ally: PersonRef,
    /// When the ally connected with the contact, `YYYY-MM-DD`, if known.
    pub connected_on: Option<String>,
}

/// One contact in a network's view: one row per contact key, however many allies know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NetworkContact {
    /// The contact's key (see [`contact_key`]); use it to ask for an introduction.
    pub key: String,
    /// The most recently updated version among the allies who know the contact.
    pub contact: ContactRecord,
    /// The allies (sharing with this network) who know the contact, by name: every one on the
    /// contact's own page, the first [`KNOWN_BY_LISTED`] on a page of contacts.
    pub known_by: Vec<KnownBy>,
    /// How many allies (sharing with this network) know the contact.
    pub allies: u32,
    /// The newest day one of them connected with the contact, `YYYY-MM-DD`, if known.
    pub last_connected_on: Option<String>,
}

/// Most allies listed in `known_by` per contact on a page of contacts (a contact known by
/// hundreds would make every page that heavy); `allies` counts them all.
pub const KNOWN_BY_LISTED: usize = 20;

/// A page of the network's contacts, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ContactPage {
    pub contacts: Vec<NetworkContact>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The state of an intro ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntroAskState {
    Pending,
    /// The ally made the introduction.
    Made,
    Declined,
    /// The ally stopped sharing with the network (or left it) before answering.
    Withdrawn,
}

impl IntroAskState {
    pub fn as_str(self) -> &'static str {
        match self {
            IntroAskState::Pending => "pending",
            IntroAskState::Made => "made",
            IntroAskState::Declined => "declined",
            IntroAskState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<IntroAskState> {
        [
            IntroAskState::Pending,
            IntroAskState::Made,
            IntroAskState::Declined,
            IntroAskState::Withdrawn,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// `POST /v1/networks/{network_id}/intro-asks`: ask an ally to introduce one of their contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroAskRequest {
    pub ally_id: i64,
    #[cfg_attr(feature = "openapi", schema(max_length = 207))]
    pub contact_key: String,
    /// Why, for whom; shown to the ally.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub note: String,
}

/// An introduction ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroAsk {
    pub id: i64,
    pub network_id: i64,
    pub network_name: String,
    pub ally: PersonRef,
    /// The admin who asked (absent if their account was deleted).
    pub asked_by: Option<PersonRef>,
    pub contact_key: String,
    /// The contact as it was when asked.
    pub contact_name: String,
    pub contact_headline: Option<String>,
    pub contact_profile_url: String,
    pub note: String,
    pub state: IntroAskState,
    /// The ally's reason, when declined.
    pub reason: Option<String>,
    pub created_at: i64,
    pub answered_at: Option<i64>,
}

/// The ally's answer to an ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntroOutcome {
    Made,
    Declined,
}

/// `POST /v1/intro-asks/{ask_id}/answer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroAnswer {
    pub outcome: IntroOutcome,
    /// Optional, for a decline.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub reason: Option<String>,
}

/// The kind of a row of a network's team: a member, or an invitation in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TeamEntryState {
    Member,
    Pending,
    Expired,
    Accepted,
    Revoked,
}

/// One row of `GET /v1/networks/{network_id}/team`: the console's Team Members table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TeamEntry {
    /// The person's id for a member, the invitation's for an invitation.
    pub id: i64,
    pub state: TeamEntryState,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// When the member joined, or the invitation was sent.
    pub at: i64,
    /// Allies only: whether they share with this network.
    pub sharing: Option<bool>,
    /// Allies who share: how many contacts they share.
    pub contacts: Option<u64>,
    /// Network Admins: their permissions (an invitation's: those it gives once accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Permission>>))]
    pub permissions: Option<Permissions>,
}

/// A page of a network's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TeamPage {
    pub entries: Vec<TeamEntry>,
    /// Rows matching the filters, on every page.
    pub total: u64,
}

/// `POST /v1/networks/{network_id}/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvitationRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    #[serde(default = "default_role")]
    pub role: Role,
    /// A personal note from the admin, shown as plain text in the invitation email (and in
    /// its re-sends). Line breaks are kept; other control characters are refused (422).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub note: Option<String>,
    /// A Network Admin's permissions once they accept (ignored for an ally). Absent: every
    /// permission (the *Admin* template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
}

fn default_role() -> Role {
    Role::Ally
}

/// The state of an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Pending,
    Accepted,
    Expired,
    /// Revoked by an admin, or replaced by a newer invitation to the same address.
    Revoked,
}

/// An invitation, as an admin sees it (never with its link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Invitation {
    pub id: i64,
    pub network_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub state: InvitationState,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What happened to one row of an invitation CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    Invited,
    /// A pending invitation existed: a new link was sent and the old one revoked.
    AlreadyInvited,
    /// Already a member of the network: nothing sent.
    AlreadyMember,
    InvalidEmail,
    /// No name in the row.
    MissingName,
    /// The same email appeared on an earlier row of the file.
    DuplicateInFile,
    /// The invitation could not be stored or its email not sent; try again.
    Failed,
}

/// One row of the import report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportRow {
    /// The row's line number in the file (the header is line 1 when there is one).
    pub line: u32,
    pub name: String,
    pub email: String,
    pub outcome: ImportOutcome,
    pub invitation_id: Option<i64>,
    pub message: Option<String>,
}

/// `POST /v1/networks/{network_id}/invitations/import`: the outcome of every row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvitationImport {
    /// Whether the first line was taken as a header.
    pub header: bool,
    /// Rows invited or re-sent.
    pub sent: u32,
    /// Emails this import put in the server's mail queue (one per row invited or re-sent);
    /// the queue sends them at the server's rate (`--mail-per-minute`), so the last may leave
    /// minutes later.
    pub emails_queued: u32,
    pub rows: Vec<ImportRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_round_trips_by_wire_name() {
        for role in [Role::Ally, Role::NetworkAdmin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn unknown_error_codes_do_not_break_clients() {
        let e: ApiError =
            serde_json::from_str(r#"{"code":"brand_new_code","message":"later"}"#).unwrap();
        assert_eq!(e.code, ErrorCode::Unknown);
        let e: ApiError =
            serde_json::from_str(r#"{"code":"invalid_credentials","message":"x"}"#).unwrap();
        assert_eq!(e.code, ErrorCode::InvalidCredentials);
    }

    #[test]
    fn routes_fill_in_order() {
        assert_eq!(
            routes::fill(routes::SYNC_BATCH, &[&12, &0]),
            "/v1/sync/sessions/12/batches/0"
        );
        assert_eq!(routes::fill(routes::ME, &[]), "/v1/me");
    }

    #[test]
    fn sharing_defaults_to_off_for_old_servers() {
        let n: NetworkMembership =
            serde_json::from_str(r#"{"id":7,"name":"Sales","role":"ally"}"#).unwrap();
        assert!(!n.sharing);
    }

    #[test]
    fn me_ignores_fields_it_does_not_know() {
        let me: Me = serde_json::from_str(
            r#"{"person":{"id":1,"name":"Ada","email":"ada@example.org","extra":true},
                "networks":[{"id":7,"name":"Sales Network","role":"ally","sharing":true}]}"#,
        )
        .unwrap();
        assert_eq!(me.networks[0].role, Role::Ally);
        assert_eq!(me.networks[0].name, "Sales Network");
    }
}
