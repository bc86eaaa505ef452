//! Settings the ally (or a developer) can change: for now, the backend's address.
//!
//! The default backend is fixed at build time (`ALLYSHARE_BACKEND_URL`, else the local
//! development server), so a store build points at production and a development build at
//! `http://127.0.0.1:8787` without any code change.

use thiserror::Error;

/// The backend used when the ally has not chosen another one.
pub const DEFAULT_BACKEND_URL: &str = match option_env!("ALLYSHARE_BACKEND_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8787",
};

/// Why a backend address was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackendUrlError {
    #[error(
        "enter a full address starting with https:// (or http:// for a server on this computer)"
    )]
    NotHttp,
    #[error("the address has no host name")]
    NoHost,
    #[error("plain http:// is only allowed for a server on this computer; use https://")]
    InsecureRemote,
    #[error("the address must not carry a user name, password, query or fragment")]
    Extra,
}

/// Checks a backend address typed by a person and returns its canonical form: no trailing
/// slash, scheme and host in lower case. Plain `http` is accepted only for loopback hosts, so an
/// ally's password and tokens never cross a network unencrypted.
pub fn normalize_backend_url(input: &str) -> Result<String, BackendUrlError> {
    let input = input.trim();
    let (scheme, rest) = input.split_once("://").ok_or(BackendUrlError::NotHttp)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(BackendUrlError::NotHttp);
    }
    if rest.contains(['?', '#', '@']) {
        return Err(BackendUrlError::Extra);
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let authority = authority.to_ascii_lowercase();
    let host = host_of(&authority);
    if host.is_empty() || authority.contains(char::is_whitespace) {
        return Err(BackendUrlError::NoHost);
    }
    if let Some(port) = authority
        .strip_prefix(host)
        .and_then(|p| p.strip_prefix(':'))
    {
        if port.parse::<u16>().is_err() {
            return Err(BackendUrlError::NoHost);
        }
    }
    if scheme == "http" && !is_loopback(host) {
        return Err(BackendUrlError::InsecureRemote);
    }
    let path = path.trim_end_matches('/');
    Ok(format!("{scheme}://{authority}{path}"))
}

/// The origin match pattern (`scheme://host/*`) the extension needs permission for to talk to
/// this backend. Chrome's match patterns cover every port of the host.
pub fn permission_pattern(backend_url: &str) -> Option<String> {
    let (scheme, rest) = backend_url.split_once("://")?;
    let authority = rest.split('/').next()?;
    Some(format!("{scheme}://{}/*", host_of(authority)))
}

fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority,
        }
    } else {
        authority.split(':').next().unwrap_or("")
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_canonicalises() {
        assert_eq!(
            normalize_backend_url(" HTTPS://Api.Example.org/ ").unwrap(),
            "https://api.example.org"
        );
        assert_eq!(
            normalize_backend_url("http://127.0.0.1:8787").unwrap(),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            normalize_backend_url("https://example.org/allyshare/").unwrap(),
            "https://example.org/allyshare"
        );
        assert_eq!(
            normalize_backend_url("http://[::1]:9000").unwrap(),
            "http://[::1]:9000"
        );
    }

    #[test]
    fn refuses_what_is_not_a_usable_backend() {
        use BackendUrlError::*;
        assert_eq!(normalize_backend_url("example.org"), Err(NotHttp));
        assert_eq!(normalize_backend_url("ftp://example.org"), Err(NotHttp));
        assert_eq!(normalize_backend_url("https://"), Err(NoHost));
        assert_eq!(normalize_backend_url("https://x:notaport"), Err(NoHost));
        assert_eq!(
            normalize_backend_url("http://example.org"),
            Err(InsecureRemote)
        );
        assert_eq!(normalize_backend_url("https://u:p@example.org"), Err(Extra));
        assert_eq!(
            normalize_backend_url("https://example.org/?a=1"),
            Err(Extra)
        );
    }

    #[test]
    fn permission_pattern_covers_the_host() {
        assert_eq!(
            permission_pattern("http://127.0.0.1:8787").as_deref(),
            Some("http://127.0.0.1/*")
        );
        assert_eq!(
            permission_pattern("https://api.example.org/base").as_deref(),
            Some("https://api.example.org/*")
        );
    }

    #[test]
    fn default_backend_is_valid() {
        assert_eq!(
            normalize_backend_url(DEFAULT_BACKEND_URL).unwrap(),
            DEFAULT_BACKEND_URL
        );
    }
}
