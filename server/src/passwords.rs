//! Password rules and password hashing.
//!
//! Rules follow NIST SP 800-63B: a length window counted in characters (not bytes, so a
//! passphrase in any script is judged fairly), and a deny-list of well-known passwords instead
//! of composition rules. Hashes are argon2id in PHC string format, so the parameters travel
//! with each hash and can be raised later without breaking existing accounts.

use std::sync::OnceLock;

use allyshare_protocol::limits::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;

/// Well-known passwords (all at least 8 characters), one a line, compared case-insensitively.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Why a password was refused, worded for the person choosing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Your password must be at least {PASSWORD_MIN_CHARS} characters long.")]
    TooShort,
    #[error("Your password must be at most {PASSWORD_MAX_CHARS} characters long.")]
    TooLong,
    #[error("This password is too common and easy to guess. Please choose another one.")]
    TooCommon,
}

/// Checks a new password against the rules.
pub fn check_new_password(password: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    if is_common(password) {
        return Err(PasswordProblem::TooCommon);
    }
    Ok(())
}

/// Whether the password is on the deny-list (case-insensitive, surrounding spaces ignored).
pub fn is_common(password: &str) -> bool {
    let candidate = password.trim().to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .any(|l| l.to_lowercase() == candidate)
}

/// How expensive hashing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashCost {
    /// argon2id with the crate's recommended parameters (19 MiB, 2 passes). Use in production.
    #[default]
    Standard,
    /// Minimal parameters so test suites stay fast. Never use for real accounts.
    InsecureFastForTests,
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes and verifies passwords. Cheap to clone; the work is CPU-bound, so callers on the
/// async runtime should run it with `spawn_blocking`.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    cost: HashCost,
    dummy: std::sync::Arc<OnceLock<String>>,
}

impl PasswordHasher {
    pub fn new(cost: HashCost) -> Self {
        PasswordHasher {
            cost,
            dummy: Default::default(),
        }
    }

    fn argon2(&self) -> Result<Argon2<'static>, HashError> {
        let params = match self.cost {
            HashCost::Standard => Params::default(),
            HashCost::InsecureFastForTests => Params::new(Params::MIN_M_COST.max(64), 1, 1, None)
                .map_err(|e| HashError(e.to_string()))?,
        };
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// A PHC-format argon2id hash with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    /// Whether `password` matches the stored `hash`. A malformed hash never matches.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        // Verification uses the parameters recorded in the hash itself.
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    }

    /// Computes the dummy hash now, so the first sign-in with an unknown email is not slower
    /// than the others.
    pub fn warm_up(&self) {
        self.verify_dummy("warm up");
    }

    /// Spends the same effort as a real verification, for when there is no account to check
    /// against, so that "unknown email" and "wrong password" take about as long.
    pub fn verify_dummy(&self, password: &str) {
        let dummy = self.dummy.get_or_init(|| {
            self.hash("not a real password; only used to spend time")
                .unwrap_or_default()
        });
        let _ = self.verify(password, dummy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters() {
        // 8 characters, 16 bytes.
        assert_eq!(check_new_password("ééééééék"), Ok(()));
        assert_eq!(
            check_new_password("ééééééé"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_new_password(&"x".repeat(129)),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(check_new_password(&"xy".repeat(64)), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_case_insensitively() {
        for p in ["password", "12345678", "QwertyUIOP", "iloveyou1"] {
            assert_eq!(
                check_new_password(p),
                Err(PasswordProblem::TooCommon),
                "{p}"
            );
        }
        assert_eq!(check_new_password("correct horse battery"), Ok(()));
    }

    #[test]
    fn the_list_is_long_enough_and_every_entry_could_pass_the_length_rule() {
        let entries: Vec<&str> = COMMON_PASSWORDS.lines().filter(|l| !l.is_empty()).collect();
        assert!(entries.len() >= 300, "{}", entries.len());
        for e in entries {
            assert!(e.chars().count() >= PASSWORD_MIN_CHARS, "{e}");
        }
    }

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = PasswordHasher::new(HashCost::InsecureFastForTests);
        let hash = h.hash("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(h.verify("correct horse battery", &hash));
        assert!(!h.verify("wrong horse battery", &hash));
        assert!(!h.verify("anything", "not a hash"));
        h.verify_dummy("whatever");
    }
}
