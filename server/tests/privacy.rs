//! The privacy policy at `/privacy` over real HTTP, in English and French: what it says is
//! collected is exactly what the wire accepts, its deletion paragraphs are the Terms' own, it is
//! served under the strict CSP of every page, and the Get Started page, the guide and the Terms
//! link to it (the Chrome Web Store listing links to it too: `store/`).

mod common;

use allyshare_protocol::{ContactRecord, Role};
use allyshare_server::i18n::{Messages, EN, FR};
use common::*;
use reqwest::StatusCode;

const FRENCH: &str = "fr-FR,fr;q=0.9,en;q=0.8";

/// How askama writes a text into a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// A page as a browser whose language is `accept_language` gets it: status, CSP, body.
async fn fetch(
    server: &TestServer,
    path: &str,
    accept_language: &str,
) -> (StatusCode, String, String) {
    let response = server
        .http
        .get(format!("{}{path}", server.base))
        .header("accept-language", accept_language)
        .send()
        .await
        .expect("GET");
    let status = response.status();
    let csp = response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, csp, response.text().await.expect("body"))
}

/// The paragraphs under the policy's deletion heading, up to the next heading.
fn deletion_section(page: &str) -> &str {
    let start = page
        .find("<h2 id=\"deletion\">")
        .expect("a deletion section");
    let rest = &page[start..];
    let end = rest[4..].find("<h2").map_or(rest.len(), |e| e + 4);
    &rest[..end]
}

fn assert_policy(page: &str, m: &Messages, other: &Messages) {
    assert!(page.contains(&format!("<html lang=\"{}\">", m.lang_code)));
    assert_eq!(h1(page), escaped(m.privacy_policy));
    for text in [
        m.terms_what,
        m.privacy_read,
        m.privacy_sent_when,
        m.privacy_sent_account,
        m.privacy_stays,
        m.privacy_why,
        m.terms_who,
        m.privacy_never,
        m.privacy_security,
        m.privacy_questions,
    ] {
        assert!(page.contains(&escaped(text)), "the policy says {text:?}");
        let theirs = other_of(m, other, text);
        assert!(
            !page.contains(&escaped(theirs)),
            "not in the other language: {theirs:?}"
        );
    }
    // Deletion: exactly the Terms' three sentences (what goes, and where to delete it
    // oneself), nothing else of its own.
    let deletion = deletion_section(page);
    assert_eq!(
        deletion.matches("<p>").count(),
        3,
        "three paragraphs: {deletion}"
    );
    assert!(deletion.contains(&format!("<p>{}</p>", escaped(m.terms_control))));
    assert!(deletion.contains(&format!("<p>{}</p>", escaped(m.terms_account_2))));
    assert!(deletion.contains(&format!("<p>{}</p>", escaped(m.terms_account_3))));
    assert!(page.contains(&format!(
        "<a href=\"/terms\">{}</a>",
        escaped(m.terms_of_service)
    )));
}

/// The same string in the other language (the one at the same place of the catalog).
fn other_of(m: &Messages, other: &Messages, text: &str) -> &'static str {
    let at = m
        .entries()
        .iter()
        .position(|(_, t)| *t == text)
        .expect("a catalog string");
    other.entries()[at].1
}

#[tokio::test]
async fn the_policy_is_served_in_english_and_french_under_the_strict_csp() {
    let server = TestServer::start().await;
    for (accept, m, other) in [("en-GB,en;q=0.9", &EN, &FR), (FRENCH, &FR, &EN)] {
        let (status, csp, page) = fetch(&server, "/privacy", accept).await;
        assert_eq!(status, StatusCode::OK);
        // The strict policy of every page: no script at all, our own stylesheet only.
        assert_eq!(csp, allyshare_server::html::CSP);
        assert!(!csp.contains("script-src"));
        assert!(!page.contains("<script"));
        assert_policy(&page, m, other);
        if m.lang_code == "fr" {
            // No English sentence of the catalog is left on the French page.
            let left: Vec<&str> = EN
                .entries()
                .into_iter()
                .zip(FR.entries())
                .filter(|((_, en), (_, fr))| en != fr && en.contains(' ') && en.len() >= 8)
                .filter(|((_, en), _)| page.contains(&escaped(en)))
                .map(|((name, _), _)| name)
                .collect();
            assert!(left.is_empty(), "English on the French policy: {left:?}");
        }
        // The Terms say the same about deletion, and link back.
        let (status, _, terms) = fetch(&server, "/terms", accept).await;
        assert_eq!(status, StatusCode::OK);
        assert!(terms.contains(&format!("<p>{}</p>", escaped(m.terms_control))));
        assert!(terms.contains(&format!("<p>{}</p>", escaped(m.terms_account_2))));
        assert!(terms.contains(&format!("<p>{}</p>", escaped(m.terms_account_3))));
        assert!(terms.contains(&format!(
            "<a href=\"/privacy\">{}</a>",
            escaped(m.privacy_policy)
        )));
    }
    // Nothing else answers for it: a POST is not a way in.
    let post = server
        .http
        .post(format!("{}/privacy", server.base))
        .send()
        .await
        .unwrap();
    assert_ne!(post.status(), StatusCode::OK);
}

#[tokio::test]
async fn get_started_and_the_guide_link_to_the_policy() {
    let server = TestServer::start().await;
    for (accept, m) in [("en", &EN), (FRENCH, &FR)] {
        let email = format!("ada-{}@example.org", m.lang_code);
        let invited = server
            .invite("Sales", &email, "Ada Lovelace", Role::Ally)
            .await;
        let path = invited.link.strip_prefix(&server.base).unwrap().to_string();
        let (status, _, get_started) = fetch(&server, &path, accept).await;
        assert_eq!(status, StatusCode::OK);
        let link = format!(
            "<a href=\"/privacy\" target=\"_blank\" rel=\"noopener\">{}</a>",
            escaped(m.privacy_policy)
        );
        assert!(get_started.contains(&link), "{get_started}");
        // The footer of every page links it too.
        let footer = get_started.split("<footer").nth(1).expect("a footer");
        assert!(footer.contains(&format!(
            "<a href=\"/privacy\">{}</a>",
            escaped(m.privacy_policy)
        )));

        // The guide, after accepting (in that language).
        let (cookie, token) = server.form_cookie(&invited.link).await;
        let response = server
            .http
            .post(&invited.link)
            .header("cookie", cookie)
            .header("accept-language", accept)
            .form(&[
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
                ("terms", "accepted"),
                ("form_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let guide = response.text().await.unwrap();
        let steps = guide.split("<ol class=\"guide\">").nth(1).unwrap();
        let first_step = steps.split("</li>").next().unwrap();
        assert!(
            first_step.contains(&format!(
                "<a href=\"/privacy\">{}</a>",
                escaped(m.privacy_policy)
            )),
            "{first_step}"
        );
    }
}

/// The policy's list of contact fields is the wire's: a field added to [`ContactRecord`] (what
/// the server accepts from the extension) fails here until the policy, the Terms and the store's
/// data-use disclosures (`store/*/data-use.md`) say it.
#[test]
fn the_policy_names_every_field_a_shared_contact_has() {
    let everything = ContactRecord {
        member_id: Some("x".into()),
        public_identifier: Some("x".into()),
        profile_url: "x".into(),
        first_name: Some("x".into()),
        last_name: Some("x".into()),
        headline: Some("x".into()),
        connected_on: Some("x".into()),
        photo_url: Some("x".into()),
    };
    let json = serde_json::to_value(&everything).unwrap();
    let mut fields: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    // Each field, and the words the policy (EN, FR) uses for it.
    let said: &[(&str, &str, &str)] = &[
        (
            "connected_on",
            "the date you connected",
            "la date de votre mise en relation",
        ),
        ("first_name", "first and last name", "son prénom et son nom"),
        ("headline", "headline", "son titre"),
        ("last_name", "first and last name", "son prénom et son nom"),
        ("member_id", "LinkedIn member id", "identifiant de membre"),
        ("photo_url", "a photo reference", "une référence de photo"),
        ("profile_url", "profile address", "l’adresse de son profil"),
        (
            "public_identifier",
            "profile address",
            "l’adresse de son profil",
        ),
    ];
    let named: Vec<&str> = said.iter().map(|(f, _, _)| *f).collect();
    assert_eq!(
        fields, named,
        "a shared contact's fields changed: update the policy"
    );
    for (field, en, fr) in said {
        assert!(EN.terms_what.contains(en), "{field}: {en:?}");
        assert!(FR.terms_what.contains(fr), "{field}: {fr:?}");
    }
    // Nothing beyond the design's *Minimal data* is named as collected (an earlier version
    // kept a CSV import's company and position).
    for word in ["company", "position", "Connections.csv"] {
        assert!(!EN.terms_what.contains(word), "{word}");
    }
    for word in ["entreprise", "poste", "Connections.csv"] {
        assert!(!FR.terms_what.contains(word), "{word}");
    }
    // And what is never collected is said so.
    assert!(EN.terms_what.contains("Never emails, phone numbers"));
    assert!(FR
        .terms_what
        .contains("Jamais d’adresses e-mail, de numéros de téléphone"));
}
