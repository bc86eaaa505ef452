//! Introduction lists over real HTTP on loopback, with a real SQLite file: creating, renaming
//! and deleting lists (names unique whatever the case), adding and removing several contacts at
//! once, another network's lists out of reach, a Viewer who sees but changes nothing, the CSV
//! export (formulas neutralised, logged), asking for a whole list, the console's pages, and the
//! privacy rule: a list's entry goes when its contact leaves the network's view, however it
//! leaves. Refused requests are checked to have changed nothing, in the database itself.

mod common;

use allyshare_protocol::{Permission, Permissions, Role};
use allyshare_server::db::members::Access;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn contact(id: &str, first: &str, last: &str, headline: &str, connected_on: &str) -> Value {
    json!({
        "member_id": id,
        "profile_url": format!("https://www.linkedin.com/in/{}/", id.to_lowercase()),
        "first_name": first,
        "last_name": last,
        "headline": headline,
        "connected_on": connected_on,
    })
}

fn key(id: &str) -> String {
    format!("member:{id}")
}

/// The stored entries, `list_id:key`, sorted: what the database holds, not what a view shows.
async fn stored_entries(server: &TestServer) -> Vec<String> {
    rows(
        server,
        "SELECT list_id, contact_key FROM intro_list_entries ORDER BY list_id, contact_key",
        &[],
    )
    .await
    .into_iter()
    .map(|r| format!("{}:{}", r[0].as_deref().unwrap(), r[1].as_deref().unwrap()))
    .collect()
}

/// Everything a refused request must leave as it was.
async fn snapshot(server: &TestServer) -> (Vec<String>, Vec<String>, i64, i64) {
    let lists = rows(
        server,
        "SELECT id, name, updated_at FROM intro_lists ORDER BY id",
        &[],
    )
    .await;
    (
        lists
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(Option::unwrap)
                    .collect::<Vec<_>>()
                    .join(":")
            })
            .collect(),
        stored_entries(server).await,
        scalar(server, "SELECT COUNT(*) FROM intro_asks").await,
        scalar(server, "SELECT COUNT(*) FROM audit_log").await,
    )
}

fn lists_path(network_id: i64) -> String {
    format!("/v1/networks/{network_id}/lists")
}

fn list_path(network_id: i64, list_id: i64) -> String {
    format!("/v1/networks/{network_id}/lists/{list_id}")
}

impl TestServer {
    async fn create_list(&self, admin: &Member, name: &str) -> i64 {
        self.expect(
            Method::POST,
            &lists_path(admin.network_id),
            Some(&admin.token),
            Some(json!({ "name": name })),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .unwrap()
    }

    async fn add(&self, admin: &Member, list_id: i64, keys: &[String]) -> Value {
        self.expect(
            Method::POST,
            &format!("{}/entries", list_path(admin.network_id, list_id)),
            Some(&admin.token),
            Some(json!({ "keys": keys })),
            StatusCode::OK,
        )
        .await
    }

    async fn list_keys(&self, admin: &Member, list_id: i64) -> Vec<String> {
        let detail = self
            .expect(
                Method::GET,
                &list_path(admin.network_id, list_id),
                Some(&admin.token),
                None,
                StatusCode::OK,
            )
            .await;
        detail["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap().to_string())
            .collect()
    }

    async fn audit_actions(&self, network_id: i64) -> Vec<(String, String, Option<String>)> {
        rows(
            self,
            "SELECT action, subject, detail FROM audit_log WHERE network_id = ? ORDER BY id",
            &[network_id],
        )
        .await
        .into_iter()
        .map(|mut r| {
            let detail = r.pop().unwrap();
            let subject = r.pop().unwrap().unwrap();
            (r.pop().unwrap().unwrap(), subject, detail)
        })
        .collect()
    }
}

#[tokio::test]
async fn lists_are_created_renamed_and_deleted_with_names_unique_whatever_the_case() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let a = admin.network_id;
    let created = server
        .expect(
            Method::POST,
            &lists_path(a),
            Some(&admin.token),
            Some(json!({ "name": "  Fintech founders  " })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(created["name"], "Fintech founders");
    assert_eq!(created["entries"], 0);
    assert_eq!(created["created_by"]["name"], "Nadia Admin");
    let id = created["id"].as_i64().unwrap();

    // The same name in another case, an empty one, a too long one: refused, nothing stored.
    let before = snapshot(&server).await;
    for (name, status) in [
        ("FINTECH FOUNDERS", StatusCode::CONFLICT),
        ("   ", StatusCode::UNPROCESSABLE_ENTITY),
        ("Tab\there", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        server
            .expect(
                Method::POST,
                &lists_path(a),
                Some(&admin.token),
                Some(json!({ "name": name })),
                status,
            )
            .await;
    }
    let error = server
        .expect(
            Method::POST,
            &lists_path(a),
            Some(&admin.token),
            Some(json!({ "name": "n".repeat(101) })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(error["code"], "limit_exceeded");
    assert_eq!(snapshot(&server).await, before);

    let other = server.create_list(&admin, "Other").await;
    let listed = server
        .expect(
            Method::GET,
            &lists_path(a),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Fintech founders", "Other"]);

    // Renamed; not to another list's name; to its own name in another case, yes.
    server.clock.advance(60);
    let renamed = server
        .expect(
            Method::PUT,
            &list_path(a, id),
            Some(&admin.token),
            Some(json!({ "name": "Q3 founders" })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(renamed["name"], "Q3 founders");
    assert!(renamed["updated_at"].as_i64() > created["updated_at"].as_i64());
    server
        .expect(
            Method::PUT,
            &list_path(a, other),
            Some(&admin.token),
            Some(json!({ "name": "q3 FOUNDERS" })),
            StatusCode::CONFLICT,
        )
        .await;
    server
        .expect(
            Method::PUT,
            &list_path(a, id),
            Some(&admin.token),
            Some(json!({ "name": "Q3 Founders" })),
            StatusCode::OK,
        )
        .await;

    // Deleted: gone, and its name free again.
    server
        .expect(
            Method::DELETE,
            &list_path(a, id),
            Some(&admin.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    for method in [Method::GET, Method::DELETE] {
        server
            .expect(
                method,
                &list_path(a, id),
                Some(&admin.token),
                None,
                StatusCode::NOT_FOUND,
            )
            .await;
    }
    server.create_list(&admin, "q3 founders").await;

    let log = server.audit_actions(a).await;
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|(a, s, _)| (a.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("list_created", "Fintech founders"),
            ("list_created", "Other"),
            ("list_renamed", "Q3 founders"),
            ("list_renamed", "Q3 Founders"),
            ("list_deleted", "Q3 Founders"),
            ("list_created", "q3 founders"),
        ]
    );
    assert_eq!(log[2].2.as_deref(), Some("Renamed from “Fintech founders”"));
}

#[tokio::test]
async fn several_contacts_are_added_and_removed_at_once() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let ally = server
        .sharing_ally("Alpha", "grace@example.org", "Grace Hopper")
        .await;
    server
        .sync_contacts(
            &ally.token,
            "full",
            &[
                contact("K1", "Kay", "One", "CEO at Acme", "2019-01-01"),
                contact("K2", "Lee", "Two", "CTO at Beta", "2020-01-01"),
                contact("K3", "Max", "Three", "CFO at Gamma", "2021-01-01"),
            ],
        )
        .await;
    let list = server.create_list(&admin, "Founders").await;
    let added = server
        .add(
            &admin,
            list,
            &[key("K2"), key("K1"), key("K1"), key("NOPE")],
        )
        .await;
    assert_eq!(
        added,
        json!({"added": 2, "already_there": 0, "not_found": 1})
    );
    let again = server.add(&admin, list, &[key("K1"), key("K3")]).await;
    assert_eq!(
        again,
        json!({"added": 1, "already_there": 1, "not_found": 0})
    );

    let detail = server
        .expect(
            Method::GET,
            &list_path(admin.network_id, list),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(detail["list"]["entries"], 3);
    let first = &detail["entries"][0];
    assert_eq!(first["key"], key("K1"));
    assert_eq!(first["contact"]["first_name"], "Kay");
    assert_eq!(first["known_by"][0]["ally"]["name"], "Grace Hopper");
    assert_eq!(first["added_by"]["name"], "Nadia Admin");

    // More than 100 keys at once: refused, nothing changed.
    let before = snapshot(&server).await;
    let many: Vec<String> = (0..101).map(|i| key(&format!("X{i}"))).collect();
    server
        .expect(
            Method::POST,
            &format!("{}/entries", list_path(admin.network_id, list)),
            Some(&admin.token),
            Some(json!({ "keys": many })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(snapshot(&server).await, before);

    let removed = server
        .expect(
            Method::DELETE,
            &format!("{}/entries", list_path(admin.network_id, list)),
            Some(&admin.token),
            Some(json!({ "keys": [key("K1"), key("K3"), key("NOPE")] })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(removed, json!({"removed": 2}));
    assert_eq!(server.list_keys(&admin, list).await, [key("K2")]);
    let details: Vec<Option<String>> = server
        .audit_actions(admin.network_id)
        .await
        .into_iter()
        .filter(|(a, _, _)| a.starts_with("list_contacts"))
        .map(|(_, _, d)| d)
        .collect();
    assert_eq!(
        details,
        [
            Some("2 contacts added".to_string()),
            Some("1 contact added".to_string()),
            Some("2 contacts removed".to_string()),
        ]
    );
}

#[tokio::test]
async fn another_networks_lists_are_out_of_reach() {
    let server = TestServer::start().await;
    let admin_a = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let admin_b = server
        .member("Beta", "bob@example.org", "Bob Admin", Role::NetworkAdmin)
        .await;
    let ally = server
        .sharing_ally("Alpha", "grace@example.org", "Grace Hopper")
        .await;
    server
        .sync_contacts(
            &ally.token,
            "full",
            &[contact("K1", "Kay", "One", "CEO", "2019-01-01")],
        )
        .await;
    let (a, b) = (admin_a.network_id, admin_b.network_id);
    let list_a = server.create_list(&admin_a, "Alpha list").await;
    server.add(&admin_a, list_a, &[key("K1")]).await;
    let list_b = server.create_list(&admin_b, "Beta list").await;
    let before = snapshot(&server).await;

    // B's admin on A's network: 403 whatever the list. A's admin with B's list under A's
    // network (and B's admin with A's list under B's): 404. Nothing changed.
    let rename = json!({"name": "Taken over"});
    let keys = json!({"keys": [key("K1")]});
    let ask = json!({"note": "hi"});
    let attempts: Vec<(&Member, Method, String, Option<Value>, StatusCode)> = vec![
        (
            &admin_b,
            Method::GET,
            lists_path(a),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::POST,
            lists_path(a),
            Some(rename.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::GET,
            list_path(a, list_a),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::PUT,
            list_path(a, list_a),
            Some(rename.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::DELETE,
            list_path(a, list_a),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::POST,
            format!("{}/entries", list_path(a, list_a)),
            Some(keys.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::DELETE,
            format!("{}/entries", list_path(a, list_a)),
            Some(keys.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::GET,
            format!("{}/export", list_path(a, list_a)),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::POST,
            format!("{}/asks", list_path(a, list_a)),
            Some(ask.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            &admin_b,
            Method::GET,
            list_path(b, list_a),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_b,
            Method::PUT,
            list_path(b, list_a),
            Some(rename.clone()),
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_b,
            Method::DELETE,
            list_path(b, list_a),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_b,
            Method::DELETE,
            format!("{}/entries", list_path(b, list_a)),
            Some(keys.clone()),
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_b,
            Method::GET,
            format!("{}/export", list_path(b, list_a)),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_b,
            Method::POST,
            format!("{}/asks", list_path(b, list_a)),
            Some(ask.clone()),
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_a,
            Method::GET,
            list_path(a, list_b),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_a,
            Method::PUT,
            list_path(a, list_b),
            Some(rename.clone()),
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_a,
            Method::DELETE,
            list_path(a, list_b),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            &admin_a,
            Method::POST,
            format!("{}/entries", list_path(a, list_b)),
            Some(keys.clone()),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (who, method, path, body, status) in attempts {
        server
            .expect(method, &path, Some(&who.token), body, status)
            .await;
    }
    assert_eq!(snapshot(&server).await, before);
    // B's list view holds nothing of A's, and A's contact cannot be put on B's list.
    let b_lists = server
        .expect(
            Method::GET,
            &lists_path(b),
            Some(&admin_b.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(b_lists.as_array().unwrap().len(), 1);
    assert_eq!(b_lists[0]["name"], "Beta list");
    let added = server.add(&admin_b, list_b, &[key("K1")]).await;
    assert_eq!(added["not_found"], 1);
    assert!(server.list_keys(&admin_b, list_b).await.is_empty());
}

/// Makes the member a Network Admin with only these permissions.
async fn restrict(server: &TestServer, by: &Member, member: &Member, permissions: &[Permission]) {
    server
        .app
        .set_member_access(
            by.id,
            member.network_id,
            member.id,
            Access {
                role: Role::NetworkAdmin,
                permissions: Permissions::from_iter(permissions.iter().copied()),
            },
        )
        .await
        .expect("access changed");
}

#[tokio::test]
async fn a_viewer_sees_the_lists_but_cannot_change_export_or_ask() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let viewer = server
        .member(
            "Alpha",
            "vera@example.org",
            "Vera Viewer",
            Role::NetworkAdmin,
        )
        .await;
    restrict(&server, &admin, &viewer, &[Permission::ViewContacts]).await;
    let ally = server
        .sharing_ally("Alpha", "grace@example.org", "Grace Hopper")
        .await;
    server
        .sync_contacts(
            &ally.token,
            "full",
            &[
                contact("K1", "Kay", "One", "CEO", "2019-01-01"),
                contact("K2", "Lee", "Two", "CTO", "2019-01-01"),
            ],
        )
        .await;
    let a = admin.network_id;
    let list = server.create_list(&admin, "Founders").await;
    server.add(&admin, list, &[key("K1")]).await;

    // Seeing: yes.
    let lists = server
        .expect(
            Method::GET,
            &lists_path(a),
            Some(&viewer.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(lists[0]["entries"], 1);
    assert_eq!(server.list_keys(&viewer, list).await, [key("K1")]);

    // Anything else: 403, and nothing changed (lists, entries, asks, the audit log).
    let before = snapshot(&server).await;
    let forbidden: Vec<(Method, String, Option<Value>)> = vec![
        (Method::POST, lists_path(a), Some(json!({"name": "Mine"}))),
        (
            Method::PUT,
            list_path(a, list),
            Some(json!({"name": "Renamed"})),
        ),
        (Method::DELETE, list_path(a, list), None),
        (
            Method::POST,
            format!("{}/entries", list_path(a, list)),
            Some(json!({"keys": [key("K2")]})),
        ),
        (
            Method::DELETE,
            format!("{}/entries", list_path(a, list)),
            Some(json!({"keys": [key("K1")]})),
        ),
        (Method::GET, format!("{}/export", list_path(a, list)), None),
        (
            Method::POST,
            format!("{}/asks", list_path(a, list)),
            Some(json!({"note": ""})),
        ),
    ];
    for (method, path, body) in forbidden {
        let answer = server
            .expect(
                method,
                &path,
                Some(&viewer.token),
                body,
                StatusCode::FORBIDDEN,
            )
            .await;
        assert_eq!(answer["code"], "forbidden");
    }

    // The console alike: the page shows no action, and the actions are refused anyway.
    let browser = Browser::signed_in(&server, &viewer.email).await;
    let page = browser.get(&console_list(a, list)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Kay One"));
    for action in [
        "Remove selected",
        "Export CSV",
        "Ask for introductions",
        "Rename",
        "Add contacts",
    ] {
        assert!(!page.body.contains(action), "a Viewer is offered {action}");
    }
    let lists_page = browser.get(&format!("/admin/networks/{a}/lists")).await;
    assert!(lists_page.body.contains("Founders"));
    assert!(!lists_page.body.contains("New list"));
    for (path, fields) in [
        (format!("/admin/networks/{a}/lists"), vec![("name", "Mine")]),
        (
            format!("{}/rename", console_list(a, list)),
            vec![("name", "Renamed")],
        ),
        (format!("{}/delete", console_list(a, list)), vec![]),
        (
            format!("{}/add", console_list(a, list)),
            vec![("key", "member:K2")],
        ),
        (
            format!("{}/remove", console_list(a, list)),
            vec![("key", "member:K1")],
        ),
        (
            format!("{}/asks", console_list(a, list)),
            vec![("note", "")],
        ),
    ] {
        let answer = browser.post(&path, &fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "POST {path}");
        assert!(answer.body.contains("Your permissions do not allow this"));
    }
    for path in [
        format!("{}/export", console_list(a, list)),
        format!("{}/delete", console_list(a, list)),
    ] {
        assert_eq!(
            browser.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    assert_eq!(snapshot(&server).await, before);
}

#[tokio::test]
async fn an_export_is_csv_with_formulas_neutralised_and_is_logged() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let ally = server
        .sharing_ally("Alpha", "grace@example.org", "Grace Hopper")
        .await;
    server
        .sync_contacts(
            &ally.token,
            "full",
            &[
                contact(
                    "K1",
                    "Kay",
                    "One",
                    "=HYPERLINK(\"https://evil.example\",\"Click\")",
                    "2019-03-04",
                ),
                contact(
                    "K2",
                    "@Lee",
                    "Two",
                    "-1+1 engineer, \"quoted\"",
                    "2020-01-01",
                ),
            ],
        )
        .await;
    let a = admin.network_id;
    let list = server.create_list(&admin, "Q3: founders!").await;
    server.add(&admin, list, &[key("K1"), key("K2")]).await;

    let response = server
        .call(
            Method::GET,
            &format!("{}/export", list_path(a, list)),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"q3-founders.csv\""
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\"Name\",\"Headline\",\"LinkedIn profile\",\"Known by\",\"Connected since\",\"Added by\",\"Added on\""
    );
    assert!(
        lines[1].starts_with("\"'@Lee Two\",\"'-1+1 engineer, \"\"quoted\"\"\""),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with(
        "\"Kay One\",\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"Click\"\")\",\"https://www.linkedin.com/in/k1/\",\"Grace Hopper\",\"2019-03-04\",\"Nadia Admin\","
    ), "{}", lines[2]);
    assert_eq!(lines.len(), 4, "{csv:?}");
    // No cell starts with a formula character outside its quote-and-apostrophe.
    assert!(
        !csv.contains(",\"=")
            && !csv.contains(",\"@")
            && !csv.contains(",\"-")
            && !csv.contains(",\"+")
    );

    // The console's Export CSV is the same file, and each export is in the audit log.
    let browser = Browser::signed_in(&server, &admin.email).await;
    let download = browser
        .get(&format!("{}/export", console_list(a, list)))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body, csv);
    let exports: Vec<(String, Option<String>)> = server
        .audit_actions(a)
        .await
        .into_iter()
        .filter(|(action, _, _)| action == "exported")
        .map(|(_, subject, detail)| (subject, detail))
        .collect();
    let line = (
        "Q3: founders!".to_string(),
        Some("Introduction list as CSV: 2 contacts".to_string()),
    );
    assert_eq!(exports, [line.clone(), line]);
}

#[tokio::test]
async fn asking_for_a_list_sends_one_ask_per_contact_to_the_ally_connected_longest() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let recent = server
        .sharing_ally("Alpha", "ann@example.org", "Ann Recent")
        .await;
    let longest = server
        .sharing_ally("Alpha", "ben@example.org", "Ben Longest")
        .await;
    server
        .sync_contacts(
            &recent.token,
            "full",
            &[
                contact("K1", "Kay", "One", "CEO", "2023-05-01"),
                contact("K2", "Lee", "Two", "CTO", "2022-01-01"),
                contact("K3", "Max", "Three", "CFO", "2022-01-01"),
            ],
        )
        .await;
    server
        .sync_contacts(
            &longest.token,
            "full",
            &[contact("K1", "Kay", "One", "CEO", "2015-09-01")],
        )
        .await;
    let a = admin.network_id;
    // K3 has an ask waiting already.
    server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/intro-asks"),
            Some(&admin.token),
            Some(json!({"ally_id": recent.id, "contact_key": key("K3")})),
            StatusCode::CREATED,
        )
        .await;
    let list = server.create_list(&admin, "Founders").await;
    server
        .add(&admin, list, &[key("K1"), key("K2"), key("K3")])
        .await;

    // The list page names the ally asked first: the one connected longest.
    let detail = server
        .expect(
            Method::GET,
            &list_path(a, list),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        detail["entries"][0]["known_by"][0]["ally"]["name"],
        "Ben Longest"
    );
    assert_eq!(
        detail["entries"][0]["known_by"][1]["ally"]["name"],
        "Ann Recent"
    );

    let result = server
        .expect(
            Method::POST,
            &format!("{}/asks", list_path(a, list)),
            Some(&admin.token),
            Some(json!({"note": "For our Q3 cohort"})),
            StatusCode::OK,
        )
        .await;
    let sent: Vec<(&str, &str, &str)> = result["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["contact_name"].as_str().unwrap(),
                s["ally"]["name"].as_str().unwrap(),
                s["note"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            ("Kay One", "Ben Longest", "For our Q3 cohort"),
            ("Lee Two", "Ann Recent", "For our Q3 cohort"),
        ]
    );
    assert_eq!(
        result["skipped"],
        json!([{"contact_key": key("K3"), "contact_name": "Max Three", "reason": "already_pending"}])
    );
    // The allies see their asks.
    let bens = server
        .expect(
            Method::GET,
            "/v1/intro-asks",
            Some(&longest.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(bens.as_array().unwrap().len(), 1);
    assert_eq!(bens[0]["contact_key"], key("K1"));

    // Asked again: every contact has an ask waiting, so nothing is sent.
    let asks_before = scalar(&server, "SELECT COUNT(*) FROM intro_asks").await;
    let browser = Browser::signed_in(&server, &admin.email).await;
    let page = browser
        .post(
            &format!("{}/asks", console_list(a, list)),
            &[("note", "Again")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("No ask was sent, 3 contacts skipped."),
        "{}",
        page.body
    );
    assert!(page.body.contains("already waiting for an answer"));
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM intro_asks").await,
        asks_before
    );
    let asked: Vec<Option<String>> = server
        .audit_actions(a)
        .await
        .into_iter()
        .filter(|(action, _, _)| action == "list_asked")
        .map(|(_, _, d)| d)
        .collect();
    assert_eq!(
        asked,
        [
            Some("2 asks sent, 1 skipped".to_string()),
            Some("0 asks sent, 3 skipped".to_string()),
        ]
    );
}

#[tokio::test]
async fn an_entry_goes_when_its_contact_leaves_the_networks_view() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let stops = server
        .sharing_ally("Alpha", "stops@example.org", "Stella Stops")
        .await;
    let leaves = server
        .sharing_ally("Alpha", "leaves@example.org", "Leo Leaves")
        .await;
    let removed = server
        .sharing_ally("Alpha", "removed@example.org", "Remy Removed")
        .await;
    let deletes = server
        .sharing_ally("Alpha", "deletes@example.org", "Dee Deletes")
        .await;
    let resyncs = server
        .sharing_ally("Alpha", "resyncs@example.org", "Ray Resyncs")
        .await;
    let c = |id: &str| contact(id, id, "Person", "Somebody", "2020-01-01");
    // Stella and Leo both know SHARED; each contact else has one ally.
    server
        .sync_contacts(&stops.token, "full", &[c("SHARED"), c("STELLA")])
        .await;
    server
        .sync_contacts(&leaves.token, "full", &[c("SHARED"), c("LEO")])
        .await;
    server
        .sync_contacts(&removed.token, "full", &[c("REMY")])
        .await;
    server
        .sync_contacts(&deletes.token, "full", &[c("DEE")])
        .await;
    server
        .sync_contacts(&resyncs.token, "full", &[c("RAY"), c("KEPT")])
        .await;
    // The same contacts in a second network (Beta), through an ally who shares there only:
    // Beta's list must not lose what Alpha's loses.
    let beta_admin = server
        .member("Beta", "bob@example.org", "Bob Admin", Role::NetworkAdmin)
        .await;
    let beta_ally = server
        .sharing_ally("Beta", "bea@example.org", "Bea Beta")
        .await;
    server
        .sync_contacts(&beta_ally.token, "full", &[c("STELLA"), c("DEE")])
        .await;
    let beta_list = server.create_list(&beta_admin, "Beta list").await;
    server
        .add(&beta_admin, beta_list, &[key("STELLA"), key("DEE")])
        .await;

    let one = server.create_list(&admin, "One").await;
    let two = server.create_list(&admin, "Two").await;
    let all: Vec<String> = ["SHARED", "STELLA", "LEO", "REMY", "DEE", "RAY", "KEPT"]
        .iter()
        .map(|id| key(id))
        .collect();
    assert_eq!(server.add(&admin, one, &all).await["added"], 7);
    server.add(&admin, two, &[key("STELLA"), key("KEPT")]).await;
    let a = admin.network_id;
    let stored = |list: i64, ids: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ids.iter().map(|id| format!("{list}:{}", key(id))).collect();
        v.sort();
        v
    };
    let expect_stored = |alpha_one: &[&str], alpha_two: &[&str]| {
        let mut v = stored(beta_list, &["STELLA", "DEE"]);
        v.extend(stored(one, alpha_one));
        v.extend(stored(two, alpha_two));
        v.sort();
        v
    };

    // Stella stops sharing: STELLA goes from both lists; SHARED stays (Leo has it).
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{a}/sharing"),
            Some(&stops.token),
            Some(json!({"sharing": false})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        stored_entries(&server).await,
        expect_stored(&["SHARED", "LEO", "REMY", "DEE", "RAY", "KEPT"], &["KEPT"])
    );

    // Leo leaves the network: SHARED and LEO go.
    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{a}/membership"),
            Some(&leaves.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(
        stored_entries(&server).await,
        expect_stored(&["REMY", "DEE", "RAY", "KEPT"], &["KEPT"])
    );

    // Remy is removed by an admin: REMY goes.
    server
        .app
        .remove_member(admin.id, a, removed.id)
        .await
        .expect("removed");
    assert_eq!(
        stored_entries(&server).await,
        expect_stored(&["DEE", "RAY", "KEPT"], &["KEPT"])
    );

    // Dee deletes her account: DEE goes from Alpha's list, not from Beta's (Bea shares it).
    server
        .expect(
            Method::DELETE,
            "/v1/me",
            Some(&deletes.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(
        stored_entries(&server).await,
        expect_stored(&["RAY", "KEPT"], &["KEPT"])
    );

    // Ray's full sync no longer has RAY: it goes; KEPT stays.
    server
        .sync_contacts(&resyncs.token, "full", &[c("KEPT")])
        .await;
    assert_eq!(
        stored_entries(&server).await,
        expect_stored(&["KEPT"], &["KEPT"])
    );
    assert_eq!(server.list_keys(&admin, one).await, [key("KEPT")]);
    let lists = server
        .expect(
            Method::GET,
            &lists_path(a),
            Some(&admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(lists[0]["entries"], 1);
    assert_eq!(lists[1]["entries"], 1);
}

// The console.

fn console_list(network_id: i64, list_id: i64) -> String {
    format!("/admin/networks/{network_id}/lists/{list_id}")
}

#[tokio::test]
async fn the_console_creates_a_list_adds_from_its_search_removes_renames_and_deletes() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let ally = server
        .sharing_ally("Alpha", "grace@example.org", "Grace Hopper")
        .await;
    server
        .sync_contacts(
            &ally.token,
            "full",
            &[
                contact("K1", "Kay", "One", "Founder at Acme", "2019-06-02"),
                contact("K2", "Lee", "Two", "Founder at Beta", "2020-01-01"),
                contact("K3", "Max", "<b>Three</b>", "Investor", "2021-01-01"),
            ],
        )
        .await;
    let a = admin.network_id;
    let browser = Browser::signed_in(&server, &admin.email).await;

    // The navigation leads to the lists; there are none yet.
    let team = browser.get(&format!("/admin/networks/{a}/team")).await;
    assert!(team.body.contains(&format!(
        "href=\"/admin/networks/{a}/lists\">Introduction lists</a>"
    )));
    let page = browser.get(&format!("/admin/networks/{a}/lists")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("There are no introduction lists yet."));
    assert!(page
        .body
        .contains("aria-current=\"page\">Introduction lists"));

    // New list: an empty name is a field error; then created, and on to its page.
    let empty = browser
        .post(&format!("/admin/networks/{a}/lists"), &[("name", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Please give the list a name."));
    assert!(empty.body.contains("aria-invalid=\"true\""));
    let created = browser
        .post(
            &format!("/admin/networks/{a}/lists"),
            &[("name", "Founders")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let list_path = created.location().split('?').next().unwrap().to_string();
    let list: i64 = list_path.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(list_path, console_list(a, list));
    let duplicate = browser
        .post(
            &format!("/admin/networks/{a}/lists"),
            &[("name", "FOUNDERS")],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(duplicate
        .body
        .contains("already has a list named “FOUNDERS”"));
    let page = browser.get(created.location()).await;
    assert!(page.body.contains("The list is created."));
    assert!(page.body.contains("This list has no contacts yet."));

    // Add contacts: the search finds both founders; both are added at once.
    let search = browser.get(&format!("{list_path}?q=founder")).await;
    assert!(search.body.contains("2 matches."), "{}", search.body);
    assert!(
        search.body.contains("value=\"member:K1\"") && search.body.contains("value=\"member:K2\"")
    );
    assert!(!search.body.contains("value=\"member:K3\""));
    let none = browser
        .post(&format!("{list_path}/add"), &[("q", "founder")])
        .await;
    assert!(none.location().contains("problem=none_selected"));
    let added = browser
        .post(
            &format!("{list_path}/add"),
            &[("key", "member:K1"), ("key", "member:K2"), ("q", "founder")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let page = browser.get(added.location()).await;
    assert!(
        page.body.contains("2 contacts added to the list."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Kay One") && page.body.contains("Lee Two"));
    assert!(page
        .body
        .contains("Grace Hopper <span class=\"muted\">(since 2 Jun 2019)</span>"));
    // On the list now: the search says so instead of offering them again.
    assert_eq!(page.body.matches("On the list").count(), 2);
    // A name is text, never markup.
    let all = browser.get(&format!("{list_path}?q=")).await;
    assert!(
        all.body.contains("Max &#60;b&#62;Three&#60;/b&#62;"),
        "{}",
        all.body
    );
    assert!(!all.body.contains("<b>Three"));

    // Remove one of them.
    let removed = browser
        .post(&format!("{list_path}/remove"), &[("key", "member:K2")])
        .await;
    let page = browser.get(removed.location()).await;
    assert!(page.body.contains("1 contact removed from the list."));
    assert!(page.body.contains("Kay One") && !page.body.contains("Lee Two"));

    // Rename: a too long name is a field error, kept as typed; then renamed.
    let long = "n".repeat(101);
    let refused = browser
        .post(&format!("{list_path}/rename"), &[("name", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("The name is too long: at most 100 characters."));
    let renamed = browser
        .post(&format!("{list_path}/rename"), &[("name", "Q3 founders")])
        .await;
    let page = browser.get(renamed.location()).await;
    assert!(page.body.contains("<h1>Q3 founders</h1>"));

    // Delete: a confirmation page first (a plain form), then gone.
    let confirm = browser.get(&format!("{list_path}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("<h1>Delete “Q3 founders”?</h1>"));
    assert!(confirm.body.contains("with its 1 contact."));
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM intro_lists").await, 1);
    let deleted = browser.post(&format!("{list_path}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        deleted.location(),
        format!("/admin/networks/{a}/lists?done=deleted")
    );
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM intro_lists").await, 0);
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM intro_list_entries").await,
        0
    );
    assert_eq!(browser.get(&list_path).await.status, StatusCode::NOT_FOUND);
}

/// A member who may manage the lists but not view the network's contacts cannot see a list's
/// page (it shows contacts): a refused rename or *New list* tells them, in the console's frame,
/// what happened and what to do (not a bare 403), in English and French, and changes nothing;
/// a rename that works says it is done.
#[tokio::test]
async fn managing_lists_without_viewing_contacts_gets_a_page_that_says_what_happened() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let keeper = server
        .member(
            "Alpha",
            "lena@example.org",
            "Lena Keeper",
            Role::NetworkAdmin,
        )
        .await;
    restrict(&server, &admin, &keeper, &[Permission::ManageLists]).await;
    let a = admin.network_id;
    let list = server.create_list(&admin, "Q3 founders").await;
    server.create_list(&admin, "Taken").await;
    let browser = Browser::signed_in(&server, "lena@example.org").await;
    let rename = format!("{}/rename", console_list(a, list));

    let before = snapshot(&server).await;
    let refused = browser.post(&rename, &[("name", "taken")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(h1(&refused.body), "The list was not renamed");
    let body = refused.body.replace("&#39;", "'").replace("&#x27;", "'");
    assert!(
        body.contains(r#"role="alert""#)
            && body.contains("This network already has a list named “taken”"),
        "{body}"
    );
    assert!(body.contains("Choose another name"), "{body}");
    assert!(
        body.contains("ask a Network Admin who manages roles and permissions"),
        "{body}"
    );
    // In the console's frame: its navigation and sign-out.
    assert!(body.contains(r#"class="console""#), "{body}");
    assert_eq!(snapshot(&server).await, before);

    // Also for New list.
    let refused = browser.post(&lists_path_console(a), &[("name", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(h1(&refused.body), "The list was not created");
    assert!(refused.body.contains("Please give the list a name."));
    assert_eq!(snapshot(&server).await, before);

    // In French.
    browser.set_cookie_value("allyshare_lang", "fr");
    let refused = browser.post(&rename, &[("name", "taken")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(h1(&refused.body), "La liste n’a pas été renommée");
    assert!(refused
        .body
        .contains("Ce réseau a déjà une liste nommée « taken »"));
    assert!(refused
        .body
        .contains("demandez à un admin du réseau qui gère les rôles et les autorisations"));
    assert_eq!(snapshot(&server).await, before);

    // A rename that works says so (the list's page is still not theirs to see).
    browser.set_cookie_value("allyshare_lang", "en");
    let renamed = browser.post(&rename, &[("name", "Q4 founders")]).await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let done = browser.get(renamed.location()).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(h1(&done.body), "The list is renamed");
    assert!(
        !done.body.contains("Q4 founders"),
        "nothing of the list shown"
    );
    // The list's page itself is still refused to them.
    assert_eq!(
        browser.get(&console_list(a, list)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        scalar(
            &server,
            &format!("SELECT COUNT(*) FROM intro_lists WHERE id = {list} AND name = 'Q4 founders'")
        )
        .await,
        1
    );
}

fn lists_path_console(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/lists")
}
