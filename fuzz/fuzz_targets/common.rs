//! Properties every parser's output must have, shared by the targets.

use allyshare::contacts::ContactRecord;
use allyshare::linkedin::Page;

/// A page lists at least as many entries as it yields contacts.
#[allow(dead_code)]
pub fn check_page(page: &Page) {
    assert!(
        page.contacts.len() <= page.elements,
        "{} contacts from {} elements",
        page.contacts.len(),
        page.elements
    );
    for contact in &page.contacts {
        check_contact(contact);
    }
}

/// A contact has a key, and when the server would accept it, normalising is idempotent (the
/// extension and the server hash the normalised record: a second pass changing it would make
/// them disagree for ever).
pub fn check_contact(contact: &ContactRecord) {
    assert!(contact.key().is_some(), "a contact without a key");
    if let Ok(once) = contact.normalized() {
        let twice = once.normalized().expect("a normalised record is refused");
        assert_eq!(once, twice, "normalising is not idempotent");
        assert!(once.key().is_some(), "a normalised record without a key");
    }
}
