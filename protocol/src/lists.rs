//! Introduction lists (seed 000: a Network Admin can "create introduction lists"): named lists
//! of the network's contacts, shared among its Network Admins, exported as CSV, and the source
//! of many introduction asks at once.
//!
//! A list holds contact *keys* only, never a copy of a contact: an entry shows the contact as
//! the network's sharing allies have it now, and it is deleted when the last of them stops
//! sharing it, so a list cannot keep what an ally took back.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::bounds::{chars, Bounded, TooLong};
use crate::limits::NOTE_MAX_CHARS;
use crate::{ContactRecord, IntroAsk, KnownBy, PersonRef};

/// Longest name of a list, in characters.
pub const LIST_NAME_MAX_CHARS: usize = 100;
/// Most lists of one network.
pub const LISTS_MAX_PER_NETWORK: usize = 200;
/// Most contacts of one list.
pub const LIST_MAX_ENTRIES: usize = 500;
/// Most contacts added or removed by one request.
pub const LIST_KEYS_MAX_PER_REQUEST: usize = 100;
/// Longest contact key a client sends (`member:` and an id).
pub const CONTACT_KEY_MAX_CHARS: usize = "member:".len() + crate::contacts::MAX_ID_CHARS;

/// `POST /v1/networks/{network_id}/lists` (create) and `PUT …/lists/{list_id}` (rename).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroListRequest {
    /// Unique in the network, whatever the case; 1 to 100 characters after trimming.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub name: String,
}

/// An introduction list, without its contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroList {
    pub id: i64,
    pub network_id: i64,
    pub name: String,
    /// How many contacts it holds (all still shared with the network).
    pub entries: u64,
    /// Who created it (absent if their account was deleted).
    pub created_by: Option<PersonRef>,
    pub created_at: i64,
    /// The last change of its name or contacts.
    pub updated_at: i64,
}

/// One contact of a list, as the network's sharing allies have it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroListEntry {
    /// The contact's key (see [`crate::contact_key`]).
    pub key: String,
    /// The most recently updated version among the allies who know the contact.
    pub contact: ContactRecord,
    /// The allies (sharing with this network) who know the contact, the one an introduction
    /// is asked of first: the one connected longest.
    pub known_by: Vec<KnownBy>,
    /// Who added it (absent if their account was deleted).
    pub added_by: Option<PersonRef>,
    pub added_at: i64,
}

/// A list and its contacts, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroListDetail {
    pub list: IntroList,
    pub entries: Vec<IntroListEntry>,
}

/// `POST` / `DELETE /v1/networks/{network_id}/lists/{list_id}/entries`: contacts by key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ListEntriesRequest {
    /// Keys of contacts of the network (`NetworkContact::key`): at most 100, each at most
    /// 207 characters.
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub keys: Vec<String>,
}

/// What adding contacts to a list did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EntriesAdded {
    pub added: u64,
    /// Already on the list.
    pub already_there: u64,
    /// Not (or no longer) shared with the network: not added.
    pub not_found: u64,
}

/// What removing contacts from a list did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EntriesRemoved {
    pub removed: u64,
}

/// `POST /v1/networks/{network_id}/lists/{list_id}/asks`: ask for an introduction to every
/// contact of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ListAskRequest {
    /// Why, for whom; shown to each ally asked.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub note: String,
}

/// Why a contact of the list got no ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// An ask for an introduction to this contact is already pending in the network.
    AlreadyPending,
    /// No ally shares the contact with the network any more.
    NoLongerShared,
}

/// A contact of the list that got no ask, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SkippedAsk {
    pub contact_key: String,
    pub contact_name: String,
    pub reason: SkipReason,
}

/// What asking for a list's introductions did: one ask per contact, to the ally connected
/// with them longest (earliest `connected_on`; unknown dates last; then the ally who joined
/// the network first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ListAskResult {
    pub sent: Vec<IntroAsk>,
    pub skipped: Vec<SkippedAsk>,
}

impl Bounded for IntroListRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("list name", &self.name, LIST_NAME_MAX_CHARS)
    }
}

impl Bounded for ListEntriesRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        if self.keys.len() > LIST_KEYS_MAX_PER_REQUEST {
            return Err(TooLong {
                field: "list of contacts",
                limit: LIST_KEYS_MAX_PER_REQUEST,
                unit: "contacts",
            });
        }
        self.keys
            .iter()
            .try_for_each(|key| chars("contact key", key, CONTACT_KEY_MAX_CHARS))
    }
}

impl Bounded for ListAskRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("note", &self.note, NOTE_MAX_CHARS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_in_number_and_length() {
        let keys = |n: usize, len: usize| ListEntriesRequest {
            keys: vec!["k".repeat(len); n],
        };
        assert_eq!(
            keys(LIST_KEYS_MAX_PER_REQUEST, CONTACT_KEY_MAX_CHARS).check_bounds(),
            Ok(())
        );
        assert_eq!(
            keys(LIST_KEYS_MAX_PER_REQUEST + 1, 1)
                .check_bounds()
                .unwrap_err()
                .unit,
            "contacts"
        );
        assert_eq!(
            keys(1, CONTACT_KEY_MAX_CHARS + 1)
                .check_bounds()
                .unwrap_err()
                .field,
            "contact key"
        );
        let name = |n| IntroListRequest {
            name: "é".repeat(n),
        };
        assert_eq!(name(LIST_NAME_MAX_CHARS).check_bounds(), Ok(()));
        assert!(name(LIST_NAME_MAX_CHARS + 1).check_bounds().is_err());
    }

    #[test]
    fn keys_are_strings_on_the_wire() {
        let request: ListEntriesRequest =
            serde_json::from_str(r#"{"keys":["member:K1","url:ada"]}"#).unwrap();
        assert_eq!(request.keys, ["member:K1", "url:ada"]);
    }
}
