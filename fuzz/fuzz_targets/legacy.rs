//! The legacy (decorated) connections page parser, on arbitrary text: it must never panic, and
//! what it returns must be consistent (see `common.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = std::str::from_utf8(data) {
        if let Ok(page) = allyshare::linkedin::legacy::parse(body) {
            common::check_page(&page);
        }
    }
});
