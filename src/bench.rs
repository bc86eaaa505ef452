//! Browser benchmarks (wasm only), run by `tests/e2e/bench-parse.mjs`. Nothing in the extension
//! calls these: they exist to time the same parsers the reader uses, in the browser's engine.

use wasm_bindgen::prelude::*;

use crate::linkedin::dash;

/// Parses Voyager dash pages exactly as a read does and returns how many contacts they held
/// (an unreadable page counts none). The caller times the call: JS strings in, as from `fetch`.
#[wasm_bindgen]
pub fn bench_parse_dash_pages(pages: Vec<String>) -> u32 {
    pages
        .iter()
        .filter_map(|page| dash::parse(page).ok())
        .map(|page| page.contacts.len() as u32)
        .sum()
}

/// Only takes the pages in (JS strings to Rust `String`s, as every response body is) and returns
/// their total length in bytes: the share of [`bench_parse_dash_pages`] that is not parsing.
#[wasm_bindgen]
pub fn bench_strings_in(pages: Vec<String>) -> u32 {
    pages.iter().map(|page| page.len() as u32).sum()
}
