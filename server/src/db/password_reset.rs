//! Password resets (`password_resets`, migration 0005): what a request did, who its email
//! goes to, a stored link. The statements, the same on both backends, are
//! `db/shared/password_reset.rs`.

/// What asking for a reset link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRequested {
    /// No account has this address: nothing stored.
    NoAccount,
    /// The account had this many reset emails in the last hour already: nothing stored.
    TooMany,
    /// Stored, its email in the mail queue.
    Queued { reset_id: i64, mail_id: i64 },
}

/// Who a reset email goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetRecipient {
    pub name: String,
    pub email: String,
}

/// A reset link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordResetRecord {
    pub id: i64,
    pub person_id: i64,
    pub email: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub(crate) use super::password_reset_sql::{complete, find, issue_token, request};
