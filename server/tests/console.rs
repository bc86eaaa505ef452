//! The Network Admin's console over real HTTP on loopback, with a real SQLite file: signing in
//! and out, the session's expiry, who may see a network's team, Team Members, *Invite Member*
//! with each field error, *Resend* / *Revoke* from the table, and *Forgot password?* (the same
//! answer for any address, the emailed link, every session ending, single use, expiry, the
//! limits). Refused requests are checked to have changed nothing, in the database itself.

mod common;

use allyshare_protocol::Role;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// One full sync of `body`'s contacts.
async fn share(server: &TestServer, token: &str, body: serde_json::Value) {
    let contacts = body["contacts"].as_array().expect("contacts").clone();
    server.sync_contacts(token, "full", &contacts).await;
}

fn team(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/team")
}

#[tokio::test]
async fn an_admin_signs_in_comes_back_to_the_page_and_signs_out() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    // (Accepting the invitation signed the admin in to the console already.)
    let sessions = scalar(&server, "SELECT COUNT(*) FROM console_sessions").await;
    let browser = Browser::new(&server);

    // Unsigned, a console page sends to the sign-in page, and back after.
    let page = format!("{}?q=ada&role=ally", team(admin.network_id));
    let answer = browser.get(&page).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let location = answer.location().to_string();
    assert_eq!(
        location,
        format!(
            "/admin/sign-in?next=%2Fadmin%2Fnetworks%2F{}%2Fteam%3Fq%3Dada%26role%3Dally",
            admin.network_id
        )
    );
    assert_eq!(browser.get("/admin").await.location(), "/admin/sign-in");
    let sign_in = browser.get(&location).await;
    assert_eq!(sign_in.status, StatusCode::OK);
    assert!(sign_in.body.contains(r#"name="form_token""#));
    assert!(sign_in.body.contains(&format!(
        r#"name="next" value="/admin/networks/{}/team?q=ada&#38;role=ally""#,
        admin.network_id
    )));

    let answer = browser
        .post(
            "/admin/sign-in",
            &[
                ("email", " Nadia@Example.org "),
                ("password", GOOD_PASSWORD),
                ("next", &page),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), page);
    let cookie = answer
        .set_cookie("allyshare_console")
        .expect("a console cookie");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("; Max-Age=604800"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let token = browser.cookie("allyshare_console").unwrap();
    // Only its hash is stored.
    assert_eq!(
        scalar(
            &server,
            &format!("SELECT COUNT(*) FROM console_sessions WHERE token_hash = '{token}'")
        )
        .await,
        0
    );
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM console_sessions").await,
        sessions + 1
    );

    let answer = browser.get(&page).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(h1(&answer.body), "Team Members");
    assert!(answer.body.contains("Nadia Admin"));
    assert!(answer
        .headers
        .get("content-security-policy")
        .is_some_and(|v| v.to_str().unwrap().contains("default-src 'none'")));
    // One network: /admin goes straight to its team.
    assert_eq!(
        browser.get("/admin").await.location(),
        team(admin.network_id)
    );
    // Signed in, the sign-in page goes on.
    assert_eq!(browser.get("/admin/sign-in").await.location(), "/admin");

    // The extension's bearer token does not open the console, nor the cookie the API.
    let with_bearer = Browser::new(&server)
        .http
        .get(format!("{}{}", server.base, team(admin.network_id)))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(with_bearer.status(), StatusCode::SEE_OTHER);
    let me = server
        .http
        .get(format!("{}/v1/me", server.base))
        .header("cookie", format!("allyshare_console={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

    let answer = browser.post("/admin/sign-out", &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/admin/sign-in?signed_out=1");
    assert!(answer
        .set_cookie("allyshare_console")
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM console_sessions").await,
        sessions
    );
    assert!(browser
        .get("/admin/sign-in?signed_out=1")
        .await
        .body
        .contains("You have signed out."));
    // The old cookie, kept by someone, opens nothing any more.
    browser.set_cookie_value("allyshare_console", &token);
    let answer = browser.get(&team(admin.network_id)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(answer.location().starts_with("/admin/sign-in"));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_answer_alike() {
    let server = TestServer::start().await;
    server
        .member("Sales", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let sessions = scalar(&server, "SELECT COUNT(*) FROM console_sessions").await;
    let browser = Browser::new(&server);
    let wrong = browser
        .sign_in("nadia@example.org", "not the password at all")
        .await;
    let unknown = browser
        .sign_in("nobody@example.org", "not the password at all")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("The email or password is incorrect."));
    assert!(wrong.body.contains(r#"role="alert""#));
    assert!(wrong.set_cookie("allyshare_console").is_none());
    // The same page but for the address typed back into its field.
    assert_eq!(
        wrong.body.replace("nadia@example.org", "X"),
        unknown.body.replace("nobody@example.org", "X")
    );
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM console_sessions").await,
        sessions
    );
    // Next goes nowhere but the console.
    let answer = browser
        .post(
            "/admin/sign-in",
            &[
                ("email", "nadia@example.org"),
                ("password", GOOD_PASSWORD),
                ("next", "//evil.example/admin"),
            ],
        )
        .await;
    assert_eq!(answer.location(), "/admin");
}

#[tokio::test]
async fn console_sign_in_is_throttled_with_the_api() {
    let server = TestServer::start().await;
    server
        .member("Sales", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let browser = Browser::new(&server);
    // 10 attempts for one account from one address (the default), API and console together:
    // creating the admin signed in once.
    for i in 0..9 {
        if i % 2 == 0 {
            let response = server.sign_in("nadia@example.org", "wrong password").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        } else {
            let answer = browser.sign_in("nadia@example.org", "wrong password").await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        }
    }
    let answer = browser.sign_in("nadia@example.org", GOOD_PASSWORD).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert!(answer.body.contains("Too many sign-in attempts"));
    assert!(answer.headers.get("retry-after").is_some());
    assert!(answer.set_cookie("allyshare_console").is_none());
    // An unknown account from the same address is throttled alike after its own 10.
    for _ in 0..10 {
        browser
            .sign_in("nobody@example.org", "wrong password")
            .await;
    }
    let unknown = browser
        .sign_in("nobody@example.org", "wrong password")
        .await;
    assert_eq!(unknown.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        answer.body.replace("nadia@example.org", "X"),
        unknown.body.replace("nobody@example.org", "X")
    );
}

#[tokio::test]
async fn a_console_session_ends_when_idle_and_after_seven_days() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let page = team(admin.network_id);
    let hour = 60 * 60;

    // Idle for 12 hours: ended.
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    server.clock.advance(12 * hour - 60);
    assert_eq!(browser.get(&page).await.status, StatusCode::OK);
    server.clock.advance(12 * hour - 60);
    assert_eq!(
        browser.get(&page).await.status,
        StatusCode::OK,
        "use keeps it"
    );
    server.clock.advance(12 * hour);
    let answer = browser.get(&page).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(answer.location().starts_with("/admin/sign-in?next="));

    // Used every 11 hours, it still ends 7 days after signing in.
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    let mut elapsed = 0;
    while elapsed + 11 * hour < 7 * DAY {
        server.clock.advance(11 * hour);
        elapsed += 11 * hour;
        assert_eq!(browser.get(&page).await.status, StatusCode::OK, "{elapsed}");
    }
    server.clock.advance(7 * DAY - elapsed);
    assert_eq!(browser.get(&page).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn changing_the_password_ends_console_sessions_too() {
    let server = TestServer::start().await;
    let admin = server
        .member("Sales", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    assert_eq!(
        browser.get(&team(admin.network_id)).await.status,
        StatusCode::OK
    );
    server
        .expect(
            Method::PUT,
            "/v1/me/password",
            Some(&admin.token),
            Some(json!({
                "current_password": GOOD_PASSWORD,
                "new_password": "another fine long password",
            })),
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(
        browser.get(&team(admin.network_id)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM console_sessions").await,
        0
    );
}

#[tokio::test]
async fn on_https_the_cookie_is_host_prefixed_and_secure() {
    let server = TestServer::start_with(|config| {
        config.public_url = "https://allyshare.example.org".to_string();
    })
    .await;
    let invited = server
        .invite("Sales", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    let link = invited
        .link
        .replace("https://allyshare.example.org", &server.base);
    let browser = Browser::new(&server);
    let path = link.strip_prefix(&server.base).unwrap();
    browser.get(path).await;
    let answer = browser
        .post(
            path,
            &[
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert!(answer.status.is_success() || answer.status.is_redirection());
    let answer = browser.sign_in("nadia@example.org", GOOD_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let cookie = answer
        .set_cookie("__Host-allyshare_console")
        .expect("the __Host- cookie");
    assert!(cookie.contains("; Path=/; "), "{cookie}");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert!(answer.set_cookie("allyshare_console").is_none());
}

#[tokio::test]
async fn only_the_admins_of_a_network_see_and_change_its_team() {
    let server = TestServer::start().await;
    let admin_a = server
        .member(
            "Alpha",
            "admin.a@example.org",
            "Admin A",
            Role::NetworkAdmin,
        )
        .await;
    let a = admin_a.network_id;
    server
        .sharing_ally("Alpha", "ally.a@example.org", "Ally A")
        .await;
    server
        .member("Beta", "admin.b@example.org", "Admin B", Role::NetworkAdmin)
        .await;
    let pending = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/invitations"),
            Some(&admin_a.token),
            Some(json!({"name": "Pending Person", "email": "pending@example.org"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let invitations = "SELECT COUNT(*) FROM invitations";
    let before = scalar(&server, invitations).await;

    for (email, landing) in [
        ("ally.a@example.org", "not a Network Admin of any network"),
        ("admin.b@example.org", "admin"),
    ] {
        let browser = Browser::signed_in(&server, email).await;
        if landing != "admin" {
            let home = browser.get("/admin").await;
            assert_eq!(home.status, StatusCode::OK);
            assert!(home.body.contains(landing), "{}", home.body);
        }
        for path in [team(a), format!("{}/invite", team(a)), team(9999)] {
            let answer = browser.get(&path).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{email} GET {path}");
            assert!(!answer.body.contains("pending@example.org"));
            assert!(!answer.body.contains("ally.a@example.org"));
        }
        let answer = browser
            .post(
                &format!("{}/invite", team(a)),
                &[
                    ("kind", "network_admin"),
                    ("first_name", "Eve"),
                    ("last_name", "Intruder"),
                    ("email", "eve@example.org"),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{email}");
        for action in ["resend", "revoke"] {
            let answer = browser
                .post(
                    &format!("/admin/networks/{a}/invitations/{pending}/{action}"),
                    &[],
                )
                .await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{email} {action}");
        }
    }
    // Nothing changed: no invitation added, the pending one still pending and alone.
    assert_eq!(scalar(&server, invitations).await, before);
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM invitations WHERE id = {pending}
                 AND revoked_at IS NULL AND used_at IS NULL"
            )
        )
        .await,
        1
    );
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM mail_queue").await,
        before
    );

    // Admin A, for contrast, sees it; and a forged form (no form token) is refused.
    let browser = Browser::signed_in(&server, "admin.a@example.org").await;
    let page = browser.get(&team(a)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("pending@example.org"));
    let forged = server
        .http
        .post(format!(
            "{}/admin/networks/{a}/invitations/{pending}/revoke",
            server.base
        ))
        .header("cookie", browser.cookie_header())
        .form(&[("back", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM invitations WHERE id = {pending} AND revoked_at IS NULL"
            )
        )
        .await,
        1
    );
}

#[tokio::test]
async fn team_members_lists_members_and_invitations_with_filters_search_and_pages() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let ally = server
        .sharing_ally("Sales", "ada@example.org", "Ada Lovelace")
        .await;
    share(
        &server,
        &ally.token,
        json!({"contacts": [
            {"profile_url": "https://www.linkedin.com/in/k1/", "first_name": "Kay"},
            {"profile_url": "https://www.linkedin.com/in/k2/", "first_name": "Lee"},
        ]}),
    )
    .await;
    server.clock.advance(60);
    server
        .member("Sales", "grace@example.org", "Grace Hopper", Role::Ally)
        .await;
    server.clock.advance(60);
    // Another network's people never show.
    server
        .member(
            "Other",
            "other@example.org",
            "Other Person",
            Role::NetworkAdmin,
        )
        .await;
    let path = format!("/v1/networks/{n}/invitations");
    let invite = |name: &str, email: &str| {
        server.expect(
            Method::POST,
            &path,
            Some(&admin.token),
            Some(json!({"name": name, "email": email})),
            StatusCode::CREATED,
        )
    };
    let revoked = invite("Revoked Person", "revoked@example.org").await["id"]
        .as_i64()
        .unwrap();
    server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{n}/invitations/{revoked}"),
            Some(&admin.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    server.clock.advance(60);
    invite("Pat Pending", "pat@example.org").await;

    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    let page = browser.get(&team(n)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    for shown in [
        "Nadia Admin",
        "Ada Lovelace",
        "Grace Hopper",
        "Pat Pending",
        "Network Admin",
    ] {
        assert!(body.contains(shown), "{shown}");
    }
    assert!(!body.contains("Other Person"));
    // Revoked invitations are not among the current ones.
    assert!(!body.contains("revoked@example.org"));
    assert!(body.contains("Showing 1–4 of 4"), "{body}");
    // Ada shares 2 contacts; Grace does not share.
    let row = |who: &str| {
        body.split("<tr>")
            .find(|r| r.contains(who))
            .unwrap_or_else(|| panic!("a row for {who}"))
            .to_string()
    };
    assert!(row("Ada Lovelace").contains("<td>On</td>"));
    assert!(row("Ada Lovelace").contains("<td>2</td>"));
    assert!(row("Grace Hopper").contains("<td>Off</td>"));
    assert!(row("Pat Pending").contains("Pending"));
    assert!(row("Pat Pending").contains(">Resend<"));
    assert!(row("Pat Pending").contains(">Revoke<"));
    assert!(!row("Ada Lovelace").contains("Resend"));
    // Every form carries the form token.
    assert_eq!(
        body.matches(r#"method="post""#).count(),
        body.matches(r#"name="form_token""#).count()
    );

    let names = |body: &str| -> Vec<String> {
        body.split("<th scope=\"row\">")
            .skip(1)
            .map(|r| {
                // A member's name links to their Settings page.
                let cell = r.split("</th>").next().unwrap();
                match cell.strip_prefix("<a href=\"") {
                    Some(link) => link.split_once("\">").unwrap().1.trim_end_matches("</a>"),
                    None => cell,
                }
                .to_string()
            })
            .collect()
    };
    let only = |path: String| {
        let browser = &browser;
        async move {
            let page = browser.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            names(&page.body)
        }
    };
    // Newest first (members first within the same second).
    assert_eq!(
        only(format!("{}?role=ally", team(n))).await,
        vec!["Pat Pending", "Grace Hopper", "Ada Lovelace"]
    );
    assert_eq!(
        only(format!("{}?role=network_admin", team(n))).await,
        vec!["Nadia Admin"]
    );
    assert_eq!(
        only(format!("{}?state=pending", team(n))).await,
        vec!["Pat Pending"]
    );
    assert_eq!(
        only(format!("{}?state=revoked", team(n))).await,
        vec!["Revoked Person"]
    );
    assert_eq!(
        only(format!("{}?state=member&q=LOVE", team(n))).await,
        vec!["Ada Lovelace"]
    );
    assert_eq!(
        only(format!("{}?q=grace%40example", team(n))).await,
        vec!["Grace Hopper"]
    );
    assert_eq!(
        only(format!("{}?q=nobody-like-this", team(n))).await,
        Vec::<String>::new()
    );
    // Unknown filter values fall back to the defaults.
    assert_eq!(
        only(format!("{}?role=king&state=x&page=-3", team(n)))
            .await
            .len(),
        4
    );

    // Pages of 25.
    for i in 0..30 {
        server
            .app
            .invite_member(
                allyshare_server::db::members::Actor::Operator,
                n,
                &allyshare_protocol::InvitationRequest {
                    name: format!("Bulk {i:02}"),
                    email: format!("bulk{i:02}@example.org"),
                    role: Role::Ally,
                    note: None,
                    permissions: None,
                },
            )
            .await
            .unwrap();
    }
    let first = browser
        .get(&format!("{}?state=pending&q=bulk", team(n)))
        .await;
    assert!(first.body.contains("Showing 1–25 of 30"), "{}", first.body);
    assert_eq!(names(&first.body).len(), 25);
    let next = format!(
        r#"href="/admin/networks/{n}/team?q=bulk&#38;state=pending&#38;page=2" rel="next""#
    );
    assert!(first.body.contains(&next), "{}", first.body);
    let second = browser
        .get(&format!("{}?q=bulk&state=pending&page=2", team(n)))
        .await;
    assert!(second.body.contains("Showing 26–30 of 30"));
    assert_eq!(names(&second.body).len(), 5);
    assert!(second.body.contains(r#"rel="prev""#));
    assert!(!second.body.contains(r#"rel="next""#));
}

async fn queued_emails(server: &TestServer) -> Vec<String> {
    server.app.send_queued_mail().await.unwrap();
    let mut emails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(server.outbox())
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| {
                    (
                        e.metadata().unwrap().modified().unwrap(),
                        read_eml(&e.path()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    emails.sort();
    emails.into_iter().map(|(_, e)| e).collect()
}

#[tokio::test]
async fn invite_member_one_by_one_with_each_field_error() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    server
        .member("Sales", "ada@example.org", "Ada Lovelace", Role::Ally)
        .await;
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    let form_page = browser.get(&format!("{}/invite", team(n))).await;
    assert_eq!(form_page.status, StatusCode::OK);
    assert_eq!(h1(&form_page.body), "Invite Member");
    for label in [
        ">Ally</label>",
        ">Network Admin</label>",
        ">First name</label>",
        ">Last name</label>",
        ">Email address</label>",
        ">Send Invite</button>",
    ] {
        assert!(form_page.body.contains(label), "{label}");
    }
    let path = format!("{}/invite", team(n));
    let invitations = "SELECT COUNT(*) FROM invitations";
    let before = scalar(&server, invitations).await;
    let send = |fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        let path = path.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(&path, &fields).await
        }
    };
    let form = |kind: &str, first: &str, last: &str, email: &str, note: &str| {
        vec![
            ("kind", kind.to_string()),
            ("first_name", first.to_string()),
            ("last_name", last.to_string()),
            ("email", email.to_string()),
            ("note", note.to_string()),
        ]
    };

    // Each field's own error, next to the field, with the typed values kept.
    let answer = send(vec![]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in [
        "kind-error",
        "first_name-error",
        "last_name-error",
        "email-error",
    ] {
        assert!(answer.body.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(answer.body.contains(r#"role="alert""#));
    let answer = send(form("ally", "Bob", "Smith", "bob@", "")).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("“bob@” is not a valid email address."));
    assert!(answer
        .body
        .contains(r#"aria-invalid="true" aria-describedby="email-error""#));
    assert!(answer.body.contains(r#"value="Bob""#));
    assert!(!answer.body.contains(r#"id="first_name-error""#));
    let answer = send(form(
        "ally",
        "Bob",
        "Smith",
        "bob@example.org",
        &"n".repeat(1001),
    ))
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains(r#"id="note-error""#));
    assert!(answer.body.contains("at most 1000 characters"));
    let answer = send(form("owner", "Bob", "Smith", "bob@example.org", "")).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("Please choose Ally or Network Admin."));
    let answer = send(form("ally", "Ada", "Lovelace", "ADA@example.org", "")).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer
        .body
        .contains("ADA@example.org is already a member of Sales."));
    assert_eq!(scalar(&server, invitations).await, before, "nothing stored");

    // Sent, with a note that is text.
    let note = "Hi Bob,\r\nwe'd <b>love</b> your help & ideas.";
    let answer = send(form("ally", " Bob ", "Smith", "bob@example.org", note)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let location = answer.location().to_string();
    assert!(location.starts_with(&format!("{}?done=invited&invitation=", team(n))));
    let page = browser.get(&location).await;
    assert!(page.body.contains(r#"role="status""#));
    assert!(page
        .body
        .contains("The invitation to Bob Smith (bob@example.org) is sent"));
    assert!(page.body.contains("Pending"));
    let emails = queued_emails(&server).await;
    let email = emails.last().expect("the invitation email");
    assert!(
        email.contains("To: \"Bob Smith\" <bob@example.org>")
            || email.contains("To: Bob Smith <bob@example.org>"),
        "{email}"
    );
    assert!(email.contains("A note from Sales:"));
    assert!(
        email.contains("    Hi Bob,\r\n    we'd <b>love</b> your help & ideas."),
        "{email}"
    );
    assert!(
        email.contains("we&#39;d &#60;b&#62;love&#60;/b&#62; your help &#38; ideas."),
        "{email}"
    );
    assert!(!email.contains("<b>love</b> your help &amp;"));
    let links = links_in(email);
    assert_eq!(links.len(), 3, "text and HTML parts");
    assert!(links.iter().all(|l| *l == links[0]));

    // Already invited: offered to re-send instead; nothing new stored.
    let count = scalar(&server, invitations).await;
    let answer = send(form("network_admin", "Bob", "Smith", "Bob@Example.org", "")).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer
        .body
        .contains("Bob@Example.org has already been invited to Sales"));
    let bob: i64 = scalar(
        &server,
        "SELECT id FROM invitations WHERE email_norm = 'bob@example.org'",
    )
    .await;
    let resend = format!("/admin/networks/{n}/invitations/{bob}/resend");
    assert!(answer.body.contains(&format!(r#"action="{resend}""#)));
    assert!(answer.body.contains(">Resend the invitation</button>"));
    assert_eq!(scalar(&server, invitations).await, count);
    let answer = browser.post(&resend, &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(answer.location().contains("done=resent"));
    let emails = queued_emails(&server).await;
    assert!(
        emails.last().unwrap().contains("we'd <b>love</b>"),
        "the re-sent email keeps the note"
    );

    // A Network Admin, with the CLI's name limit reached by first + last together.
    let answer = send(form(
        "network_admin",
        &"F".repeat(150),
        &"L".repeat(60),
        "long@example.org",
        "",
    ))
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("too long"));
    let answer = send(form(
        "network_admin",
        "Grace",
        "Hopper",
        "grace@example.org",
        "",
    ))
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM invitations WHERE email_norm = 'grace@example.org'
             AND role = 'network_admin' AND name = 'Grace Hopper' AND note IS NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn resend_and_revoke_from_the_table() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let first = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/invitations"),
            Some(&admin.token),
            Some(json!({"name": "Pat Pending", "email": "pat@example.org"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    let back = format!("{}?q=pat&state=pending", team(n));
    let page = browser.get(&back).await;
    let resend = format!("/admin/networks/{n}/invitations/{first}/resend");
    assert!(page.body.contains(&format!(r#"action="{resend}""#)));
    assert!(page.body.contains(&format!(
        r#"name="back" value="/admin/networks/{n}/team?q=pat&#38;state=pending""#
    )));

    let answer = browser.post(&resend, &[("back", &back)]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let location = answer.location().to_string();
    assert!(
        location.starts_with(&format!("{back}&done=resent&invitation=")),
        "{location}"
    );
    let second: i64 = location.rsplit('=').next().unwrap().parse().unwrap();
    assert_ne!(second, first);
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM invitations WHERE id = {first} AND revoked_at IS NOT NULL"
            )
        )
        .await,
        1,
        "the old link is revoked"
    );
    let page = browser.get(&location).await;
    assert!(page.body.contains("is sent again"));

    // Revoke the new one; revoking again, or re-sending a revoked one, is refused kindly.
    let revoke = format!("/admin/networks/{n}/invitations/{second}/revoke");
    let answer = browser
        .post(&revoke, &[("back", "https://evil.example/")])
        .await;
    assert_eq!(answer.location(), format!("{}?done=revoked", team(n)));
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM invitations WHERE id = {second} AND revoked_at IS NOT NULL"
            )
        )
        .await,
        1
    );
    let answer = browser.post(&revoke, &[]).await;
    assert_eq!(
        answer.location(),
        format!("{}?problem=not_pending", team(n))
    );
    let page = browser.get(answer.location()).await;
    assert!(page.body.contains("is not pending any more"));
    let answer = browser
        .post(
            &format!("/admin/networks/{n}/invitations/{second}/resend"),
            &[],
        )
        .await;
    assert_eq!(
        answer.location(),
        format!("{}?problem=cannot_resend", team(n))
    );
    let answer = browser
        .post(
            &format!("/admin/networks/{n}/invitations/424242/revoke"),
            &[],
        )
        .await;
    assert_eq!(
        answer.location(),
        format!("{}?problem=no_invitation", team(n))
    );

    // The daily limit: 3 emails an address a day, then a message and nothing sent.
    let third = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/invitations"),
            Some(&admin.token),
            Some(json!({"name": "Pat Pending", "email": "pat@example.org"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let before = scalar(&server, "SELECT COUNT(*) FROM invitations").await;
    let answer = browser
        .post(
            &format!("/admin/networks/{n}/invitations/{third}/resend"),
            &[],
        )
        .await;
    assert_eq!(
        answer.location(),
        format!("{}?problem=too_many_emails", team(n))
    );
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM invitations").await,
        before
    );
}

#[tokio::test]
async fn an_admin_invited_by_email_lands_in_the_console_after_get_started() {
    let server = TestServer::start().await;
    let invited = server
        .invite(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let browser = Browser::new(&server);
    let path = invited.link.strip_prefix(&server.base).unwrap().to_string();
    browser.get(&path).await;
    let answer = browser
        .post(
            &path,
            &[
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), team(invited.network_id));
    assert!(answer.set_cookie("allyshare_console").is_some());
    assert!(answer.set_cookie("allyshare_handoff").is_none());
    let page = browser.get(&team(invited.network_id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(h1(&page.body), "Team Members");

    // An ally still gets the setup guide.
    let ally = server
        .invite("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let (status, guide) = server.accept(&ally.link, GOOD_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(guide.contains("Connect LinkedIn"), "{guide}");
}

// *Forgot password?*

const RESET_SUBJECT: &str = "Subject: Reset your AllyShare password";

/// The reset emails in the outbox to `to`, oldest first, each with its `/admin/reset/…` link
/// (relative to the server).
fn reset_emails(server: &TestServer, to: &str) -> Vec<(String, String)> {
    let mut emails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(server.outbox())
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| {
                    (
                        e.metadata().unwrap().modified().unwrap(),
                        read_eml(&e.path()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    emails.sort();
    emails
        .into_iter()
        .map(|(_, raw)| raw)
        .filter(|raw| raw.contains(RESET_SUBJECT))
        .filter(|raw| {
            raw.lines()
                .any(|l| l.starts_with("To:") && l.contains(&format!("<{to}>")))
        })
        .map(|raw| {
            let at = raw.find("/admin/reset/").expect("a reset link");
            let token: String = raw[at + "/admin/reset/".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            (format!("/admin/reset/{token}"), raw)
        })
        .collect()
}

/// Waits (at most 10 s) until `to` has `count` reset emails, and returns them.
async fn wait_for_reset_emails(
    server: &TestServer,
    to: &str,
    count: usize,
) -> Vec<(String, String)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        server.app.send_queued_mail().await.unwrap();
        let emails = reset_emails(server, to);
        if emails.len() >= count || std::time::Instant::now() > deadline {
            assert_eq!(emails.len(), count, "reset emails to {to}");
            return emails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Asks for a reset link for `email` from a new, signed-out browser.
async fn ask_for_reset(server: &TestServer, email: &str) -> Answer {
    Browser::new(server)
        .post("/admin/forgot-password", &[("email", email)])
        .await
}

async fn password_hash(server: &TestServer, email: &str) -> String {
    let sql = format!(
        "SELECT password_hash FROM people WHERE email_norm = '{}'",
        email.replace('\'', "''")
    );
    text(server, &sql).await.expect("a password hash")
}

#[tokio::test]
async fn forgot_password_answers_alike_for_known_and_unknown_addresses() {
    let server = TestServer::start().await;
    server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let browser = Browser::new(&server);
    let sign_in = browser.get("/admin/sign-in").await;
    assert!(sign_in
        .body
        .contains(r#"<a href="/admin/forgot-password">Forgot password?</a>"#));
    let page = browser.get("/admin/forgot-password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(h1(&page.body), "Forgot your password?");
    assert!(page
        .body
        .contains(r#"<label for="email">Email address</label>"#));
    assert!(page.body.contains(r#"name="form_token""#));
    assert!(page
        .headers
        .get("content-security-policy")
        .is_some_and(|v| v.to_str().unwrap().contains("default-src 'none'")));

    let started = std::time::Instant::now();
    let known = browser
        .post(
            "/admin/forgot-password",
            &[("email", " Nadia@Example.org ")],
        )
        .await;
    let known_took = started.elapsed();
    let started = std::time::Instant::now();
    let unknown = browser
        .post("/admin/forgot-password", &[("email", "nobody@example.org")])
        .await;
    let unknown_took = started.elapsed();
    assert_eq!(known.status, StatusCode::OK, "{}", known.body);
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(h1(&known.body), "Check your email");
    assert!(known.body.contains(
        "If an account exists for <strong>Nadia@Example.org</strong>, we sent a link to it"
    ));
    assert_eq!(
        known.body.replace("Nadia@Example.org", "X"),
        unknown.body.replace("nobody@example.org", "X"),
        "the same page but for the address typed"
    );
    // The same time: the answer waits a fixed while, the work runs apart from it.
    let floor = allyshare_server::password_reset::ANSWER_AFTER;
    assert!(known_took >= floor, "{known_took:?}");
    assert!(unknown_took >= floor, "{unknown_took:?}");
    // And close to each other; the margin is for a loaded machine running the other tests
    // beside this one (the floor above is what fails without the fixed wait).
    let apart = known_took.abs_diff(unknown_took);
    assert!(
        apart < std::time::Duration::from_millis(400),
        "{known_took:?} vs {unknown_took:?}"
    );

    // One email, to the account; none for the unknown address, and nothing stored for it.
    let emails = wait_for_reset_emails(&server, "nadia@example.org", 1).await;
    let (link, raw) = &emails[0];
    assert!(raw.contains(&format!("{}{link}", server.base)), "{raw}");
    assert!(raw.contains("expires in 1 hour"));
    assert!(reset_emails(&server, "nobody@example.org").is_empty());
    let all_resets = std::fs::read_dir(server.outbox())
        .unwrap()
        .filter(|e| read_eml(&e.as_ref().unwrap().path()).contains(RESET_SUBJECT))
        .count();
    assert_eq!(all_resets, 1);
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM password_resets").await,
        1
    );
    // Only the link token's hash is stored.
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM password_resets WHERE token_hash IS NOT NULL
                 AND token_hash != '{token}'"
            )
        )
        .await,
        1
    );

    // A field error for what is not an address (the same for any account).
    let bad = browser
        .post("/admin/forgot-password", &[("email", "nadia@")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("“nadia@” is not a valid email address."));
    assert!(bad.body.contains(r#"aria-invalid="true""#));
    // Without the form token, refused and nothing asked.
    let forged = server
        .post_form_with(
            &format!("{}/admin/forgot-password", server.base),
            &[("email", "nadia@example.org")],
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(forged.0, StatusCode::FORBIDDEN);
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM password_resets").await,
        1
    );
}

#[tokio::test]
async fn the_emailed_link_sets_a_new_password_and_ends_every_session() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let new_password = "a brand new passphrase";
    // Signed in everywhere: the extension (bearer + refresh) and two console browsers.
    let tokens = server.tokens("nadia@example.org", GOOD_PASSWORD).await;
    let laptop = Browser::signed_in(&server, "nadia@example.org").await;
    let phone = Browser::signed_in(&server, "nadia@example.org").await;
    assert_eq!(
        laptop.get(&team(admin.network_id)).await.status,
        StatusCode::OK
    );

    assert_eq!(
        ask_for_reset(&server, "nadia@example.org").await.status,
        StatusCode::OK
    );
    let (link, _) = wait_for_reset_emails(&server, "nadia@example.org", 1)
        .await
        .remove(0);
    let browser = Browser::new(&server);
    let page = browser.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(h1(&page.body), "Choose a new password");
    assert!(page.body.contains("nadia@example.org"));
    assert!(page
        .body
        .contains(r#"<label for="password">New password</label>"#));
    assert!(page
        .body
        .contains(r#"<label for="password_confirm">Confirm the new password</label>"#));

    // Field errors, with the rules of every new password; nothing changes.
    let before = password_hash(&server, "nadia@example.org").await;
    for (password, confirm, error) in [
        ("", "", "Please choose a new password."),
        ("short", "short", "at least 8 characters"),
        ("password123", "password123", "too common"),
        (new_password, "", "Please type the new password again."),
        (
            new_password,
            "a brand new passphrasf",
            "The two passwords do not match.",
        ),
    ] {
        let answer = browser
            .post(
                &link,
                &[("password", password), ("password_confirm", confirm)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(answer.body.contains(error), "{error}: {}", answer.body);
        assert!(answer.body.contains(r#"role="alert""#));
        assert!(answer.body.contains(r#"aria-invalid="true""#));
    }
    assert_eq!(password_hash(&server, "nadia@example.org").await, before);
    assert_eq!(
        me_status(&server, &tokens.access_token).await,
        StatusCode::OK
    );

    let answer = browser
        .post(
            &link,
            &[
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), "/admin/sign-in?password_reset=1");
    assert!(answer
        .set_cookie("allyshare_console")
        .is_some_and(|c| c.contains("Max-Age=0")));
    let notice = browser.get(answer.location()).await;
    assert!(notice
        .body
        .contains("Your new password is set, and every session of your account has ended."));

    // Every session has ended: the extension's access and refresh tokens, both consoles.
    assert_eq!(
        me_status(&server, &tokens.access_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me_status(&server, &admin.token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.refresh(&tokens.refresh_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for console in [&laptop, &phone] {
        let answer = console.get(&team(admin.network_id)).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert!(answer.location().starts_with("/admin/sign-in"));
    }
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM console_sessions").await,
        0
    );
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM sessions WHERE revoked = 0").await,
        0
    );

    // The old password stops working; the new one works, in the console and the API.
    assert_eq!(
        Browser::new(&server)
            .sign_in("nadia@example.org", GOOD_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server
            .sign_in("nadia@example.org", GOOD_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let console = Browser::new(&server);
    assert_eq!(
        console
            .sign_in("nadia@example.org", new_password)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        console.get(&team(admin.network_id)).await.status,
        StatusCode::OK
    );
    server.tokens("nadia@example.org", new_password).await;

    // The link works once.
    let after = password_hash(&server, "nadia@example.org").await;
    let again = browser.get(&link).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(h1(&again.body), "This link was used already");
    assert!(again
        .body
        .contains(r#"<a class="button" href="/admin/forgot-password">Ask for a new link</a>"#));
    let reuse = browser
        .post(
            &link,
            &[
                ("password", "yet another passphrase"),
                ("password_confirm", "yet another passphrase"),
            ],
        )
        .await;
    assert_eq!(reuse.status, StatusCode::GONE);
    assert_eq!(password_hash(&server, "nadia@example.org").await, after);
    // Two posts at once cannot both use it: the repository spends a link once, whatever the
    // page checked before.
    let reset_id = scalar(&server, "SELECT id FROM password_resets").await;
    let again = server
        .app
        .repo()
        .complete_password_reset(reset_id, "not a hash", server.app.now())
        .await
        .unwrap();
    assert_eq!(again, None);
    assert_eq!(password_hash(&server, "nadia@example.org").await, after);
    assert_eq!(
        console.get(&team(admin.network_id)).await.status,
        StatusCode::OK,
        "a used link ends no session"
    );

    // A link that never was one.
    let unknown = browser.get("/admin/reset/not-a-real-token").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(h1(&unknown.body), "This link is not valid");
    assert!(unknown.body.contains("Ask for a new link"));
}

async fn me_status(server: &TestServer, access_token: &str) -> StatusCode {
    server.me(access_token).await.status()
}

#[tokio::test]
async fn an_expired_reset_link_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let tokens = server.tokens("nadia@example.org", GOOD_PASSWORD).await;
    let console = Browser::signed_in(&server, "nadia@example.org").await;
    ask_for_reset(&server, "nadia@example.org").await;
    let (link, _) = wait_for_reset_emails(&server, "nadia@example.org", 1)
        .await
        .remove(0);
    let browser = Browser::new(&server);
    server.clock.advance(59 * 60);
    assert_eq!(
        browser.get(&link).await.status,
        StatusCode::OK,
        "59 minutes"
    );
    server.clock.advance(60);
    let page = browser.get(&link).await;
    assert_eq!(page.status, StatusCode::GONE, "an hour");
    assert_eq!(h1(&page.body), "This link has expired");
    assert!(page.body.contains("Ask for a new link"));
    let before = password_hash(&server, "nadia@example.org").await;
    let answer = browser
        .post(
            &link,
            &[
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::GONE);
    assert_eq!(h1(&answer.body), "This link has expired");
    // Nor does the repository spend it, whatever a page checked before.
    let reset_id = scalar(&server, "SELECT id FROM password_resets").await;
    let spent = server
        .app
        .repo()
        .complete_password_reset(reset_id, "not a hash", server.app.now())
        .await
        .unwrap();
    assert_eq!(spent, None);
    assert_eq!(password_hash(&server, "nadia@example.org").await, before);
    // No session ended (the access token itself has expired by now: the refresh token works).
    assert_eq!(
        server.refresh(&tokens.refresh_token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        console.get(&team(admin.network_id)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM password_resets WHERE used_at IS NOT NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn reset_emails_are_limited_per_address_and_the_form_is_throttled() {
    let server = TestServer::start().await;
    server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    // Five asks for one address from one client are answered alike; the account gets three
    // emails in the hour, no more.
    let browser = Browser::new(&server);
    let ask = |email: String| {
        let browser = &browser;
        async move {
            browser
                .post("/admin/forgot-password", &[("email", &email)])
                .await
        }
    };
    for _ in 0..5 {
        let answer = ask("nadia@example.org".into()).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(h1(&answer.body), "Check your email");
    }
    wait_for_reset_emails(&server, "nadia@example.org", 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(reset_emails(&server, "nadia@example.org").len(), 3);
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM password_resets").await,
        3
    );
    // The sixth is refused, as it is for an address without an account.
    let refused = ask("nadia@example.org".into()).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.get("retry-after").is_some());
    assert!(refused.body.contains("Too many requests for a reset link."));
    assert!(refused.body.contains(r#"role="alert""#));
    for _ in 0..5 {
        ask("nobody@example.org".into()).await;
    }
    let unknown = ask("nobody@example.org".into()).await;
    assert_eq!(unknown.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        refused.body.replace("nadia@example.org", "X"),
        unknown.body.replace("nobody@example.org", "X")
    );
    // An hour later, the account may get a link again.
    server.clock.advance(60 * 60 + 1);
    assert_eq!(ask("nadia@example.org".into()).await.status, StatusCode::OK);
    wait_for_reset_emails(&server, "nadia@example.org", 4).await;

    // One client cannot go through addresses either: 20, then one every 3 minutes (its asks
    // before the hour have come back; the one after it spent one of the 20).
    let mut answered = 0;
    for i in 0..30 {
        let answer = ask(format!("someone{i}@example.org")).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        answered += 1;
    }
    assert_eq!(answered, 19, "20 for the client, one spent just before");
}
