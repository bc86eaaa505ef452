//! Signing in by hand-off from the Get Started page, without retyping the password.
//!
//! Right after accepting an invitation, the backend's guide page talks to the extension over
//! `externally_connectable` messaging: it says hello, the extension answers with a PKCE-style
//! challenge (the SHA-256 of a secret *verifier* it keeps in memory storage), the page obtains a
//! one-time code bound to that challenge from its own origin, and hands the code over; the
//! extension exchanges code + verifier for tokens. A page that is not the configured backend
//! gets nothing, and a code is useless without the verifier, which never leaves the extension.
//! Pure functions here; the worker does the I/O.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A verifier older than this is dropped (the page retries with a new hello).
pub const VERIFIER_TTL_SECS: u64 = 10 * 60;

/// A message from the backend's page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type")]
pub enum ExternalMessage {
    #[serde(rename = "allyshare.handoff.hello")]
    Hello,
    #[serde(rename = "allyshare.handoff.code")]
    Code { code: String },
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
mod tests {
    use super::*;

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
