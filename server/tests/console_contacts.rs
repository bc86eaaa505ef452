//! The console's Contacts, contact and Asks pages over real HTTP on loopback with a real
//! SQLite file: search by name and headline, the filters (ally, connected since),
//! the three orders, pages; a contact's allies; *Ask for an introduction* (the ask the API
//! shows, every field error, a pending ask); who may see and ask (a Viewer sees no form and a
//! forged ask is refused; an admin without `view_contacts` gets 403); what never shows (an
//! ally who stopped sharing, another network); names rendered as text. Refused requests are
//! checked to have changed nothing, in the database itself.

mod common;

use allyshare_protocol::{Permission, Permissions, Role};
use allyshare_server::Clock;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Gives a member exactly these permissions.
async fn set_permissions(server: &TestServer, member: &Member, permissions: Permissions) {
    let sql = format!(
        "UPDATE memberships SET permissions = {} WHERE person_id = {}",
        permissions.bits(),
        member.id
    );
    execute(server, &sql).await;
}

fn contact(
    id: &str,
    first: &str,
    last: &str,
    headline: &str,
    on: Option<&str>,
) -> serde_json::Value {
    json!({
        "member_id": id,
        "profile_url": format!("https://www.linkedin.com/in/{}/", id.to_lowercase()),
        "first_name": first,
        "last_name": last,
        "headline": headline,
        "connected_on": on,
    })
}

/// The network: Ada and Bob share (Grace Hopper known by both), Cy shares too; another
/// network's ally shares a secret contact.
struct World {
    server: TestServer,
    admin: Member,
    ada: Member,
    bob: Member,
    cy: Member,
    outsider: Member,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "boss@example.org",
            "Boss Admin",
            Role::NetworkAdmin,
        )
        .await;
    let ada = server
        .sharing_ally("Sales", "ada@example.org", "Ada Ally")
        .await;
    let bob = server
        .sharing_ally("Sales", "bob@example.org", "Bob Ally")
        .await;
    let cy = server
        .sharing_ally("Sales", "cy@example.org", "Cy Ally")
        .await;
    let outsider = server
        .sharing_ally("Marketing", "oz@example.org", "Oz Outsider")
        .await;
    let mut ada_contacts = vec![
        contact(
            "A1",
            "Grace",
            "Hopper",
            "Rear Admiral, US Navy",
            Some("2020-01-05"),
        ),
        contact(
            "A2",
            "Alan",
            "Turing",
            "Mathematician, Bletchley Park",
            Some("2019-03-01"),
        ),
        contact(
            "A3",
            "Katherine",
            "Johnson",
            "Mathematician, NASA",
            Some("2024-06-01"),
        ),
    ];
    for i in 0..30 {
        ada_contacts.push(contact(
            &format!("F{i:02}"),
            "Filler",
            &format!("Person{i:02}"),
            "Tester",
            None,
        ));
    }
    server
        .sync_contacts(&ada.token, "full", &ada_contacts)
        .await;
    server
        .sync_contacts(
            &bob.token,
            "full",
            &[
                contact(
                    "A1",
                    "Grace",
                    "Hopper",
                    "Computer scientist",
                    Some("2023-02-02"),
                ),
                contact(
                    "E1",
                    "Ed",
                    "<script>alert(1)</script>",
                    "Hacker & <b>bold</b>",
                    Some("2021-01-01"),
                ),
            ],
        )
        .await;
    server
        .sync_contacts(
            &cy.token,
            "full",
            &[contact(
                "C1",
                "Carl",
                "Sagan",
                "Astronomer",
                Some("2022-02-02"),
            )],
        )
        .await;
    server
        .sync_contacts(
            &outsider.token,
            "full",
            &[contact(
                "Z1",
                "Secret",
                "Contact",
                "Mathematician",
                Some("2025-01-01"),
            )],
        )
        .await;
    World {
        server,
        admin,
        ada,
        bob,
        cy,
        outsider,
    }
}

fn contacts_path(admin: &Member) -> String {
    format!("/admin/networks/{}/contacts", admin.network_id)
}

/// The contacts of a Contacts page, in order, by key (from each row's link).
fn keys(admin: &Member, page: &str) -> Vec<String> {
    let marker = format!(
        "<th scope=\"row\"><a href=\"/admin/networks/{}/contacts/",
        admin.network_id
    );
    page.split(&marker)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().replace("%3A", ":"))
        .collect()
}

/// The link of the pager named `label`, unescaped.
fn link(page: &str, label: &str) -> Option<String> {
    let at = page.find(&format!(">{label}</a>"))?;
    let start = page[..at].rfind("href=\"")? + 6;
    let end = start + page[start..].find('"')?;
    Some(page[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

#[tokio::test]
async fn contacts_are_searched_filtered_sorted_and_paged() {
    let w = world().await;
    let browser = Browser::signed_in(&w.server, &w.admin.email).await;
    let path = contacts_path(&w.admin);
    let keys_of = |q: &str| {
        let url = format!("{path}?{q}");
        let browser = &browser;
        let admin = &w.admin;
        async move {
            let page = browser.get(&url).await;
            assert_eq!(page.status, StatusCode::OK, "{url}: {}", page.body);
            keys(admin, &page.body)
        }
    };

    // The whole network by name, one row per person: 3 + 30 of Ada's, Bob's Ed, Cy's Carl.
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(h1(&page.body), "Contacts");
    assert!(page.body.contains(">Contacts</a>") && page.body.contains(">Asks</a>"));
    let first = keys(&w.admin, &page.body);
    assert_eq!(first.len(), 25);
    assert_eq!(&first[..3], ["member:A2", "member:C1", "member:E1"]);
    let next = link(&page.body, "Next page").expect("a next page");
    let second = browser.get(&next).await;
    // Each row names who knows them, and the newest connection.
    assert!(
        second.body.contains("Ada Ally, Bob Ally"),
        "{}",
        second.body
    );
    assert!(second
        .body
        .contains(r#"<time datetime="2023-02-02">2 Feb 2023</time>"#));
    let rest = keys(&w.admin, &second.body);
    assert_eq!(rest.len(), 35 - 25);
    assert!(rest.iter().all(|k| !first.contains(k)), "no row twice");
    assert!(link(&second.body, "Next page").is_none());
    assert!(link(&second.body, "First page").is_some());
    // A forged cursor: the first page, said so.
    let forged = browser.get(&format!("{path}?after=bm9wZQ")).await;
    assert_eq!(keys(&w.admin, &forged.body), first);
    assert!(forged.body.contains("That page link is not valid any more"));

    // Search: name, headline (any ally's version); every word; case and accents aside.
    assert_eq!(keys_of("q=hopper").await, ["member:A1"]);
    assert_eq!(keys_of("q=GRACE+navy").await, ["member:A1"]);
    assert_eq!(keys_of("q=admiral").await, ["member:A1"]);
    assert_eq!(keys_of("q=computer").await, ["member:A1"]);
    assert_eq!(keys_of("q=bletchley").await, ["member:A2"]);
    assert_eq!(keys_of("q=mathemat").await, ["member:A2", "member:A3"]);
    assert_eq!(keys_of("q=nasa+turing").await, Vec::<String>::new());
    assert_eq!(keys_of("q=%25%25").await, Vec::<String>::new());
    let none = browser.get(&format!("{path}?q=nobody")).await;
    assert!(none.body.contains("No contact matches this search"));

    // Filters: an ally; connected since a day; both with a search.
    assert_eq!(
        keys_of(&format!("ally={}", w.bob.id)).await,
        ["member:E1", "member:A1"]
    );
    assert_eq!(
        keys_of(&format!("ally={}&q=grace", w.bob.id)).await,
        ["member:A1"]
    );
    assert_eq!(
        keys_of("since=2022-01-01").await,
        ["member:C1", "member:A1", "member:A3"]
    );
    assert_eq!(keys_of("since=2024-01-01&q=johnson").await, ["member:A3"]);
    // Not a date: said so, and not applied.
    let bad = browser.get(&format!("{path}?since=yesterday")).await;
    assert!(bad.body.contains("is not a date"), "{}", bad.body);
    assert_eq!(keys(&w.admin, &bad.body), first);
    // An ally of another network filters nothing (the select has only this network's).
    assert_eq!(keys_of(&format!("ally={}", w.outsider.id)).await, first);
    assert!(!page.body.contains("Oz Outsider"));
    assert!(page
        .body
        .contains(&format!("<option value=\"{}\">Cy Ally</option>", w.cy.id)));

    // Orders: most recently connected (no date last), most allies.
    let recent = keys_of("sort=recent").await;
    assert_eq!(
        &recent[..5],
        [
            "member:A3",
            "member:A1",
            "member:C1",
            "member:E1",
            "member:A2"
        ]
    );
    let allies = keys_of("sort=allies").await;
    assert_eq!(allies[0], "member:A1");
    assert_eq!(&allies[1..4], ["member:A2", "member:C1", "member:E1"]);
    // Ordered by the matching rows: Grace by Ada's "Rear Admiral" (2020), not Bob's row.
    let recent_since = keys_of("sort=recent&since=2020-01-01&q=a").await;
    assert_eq!(recent_since, ["member:C1", "member:E1", "member:A1"]);
    // Paging keeps the order and the filters.
    let by_recent = browser.get(&format!("{path}?sort=recent")).await;
    let next = link(&by_recent.body, "Next page").expect("a next page");
    assert!(next.contains("sort=recent"), "{next}");
    let rest = keys(&w.admin, &browser.get(&next).await.body);
    assert_eq!(rest.len(), 10);
    assert!(rest.iter().all(|k| !recent.contains(k)));

    // The API answers the same for the same query.
    let api = w
        .server
        .expect(
            Method::GET,
            &format!(
                "/v1/networks/{}/contacts?sort=recent&since=2020-01-01&q=a",
                w.admin.network_id
            ),
            Some(&w.admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    let api_keys: Vec<&str> = api["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(api_keys, recent_since);
    for bad in ["?sort=best", "?since=2024-13-01", "?cursor=x"] {
        w.server
            .expect(
                Method::GET,
                &format!("/v1/networks/{}/contacts{bad}", w.admin.network_id),
                Some(&w.admin.token),
                None,
                StatusCode::BAD_REQUEST,
            )
            .await;
    }
    let long = "a".repeat(201);
    w.server
        .expect(
            Method::GET,
            &format!("/v1/networks/{}/contacts?q={long}", w.admin.network_id),
            Some(&w.admin.token),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    // The console cuts a long search to the limit instead.
    let cut = browser.get(&format!("{path}?q={long}")).await;
    assert_eq!(cut.status, StatusCode::OK);
}

#[tokio::test]
async fn names_are_rendered_as_text() {
    let w = world().await;
    let browser = Browser::signed_in(&w.server, &w.admin.email).await;
    let list = browser
        .get(&format!("{}?q=ed", contacts_path(&w.admin)))
        .await;
    let contact = browser
        .get(&format!("{}/member%3AE1", contacts_path(&w.admin)))
        .await;
    for page in [&list.body, &contact.body] {
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<b>bold"), "{page}");
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{page}"
        );
    }
    // The ask, too, on the Asks page.
    let answer = browser
        .post(
            &format!("{}/member%3AE1/ask", contacts_path(&w.admin)),
            &[
                ("ally", &w.bob.id.to_string()),
                ("note", "<img src=x onerror=alert(1)>"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let asks = browser.get(answer.location()).await;
    assert!(!asks.body.contains("<script>alert") && !asks.body.contains("<img src=x"));
    assert!(
        asks.body.contains("&#60;img src=x onerror=alert(1)&#62;"),
        "{}",
        asks.body
    );
}

#[tokio::test]
async fn a_contact_shows_every_ally_and_an_ask_from_the_console_is_the_apis() {
    let w = world().await;
    let browser = Browser::signed_in(&w.server, &w.admin.email).await;
    let grace = format!("{}/member%3AA1", contacts_path(&w.admin));
    let page = browser.get(&grace).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(h1(&page.body), "Grace Hopper");
    assert!(page.body.contains(
        "<th scope=\"row\">Ada Ally</th><td><time datetime=\"2020-01-05\">5 Jan 2020</time>"
    ));
    assert!(page.body.contains(
        "<th scope=\"row\">Bob Ally</th><td><time datetime=\"2023-02-02\">2 Feb 2023</time>"
    ));
    assert!(!page.body.contains("Cy Ally"));
    // The ask form offers only the allies who know her.
    assert!(page.body.contains("Ask for an introduction"));
    assert!(page.body.contains(&format!(
        "name=\"ally\" type=\"radio\" value=\"{}\"",
        w.ada.id
    )));
    assert!(page.body.contains(&format!(
        "name=\"ally\" type=\"radio\" value=\"{}\"",
        w.bob.id
    )));
    assert!(!page.body.contains(&format!("value=\"{}\"", w.cy.id)));
    // A key that is nobody's here, and a bad one.
    assert_eq!(
        browser
            .get(&format!("{}/member%3ANOPE", contacts_path(&w.admin)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let long = format!("{}/member%3A{}", contacts_path(&w.admin), "x".repeat(300));
    assert_eq!(browser.get(&long).await.status, StatusCode::NOT_FOUND);

    let asks = || scalar(&w.server, "SELECT COUNT(*) FROM intro_asks");
    let ask = format!("{grace}/ask");
    let bob = w.bob.id.to_string();
    let cy = w.cy.id.to_string();
    // Field errors, each changing nothing.
    let no_ally = browser.post(&ask, &[("note", "Please")]).await;
    assert_eq!(no_ally.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_ally.body.contains("Please choose the ally to ask"));
    assert!(no_ally.body.contains("role=\"alert\""));
    assert!(
        no_ally.body.contains(">Please</textarea>"),
        "the note is kept"
    );
    let stranger = browser.post(&ask, &[("ally", &cy), ("note", "x")]).await;
    assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stranger.body.contains("Please choose the ally to ask"));
    let long_note = "n".repeat(2001);
    let too_long = browser
        .post(&ask, &[("ally", &bob), ("note", &long_note)])
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains("The note is too long"));
    assert!(too_long.body.contains("aria-invalid=\"true\""));
    assert_eq!(asks().await, 0);

    // Sent: to the Asks page, where it is; and it is what the API shows.
    let sent = browser
        .post(&ask, &[("ally", &bob), ("note", "  For our CTO search.  ")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert!(sent.location().starts_with(&format!(
        "/admin/networks/{}/asks?done=asked&ask=",
        w.admin.network_id
    )));
    assert_eq!(asks().await, 1);
    let api = w
        .server
        .expect(
            Method::GET,
            &format!("/v1/networks/{}/intro-asks", w.admin.network_id),
            Some(&w.admin.token),
            None,
            StatusCode::OK,
        )
        .await;
    let made = &api[0];
    assert_eq!(made["ally"]["id"], w.bob.id);
    assert_eq!(made["asked_by"]["id"], w.admin.id);
    assert_eq!(made["contact_key"], "member:A1");
    assert_eq!(made["contact_name"], "Grace Hopper");
    assert_eq!(made["note"], "For our CTO search.");
    assert_eq!(made["state"], "pending");
    assert_eq!(made["created_at"], w.server.clock.now());
    assert!(sent.location().ends_with(&format!("ask={}", made["id"])));
    let page = browser.get(sent.location()).await;
    assert_eq!(h1(&page.body), "Asks");
    assert!(page
        .body
        .contains("Your ask is sent: Bob Ally is asked to introduce Grace Hopper."));
    assert!(page.body.contains(">Grace Hopper</a>"));
    assert!(page.body.contains("For our CTO search."));
    assert!(page.body.contains(">Pending</span>"));
    assert!(page.body.contains("by Boss Admin"));

    // The same ask again: said so, nothing new.
    let again = browser
        .post(&ask, &[("ally", &bob), ("note", "again")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again
        .body
        .contains("Bob Ally already has a pending ask to introduce Grace Hopper"));
    assert_eq!(asks().await, 1);

    // Bob declines, with a reason: the Asks page shows his answer.
    w.server
        .expect(
            Method::POST,
            &format!("/v1/intro-asks/{}/answer", made["id"]),
            Some(&w.bob.token),
            Some(json!({"outcome": "declined", "reason": "We lost touch."})),
            StatusCode::OK,
        )
        .await;
    let page = browser
        .get(&format!("/admin/networks/{}/asks", w.admin.network_id))
        .await;
    assert!(page.body.contains(">Declined</span>"));
    assert!(page.body.contains(": We lost touch."));
    let declined = browser
        .get(&format!(
            "/admin/networks/{}/asks?state=declined",
            w.admin.network_id
        ))
        .await;
    assert!(declined.body.contains("We lost touch."));
    let pending = browser
        .get(&format!(
            "/admin/networks/{}/asks?state=pending",
            w.admin.network_id
        ))
        .await;
    assert!(pending.body.contains("No asks here yet"));

    // Asks page by page, newest first (Ada's 30 fillers: one ask each).
    for i in 0..30 {
        let answer = browser
            .post(
                &format!("{}/member%3AF{i:02}/ask", contacts_path(&w.admin)),
                &[
                    ("ally", &w.ada.id.to_string()),
                    ("note", &format!("ask {i}")),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
    }
    let first = browser
        .get(&format!("/admin/networks/{}/asks", w.admin.network_id))
        .await;
    assert_eq!(first.body.matches("<th scope=\"row\">").count(), 25);
    assert!(first.body.find("ask 29").unwrap() < first.body.find("ask 28").unwrap());
    let older = link(&first.body, "Older asks").expect("older asks");
    let second = browser.get(&older).await;
    assert_eq!(second.body.matches("<th scope=\"row\">").count(), 6);
    assert!(second.body.contains("We lost touch.") && !second.body.contains("ask 29"));
    assert!(link(&second.body, "Older asks").is_none());
    assert!(link(&second.body, "Newest asks").is_some());
}

#[tokio::test]
async fn a_viewer_sees_no_ask_form_and_a_forged_ask_is_refused() {
    let w = world().await;
    let viewer = w
        .server
        .member(
            "Sales",
            "viewer@example.org",
            "Vi Viewer",
            Role::NetworkAdmin,
        )
        .await;
    set_permissions(
        &w.server,
        &viewer,
        Permissions::from_iter([Permission::ViewContacts]),
    )
    .await;
    let browser = Browser::signed_in(&w.server, &viewer.email).await;
    let grace = format!("{}/member%3AA1", contacts_path(&w.admin));
    let list = browser.get(&contacts_path(&w.admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(">Contacts</a>") && list.body.contains(">Asks</a>"));
    let page = browser.get(&grace).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Bob Ally"));
    assert!(!page.body.contains("Ask for an introduction"));
    assert!(!page.body.contains("/ask\""));
    let forged = browser
        .post(
            &format!("{grace}/ask"),
            &[("ally", &w.bob.id.to_string()), ("note", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("Your permissions do not allow this"));
    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM intro_asks").await,
        0
    );
    // The API refuses the Viewer the same.
    w.server
        .expect(
            Method::POST,
            &format!("/v1/networks/{}/intro-asks", w.admin.network_id),
            Some(&viewer.token),
            Some(json!({"ally_id": w.bob.id, "contact_key": "member:A1"})),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM intro_asks").await,
        0
    );
    assert_eq!(
        browser
            .get(&format!("/admin/networks/{}/asks", w.admin.network_id))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn without_view_contacts_the_pages_are_refused() {
    let w = world().await;
    let inviter = w
        .server
        .member(
            "Sales",
            "inviter@example.org",
            "In Viter",
            Role::NetworkAdmin,
        )
        .await;
    set_permissions(
        &w.server,
        &inviter,
        Permissions::from_iter([Permission::InviteMembers, Permission::AskIntroductions]),
    )
    .await;
    let browser = Browser::signed_in(&w.server, &inviter.email).await;
    let n = w.admin.network_id;
    for path in [
        format!("/admin/networks/{n}/contacts"),
        format!("/admin/networks/{n}/contacts?q=grace"),
        format!("/admin/networks/{n}/contacts/member%3AA1"),
        format!("/admin/networks/{n}/asks"),
    ] {
        let answer = browser.get(&path).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!answer.body.contains("Grace"), "{path}");
    }
    // Asking needs to see the contact as well: refused, nothing made.
    let forged = browser
        .post(
            &format!("/admin/networks/{n}/contacts/member%3AA1/ask"),
            &[("ally", &w.bob.id.to_string())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM intro_asks").await,
        0
    );
    // The navigation has no link to them.
    let team = browser.get(&format!("/admin/networks/{n}/team")).await;
    assert_eq!(team.status, StatusCode::OK);
    assert!(!team.body.contains(">Contacts</a>") && !team.body.contains(">Asks</a>"));

    // Another network's admin, and an ally, get 403 too.
    let other = w
        .server
        .member(
            "Marketing",
            "mia@example.org",
            "Mia Other",
            Role::NetworkAdmin,
        )
        .await;
    let theirs = Browser::signed_in(&w.server, &other.email).await;
    assert_eq!(
        theirs
            .get(&format!("/admin/networks/{n}/contacts"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let forged = theirs
        .post(
            &format!("/admin/networks/{n}/contacts/member%3AA1/ask"),
            &[("ally", &w.bob.id.to_string())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM intro_asks").await,
        0
    );
}

#[tokio::test]
async fn an_ally_who_stopped_sharing_and_another_network_never_show() {
    let w = world().await;
    let browser = Browser::signed_in(&w.server, &w.admin.email).await;
    let path = contacts_path(&w.admin);
    // Another network's contact: not listed, not found, not askable.
    assert!(keys(
        &w.admin,
        &browser.get(&format!("{path}?q=secret")).await.body
    )
    .is_empty());
    assert_eq!(
        browser.get(&format!("{path}/member%3AZ1")).await.status,
        StatusCode::NOT_FOUND
    );
    let outsider = browser
        .post(
            &format!("{path}/member%3AZ1/ask"),
            &[("ally", &w.outsider.id.to_string())],
        )
        .await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);

    // Bob also shares with the other network, so his contacts stay in the file when he stops
    // sharing with this one: only the visibility rule hides them here.
    let sql = format!(
        "INSERT INTO memberships (person_id, network_id, role, created_at, sharing)
         VALUES ({}, {}, 'ally', 0, 1)",
        w.bob.id, w.outsider.network_id
    );
    execute(&w.server, &sql).await;
    // Bob stops sharing with this network: Ed is gone, Grace is known by Ada alone, at once.
    let grace = browser.get(&format!("{path}/member%3AA1")).await;
    assert!(grace.body.contains("Bob Ally"));
    w.server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{}/sharing", w.bob.network_id),
            Some(&w.bob.token),
            Some(json!({"sharing": false})),
            StatusCode::OK,
        )
        .await;
    assert!(keys(&w.admin, &browser.get(&format!("{path}?q=ed")).await.body).is_empty());
    assert!(
        keys(
            &w.admin,
            &browser.get(&format!("{path}?ally={}", w.bob.id)).await.body
        )
        .len()
            > 2,
        "no longer a filter: everyone"
    );
    let list = browser.get(&path).await;
    assert!(!list.body.contains("Bob Ally"));
    assert_eq!(
        browser.get(&format!("{path}/member%3AE1")).await.status,
        StatusCode::NOT_FOUND
    );
    let grace = browser.get(&format!("{path}/member%3AA1")).await;
    assert!(!grace.body.contains("Bob Ally"));
    assert!(grace.body.contains("Ada Ally"));
    // An ask to Bob (from a page loaded before): said so, nothing made.
    let late = browser
        .post(
            &format!("{path}/member%3AA1/ask"),
            &[("ally", &w.bob.id.to_string())],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.body.contains("Please choose the ally to ask"));
    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM intro_asks").await,
        0
    );
    assert_eq!(
        scalar(
            &w.server,
            &format!(
                "SELECT COUNT(*) FROM contacts WHERE person_id = {}",
                w.bob.id
            )
        )
        .await,
        2,
        "Bob's contacts are still shared with the other network"
    );
    // The other network sees its own only (and Bob's, who shares with it).
    let other = w
        .server
        .member(
            "Marketing",
            "mia@example.org",
            "Mia Other",
            Role::NetworkAdmin,
        )
        .await;
    let theirs = Browser::signed_in(&w.server, &other.email).await;
    let page = theirs
        .get(&format!("/admin/networks/{}/contacts", other.network_id))
        .await;
    assert_eq!(
        keys(&other, &page.body),
        ["member:E1", "member:A1", "member:Z1"]
    );
}
