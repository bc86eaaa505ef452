//! A network's members as its team manages them: a member's role and permissions (their
//! *Settings* page), changing them, and the audit log of team actions.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::bounds::{Bounded, TooLong};
use crate::{PermissionTemplate, Permissions, Role};

/// `GET /v1/networks/{network_id}/members/{person_id}`: one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberView {
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// A Network Admin's permissions (empty for an ally).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::Permission>))]
    pub permissions: Permissions,
    /// The template the permissions are exactly, if any.
    pub template: Option<PermissionTemplate>,
    /// When they joined (unix seconds).
    pub joined_at: i64,
    /// Allies: whether they share with this network.
    pub sharing: bool,
    /// Allies who share: how many contacts.
    pub contacts: u64,
}

/// `PUT /v1/networks/{network_id}/members/{person_id}`: a member's new role and permissions.
/// For a Network Admin, `template` (if given) sets the permissions and `permissions` is
/// ignored; without a template, `permissions` is the set. An ally holds no permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberAccessRequest {
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<PermissionTemplate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::Permission>))]
    pub permissions: Permissions,
}

impl MemberAccessRequest {
    /// The permissions this asks for.
    pub fn chosen_permissions(&self) -> Permissions {
        match (self.role, self.template) {
            (Role::Ally, _) => Permissions::NONE,
            (Role::NetworkAdmin, Some(template)) => template.permissions(),
            (Role::NetworkAdmin, None) => self.permissions,
        }
    }
}

impl Bounded for MemberAccessRequest {
    /// No text: the permission list is bounded by its deserializer.
    fn check_bounds(&self) -> Result<(), TooLong> {
        Ok(())
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditLogEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who did it (a snapshot of their name), `null` id for the server's operator.
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// `invited`, `resent`, `revoked`, `imported_csv`, `access_changed`, `removed`,
    /// `exported`, … (new actions may appear).
    pub action: String,
    /// Who or what it was done to.
    pub subject: String,
    pub detail: Option<String>,
}

/// `GET /v1/networks/{network_id}/audit`: a page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditLogPage {
    pub entries: Vec<AuditLogEntry>,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next_before: Option<i64>,
}
