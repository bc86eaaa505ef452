//! Benchmark fixtures and entry points, run by `./build.sh bench` (`tests/e2e/bench.mjs`).
//! Nothing in the extension calls these: they exist so the benchmarks time the very code the
//! worker runs (the dash parser, the CSV import, the sync delta) in the browser's engine, on
//! deterministic inputs (the synthetic generator and a seed).
//!
//! The fixtures are plain Rust (tested natively); the `#[wasm_bindgen]` exports below only
//! convert and delegate.

use allyshare_protocol::{SyncKind, SyncLimits};

use crate::contact_list::{self, Exclusions};
use crate::contacts::ContactRecord;
use crate::linkedin::synthetic::Synthetic;
use crate::linkedin::{csv, dash};
use crate::sync::{self, Ledger};

/// How many contacts of the dash pages `pages` held (an unreadable page counts none).
pub fn parse_dash_pages<S: AsRef<str>>(pages: &[S]) -> u32 {
    pages
        .iter()
        .filter_map(|page| dash::parse(page.as_ref()).ok())
        .map(|page| page.contacts.len() as u32)
        .sum()
}

/// The pages of one buffer, page `i` ending at byte `ends[i]`; a page that is not UTF-8 is
/// empty (it parses to nothing, as a response body the worker cannot read).
pub fn pages_of<'a>(bytes: &'a [u8], ends: &[u32]) -> Vec<&'a str> {
    let mut start = 0;
    ends.iter()
        .map(|&end| {
            let end = (end as usize).clamp(start, bytes.len());
            let page = std::str::from_utf8(&bytes[start..end]).unwrap_or_default();
            start = end;
            page
        })
        .collect()
}

/// How many contacts a `Connections.csv` import of `text` gives (0 when unreadable).
pub fn import_csv(text: &str) -> u32 {
    csv::import(text.as_bytes()).map_or(0, |i| i.contacts.len() as u32)
}

/// A delta to compute: the ally's `count` synthetic contacts against the ledger the server
/// acknowledged, in which every `changed_every`-th contact differs (its headline was edited).
pub struct DeltaFixture {
    pub list: Vec<ContactRecord>,
    pub excluded: Exclusions,
    pub ledger: Ledger,
}

impl DeltaFixture {
    pub fn new(seed: u32, count: u32, changed_every: usize) -> DeltaFixture {
        let mut list = Synthetic::new(seed, count).contacts();
        let excluded = Exclusions::default();
        // The acknowledged state: everything as it was at the last commit.
        let (records, _) = contact_list::records_to_share(&list, &excluded);
        let ledger = sync::plan(
            SyncKind::Full,
            &records,
            &Ledger::default(),
            &SyncLimits::default(),
        )
        .map(|p| p.expected(&Ledger::default()))
        .unwrap_or_default();
        // Since then, some connections changed their headline.
        for c in list.iter_mut().step_by(changed_every.max(1)) {
            let old = c.headline.take().unwrap_or_default();
            c.headline = Some(format!("{old} (new role)"));
        }
        DeltaFixture {
            list,
            excluded,
            ledger,
        }
    }

    /// What the worker does before an upload: the records to share, planned against the ledger.
    /// Returns how many contacts the delta uploads.
    pub fn run(&self) -> u32 {
        let records = sync::records_for(SyncKind::Delta, &self.list, &self.excluded, &self.ledger);
        sync::plan(
            SyncKind::Delta,
            &records,
            &self.ledger,
            &SyncLimits::default(),
        )
        .map_or(0, |p| p.contact_count() as u32)
    }
}

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
mod exports {
    use wasm_bindgen::prelude::*;

    /// See [`super::parse_dash_pages`]: the pages' bytes in, as the worker reads a response's
    /// body (`browser::fetch`: the bytes copied into wasm and checked as UTF-8, never a JS
    /// string), all pages in one buffer, page `i` ending at `ends[i]`.
    #[wasm_bindgen]
    pub fn bench_parse_dash_pages(bytes: &[u8], ends: &[u32]) -> u32 {
        super::parse_dash_pages(&super::pages_of(bytes, ends))
    }

    /// Only takes the pages in (bytes into wasm, checked as UTF-8) and returns their total
    /// length in bytes: the share of [`bench_parse_dash_pages`] that is not parsing.
    #[wasm_bindgen]
    pub fn bench_strings_in(bytes: &[u8], ends: &[u32]) -> u32 {
        super::pages_of(bytes, ends)
            .iter()
            .map(|page| page.len() as u32)
            .sum()
    }

    /// See [`super::import_csv`].
    #[wasm_bindgen]
    pub fn bench_import_csv(text: String) -> u32 {
        super::import_csv(&text)
    }

    /// See [`super::DeltaFixture`].
    #[wasm_bindgen]
    pub struct BenchDelta(super::DeltaFixture);

    #[wasm_bindgen]
    impl BenchDelta {
        #[wasm_bindgen(constructor)]
        pub fn new(seed: u32, count: u32, changed_every: u32) -> BenchDelta {
            BenchDelta(super::DeltaFixture::new(
                seed,
                count,
                changed_every as usize,
            ))
        }

        pub fn run(&self) -> u32 {
            self.0.run()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delta_fixture_changes_one_in_a_hundred() {
        let f = DeltaFixture::new(1, 3_000, 100);
        assert_eq!(f.ledger.len(), 3_000);
        assert_eq!(f.run(), 30);
    }

    #[test]
    fn the_csv_and_the_pages_give_every_contact() {
        let s = Synthetic::new(1, 200);
        assert_eq!(import_csv(&s.csv()), 200);
        let pages: Vec<String> = (0..5).map(|p| s.dash_page(p * 40, 40)).collect();
        assert_eq!(parse_dash_pages(&pages), 200);
        // The same pages as one buffer of bytes, as the browser benchmark hands them in.
        let mut ends = Vec::new();
        let joined: String = pages.concat();
        let mut end = 0;
        for page in &pages {
            end += page.len() as u32;
            ends.push(end);
        }
        assert_eq!(parse_dash_pages(&pages_of(joined.as_bytes(), &ends)), 200);
    }
}
