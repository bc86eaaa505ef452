//! Bounds of every text field a client sends, checked by the server before it does anything
//! with a request (422 past them), and published in the OpenAPI document (`maxLength`).
//!
//! Every request type implements [`Bounded`]: the server's JSON extractor takes only bounded
//! types, so a new request type cannot reach a handler without saying what its bounds are.
//! Unbounded input is how a sign-in with a 1 MB email address once grew the server's
//! memory; the bounds here stop that at the door.

use crate::limits::{
    EMAIL_MAX_CHARS, INVITATION_NOTE_MAX_CHARS, NAME_MAX_CHARS, NOTE_MAX_CHARS, PASSWORD_MAX_CHARS,
    TOKEN_MAX_CHARS,
};
use crate::{
    CommitRequest, ContactBatch, HandoffCodeRequest, HandoffExchange, IntroAnswer, IntroAskRequest,
    InvitationRequest, OpenSyncRequest, PasswordChange, PasswordResetRequest, Preferences,
    RefreshRequest, SharingRequest, SignInRequest,
};

/// A field past its bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    pub field: &'static str,
    pub limit: usize,
    pub unit: &'static str,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let TooLong { field, limit, unit } = self;
        write!(f, "The {field} is too long (at most {limit} {unit}).")
    }
}

impl std::error::Error for TooLong {}

/// A request whose every text field has a bound.
pub trait Bounded {
    /// The first field past its bound, if any.
    fn check_bounds(&self) -> Result<(), TooLong>;
}

/// `value` has at most `limit` characters.
pub fn chars(field: &'static str, value: &str, limit: usize) -> Result<(), TooLong> {
    // Bytes bound characters from above: most values need no count at all.
    if value.len() <= limit || value.chars().count() <= limit {
        Ok(())
    } else {
        Err(TooLong {
            field,
            limit,
            unit: "characters",
        })
    }
}

/// An email address: at most [`EMAIL_MAX_CHARS`] (RFC 5321's path limit).
pub fn email(value: &str) -> Result<(), TooLong> {
    chars("email address", value, EMAIL_MAX_CHARS)
}

/// A password given to sign in or to change it (a new one is also checked for its minimum).
pub fn password(field: &'static str, value: &str) -> Result<(), TooLong> {
    chars(field, value, PASSWORD_MAX_CHARS)
}

impl Bounded for SignInRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        email(&self.email)?;
        password("password", &self.password)
    }
}

impl Bounded for PasswordChange {
    fn check_bounds(&self) -> Result<(), TooLong> {
        password("current password", &self.current_password)?;
        password("new password", &self.new_password)
    }
}

impl Bounded for RefreshRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("refresh token", &self.refresh_token, TOKEN_MAX_CHARS)
    }
}

impl Bounded for HandoffExchange {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("code", &self.code, TOKEN_MAX_CHARS)?;
        chars("verifier", &self.verifier, TOKEN_MAX_CHARS)
    }
}

impl Bounded for HandoffCodeRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("challenge", &self.challenge, TOKEN_MAX_CHARS)
    }
}

impl Bounded for InvitationRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("name", &self.name, NAME_MAX_CHARS)?;
        email(&self.email)?;
        chars(
            "note",
            self.note.as_deref().unwrap_or(""),
            INVITATION_NOTE_MAX_CHARS,
        )
    }
}

impl Bounded for IntroAskRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        // A key is `member:` or `url:` and an id.
        chars(
            "contact key",
            &self.contact_key,
            "member:".len() + crate::contacts::MAX_ID_CHARS,
        )?;
        chars("note", &self.note, NOTE_MAX_CHARS)
    }
}

impl Bounded for IntroAnswer {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars(
            "reason",
            self.reason.as_deref().unwrap_or(""),
            NOTE_MAX_CHARS,
        )
    }
}

/// Each contact is checked field by field when it is normalised (see
/// [`crate::ContactRecord::normalized`]); the batch's size by its body limit.
impl Bounded for ContactBatch {
    fn check_bounds(&self) -> Result<(), TooLong> {
        Ok(())
    }
}

/// No text fields.
impl Bounded for OpenSyncRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        Ok(())
    }
}

/// No text fields.
impl Bounded for CommitRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        Ok(())
    }
}

/// No text fields.
impl Bounded for SharingRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        Ok(())
    }
}

impl Bounded for PasswordResetRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        email(&self.email)
    }
}

/// No text fields.
impl Bounded for Preferences {
    fn check_bounds(&self) -> Result<(), TooLong> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_of_254_characters_passes_and_255_does_not() {
        let at_limit = format!("{}@example.org", "a".repeat(EMAIL_MAX_CHARS - 12));
        assert_eq!(at_limit.len(), EMAIL_MAX_CHARS);
        let request = |email: String| SignInRequest {
            email,
            password: "x".into(),
        };
        assert_eq!(request(at_limit.clone()).check_bounds(), Ok(()));
        let error = request(format!("a{at_limit}")).check_bounds().unwrap_err();
        assert_eq!(error.field, "email address");
        assert_eq!(
            error.to_string(),
            "The email address is too long (at most 254 characters)."
        );
    }

    #[test]
    fn characters_not_bytes_for_names() {
        let name = "é".repeat(NAME_MAX_CHARS); // two bytes each
        let invite = |name: String| InvitationRequest {
            name,
            email: "a@b.c".into(),
            role: crate::Role::Ally,
            note: None,
            permissions: None,
        };
        assert_eq!(invite(name.clone()).check_bounds(), Ok(()));
        assert_eq!(
            invite(format!("{name}é")).check_bounds().unwrap_err().field,
            "name"
        );
    }

    #[test]
    fn an_invitation_note_is_bounded() {
        let invite = |note: String| InvitationRequest {
            name: "Ada".into(),
            email: "a@b.c".into(),
            role: crate::Role::Ally,
            note: Some(note),
            permissions: None,
        };
        let note = "n".repeat(INVITATION_NOTE_MAX_CHARS);
        assert_eq!(invite(note.clone()).check_bounds(), Ok(()));
        let error = invite(format!("{note}n")).check_bounds().unwrap_err();
        assert_eq!(
            (error.field, error.limit),
            ("note", INVITATION_NOTE_MAX_CHARS)
        );
    }

    #[test]
    fn a_sign_in_password_is_bounded_too() {
        let request = SignInRequest {
            email: "a@b.c".into(),
            password: "p".repeat(PASSWORD_MAX_CHARS + 1),
        };
        assert_eq!(request.check_bounds().unwrap_err().field, "password");
    }
}
