//! Inviting is never a way to more permissions than one has: a Network Admin gives the
//! Network Admins they invite (one by one or from a CSV, in the API or the console) only
//! permissions they hold themselves. A refused invitation stores nothing and sends nothing.

mod common;

use allyshare_protocol::{Permission, Permissions, Role};
use common::{execute, scalar, Member, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn set_permissions(server: &TestServer, member: &Member, permissions: Permissions) {
    let sql = format!(
        "UPDATE memberships SET permissions = {} WHERE person_id = {}",
        permissions.bits(),
        member.id
    );
    execute(server, &sql).await;
}

async fn invitations_to(server: &TestServer, email: &str) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM invitations WHERE email_norm = '{}'",
        email.replace('\'', "''")
    );
    scalar(server, &sql).await
}

#[tokio::test]
async fn a_network_admin_gives_only_permissions_they_hold() {
    let server = TestServer::start().await;
    let inviter = server
        .member("Sales", "ines@example.org", "Ines", Role::NetworkAdmin)
        .await;
    let only_invite = Permissions::NONE.with(Permission::InviteMembers);
    set_permissions(&server, &inviter, only_invite).await;
    let path = format!("/v1/networks/{}/invitations", inviter.network_id);
    let invite = |email: &str, permissions: Option<Vec<&str>>| {
        let mut body = json!({ "name": "New Admin", "email": email, "role": "network_admin" });
        if let Some(p) = permissions {
            body["permissions"] = json!(p);
        }
        body
    };

    // Every permission (the default, Admin) and a template beyond hers: refused, nothing kept.
    for (email, permissions) in [
        ("all@example.org", None),
        ("viewer@example.org", Some(vec!["view_contacts"])),
        (
            "roles@example.org",
            Some(vec!["invite_members", "manage_roles"]),
        ),
    ] {
        let refused = server
            .expect(
                Method::POST,
                &path,
                Some(&inviter.token),
                Some(invite(email, permissions)),
                StatusCode::FORBIDDEN,
            )
            .await;
        assert!(refused["message"]
            .as_str()
            .unwrap()
            .contains("only permissions you have yourself"));
        assert_eq!(invitations_to(&server, email).await, 0, "{email}");
    }
    // What she holds herself: invited. An ally needs no permission of hers.
    server
        .expect(
            Method::POST,
            &path,
            Some(&inviter.token),
            Some(invite("same@example.org", Some(vec!["invite_members"]))),
            StatusCode::CREATED,
        )
        .await;
    server
        .expect(
            Method::POST,
            &path,
            Some(&inviter.token),
            Some(json!({ "name": "Al Ly", "email": "ally@example.org", "role": "ally" })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(invitations_to(&server, "same@example.org").await, 1);

    // From a CSV through the API: the Admin template refused whole, nothing kept.
    let response = server
        .http
        .post(format!(
            "{}{path}/import?role=network_admin&template=admin",
            server.base
        ))
        .bearer_auth(&inviter.token)
        .header("content-type", "text/csv")
        .body("name,email\nCsv Admin,csv@example.org\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(invitations_to(&server, "csv@example.org").await, 0);

    // An admin who holds every permission gives every permission.
    let boss = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    server
        .expect(
            Method::POST,
            &path,
            Some(&boss.token),
            Some(invite("all@example.org", None)),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(invitations_to(&server, "all@example.org").await, 1);
}
