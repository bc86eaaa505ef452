//! Introduction lists (seed 000): the service functions behind both the API operations
//! (`api::lists`) and the console's list pages (`console::lists`), so both are checked by the
//! same permission and write the same audit log lines.
//!
//! Permissions: *View the network's contacts* sees the lists; *Manage introduction lists*
//! creates, renames and deletes them and adds or removes contacts; *Export contacts* downloads
//! a list as CSV; *Ask allies for introductions* asks for a whole list. Every action that
//! changes something, and every export, is in the network's audit log, under the list's name
//! and never a contact's: the log outlives the lists, and must not keep what an ally took back.

use allyshare_protocol::limits::NOTE_MAX_CHARS;
use allyshare_protocol::lists::{LISTS_MAX_PER_NETWORK, LIST_MAX_ENTRIES, LIST_NAME_MAX_CHARS};
use allyshare_protocol::{
    EntriesAdded, IntroList, IntroListDetail, IntroListEntry, ListAskResult, Permission,
};

use crate::api::{require_permission_of, ApiFailure};
use crate::db::lists::{AddOutcome, ListNameOutcome};
use crate::db::members::{Access, Actor, AuditAction};
use crate::i18n::Lang;
use crate::App;

/// Why a list action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// Not permitted (403), or the database failed.
    #[error(transparent)]
    Refused(#[from] ApiFailure),
    #[error("There is no such introduction list in this network (it may have been deleted).")]
    NotFound,
    #[error("{0}")]
    InvalidName(ListNameProblem),
    #[error("This network already has a list named “{0}” (names are the same whatever their case). Choose another name.")]
    DuplicateName(String),
    #[error("This network has {LISTS_MAX_PER_NETWORK} introduction lists, the most it can have. Delete one you no longer need first.")]
    TooManyLists,
    #[error("A list holds at most {LIST_MAX_ENTRIES} contacts, and this one has room for {0} more: nothing was added. Add fewer, or start another list.")]
    TooManyEntries(u64),
    #[error("The note is too long (at most {NOTE_MAX_CHARS} characters).")]
    NoteTooLong,
}

/// Why a list's name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ListNameProblem {
    #[error("Please give the list a name.")]
    Empty,
    #[error("The name is too long: at most {LIST_NAME_MAX_CHARS} characters.")]
    TooLong,
    #[error("The name must not contain control characters (tabs, line breaks).")]
    Control,
}

impl From<crate::db::RepoError> for ListError {
    fn from(e: crate::db::RepoError) -> Self {
        ListError::Refused(ApiFailure::Repo(e))
    }
}

impl From<ListError> for ApiFailure {
    fn from(e: ListError) -> Self {
        match e {
            ListError::Refused(failure) => failure,
            ListError::NotFound => ApiFailure::NotFound,
            ListError::DuplicateName(_) => ApiFailure::Conflict(e.to_string()),
            ListError::InvalidName(_) | ListError::NoteTooLong => {
                ApiFailure::Unprocessable(e.to_string())
            }
            ListError::TooManyLists | ListError::TooManyEntries(_) => {
                ApiFailure::LimitExceeded(e.to_string())
            }
        }
    }
}

/// A list's name as typed, trimmed: 1 to [`LIST_NAME_MAX_CHARS`] characters, no control
/// characters.
pub fn check_list_name(name: &str) -> Result<String, ListError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ListError::InvalidName(ListNameProblem::Empty));
    }
    if name.chars().count() > LIST_NAME_MAX_CHARS {
        return Err(ListError::InvalidName(ListNameProblem::TooLong));
    }
    if name.chars().any(char::is_control) {
        return Err(ListError::InvalidName(ListNameProblem::Control));
    }
    Ok(name.to_string())
}

/// A note for the allies asked, trimmed.
pub fn check_ask_note(note: &str) -> Result<String, ListError> {
    let note = note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(ListError::NoteTooLong);
    }
    Ok(note.to_string())
}

/// `1 contact`, `2 contacts`.
pub fn contacts_word(n: u64) -> String {
    if n == 1 {
        "1 contact".to_string()
    } else {
        format!("{n} contacts")
    }
}

/// A cell of an exported CSV: quoted, and neutralised when a spreadsheet would read it as a
/// formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return): a `'` goes in
/// front, which spreadsheets show as text. Contact names and headlines are whatever people
/// typed on LinkedIn, so a headline of `=HYPERLINK(…)` must not become a link in the
/// admin's spreadsheet.
pub fn csv_cell(value: &str) -> String {
    let neutralised = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    format!("\"{}\"", neutralised.replace('"', "\"\""))
}

/// The columns of an exported list.
pub const CSV_COLUMNS: [&str; 7] = [
    "Name",
    "Headline",
    "LinkedIn profile",
    "Known by",
    "Connected since",
    "Added by",
    "Added on",
];

/// The columns of an exported list in `lang` (the API's export is English, [`CSV_COLUMNS`]).
fn csv_columns(lang: Lang) -> [&'static str; 7] {
    let m = lang.messages();
    match lang {
        Lang::En => CSV_COLUMNS,
        Lang::Fr => [
            m.name,
            m.headline,
            m.csv_col_profile,
            m.known_by,
            m.connected_since,
            m.csv_col_added_by,
            m.csv_col_added_on,
        ],
    }
}

/// The CSV of a list's entries: a UTF-8 byte order mark (so spreadsheets read names with
/// accents right), a header row, one row per contact, CRLF line ends. *Known by* names every
/// ally who knows the contact, the one an introduction is asked of first; *Connected since*
/// is when that ally connected with the contact. In French (the console's export for a
/// French reader) the headers are French and the separator is `;`, as a spreadsheet set to
/// French expects of a CSV file; dates stay `YYYY-MM-DD`, which every spreadsheet reads.
pub fn list_csv(entries: &[IntroListEntry], lang: Lang) -> String {
    let separator = match lang {
        Lang::En => ",",
        Lang::Fr => ";",
    };
    let mut out = String::from("\u{feff}");
    let line = |cells: &[&str], out: &mut String| {
        let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(separator));
        out.push_str("\r\n");
    };
    line(&csv_columns(lang), &mut out);
    for entry in entries {
        let c = &entry.contact;
        let known_by = entry
            .known_by
            .iter()
            .map(|k| k.ally.name.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let since = entry
            .known_by
            .first()
            .and_then(|k| k.connected_on.as_deref())
            .unwrap_or("");
        let added_by = entry.added_by.as_ref().map_or("", |p| p.name.as_str());
        let added_on = crate::console::page::iso_date(entry.added_at);
        line(
            &[
                &c.display_name(),
                c.headline.as_deref().unwrap_or(""),
                &c.profile_url,
                &known_by,
                since,
                added_by,
                &added_on,
            ],
            &mut out,
        );
    }
    out
}

/// A file name for a list's CSV: the name's letters and digits, `-` between words.
pub fn csv_file_name(list: &IntroList) -> String {
    let mut slug = String::new();
    for c in list.name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("introduction-list-{}.csv", list.id)
    } else {
        format!("{slug}.csv")
    }
}

impl App {
    /// The network's introduction lists (needs *View the network's contacts*), and what the
    /// person may do in the network.
    pub async fn intro_lists(
        &self,
        person_id: i64,
        network_id: i64,
    ) -> Result<(Access, Vec<IntroList>), ListError> {
        let access =
            require_permission_of(self, person_id, network_id, Permission::ViewContacts).await?;
        Ok((access, self.repo().intro_lists(network_id).await?))
    }

    /// A list and its contacts (needs *View the network's contacts*).
    pub async fn intro_list(
        &self,
        person_id: i64,
        network_id: i64,
        list_id: i64,
    ) -> Result<(Access, IntroListDetail), ListError> {
        let access =
            require_permission_of(self, person_id, network_id, Permission::ViewContacts).await?;
        let list = self
            .repo()
            .intro_list(network_id, list_id)
            .await?
            .ok_or(ListError::NotFound)?;
        let entries = self.repo().list_entries(network_id, list_id).await?;
        Ok((access, IntroListDetail { list, entries }))
    }

    /// Creates a list (needs *Manage introduction lists*), logged.
    pub async fn create_intro_list(
        &self,
        person_id: i64,
        network_id: i64,
        name: &str,
    ) -> Result<IntroList, ListError> {
        require_permission_of(self, person_id, network_id, Permission::ManageLists).await?;
        let name = check_list_name(name)?;
        match self
            .repo()
            .create_intro_list(network_id, &name, person_id, self.now())
            .await?
        {
            ListNameOutcome::Done { list, .. } => {
                self.audit(
                    Actor::Person(person_id),
                    network_id,
                    AuditAction::ListCreated,
                    &list.name,
                    None,
                )
                .await;
                Ok(list)
            }
            ListNameOutcome::Duplicate => Err(ListError::DuplicateName(name)),
            ListNameOutcome::TooMany => Err(ListError::TooManyLists),
            ListNameOutcome::NotFound => Err(ListError::NotFound),
        }
    }

    /// Renames a list (needs *Manage introduction lists*), logged.
    pub async fn rename_intro_list(
        &self,
        person_id: i64,
        network_id: i64,
        list_id: i64,
        name: &str,
    ) -> Result<IntroList, ListError> {
        require_permission_of(self, person_id, network_id, Permission::ManageLists).await?;
        let name = check_list_name(name)?;
        match self
            .repo()
            .rename_intro_list(network_id, list_id, &name, self.now())
            .await?
        {
            ListNameOutcome::Done { list, before } => {
                if before != list.name {
                    let detail = format!("Renamed from “{before}”");
                    self.audit(
                        Actor::Person(person_id),
                        network_id,
                        AuditAction::ListRenamed,
                        &list.name,
                        Some(&detail),
                    )
                    .await;
                }
                Ok(list)
            }
            ListNameOutcome::Duplicate => Err(ListError::DuplicateName(name)),
            ListNameOutcome::NotFound => Err(ListError::NotFound),
            ListNameOutcome::TooMany => Err(ListError::TooManyLists),
        }
    }

    /// Deletes a list and its entries (needs *Manage introduction lists*), logged; the list
    /// as it was.
    pub async fn delete_intro_list(
        &self,
        person_id: i64,
        network_id: i64,
        list_id: i64,
    ) -> Result<IntroList, ListError> {
        require_permission_of(self, person_id, network_id, Permission::ManageLists).await?;
        let list = self
            .repo()
            .delete_intro_list(network_id, list_id)
            .await?
            .ok_or(ListError::NotFound)?;
        let detail = format!("It held {}", contacts_word(list.entries));
        self.audit(
            Actor::Person(person_id),
            network_id,
            AuditAction::ListDeleted,
            &list.name,
            Some(&detail),
        )
        .await;
        Ok(list)
    }

    /// Adds contacts of the network to a list (needs *Manage introduction lists*), logged.
    pub async fn add_to_intro_list(
        &self,
        person_id: i64,
        network_id: i64,
        list_id: i64,
        keys: &[String],
    ) -> Result<EntriesAdded, ListError> {
        require_permission_of(self, person_id, network_id, Permission::ManageLists).await?;
        match self
            .repo()
            .add_list_entries(network_id, list_id, keys, person_id, self.now())
            .await?
        {
            AddOutcome::Added(added) => {
                if added.added > 0 {
                    self.audit_list(
                        person_id,
                        network_id,
                        list_id,
                        AuditAction::ListContactsAdded,
                        &format!("{} added", contacts_word(added.added)),
                    )
                    .await;
                }
                Ok(added)
            }
            AddOutcome::NotFound => Err(ListError::NotFound),
            AddOutcome::TooMany { room } => Err(ListError::TooManyEntries(room)),
        }
    }

    /// Removes contacts from a list (needs *Manage introduction lists*), logged; how many
    /// were on it.
    pub async fn remove_from_intro_list(
        &self,
        person_id: i64,
        network_id: i64,
        list_id: i64,
        keys: &[String],
    ) -> Result<u64, ListError> {
        require_permission_of(self, person_id, network_id, Permission::ManageLists).await?;
        let removed = self
            .repo()
            .remove_list_entries(network_id, list_id, keys, self.now())
            .await?
            .ok_or(ListError::NotFound)?;
        if removed > 0 {
            self.audit_list(
                person_id,
                network_id,
                list_id,
                AuditAction::ListContactsRemoved,
                &format!("{} removed", contacts_word(removed)),
            )
            .await;
        }
        Ok(removed)
    }

    /// A list as CSV in `lang` (needs *Export contacts*), logged as an export: the list, and
    /// the file.
    pub async fn export_intro_list(
        &self,
        person_id: i64,
        network_id: i64,
        list_id: i64,
        lang: Lang,
    ) -> Result<(IntroList, String), ListError> {
        require_permission_of(self, person_id, network_id, Permission::ExportContacts).await?;
        let list = self
            .repo()
            .intro_list(network_id, list_id)
            .await?
            .ok_or(ListError::NotFound)?;
        let entries = self.repo().list_entries(network_id, list_id).await?;
        let detail = format!(
            "Introduction list as CSV: {}",
            contacts_word(entries.len() as u64)
        );
        self.audit(
            Actor::Person(person_id),
            network_id,
            AuditAction::Exported,
            &list.name,
            Some(&detail),
        )
        .await;
        Ok((list, list_csv(&entries, lang)))
    }

    /// Asks for an introduction to every contact of the list (needs *Ask allies for
    /// introductions*): one ask per contact without one pending, to the ally connected with
    /// them longest ([`crate::db::lists::ask_all`]), logged.
    pub async fn ask_for_intro_list(
        &self,
        person_id: i64,
        network_id: i64,
        list_id: i64,
        note: &str,
    ) -> Result<ListAskResult, ListError> {
        require_permission_of(self, person_id, network_id, Permission::AskIntroductions).await?;
        let note = check_ask_note(note)?;
        let result = self
            .repo()
            .ask_for_list(network_id, list_id, person_id, &note, self.now())
            .await?
            .ok_or(ListError::NotFound)?;
        let detail = format!(
            "{} sent, {} skipped",
            match result.sent.len() {
                1 => "1 ask".to_string(),
                n => format!("{n} asks"),
            },
            result.skipped.len()
        );
        self.audit_list(
            person_id,
            network_id,
            list_id,
            AuditAction::ListAsked,
            &detail,
        )
        .await;
        Ok(result)
    }

    /// [`App::audit`] of an action on a list, under its name.
    async fn audit_list(
        &self,
        person_id: i64,
        network_id: i64,
        list_id: i64,
        action: AuditAction,
        detail: &str,
    ) {
        let name = match self.repo().intro_list(network_id, list_id).await {
            Ok(Some(list)) => list.name,
            Ok(None) => format!("List {list_id}"),
            Err(e) => {
                tracing::error!(error = %e, "audit log: list not read");
                format!("List {list_id}")
            }
        };
        self.audit(
            Actor::Person(person_id),
            network_id,
            action,
            &name,
            Some(detail),
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use allyshare_protocol::{ContactRecord, KnownBy, PersonRef};

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for formula in [
            "=HYPERLINK(\"https://evil.example\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tTab",
            "\rReturn",
        ] {
            let cell = csv_cell(formula);
            assert!(cell.starts_with("\"'"), "{formula:?} → {cell}");
        }
        assert_eq!(csv_cell("Ada Lovelace"), "\"Ada Lovelace\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=1"), "\"'=1\"");
        assert_eq!(csv_cell(""), "\"\"");
        // Only the first character matters.
        assert_eq!(csv_cell("a=b"), "\"a=b\"");
    }

    #[test]
    fn an_exported_list_has_a_header_and_one_row_per_contact() {
        let entry = IntroListEntry {
            key: "member:K1".into(),
            contact: ContactRecord {
                member_id: Some("K1".into()),
                profile_url: "https://www.linkedin.com/in/kay/".into(),
                first_name: Some("Kay".into()),
                last_name: Some("One".into()),
                headline: Some("=CMD(), Inc.".into()),
                ..ContactRecord::default()
            },
            known_by: vec![
                KnownBy {
                    ally: PersonRef {
                        id: 2,
                        name: "Bea".into(),
                    },
                    connected_on: Some("2019-05-01".into()),
                },
                KnownBy {
                    ally: PersonRef {
                        id: 1,
                        name: "Al".into(),
                    },
                    connected_on: None,
                },
            ],
            added_by: Some(PersonRef {
                id: 9,
                name: "Nadia".into(),
            }),
            added_at: 0,
        };
        let csv = list_csv(&[entry], Lang::En);
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines.len(), 3, "{csv:?}");
        assert!(lines[0].starts_with("\"Name\",\"Headline\""));
        assert_eq!(
            lines[1],
            "\"Kay One\",\"'=CMD(), Inc.\",\"https://www.linkedin.com/in/kay/\",\"Bea; Al\",\"2019-05-01\",\"Nadia\",\"1970-01-01\""
        );
        assert_eq!(lines[2], "");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_list_name("  Founders  ").unwrap(), "Founders");
        assert!(check_list_name("   ").is_err());
        assert!(check_list_name(&"n".repeat(LIST_NAME_MAX_CHARS + 1)).is_err());
        assert!(check_list_name("a\tb").is_err());
        let list = |name: &str| IntroList {
            id: 7,
            network_id: 1,
            name: name.into(),
            entries: 0,
            created_by: None,
            created_at: 0,
            updated_at: 0,
        };
        assert_eq!(csv_file_name(&list("Q3 Founders!")), "q3-founders.csv");
        assert_eq!(csv_file_name(&list("Équipe")), "quipe.csv");
        assert_eq!(csv_file_name(&list("«»")), "introduction-list-7.csv");
    }
}
