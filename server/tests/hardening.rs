//! Regression tests for what the hardening tools found or pin down: Schemathesis
//! (`./build.sh check-api`), the fuzz targets (`./build.sh fuzz`), and the security rules
//! (throttled sign-in, sessions ending). Each against the real server over HTTP on loopback and
//! a real SQLite file.

mod common;

use allyshare_protocol::limits::SYNC_MAX_BATCHES;
use allyshare_protocol::Role;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn openapi(server: &TestServer) -> Value {
    server
        .expect(Method::GET, "/v1/openapi.json", None, None, StatusCode::OK)
        .await
}

/// Every operation, as (path, method, operation object).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((path.clone(), method.clone(), op.clone()));
        }
    }
    out
}

/// Found by Schemathesis: a path id that is not a number (or beyond i64) answers 404, and a
/// query string that does not decode answers 400, but neither was documented on most
/// operations. Now every such answer, actually provoked here, is in the document.
#[tokio::test]
async fn framework_answers_are_documented() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let doc = openapi(&server).await;
    let mut checked = 0;
    for (path, method, op) in operations(&doc) {
        let documented = |status: StatusCode| {
            op["responses"]
                .as_object()
                .unwrap()
                .contains_key(status.as_str())
        };
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        if path.contains('{') {
            // 9223372036854775808 is i64::MAX + 1; "x" is not a number at all.
            for bad in ["x", "9223372036854775808"] {
                let mut url = path.clone();
                while let (Some(a), Some(b)) = (url.find('{'), url.find('}')) {
                    url.replace_range(a..=b, bad);
                }
                let status = server
                    .call(method.clone(), &url, Some(&admin.token), Some(json!({})))
                    .await
                    .status();
                assert_eq!(status, StatusCode::NOT_FOUND, "{method} {url}");
                assert!(documented(status), "{method} {path}: {status} undocumented");
                checked += 1;
            }
        }
        let has_query = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        if has_query && !path.contains('{') || op.get("requestBody").is_some() {
            assert!(
                documented(StatusCode::BAD_REQUEST),
                "{method} {path}: 400 undocumented"
            );
        }
    }
    assert!(checked >= 20, "only {checked} path checks");
    // A query string that does not decode, for real.
    let response = server
        .call(
            Method::GET,
            &format!("/v1/networks/{}/invitations?state=AAA", admin.network_id),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

/// Found by Schemathesis: schema-valid values the server refuses. The document now states the
/// bounds the server enforces.
#[tokio::test]
async fn documented_bounds_match_the_server() {
    let server = TestServer::start().await;
    let doc = openapi(&server).await;
    let seq = doc["paths"]["/v1/sync/sessions/{session_id}/batches/{seq}"]["put"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "seq")
        .unwrap()
        .clone();
    assert_eq!(seq["schema"]["maximum"], json!(SYNC_MAX_BATCHES - 1));
    let limit = doc["paths"]["/v1/networks/{network_id}/contacts"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(limit["schema"]["minimum"], json!(1));
    assert_eq!(limit["schema"]["maximum"], json!(100));

    // And the server does enforce them: the last seq is accepted, the next is not.
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let session = server
        .expect(
            Method::POST,
            "/v1/sync/sessions",
            Some(&ally.token),
            Some(json!({"kind": "delta"})),
            StatusCode::CREATED,
        )
        .await;
    let id = session["id"].as_i64().unwrap();
    for (seq, status) in [
        (SYNC_MAX_BATCHES - 1, StatusCode::OK),
        (SYNC_MAX_BATCHES, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        server
            .expect(
                Method::PUT,
                &format!("/v1/sync/sessions/{id}/batches/{seq}"),
                Some(&ally.token),
                Some(json!({"contacts": []})),
                status,
            )
            .await;
    }
}

/// The stateful links Schemathesis follows: each names an operation that exists and only
/// parameters that operation has (utoipa 5 writes `operation_id`, which no tool reads, so the
/// server adds them itself).
#[tokio::test]
async fn openapi_links_point_at_real_operations() {
    let server = TestServer::start().await;
    let doc = openapi(&server).await;
    let ops = operations(&doc);
    let mut links = 0;
    for (_, _, op) in &ops {
        for response in op["responses"].as_object().unwrap().values() {
            let Some(all) = response.get("links").and_then(Value::as_object) else {
                continue;
            };
            for (name, link) in all {
                let target = link["operationId"].as_str().expect("operationId");
                let (_, _, target_op) = ops
                    .iter()
                    .find(|(_, _, o)| o["operationId"] == target)
                    .unwrap_or_else(|| panic!("link {name} to unknown {target}"));
                for param in link["parameters"].as_object().unwrap().keys() {
                    assert!(
                        target_op["parameters"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|p| p["name"] == param.as_str()),
                        "link {name}: {target} has no parameter {param}"
                    );
                }
                links += 1;
            }
        }
    }
    assert!(links >= 7, "{links} links");
}
