//! The `Connections.csv` import, on arbitrary bytes (any encoding, any delimiter): it must
//! never panic, and every contact it returns must be one the extension can key and share.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(import) = allyshare::linkedin::csv::import(data) {
        let _ = import.summary();
        for contact in &import.contacts {
            common::check_contact(contact);
        }
    }
});
