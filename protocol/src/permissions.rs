//! What a Network Admin may do in their network: a set of [`Permission`]s, chosen from a
//! [`PermissionTemplate`] or one by one (seed 002: *Settings* → *Permissions* → *Update*).
//!
//! Allies hold no permissions: what an ally does (share, answer asks) follows from their role.
//! A set is stored as a bit mask; each permission's bit is fixed for ever (a stored mask must
//! keep its meaning), so a new permission takes a new bit and none is ever renumbered.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One thing a Network Admin may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Invite members (one by one or from a CSV), resend and revoke invitations.
    InviteMembers,
    /// Change a member's role and permissions.
    ManageRoles,
    /// Remove a member from the network.
    RemoveMembers,
    /// See the contacts allies share with the network, and the asks made about them.
    ViewContacts,
    /// Download contacts as CSV (an introduction list's export).
    ExportContacts,
    /// Create, rename and delete introduction lists, and add or remove their contacts.
    ManageLists,
    /// Ask allies for introductions.
    AskIntroductions,
    /// Review introduction requests: the Inbox.
    ReviewRequests,
    /// Change the network's settings (gatekeeper mode).
    ManageSettings,
}

impl Permission {
    /// Every permission, in the order the console lists them.
    pub const ALL: [Permission; 9] = [
        Permission::InviteMembers,
        Permission::ManageRoles,
        Permission::RemoveMembers,
        Permission::ViewContacts,
        Permission::ExportContacts,
        Permission::ManageLists,
        Permission::AskIntroductions,
        Permission::ReviewRequests,
        Permission::ManageSettings,
    ];

    /// The permission's bit in a stored mask. Fixed: never renumber.
    pub const fn bit(self) -> u32 {
        match self {
            Permission::InviteMembers => 1 << 0,
            Permission::ManageRoles => 1 << 1,
            Permission::RemoveMembers => 1 << 2,
            Permission::ViewContacts => 1 << 3,
            Permission::ExportContacts => 1 << 4,
            Permission::ManageLists => 1 << 5,
            Permission::AskIntroductions => 1 << 6,
            Permission::ReviewRequests => 1 << 7,
            Permission::ManageSettings => 1 << 8,
        }
    }

    /// The wire name (`invite_members`, …), also a form field's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::InviteMembers => "invite_members",
            Permission::ManageRoles => "manage_roles",
            Permission::RemoveMembers => "remove_members",
            Permission::ViewContacts => "view_contacts",
            Permission::ExportContacts => "export_contacts",
            Permission::ManageLists => "manage_lists",
            Permission::AskIntroductions => "ask_introductions",
            Permission::ReviewRequests => "review_requests",
            Permission::ManageSettings => "manage_settings",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// What the console calls it.
    pub fn label(self) -> &'static str {
        match self {
            Permission::InviteMembers => "Invite members",
            Permission::ManageRoles => "Manage roles and permissions",
            Permission::RemoveMembers => "Remove members",
            Permission::ViewContacts => "View the network's contacts",
            Permission::ExportContacts => "Export contacts",
            Permission::ManageLists => "Manage introduction lists",
            Permission::AskIntroductions => "Ask allies for introductions",
            Permission::ReviewRequests => "Review introduction requests",
            Permission::ManageSettings => "Manage network settings",
        }
    }
}

/// A set of permissions (stored as its [`Permissions::bits`]; on the wire, a list of names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions(u32);

impl Permissions {
    /// No permission at all.
    pub const NONE: Permissions = Permissions(0);

    /// Every permission.
    pub fn all() -> Permissions {
        Permissions::from_iter(Permission::ALL)
    }

    /// The set a stored mask names; bits no permission has (a newer server's) are dropped.
    pub fn from_bits(bits: i64) -> Permissions {
        let known = Permissions::all().0;
        Permissions((bits as u32) & known)
    }

    /// The mask to store.
    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    pub fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub fn with(self, permission: Permission) -> Permissions {
        Permissions(self.0 | permission.bit())
    }

    pub fn without(self, permission: Permission) -> Permissions {
        Permissions(self.0 & !permission.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions in the set, in [`Permission::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Permissions(iter.into_iter().fold(0, |bits, p| bits | p.bit()))
    }
}

impl Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let list = Vec::<Permission>::deserialize(deserializer)?;
        if list.len() > Permission::ALL.len() * 2 {
            return Err(serde::de::Error::custom("too many permissions"));
        }
        Ok(list.into_iter().collect())
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Permissions {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(Permission::schema())
            .max_items(Some(Permission::ALL.len() * 2))
            .description(Some(
                "A set of permissions (order and repeats do not matter).",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl ToSchema for Permissions {}

/// A named set of permissions to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PermissionTemplate {
    /// Everything.
    Admin,
    /// Contacts, introduction lists, asks and the Inbox; not the team or the settings.
    Recruiter,
    /// Read only: sees the team and the network's contacts, changes nothing.
    Viewer,
}

impl PermissionTemplate {
    pub const ALL: [PermissionTemplate; 3] = [
        PermissionTemplate::Admin,
        PermissionTemplate::Recruiter,
        PermissionTemplate::Viewer,
    ];

    pub fn permissions(self) -> Permissions {
        use Permission::*;
        match self {
            PermissionTemplate::Admin => Permissions::all(),
            PermissionTemplate::Recruiter => Permissions::from_iter([
                ViewContacts,
                ExportContacts,
                ManageLists,
                AskIntroductions,
                ReviewRequests,
            ]),
            PermissionTemplate::Viewer => Permissions::from_iter([ViewContacts]),
        }
    }

    /// The template whose set this is exactly, if any.
    pub fn matching(permissions: Permissions) -> Option<PermissionTemplate> {
        PermissionTemplate::ALL
            .into_iter()
            .find(|t| t.permissions() == permissions)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PermissionTemplate::Admin => "admin",
            PermissionTemplate::Recruiter => "recruiter",
            PermissionTemplate::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<PermissionTemplate> {
        PermissionTemplate::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
    }

    /// What the console calls it.
    pub fn label(self) -> &'static str {
        match self {
            PermissionTemplate::Admin => "Admin",
            PermissionTemplate::Recruiter => "Recruiter",
            PermissionTemplate::Viewer => "Viewer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_distinct_and_round_trip() {
        let all = Permissions::all();
        assert_eq!(all.iter().count(), Permission::ALL.len());
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert!(Permissions::NONE.with(p).contains(p));
            assert!(!all.without(p).contains(p));
        }
        assert_eq!(Permissions::from_bits(all.bits() | (1 << 30)), all);
    }

    #[test]
    fn templates_differ_and_viewer_changes_nothing() {
        let sets: Vec<_> = PermissionTemplate::ALL
            .iter()
            .map(|t| t.permissions())
            .collect();
        assert_ne!(sets[0], sets[1]);
        assert_ne!(sets[1], sets[2]);
        let viewer = PermissionTemplate::Viewer.permissions();
        assert!(!viewer.contains(Permission::InviteMembers));
        assert!(!viewer.contains(Permission::ManageLists));
        assert_eq!(
            PermissionTemplate::matching(PermissionTemplate::Recruiter.permissions()),
            Some(PermissionTemplate::Recruiter)
        );
        assert_eq!(
            PermissionTemplate::matching(viewer.with(Permission::ManageLists)),
            None
        );
    }

    #[test]
    fn the_wire_form_is_a_list_of_names() {
        let set = Permissions::from_iter([Permission::ViewContacts, Permission::InviteMembers]);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["invite_members","view_contacts"]"#);
        assert_eq!(serde_json::from_str::<Permissions>(&json).unwrap(), set);
        assert!(serde_json::from_str::<Permissions>(r#"["fly"]"#).is_err());
    }
}
