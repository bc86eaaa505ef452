//! Contact sync: open a session, upload numbered batches (idempotent), commit.
//!
//! Nothing a batch carries is visible before the commit, which applies the whole session in
//! one transaction; a session that is never committed expires and changes nothing. Batches
//! are idempotent by (session, seq): the same contacts again get the stored receipt (even
//! after a restart), different contacts under a used number get 422 `batch_conflict`.

use allyshare_protocol::limits::{BATCH_MAX_BYTES, BATCH_MAX_ITEMS, SYNC_MAX_BATCHES};
use allyshare_protocol::{
    ApiError, BatchReceipt, CommitRequest, CommitResult, ContactBatch, ContactDigest,
    OpenSyncRequest, SyncLimits, SyncSession,
};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::Json;
use sha2::{Digest, Sha256};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::{ApiFailure, ApiJson, ApiPath, Authenticated};
use crate::budget::REQUEST_COST;
use crate::db::{BatchOutcome, CommitOutcome, NewBatch, OpenSyncOutcome, StoredContact};
use crate::App;

/// The published limits.
#[utoipa::path(
    get,
    path = "/v1/sync/limits",
    tag = "sync",
    responses((status = 200, description = "The limits of contact sync", body = SyncLimits))
)]
pub async fn limits(State(app): State<App>) -> Json<SyncLimits> {
    Json(app.sync_limits())
}

/// Open a sync session. Refused (409 `not_sharing`) when the ally shares with no network.
#[utoipa::path(
    post,
    path = "/v1/sync/sessions",
    tag = "sync",
    security(("bearer" = [])),
    request_body = OpenSyncRequest,
    responses(
        (status = 201, description = "Opened", body = SyncSession),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 409, description = "`not_sharing`: no network is shared with; `conflict`: too many sessions open", body = ApiError),
        (status = 429, description = "Write budget spent; see `Retry-After`", body = ApiError),
    )
)]
pub async fn open(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiJson(request): ApiJson<OpenSyncRequest>,
) -> Result<(StatusCode, Json<SyncSession>), ApiFailure> {
    app.spend_write_budget(session.person_id, REQUEST_COST)
        .await?;
    let _turn = app.sync_write_turn().await;
    match app
        .repo()
        .open_sync(session.person_id, request.kind, app.now())
        .await?
    {
        OpenSyncOutcome::Opened(opened) => Ok((
            StatusCode::CREATED,
            Json(SyncSession {
                id: opened.id,
                kind: opened.kind,
                expires_at: opened.expires_at,
                limits: app.sync_limits(),
            }),
        )),
        OpenSyncOutcome::NotSharing => Err(ApiFailure::NotSharing),
        OpenSyncOutcome::TooMany => Err(ApiFailure::Conflict(format!(
            "Too many sync sessions are open; commit or abandon one first (at most {}).",
            crate::db::sync::MAX_OPEN_SESSIONS
        ))),
    }
}

/// An `io::Write` that feeds a SHA-256.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Why a batch body is refused before it reaches the database.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BatchError {
    /// Not JSON, or not a `ContactBatch` (unknown fields included).
    #[error("{0}")]
    Malformed(String),
    /// More contacts than a batch may carry.
    #[error("A batch carries at most {max} contacts; this one has {items}.")]
    TooManyItems { items: usize, max: usize },
    /// One contact's field is invalid (`contacts[i].field: why`).
    #[error("{0}")]
    InvalidContact(String),
    /// The normalised contacts could not be serialised for hashing (a server bug).
    #[error("serialising a batch: {0}")]
    Canonical(String),
}

impl From<BatchError> for ApiFailure {
    fn from(e: BatchError) -> Self {
        match e {
            BatchError::Malformed(m) => ApiFailure::InvalidRequest(m),
            BatchError::TooManyItems { .. } => ApiFailure::LimitExceeded(e.to_string()),
            BatchError::InvalidContact(m) => ApiFailure::Unprocessable(m),
            BatchError::Canonical(_) => ApiFailure::Internal(e.to_string()),
        }
    }
}

/// A validated batch: its contacts normalised, and the hash that makes uploads idempotent.
#[derive(Debug, Clone)]
pub struct PreparedBatch {
    pub contacts: Vec<StoredContact>,
    /// SHA-256 (hex) of the normalised contacts' JSON.
    pub body_hash: String,
}

/// Decodes a batch body as the handler's JSON extractor does (`deny_unknown_fields`), then
/// validates it. A plain function, so that the fuzz target exercises exactly what the server
/// runs on an untrusted body.
pub fn decode_batch(body: &[u8]) -> Result<PreparedBatch, BatchError> {
    let batch: ContactBatch =
        serde_json::from_slice(body).map_err(|e| BatchError::Malformed(e.to_string()))?;
    prepare_batch(&batch, BATCH_MAX_ITEMS)
}

/// Validates and normalises a batch of at most `max_items` contacts (this server's published
/// limit), and computes its canonical hash.
pub fn prepare_batch(batch: &ContactBatch, max_items: usize) -> Result<PreparedBatch, BatchError> {
    if batch.contacts.len() > max_items {
        return Err(BatchError::TooManyItems {
            items: batch.contacts.len(),
            max: max_items,
        });
    }
    let mut contacts = Vec::with_capacity(batch.contacts.len());
    for (i, contact) in batch.contacts.iter().enumerate() {
        let contact = StoredContact::new(contact)
            .map_err(|p| BatchError::InvalidContact(format!("contacts[{i}].{p}")))?;
        contacts.push(contact);
    }
    let canonical: Vec<&allyshare_protocol::ContactRecord> =
        contacts.iter().map(|c| &c.record).collect();
    // Serialised straight into the hasher: no copy of the batch is kept.
    let mut hasher = HashWriter(Sha256::new());
    serde_json::to_writer(&mut hasher, &canonical)
        .map_err(|e| BatchError::Canonical(e.to_string()))?;
    let body_hash = hasher
        .0
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(PreparedBatch {
        contacts,
        body_hash,
    })
}

/// Upload batch `seq` of a session (`0, 1, 2, …`). Idempotent: the same contacts again get the
/// same receipt; different contacts under a number already used are refused.
#[utoipa::path(
    put,
    path = "/v1/sync/sessions/{session_id}/batches/{seq}",
    tag = "sync",
    security(("bearer" = [])),
    params(
        ("session_id" = i64, Path, description = "The sync session"),
        ("seq" = u32, Path, description = "The batch number, from 0", maximum = 999),
    ),
    request_body = ContactBatch,
    responses(
        (status = 200, description = "Stored (or, with `replayed`, already stored)", body = BatchReceipt),
        (status = 400, description = "Malformed JSON, or an unknown field (emails and phone numbers are refused)", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 404, description = "No such session of this ally", body = ApiError),
        (status = 409, description = "`session_closed`: committed, abandoned or expired", body = ApiError),
        (status = 413, description = "`payload_too_large`: body over 1 MiB", body = ApiError),
        (status = 422, description = "`batch_conflict`, `limit_exceeded` (items, seq, contacts per ally) or `invalid_request` (a contact's field)", body = ApiError),
        (status = 429, description = "Write budget spent; see `Retry-After`", body = ApiError),
    )
)]
pub async fn put_batch(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((session_id, seq)): ApiPath<(i64, u32)>,
    ApiJson(batch): ApiJson<ContactBatch>,
) -> Result<Json<BatchReceipt>, ApiFailure> {
    if seq >= SYNC_MAX_BATCHES {
        return Err(ApiFailure::LimitExceeded(format!(
            "A session has at most {SYNC_MAX_BATCHES} batches."
        )));
    }
    let PreparedBatch {
        contacts,
        body_hash,
    } = prepare_batch(&batch, app.sync_limits().max_batch_items as usize)?;
    let cost = REQUEST_COST + contacts.len() as u64;
    if let Err(limited) = app.spend_write_budget(session.person_id, cost).await {
        let ApiFailure::RateLimited(_) = limited else {
            return Err(limited);
        };
        // A replay does no work, so it is answered even when the budget is spent.
        let earlier = app
            .repo()
            .batch_hash(session.person_id, session_id, seq)
            .await?;
        return match earlier {
            Some(hash) if hash == body_hash => Ok(receipt(session_id, seq, &contacts, true)),
            _ => Err(limited),
        };
    }
    let turn = app.sync_write_turn().await;
    let outcome = app
        .repo()
        .put_batch(
            session.person_id,
            &NewBatch {
                session_id,
                seq,
                body_hash: &body_hash,
                contacts: &contacts,
            },
            app.now(),
        )
        .await;
    drop(turn);
    let outcome = match outcome {
        Ok(BatchOutcome::Stored { .. }) => return Ok(receipt(session_id, seq, &contacts, false)),
        Ok(outcome) => outcome,
        Err(e) => {
            app.refund_write_budget(session.person_id, cost).await;
            return Err(e.into());
        }
    };
    app.refund_write_budget(session.person_id, cost).await;
    match outcome {
        BatchOutcome::Stored { .. } => unreachable!("handled above"),
        BatchOutcome::Replayed { .. } => Ok(receipt(session_id, seq, &contacts, true)),
        BatchOutcome::Conflict => Err(ApiFailure::BatchConflict(seq)),
        BatchOutcome::NotFound => Err(ApiFailure::NotFound),
        BatchOutcome::Closed(reason) => Err(ApiFailure::SessionClosed(reason)),
        BatchOutcome::TooManyContacts => Err(ApiFailure::LimitExceeded(format!(
            "An ally shares at most {} contacts.",
            allyshare_protocol::limits::CONTACTS_MAX_PER_ALLY
        ))),
    }
}

fn receipt(
    session_id: i64,
    seq: u32,
    contacts: &[StoredContact],
    replayed: bool,
) -> Json<BatchReceipt> {
    Json(BatchReceipt {
        session_id,
        seq,
        items: contacts.len() as u32,
        replayed,
    })
}

/// Commit: apply every batch `0..batch_count` at once. A `delta` session upserts; a `full`
/// one also removes the ally's contacts it did not carry. Repeating a commit returns the same
/// result.
#[utoipa::path(
    post,
    path = "/v1/sync/sessions/{session_id}/commit",
    tag = "sync",
    security(("bearer" = [])),
    params(("session_id" = i64, Path, description = "The sync session")),
    request_body = CommitRequest,
    responses(
        (status = 200, description = "Committed (now or before)", body = CommitResult),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 404, description = "No such session of this ally", body = ApiError),
        (status = 409, description = "`batches_missing` (the message lists them), `session_closed`, or `not_sharing`", body = ApiError),
        (status = 422, description = "`limit_exceeded`: more contacts than an ally may share, or a batch numbered beyond `batch_count`", body = ApiError),
        (status = 429, description = "Write budget spent; see `Retry-After`", body = ApiError),
    )
)]
pub async fn commit(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(session_id): ApiPath<i64>,
    ApiJson(request): ApiJson<CommitRequest>,
) -> Result<Json<CommitResult>, ApiFailure> {
    app.spend_write_budget(session.person_id, REQUEST_COST)
        .await?;
    let _turn = app.sync_write_turn().await;
    match app
        .repo()
        .commit_sync(
            session.person_id,
            session_id,
            request.batch_count,
            app.now(),
        )
        .await?
    {
        CommitOutcome::Committed(result) => {
            // New rows wait for the full-text index; changed ones are re-indexed in the commit.
            if result.added > 0 {
                app.contacts_committed();
            }
            Ok(Json(result))
        }
        CommitOutcome::NotFound => Err(ApiFailure::NotFound),
        CommitOutcome::Closed(reason) => Err(ApiFailure::SessionClosed(reason)),
        CommitOutcome::Missing(missing) => Err(ApiFailure::BatchesMissing(format!(
            "Not every batch has arrived; missing: {}.",
            missing
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        CommitOutcome::BeyondCount(seq) => Err(ApiFailure::LimitExceeded(format!(
            "Batch {seq} was received, but batch_count is {}.",
            request.batch_count
        ))),
        CommitOutcome::NotSharing => Err(ApiFailure::NotSharing),
        CommitOutcome::TooManyContacts => Err(ApiFailure::LimitExceeded(format!(
            "An ally shares at most {} contacts.",
            allyshare_protocol::limits::CONTACTS_MAX_PER_ALLY
        ))),
    }
}

/// Abandon an open session (its batches are dropped; nothing visible changes).
#[utoipa::path(
    delete,
    path = "/v1/sync/sessions/{session_id}",
    tag = "sync",
    security(("bearer" = [])),
    params(("session_id" = i64, Path, description = "The sync session")),
    responses(
        (status = 204, description = "Abandoned (or already abandoned or expired)"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 404, description = "No such session of this ally", body = ApiError),
        (status = 409, description = "`session_closed`: already committed", body = ApiError),
    )
)]
pub async fn abort(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(session_id): ApiPath<i64>,
) -> Result<StatusCode, ApiFailure> {
    let _turn = app.sync_write_turn().await;
    match app
        .repo()
        .abort_sync(session.person_id, session_id, app.now())
        .await?
    {
        None => Err(ApiFailure::NotFound),
        Some("committed") => Err(ApiFailure::SessionClosed("already committed")),
        Some(_) => Ok(StatusCode::NO_CONTENT),
    }
}

/// The digest of the contacts the server holds for the ally (count + order-independent hash;
/// see `ContactDigest`), to compare with the extension's own.
#[utoipa::path(
    get,
    path = "/v1/contacts/digest",
    tag = "sync",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The digest", body = ContactDigest),
        (status = 401, description = "No valid access token", body = ApiError),
    )
)]
pub async fn digest(
    State(app): State<App>,
    Authenticated(session): Authenticated,
) -> Result<Json<ContactDigest>, ApiFailure> {
    Ok(Json(app.repo().contact_digest(session.person_id).await?))
}

/// The sync routes, each with its operation in the OpenAPI document.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(limits))
        .routes(routes!(open))
        .routes(routes!(abort))
        .routes(routes!(put_batch).layer(DefaultBodyLimit::max(BATCH_MAX_BYTES)))
        .routes(routes!(commit))
        .routes(routes!(digest))
}
