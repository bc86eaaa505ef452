//! Everything the worker needs from the outside world, as one trait.
//!
//! The browser implements it over `chrome.*` and `fetch` (`browser::BrowserPlatform`); native
//! tests implement it in memory and over loopback HTTP. Keeping the list short and explicit is
//! what keeps the worker's logic testable — and makes plain which calls carry LinkedIn's
//! cookies (only [`Platform::linkedin`]) and which never do ([`Platform::backend`]).

use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::store::Store;

#[allow(async_fn_in_trait)]
pub trait Platform {
    type Store: Store;

    /// The extension's storage.
    fn store(&self) -> &Self::Store;

    /// A request to the AllyShare backend: never with cookies; the bearer token is the caller's.
    async fn backend(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// A request to LinkedIn with the ally's own LinkedIn session (its cookies travel by
    /// themselves and never leave the browser).
    async fn linkedin(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// The value of LinkedIn's `JSESSIONID` cookie, if the ally is logged in there.
    async fn linkedin_jsessionid(&self) -> Option<String>;

    /// Waits (a pause between LinkedIn pages, a short back-off).
    async fn sleep_ms(&self, ms: u64);

    /// Epoch milliseconds.
    fn now_ms(&self) -> u64;

    /// A random number (jitter).
    fn random(&self) -> u64;

    /// 32 bytes from a cryptographically secure generator (secrets: the hand-off verifier).
    fn secure_random(&self) -> [u8; 32];

    /// Asks to be woken up at `at_ms` (epoch milliseconds), replacing any earlier request.
    async fn wake_at(&self, at_ms: u64);
}
