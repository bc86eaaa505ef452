//! The API beyond sign-in: sharing and deletion, contact sync, the network's view, intro asks,
//! invitations for admins, and the hand-off; each against a real SQLite file over HTTP.

mod common;

use allyshare_protocol::{ErrorCode, Me, Role};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn sharing_is_off_until_turned_on_and_only_allies_share() {
    let server = TestServer::start().await;
    let ally = server
        .member("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let me: Me = server.me(&ally.token).await.json().await.unwrap();
    assert!(!me.networks[0].sharing);

    let path = format!("/v1/networks/{}/sharing", ally.network_id);
    let body = server
        .expect(
            Method::PUT,
            &path,
            Some(&ally.token),
            Some(json!({"sharing": true})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(body["sharing"], true);
    assert_eq!(body["name"], "Sales");
    let me: Me = server.me(&ally.token).await.json().await.unwrap();
    assert!(me.networks[0].sharing);

    // Admins do not share; strangers cannot touch another network.
    let error = server
        .expect(
            Method::PUT,
            &path,
            Some(&admin.token),
            Some(json!({"sharing": true})),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(error["code"], "forbidden");
    let me: Me = server.me(&admin.token).await.json().await.unwrap();
    assert!(!me.networks[0].sharing);
    server
        .expect(
            Method::PUT,
            "/v1/networks/999/sharing",
            Some(&ally.token),
            Some(json!({"sharing": true})),
            StatusCode::FORBIDDEN,
        )
        .await;
    server
        .expect(
            Method::PUT,
            "/v1/networks/abc/sharing",
            Some(&ally.token),
            Some(json!({"sharing": true})),
            StatusCode::NOT_FOUND,
        )
        .await;
    server
        .expect(
            Method::PUT,
            &path,
            Some(&ally.token),
            Some(json!({"sharing": "yes"})),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_unauthorized(
        server
            .call(Method::PUT, &path, None, Some(json!({"sharing": true})))
            .await,
        ErrorCode::Unauthorized,
    )
    .await;
}

#[tokio::test]
async fn leaving_a_network() {
    let server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let other = server
        .member("Marketing", "ada@example.org", "Ada", Role::Ally)
        .await;
    assert_eq!(other.id, ally.id);

    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{}/membership", ally.network_id),
            Some(&ally.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{}/membership", ally.network_id),
            Some(&ally.token),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    let me: Me = server.me(&ally.token).await.json().await.unwrap();
    let names: Vec<&str> = me.networks.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["Marketing"]);
    // Deleting the account: `hardening.rs` `deleting_the_account_ends_every_session`.
}

fn contact(i: usize) -> serde_json::Value {
    json!({
        "member_id": format!("ACoA{i:06}"),
        "profile_url": format!("https://www.linkedin.com/in/person-{i}/"),
        "first_name": format!("First{i}"),
        "last_name": format!("Last{i}"),
        "headline": format!("Headline {i}"),
        "connected_on": "2024-01-02",
    })
}

fn contacts(range: std::ops::Range<usize>) -> serde_json::Value {
    json!({ "contacts": range.map(contact).collect::<Vec<_>>() })
}

/// What the extension computes for the same contacts.
fn expected_digest(range: std::ops::Range<usize>) -> allyshare_protocol::ContactDigest {
    let records: Vec<allyshare_protocol::ContactRecord> = range
        .map(|i| serde_json::from_value::<allyshare_protocol::ContactRecord>(contact(i)).unwrap())
        .map(|c| c.normalized().unwrap())
        .collect();
    allyshare_protocol::ContactDigest::of(&records)
}

impl TestServer {
    async fn open_sync(&self, token: &str, kind: &str) -> i64 {
        let body = self
            .expect(
                Method::POST,
                "/v1/sync/sessions",
                Some(token),
                Some(json!({ "kind": kind })),
                StatusCode::CREATED,
            )
            .await;
        assert_eq!(body["kind"], kind);
        assert_eq!(body["limits"]["max_batch_items"], 500);
        body["id"].as_i64().unwrap()
    }

    async fn batch(
        &self,
        token: &str,
        session: i64,
        seq: u32,
        body: serde_json::Value,
        status: StatusCode,
    ) -> serde_json::Value {
        self.expect(
            Method::PUT,
            &format!("/v1/sync/sessions/{session}/batches/{seq}"),
            Some(token),
            Some(body),
            status,
        )
        .await
    }

    async fn commit(
        &self,
        token: &str,
        session: i64,
        batch_count: u32,
        status: StatusCode,
    ) -> serde_json::Value {
        self.expect(
            Method::POST,
            &format!("/v1/sync/sessions/{session}/commit"),
            Some(token),
            Some(json!({ "batch_count": batch_count })),
            status,
        )
        .await
    }

    async fn digest(&self, token: &str) -> allyshare_protocol::ContactDigest {
        let body = self
            .expect(
                Method::GET,
                "/v1/contacts/digest",
                Some(token),
                None,
                StatusCode::OK,
            )
            .await;
        serde_json::from_value(body).unwrap()
    }
}

#[tokio::test]
async fn sync_batches_are_idempotent_and_invisible_until_committed() {
    let server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let s = server.open_sync(t, "delta").await;

    let receipt = server.batch(t, s, 0, contacts(0..3), StatusCode::OK).await;
    assert_eq!(
        receipt,
        json!({"session_id": s, "seq": 0, "items": 3, "replayed": false})
    );
    // The same batch again: the stored answer. Different contacts under the same number: 422.
    let again = server.batch(t, s, 0, contacts(0..3), StatusCode::OK).await;
    assert_eq!(again["replayed"], true);
    let error = server
        .batch(t, s, 0, contacts(1..4), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(error["code"], "batch_conflict");
    server.batch(t, s, 2, contacts(5..7), StatusCode::OK).await;

    // Nothing is visible before the commit.
    assert_eq!(server.digest(t).await.count, 0);
    let error = server.commit(t, s, 3, StatusCode::CONFLICT).await;
    assert_eq!(error["code"], "batches_missing");
    assert!(
        error["message"].as_str().unwrap().contains("missing: 1."),
        "{error}"
    );
    let error = server
        .commit(t, s, 2, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(error["code"], "limit_exceeded");
    assert_eq!(server.digest(t).await.count, 0);

    server.batch(t, s, 1, contacts(3..5), StatusCode::OK).await;
    let result = server.commit(t, s, 3, StatusCode::OK).await;
    assert_eq!(result["added"], 7);
    assert_eq!(result["removed"], 0);
    let digest = server.digest(t).await;
    assert_eq!(digest, expected_digest(0..7));
    assert_eq!(result["digest"], serde_json::to_value(digest).unwrap());
    // A repeated commit gets the same answer; the session takes no more batches.
    assert_eq!(server.commit(t, s, 3, StatusCode::OK).await, result);
    let error = server
        .batch(t, s, 3, contacts(7..8), StatusCode::CONFLICT)
        .await;
    assert_eq!(error["code"], "session_closed");
    // But a replay of a batch it had is still answered as such.
    assert_eq!(
        server.batch(t, s, 1, contacts(3..5), StatusCode::OK).await["replayed"],
        true
    );
}

#[tokio::test]
async fn delta_upserts_and_full_removes_what_it_did_not_carry() {
    let server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let s = server.open_sync(t, "full").await;
    server.batch(t, s, 0, contacts(0..10), StatusCode::OK).await;
    server.commit(t, s, 1, StatusCode::OK).await;

    // A delta: two changed, one new, one unchanged.
    let mut changed = contacts(0..2);
    for c in changed["contacts"].as_array_mut().unwrap() {
        c["headline"] = json!("Promoted");
    }
    let mut body = changed["contacts"].as_array().unwrap().clone();
    body.push(contact(2));
    body.push(contact(10));
    let s = server.open_sync(t, "delta").await;
    server
        .batch(t, s, 0, json!({ "contacts": body }), StatusCode::OK)
        .await;
    let result = server.commit(t, s, 1, StatusCode::OK).await;
    assert_eq!(
        (
            result["added"].as_u64(),
            result["updated"].as_u64(),
            result["unchanged"].as_u64(),
            result["removed"].as_u64()
        ),
        (Some(1), Some(2), Some(1), Some(0))
    );
    assert_eq!(server.digest(t).await.count, 11);

    // A full sync of 5..11 removes 0..5.
    let s = server.open_sync(t, "full").await;
    server.batch(t, s, 0, contacts(5..8), StatusCode::OK).await;
    server.batch(t, s, 1, contacts(8..11), StatusCode::OK).await;
    let result = server.commit(t, s, 2, StatusCode::OK).await;
    assert_eq!(result["removed"], 5);
    assert_eq!(server.digest(t).await, expected_digest(5..11));

    // An empty full sync (zero batches) removes everything.
    let s = server.open_sync(t, "full").await;
    let result = server.commit(t, s, 0, StatusCode::OK).await;
    assert_eq!(result["removed"], 6);
    assert_eq!(server.digest(t).await.count, 0);
}

/// One contact twice in one batch (a LinkedIn list that shifted while it was read): the batch
/// is stored, the later copy is the one kept, and it counts once.
#[tokio::test]
async fn a_contact_twice_in_one_batch_is_kept_once_as_its_later_copy() {
    let server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let mut later = contact(0);
    later["headline"] = json!("Promoted");
    let s = server.open_sync(t, "full").await;
    let receipt = server
        .batch(
            t,
            s,
            0,
            json!({ "contacts": [contact(0), contact(1), later.clone()] }),
            StatusCode::OK,
        )
        .await;
    assert_eq!(receipt["items"], 3);
    let result = server.commit(t, s, 1, StatusCode::OK).await;
    assert_eq!(result["added"], 2);
    let kept: Vec<allyshare_protocol::ContactRecord> = [contact(1), later]
        .into_iter()
        .map(|c| serde_json::from_value::<allyshare_protocol::ContactRecord>(c).unwrap())
        .map(|c| c.normalized().unwrap())
        .collect();
    assert_eq!(
        server.digest(t).await,
        allyshare_protocol::ContactDigest::of(&kept)
    );
}

/// Fault matrix rows 3 and 4: batches out of order and twice, the same batch twice at the same
/// moment, and two commits racing: exactly the contacts sent, once each.
#[tokio::test]
async fn reordered_duplicate_and_simultaneous_batches_and_commits_land_once() {
    let server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let s = server.open_sync(t, "full").await;
    // Last first, then the middle twice.
    server
        .batch(t, s, 2, contacts(200..300), StatusCode::OK)
        .await;
    server
        .batch(t, s, 1, contacts(100..200), StatusCode::OK)
        .await;
    server
        .batch(t, s, 1, contacts(100..200), StatusCode::OK)
        .await;
    // Batch 0 sent twice at once (a retry racing the original): both stored answers agree.
    let (a, b) = tokio::join!(
        server.batch(t, s, 0, contacts(0..100), StatusCode::OK),
        server.batch(t, s, 0, contacts(0..100), StatusCode::OK),
    );
    assert_eq!(a["items"], 100);
    assert_eq!(b["items"], 100);
    assert_eq!(
        [&a["replayed"], &b["replayed"]]
            .iter()
            .filter(|r| ***r == json!(true))
            .count(),
        1,
        "one stored, one replayed: {a} {b}"
    );
    // Two commits at once: both say done, with the same figures.
    let (c1, c2) = tokio::join!(
        server.commit(t, s, 3, StatusCode::OK),
        server.commit(t, s, 3, StatusCode::OK),
    );
    assert_eq!(c1["added"], c2["added"]);
    assert_eq!(c1["added"], 300);
    assert_eq!(server.digest(t).await, expected_digest(0..300));
}

#[tokio::test]
async fn abandoned_and_expired_sessions_change_nothing() {
    let server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let s = server.open_sync(t, "full").await;
    server.batch(t, s, 0, contacts(0..4), StatusCode::OK).await;
    server
        .expect(
            Method::DELETE,
            &format!("/v1/sync/sessions/{s}"),
            Some(t),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(
        server.commit(t, s, 1, StatusCode::CONFLICT).await["code"],
        "session_closed"
    );

    let s = server.open_sync(t, "delta").await;
    server.batch(t, s, 0, contacts(0..4), StatusCode::OK).await;
    server.clock.advance(6 * 60 * 60 - 1);
    // Access tokens live 15 minutes: sign in again after each jump.
    let t = &server.tokens(&ally.email, GOOD_PASSWORD).await.access_token;
    server.batch(t, s, 1, contacts(4..5), StatusCode::OK).await; // pushes the expiry back
    server.clock.advance(6 * 60 * 60 - 1);
    // Access tokens live 15 minutes: sign in again after each jump.
    let t = &server.tokens(&ally.email, GOOD_PASSWORD).await.access_token;
    server.batch(t, s, 2, contacts(5..6), StatusCode::OK).await;
    server.clock.advance(6 * 60 * 60);
    // Access tokens live 15 minutes: sign in again after each jump.
    let t = &server.tokens(&ally.email, GOOD_PASSWORD).await.access_token;
    assert_eq!(
        server
            .batch(t, s, 3, contacts(6..7), StatusCode::CONFLICT)
            .await["code"],
        "session_closed"
    );
    assert_eq!(
        server.commit(t, s, 3, StatusCode::CONFLICT).await["code"],
        "session_closed"
    );
    assert_eq!(server.digest(t).await.count, 0);
    server
        .expect(
            Method::DELETE,
            "/v1/sync/sessions/99999",
            Some(t),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;

    // Another ally cannot touch this ally's session.
    let other = server.sharing_ally("Sales", "bob@example.org", "Bob").await;
    let s = server.open_sync(t, "delta").await;
    server
        .batch(&other.token, s, 0, contacts(0..1), StatusCode::NOT_FOUND)
        .await;
    server
        .commit(&other.token, s, 0, StatusCode::NOT_FOUND)
        .await;
    server
        .expect(
            Method::DELETE,
            &format!("/v1/sync/sessions/{s}"),
            Some(&other.token),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
}

/// Finding 1 of the security review: another person's abort must change nothing. Before the
/// fix, the abort's `DELETE FROM sync_staged` was not scoped to the owner: it emptied the
/// victim's open full session (answering 404), and the victim's commit then removed every
/// contact they had.
#[tokio::test]
async fn another_persons_abort_leaves_an_open_full_session_whole() {
    let server = TestServer::start().await;
    let victim = server.sharing_ally("Sales", "vic@example.org", "Vic").await;
    let mallory = server.sharing_ally("Sales", "mal@example.org", "Mal").await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let v = victim.token.as_str();
    let first = server.open_sync(v, "delta").await;
    server
        .batch(v, first, 0, contacts(0..5), StatusCode::OK)
        .await;
    server.commit(v, first, 1, StatusCode::OK).await;

    let s = server.open_sync(v, "full").await;
    server.batch(v, s, 0, contacts(0..5), StatusCode::OK).await;
    for token in [mallory.token.as_str(), admin.token.as_str()] {
        server
            .expect(
                Method::DELETE,
                &format!("/v1/sync/sessions/{s}"),
                Some(token),
                None,
                StatusCode::NOT_FOUND,
            )
            .await;
        // Nor can they add to it or commit it.
        server
            .batch(token, s, 1, contacts(9..10), StatusCode::NOT_FOUND)
            .await;
        server.commit(token, s, 1, StatusCode::NOT_FOUND).await;
    }
    // The session is still the victim's, whole: the commit removes nothing.
    let result = server.commit(v, s, 1, StatusCode::OK).await;
    assert_eq!(result["removed"], 0, "{result}");
    assert_eq!(result["unchanged"], 5, "{result}");
    assert_eq!(server.digest(v).await, expected_digest(0..5));
}

#[tokio::test]
async fn bad_contacts_and_oversized_batches_are_refused_with_codes() {
    let server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let s = server.open_sync(t, "delta").await;

    let mut with_email = contact(1);
    with_email["email"] = json!("x@example.org");
    let error = server
        .batch(
            t,
            s,
            0,
            json!({ "contacts": [with_email] }),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(error["code"], "invalid_request");
    let mut with_phone = contact(1);
    with_phone["phone_numbers"] = json!(["+1 555"]);
    server
        .batch(
            t,
            s,
            0,
            json!({ "contacts": [with_phone] }),
            StatusCode::BAD_REQUEST,
        )
        .await;
    // The company and position an earlier extension version sent are not part of a shared
    // contact (the design's *Minimal data*): refused too.
    for field in ["company", "position"] {
        let mut with_it = contact(1);
        with_it[field] = json!("Acme");
        let error = server
            .batch(
                t,
                s,
                0,
                json!({ "contacts": [with_it] }),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert_eq!(error["code"], "invalid_request", "{field}");
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }

    let mut not_linkedin = contact(1);
    not_linkedin["profile_url"] = json!("https://example.org/in/x/");
    let error = server
        .batch(
            t,
            s,
            0,
            json!({ "contacts": [contact(0), not_linkedin] }),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(error["code"], "invalid_request");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("contacts[1].profile_url"),
        "{error}"
    );

    let error = server
        .batch(t, s, 0, contacts(0..501), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(error["code"], "limit_exceeded");
    let error = server
        .batch(t, s, 1000, contacts(0..1), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(error["code"], "limit_exceeded");

    let mut big = contact(0);
    big["headline"] = json!("x".repeat(400));
    let huge = json!({ "contacts": vec![big; 3000] });
    let error = server
        .batch(t, s, 0, huge, StatusCode::PAYLOAD_TOO_LARGE)
        .await;
    assert_eq!(error["code"], "payload_too_large");

    // None of it was stored: batch 0 is still free.
    assert_eq!(
        server.batch(t, s, 0, contacts(0..1), StatusCode::OK).await["replayed"],
        false
    );
    server
        .expect(
            Method::PUT,
            &format!("/v1/sync/sessions/{s}/batches/x"),
            Some(t),
            Some(contacts(0..1)),
            StatusCode::NOT_FOUND,
        )
        .await;
    let limits = server
        .expect(Method::GET, "/v1/sync/limits", None, None, StatusCode::OK)
        .await;
    assert_eq!(limits["max_contacts"], 30000);
    assert_eq!(limits["max_batch_bytes"], 1048576);
}

#[tokio::test]
async fn an_ally_keeps_at_most_30000_contacts() {
    let server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let s = server.open_sync(t, "full").await;
    for seq in 0..60u32 {
        let from = seq as usize * 500;
        server
            .batch(t, s, seq, contacts(from..from + 500), StatusCode::OK)
            .await;
    }
    let error = server
        .batch(
            t,
            s,
            60,
            contacts(30_000..30_001),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(error["code"], "limit_exceeded");
    let result = server.commit(t, s, 60, StatusCode::OK).await;
    assert_eq!(result["added"], 30_000);

    // A delta adding one more is refused at commit, and changes nothing.
    let s = server.open_sync(t, "delta").await;
    server
        .batch(t, s, 0, contacts(30_000..30_001), StatusCode::OK)
        .await;
    assert_eq!(
        server
            .commit(t, s, 1, StatusCode::UNPROCESSABLE_ENTITY)
            .await["code"],
        "limit_exceeded"
    );
    assert_eq!(server.digest(t).await, expected_digest(0..30_000));
}

#[tokio::test]
async fn a_smaller_batch_limit_is_published_and_enforced() {
    let server = TestServer::start_with(|config| config.max_batch_items = 50).await;
    let limits = server
        .expect(Method::GET, "/v1/sync/limits", None, None, StatusCode::OK)
        .await;
    assert_eq!(limits["max_batch_items"], 50);
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let opened = server
        .expect(
            Method::POST,
            "/v1/sync/sessions",
            Some(t),
            Some(json!({"kind": "full"})),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(opened["limits"]["max_batch_items"], 50);
    let s = opened["id"].as_i64().unwrap();
    server.batch(t, s, 0, contacts(0..50), StatusCode::OK).await;
    let error = server
        .batch(t, s, 1, contacts(50..101), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(error["code"], "limit_exceeded");
}

#[tokio::test]
async fn the_write_budget_answers_429_with_retry_after() {
    let server = TestServer::start_with(|config| {
        config.write_budget = allyshare_server::WriteBudget {
            burst: 100,
            per_second: 10,
        };
    })
    .await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.as_str();
    let s = server.open_sync(t, "delta").await; // 10
    server.batch(t, s, 0, contacts(0..60), StatusCode::OK).await; // 70
                                                                  // A replay costs nothing.
    server.batch(t, s, 0, contacts(0..60), StatusCode::OK).await;
    let response = server
        .call(
            Method::PUT,
            &format!("/v1/sync/sessions/{s}/batches/1"),
            Some(t),
            Some(contacts(60..90)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["code"],
        "rate_limited"
    );
    server.clock.advance(2);
    server
        .batch(t, s, 1, contacts(60..90), StatusCode::OK)
        .await;
}

#[tokio::test]
async fn stopping_sharing_hides_then_deletes_contacts() {
    let server = TestServer::start().await;
    // Not sharing yet: no sync.
    let ally = server
        .member("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let error = server
        .expect(
            Method::POST,
            "/v1/sync/sessions",
            Some(&ally.token),
            Some(json!({"kind": "full"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(error["code"], "not_sharing");

    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let second = server
        .member("Marketing", "ada@example.org", "Ada", Role::Ally)
        .await;
    let t = ally.token.as_str();
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{}/sharing", second.network_id),
            Some(t),
            Some(json!({"sharing": true})),
            StatusCode::OK,
        )
        .await;
    let s = server.open_sync(t, "full").await;
    server.batch(t, s, 0, contacts(0..5), StatusCode::OK).await;
    server.commit(t, s, 1, StatusCode::OK).await;
    let open = server.open_sync(t, "delta").await;
    server
        .batch(t, open, 0, contacts(5..6), StatusCode::OK)
        .await;

    // One network off: the contacts stay (the other still sees them).
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{}/sharing", ally.network_id),
            Some(t),
            Some(json!({"sharing": false})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(server.digest(t).await.count, 5);
    // Leaving the last shared network: deleted, and the open session with them.
    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{}/membership", second.network_id),
            Some(t),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(server.digest(t).await.count, 0);
    assert_eq!(
        server.commit(t, open, 1, StatusCode::CONFLICT).await["code"],
        "session_closed"
    );
}

#[tokio::test]
async fn a_restart_between_batches_and_before_commit_loses_and_duplicates_nothing() {
    let mut server = TestServer::start().await;
    let ally = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let t = ally.token.clone();
    let s = server.open_sync(&t, "full").await;
    server
        .batch(&t, s, 0, contacts(0..500), StatusCode::OK)
        .await;
    server
        .batch(&t, s, 1, contacts(500..1000), StatusCode::OK)
        .await;

    server.restart().await;
    // The batch whose answer was lost is sent again: recognised, not doubled.
    assert_eq!(
        server
            .batch(&t, s, 1, contacts(500..1000), StatusCode::OK)
            .await["replayed"],
        true
    );
    assert_eq!(
        server
            .batch(&t, s, 1, contacts(0..10), StatusCode::UNPROCESSABLE_ENTITY)
            .await["code"],
        "batch_conflict"
    );
    server
        .batch(&t, s, 2, contacts(1000..1200), StatusCode::OK)
        .await;
    assert_eq!(server.digest(&t).await.count, 0);

    server.restart().await;
    let result = server.commit(&t, s, 3, StatusCode::OK).await;
    assert_eq!(result["added"], 1200);
    server.restart().await;
    assert_eq!(server.commit(&t, s, 3, StatusCode::OK).await, result);
    assert_eq!(server.digest(&t).await, expected_digest(0..1200));
}

impl TestServer {
    /// One full sync of `body`'s contacts.
    async fn share(&self, token: &str, body: serde_json::Value) {
        let contacts = body["contacts"].as_array().expect("contacts").clone();
        self.sync_contacts(token, "full", &contacts).await;
    }

    async fn page(&self, admin: &Member, query: &str) -> serde_json::Value {
        self.expect(
            Method::GET,
            &format!("/v1/networks/{}/contacts{query}", admin.network_id),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await
    }
}

fn named(id: &str, first: &str, last: &str, headline: &str) -> serde_json::Value {
    json!({
        "member_id": id,
        "profile_url": format!("https://www.linkedin.com/in/{}/", id.to_lowercase()),
        "first_name": first,
        "last_name": last,
        "headline": headline,
    })
}

#[tokio::test]
async fn admins_see_and_search_their_networks_contacts_once_per_person() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let ada = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let bob = server.sharing_ally("Sales", "bob@example.org", "Bob").await;
    let other_admin = server
        .member("Marketing", "mia@example.org", "Mia", Role::NetworkAdmin)
        .await;
    let outsider = server
        .sharing_ally("Marketing", "oz@example.org", "Oz")
        .await;

    server
        .share(
            &ada.token,
            json!({ "contacts": [
                named("A1", "Grace", "Hopper", "Rear Admiral, US Navy"),
                named("A2", "Alan", "Turing", "Mathematician"),
            ]}),
        )
        .await;
    server
        .share(
            &bob.token,
            json!({ "contacts": [
                named("A1", "Grace", "Hopper", "Computer scientist"),
                named("B1", "Katherine", "Johnson", "Mathematician at NASA"),
            ]}),
        )
        .await;
    server
        .share(
            &outsider.token,
            json!({ "contacts": [
                named("Z1", "Secret", "Contact", "Mathematician"),
            ]}),
        )
        .await;

    let page = server.page(&admin, "").await;
    let rows = page["contacts"].as_array().unwrap();
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["contact"]["first_name"].as_str().unwrap(),
                r["contact"]["last_name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(names, ["Alan Turing", "Grace Hopper", "Katherine Johnson"]);
    assert_eq!(page["next_cursor"], serde_json::Value::Null);
    let grace = &rows[1];
    assert_eq!(grace["key"], "member:A1");
    let known: Vec<&str> = grace["known_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["ally"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(known, ["Ada", "Bob"]);
    assert_eq!(grace["known_by"][0]["ally"]["id"], ada.id);

    // Search: name, headline; every word must match; case-insensitive.
    let search = |q: &str| {
        let q = q.to_string();
        let server = &server;
        let admin = &admin;
        async move {
            let page = server.page(admin, &format!("?q={q}")).await;
            page["contacts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["key"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("mathematician").await, ["member:A2", "member:B1"]);
    assert_eq!(search("NASA").await, ["member:B1"]);
    assert_eq!(search("grace%20navy").await, ["member:A1"]);
    assert_eq!(search("%25").await, Vec::<String>::new());
    assert_eq!(
        search("secret").await,
        Vec::<String>::new(),
        "no cross-network leakage"
    );

    // Pagination with a cursor.
    let first = server.page(&admin, "?limit=2").await;
    assert_eq!(first["contacts"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = server
        .page(&admin, &format!("?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second["contacts"][0]["key"], "member:B1");
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
    for bad in ["?limit=0", "?limit=101", "?cursor=nope", "?limit=x"] {
        let path = format!("/v1/networks/{}/contacts{bad}", admin.network_id);
        server
            .expect(
                Method::GET,
                &path,
                Some(&admin.token),
                None,
                StatusCode::BAD_REQUEST,
            )
            .await;
    }

    // The other network's admin sees only their own; allies see no network view.
    let theirs = server.page(&other_admin, "").await;
    assert_eq!(theirs["contacts"].as_array().unwrap().len(), 1);
    let path = format!("/v1/networks/{}/contacts", admin.network_id);
    server
        .expect(
            Method::GET,
            &path,
            Some(&other_admin.token),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    server
        .expect(
            Method::GET,
            &path,
            Some(&ada.token),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;

    // Bob stops sharing: Grace is known by Ada alone, Katherine is gone, at once.
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{}/sharing", bob.network_id),
            Some(&bob.token),
            Some(json!({"sharing": false})),
            StatusCode::OK,
        )
        .await;
    let page = server.page(&admin, "").await;
    let rows = page["contacts"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["known_by"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn intro_asks_go_from_admin_to_ally_and_back() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let ada = server.sharing_ally("Sales", "ada@example.org", "Ada").await;
    let bob = server.sharing_ally("Sales", "bob@example.org", "Bob").await;
    let other_admin = server
        .member("Marketing", "mia@example.org", "Mia", Role::NetworkAdmin)
        .await;
    server
        .share(
            &ada.token,
            json!({ "contacts": [
                named("A1", "Grace", "Hopper", "Rear Admiral"),
                named("A2", "Alan", "Turing", "Mathematician"),
            ]}),
        )
        .await;
    let asks = format!("/v1/networks/{}/intro-asks", admin.network_id);

    let ask = server.expect(Method::POST, &asks, Some(&admin.token), Some(json!({"ally_id": ada.id, "contact_key": "member:A1", "note": "We would love to meet Grace."})), StatusCode::CREATED).await;
    assert_eq!(ask["state"], "pending");
    assert_eq!(ask["contact_name"], "Grace Hopper");
    assert_eq!(ask["asked_by"]["name"], "Boss");
    assert_eq!(ask["network_name"], "Sales");
    let id = ask["id"].as_i64().unwrap();
    // Same ask again: 409. A contact Bob does not share, or from another network's admin: refused.
    server
        .expect(
            Method::POST,
            &asks,
            Some(&admin.token),
            Some(json!({"ally_id": ada.id, "contact_key": "member:A1"})),
            StatusCode::CONFLICT,
        )
        .await;
    server
        .expect(
            Method::POST,
            &asks,
            Some(&admin.token),
            Some(json!({"ally_id": bob.id, "contact_key": "member:A1"})),
            StatusCode::NOT_FOUND,
        )
        .await;
    server
        .expect(
            Method::POST,
            &asks,
            Some(&other_admin.token),
            Some(json!({"ally_id": ada.id, "contact_key": "member:A1"})),
            StatusCode::FORBIDDEN,
        )
        .await;
    server
        .expect(
            Method::POST,
            &asks,
            Some(&ada.token),
            Some(json!({"ally_id": ada.id, "contact_key": "member:A1"})),
            StatusCode::FORBIDDEN,
        )
        .await;
    server
        .expect(
            Method::POST,
            &asks,
            Some(&admin.token),
            Some(json!({"ally_id": ada.id, "contact_key": "member:A2", "note": "x".repeat(2001)})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;

    // The ally sees it; Bob does not; Bob cannot answer it.
    let mine = server
        .expect(
            Method::GET,
            "/v1/intro-asks?state=pending",
            Some(&ada.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["note"], "We would love to meet Grace.");
    let theirs = server
        .expect(
            Method::GET,
            "/v1/intro-asks",
            Some(&bob.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(theirs, json!([]));
    let answer = format!("/v1/intro-asks/{id}/answer");
    server
        .expect(
            Method::POST,
            &answer,
            Some(&bob.token),
            Some(json!({"outcome": "made"})),
            StatusCode::NOT_FOUND,
        )
        .await;

    let answered = server
        .expect(
            Method::POST,
            &answer,
            Some(&ada.token),
            Some(json!({"outcome": "declined", "reason": "We lost touch."})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(answered["state"], "declined");
    assert_eq!(answered["reason"], "We lost touch.");
    server
        .expect(
            Method::POST,
            &answer,
            Some(&ada.token),
            Some(json!({"outcome": "made"})),
            StatusCode::CONFLICT,
        )
        .await;
    let seen = server
        .expect(Method::GET, &asks, Some(&admin.token), None, StatusCode::OK)
        .await;
    assert_eq!(seen[0]["state"], "declined");
    server
        .expect(
            Method::GET,
            &asks,
            Some(&other_admin.token),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;

    // A second ask, made; a third pending; all deleted when Ada stops sharing.
    let ask = server
        .expect(
            Method::POST,
            &asks,
            Some(&admin.token),
            Some(json!({"ally_id": ada.id, "contact_key": "member:A2"})),
            StatusCode::CREATED,
        )
        .await;
    let made = server
        .expect(
            Method::POST,
            &format!("/v1/intro-asks/{}/answer", ask["id"]),
            Some(&ada.token),
            Some(json!({"outcome": "made"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(made["state"], "made");
    server
        .expect(
            Method::POST,
            &asks,
            Some(&admin.token),
            Some(json!({"ally_id": ada.id, "contact_key": "member:A1"})),
            StatusCode::CREATED,
        )
        .await;
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{}/sharing", ada.network_id),
            Some(&ada.token),
            Some(json!({"sharing": false})),
            StatusCode::OK,
        )
        .await;
    let states: Vec<String> = server
        .expect(Method::GET, &asks, Some(&admin.token), None, StatusCode::OK)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states, Vec::<String>::new(), "deleted, answered or not");
}

impl TestServer {
    async fn import(&self, admin: &Member, csv: &str, status: StatusCode) -> serde_json::Value {
        let response = self
            .http
            .post(format!(
                "{}/v1/networks/{}/invitations/import",
                self.base, admin.network_id
            ))
            .bearer_auth(&admin.token)
            .header("content-type", "text/csv")
            .body(csv.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status);
        response.json().await.unwrap()
    }
}

#[tokio::test]
async fn admins_invite_import_list_revoke_and_resend() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let ally = server
        .member("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let other_admin = server
        .member("Marketing", "mia@example.org", "Mia", Role::NetworkAdmin)
        .await;
    let invitations = format!("/v1/networks/{}/invitations", admin.network_id);

    let one = server
        .expect(
            Method::POST,
            &invitations,
            Some(&admin.token),
            Some(json!({"name": "Carl", "email": "Carl@Example.org"})),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(one["state"], "pending");
    assert_eq!(one["role"], "ally");
    assert_eq!(one["email"], "Carl@Example.org");
    assert!(
        one.get("link").is_none() && one.get("token").is_none(),
        "links never leave by the API"
    );
    let error = server
        .expect(
            Method::POST,
            &invitations,
            Some(&admin.token),
            Some(json!({"name": "Ada", "email": "ADA@example.org"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(error["code"], "conflict");
    server
        .expect(
            Method::POST,
            &invitations,
            Some(&admin.token),
            Some(json!({"name": "X", "email": "not-an-email"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    server
        .expect(
            Method::POST,
            &invitations,
            Some(&ally.token),
            Some(json!({"name": "X", "email": "x@example.org"})),
            StatusCode::FORBIDDEN,
        )
        .await;
    server
        .expect(
            Method::POST,
            &invitations,
            Some(&other_admin.token),
            Some(json!({"name": "X", "email": "x@example.org"})),
            StatusCode::FORBIDDEN,
        )
        .await;

    let report = server
        .import(
            &admin,
            "First name,Last name,Email\n\
        Dora,Explorer,dora@example.org\n\
        Carl,,carl@example.org\n\
        Ada,L,ada@example.org\n\
        Bad,Row,not-an-email\n\
        Dora,Again,DORA@example.org\n\
        ,,nameless@example.org\n",
            StatusCode::OK,
        )
        .await;
    assert_eq!(report["header"], true);
    assert_eq!(report["sent"], 2);
    let outcomes: Vec<(u64, &str)> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (2, "invited"),
            (3, "already_invited"),
            (4, "already_member"),
            (5, "invalid_email"),
            (6, "duplicate_in_file"),
            (7, "missing_name")
        ]
    );

    // The old link for Carl was replaced: list shows one revoked, one pending.
    let list = server
        .expect(
            Method::GET,
            &invitations,
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    let states: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["email"].as_str().unwrap(), i["state"].as_str().unwrap()))
        .collect();
    assert!(states.contains(&("carl@example.org", "pending")));
    assert!(states.contains(&("Carl@Example.org", "revoked")));
    assert!(states.contains(&("ada@example.org", "accepted")));
    let pending = server
        .expect(
            Method::GET,
            &format!("{invitations}?state=pending"),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 2);
    server
        .expect(
            Method::GET,
            &invitations,
            Some(&other_admin.token),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;

    // Revoke Dora's; revoking again is a conflict, and so is re-sending it (nothing changes);
    // re-sending Carl's pending one gives him a new pending one.
    let dora = report["rows"][0]["invitation_id"].as_i64().unwrap();
    server
        .expect(
            Method::DELETE,
            &format!("{invitations}/{dora}"),
            Some(&admin.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    server
        .expect(
            Method::DELETE,
            &format!("{invitations}/{dora}"),
            Some(&admin.token),
            None,
            StatusCode::CONFLICT,
        )
        .await;
    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{}/invitations/{dora}", other_admin.network_id),
            Some(&other_admin.token),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    let count = |list: serde_json::Value| list.as_array().unwrap().len();
    let before = count(
        server
            .expect(
                Method::GET,
                &invitations,
                Some(&admin.token),
                None,
                StatusCode::OK,
            )
            .await,
    );
    let error = server
        .expect(
            Method::POST,
            &format!("{invitations}/{dora}/resend"),
            Some(&admin.token),
            None,
            StatusCode::CONFLICT,
        )
        .await;
    assert!(error["message"].as_str().unwrap().contains("revoked"));
    assert_eq!(
        count(
            server
                .expect(
                    Method::GET,
                    &invitations,
                    Some(&admin.token),
                    None,
                    StatusCode::OK
                )
                .await
        ),
        before
    );
    let carl = report["rows"][1]["invitation_id"].as_i64().unwrap();
    let again = server
        .expect(
            Method::POST,
            &format!("{invitations}/{carl}/resend"),
            Some(&admin.token),
            None,
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(again["state"], "pending");
    assert_ne!(again["id"], carl);
    // An accepted invitation is not re-sent.
    let accepted = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["state"] == "accepted")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    server
        .expect(
            Method::POST,
            &format!("{invitations}/{accepted}/resend"),
            Some(&admin.token),
            None,
            StatusCode::CONFLICT,
        )
        .await;
    server
        .expect(
            Method::DELETE,
            &format!("{invitations}/99999"),
            Some(&admin.token),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;

    // Unreadable files import nothing.
    let before = server
        .expect(
            Method::GET,
            &invitations,
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await
        .as_array()
        .unwrap()
        .len();
    let error = server
        .import(
            &admin,
            "name,email\n\"Zed,zed@example.org\n",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(error["message"].as_str().unwrap().contains("not closed"));
    server
        .import(
            &admin,
            "just,some,words\n",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let many: String = (0..5001)
        .map(|i| format!("P{i},p{i}@example.org\n"))
        .collect();
    assert_eq!(
        server
            .import(&admin, &many, StatusCode::UNPROCESSABLE_ENTITY)
            .await["code"],
        "limit_exceeded"
    );
    let after = server
        .expect(
            Method::GET,
            &invitations,
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_csv_of_5000_rows_is_imported_and_queued() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let csv: String = std::iter::once("name;email\n".to_string())
        .chain((0..5000).map(|i| format!("Person {i};p{i}@example.org\n")))
        .collect();
    let report = server.import(&admin, &csv, StatusCode::OK).await;
    assert_eq!(report["sent"], 5000);
    assert_eq!(report["emails_queued"], 5000);
    let rows = report["rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["outcome"] == "invited"));
    // The emails leave at the mail rate: `tests/mail_queue.rs`.
}

#[tokio::test]
async fn with_smtp_configured_invitations_go_to_the_smtp_server() {
    let (url, mut received) = smtp_listener(false).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = allyshare_server::Config::new(
        dir.path().join("smtp.db"),
        dir.path().join("outbox"),
        "http://127.0.0.1:1",
    );
    config.smtp_url = Some(url);
    config.hash_cost = allyshare_server::HashCost::InsecureFastForTests;
    let app = allyshare_server::App::open(config).await.unwrap();
    let invited = app
        .invite(&allyshare_server::InviteRequest {
            network: "Sales".into(),
            email: "ada@example.org".into(),
            name: "Ada".into(),
            role: Role::Ally,
        })
        .await
        .unwrap();
    assert_eq!(invited.email_path, None);
    let (rcpt, data) = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rcpt, "<ada@example.org>");
    assert!(data.contains("Subject: You've been invited to Sales"));
    assert!(data.lines().any(|l| l.trim_end() == invited.link), "{data}");
    assert!(
        !dir.path().join("outbox").exists(),
        "nothing written to the outbox"
    );
}

#[tokio::test]
async fn without_an_extension_id_accepting_grants_no_hand_off() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let response = server.accept_response(&invited.link, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no hand-off grant is set"
    );
}

#[tokio::test]
async fn the_hand_off_signs_the_extension_in_once() {
    let server = TestServer::start_with(|config| {
        config.extension_ids = vec!["abcdefghijklmnopabcdefghijklmnop".into()];
    })
    .await;
    let invited = server
        .invite("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let response = server.accept_response(&invited.link, GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax")
            && set_cookie.contains("Path=/handoff"),
        "{set_cookie}"
    );
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    let guide = response.text().await.unwrap();
    assert!(guide.contains(
        r#"<meta name="allyshare-extension-id" content="abcdefghijklmnopabcdefghijklmnop">"#
    ));
    assert!(guide.contains(r#"<script src="/assets/handoff.js" defer></script>"#));
    assert!(guide.contains(r#"id="handoff-status""#));
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let script = server
        .http
        .get(format!("{}/assets/handoff.js", server.base))
        .send()
        .await
        .unwrap();
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(script
        .text()
        .await
        .unwrap()
        .contains("allyshare.handoff.hello"));

    let code_for = |challenge: String, cookie: Option<String>, origin: Option<String>| {
        let mut request = server
            .http
            .post(format!("{}/handoff/code", server.base))
            .json(&json!({ "challenge": challenge }));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        // As the page's script sends it: from the server's own origin unless told otherwise.
        request = request.header("origin", origin.unwrap_or_else(|| server.base.clone()));
        request.send()
    };
    let exchange = |code: &str, verifier: &str| {
        server
            .http
            .post(format!("{}/v1/sessions/handoff", server.base))
            .json(&json!({ "code": code, "verifier": verifier }))
            .send()
    };
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = allyshare_server::handoff::challenge_of(verifier);

    assert_eq!(
        code_for(challenge.clone(), None, None)
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        code_for(
            challenge.clone(),
            Some(cookie.clone()),
            Some("https://evil.example".into())
        )
        .await
        .unwrap()
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        code_for("short".into(), Some(cookie.clone()), None)
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // A wrong verifier burns the code.
    let response = code_for(
        challenge.clone(),
        Some(cookie.clone()),
        Some(server.base.clone()),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let code: serde_json::Value = response.json().await.unwrap();
    assert_eq!(code["expires_in"], 300);
    let code = code["code"].as_str().unwrap().to_string();
    let wrong = exchange(&code, &"x".repeat(43)).await.unwrap();
    assert_eq!(
        api_error(wrong, StatusCode::BAD_REQUEST).await.code,
        ErrorCode::InvalidHandoffCode
    );
    assert_eq!(
        exchange(&code, verifier).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );

    // An expired code does not work.
    let code: serde_json::Value = code_for(challenge.clone(), Some(cookie.clone()), None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    server.clock.advance(301);
    assert_eq!(
        exchange(code["code"].as_str().unwrap(), verifier)
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );

    // The right verifier, in time: a session of the person who accepted.
    let code: serde_json::Value = code_for(challenge.clone(), Some(cookie.clone()), None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = code["code"].as_str().unwrap().to_string();
    let response = exchange(&code, verifier).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let tokens: allyshare_protocol::SessionTokens = response.json().await.unwrap();
    let me: Me = server.me(&tokens.access_token).await.json().await.unwrap();
    assert_eq!(me.person.email, "ada@example.org");
    // Single use, and the grant is consumed: no more codes from this cookie.
    assert_eq!(
        exchange(&code, verifier).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        code_for(challenge.clone(), Some(cookie.clone()), None)
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // /handoff: the script with a cookie, a plain message without.
    let page = server
        .http
        .get(format!("{}/handoff", server.base))
        .header("cookie", cookie.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/assets/handoff.js"));
    let page = server
        .http
        .get(format!("{}/handoff", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script"));

    // The grant expires after 30 minutes.
    let invited = server
        .invite("Sales", "bob@example.org", "Bob", Role::Ally)
        .await;
    let response = server.accept_response(&invited.link, GOOD_PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    server.clock.advance(30 * 60);
    assert_eq!(
        code_for(challenge, Some(cookie), None)
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Every endpoint × {anonymous, ally of A, admin of B, ally of B, admin of A} → the status.
/// `None`: not exercised for that caller (destructive for them; covered by its own test).
#[tokio::test]
async fn authorisation_matrix() {
    let server = TestServer::start().await;
    let ally_a = server
        .sharing_ally("Alpha", "ally.a@example.org", "Ally A")
        .await;
    let admin_a = server
        .member(
            "Alpha",
            "admin.a@example.org",
            "Admin A",
            Role::NetworkAdmin,
        )
        .await;
    let admin_b = server
        .member("Beta", "admin.b@example.org", "Admin B", Role::NetworkAdmin)
        .await;
    let ally_b = server
        .sharing_ally("Beta", "ally.b@example.org", "Ally B")
        .await;
    let a = ally_a.network_id;
    // Removed by the DELETE member row (its last caller, admin A, succeeds).
    let spare = server
        .member("Alpha", "spare@example.org", "Spare", Role::Ally)
        .await;
    let spare = spare.id;
    let admin_a_id = admin_a.id;
    server
        .share(
            &ally_a.token,
            json!({ "contacts": [named("K1", "Kay", "One", "CEO")] }),
        )
        .await;
    let ask = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/intro-asks"),
            Some(&admin_a.token),
            Some(json!({"ally_id": ally_a.id, "contact_key": "member:K1"})),
            StatusCode::CREATED,
        )
        .await;
    let ask = ask["id"].as_i64().unwrap();
    let inv = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/invitations"),
            Some(&admin_a.token),
            Some(json!({"name": "New", "email": "new@example.org"})),
            StatusCode::CREATED,
        )
        .await;
    let inv = inv["id"].as_i64().unwrap();
    let s1 = server.open_sync(&ally_a.token, "delta").await;
    let s2 = server.open_sync(&ally_a.token, "delta").await;
    let lists_path = format!("/v1/networks/{a}/lists");
    let new_list = |name: &str| {
        server.expect(
            Method::POST,
            &lists_path,
            Some(&admin_a.token),
            Some(json!({ "name": name })),
            StatusCode::CREATED,
        )
    };
    let list = new_list("Matrix").await["id"].as_i64().unwrap();
    let company = server
        .app
        .create_company(admin_a.id, a, "Matrix Co", "", "")
        .await
        .unwrap();
    let doomed = new_list("Doomed").await["id"].as_i64().unwrap();
    server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/lists/{list}/entries"),
            Some(&admin_a.token),
            Some(json!({ "keys": ["member:K1"] })),
            StatusCode::OK,
        )
        .await;
    let a_audit = |action: &'static str| {
        let server = &server;
        async move {
            scalar(
                server,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE network_id = {a} AND action = '{action}'"
                ),
            )
            .await
        }
    };

    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let none = StatusCode::NO_CONTENT;
    let unauth = StatusCode::UNAUTHORIZED;
    let forbidden = StatusCode::FORBIDDEN;
    let missing = StatusCode::NOT_FOUND;
    let conflict = StatusCode::CONFLICT;
    let bad = StatusCode::BAD_REQUEST;
    type Row = (
        Method,
        String,
        Option<serde_json::Value>,
        [Option<StatusCode>; 5],
    );
    let rows: Vec<Row> = vec![
        (
            Method::GET,
            "/v1/me".into(),
            None,
            [Some(unauth), Some(ok), Some(ok), Some(ok), Some(ok)],
        ),
        (
            Method::PUT,
            format!("/v1/networks/{a}/sharing"),
            Some(json!({"sharing": true})),
            [
                Some(unauth),
                Some(ok),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/contacts"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/contacts?q=kay"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!(
                "/v1/networks/{a}/contacts?q=kay&sort=allies&since=2000-01-01&ally={}",
                ally_a.id
            ),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/contacts/member%3AK1"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/contacts/member%3Anobody"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(missing),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/intro-asks?limit=1&before=1000000"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/intro-asks"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/intro-asks"),
            Some(json!({"ally_id": ally_a.id, "contact_key": "member:none"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(missing),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/intro-asks"),
            Some(json!({"ally_id": ally_b.id, "contact_key": "member:K1"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(missing),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/team"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/members/{admin_a_id}"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::PUT,
            format!("/v1/networks/{a}/members/{spare}"),
            Some(json!({"role": "ally"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        // The only manager of A cannot give up managing: 409, nothing changed.
        (
            Method::PUT,
            format!("/v1/networks/{a}/members/{admin_a_id}"),
            Some(json!({"role": "network_admin", "template": "viewer"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(conflict),
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{a}/members/{spare}"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(none),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/audit"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/invitations"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/invitations"),
            Some(json!({"name": "A", "email": "ally.a@example.org"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(conflict),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/invitations/import"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(StatusCode::UNPROCESSABLE_ENTITY),
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{a}/invitations/{inv}"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(none),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/invitations/{inv}/resend"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                // Past the role check; revoked on the row above, so not re-sent.
                Some(conflict),
            ],
        ),
        // Introduction lists: only A's admins (with the permission); each refused request
        // would have changed what admin A's request, last, finds (checked below).
        (
            Method::GET,
            format!("/v1/networks/{a}/lists"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/lists"),
            Some(json!({"name": "Made in the matrix"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(created),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/lists/{list}"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::PUT,
            format!("/v1/networks/{a}/lists/{list}"),
            Some(json!({"name": "Matrix renamed"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/lists/{list}/entries"),
            Some(json!({"keys": ["member:K1"]})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{a}/lists/{list}/entries"),
            Some(json!({"keys": ["member:none"]})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/lists/{list}/export"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/lists/{list}/asks"),
            Some(json!({"note": "From the matrix"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{a}/lists/{doomed}"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(none),
            ],
        ),
        (
            Method::GET,
            "/v1/intro-asks".into(),
            None,
            [Some(unauth), Some(ok), Some(ok), Some(ok), Some(ok)],
        ),
        (
            Method::POST,
            format!("/v1/intro-asks/{ask}/answer"),
            Some(json!({"outcome": "made"})),
            [
                Some(unauth),
                Some(ok),
                Some(missing),
                Some(missing),
                Some(missing),
            ],
        ),
        (
            Method::GET,
            "/v1/sync/limits".into(),
            None,
            [Some(ok), Some(ok), Some(ok), Some(ok), Some(ok)],
        ),
        (
            Method::POST,
            "/v1/sync/sessions".into(),
            Some(json!({"kind": "delta"})),
            [
                Some(unauth),
                Some(created),
                Some(StatusCode::CONFLICT),
                Some(created),
                Some(StatusCode::CONFLICT),
            ],
        ),
        (
            Method::PUT,
            format!("/v1/sync/sessions/{s1}/batches/0"),
            Some(contacts(0..1)),
            [
                Some(unauth),
                Some(ok),
                Some(missing),
                Some(missing),
                Some(missing),
            ],
        ),
        (
            Method::POST,
            format!("/v1/sync/sessions/{s1}/commit"),
            Some(json!({"batch_count": 1})),
            [
                Some(unauth),
                Some(ok),
                Some(missing),
                Some(missing),
                Some(missing),
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/sync/sessions/{s2}"),
            None,
            [
                Some(unauth),
                Some(none),
                Some(missing),
                Some(missing),
                Some(missing),
            ],
        ),
        (
            Method::GET,
            "/v1/contacts/digest".into(),
            None,
            [Some(unauth), Some(ok), Some(ok), Some(ok), Some(ok)],
        ),
        (
            Method::POST,
            "/v1/sessions/handoff".into(),
            Some(json!({"code": "A".repeat(43), "verifier": "B".repeat(43)})),
            [Some(bad), Some(bad), Some(bad), Some(bad), Some(bad)],
        ),
        (
            Method::DELETE,
            "/v1/sessions/current".into(),
            None,
            [Some(unauth), None, None, None, None],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{a}/membership"),
            None,
            [Some(unauth), None, Some(forbidden), Some(forbidden), None],
        ),
        (
            Method::DELETE,
            "/v1/me".into(),
            None,
            [Some(unauth), None, None, None, None],
        ),
        // Introduction requests: admins who review them (admin A), professionals and Company
        // Admins (none of these callers; see tests/intro_api.rs for them).
        (
            Method::GET,
            format!("/v1/networks/{a}/inbox"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/inbox/999999/review"),
            Some(json!({"make_intro": true})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(missing),
            ],
        ),
        (
            Method::PUT,
            format!("/v1/networks/{a}/intro-settings"),
            Some(json!({"gatekeeper": false})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/intro-requests"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/intro-requests"),
            Some(json!({"company_id": company, "message": "Hello"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::GET,
            format!("/v1/companies/{company}/intro-requests"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::POST,
            format!("/v1/companies/{company}/intro-requests/1/answer"),
            Some(json!({"accept": true})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/companies"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/companies"),
            Some(json!({"name": "Made in the matrix"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(created),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/companies/{company}/contacts"),
            Some(json!({"name": "Carol", "email": "carol@matrix.example"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(StatusCode::ACCEPTED),
            ],
        ),
        // A Company Admin's operations: nobody here is one of this company's.
        (
            Method::POST,
            format!("/v1/companies/{company}/intro-requests"),
            Some(json!({"professional_id": 1, "message": "Hello"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::GET,
            format!("/v1/companies/{company}/professionals"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::POST,
            format!("/v1/companies/{company}/colleagues"),
            Some(json!({"name": "Cole", "email": "cole@matrix.example"})),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/companies/{company}/admins/1"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        // A professional's answer: nobody here is one of A's professionals.
        (
            Method::POST,
            format!("/v1/networks/{a}/intro-requests/1/answer"),
            Some(json!({"accept": true})),
            [
                Some(unauth),
                Some(missing),
                Some(missing),
                Some(missing),
                Some(missing),
            ],
        ),
        // A company's Company Admins, for its network's reviewers.
        (
            Method::GET,
            format!("/v1/networks/{a}/companies/{company}/team"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(ok),
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/companies/{company}/invitations/999999/resend"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(missing),
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{a}/companies/{company}/invitations/999999"),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(missing),
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{a}/companies/{company}/admins/{}", ally_a.id),
            None,
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(missing),
            ],
        ),
        (
            Method::GET,
            "/v1/openapi.json".into(),
            None,
            [Some(ok), Some(ok), Some(ok), Some(ok), Some(ok)],
        ),
        // A bearer token signs nobody in: the credentials decide.
        (
            Method::POST,
            "/v1/sessions".into(),
            Some(json!({"email": "ally.a@example.org", "password": "not the password"})),
            [Some(unauth); 5],
        ),
        (
            Method::POST,
            "/v1/sessions/refresh".into(),
            Some(json!({"refresh_token": "A".repeat(43)})),
            [Some(unauth); 5],
        ),
        (
            Method::PUT,
            "/v1/me/password".into(),
            Some(
                json!({"current_password": "not the password", "new_password": "a brand new passphrase"}),
            ),
            [
                Some(unauth),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
                Some(forbidden),
            ],
        ),
        (
            Method::GET,
            "/v1/me/preferences".into(),
            None,
            [Some(unauth), Some(ok), Some(ok), Some(ok), Some(ok)],
        ),
        // Each caller sets their own (the path names nobody else); see tests/ask_mail.rs.
        (
            Method::PUT,
            "/v1/me/preferences".into(),
            Some(json!({"ask_emails": true})),
            [Some(unauth), Some(ok), Some(ok), Some(ok), Some(ok)],
        ),
        // Anyone may ask, and hears the same whether or not the address has an account.
        (
            Method::POST,
            "/v1/password-resets".into(),
            Some(json!({"email": "nobody@example.org"})),
            [Some(StatusCode::ACCEPTED); 5],
        ),
        // A page's script only (same origin, with the grant cookie): a client that says nothing
        // of where it comes from is refused whoever it is.
        (
            Method::POST,
            "/handoff/code".into(),
            Some(json!({"challenge": "A".repeat(43)})),
            [Some(forbidden); 5],
        ),
    ];
    // Every operation of the OpenAPI document has a row (and the router's /v1 routes are made
    // from the document's operations, see `api::routes`): a new route cannot go untested.
    let doc = server
        .expect(Method::GET, "/v1/openapi.json", None, None, ok)
        .await;
    let matches = |template: &str, path: &str| {
        let path = path.split('?').next().unwrap();
        let (t, p): (Vec<&str>, Vec<&str>) =
            (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len()
            && t.iter()
                .zip(&p)
                .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
    };
    let mut without_row = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            if !rows
                .iter()
                .any(|(m, path, _, _)| *m == method && matches(template, path))
            {
                without_row.push(format!("{method} {template}"));
            }
        }
    }
    assert!(
        without_row.is_empty(),
        "operations without a row in the authorisation matrix: {without_row:?}"
    );

    let callers: [Option<&str>; 5] = [
        None,
        Some(&ally_a.token),
        Some(&admin_b.token),
        Some(&ally_b.token),
        Some(&admin_a.token),
    ];
    let names = [
        "anonymous",
        "ally of A",
        "admin of B",
        "ally of B",
        "admin of A",
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &rows {
        for (i, caller) in callers.iter().enumerate() {
            let Some(want) = expected[i] else { continue };
            let got = server
                .call(method.clone(), path, *caller, body.clone())
                .await
                .status();
            if got != want {
                failures.push(format!(
                    "{method} {path} as {}: {got}, expected {want}",
                    names[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The companies, their invitations and the network's setting as admin A's requests alone
    // left them; no request was made.
    let companies = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{a}/companies"),
            Some(&admin_a.token),
            None,
            ok,
        )
        .await;
    let names: Vec<&str> = companies
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Made in the matrix", "Matrix Co"]);
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM company_admin_invitations").await,
        1
    );
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM intro_requests").await,
        0
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM networks WHERE gatekeeper = 1"
        )
        .await,
        0
    );

    // The lists as admin A's requests alone left them: the refused ones changed nothing.
    let lists = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{a}/lists"),
            Some(&admin_a.token),
            None,
            ok,
        )
        .await;
    let lists: Vec<(String, u64)> = lists
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["entries"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lists,
        [
            ("Made in the matrix".to_string(), 0),
            ("Matrix renamed".to_string(), 1)
        ]
    );
    for (action, times) in [
        ("list_created", 3),
        ("list_renamed", 1),
        ("list_contacts_added", 1),
        ("list_contacts_removed", 0),
        ("exported", 1),
        ("list_asked", 1),
        ("list_deleted", 1),
    ] {
        assert_eq!(a_audit(action).await, times, "{action} in A's audit log");
    }

    // The team, as the console's Team Members table shows it: A's members and invitation.
    let team = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{a}/team?state=all"),
            Some(&admin_a.token),
            None,
            ok,
        )
        .await;
    let rows: Vec<(String, String, serde_json::Value, serde_json::Value)> = team["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["email"].as_str().unwrap().to_string(),
                e["state"].as_str().unwrap().to_string(),
                e["sharing"].clone(),
                e["contacts"].clone(),
            )
        })
        .collect();
    // K1, and the contact of the matrix's own batch and commit above.
    assert!(
        rows.contains(&(
            "ally.a@example.org".into(),
            "member".into(),
            json!(true),
            json!(2)
        )),
        "{team}"
    );
    assert!(rows.iter().any(|r| r.0 == "new@example.org"), "{team}");
    assert!(
        rows.iter().all(|r| !r.0.ends_with(".b@example.org")),
        "{team}"
    );
    assert_eq!(team["total"], json!(rows.len()));

    // Nothing of A reached B's side: B's admin sees only B's contacts and asks.
    let b_view = server.page(&admin_b, "?q=kay").await;
    assert_eq!(b_view["contacts"], json!([]));
    let b_asks = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{}/intro-asks", admin_b.network_id),
            Some(&admin_b.token),
            None,
            ok,
        )
        .await;
    assert_eq!(b_asks, json!([]));
    let b_invitations = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{}/invitations", admin_b.network_id),
            Some(&admin_b.token),
            None,
            ok,
        )
        .await;
    assert!(b_invitations
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["network_id"] == admin_b.network_id));
}
