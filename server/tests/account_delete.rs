//! Deleting one's account from the console (`/admin/account/delete`, issue 17): the page says
//! what goes in the Terms' own words, a wrong password, a cross-site post, a post without the
//! form token and one without a session delete nothing (checked in the database itself), the
//! right password deletes the rows the API's `DELETE /v1/me` deletes and ends on a signed-out
//! page; a Network Admin who alone can manage a team is told what to do first. Runs on SQLite
//! and, with `tools/pg-test.sh`, on PostgreSQL.

mod common;

use allyshare_protocol::Role;
use allyshare_server::i18n::{EN, FR};
use common::*;
use reqwest::StatusCode;
use serde_json::json;

const DELETE: &str = "/admin/account/delete";

fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('\'', "&#39;")
        .replace('"', "&#34;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

fn contact(tag: &str) -> serde_json::Value {
    json!({
        "member_id": format!("ID{tag}"),
        "profile_url": format!("https://www.linkedin.com/in/profile{tag}/"),
        "first_name": format!("First{tag}"),
        "last_name": format!("Last{tag}"),
        "headline": format!("Headline{tag}"),
    })
}

/// What the person has in the database: their row, memberships, contacts, extension sessions
/// still live, console sessions, invitations to their address.
async fn rows_of(server: &TestServer, person_id: i64, email: &str) -> [i64; 6] {
    [
        scalar(
            server,
            &format!("SELECT COUNT(*) FROM people WHERE id = {person_id}"),
        )
        .await,
        scalar(
            server,
            &format!("SELECT COUNT(*) FROM memberships WHERE person_id = {person_id}"),
        )
        .await,
        scalar(
            server,
            &format!("SELECT COUNT(*) FROM contacts WHERE person_id = {person_id}"),
        )
        .await,
        scalar(
            server,
            &format!("SELECT COUNT(*) FROM sessions WHERE person_id = {person_id} AND revoked = 0"),
        )
        .await,
        scalar(
            server,
            &format!("SELECT COUNT(*) FROM console_sessions WHERE person_id = {person_id}"),
        )
        .await,
        scalar(
            server,
            &format!("SELECT COUNT(*) FROM invitations WHERE email_norm = '{email}'"),
        )
        .await,
    ]
}

#[tokio::test]
async fn an_ally_deletes_their_account_from_the_console_with_their_password() {
    let server = TestServer::start().await;
    let boss = server
        .member("Sales", "boss@example.org", "Boss", Role::NetworkAdmin)
        .await;
    let ada = server
        .sharing_ally("Sales", "ada@example.org", "Ada Lovelace")
        .await;
    let marketing = server
        .member("Marketing", "ada@example.org", "Ada Lovelace", Role::Ally)
        .await;
    server
        .call(
            reqwest::Method::PUT,
            &format!("/v1/networks/{}/sharing", marketing.network_id),
            Some(&ada.token),
            Some(json!({ "sharing": true })),
        )
        .await;
    // Still pending, in a third network.
    server
        .invite("Venture", "ada@example.org", "Ada Lovelace", Role::Ally)
        .await;
    server
        .sync_contacts(&ada.token, "full", &[contact("Grace"), contact("Alan")])
        .await;

    let browser = Browser::signed_in(&server, "ada@example.org").await;
    let before = rows_of(&server, ada.id, "ada@example.org").await;
    assert_eq!(before[0..3], [1, 2, 2], "{before:?}");
    assert!(
        before[3] >= 1 && before[4] == 1 && before[5] >= 1,
        "{before:?}"
    );

    // Where a person looks: the bar of every console page links their account, which links
    // the deletion.
    let home = browser.get("/admin/networks").await;
    assert!(
        home.body
            .contains(r#"<a class="account-link" href="/admin/account">Your account</a>"#),
        "{}",
        home.body
    );
    let account = browser.get("/admin/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert_eq!(h1(&account.body), "Your account");
    assert!(account.body.contains(r#"href="/admin/account/delete""#));
    assert!(account.body.contains("Marketing (Ally)"));

    // The page says what goes, in the Terms' words, with this person's networks and count.
    let page = browser.get(DELETE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(h1(&page.body), "Delete your account?");
    assert!(page.body.contains(&escaped(EN.terms_account_2)));
    let terms = browser.get("/terms").await.body;
    assert!(terms.contains(&escaped(EN.terms_account_2)));
    let privacy = browser.get("/privacy").await.body;
    assert!(privacy.contains(&escaped(EN.terms_account_2)));
    for words in [
        "Ada Lovelace, ada@example.org",
        "<li>Marketing (Ally)</li>",
        "<li>Sales (Ally)</li>",
        r#"<strong class="contact-count">2</strong>, in every network"#,
        r#"name="password" type="password""#,
    ] {
        assert!(page.body.contains(words), "{words}: {}", page.body);
    }
    assert!(!page.body.contains("sole-manager"));
    // In French too.
    let french = browser
        .send(
            browser
                .http
                .get(format!("{}{DELETE}", server.base))
                .header("accept-language", "fr"),
        )
        .await;
    assert_eq!(h1(&french.body), FR.delete_account_heading);
    assert!(french.body.contains(&escaped(FR.terms_account_2)));

    // Refused, each: nothing deleted.
    let wrong = browser
        .post(DELETE, &[("password", "not the password at all")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.body.contains(EN.err_delete_account_wrong),
        "{}",
        wrong.body
    );
    let empty = browser.post(DELETE, &[("password", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let token = browser.cookie("allyshare_form").unwrap();
    let cross_site = browser
        .send(
            browser
                .http
                .post(format!("{}{DELETE}", server.base))
                .header("sec-fetch-site", "cross-site")
                .header("origin", "https://evil.example")
                .form(&[("password", GOOD_PASSWORD), ("form_token", &token)]),
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    let tokenless = browser
        .send(
            browser
                .http
                .post(format!("{}{DELETE}", server.base))
                .form(&[("password", GOOD_PASSWORD)]),
        )
        .await;
    assert_eq!(tokenless.status, StatusCode::FORBIDDEN);
    let no_session = Browser::new(&server);
    let unsigned = no_session
        .post(DELETE, &[("password", GOOD_PASSWORD)])
        .await;
    assert_eq!(unsigned.status, StatusCode::SEE_OTHER);
    assert_eq!(unsigned.location(), "/admin/sign-in");
    assert_eq!(rows_of(&server, ada.id, "ada@example.org").await, before);
    assert_eq!(server.me(&ada.token).await.status(), StatusCode::OK);

    // The password: everything goes, and the browser lands signed out on a page that says so.
    let done = browser.post(DELETE, &[("password", GOOD_PASSWORD)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/admin/account/deleted");
    assert!(done
        .set_cookie("allyshare_console")
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        rows_of(&server, ada.id, "ada@example.org").await,
        [0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM people WHERE email_norm = 'ada@example.org'"
        )
        .await,
        0
    );
    assert_eq!(
        server.me(&ada.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let deleted = browser.get("/admin/account/deleted").await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(h1(&deleted.body), EN.account_deleted_heading);
    assert!(deleted.body.contains(EN.account_deleted_1));
    assert!(!deleted.body.contains("/admin/sign-out"), "signed out");
    let again = browser.get(DELETE).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(again.location().starts_with("/admin/sign-in"));
    // The others' rows stay.
    assert_eq!(
        rows_of(&server, boss.id, "boss@example.org").await[0..2],
        [1, 1]
    );
}

#[tokio::test]
async fn the_last_admin_who_can_manage_a_team_is_told_what_to_do_first() {
    let server = TestServer::start().await;
    let nadia = server
        .member("Sales", "nadia@example.org", "Nadia", Role::NetworkAdmin)
        .await;
    // In Marketing someone else can manage the team too: not named.
    server
        .member(
            "Marketing",
            "nadia@example.org",
            "Nadia",
            Role::NetworkAdmin,
        )
        .await;
    server
        .member("Marketing", "omar@example.org", "Omar", Role::NetworkAdmin)
        .await;
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    let page = browser.get(DELETE).await;
    assert_eq!(page.status, StatusCode::OK);
    let warnings: Vec<&str> = page
        .body
        .split(r#"<div class="alert sole-manager">"#)
        .skip(1)
        .collect();
    assert_eq!(warnings.len(), 1, "{}", page.body);
    assert!(warnings[0].contains(&format!(
        "{} Sales{}",
        EN.delete_account_sole_before,
        escaped(EN.delete_account_sole_after)
    )));
    assert!(warnings[0].contains(&format!(
        r#"<a href="/admin/networks/{}/team">Team Members of Sales</a>"#,
        nadia.network_id
    )));

    // As the API: the person may still leave; the network stays, with no one to manage it.
    let done = browser.post(DELETE, &[("password", GOOD_PASSWORD)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        rows_of(&server, nadia.id, "nadia@example.org").await,
        [0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM networks WHERE id = {}",
                nadia.network_id
            )
        )
        .await,
        1
    );
}
