//! AllyShare extension core.
//!
//! The extension's logic lives here as plain Rust, compiled to WebAssembly for the browser and
//! natively for tests. The layout follows a sans-IO split:
//!
//! - [`api`], [`auth`], [`messages`], [`settings`]: pure functions and plain data — how to build a
//!   backend request, how to read its answer, when a token needs refreshing, what the pages and
//!   the worker say to each other. No I/O; tested natively in milliseconds.
//! - [`json`]: the one JSON reader and writer (storage values, the wire, messages, LinkedIn's
//!   pages), small in wasm where serde_json was a fifth of the worker's bundle; [`tagged`]
//!   reads the internally tagged enums (`Intent`, `Phase`, `Problem`) without serde's buffering.
//! - [`store`] and [`http`]: the two traits through which the core reaches the outside world
//!   (durable/memory key-value storage and HTTP). The browser implements them with
//!   `chrome.storage` and `fetch`; tests implement them in memory.
//! - [`job`]: the background sync job as one sans-IO state machine (`poll` → an effect,
//!   `handle` an event) over one stored record; [`jobs`] is its schedule, [`sync`] and
//!   [`linkedin`] the upload and the read it walks.
//! - [`worker`]: the service worker's state owner, generic over those traits: it turns page intents
//!   into backend calls, keeps the session, and carries out the job's effects.
//! - `browser`, `background`, `ui` (wasm only): the thin layer that touches `chrome.*` and the DOM.
//!   The wasm is built twice (Cargo features `worker` and `pages`, both on by default): the
//!   service worker's bundle exports only `background`'s entry points, the pages' bundle only
//!   `ui`'s, so each context loads only the code it runs.
//! - [`bench`]: the fixtures `./build.sh bench` times in the browser (nothing else calls them).

pub mod api;
pub mod auth;
pub mod bench;
pub mod contact_list;
pub mod contacts;
pub mod export;
pub mod handoff;
pub mod http;
pub mod job;
pub mod jobs;
pub mod json;
pub mod linkedin;
pub mod messages;
pub mod platform;
pub mod settings;
pub mod store;
pub mod sync;
pub mod tagged;
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub mod background;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod ui;
