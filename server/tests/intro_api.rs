//! The introduction-request API × the people it is for: anonymous, a professional of A, a
//! Company Admin of A's company, a Network Admin of A (every permission), one of A without
//! *Review introduction requests* and *Manage network settings*, an admin of B, and a
//! professional of B. Each operation answers each of them as the rules say, and refused
//! requests change nothing (tenant isolation: nobody reaches another network's or another
//! company's rows).

mod common;

use allyshare_protocol::{Permission, Role};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A confirmed professional of the network, signed in over the API: their token.
async fn professional(server: &TestServer, network_id: i64, email: &str) -> String {
    let (status, body) = server
        .post_form(
            &format!("{}/join/{network_id}", server.base),
            &[
                ("name", email),
                ("email", email),
                ("headline", "Engineer"),
                ("linkedin_url", "https://www.linkedin.com/in/x/"),
                ("password", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server.app.send_queued_mail().await.unwrap();
    let (status, _) = server.get_page(&server.last_link("/join/confirm/")).await;
    assert_eq!(status, StatusCode::OK);
    server.tokens(email, GOOD_PASSWORD).await.access_token
}

/// A Company Admin of the company, accepted through their invitation page: their token.
async fn company_admin(server: &TestServer, admin: &Member, company: i64, email: &str) -> String {
    server
        .expect(
            Method::POST,
            &format!(
                "/v1/networks/{}/companies/{company}/contacts",
                admin.network_id
            ),
            Some(&admin.token),
            Some(json!({"name": "Carol", "email": email})),
            StatusCode::ACCEPTED,
        )
        .await;
    server.app.send_queued_mail().await.unwrap();
    let link = server.last_link("/company-invite/");
    let (cookie, token) = server.form_cookie(&link).await;
    let answer = server
        .post_form_with(
            &link,
            &[
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
                ("terms", "accepted"),
                ("form_token", &token),
            ],
            &[("cookie", &cookie)],
        )
        .await;
    // 303 to the company's page (followed here without the session cookie: the sign-in page).
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    assert!(answer.1.contains("Sign in"), "{}", answer.1);
    server.tokens(email, GOOD_PASSWORD).await.access_token
}

#[tokio::test]
async fn professionals_company_admins_and_network_admins_each_reach_only_their_own() {
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
    let viewer_a = server
        .member(
            "Alpha",
            "viewer.a@example.org",
            "Viewer A",
            Role::NetworkAdmin,
        )
        .await;
    server
        .expect(
            Method::PUT,
            &format!("/v1/networks/{a}/members/{}", viewer_a.id),
            Some(&admin_a.token),
            Some(json!({"role": "network_admin", "permissions": [Permission::ViewContacts.as_str()]})),
            StatusCode::OK,
        )
        .await;
    let admin_b = server
        .member("Beta", "admin.b@example.org", "Admin B", Role::NetworkAdmin)
        .await;
    let b = admin_b.network_id;
    let company = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/companies"),
            Some(&admin_a.token),
            Some(json!({"name": "Acme", "website": "acme.example"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let company_b = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{b}/companies"),
            Some(&admin_b.token),
            Some(json!({"name": "Beta Co"})),
            StatusCode::CREATED,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let pro_a = professional(&server, a, "pro.a@example.org").await;
    let pro_b = professional(&server, b, "pro.b@example.org").await;
    let carol = company_admin(&server, &admin_a, company, "carol@acme.example").await;

    // A request of A's professional, delivered to Carol.
    let made = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/intro-requests"),
            Some(&pro_a),
            Some(json!({"company_id": company, "message": "Why me"})),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(made["state"], "delivered");
    let request = made["id"].as_i64().unwrap();

    let carol_id = scalar(
        &server,
        "SELECT id FROM people WHERE email_norm = 'carol@acme.example'",
    )
    .await;
    let professional_of = |email: &'static str| {
        let server = &server;
        async move {
            scalar(
                server,
                &format!(
                    "SELECT p.id FROM professionals p JOIN people pe ON pe.id = p.person_id
                     WHERE pe.email_norm = '{email}'"
                ),
            )
            .await
        }
    };
    let pro_a_id = professional_of("pro.a@example.org").await;
    let pro_b_id = professional_of("pro.b@example.org").await;
    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let unauth = StatusCode::UNAUTHORIZED;
    let forbidden = StatusCode::FORBIDDEN;
    let missing = StatusCode::NOT_FOUND;
    let conflict = StatusCode::CONFLICT;
    let names = [
        "anonymous",
        "professional of A",
        "Company Admin of A's company",
        "viewer admin of A",
        "admin of B",
        "professional of B",
        "admin of A",
    ];
    let callers: [Option<&str>; 7] = [
        None,
        Some(&pro_a),
        Some(&carol),
        Some(&viewer_a.token),
        Some(&admin_b.token),
        Some(&pro_b),
        Some(&admin_a.token),
    ];
    type Row = (Method, String, Option<serde_json::Value>, [StatusCode; 7]);
    let rows: Vec<Row> = vec![
        (
            Method::GET,
            format!("/v1/networks/{a}/inbox"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, ok,
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/intro-requests"),
            None,
            [
                unauth, ok, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        // Again to the same company: one open request per pair (409) for A's professional;
        // B's professional is not of A (403), nor is a company of B in A (404 for A's).
        (
            Method::POST,
            format!("/v1/networks/{a}/intro-requests"),
            Some(json!({"company_id": company, "message": "Again"})),
            [
                unauth, conflict, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/intro-requests"),
            Some(json!({"company_id": company_b, "message": "Across"})),
            [
                unauth, missing, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::GET,
            format!("/v1/companies/{company}/intro-requests"),
            None,
            [
                unauth, forbidden, ok, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::GET,
            format!("/v1/companies/{company_b}/intro-requests"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        // Only the company's Company Admin answers (a Network Admin reviews, never answers).
        (
            Method::POST,
            format!("/v1/companies/{company_b}/intro-requests/{request}/answer"),
            Some(json!({"accept": true})),
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/inbox/{request}/review"),
            Some(json!({"make_intro": true})),
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, conflict,
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{b}/inbox/{request}/review"),
            Some(json!({"make_intro": false, "reason": "x"})),
            [
                unauth, forbidden, forbidden, forbidden, missing, forbidden, forbidden,
            ],
        ),
        (
            Method::PUT,
            format!("/v1/networks/{a}/intro-settings"),
            Some(json!({"gatekeeper": false})),
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, ok,
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/companies"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, ok,
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/companies/{company_b}/contacts"),
            Some(json!({"name": "X", "email": "x@example.org"})),
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, missing,
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/companies"),
            Some(json!({"name": "Acme"})),
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, conflict,
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/companies"),
            Some(json!({"name": "Gamma", "website": "gamma.example"})),
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, created,
            ],
        ),
    ];
    // The operations that were the console's only (a Company Admin's request and colleague,
    // a professional's answer, a company's Company Admins): refusals here, the successes after.
    let more: Vec<Row> = vec![
        (
            Method::POST,
            format!("/v1/companies/{company}/intro-requests"),
            Some(json!({"professional_id": pro_b_id, "message": "Across"})),
            [
                unauth, forbidden, missing, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::GET,
            format!("/v1/companies/{company}/professionals"),
            None,
            [
                unauth, forbidden, ok, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::GET,
            format!("/v1/companies/{company_b}/professionals"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::POST,
            format!("/v1/companies/{company_b}/colleagues"),
            Some(json!({"name": "X", "email": "x@beta.example"})),
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/companies/{company_b}/admins/{carol_id}"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/companies/{company}/admins/{}", admin_a.id),
            None,
            [
                unauth, forbidden, missing, forbidden, forbidden, forbidden, forbidden,
            ],
        ),
        // A request to the company is not the professional's to answer.
        (
            Method::POST,
            format!("/v1/networks/{a}/intro-requests/{request}/answer"),
            Some(json!({"accept": true})),
            [unauth, missing, missing, missing, missing, missing, missing],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/companies/{company}/team"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, ok,
            ],
        ),
        (
            Method::GET,
            format!("/v1/networks/{a}/companies/{company_b}/team"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, missing,
            ],
        ),
        (
            Method::POST,
            format!("/v1/networks/{a}/companies/{company_b}/invitations/1/resend"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, forbidden, forbidden, missing,
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{b}/companies/{company}/invitations/1"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, missing, forbidden, forbidden,
            ],
        ),
        (
            Method::DELETE,
            format!("/v1/networks/{b}/companies/{company}/admins/{carol_id}"),
            None,
            [
                unauth, forbidden, forbidden, forbidden, missing, forbidden, forbidden,
            ],
        ),
    ];
    let rows: Vec<Row> = rows.into_iter().chain(more).collect();
    let fingerprint = || async {
        let mut out = String::new();
        for sql in [
            "SELECT COUNT(*) FROM intro_requests",
            "SELECT COUNT(*) FROM intro_request_events",
            "SELECT COUNT(*) FROM company_admin_invitations",
            "SELECT COUNT(*) FROM company_admins",
            "SELECT COUNT(*) FROM networks WHERE gatekeeper = 1",
        ] {
            out.push_str(&scalar(&server, sql).await.to_string());
            out.push('|');
        }
        out
    };
    let before = fingerprint().await;
    let mut failures = Vec::new();
    for (method, path, body, expected) in &rows {
        for (i, caller) in callers.iter().enumerate() {
            let got = server
                .call(method.clone(), path, *caller, body.clone())
                .await
                .status();
            if got != expected[i] {
                failures.push(format!(
                    "{method} {path} as {}: {got}, expected {}",
                    names[i], expected[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        fingerprint().await,
        before,
        "refused requests changed nothing"
    );
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM companies").await, 3);

    // What each sees: the professional their request, Carol hers, and each accepts only theirs.
    let mine = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{a}/intro-requests"),
            Some(&pro_a),
            None,
            ok,
        )
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["message"], "Why me");
    let answered = server
        .expect(
            Method::POST,
            &format!("/v1/companies/{company}/intro-requests/{request}/answer"),
            Some(&carol),
            Some(json!({"accept": true})),
            ok,
        )
        .await;
    assert_eq!(answered["state"], "accepted");
    server
        .expect(
            Method::POST,
            &format!("/v1/companies/{company}/intro-requests/{request}/answer"),
            Some(&carol),
            Some(json!({"accept": false})),
            conflict,
        )
        .await;
    // The API's own ways to what the console does: Carol sees the professionals, invites a
    // colleague, asks A's professional, who answers; the admin lists, re-sends, revokes,
    // removes.
    let pros = server
        .expect(
            Method::GET,
            &format!("/v1/companies/{company}/professionals"),
            Some(&carol),
            None,
            ok,
        )
        .await;
    assert_eq!(pros[0]["id"], pro_a_id);
    server
        .expect(
            Method::POST,
            &format!("/v1/companies/{company}/colleagues"),
            Some(&carol),
            Some(json!({"name": "Dora Acme", "email": "dora@acme.example"})),
            StatusCode::ACCEPTED,
        )
        .await;
    let asked = server
        .expect(
            Method::POST,
            &format!("/v1/companies/{company}/intro-requests"),
            Some(&carol),
            Some(json!({"professional_id": pro_a_id, "message": "We are hiring"})),
            created,
        )
        .await;
    assert_eq!(asked["state"], "delivered");
    let asked_id = asked["id"].as_i64().unwrap();
    let answered = server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/intro-requests/{asked_id}/answer"),
            Some(&pro_a),
            Some(json!({"accept": true})),
            ok,
        )
        .await;
    assert_eq!(answered["state"], "accepted");
    let team = server
        .expect(
            Method::GET,
            &format!("/v1/networks/{a}/companies/{company}/team"),
            Some(&admin_a.token),
            None,
            ok,
        )
        .await;
    assert_eq!(team["admins"][0]["email"], "carol@acme.example");
    assert_eq!(team["invitations"][0]["email"], "dora@acme.example");
    assert_eq!(team["invitations"][0]["state"], "pending");
    assert_eq!(team["invitations"][0]["invited_by"], "Carol");
    let dora = team["invitations"][0]["id"].as_i64().unwrap();
    let invitation = format!("/v1/networks/{a}/companies/{company}/invitations/{dora}");
    server
        .expect(
            Method::POST,
            &format!("{invitation}/resend"),
            Some(&admin_a.token),
            None,
            StatusCode::ACCEPTED,
        )
        .await;
    server
        .expect(
            Method::DELETE,
            &invitation,
            Some(&admin_a.token),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    server
        .expect(
            Method::DELETE,
            &invitation,
            Some(&admin_a.token),
            None,
            conflict,
        )
        .await;
    let removed = server
        .expect(
            Method::DELETE,
            &format!("/v1/networks/{a}/companies/{company}/admins/{carol_id}"),
            Some(&admin_a.token),
            None,
            ok,
        )
        .await;
    assert_eq!(removed["admins_left"], 0);
    server
        .expect(
            Method::GET,
            &format!("/v1/companies/{company}/intro-requests"),
            Some(&carol),
            None,
            forbidden,
        )
        .await;
    // A message past its bound.
    server
        .expect(
            Method::POST,
            &format!("/v1/networks/{a}/intro-requests"),
            Some(&pro_a),
            Some(json!({"company_id": company, "message": "x".repeat(2001)})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
}
