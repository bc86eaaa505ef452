//! Signing in by hand-off from the Get Started page, without retyping the password.
//!
//! Right after accepting an invitation, the backend's guide page talks to the extension over
//! `externally_connectable` messaging: it says hello, the extension answers with a PKCE-style
//! challenge (the SHA-256 of a secret *verifier* it keeps in memory storage), the page obtains a
//! one-time code bound to that challenge from its own origin, and hands the code over; the
//! extension exchanges code + verifier for tokens. A page that is not the configured backend
//! gets nothing, and a code is useless without the verifier, which never leaves the extension.
//!
//! A code exchanged is not yet a sign-in. Anyone who holds an invitation link can make a
//! browser accept it (login CSRF), so the tokens are kept aside as a [`PendingSignIn`] (memory
//! storage, like the access token) with the account they open, and the ally is asked once:
//! "Continue as ada@example.org — Sales Network" or "Not me". Only a confirmation makes them the
//! session; "Not me" revokes them at the server. Until then nothing is read or uploaded.
//! Pure functions here; the worker does the I/O.

use allyshare_protocol::Me;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{AccessToken, RefreshToken};

/// A verifier older than this is dropped (the page retries with a new hello).
pub const VERIFIER_TTL_SECS: u64 = 10 * 60;

/// A hand-off not confirmed within this time is revoked instead (the ally signs in by password,
/// or accepts the invitation again).
pub const CONFIRM_TTL_SECS: u64 = 10 * 60;

/// The worker's answer to the backend's page: `{"challenge": …}` to a hello, else
/// `{"ok": true}` (a code taken) or `{"ok": false}` (refused, whatever the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ExternalAnswer {
    Challenge { challenge: String },
    Done { ok: bool },
}

impl ExternalAnswer {
    pub const REFUSED: ExternalAnswer = ExternalAnswer::Done { ok: false };
    pub const TAKEN: ExternalAnswer = ExternalAnswer::Done { ok: true };

    /// The PKCE challenge, when this answers a hello.
    pub fn challenge(&self) -> Option<&str> {
        match self {
            ExternalAnswer::Challenge { challenge } => Some(challenge),
            ExternalAnswer::Done { .. } => None,
        }
    }
}

/// A message from the backend's page: `{"type": "allyshare.handoff.hello"}` or
/// `{"type": "allyshare.handoff.code", "code": …}`. Read by [`ExternalMessage::from_fields`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalMessage {
    Hello,
    Code { code: String },
}

crate::tagged::deserialize_by_fields!(ExternalMessage);

impl ExternalMessage {
    /// A message from its object's entries ([`crate::tagged`]); other fields are ignored.
    pub fn from_fields(f: &mut crate::tagged::Fields) -> Result<ExternalMessage, String> {
        Ok(match f.tag("type")?.as_str() {
            "allyshare.handoff.hello" => ExternalMessage::Hello,
            "allyshare.handoff.code" => ExternalMessage::Code {
                code: f.string("code")?,
            },
            other => return Err(crate::tagged::Fields::unknown_variant("type", other)),
        })
    }
}

/// The verifier in memory storage, with when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingHandoff {
    pub verifier: String,
    pub created_at: u64,
}

impl PendingHandoff {
    pub fn usable_at(&self, now: u64) -> bool {
        now < self.created_at.saturating_add(VERIFIER_TTL_SECS)
    }
}

/// A hand-off exchanged for tokens and waiting for the ally's answer (memory storage only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub access: AccessToken,
    pub refresh: RefreshToken,
    /// The account the tokens open, as the server described it (`GET /v1/me` with them).
    pub me: Me,
    pub created_at: u64,
}

/// What the ally is asked before a hand-off becomes the session: the account and its networks.
/// Shown as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInQuestion {
    pub email: String,
    pub name: String,
    pub networks: Vec<String>,
}

impl PendingSignIn {
    /// Whether the ally may still confirm it at `now`.
    pub fn usable_at(&self, now: u64) -> bool {
        now < self.created_at.saturating_add(CONFIRM_TTL_SECS) && self.refresh.usable_at(now)
    }

    pub fn question(&self) -> SignInQuestion {
        SignInQuestion {
            email: self.me.person.email.clone(),
            name: self.me.person.name.clone(),
            networks: self.me.networks.iter().map(|n| n.name.clone()).collect(),
        }
    }

    /// Whether a confirmation names this account: the answer is to the question that was
    /// shown, not to one that replaced it since.
    pub fn confirmed_by(&self, email: &str) -> bool {
        self.me.person.email.eq_ignore_ascii_case(email.trim())
    }
}

/// Whether a hand-off message may be acted on: from the backend's own pages, to an extension
/// that is signed out (not on purpose) and not already asking about another hand-off.
pub fn accepts(
    from_backend: bool,
    signed_in: bool,
    signed_out_by_ally: bool,
    asking: bool,
) -> bool {
    from_backend && !signed_in && !signed_out_by_ally && !asking
}

/// Base64url without padding.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A verifier from 32 random bytes (43 characters).
pub fn verifier(random: &[u8; 32]) -> String {
    base64url(random)
}

/// `base64url(SHA-256(verifier))`, what the page asks the backend a code for.
pub fn challenge(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// Whether a message comes from the configured backend's own pages. `sender_origin` is
/// `MessageSender.origin`; `backend_url` the extension's backend (scheme, host, port, path).
pub fn from_backend(sender_origin: Option<&str>, backend_url: &str) -> bool {
    let Some(origin) = sender_origin else {
        return false;
    };
    let (scheme, rest) = match backend_url.split_once("://") {
        Some(parts) => parts,
        None => return false,
    };
    let authority = rest.split('/').next().unwrap_or("");
    !authority.is_empty() && origin.eq_ignore_ascii_case(&format!("{scheme}://{authority}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use allyshare_protocol::{NetworkMembership, Person, Role};

    /// Ada, an ally of network 7 ("Sales Network"), sharing with it or not: the account the
    /// tests sign in to (the worker's tests too).
    pub(crate) fn ada(sharing: bool) -> Me {
        Me {
            person: Person {
                id: 1,
                name: "Ada".into(),
                email: "ada@example.org".into(),
            },
            networks: vec![NetworkMembership {
                id: 7,
                name: "Sales Network".into(),
                role: Role::Ally,
                sharing,
                joined_at: 0,
            }],
        }
    }

    #[test]
    fn base64url_matches_rfc_4648_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn the_challenge_is_rfc_7636_s256() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(verifier_len(), 43);
    }

    fn verifier_len() -> usize {
        verifier(&[7; 32]).len()
    }

    #[test]
    fn only_the_backend_origin_is_heard() {
        let backend = "http://127.0.0.1:8787";
        assert!(from_backend(Some("http://127.0.0.1:8787"), backend));
        assert!(from_backend(
            Some("https://allyshare.example.org"),
            "https://allyshare.example.org/base"
        ));
        assert!(!from_backend(Some("http://127.0.0.1:9999"), backend));
        assert!(!from_backend(Some("https://evil.example"), backend));
        assert!(!from_backend(None, backend));
        assert!(!from_backend(
            Some("http://127.0.0.1:8787.evil.example"),
            backend
        ));
    }

    #[test]
    fn messages_parse_strictly() {
        let hello: ExternalMessage =
            serde_json::from_str(r#"{"type":"allyshare.handoff.hello"}"#).unwrap();
        assert_eq!(hello, ExternalMessage::Hello);
        let code: ExternalMessage =
            serde_json::from_str(r#"{"type":"allyshare.handoff.code","code":"abc","origin":"x"}"#)
                .unwrap();
        assert_eq!(code, ExternalMessage::Code { code: "abc".into() });
        assert!(serde_json::from_str::<ExternalMessage>(r#"{"type":"other"}"#).is_err());
        assert!(
            serde_json::from_str::<ExternalMessage>(r#"{"type":"allyshare.handoff.code"}"#)
                .is_err()
        );
    }

    fn pending(created_at: u64) -> PendingSignIn {
        PendingSignIn {
            access: AccessToken {
                token: "a".into(),
                expires_at: created_at + 900,
            },
            refresh: RefreshToken {
                token: "r".into(),
                expires_at: created_at + 86_400,
            },
            me: ada(false),
            created_at,
        }
    }

    #[test]
    fn a_pending_sign_in_asks_about_its_account_and_expires() {
        let p = pending(100);
        assert_eq!(
            p.question(),
            SignInQuestion {
                email: "ada@example.org".into(),
                name: "Ada".into(),
                networks: vec!["Sales Network".into()],
            }
        );
        assert!(p.usable_at(100 + CONFIRM_TTL_SECS - 1));
        assert!(!p.usable_at(100 + CONFIRM_TTL_SECS));
        let mut dead = pending(100);
        dead.refresh.expires_at = 150;
        assert!(
            !dead.usable_at(150),
            "a dead refresh token cannot be confirmed"
        );
    }

    #[test]
    fn only_a_confirmation_of_the_account_shown_counts() {
        let p = pending(100);
        assert!(p.confirmed_by("ada@example.org"));
        assert!(p.confirmed_by(" Ada@Example.org"));
        assert!(!p.confirmed_by("mallory@example.org"));
        assert!(!p.confirmed_by(""));
    }

    #[test]
    fn a_hand_off_is_heard_only_signed_out_from_the_backend_and_one_at_a_time() {
        assert!(accepts(true, false, false, false));
        assert!(!accepts(false, false, false, false), "another origin");
        assert!(!accepts(true, true, false, false), "signed in already");
        assert!(!accepts(true, false, true, false), "signed out on purpose");
        assert!(
            !accepts(true, false, false, true),
            "a question is open: it must not change under the ally's click"
        );
    }

    #[test]
    fn a_verifier_expires() {
        let p = PendingHandoff {
            verifier: "v".into(),
            created_at: 100,
        };
        assert!(p.usable_at(100 + VERIFIER_TTL_SECS - 1));
        assert!(!p.usable_at(100 + VERIFIER_TTL_SECS));
    }
}
