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
async fn leaving_and_deleting_the_account() {
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

    // Deleting the account ends every session.
    server
        .expect(
            Method::DELETE,
            "/v1/me",
            Some(&ally.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_unauthorized(server.me(&ally.token).await, ErrorCode::Unauthorized).await;
    assert_unauthorized(server.me(&other.token).await, ErrorCode::Unauthorized).await;
    assert_unauthorized(
        server.sign_in("ada@example.org", GOOD_PASSWORD).await,
        ErrorCode::InvalidCredentials,
    )
    .await;
}
