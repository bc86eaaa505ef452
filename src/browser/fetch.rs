//! [`Http`] over the global `fetch` (through `gloo-net`), in the service worker or a page.
//!
//! Each request is bounded by `AbortSignal.timeout`: a fetch still pending after 30 s gets the
//! service worker killed, so the limit sits well below that. Requests to the backend never carry
//! cookies (`credentials: "omit"`): the bearer token is the only credential there; LinkedIn's
//! cookies go to LinkedIn only ([`FetchHttp::linkedin`]).

use gloo_net::http::{Method as GlooMethod, RequestBuilder};
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, RequestCredentials};

use crate::http::{Http, HttpRequest, HttpResponse, Method, TransportError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = AbortSignal, js_name = timeout)]
    fn abort_signal_timeout(ms: u32) -> AbortSignal;
}

/// `fetch` with a per-request time limit.
#[derive(Debug, Clone, Copy)]
pub struct FetchHttp {
    pub timeout_ms: u32,
    /// Whether the browser's cookies for the target travel with the request: only for
    /// LinkedIn (the ally's own session), never for the backend.
    pub with_cookies: bool,
}

impl FetchHttp {
    /// For the AllyShare backend: no cookies.
    pub fn backend() -> Self {
        FetchHttp {
            timeout_ms: 20_000,
            with_cookies: false,
        }
    }

    /// For LinkedIn: the ally's LinkedIn cookies, which never leave the browser.
    pub fn linkedin() -> Self {
        FetchHttp {
            timeout_ms: 20_000,
            with_cookies: true,
        }
    }
}

impl Default for FetchHttp {
    fn default() -> Self {
        FetchHttp::backend()
    }
}

fn network(e: gloo_net::Error) -> TransportError {
    match e {
        gloo_net::Error::JsError(e) if e.name == "TimeoutError" || e.name == "AbortError" => {
            TransportError::Timeout
        }
        gloo_net::Error::JsError(e) => TransportError::Network(e.message),
        other => TransportError::Network(other.to_string()),
    }
}

/// A request body as a `Blob` of its UTF-8 bytes, not a JS string: `fetch` copies a string's
/// body (transcoded from UTF-16) before it returns, which for an upload batch of 500 contacts
/// held the worker's thread about 2 ms longer per request than a Blob (whose bytes are copied
/// once, from wasm memory), and the request took about 3 ms longer in all (measured in the
/// service worker with a 226 KB body: 8.0–8.6 ms a string, 5.0 ms a Blob, 2.4–6.0 ms no body).
fn body_blob(body: &str) -> Result<web_sys::Blob, JsValue> {
    let bytes = js_sys::Uint8Array::from(body.as_bytes());
    web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&bytes))
}

fn network_js(error: JsValue) -> TransportError {
    TransportError::Network(format!("the request body could not be made: {error:?}"))
}

impl Http for FetchHttp {
    /// The body is read as bytes and decoded in wasm: a LinkedIn page is megabytes of JSON,
    /// and a JS string would be transcoded from UTF-16 on its way in.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => GlooMethod::GET,
            Method::Post => GlooMethod::POST,
            Method::Put => GlooMethod::PUT,
            Method::Delete => GlooMethod::DELETE,
        };
        let mut builder = RequestBuilder::new(&request.url)
            .method(method)
            .credentials(if self.with_cookies {
                RequestCredentials::Include
            } else {
                RequestCredentials::Omit
            })
            .abort_signal(Some(&abort_signal_timeout(self.timeout_ms)));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let sent = match request.body {
            Some(body) => {
                builder
                    .body(body_blob(&body).map_err(network_js)?)
                    .map_err(network)?
                    .send()
                    .await
            }
            None => builder.send().await,
        };
        let response = sent.map_err(network)?;
        let headers = response.headers();
        let bytes = response.binary().await.map_err(network)?;
        let body = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(HttpResponse {
            status: response.status(),
            content_type: headers.get("content-type"),
            retry_after: headers.get("retry-after"),
            body,
        })
    }
}
