//! Permissions (seed 002) over real HTTP on a real SQLite file: every permission × every API
//! operation and console action it gates (refused without it, and nothing changed in the
//! database; allowed with it alone), the rule that a network keeps one member who can manage
//! the team, a member's Settings page (a template or permissions one by one, *Update*),
//! removing a member (their contacts leave the network, and the server when no other network
//! has them), and the audit log.

mod common;

use allyshare_protocol::{Permission, Role};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn contact(id: &str, first: &str) -> serde_json::Value {
    json!({
        "member_id": id,
        "profile_url": format!("https://www.linkedin.com/in/{}/", id.to_lowercase()),
        "first_name": first,
        "last_name": "Known",
        "headline": "Engineer",
    })
}

/// Sets `member`'s permissions in `network` as `boss` (who may manage roles).
async fn set_permissions(
    server: &TestServer,
    boss: &Member,
    network: i64,
    member: i64,
    permissions: &[Permission],
) {
    let names: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{network}/members/{member}"),
            Some(&boss.token),
            Some(json!({ "role": "network_admin", "permissions": names })),
            StatusCode::OK,
        )
        .await;
}

/// Everything a refused request could have changed, read from the database itself
/// (whichever the backend: plain rows, joined here).
async fn fingerprint(server: &TestServer) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT COUNT(*), COUNT(revoked_at) FROM invitations",
        "SELECT person_id, role, permissions, sharing FROM memberships
           ORDER BY person_id, network_id",
        "SELECT COUNT(*) FROM intro_asks",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM mail_queue",
        "SELECT COUNT(*) FROM contacts",
        "SELECT name, updated_at FROM intro_lists ORDER BY id",
        "SELECT COUNT(*) FROM intro_list_entries",
        "SELECT COUNT(*) FROM companies",
        "SELECT COUNT(*) FROM company_admin_invitations",
        "SELECT COUNT(*) FROM professionals",
        "SELECT id, gatekeeper FROM networks ORDER BY id",
    ] {
        for row in rows(server, sql, &[]).await {
            let cells: Vec<&str> = row.iter().map(|c| c.as_deref().unwrap_or("-")).collect();
            out.push_str(&cells.join(":"));
            out.push(',');
        }
        out.push('|');
    }
    out
}

fn all_but(permission: Permission) -> Vec<Permission> {
    Permission::ALL
        .into_iter()
        .filter(|p| *p != permission)
        .collect()
}

/// How one gated action is called: an API operation with the probe's bearer token, or a
/// console form or page in the probe's signed-in browser.
enum Call {
    Api(Method, String, Option<serde_json::Value>),
    PageGet(String),
    PagePost(String, Vec<(&'static str, String)>),
    /// A form whose page also needs another permission (asking for an introduction from a
    /// contact's page needs to see the contact): refused without the row's permission even
    /// with that one, allowed with both.
    PagePostAlso(Permission, String, Vec<(&'static str, String)>),
}

#[tokio::test]
async fn every_permission_gates_its_operations_and_console_actions_and_nothing_else() {
    let server = TestServer::start().await;
    let boss = server
        .member("Alpha", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let a = boss.network_id;
    let probe = server
        .member("Alpha", "probe@example.org", "Probe", Role::NetworkAdmin)
        .await;
    let ally = server
        .sharing_ally("Alpha", "ally@example.org", "Ally")
        .await;
    server
        .sync_contacts(
            &ally.token,
            "full",
            &[contact("K1", "Kay"), contact("K2", "Kim")],
        )
        .await;
    let spare_api = server
        .member("Alpha", "spare.api@example.org", "Spare Api", Role::Ally)
        .await;
    let spare_page = server
        .member("Alpha", "spare.page@example.org", "Spare Page", Role::Ally)
        .await;
    let mut invitations = Vec::new();
    for who in ["resend.api", "revoke.api", "resend.page", "revoke.page"] {
        let inv = server
            .expect(
                Method::POST,
                &format!("/v1/networks/{a}/invitations"),
                Some(&boss.token),
                Some(json!({"name": who, "email": format!("{who}@example.org")})),
                StatusCode::CREATED,
            )
            .await;
        invitations.push(inv["id"].as_i64().unwrap());
    }
    let [resend_api, revoke_api, resend_page, revoke_page] = invitations[..] else {
        unreachable!()
    };
    let new_list = |name: &'static str| {
        let path = format!("/v1/networks/{a}/lists");
        let token = boss.token.clone();
        let server = &server;
        async move {
            server
                .expect(
                    Method::POST,
                    &path,
                    Some(&token),
                    Some(json!({ "name": name })),
                    StatusCode::CREATED,
                )
                .await["id"]
                .as_i64()
                .unwrap()
        }
    };
    let list = new_list("Gated list").await;
    let doomed_api = new_list("Doomed by the API").await;
    let doomed_page = new_list("Doomed by the page").await;
    server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/lists/{list}/entries"),
            Some(&boss.token),
            Some(json!({ "keys": ["member:K1"] })),
            StatusCode::OK,
        )
        .await;
    let browser = Browser::signed_in(&server, "probe@example.org").await;
    let company = server
        .app
        .create_company(boss.id, a, "Gated Co", "", "")
        .await
        .unwrap();

    use Permission::*;
    let lists_api = |tail: &str| format!("/v1/networks/{a}/lists{tail}");
    let lists_page = |tail: &str| format!("/admin/networks/{a}/lists{tail}");
    let console = |tail: String| format!("/admin/networks/{a}{tail}");
    let rows: Vec<(Option<Permission>, Call, StatusCode)> = vec![
        // API operations.
        (
            Some(InviteMembers),
            Call::Api(
                Method::POST,
                format!("/v1/networks/{a}/invitations"),
                Some(json!({"name": "New", "email": "new.api@example.org"})),
            ),
            StatusCode::CREATED,
        ),
        (
            Some(InviteMembers),
            Call::Api(
                Method::POST,
                format!("/v1/networks/{a}/invitations/import"),
                None,
            ),
            // Past the permission: an empty file.
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some(InviteMembers),
            Call::Api(
                Method::POST,
                format!("/v1/networks/{a}/invitations/{resend_api}/resend"),
                None,
            ),
            StatusCode::CREATED,
        ),
        (
            Some(InviteMembers),
            Call::Api(
                Method::DELETE,
                format!("/v1/networks/{a}/invitations/{revoke_api}"),
                None,
            ),
            StatusCode::NO_CONTENT,
        ),
        (
            Some(ViewContacts),
            Call::Api(Method::GET, format!("/v1/networks/{a}/contacts"), None),
            StatusCode::OK,
        ),
        (
            Some(ViewContacts),
            Call::Api(Method::GET, format!("/v1/networks/{a}/intro-asks"), None),
            StatusCode::OK,
        ),
        (
            Some(AskIntroductions),
            Call::Api(
                Method::POST,
                format!("/v1/networks/{a}/intro-asks"),
                Some(json!({"ally_id": ally.id, "contact_key": "member:K1"})),
            ),
            StatusCode::CREATED,
        ),
        (
            Some(ManageRoles),
            Call::Api(
                Method::PUT,
                format!("/v1/networks/{a}/members/{}", ally.id),
                Some(json!({"role": "ally"})),
            ),
            StatusCode::OK,
        ),
        (
            Some(RemoveMembers),
            Call::Api(
                Method::DELETE,
                format!("/v1/networks/{a}/members/{}", spare_api.id),
                None,
            ),
            StatusCode::NO_CONTENT,
        ),
        (
            Some(ManageRoles),
            Call::Api(Method::GET, format!("/v1/networks/{a}/audit"), None),
            StatusCode::OK,
        ),
        // Introduction lists.
        (
            Some(ViewContacts),
            Call::Api(Method::GET, lists_api(""), None),
            StatusCode::OK,
        ),
        (
            Some(ViewContacts),
            Call::Api(Method::GET, lists_api(&format!("/{list}")), None),
            StatusCode::OK,
        ),
        (
            Some(ManageLists),
            Call::Api(
                Method::POST,
                lists_api(""),
                Some(json!({"name": "Probe's"})),
            ),
            StatusCode::CREATED,
        ),
        (
            Some(ManageLists),
            Call::Api(
                Method::PUT,
                lists_api(&format!("/{list}")),
                Some(json!({"name": "Gated list, renamed"})),
            ),
            StatusCode::OK,
        ),
        (
            Some(ManageLists),
            Call::Api(
                Method::DELETE,
                lists_api(&format!("/{list}/entries")),
                Some(json!({"keys": ["member:K1"]})),
            ),
            StatusCode::OK,
        ),
        (
            Some(ManageLists),
            Call::Api(
                Method::POST,
                lists_api(&format!("/{list}/entries")),
                Some(json!({"keys": ["member:K1"]})),
            ),
            StatusCode::OK,
        ),
        (
            Some(ManageLists),
            Call::Api(Method::DELETE, lists_api(&format!("/{doomed_api}")), None),
            StatusCode::NO_CONTENT,
        ),
        (
            Some(ExportContacts),
            Call::Api(Method::GET, lists_api(&format!("/{list}/export")), None),
            StatusCode::OK,
        ),
        (
            Some(AskIntroductions),
            Call::Api(
                Method::POST,
                lists_api(&format!("/{list}/asks")),
                Some(json!({"note": "From the gate"})),
            ),
            StatusCode::OK,
        ),
        // Any Network Admin, whatever their permissions.
        (
            None,
            Call::Api(Method::GET, format!("/v1/networks/{a}/team"), None),
            StatusCode::OK,
        ),
        (
            None,
            Call::Api(Method::GET, format!("/v1/networks/{a}/invitations"), None),
            StatusCode::OK,
        ),
        (
            None,
            Call::Api(
                Method::GET,
                format!("/v1/networks/{a}/members/{}", ally.id),
                None,
            ),
            StatusCode::OK,
        ),
        // Console pages and forms.
        (None, Call::PageGet(console("/team".into())), StatusCode::OK),
        (
            Some(InviteMembers),
            Call::PageGet(console("/team/invite".into())),
            StatusCode::OK,
        ),
        (
            Some(InviteMembers),
            Call::PageGet(console("/team/import".into())),
            StatusCode::OK,
        ),
        (
            Some(ViewContacts),
            Call::PageGet(console("/contacts?q=kay".into())),
            StatusCode::OK,
        ),
        (
            Some(ViewContacts),
            Call::PageGet(console("/contacts/member%3AK1".into())),
            StatusCode::OK,
        ),
        (
            Some(ViewContacts),
            Call::PageGet(console("/asks".into())),
            StatusCode::OK,
        ),
        (
            Some(AskIntroductions),
            Call::PagePostAlso(
                ViewContacts,
                console("/contacts/member%3AK2/ask".into()),
                vec![
                    ("ally", ally.id.to_string()),
                    ("note", "From the page".into()),
                ],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(InviteMembers),
            Call::PagePost(
                console("/team/invite".into()),
                vec![
                    ("kind", "ally".into()),
                    ("first_name", "Page".into()),
                    ("last_name", "Invite".into()),
                    ("email", "new.page@example.org".into()),
                    ("note", "".into()),
                ],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(InviteMembers),
            Call::PagePost(
                console(format!("/invitations/{resend_page}/resend")),
                vec![],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(InviteMembers),
            Call::PagePost(
                console(format!("/invitations/{revoke_page}/revoke")),
                vec![],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            None,
            Call::PageGet(console(format!("/members/{}", ally.id))),
            StatusCode::OK,
        ),
        (
            Some(ManageRoles),
            Call::PagePost(
                console(format!("/members/{}", ally.id)),
                vec![("role", "ally".into())],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(RemoveMembers),
            Call::PageGet(console(format!("/members/{}/remove", spare_page.id))),
            StatusCode::OK,
        ),
        (
            Some(RemoveMembers),
            Call::PagePost(
                console(format!("/members/{}/remove", spare_page.id)),
                vec![],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(ManageRoles),
            Call::PageGet(console("/audit".into())),
            StatusCode::OK,
        ),
        (
            Some(ViewContacts),
            Call::PageGet(lists_page("")),
            StatusCode::OK,
        ),
        (
            Some(ViewContacts),
            Call::PageGet(lists_page(&format!("/{list}"))),
            StatusCode::OK,
        ),
        (
            Some(ManageLists),
            Call::PagePost(lists_page(""), vec![("name", "Probe's page".into())]),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(ManageLists),
            Call::PagePost(
                lists_page(&format!("/{list}/rename")),
                vec![("name", "Gated list, renamed in the page".into())],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(ManageLists),
            Call::PagePost(
                lists_page(&format!("/{list}/remove")),
                vec![("key", "member:K1".into())],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(ManageLists),
            Call::PagePost(
                lists_page(&format!("/{list}/add")),
                vec![("key", "member:K1".into())],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(ManageLists),
            Call::PageGet(lists_page(&format!("/{doomed_page}/delete"))),
            StatusCode::OK,
        ),
        (
            Some(ManageLists),
            Call::PagePost(lists_page(&format!("/{doomed_page}/delete")), vec![]),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(ExportContacts),
            Call::PageGet(lists_page(&format!("/{list}/export"))),
            StatusCode::OK,
        ),
        (
            Some(AskIntroductions),
            Call::PagePost(
                lists_page(&format!("/{list}/asks")),
                vec![("note", "".into())],
            ),
            StatusCode::OK,
        ),
        // Introduction requests: the Inbox, the companies, a point of contact.
        (
            Some(ReviewRequests),
            Call::PageGet(console("/inbox".into())),
            StatusCode::OK,
        ),
        (
            Some(ReviewRequests),
            Call::PageGet(console("/companies".into())),
            StatusCode::OK,
        ),
        (
            Some(ReviewRequests),
            Call::PagePost(
                console("/companies".into()),
                vec![("name", "Probe Co".into())],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(ReviewRequests),
            Call::PagePost(
                console(format!("/companies/{company}/contact")),
                vec![
                    ("name", "Carol".into()),
                    ("email", "carol@gated.example".into()),
                ],
            ),
            StatusCode::SEE_OTHER,
        ),
        (
            Some(ReviewRequests),
            Call::PageGet(console("/professionals".into())),
            StatusCode::OK,
        ),
        (
            Some(ReviewRequests),
            Call::PagePost(
                console("/professionals".into()),
                vec![
                    ("name", "Paul".into()),
                    ("email", "paul@gated.example".into()),
                ],
            ),
            StatusCode::SEE_OTHER,
        ),
        // A company's Company Admins: its page, the API's list, a removal (of someone who is
        // not one: 404 once allowed).
        (
            Some(ReviewRequests),
            Call::PageGet(console(format!("/companies/{company}"))),
            StatusCode::OK,
        ),
        (
            Some(ReviewRequests),
            Call::Api(
                Method::GET,
                format!("/v1/networks/{a}/companies/{company}/team"),
                None,
            ),
            StatusCode::OK,
        ),
        (
            Some(ReviewRequests),
            Call::Api(
                Method::DELETE,
                format!("/v1/networks/{a}/companies/{company}/admins/{}", probe.id),
                None,
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            Some(ReviewRequests),
            Call::PagePost(
                console(format!("/companies/{company}/admins/{}/remove", probe.id)),
                vec![],
            ),
            StatusCode::SEE_OTHER,
        ),
        // Gatekeeper mode.
        (
            Some(ManageSettings),
            Call::PageGet(console("/settings".into())),
            StatusCode::OK,
        ),
        (
            Some(ManageSettings),
            Call::PagePost(
                console("/settings".into()),
                vec![("gatekeeper", "on".into())],
            ),
            StatusCode::SEE_OTHER,
        ),
    ];

    let mut failures = Vec::new();
    for (needs, call, allowed) in &rows {
        let run = || async {
            match call {
                Call::Api(method, path, body) => server
                    .call(method.clone(), path, Some(&probe.token), body.clone())
                    .await
                    .status(),
                Call::PageGet(path) => browser.get(path).await.status,
                Call::PagePost(path, fields) | Call::PagePostAlso(_, path, fields) => {
                    let fields: Vec<(&str, &str)> =
                        fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    browser.post(path, &fields).await.status
                }
            }
        };
        let what = match call {
            Call::Api(m, p, _) => format!("{m} {p}"),
            Call::PageGet(p) => format!("page GET {p}"),
            Call::PagePost(p, _) | Call::PagePostAlso(_, p, _) => format!("form POST {p}"),
        };
        match needs {
            Some(permission) => {
                // Every permission but the one needed: refused, and nothing changed.
                set_permissions(&server, &boss, a, probe.id, &all_but(*permission)).await;
                let before = fingerprint(&server).await;
                let got = run().await;
                if got != StatusCode::FORBIDDEN {
                    failures.push(format!("{what} without {permission:?}: {got}"));
                }
                let after = fingerprint(&server).await;
                if before != after {
                    failures.push(format!(
                        "{what} without {permission:?} changed {before} → {after}"
                    ));
                }
                // That permission alone (with the page's other one): allowed.
                let mut with = vec![*permission];
                if let Call::PagePostAlso(also, ..) = call {
                    with.push(*also);
                }
                set_permissions(&server, &boss, a, probe.id, &with).await;
            }
            None => set_permissions(&server, &boss, a, probe.id, &[]).await,
        }
        let got = run().await;
        if got != *allowed {
            failures.push(format!(
                "{what} with {needs:?} only: {got}, expected {allowed}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_network_always_keeps_one_member_who_can_manage_the_team() {
    let server = TestServer::start().await;
    let nadia = server
        .member("Alpha", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let a = nadia.network_id;
    let omar = server
        .member("Alpha", "omar@example.org", "Omar", Role::NetworkAdmin)
        .await;
    // Omar may do everything but manage roles: Nadia is the only manager.
    set_permissions(
        &server,
        &nadia,
        a,
        omar.id,
        &all_but(Permission::ManageRoles),
    )
    .await;
    let before = fingerprint(&server).await;
    for (method, body) in [
        (
            Method::PUT,
            Some(json!({"role": "network_admin", "template": "recruiter"})),
        ),
        (Method::PUT, Some(json!({"role": "ally"}))),
        (Method::DELETE, None),
    ] {
        let response = server
            .call(
                method.clone(),
                &format!("/v1/networks/{a}/members/{}", nadia.id),
                Some(if method == Method::DELETE {
                    &omar.token
                } else {
                    &nadia.token
                }),
                body,
            )
            .await;
        let error = api_error(response, StatusCode::CONFLICT).await;
        assert!(
            error.message.contains("manage roles and permissions"),
            "{}",
            error.message
        );
    }
    assert_eq!(
        fingerprint(&server).await,
        before,
        "refused, nothing changed"
    );

    // Once Omar can manage too, Nadia can step down.
    set_permissions(&server, &nadia, a, omar.id, &[Permission::ManageRoles]).await;
    let view = server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{a}/members/{}", nadia.id),
            Some(&nadia.token),
            Some(json!({"role": "network_admin", "template": "viewer"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(view["template"], "viewer");
    assert_eq!(view["permissions"], json!(["view_contacts"]));
    // And now Omar is the last one: he cannot remove himself.
    let response = server
        .call(
            Method::PUT,
            &format!("/v1/networks/{a}/members/{}", omar.id),
            Some(&omar.token),
            Some(json!({"role": "network_admin", "permissions": []})),
        )
        .await;
    api_error(response, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn removing_an_ally_takes_their_contacts_out_of_the_network_and_off_the_server() {
    let server = TestServer::start().await;
    let boss_a = server
        .member("Alpha", "boss.a@example.org", "Boss A", Role::NetworkAdmin)
        .await;
    let boss_b = server
        .member("Beta", "boss.b@example.org", "Boss B", Role::NetworkAdmin)
        .await;
    let (a, b) = (boss_a.network_id, boss_b.network_id);
    // Solo shares with Alpha only; Both shares with Alpha and Beta.
    let solo = server
        .sharing_ally("Alpha", "solo@example.org", "Solo")
        .await;
    let both = server
        .sharing_ally("Alpha", "both@example.org", "Both")
        .await;
    let invited = server
        .invite("Beta", "both@example.org", "Both", Role::Ally)
        .await;
    server.accept(&invited.link, GOOD_PASSWORD).await;
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{b}/sharing"),
            Some(&both.token),
            Some(json!({"sharing": true})),
            StatusCode::OK,
        )
        .await;
    server
        .sync_contacts(&solo.token, "full", &[contact("S1", "Sol")])
        .await;
    server
        .sync_contacts(&both.token, "full", &[contact("B1", "Bea")])
        .await;
    let contacts_of = |network: i64, token: String| {
        let server = &server;
        async move {
            let page = server
                .expect(
                    Method::GET,
                    &format!("/v1/networks/{network}/contacts"),
                    Some(&token),
                    None,
                    StatusCode::OK,
                )
                .await;
            page["contacts"].as_array().unwrap().len()
        }
    };
    assert_eq!(contacts_of(a, boss_a.token.clone()).await, 2);

    for ally in [&solo, &both] {
        server
            .expect(
                Method::DELETE,
                &format!("/v1/networks/{a}/members/{}", ally.id),
                Some(&boss_a.token),
                None,
                StatusCode::NO_CONTENT,
            )
            .await;
    }
    assert_eq!(contacts_of(a, boss_a.token.clone()).await, 0, "gone from A");
    assert_eq!(contacts_of(b, boss_b.token.clone()).await, 1, "still in B");
    let rows = |person: i64| {
        let server = &server;
        async move {
            scalar(
                server,
                &format!("SELECT COUNT(*) FROM contacts WHERE person_id = {person}"),
            )
            .await
        }
    };
    assert_eq!(rows(solo.id).await, 0, "deleted from the server");
    assert_eq!(rows(both.id).await, 1, "kept: Beta still has them");
    // The removed ally is no member of A any more: A's pages refuse them.
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{a}/sharing"),
            Some(&solo.token),
            Some(json!({"sharing": true})),
            StatusCode::FORBIDDEN,
        )
        .await;
}

#[tokio::test]
async fn the_audit_log_says_who_did_what_and_only_to_those_who_manage_the_team() {
    let server = TestServer::start().await;
    let boss = server
        .member(
            "Alpha",
            "boss@example.org",
            "Boss <b>One</b>",
            Role::NetworkAdmin,
        )
        .await;
    let a = boss.network_id;
    let viewer = server
        .member(
            "Alpha",
            "viewer@example.org",
            "Vera Viewer",
            Role::NetworkAdmin,
        )
        .await;
    let other = server
        .member("Beta", "other@example.org", "Other", Role::NetworkAdmin)
        .await;
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{a}/members/{}", viewer.id),
            Some(&boss.token),
            Some(json!({"role": "network_admin", "template": "viewer"})),
            StatusCode::OK,
        )
        .await;
    let inv = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/invitations"),
            Some(&boss.token),
            Some(json!({"name": "Ines", "email": "ines@example.org"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{a}/invitations/{inv}"),
            Some(&boss.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    // Refused: the viewer may not invite; no line for it.
    server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/invitations"),
            Some(&viewer.token),
            Some(json!({"name": "Nope", "email": "nope@example.org"})),
            StatusCode::FORBIDDEN,
        )
        .await;
    let log = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{a}/audit"),
            Some(&boss.token),
            None,
            StatusCode::OK,
        )
        .await;
    let lines: Vec<(String, String, String)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor_name"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
                e["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let boss_name = "Boss <b>One</b>".to_string();
    assert_eq!(
        lines,
        vec![
            (
                boss_name.clone(),
                "revoked".into(),
                "Ines <ines@example.org>".into()
            ),
            (
                boss_name.clone(),
                "invited".into(),
                "Ines <ines@example.org>".into()
            ),
            (
                boss_name.clone(),
                "access_changed".into(),
                "Vera Viewer <viewer@example.org>".into()
            ),
        ],
        "{log}"
    );
    assert_eq!(
        log["entries"][2]["detail"],
        "Network Admin (Admin template) → Network Admin (Viewer template)"
    );
    // The viewer and another network's admin may not read it.
    for token in [&viewer.token, &other.token] {
        server
            .expect(
                Method::GET,
                &format!("/v1/networks/{a}/audit"),
                Some(token),
                None,
                StatusCode::FORBIDDEN,
            )
            .await;
    }
    // The page shows it, names as text.
    let browser = Browser::signed_in(&server, "boss@example.org").await;
    let page = browser.get(&format!("/admin/networks/{a}/audit")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Revoked an invitation"), "{}", page.body);
    assert!(page.body.contains("Boss &#60;b&#62;One&#60;/b&#62;"));
    assert!(!page.body.contains("<b>One</b>"));
}

#[tokio::test]
async fn a_members_settings_page_sets_a_template_or_permissions_one_by_one() {
    let server = TestServer::start().await;
    let boss = server
        .member("Alpha", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let a = boss.network_id;
    let rita = server
        .member(
            "Alpha",
            "rita@example.org",
            "Rita Recruiter",
            Role::NetworkAdmin,
        )
        .await;
    let browser = Browser::signed_in(&server, "boss@example.org").await;
    let path = format!("/admin/networks/{a}/members/{}", rita.id);
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Rita Recruiter</h1>"));
    assert!(
        page.body.contains(r#"value="admin" checked"#),
        "Admin today"
    );
    assert!(page.body.contains(">Update</button>"));

    // A template.
    let answer = browser
        .post(
            &path,
            &[("role", "network_admin"), ("template", "recruiter")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), format!("{path}?done=updated"));
    let view = server
        .expect(
            Method::GET,
            &path.replace("/admin", "/v1"),
            Some(&boss.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(view["template"], "recruiter");

    // One by one.
    let answer = browser
        .post(
            &path,
            &[
                ("role", "network_admin"),
                ("template", "custom"),
                ("permission", "view_contacts"),
                ("permission", "export_contacts"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let view = server
        .expect(
            Method::GET,
            &path.replace("/admin", "/v1"),
            Some(&boss.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(view["template"], serde_json::Value::Null);
    assert_eq!(
        view["permissions"],
        json!(["view_contacts", "export_contacts"])
    );
    let page = browser.get(&format!("{path}?done=updated")).await;
    assert!(page
        .body
        .contains("Updated: the new role and permissions are in effect now."));
    assert!(page.body.contains(r#"value="custom" checked"#));
    assert!(page.body.contains(r#"value="export_contacts" checked"#));
    assert!(!page.body.contains(r#"value="invite_members" checked"#));

    // Neither a template nor Custom: a clear error, nothing changed.
    let before = fingerprint(&server).await;
    let answer = browser
        .post(
            &path,
            &[("role", "network_admin"), ("permission", "manage_roles")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("Please choose a permission template"));
    assert_eq!(fingerprint(&server).await, before);

    // Rita (view and export only) sees her team but no Update, no Invite Member, no audit
    // link; her forged Update is refused and changes nothing.
    let rita_browser = Browser::signed_in(&server, "rita@example.org").await;
    let page = rita_browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(">Update</button>"));
    assert!(page.body.contains("Export contacts"));
    let team = rita_browser.get(&format!("/admin/networks/{a}/team")).await;
    assert!(!team.body.contains(">Invite Member</a>"), "{}", team.body);
    assert!(!team.body.contains("/audit"));
    assert!(team.body.contains("Custom (2 permissions)"));
    let answer = rita_browser
        .post(&path, &[("role", "network_admin"), ("template", "admin")])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("Your permissions do not allow this"));
    assert_eq!(fingerprint(&server).await, before);
}

#[tokio::test]
async fn a_network_admin_invited_with_a_template_holds_it_once_they_accept() {
    let server = TestServer::start().await;
    let boss = server
        .member("Alpha", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let a = boss.network_id;
    let browser = Browser::signed_in(&server, "boss@example.org").await;
    let form = browser
        .get(&format!("/admin/networks/{a}/team/invite"))
        .await;
    assert!(
        form.body.contains(r#"value="admin" checked"#),
        "Admin by default"
    );
    let answer = browser
        .post(
            &format!("/admin/networks/{a}/team/invite"),
            &[
                ("kind", "network_admin"),
                ("first_name", "Rui"),
                ("last_name", "Recruiter"),
                ("email", "rui@example.org"),
                ("note", ""),
                ("template", "recruiter"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let team = browser.get(&format!("/admin/networks/{a}/team")).await;
    assert!(
        team.body.contains("Recruiter"),
        "the invitation's permissions"
    );
    // The emailed link, accepted.
    server.app.send_queued_mail().await.unwrap();
    let link = std::fs::read_dir(server.outbox())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| read_eml(&e.path()))
        .filter(|eml| eml.contains("rui@example.org"))
        .flat_map(|eml| links_in(&eml))
        .find(|l| l.contains("/invite/"))
        .expect("the invitation's link");
    let (status, _) = server.accept(&link, GOOD_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let tokens = server.tokens("rui@example.org", GOOD_PASSWORD).await;
    let me: allyshare_protocol::Me = server.me(&tokens.access_token).await.json().await.unwrap();
    let view = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{a}/members/{}", me.person.id),
            Some(&boss.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(view["template"], "recruiter", "{view}");
    // The recruiter may see contacts, not invite.
    server
        .expect(
            Method::GET,
            &format!("/v1/networks/{a}/contacts"),
            Some(&tokens.access_token),
            None,
            StatusCode::OK,
        )
        .await;
    server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/invitations"),
            Some(&tokens.access_token),
            Some(json!({"name": "X", "email": "x@example.org"})),
            StatusCode::FORBIDDEN,
        )
        .await;
}
