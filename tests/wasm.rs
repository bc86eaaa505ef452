//! Browser-glue tests, compiled to wasm and run by `wasm-bindgen-test` inside a headless
//! Chromium service worker (`./build.sh test`, layer 2). That worker has no `chrome.*`, so these
//! cover what does run there: `fetch` with its timeout, the JS ↔ Rust conversion of messages,
//! and the worker logic over the in-memory store. `chrome.storage` itself is tested end to end.
#![cfg(target_arch = "wasm32")]

use allyshare::background::{from_js, to_js};
use allyshare::browser::FetchHttp;
use allyshare::http::{Http, HttpRequest, Method, TransportError};
use allyshare::messages::{Intent, Problem, Reply};
use allyshare::platform::Platform;
use allyshare::store::MemoryStore;
use allyshare::worker::Worker;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_service_worker);

fn origin() -> String {
    let location = js_sys::Reflect::get(&js_sys::global(), &"location".into()).unwrap();
    js_sys::Reflect::get(&location, &"origin".into())
        .unwrap()
        .as_string()
        .unwrap()
}

#[wasm_bindgen_test]
async fn fetch_reads_status_type_and_body() {
    // The test runner's own server: a real HTTP round trip from the worker.
    let http = FetchHttp::default();
    let ok = http
        .send(HttpRequest::new(Method::Get, format!("{}/", origin())))
        .await
        .expect("the runner's server answers");
    assert_eq!(ok.status, 200);
    assert!(!ok.body.is_empty());
    assert!(ok.content_type.is_some());
    let missing = http
        .send(HttpRequest::new(
            Method::Get,
            format!("{}/no-such-file-here", origin()),
        ))
        .await
        .expect("a 404 is still a response");
    assert_eq!(missing.status, 404);
}

#[wasm_bindgen_test]
async fn unreachable_servers_are_a_network_error_not_a_panic() {
    let http = FetchHttp {
        timeout_ms: 5_000,
        with_cookies: false,
    };
    // Port 9 (discard) is closed on loopback.
    let err = http
        .send(HttpRequest::new(
            Method::Get,
            "http://127.0.0.1:9/v1/me".into(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Network(_)), "{err:?}");
}

#[wasm_bindgen_test]
async fn a_request_over_its_time_limit_is_a_timeout() {
    // A 1 ms budget cannot fit a round trip.
    let http = FetchHttp {
        timeout_ms: 1,
        with_cookies: false,
    };
    let mut timed_out = false;
    for _ in 0..5 {
        if let Err(TransportError::Timeout) = http
            .send(HttpRequest::new(Method::Get, format!("{}/", origin())))
            .await
        {
            timed_out = true;
            break;
        }
    }
    assert!(timed_out);
}

#[wasm_bindgen_test]
fn intents_cross_the_js_boundary_as_plain_objects() {
    let value = to_js(&Intent::SignIn {
        email: "a@b.c".into(),
        password: "pw".into(),
    });
    assert!(value.is_object());
    let intent = js_sys::Reflect::get(&value, &"intent".into()).unwrap();
    assert_eq!(intent.as_string().as_deref(), Some("sign_in"));
    let back: Intent = from_js(&value).unwrap();
    assert_eq!(
        back,
        Intent::SignIn {
            email: "a@b.c".into(),
            password: "pw".into()
        }
    );
    let junk = js_sys::JSON::parse(r#"{"intent":"sign_in"}"#).unwrap();
    assert!(from_js::<Intent>(&junk).is_err());
    // A worker that did not answer: an error to show, not an exception.
    assert!(from_js::<Intent>(&wasm_bindgen::JsValue::UNDEFINED).is_err());
    // The tagged enums inside a reply (read by `tagged`, not serde's derive) come back whole.
    let mut state = allyshare::messages::ViewState::signed_out("http://127.0.0.1:1");
    state.sync.phase = allyshare::messages::Phase::Reading {
        read: 40,
        total: Some(7_000),
    };
    let reply = Reply {
        state,
        problem: Some(Problem::CsvUnreadable {
            detail: "row 3".into(),
        }),
        contacts: None,
        asks: None,
        preferences: None,
    };
    let back: Reply = from_js(&to_js(&reply)).unwrap();
    assert_eq!(back, reply);
}

/// The worker over real `fetch` and memory storage (the test worker has no `chrome.*`).
struct FetchOnly {
    store: MemoryStore,
    http: FetchHttp,
}

impl Platform for FetchOnly {
    type Store = MemoryStore;
    fn store(&self) -> &MemoryStore {
        &self.store
    }
    async fn backend(
        &self,
        r: HttpRequest,
    ) -> Result<allyshare::http::HttpResponse, TransportError> {
        self.http.send(r).await
    }
    async fn linkedin(
        &self,
        r: HttpRequest,
    ) -> Result<allyshare::http::HttpResponse, TransportError> {
        self.http.send(r).await
    }
    async fn linkedin_jsessionid(&self) -> Option<String> {
        None
    }
    async fn sleep_ms(&self, _: u64) {}
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
    fn random(&self) -> u64 {
        7
    }
    fn secure_random(&self) -> [u8; 32] {
        [7; 32]
    }
    async fn wake_at(&self, _: u64) {}
}

#[wasm_bindgen_test]
async fn the_worker_reports_an_unreachable_backend_in_words_the_ally_can_act_on() {
    let worker = Worker::new(FetchOnly {
        store: MemoryStore::new(),
        http: FetchHttp {
            timeout_ms: 5_000,
            with_cookies: false,
        },
    });
    let set: Reply = worker
        .handle(Intent::SetBackendUrl {
            url: "http://127.0.0.1:9".into(),
        })
        .await;
    assert_eq!(set.problem, None);
    let reply = worker
        .handle(Intent::SignIn {
            email: "ada@example.org".into(),
            password: "whatever-it-is".into(),
        })
        .await;
    assert!(!reply.state.signed_in);
    assert_eq!(
        reply.problem,
        Some(Problem::Unreachable {
            url: "http://127.0.0.1:9".into()
        })
    );
    // The reply crosses to the page as a plain object with the problem's code.
    let js = to_js(&reply);
    let problem = js_sys::Reflect::get(&js, &"problem".into()).unwrap();
    let code = js_sys::Reflect::get(&problem, &"code".into()).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("unreachable"));
}
