//! End-to-end tests of the reference server: a real SQLite file in a temporary directory, the
//! server on a loopback port, and real HTTP requests. Time is a [`ManualClock`], so expiry is
//! tested by moving it forward rather than by sleeping.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use allyshare_protocol::{ApiError, ErrorCode, Me, Role, SessionTokens};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn invite_accept_sign_in_and_me() {
    let server = TestServer::start().await;
    let invited = server
        .invite(
            "Getro Sales Network",
            "Ada@Example.org ",
            "Ada Lovelace",
            Role::Ally,
        )
        .await;
    assert!(invited
        .link
        .starts_with(&format!("{}/invite/", server.base)));

    // The email is in the outbox with the link on a line of its own.
    let eml = read_eml(
        invited
            .email_path
            .as_deref()
            .expect("written to the outbox"),
    );
    assert!(eml.contains("Subject: You've been invited to Getro Sales Network"));
    assert!(eml.contains("From: AllyShare <no-reply@allyshare.invalid>"));
    assert!(eml.lines().any(|l| l.trim_end() == invited.link));
    assert!(eml.contains("expires in 7 days"));
    assert!(!eml.to_ascii_lowercase().contains("quoted-printable"));
    assert!(!eml.to_ascii_lowercase().contains("base64"));

    // The Get Started page.
    let response = server.http.get(&invited.link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    let page = response.text().await.unwrap();
    assert_eq!(h1(&page), "Join Getro Sales Network");
    assert!(page.contains("Ada Lovelace"));
    assert!(page.contains(r#"<html lang="en">"#));
    assert!(page
        .contains(r#"id="password" name="password" type="password" autocomplete="new-password""#));
    assert!(page.contains(r#"id="password_confirm" name="password_confirm""#));
    assert!(page.contains(r#"id="terms" name="terms" type="checkbox" value="accepted""#));
    assert!(page.contains(r#"<label for="terms">I accept the <a href="/terms""#));
    assert!(page.contains(r#"<button type="submit">Get started</button>"#));

    // The stylesheet and the terms exist.
    let css = server
        .http
        .get(format!("{}/assets/site.css", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let (status, terms) = server.get_page(&format!("{}/terms", server.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h1(&terms), "Terms of Service");

    // Accept: the guide page.
    let (status, guide) = server.accept(&invited.link, GOOD_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{guide}");
    assert_eq!(h1(&guide), "Welcome to Getro Sales Network");
    let steps = guide
        .split(r#"<ol class="guide">"#)
        .nth(1)
        .and_then(|rest| rest.split("</ol>").next())
        .expect("guide list");
    assert_eq!(steps.matches("<li>").count(), 3);
    for title in [
        "Connect LinkedIn",
        "Help with meaningful introductions",
        "Make an introduction when asked",
    ] {
        assert!(steps.contains(title), "{title}");
    }
    assert!(guide.contains(r#"href="https://example.org/add-to-chrome?x=1&#38;y=2""#));
    assert!(guide.contains(">Add to Chrome</a>"));
    assert!(guide.contains("dist/"));

    // Sign in (email compared case-insensitively) and read /v1/me.
    let tokens = server.tokens("  ada@EXAMPLE.org", GOOD_PASSWORD).await;
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.access_expires_in, 15 * 60);
    assert_eq!(tokens.refresh_expires_in, 30 * 24 * 60 * 60);
    assert_eq!(tokens.access_token.len(), 43);
    let response = server.me(&tokens.access_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Me = response.json().await.unwrap();
    assert_eq!(me.person.name, "Ada Lovelace");
    assert_eq!(me.person.email, "Ada@Example.org");
    assert_eq!(me.networks.len(), 1);
    assert_eq!(me.networks[0].name, "Getro Sales Network");
    assert_eq!(me.networks[0].role, Role::Ally);
}

/// Finding 6 of the security review: the existing-account form asked only for the terms, yet
/// joined the network and issued the hand-off grant: the link alone opened the account. Now
/// it asks for the account's password (throttled like signing in) and a wrong one changes
/// nothing.
#[tokio::test]
async fn an_existing_account_joins_another_network_with_its_password_and_the_terms() {
    let server = TestServer::start_with(|c| c.extension_ids = vec!["a".repeat(32)]).await;
    let first = server
        .invite("Zeta Partners", "grace@example.org", "Grace", Role::Ally)
        .await;
    assert_eq!(
        server.accept(&first.link, GOOD_PASSWORD).await.0,
        StatusCode::OK
    );

    let second = server
        .invite(
            "Alpha Advisors",
            "GRACE@example.org",
            "Grace H.",
            Role::NetworkAdmin,
        )
        .await;
    let (status, page) = server.get_page(&second.link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("enter its password"), "{page}");
    assert!(page.contains(r#"autocomplete="current-password""#));
    assert!(!page.contains("new-password"));

    // Terms alone, or a wrong password, join nothing and grant nothing.
    for form in [
        vec![("terms", "accepted")],
        vec![("terms", "accepted"), ("password", "not the password")],
        vec![("password", GOOD_PASSWORD)],
    ] {
        let (cookie, token) = server.form_cookie(&second.link).await;
        let mut fields = form.clone();
        fields.push(("form_token", &token));
        let response = server
            .http
            .post(&second.link)
            .header("cookie", &cookie)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form:?}"
        );
        assert!(
            !response
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("allyshare_handoff=")),
            "no hand-off grant for {form:?}"
        );
        let page = response.text().await.unwrap();
        assert!(page.contains(r#"role="alert""#), "{page}");
    }
    let tokens = server.tokens("grace@example.org", GOOD_PASSWORD).await;
    let me: Me = server.me(&tokens.access_token).await.json().await.unwrap();
    assert_eq!(me.networks.len(), 1, "not joined");
    assert_eq!(
        server.get_page(&second.link).await.0,
        StatusCode::OK,
        "still pending"
    );

    let (status, guide) = server
        .post_form(
            &second.link,
            &[("terms", "accepted"), ("password", GOOD_PASSWORD)],
        )
        .await;
    // Joined as a Network Admin: sent to the console (this client keeps no cookies, so it
    // ends on the console's sign-in page; `tests/console.rs` follows the session).
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h1(&guide), "Sign in to the console");

    // The existing password still works; networks come ordered by name.
    let tokens = server.tokens("grace@example.org", GOOD_PASSWORD).await;
    let me: Me = server.me(&tokens.access_token).await.json().await.unwrap();
    assert_eq!(me.person.name, "Grace");
    let networks: Vec<(&str, Role)> = me
        .networks
        .iter()
        .map(|n| (n.name.as_str(), n.role))
        .collect();
    assert_eq!(
        networks,
        [
            ("Alpha Advisors", Role::NetworkAdmin),
            ("Zeta Partners", Role::Ally)
        ]
    );
}

/// Finding 2 of the security review: the Get Started form accepted a cross-site post, so a
/// site could sign a victim's browser (and their extension) into an account of its own. Every
/// unsafe request to a page is now refused unless it comes from the server's own origin, with
/// the browser's form token; a refused post changes nothing.
#[tokio::test]
async fn a_cross_site_or_tokenless_form_post_is_refused_and_changes_nothing() {
    let server = TestServer::start_with(|c| c.extension_ids = vec!["a".repeat(32)]).await;
    let invited = server
        .invite("Sales", "victim@example.org", "Vic", Role::Ally)
        .await;
    let fields = [
        ("password", GOOD_PASSWORD),
        ("password_confirm", GOOD_PASSWORD),
        ("terms", "accepted"),
    ];
    let (cookie, token) = server.form_cookie(&invited.link).await;
    let with_token: Vec<(&str, &str)> = fields
        .iter()
        .copied()
        .chain([("form_token", token.as_str())])
        .collect();
    let evil_origin = [("origin", "https://evil.example")];
    let cross_site = [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ];
    let same_site = [("sec-fetch-site", "same-site")];
    type Fields<'a> = Vec<(&'a str, &'a str)>;
    let refusals: Vec<(&str, Fields, Fields)> = vec![
        ("as reproduced", fields.to_vec(), cross_site.to_vec()),
        (
            "another site's origin",
            fields.to_vec(),
            evil_origin.to_vec(),
        ),
        (
            "cross-site even with the token",
            with_token.clone(),
            [&cross_site[..], &[("cookie", cookie.as_str())]].concat(),
        ),
        (
            "a sibling subdomain",
            with_token.clone(),
            [&same_site[..], &[("cookie", cookie.as_str())]].concat(),
        ),
        ("no headers, no token", fields.to_vec(), vec![]),
        (
            "no headers, a token but no cookie",
            with_token.clone(),
            vec![],
        ),
        (
            "same origin, no token",
            fields.to_vec(),
            vec![
                ("sec-fetch-site", "same-origin"),
                ("cookie", cookie.as_str()),
            ],
        ),
        (
            "a token that is not the cookie's",
            fields
                .iter()
                .copied()
                .chain([("form_token", "A".repeat(43).leak() as &str)])
                .collect(),
            vec![("cookie", cookie.as_str())],
        ),
    ];
    for (what, form, headers) in &refusals {
        let (status, page) = server.post_form_with(&invited.link, form, headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        assert_eq!(h1(&page), "This form cannot be sent from here", "{what}");
        assert!(page.contains("nothing was changed"), "{what}");
    }
    // Nothing changed: no account, the invitation still pending.
    assert!(server
        .app
        .repo()
        .find_person_by_email("victim@example.org")
        .await
        .unwrap()
        .is_none());
    assert_eq!(server.get_page(&invited.link).await.0, StatusCode::OK);

    // Pages take no other method that changes something.
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let response = server
            .http
            .request(method.clone(), &invited.link)
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
    }

    // The page's own form, as a browser sends it, goes through.
    let (status, page) = server
        .post_form_with(
            &invited.link,
            &with_token,
            &[
                ("origin", server.base.as_str()),
                ("sec-fetch-site", "same-origin"),
                ("cookie", cookie.as_str()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(h1(&page), "Welcome to Sales");
}

/// Every page response gives the browser a form cookie once, HttpOnly and SameSite=Strict,
/// whose value is in the page's form; with an https public URL it is `__Host-` and Secure.
#[tokio::test]
async fn the_form_cookie_is_set_once_and_matches_the_form() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "ada@example.org", "Ada", Role::Ally)
        .await;
    let response = server.http.get(&invited.link).send().await.unwrap();
    let set: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(
        set[0].ends_with("; Path=/; HttpOnly; SameSite=Strict"),
        "{set:?}"
    );
    let value = set[0].split(';').next().unwrap().split_once('=').unwrap().1;
    let page = response.text().await.unwrap();
    assert!(page.contains(&format!(r#"name="form_token" value="{value}""#)));
    // A browser that has it keeps it: no new cookie.
    let again = server
        .http
        .get(&invited.link)
        .header("cookie", format!("allyshare_form={value}"))
        .send()
        .await
        .unwrap();
    assert!(again.headers().get("set-cookie").is_none());
    assert!(again.text().await.unwrap().contains(value));

    // Cacheable assets carry no cookie.
    for asset in ["/assets/site.css", "/assets/handoff.js", "/healthz"] {
        let response = server
            .http
            .get(format!("{}{asset}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert!(response.headers().get("set-cookie").is_none(), "{asset}");
    }

    let https =
        TestServer::start_with(|c| c.public_url = "https://allyshare.example.org".into()).await;
    let response = https
        .http
        .get(format!("{}/terms", https.base))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("__Host-allyshare_form="), "{cookie}");
    assert!(
        cookie.ends_with("; Path=/; HttpOnly; SameSite=Strict; Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn a_used_invitation_shows_the_already_used_page() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "bob@example.org", "Bob", Role::Ally)
        .await;
    assert_eq!(
        server.accept(&invited.link, GOOD_PASSWORD).await.0,
        StatusCode::OK
    );

    let (status, page) = server
        .accept(&invited.link, "another good passphrase")
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(h1(&page), "This invitation has already been used");
    assert!(page.contains("extension"));
    let (status, page) = server.get_page(&invited.link).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(h1(&page), "This invitation has already been used");

    // The second attempt changed nothing: the first password still works.
    server.tokens("bob@example.org", GOOD_PASSWORD).await;
}

#[tokio::test]
async fn an_expired_invitation_shows_the_expired_page() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "carol@example.org", "Carol", Role::Ally)
        .await;
    server.clock.advance(7 * DAY - 1);
    assert_eq!(server.get_page(&invited.link).await.0, StatusCode::OK);
    server.clock.advance(1);

    let (status, page) = server.get_page(&invited.link).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(h1(&page), "This invitation has expired");
    assert!(page.contains("network admin"));
    let (status, page) = server.accept(&invited.link, GOOD_PASSWORD).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(h1(&page), "This invitation has expired");
    assert!(server
        .app
        .repo()
        .find_person_by_email("carol@example.org")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn unknown_and_malformed_tokens_show_the_not_valid_page() {
    let server = TestServer::start().await;
    for token in [
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "short",
        "not%20a%20token",
        &"x".repeat(500),
    ] {
        let link = format!("{}/invite/{token}", server.base);
        let (status, page) = server.get_page(&link).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{token}");
        assert_eq!(h1(&page), "This invitation link is not valid");
        let (status, _) = server.accept(&link, GOOD_PASSWORD).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{token}");
    }
}

#[tokio::test]
async fn re_inviting_invalidates_the_previous_link() {
    let server = TestServer::start().await;
    let old = server
        .invite("Sales", "dan@example.org", "Dan", Role::Ally)
        .await;
    let new = server
        .invite("Sales", " DAN@example.org", "Dan", Role::Ally)
        .await;
    assert_ne!(old.link, new.link);
    assert_eq!(old.network_id, new.network_id);

    let (status, page) = server.get_page(&old.link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(h1(&page), "This invitation link is not valid");
    assert_eq!(
        server.accept(&old.link, GOOD_PASSWORD).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        server.accept(&new.link, GOOD_PASSWORD).await.0,
        StatusCode::OK
    );

    // An invitation to another network is independent.
    let other = server
        .invite("Marketing", "eve@example.org", "Eve", Role::Ally)
        .await;
    server
        .invite("Sales", "eve@example.org", "Eve", Role::Ally)
        .await;
    assert_eq!(server.get_page(&other.link).await.0, StatusCode::OK);
}

#[tokio::test]
async fn weak_or_incomplete_submissions_are_refused_and_create_nothing() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "fay@example.org", "Fay", Role::Ally)
        .await;
    let long = "a".repeat(129);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "at least 8 characters",
            vec![
                ("password", "short1!"),
                ("password_confirm", "short1!"),
                ("terms", "accepted"),
            ],
        ),
        (
            "at most 128 characters",
            vec![
                ("password", &long),
                ("password_confirm", &long),
                ("terms", "accepted"),
            ],
        ),
        (
            "too common",
            vec![
                ("password", "Password123"),
                ("password_confirm", "Password123"),
                ("terms", "accepted"),
            ],
        ),
        (
            "too common",
            vec![
                ("password", "QWERTYUIOP"),
                ("password_confirm", "QWERTYUIOP"),
                ("terms", "accepted"),
            ],
        ),
        (
            "do not match",
            vec![
                ("password", GOOD_PASSWORD),
                ("password_confirm", "correct horse battery stapler"),
                ("terms", "accepted"),
            ],
        ),
        (
            "accept the Terms of Service",
            vec![
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        ),
        (
            "accept the Terms of Service",
            vec![
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
                ("terms", "no"),
            ],
        ),
        ("at least 8 characters", vec![]),
    ];
    for (expected, form) in &cases {
        let (status, page) = server.post_form(&invited.link, form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{expected}");
        let alert = page
            .split(r#"role="alert""#)
            .nth(1)
            .expect("an alert")
            .split("</div>")
            .next()
            .unwrap();
        assert!(alert.contains(expected), "{expected}: {alert}");
        // The form is shown again, and never with the password filled in.
        assert!(page.contains(r#"<button type="submit">Get started</button>"#));
        assert!(!page.contains(GOOD_PASSWORD));
        assert!(!page.contains("value=\"Password123\""));
    }
    assert!(server
        .app
        .repo()
        .find_person_by_email("fay@example.org")
        .await
        .unwrap()
        .is_none());
    assert_unauthorized(
        server.sign_in("fay@example.org", GOOD_PASSWORD).await,
        ErrorCode::InvalidCredentials,
    )
    .await;

    // Length counts characters: 8 two-byte characters are fine.
    let (status, _) = server.accept(&invited.link, "éàüöçñøå").await;
    assert_eq!(status, StatusCode::OK);
    server.tokens("fay@example.org", "éàüöçñøå").await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_identical_answers() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "gus@example.org", "Gus", Role::Ally)
        .await;
    server.accept(&invited.link, GOOD_PASSWORD).await;

    let wrong = server.sign_in("gus@example.org", "not the password").await;
    let unknown = server
        .sign_in("nobody@example.org", "not the password")
        .await;
    for response in [&wrong, &unknown] {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    let wrong = wrong.bytes().await.unwrap();
    let unknown = unknown.bytes().await.unwrap();
    assert_eq!(wrong, unknown);
    let error: ApiError = serde_json::from_slice(&wrong).unwrap();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);

    // Malformed JSON is a JSON 400 too.
    let response = server
        .http
        .post(format!("{}/v1/sessions", server.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(response, StatusCode::BAD_REQUEST).await.code,
        ErrorCode::InvalidRequest
    );
    let response = server
        .http
        .post(format!("{}/v1/sessions", server.base))
        .json(&json!({ "email": "gus@example.org" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(response, StatusCode::BAD_REQUEST).await.code,
        ErrorCode::InvalidRequest
    );
    let response = server
        .http
        .post(format!("{}/v1/sessions", server.base))
        .body(r#"{"email":"gus@example.org","password":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(response, StatusCode::BAD_REQUEST).await.code,
        ErrorCode::InvalidRequest
    );
    let response = server
        .http
        .get(format!("{}/v1/no-such-route", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(response, StatusCode::NOT_FOUND).await.code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "hal@example.org", "Hal", Role::Ally)
        .await;
    server.accept(&invited.link, GOOD_PASSWORD).await;
    let first = server.tokens("hal@example.org", GOOD_PASSWORD).await;

    let response = server.refresh(&first.refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second: SessionTokens = response.json().await.unwrap();
    assert_ne!(second.access_token, first.access_token);
    assert_ne!(second.refresh_token, first.refresh_token);

    // The new pair works, the old access token does not.
    assert_eq!(
        server.me(&second.access_token).await.status(),
        StatusCode::OK
    );
    assert_unauthorized(
        server.me(&first.access_token).await,
        ErrorCode::Unauthorized,
    )
    .await;

    // Reusing the old refresh token fails, and kills the session (theft detection).
    assert_unauthorized(
        server.refresh(&first.refresh_token).await,
        ErrorCode::InvalidRefreshToken,
    )
    .await;
    assert_unauthorized(
        server.me(&second.access_token).await,
        ErrorCode::Unauthorized,
    )
    .await;
    assert_unauthorized(
        server.refresh(&second.refresh_token).await,
        ErrorCode::InvalidRefreshToken,
    )
    .await;

    // Other sessions of the same person are not affected.
    let other = server.tokens("hal@example.org", GOOD_PASSWORD).await;
    assert_eq!(
        server.me(&other.access_token).await.status(),
        StatusCode::OK
    );

    // Garbage refresh tokens.
    for token in ["", "nope", &"A".repeat(43)] {
        assert_unauthorized(server.refresh(token).await, ErrorCode::InvalidRefreshToken).await;
    }
}

#[tokio::test]
async fn tokens_expire() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "ivy@example.org", "Ivy", Role::Ally)
        .await;
    server.accept(&invited.link, GOOD_PASSWORD).await;
    let tokens = server.tokens("ivy@example.org", GOOD_PASSWORD).await;

    server.clock.advance(15 * 60);
    assert_unauthorized(
        server.me(&tokens.access_token).await,
        ErrorCode::Unauthorized,
    )
    .await;
    // The refresh token still buys a new pair.
    let response = server.refresh(&tokens.refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let renewed: SessionTokens = response.json().await.unwrap();
    assert_eq!(
        server.me(&renewed.access_token).await.status(),
        StatusCode::OK
    );

    server.clock.advance(30 * DAY);
    assert_unauthorized(
        server.refresh(&renewed.refresh_token).await,
        ErrorCode::InvalidRefreshToken,
    )
    .await;
}

#[tokio::test]
async fn signing_out_revokes_both_tokens() {
    let server = TestServer::start().await;
    let invited = server
        .invite("Sales", "jo@example.org", "Jo", Role::Ally)
        .await;
    server.accept(&invited.link, GOOD_PASSWORD).await;
    let tokens = server.tokens("jo@example.org", GOOD_PASSWORD).await;
    let url = format!("{}/v1/sessions/current", server.base);

    assert_unauthorized(
        server.http.delete(&url).send().await.unwrap(),
        ErrorCode::Unauthorized,
    )
    .await;
    let response = server
        .http
        .delete(&url)
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    assert_unauthorized(
        server.me(&tokens.access_token).await,
        ErrorCode::Unauthorized,
    )
    .await;
    assert_unauthorized(
        server.refresh(&tokens.refresh_token).await,
        ErrorCode::InvalidRefreshToken,
    )
    .await;
    assert_unauthorized(
        server
            .http
            .delete(&url)
            .bearer_auth(&tokens.access_token)
            .send()
            .await
            .unwrap(),
        ErrorCode::Unauthorized,
    )
    .await;
}

#[tokio::test]
async fn pages_escape_what_they_show() {
    let server = TestServer::start().await;
    let invited = server
        .invite(
            "<script>x</script>",
            "kim@example.org",
            "Kim \"<b>bold</b>\"",
            Role::Ally,
        )
        .await;
    let (status, page) = server.get_page(&invited.link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>"));
    assert!(!page.contains("<b>bold"));
    assert!(page.contains("&#60;script&#62;x&#60;/script&#62;"));
    assert!(page.contains("&#34;&#60;b&#62;bold&#60;/b&#62;&#34;"));

    let (status, guide) = server.accept(&invited.link, GOOD_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!guide.contains("<script>"));
    assert_eq!(h1(&guide), "Welcome to &#60;script&#62;x&#60;/script&#62;");
}

#[tokio::test]
async fn openapi_document_lists_the_api() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(format!("{}/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    let paths = doc["paths"].as_object().unwrap();
    // Every API operation is documented, and nothing else is.
    let mut operations: Vec<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    operations.sort();
    let mut expected = vec![
        "POST /handoff/code",
        "GET /v1/contacts/digest",
        "GET /v1/intro-asks",
        "POST /v1/intro-asks/{ask_id}/answer",
        "GET /v1/me",
        "DELETE /v1/me",
        "PUT /v1/me/password",
        "GET /v1/me/preferences",
        "PUT /v1/me/preferences",
        "GET /v1/networks/{network_id}/contacts",
        "GET /v1/networks/{network_id}/contacts/{key}",
        "GET /v1/networks/{network_id}/intro-asks",
        "POST /v1/networks/{network_id}/intro-asks",
        "GET /v1/networks/{network_id}/invitations",
        "POST /v1/networks/{network_id}/invitations",
        "POST /v1/networks/{network_id}/invitations/import",
        "DELETE /v1/networks/{network_id}/invitations/{invitation_id}",
        "POST /v1/networks/{network_id}/invitations/{invitation_id}/resend",
        "DELETE /v1/networks/{network_id}/membership",
        "PUT /v1/networks/{network_id}/sharing",
        "GET /v1/networks/{network_id}/team",
        "GET /v1/networks/{network_id}/lists",
        "POST /v1/networks/{network_id}/lists",
        "GET /v1/networks/{network_id}/lists/{list_id}",
        "PUT /v1/networks/{network_id}/lists/{list_id}",
        "DELETE /v1/networks/{network_id}/lists/{list_id}",
        "POST /v1/networks/{network_id}/lists/{list_id}/entries",
        "DELETE /v1/networks/{network_id}/lists/{list_id}/entries",
        "GET /v1/networks/{network_id}/lists/{list_id}/export",
        "POST /v1/networks/{network_id}/lists/{list_id}/asks",
        "GET /v1/networks/{network_id}/members/{person_id}",
        "PUT /v1/networks/{network_id}/members/{person_id}",
        "DELETE /v1/networks/{network_id}/members/{person_id}",
        "GET /v1/networks/{network_id}/audit",
        "GET /v1/networks/{network_id}/inbox",
        "POST /v1/networks/{network_id}/inbox/{request_id}/review",
        "PUT /v1/networks/{network_id}/intro-settings",
        "GET /v1/networks/{network_id}/intro-requests",
        "POST /v1/networks/{network_id}/intro-requests",
        "GET /v1/companies/{company_id}/intro-requests",
        "POST /v1/companies/{company_id}/intro-requests/{request_id}/answer",
        "GET /v1/networks/{network_id}/companies",
        "POST /v1/networks/{network_id}/companies",
        "POST /v1/networks/{network_id}/companies/{company_id}/contacts",
        "GET /v1/networks/{network_id}/companies/{company_id}/team",
        "POST /v1/networks/{network_id}/companies/{company_id}/invitations/{invitation_id}/resend",
        "DELETE /v1/networks/{network_id}/companies/{company_id}/invitations/{invitation_id}",
        "DELETE /v1/networks/{network_id}/companies/{company_id}/admins/{person_id}",
        "POST /v1/networks/{network_id}/intro-requests/{request_id}/answer",
        "POST /v1/companies/{company_id}/intro-requests",
        "GET /v1/companies/{company_id}/professionals",
        "POST /v1/companies/{company_id}/colleagues",
        "DELETE /v1/companies/{company_id}/admins/{person_id}",
        "GET /v1/openapi.json",
        "POST /v1/password-resets",
        "POST /v1/sessions",
        "DELETE /v1/sessions/current",
        "POST /v1/sessions/handoff",
        "POST /v1/sessions/refresh",
        "GET /v1/sync/limits",
        "POST /v1/sync/sessions",
        "DELETE /v1/sync/sessions/{session_id}",
        "PUT /v1/sync/sessions/{session_id}/batches/{seq}",
        "POST /v1/sync/sessions/{session_id}/commit",
    ];
    expected.sort();
    assert_eq!(operations, expected);
    // Every operation has a description and responses; every schema reference resolves.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
            assert!(
                op["summary"].is_string() || op["description"].is_string(),
                "{method} {path}"
            );
        }
    }
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(doc["components"]["schemas"][name].is_object(), "{name}");
    }
    assert!(paths["/v1/sessions"]["post"].is_object());
    assert!(paths["/v1/sessions/current"]["delete"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for schema in [
        "SessionTokens",
        "SignInRequest",
        "RefreshRequest",
        "Me",
        "ApiError",
        "Role",
        "ContactRecord",
        "ContactBatch",
        "ContactDigest",
        "CommitResult",
        "ContactPage",
        "IntroAsk",
        "InvitationImport",
        "HandoffExchange",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    // The contact record refuses unknown fields, and says so.
    assert_eq!(
        doc["components"]["schemas"]["ContactRecord"]["additionalProperties"],
        false
    );
    let health = server
        .http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn cli_invite_writes_an_email_whose_link_opens_the_page() {
    let server = TestServer::start().await;
    let outbox = server.outbox().join("cli");
    let output = Command::new(env!("CARGO_BIN_EXE_allyshare-server"))
        .arg("invite")
        .arg("--db")
        .arg(server.db_path())
        .arg("--outbox")
        .arg(&outbox)
        .args(["--public-url", &server.base])
        .args(["--network", "CLI Network", "--email", "lee@example.org"])
        .args(["--name", "Lee", "--role", "network_admin"])
        .env_remove("ALLYSHARE_ADDR")
        .output()
        .expect("run allyshare-server invite");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last = stdout
        .lines()
        .last()
        .expect("a last line")
        .trim()
        .to_string();

    let emls: Vec<PathBuf> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(emls.len(), 1);
    let eml = read_eml(&emls[0]);
    assert!(eml.contains("Subject: You've been invited to CLI Network"));
    let links = links_in(&eml);
    assert!(!links.is_empty());
    assert!(links.iter().all(|l| *l == last), "{links:?} vs {last}");

    let (status, page) = server.get_page(&last).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h1(&page), "Join CLI Network");
    assert!(page.contains("Lee"));

    // Bad input is refused with a message and a failure status.
    let output = Command::new(env!("CARGO_BIN_EXE_allyshare-server"))
        .arg("invite")
        .arg("--db")
        .arg(server.db_path())
        .arg("--outbox")
        .arg(&outbox)
        .args([
            "--network",
            "CLI Network",
            "--email",
            "not-an-email",
            "--name",
            "X",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a valid email"));
}

#[tokio::test]
async fn serve_prints_the_listening_line() {
    use std::io::BufRead;

    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_allyshare-server"))
        .arg("serve")
        .arg("--db")
        .arg(dir.path().join("serve.db"))
        .arg("--outbox")
        .arg(dir.path().join("outbox"))
        .args(["--addr", "127.0.0.1:0"])
        .env_remove("ALLYSHARE_PUBLIC_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn allyshare-server serve");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    })
    .await
    .unwrap();
    let result = async {
        let line = line.expect("read the first line");
        let url = line
            .trim_end()
            .strip_prefix("allyshare-server listening on ")
            .unwrap_or_else(|| panic!("unexpected line {line:?}"))
            .to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert!(!url.ends_with(":0"), "{url}");
        let health = reqwest::get(format!("{url}/healthz")).await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        assert_eq!(health.text().await.unwrap(), "ok");
    };
    // Kill the child even if an assertion fails.
    let outcome = tokio::spawn(result).await;
    child.kill().ok();
    child.wait().ok();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

/// `serve --extension-id` takes several ids (repeated, or a comma list, as for the Chrome Web
/// Store's build and the Edge Add-ons' build): the guide page after accepting lists every one
/// for the hand-off script, in order, once each. An id that is not one is refused with what an
/// id looks like, and the server does not start.
#[tokio::test]
async fn serve_takes_several_extension_ids_and_the_guide_lists_them_all() {
    use std::io::BufRead;

    let chrome = "abcdefghijklmnopabcdefghijklmnop";
    let edge = "ponmlkjihgfedcbaponmlkjihgfedcba";
    let other = "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");

    let refused = Command::new(env!("CARGO_BIN_EXE_allyshare-server"))
        .arg("serve")
        .arg("--db")
        .arg(&db)
        .args(["--addr", "127.0.0.1:0"])
        .args(["--extension-id", &format!("{chrome},not-an-id")])
        .env_remove("ALLYSHARE_EXTENSION_ID")
        .output()
        .expect("run allyshare-server serve");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("\"not-an-id\" is not an extension id: an id is 32 letters from a to p"),
        "{stderr}"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_allyshare-server"))
        .arg("serve")
        .arg("--db")
        .arg(&db)
        .arg("--outbox")
        .arg(dir.path().join("outbox"))
        .args(["--addr", "127.0.0.1:0"])
        .args(["--extension-id", chrome])
        .args(["--extension-id", &format!("{edge}, {other},{chrome}")])
        .env_remove("ALLYSHARE_PUBLIC_URL")
        .env_remove("ALLYSHARE_EXTENSION_ID")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn allyshare-server serve");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    })
    .await
    .unwrap();
    let db_for_invite = db.clone();
    let outbox = dir.path().join("cli-outbox");
    let result = async move {
        let line = line.expect("read the first line");
        let url = line
            .trim_end()
            .strip_prefix("allyshare-server listening on ")
            .unwrap_or_else(|| panic!("unexpected line {line:?}"))
            .to_string();
        let output = Command::new(env!("CARGO_BIN_EXE_allyshare-server"))
            .arg("invite")
            .arg("--db")
            .arg(&db_for_invite)
            .arg("--outbox")
            .arg(&outbox)
            .args(["--public-url", &url])
            .args(["--network", "Sales", "--email", "ada@example.org"])
            .args(["--name", "Ada"])
            .env_remove("ALLYSHARE_ADDR")
            .output()
            .expect("run allyshare-server invite");
        assert!(output.status.success(), "{output:?}");
        let link = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_string();
        // The test server's client and form helpers, on the spawned server's link.
        let helper = TestServer::start().await;
        let response = helper.accept_response(&link, GOOD_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        let guide = response.text().await.unwrap();
        assert!(
            guide.contains(&format!(
                r#"<meta name="allyshare-extension-id" content="{chrome},{edge},{other}">"#
            )),
            "{guide}"
        );
        assert!(guide.contains(r#"<script src="/assets/handoff.js" defer></script>"#));
        // The script tries each of them.
        let script = reqwest::get(format!("{url}/assets/handoff.js"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(script.contains(".split(',')"), "{script}");
    };
    let outcome = tokio::spawn(result).await;
    child.kill().ok();
    child.wait().ok();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}
