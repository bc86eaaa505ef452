//! A network's members: changing a role or permissions, removing a member, and the audit log
//! of every team action. One set of service functions behind the API operations
//! (`api::members`) and the console's member Settings page and Audit log page, so both are
//! checked by the same rule.

use allyshare_protocol::{Permission, Permissions, Role};

use crate::api::{require_permission_of, require_role_of, ApiFailure};
use crate::db::members::{
    Access, Actor, AuditAction, AuditEntry, MemberChange, MemberRecord, NewAuditEntry,
};
use crate::App;

/// What the console and the API call a role.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Ally => "Ally",
        Role::NetworkAdmin => "Network Admin",
    }
}

/// What a CSV import invites as, for its audit line: `Ally`, `Network Admin, Recruiter` (the
/// template's name; `Network Admin` alone when every permission was given without one).
pub fn import_role_words(role: Role, permissions: Option<Permissions>) -> String {
    match (
        role,
        permissions.and_then(allyshare_protocol::PermissionTemplate::matching),
    ) {
        (Role::NetworkAdmin, Some(template)) => {
            format!("{}, {}", role_label(role), template.label())
        }
        _ => role_label(role).to_owned(),
    }
}

/// `Network Admin: Invite members, View the network's contacts` (or the template's name).
pub fn access_words(access: Access) -> String {
    match access.role {
        Role::Ally => role_label(Role::Ally).to_owned(),
        Role::NetworkAdmin => {
            let what = match allyshare_protocol::PermissionTemplate::matching(access.permissions) {
                Some(t) => format!("{} template", t.label()),
                None if access.permissions.is_empty() => "no permissions".to_owned(),
                None => access
                    .permissions
                    .iter()
                    .map(Permission::label)
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            format!("Network Admin ({what})")
        }
    }
}

/// Why a change to a member was refused.
#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error(transparent)]
    Refused(#[from] ApiFailure),
    #[error("this person is not a member of this network (any more)")]
    NotMember,
    #[error(
        "this would leave the network with no one who can manage roles and permissions: give \
         that permission to another Network Admin first"
    )]
    LastManager,
}

/// Most lines of one audit-log page.
pub const AUDIT_PAGE_MAX: i64 = 100;

impl App {
    /// Adds a line to the network's audit log. A failure to write it is logged and does not
    /// undo the action it describes, which has happened.
    pub(crate) async fn audit(
        &self,
        actor: Actor,
        network_id: i64,
        action: AuditAction,
        subject: &str,
        detail: Option<&str>,
    ) {
        let entry = NewAuditEntry {
            network_id,
            actor,
            action,
            subject,
            detail,
            now: self.now(),
        };
        if let Err(e) = self.repo().record_audit(&entry).await {
            tracing::error!(error = %e, network_id, action = action.as_str(), "audit log write failed");
        }
    }

    /// [`App::audit`] of an action on an invitation: its person, and its role.
    pub(crate) async fn audit_invitation(
        &self,
        actor: Actor,
        network_id: i64,
        action: AuditAction,
        invitation_id: i64,
    ) {
        match self
            .repo()
            .invitation_by_id(network_id, invitation_id)
            .await
        {
            Ok(Some(inv)) => {
                let subject = format!("{} <{}>", inv.name, inv.email);
                let access = Access {
                    role: inv.role,
                    permissions: inv.permissions.unwrap_or_else(Permissions::all),
                };
                let detail = access_words(access);
                self.audit(actor, network_id, action, &subject, Some(&detail))
                    .await;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "audit log: invitation not read"),
        }
    }

    /// The member, or [`MemberError::NotMember`].
    async fn existing_member(
        &self,
        network_id: i64,
        member_id: i64,
    ) -> Result<MemberRecord, MemberError> {
        self.repo()
            .member(network_id, member_id)
            .await
            .map_err(ApiFailure::from)?
            .ok_or(MemberError::NotMember)
    }

    /// A member of the network, for someone who may see the team (any Network Admin).
    pub async fn member_settings(
        &self,
        person_id: i64,
        network_id: i64,
        member_id: i64,
    ) -> Result<(Access, MemberRecord), MemberError> {
        require_role_of(self, person_id, network_id, Role::NetworkAdmin).await?;
        let own = self
            .repo()
            .access_in(person_id, network_id)
            .await
            .map_err(ApiFailure::from)?
            .ok_or(MemberError::NotMember)?;
        let member = self.existing_member(network_id, member_id).await?;
        Ok((own, member))
    }

    /// Sets a member's role and permissions (needs *Manage roles and permissions*), logged.
    pub async fn set_member_access(
        &self,
        person_id: i64,
        network_id: i64,
        member_id: i64,
        access: Access,
    ) -> Result<MemberRecord, MemberError> {
        require_permission_of(self, person_id, network_id, Permission::ManageRoles).await?;
        let member = self.existing_member(network_id, member_id).await?;
        let subject = format!("{} <{}>", member.name, member.email);
        let detail = format!(
            "{} → {}",
            access_words(member.access),
            access_words(normalised(access))
        );
        let log = NewAuditEntry {
            network_id,
            actor: Actor::Person(person_id),
            action: AuditAction::AccessChanged,
            subject: &subject,
            detail: Some(&detail),
            now: self.now(),
        };
        let change = self
            .repo()
            .set_member_access(network_id, member_id, access, &log)
            .await
            .map_err(ApiFailure::from)?;
        match change {
            MemberChange::Done(_) => self.existing_member(network_id, member_id).await,
            MemberChange::NotMember => Err(MemberError::NotMember),
            MemberChange::LastManager => Err(MemberError::LastManager),
        }
    }

    /// Removes a member (needs *Remove members*), logged; returns them as they were.
    pub async fn remove_member(
        &self,
        person_id: i64,
        network_id: i64,
        member_id: i64,
    ) -> Result<MemberRecord, MemberError> {
        require_permission_of(self, person_id, network_id, Permission::RemoveMembers).await?;
        let member = self.existing_member(network_id, member_id).await?;
        let subject = format!("{} <{}>", member.name, member.email);
        let detail = access_words(member.access);
        let log = NewAuditEntry {
            network_id,
            actor: Actor::Person(person_id),
            action: AuditAction::Removed,
            subject: &subject,
            detail: Some(&detail),
            now: self.now(),
        };
        match self
            .repo()
            .remove_member(network_id, member_id, &log)
            .await
            .map_err(ApiFailure::from)?
        {
            MemberChange::Done(before) => Ok(before),
            MemberChange::NotMember => Err(MemberError::NotMember),
            MemberChange::LastManager => Err(MemberError::LastManager),
        }
    }

    /// A page of the network's audit log (needs *Manage roles and permissions*).
    pub async fn audit_log(
        &self,
        person_id: i64,
        network_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, ApiFailure> {
        require_permission_of(self, person_id, network_id, Permission::ManageRoles).await?;
        Ok(self
            .repo()
            .audit_log(network_id, before, limit.clamp(1, AUDIT_PAGE_MAX))
            .await?)
    }
}

/// An ally holds no permissions.
fn normalised(access: Access) -> Access {
    match access.role {
        Role::Ally => Access {
            role: Role::Ally,
            permissions: Permissions::NONE,
        },
        Role::NetworkAdmin => access,
    }
}
