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
    /// `GET`: the OpenAPI document of this API.
    pub const OPENAPI: &str = "/v1/openapi.json";
}

/// Limits of account credentials, shared so the extension can check before sending.
pub mod limits {
    /// Minimum password length, in characters.
    pub const PASSWORD_MIN_CHARS: usize = 8;
    /// Maximum password length, in characters.
    pub const PASSWORD_MAX_CHARS: usize = 128;
}

/// `POST /v1/sessions`: sign in with email and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignInRequest {
    /// Email address; compared case-insensitively.
    pub email: String,
    pub password: String,
}

/// `POST /v1/sessions/refresh`: exchange a refresh token for a new pair of tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RefreshRequest {
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
