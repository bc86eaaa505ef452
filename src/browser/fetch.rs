//! [`Http`] over the global `fetch`, in the service worker or a page.
//!
//! Each request is bounded by `AbortSignal.timeout`: a fetch still pending after 30 s gets the
//! service worker killed, so the limit sits well below that. Requests to the backend never carry
//! cookies (`credentials: "omit"`): the bearer token is the only credential there; LinkedIn's
//! cookies go to LinkedIn only ([`FetchHttp::linkedin`]).

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, Request, RequestCredentials, RequestInit, Response};

use super::js_error_text;
use crate::http::{Http, HttpRequest, HttpResponse, TransportError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;
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

fn network(e: JsValue) -> TransportError {
    let name = Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|n| n.as_string());
    match name.as_deref() {
        Some("TimeoutError") | Some("AbortError") => TransportError::Timeout,
        _ => TransportError::Network(js_error_text(&e)),
    }
}

impl Http for FetchHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let headers = Headers::new().map_err(network)?;
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(network)?;
        }
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        init.set_headers(&headers);
        init.set_credentials(if self.with_cookies {
            RequestCredentials::Include
        } else {
            RequestCredentials::Omit
        });
        init.set_signal(Some(&abort_signal_timeout(self.timeout_ms)));
        if let Some(body) = &request.body {
            init.set_body(&JsValue::from_str(body));
        }
        let js_request = Request::new_with_str_and_init(&request.url, &init).map_err(network)?;
        let response: Response = JsFuture::from(global_fetch(&js_request))
            .await
            .map_err(network)?
            .dyn_into()
            .map_err(network)?;
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let content_type = header("content-type");
        let retry_after = header("retry-after");
        let body = JsFuture::from(response.text().map_err(network)?)
            .await
            .map_err(network)?
            .as_string()
            .unwrap_or_default();
        Ok(HttpResponse {
            status: response.status(),
            content_type,
            retry_after,
            body,
        })
    }
}
