//! What every console page shares: the frame around it (the console's navigation, who is
//! signed in, the sign-out form), rendering, redirects, the failure pages, dates.

use askama::Template;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use allyshare_protocol::{Permission, Role};
use axum::extract::rejection::PathRejection;
use axum::extract::Path;

use super::session::ConsoleUser;
use crate::api::{require_permission_of, require_role_of, ApiFailure};
use crate::db::members::Access;
use crate::db::RepoError;
use crate::html::html_response;
use crate::App;

/// The network a page is about.
#[derive(Debug, Clone)]
pub struct NetworkRef {
    pub id: i64,
    pub name: String,
}

/// The network a page is about, and what the signed-in person may do in it.
#[derive(Debug, Clone)]
pub struct AdminNetwork {
    pub network: NetworkRef,
    pub access: Access,
    /// How many introduction requests wait in the Inbox, for an admin who reviews them.
    pub inbox: Option<i64>,
}

/// The network of the path, if the signed-in person is one of its Network Admins holding
/// `permission` (any Network Admin when `None`): the API's check. Otherwise 403, the same for
/// a network that does not exist; 404 for a path that is not a network's.
pub async fn admin_network_of(
    app: &App,
    user: &ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
    permission: Option<Permission>,
) -> Result<AdminNetwork, ConsoleError> {
    let Ok(Path(network_id)) = network_id else {
        return Err(ConsoleError::NotFound);
    };
    let person_id = user.session.person_id;
    let access = match permission {
        Some(permission) => require_permission_of(app, person_id, network_id, permission).await?,
        None => {
            require_role_of(app, person_id, network_id, Role::NetworkAdmin).await?;
            app.repo()
                .access_in(person_id, network_id)
                .await?
                .ok_or(ConsoleError::Forbidden)?
        }
    };
    let name = app
        .repo()
        .network_name(network_id)
        .await?
        .ok_or(ConsoleError::Forbidden)?;
    let inbox = if access.allows(Permission::ReviewRequests) {
        Some(app.repo().intros().inbox_count(network_id).await?)
    } else {
        None
    };
    Ok(AdminNetwork {
        network: NetworkRef {
            id: network_id,
            name,
        },
        access,
        inbox,
    })
}

/// Which entry of the navigation is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Current {
    Networks,
    Team,
    Invite,
    Member,
    Audit,
    Lists,
    Contacts,
    Asks,
    Inbox,
    Companies,
    Professionals,
    NetworkSettings,
    /// A Company Admin's or a professional's own pages.
    Intros,
    /// The signed-in person's own account (and deleting it).
    Account,
}

/// The frame of a signed-in page.
#[derive(Debug, Clone)]
pub struct Shell {
    pub person_name: String,
    pub form_token: String,
    /// The network the page is about, and what the person may do there (which links show).
    pub network: Option<AdminNetwork>,
    /// How many networks the person administers (a link to choose among them when several).
    pub network_count: usize,
    pub current: Current,
}

impl Shell {
    pub fn is(&self, current: Current) -> bool {
        self.current == current
    }

    /// Whether the person holds the permission of this wire name in the page's network (for
    /// the navigation, which every page's template shares).
    pub fn may(&self, permission: &str) -> bool {
        match (&self.network, Permission::parse(permission)) {
            (Some(network), Some(permission)) => network.access.allows(permission),
            _ => false,
        }
    }
}

/// Renders a console page (askama escapes every value).
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => html_response(status, body),
        Err(error) => ConsoleError::Internal(format!("a console page failed to render: {error}"))
            .into_response(),
    }
}

/// `303 See Other` to a path of this server (after a form, or to the sign-in page).
pub fn see_other(path: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(path) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
        .headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    response
}

/// A console request that could not be answered with its page.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Signed in, but not an admin of this network (or it does not exist: the same answer).
    #[error("not an admin of this network")]
    Forbidden,
    /// A Network Admin of this network without the permission the page needs.
    #[error("not permitted")]
    NotPermitted,
    #[error("no such page")]
    NotFound,
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("{0}")]
    Internal(String),
}

impl From<ApiFailure> for ConsoleError {
    fn from(failure: ApiFailure) -> Self {
        match failure {
            ApiFailure::Forbidden(crate::api::NOT_PERMITTED) => ConsoleError::NotPermitted,
            ApiFailure::Forbidden(_) => ConsoleError::Forbidden,
            ApiFailure::NotFound => ConsoleError::NotFound,
            ApiFailure::Repo(e) => ConsoleError::Repo(e),
            other => ConsoleError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let m = crate::i18n::m();
        let (status, heading, text): (StatusCode, &str, Vec<&str>) = match &self {
            ConsoleError::Forbidden => (
                StatusCode::FORBIDDEN,
                m.forbidden_heading,
                vec![m.forbidden_1, m.forbidden_2],
            ),
            ConsoleError::NotPermitted => (
                StatusCode::FORBIDDEN,
                m.not_permitted_heading,
                vec![m.not_permitted_1, m.not_permitted_2],
            ),
            ConsoleError::NotFound => (
                StatusCode::NOT_FOUND,
                m.not_found_heading,
                vec![m.not_found_1],
            ),
            ConsoleError::Repo(_) | ConsoleError::Internal(_) => {
                tracing::error!(error = %self, "console page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    m.went_wrong_heading,
                    vec![m.went_wrong_1],
                )
            }
        };
        html_response(status, crate::html::message_page(heading, &text))
    }
}

/// `3 attempts` → the first letter capitalised and a full stop (the service's messages are
/// phrased to follow "error:").
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => {
            let mut s: String = first.to_uppercase().chain(chars).collect();
            if !s.ends_with('.') {
                s.push('.');
            }
            s
        }
        None => String::new(),
    }
}

/// `(year, month, day)` (UTC) of a Unix time (H. Hinnant's `civil_from_days`).
fn civil(unix: i64) -> (i64, i64, i64) {
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `2 Jun 2025` (UTC) of a Unix time, in the page's language (`2 juin 2025`).
pub fn date(unix: i64) -> String {
    let (year, month, day) = civil(unix);
    crate::i18n::date(crate::i18n::lang(), year, month, day)
}

/// `2 Jun 2025, 14:03` (UTC) of a Unix time.
pub fn date_time(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    let time = format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60);
    crate::i18n::date_time(crate::i18n::lang(), &date(unix), &time)
}

/// `2025-06-02T14:03:00Z`, for a `<time datetime>` with the time.
pub fn iso_date_time(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        iso_date(unix),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `2025-06-02` (UTC), for a `<time datetime>`.
pub fn iso_date(unix: i64) -> String {
    let (year, month, day) = civil(unix);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1 Jan 1970");
        assert_eq!(iso_date(0), "1970-01-01");
        // 2024-02-29 12:00 UTC
        assert_eq!(date(1_709_208_000), "29 Feb 2024");
        assert_eq!(iso_date(1_709_208_000), "2024-02-29");
        assert_eq!(date_time(1_709_208_000 + 3_723), "29 Feb 2024, 13:02");
        assert_eq!(iso_date_time(1_709_208_000 + 3_723), "2024-02-29T13:02:03Z");
    }
}
