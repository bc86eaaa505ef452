//! The pages in English and French over real HTTP: `Accept-Language` chooses French, the
//! footer's switch (a form with the form token) sets a cookie that wins over the header,
//! English stays the default, and a French page carries no English string of the catalog.

mod common;

use allyshare_protocol::Role;
use allyshare_server::i18n::{EN, FR};
use common::*;
use reqwest::StatusCode;

const FRENCH: &str = "fr-FR,fr;q=0.9,en;q=0.8";

/// A GET as a browser whose language is `accept_language`.
async fn get_in(browser: &Browser, path: &str, accept_language: &str) -> Answer {
    browser
        .send(
            browser
                .http
                .get(format!("{}{path}", browser.base))
                .header("accept-language", accept_language),
        )
        .await
}

/// A form post with the form token, as the page's own form sends it, in `accept_language`.
async fn post_in(
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    accept_language: &str,
) -> Answer {
    if browser.cookie("allyshare_form").is_none() {
        browser.get("/admin/sign-in").await;
    }
    let token = browser.cookie("allyshare_form").unwrap();
    let mut fields = fields.to_vec();
    fields.push(("form_token", &token));
    browser
        .send(
            browser
                .http
                .post(format!("{}{path}", browser.base))
                .header("accept-language", accept_language)
                .form(&fields),
        )
        .await
}

fn lang_of(page: &str) -> &str {
    page.split("<html lang=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
}

/// How askama writes a text into a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The English strings of the catalog (those with a French of their own, long enough not to
/// be part of a French word or a name) that `page` still shows.
fn english_left(page: &str) -> Vec<&'static str> {
    EN.entries()
        .into_iter()
        .zip(FR.entries())
        .filter(|((_, en), (_, fr))| en != fr && en.chars().count() >= 8 && en.contains(' '))
        .filter(|((_, en), _)| page.contains(&escaped(en)))
        .map(|((name, _), _)| name)
        .collect()
}

#[tokio::test]
async fn a_french_browser_gets_french_pages_signed_in_and_out() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Ventes",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let invited = server
        .invite("Ventes", "ada@example.org", "Ada Lovelace", Role::Ally)
        .await;
    let browser = Browser::new(&server);

    // Signed out: the sign-in page, the terms, an invitation's Get Started page, a 404.
    let sign_in = get_in(&browser, "/admin/sign-in", FRENCH).await;
    assert_eq!(sign_in.status, StatusCode::OK);
    assert_eq!(lang_of(&sign_in.body), "fr");
    assert!(sign_in
        .body
        .contains("<h1>Se connecter à la console d’administration</h1>"));
    assert!(sign_in.body.contains(">Adresse e-mail</label>"));
    assert!(sign_in.body.contains(">Conditions d’utilisation</a>"));
    let invite_path = invited
        .link
        .strip_prefix(&server.base)
        .expect("a link of this server");
    let mut pages = vec![sign_in.body.clone()];
    for (path, words) in [
        ("/terms", "<h1>Conditions d’utilisation</h1>"),
        (invite_path, "<h1>Rejoindre Ventes</h1>"),
        ("/no/such/page", "<h1>Page introuvable</h1>"),
        ("/admin/forgot-password", "<h1>Mot de passe oublié ?</h1>"),
    ] {
        let answer = get_in(&browser, path, FRENCH).await;
        assert_eq!(lang_of(&answer.body), "fr", "{path}");
        assert!(answer.body.contains(words), "{path}: {}", answer.body);
        pages.push(answer.body);
    }

    // A field error of the sign-in form, then signing in.
    let wrong = post_in(
        &browser,
        "/admin/sign-in",
        &[
            ("email", "nadia@example.org"),
            ("password", "nope"),
            ("next", ""),
        ],
        FRENCH,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong
        .body
        .contains("L’adresse e-mail ou le mot de passe est incorrect."));
    let signed_in = post_in(
        &browser,
        "/admin/sign-in",
        &[
            ("email", "nadia@example.org"),
            ("password", GOOD_PASSWORD),
            ("next", ""),
        ],
        FRENCH,
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);

    // Team Members: the navigation, the table, the roles and states.
    let team = get_in(
        &browser,
        &format!("/admin/networks/{}/team", admin.network_id),
        FRENCH,
    )
    .await;
    assert_eq!(team.status, StatusCode::OK);
    assert_eq!(lang_of(&team.body), "fr");
    assert!(team.body.contains("<h1>Membres de l’équipe</h1>"));
    assert!(team.body.contains(">Inviter un membre</a>"));
    assert!(team.body.contains(">Admin du réseau</td>"), "{}", team.body);
    assert!(team.body.contains(">En attente</span>"));
    assert!(team.body.contains(">Se déconnecter</button>"));
    pages.push(team.body.clone());

    // Invite Member, and its field errors.
    let invite = format!("/admin/networks/{}/team/invite", admin.network_id);
    let form = get_in(&browser, &invite, FRENCH).await;
    assert!(form.body.contains("<h1>Inviter un membre</h1>"));
    pages.push(form.body.clone());
    let refused = post_in(
        &browser,
        &invite,
        &[
            ("kind", ""),
            ("first_name", ""),
            ("last_name", "Hopper"),
            ("email", "grace"),
        ],
        FRENCH,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains(">Choisissez Allié ou Admin du réseau.</p>"));
    assert!(refused.body.contains(">Saisissez le prénom.</p>"));
    assert!(refused
        .body
        .contains(">« grace » n’est pas une adresse e-mail valide.</p>"));
    assert!(refused
        .body
        .contains("Vérifiez les champs signalés ci-dessous."));
    pages.push(refused.body.clone());

    // A member's Settings, and the Audit log.
    let settings = get_in(
        &browser,
        &format!("/admin/networks/{}/members/{}", admin.network_id, admin.id),
        FRENCH,
    )
    .await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(settings
        .body
        .contains(">Gérer les rôles et autorisations</label>"));
    assert!(settings.body.contains(">Administrateur</label>"));
    pages.push(settings.body);
    let audit = get_in(
        &browser,
        &format!("/admin/networks/{}/audit", admin.network_id),
        FRENCH,
    )
    .await;
    assert!(audit.body.contains("<h1>Journal d’audit</h1>"));
    pages.push(audit.body);
    // Introduction lists (no list yet).
    let lists = get_in(
        &browser,
        &format!("/admin/networks/{}/lists", admin.network_id),
        FRENCH,
    )
    .await;
    assert_eq!(lists.status, StatusCode::OK);
    assert!(lists.body.contains("<h1>Listes de mises en relation</h1>"));
    assert!(lists.body.contains(">Nom de la liste</label>"));
    pages.push(lists.body);
    // Contacts and Asks (none yet).
    for (path, words) in [
        ("contacts", "<h1>Contacts</h1>"),
        ("asks", "<h1>Demandes de mise en relation</h1>"),
    ] {
        let answer = get_in(
            &browser,
            &format!("/admin/networks/{}/{path}", admin.network_id),
            FRENCH,
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(answer.body.contains(words), "{path}");
        assert!(answer.body.contains(">Relation depuis le</label>") || path == "asks");
        pages.push(answer.body);
    }
    // A failure page answered from the console.
    let forbidden = get_in(&browser, "/admin/networks/999/team", FRENCH).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden
        .body
        .contains("<h1>Vous ne pouvez pas ouvrir cette page</h1>"));
    pages.push(forbidden.body);

    for page in &pages {
        assert_eq!(english_left(page), Vec::<&str>::new(), "{page}");
    }
}

#[tokio::test]
async fn english_stays_the_default() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    for accept_language in ["", "de-DE,de;q=0.9", "en-GB,fr;q=0.5", "fr;q=0, en"] {
        let page = get_in(&browser, "/admin/sign-in", accept_language).await;
        assert_eq!(lang_of(&page.body), "en", "{accept_language}");
        assert!(page.body.contains("<h1>Sign in to the console</h1>"));
        assert!(page.body.contains(">Terms of Service</a>"));
    }
    let plain = browser.get("/terms").await;
    assert_eq!(lang_of(&plain.body), "en");
    assert!(plain.body.contains("<h1>Terms of Service</h1>"));
}

#[tokio::test]
async fn the_switch_sets_a_cookie_that_wins_over_the_header() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);

    // Every page offers the other language, as a form back to the same page.
    let page = get_in(&browser, "/admin/sign-in?next=%2Fadmin", "en").await;
    assert!(page.body.contains(r#"<form method="post" action="/lang""#));
    assert!(page
        .body
        .contains(r#"name="back" value="/admin/sign-in?next=%2Fadmin""#));
    assert!(page
        .body
        .contains(r#"name="lang" value="fr" lang="fr" class="link">Français</button>"#));

    let switched = post_in(
        &browser,
        "/lang",
        &[("lang", "fr"), ("back", "/admin/sign-in?next=%2Fadmin")],
        "en",
    )
    .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location(), "/admin/sign-in?next=%2Fadmin");
    let cookie = switched.set_cookie("allyshare_lang").expect("the cookie");
    assert!(cookie.starts_with("allyshare_lang=fr; Path=/;"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    // The cookie wins over an English header; switching back wins over a French one.
    let french = get_in(&browser, "/admin/sign-in", "en").await;
    assert_eq!(lang_of(&french.body), "fr");
    assert!(french
        .body
        .contains(r#"name="lang" value="en" lang="en" class="link">English</button>"#));
    post_in(
        &browser,
        "/lang",
        &[("lang", "en"), ("back", "/terms")],
        FRENCH,
    )
    .await;
    let english = get_in(&browser, "/terms", FRENCH).await;
    assert_eq!(lang_of(&english.body), "en");

    // Only back to this server.
    let away = post_in(
        &browser,
        "/lang",
        &[("lang", "fr"), ("back", "//evil.example/")],
        "en",
    )
    .await;
    assert_eq!(away.location(), "/admin");
}

#[tokio::test]
async fn the_switch_refuses_a_post_without_the_form_token() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server);
    browser.get("/admin/sign-in").await;
    let refused = browser
        .send(
            browser
                .http
                .post(format!("{}/lang", browser.base))
                .form(&[("lang", "fr"), ("back", "/admin/sign-in")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.set_cookie("allyshare_lang").is_none());
    // Nothing changed: the next page is still English.
    let page = browser.get("/admin/sign-in").await;
    assert_eq!(lang_of(&page.body), "en");
    assert!(browser.cookie("allyshare_lang").is_none());
}
