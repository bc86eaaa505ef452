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

/// Whether `page` holds `words` starting a word (`on AllyShare.` is not in `l’extension
/// AllyShare.`).
fn shows_words(page: &str, words: &str) -> bool {
    page.match_indices(words).any(|(at, _)| {
        !page[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    })
}

/// The English strings of the catalog (those with a French of their own, long enough not to
/// be part of a French word or a name) that `page` still shows.
fn english_left(page: &str) -> Vec<&'static str> {
    EN.entries()
        .into_iter()
        .zip(FR.entries())
        .filter(|((_, en), (_, fr))| en != fr && en.chars().count() >= 8 && en.contains(' '))
        .filter(|((_, en), _)| shows_words(page, &escaped(en)))
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

// ---------------------------------------------------------------------------------------------
// The pages whose words are built in Rust, in French: each shows its French, and none of the
// English sentences it would show an English reader.

/// A signed-in admin's browser that chose French (the footer's switch sets this cookie).
async fn french_admin(server: &TestServer, email: &str) -> Browser {
    let browser = Browser::signed_in(server, email).await;
    browser.set_cookie_value("allyshare_lang", "fr");
    browser
}

/// `page` is French: `<html lang="fr">`, every `french` text in it (markup as written, words
/// as askama escapes them), no `english` text and no English string of the catalog left.
#[track_caller]
fn assert_french(page: &Answer, french: &[&str], english: &[&str]) {
    assert_eq!(lang_of(&page.body), "fr", "{}", page.body);
    let shows = |text: &str| page.body.contains(text) || page.body.contains(&escaped(text));
    for text in french {
        assert!(shows(text), "no French {text:?} in {}", page.body);
    }
    for text in english {
        assert!(!shows(text), "English {text:?} left in {}", page.body);
    }
    assert_eq!(
        english_left(&page.body),
        Vec::<&str>::new(),
        "{}",
        page.body
    );
}

const BOUNDARY: &str = "----allyshare-i18n-boundary-3c9a";

/// A `multipart/form-data` body as the upload form sends it: the form token, the kind, the file.
fn upload_body(token: &str, kind: &str, file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("form_token", token), ("kind", kind)] {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

async fn upload(
    browser: &Browser,
    network_id: i64,
    kind: &str,
    file: Option<(&str, &[u8])>,
) -> Answer {
    let token = browser.cookie("allyshare_form").expect("a form cookie");
    browser
        .send(
            browser
                .http
                .post(format!(
                    "{}/admin/networks/{network_id}/team/import",
                    browser.base
                ))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(upload_body(&token, kind, file)),
        )
        .await
}

/// A narrow no-break space: French writes `5 000`.
const NNBSP: &str = "\u{202f}";

#[tokio::test]
async fn the_bulk_invite_pages_speak_french() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Ventes",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    server
        .invite("Ventes", "pending@example.org", "Paul Attente", Role::Ally)
        .await;
    let browser = french_admin(&server, "nadia@example.org").await;
    let import = format!("/admin/networks/{}/team/import", admin.network_id);

    // The upload page.
    let form = browser.get(&import).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_french(
        &form,
        &[
            "<h1>Inviter en masse depuis un CSV</h1>",
            "Les inviter en tant que",
            "<strong>Prénom</strong>",
            "Envoyer et vérifier",
            &format!("Au plus 5{NNBSP}000 lignes et 2 Mio."),
        ],
        &[
            "Invite many people to",
            "Upload and preview",
            "One person per row",
            "Other columns are ignored",
            "5,000",
        ],
    );

    // Refusals of the form and of the file.
    let no_kind = upload(&browser, admin.network_id, "", Some(("a.csv", b"x"))).await;
    assert_eq!(no_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_french(
        &no_kind,
        &["Choisissez qui sont les personnes du fichier : des alliés ou des admins du réseau."],
        &["Please choose who the people in the file are"],
    );
    let no_file = upload(&browser, admin.network_id, "ally", None).await;
    assert_french(
        &no_file,
        &["Choisissez un fichier CSV à envoyer."],
        &["Please choose a CSV file"],
    );
    let no_email = upload(
        &browser,
        admin.network_id,
        "ally",
        Some(("noms.csv", "Prénom;Nom\r\nAda;Lovelace\r\n".as_bytes())),
    )
    .await;
    assert_eq!(no_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_french(
        &no_email,
        &["« noms.csv » n’a pas été importé, et personne n’a été invité. Aucune colonne d’adresse e-mail n’a été trouvée."],
        &["was not imported", "No email column was found"],
    );
    let binary = upload(
        &browser,
        admin.network_id,
        "ally",
        Some(("a.xlsx", b"PK\x03\x04\x14\x00\x06\x00")),
    )
    .await;
    assert_french(
        &binary,
        &["n’est pas un fichier texte CSV"],
        &["is not a CSV text file"],
    );

    // A file with French headers: new people, a member, someone invited, and problem rows.
    let csv = "Prénom;Nom;Adresse e-mail\r\n\
               Ada;Lovelace;ada@example.org\r\n\
               Nadia;Admin;nadia@example.org\r\n\
               Paul;Attente;pending@example.org\r\n\
               Bad;Address;not-an-email\r\n\
               ;;noname@example.org\r\n\
               Ada;Again;ADA@example.org\r\n\
               Grace;Hopper;grace@example.org\r\n";
    let uploaded = upload(
        &browser,
        admin.network_id,
        "ally",
        Some(("équipe.csv", csv.as_bytes())),
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let preview_path = uploaded.location().to_string();
    let preview = browser.get(&preview_path).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_french(
        &preview,
        &[
            "<h1>Vérifiez le fichier avant d’inviter</h1>",
            "<strong>équipe.csv</strong> : 7 lignes, à inviter dans Ventes en tant que <strong>Allié</strong>. Personne n’a encore été invité.",
            "Lu comme du texte UTF-8, valeurs séparées par des points-virgules (;). Ligne d’en-tête : ligne 1.",
            "Les 7 premières lignes sur 7, telles qu’elles seront invitées",
            ">Prénom</td>",
            ">Adresse e-mail</td>",
            "Adresse e-mail non valide : pas d’invitation.",
            "Pas de nom : pas d’invitation.",
            "Même adresse e-mail que la ligne 2 : pas d’invitation en double.",
            "3 lignes ne seront pas invitées :",
            "Ligne 5 (not-an-email) : Adresse e-mail non valide : pas d’invitation.",
            "4 personnes recevront un e-mail d’invitation.",
            "Inviter 4 personnes",
            ">Prête</td>",
        ],
        &[
            "Check the file before inviting",
            "rows, to invite to",
            "Read as UTF-8",
            "values separated by",
            "Not a valid email address",
            "No name: not invited",
            "Same email as line",
            "will not be invited",
            "will get an invitation email",
            "Invite 4 people",
            ">Ready<",
            ">Not used<",
            "This upload is kept until",
        ],
    );

    // Invite, then the result page and its download.
    let invited = browser.post(&format!("{preview_path}/invite"), &[]).await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    let result = browser.get(invited.location()).await;
    assert_eq!(result.status, StatusCode::OK);
    assert_french(
        &result,
        &[
            "<h1>Résultats de l’invitation en masse</h1>",
            "<strong>équipe.csv</strong>, importé en tant que <strong>Allié</strong> par Nadia Admin le ",
            "Invitations envoyées : <strong>2</strong>",
            "Déjà invités, invitation renvoyée : <strong>1</strong>",
            "Déjà membres : <strong>1</strong>",
            "Invitation envoyée",
            "Déjà invité : invitation renvoyée",
            "Déjà membre : rien n’a été envoyé",
            "Adresse e-mail non valide : pas d’invitation",
            "Pas de nom : pas d’invitation",
            "En double dans le fichier (même adresse e-mail que la ligne 2) : pas de nouvelle invitation",
            "e-mails envoyés sur 3",
            "Télécharger les résultats (CSV)",
        ],
        &[
            "Bulk invite results",
            "imported as",
            "Already invited",
            "Already a member",
            "Invalid email",
            "Duplicate in file",
            "emails sent",
            "Download results",
            "Back to Team Members",
        ],
    );
    let download = browser
        .get(&format!("{}/results.csv", invited.location()))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(
        download
            .body
            .starts_with("\u{feff}Ligne;Nom;Adresse e-mail;Résultat\r\n2;Ada Lovelace;ada@example.org;Invitation envoyée\r\n"),
        "{}",
        download.body
    );
    assert!(download
        .body
        .contains("7;Ada Again;ADA@example.org;En double dans le fichier (même adresse e-mail que la ligne 2) : pas de nouvelle invitation\r\n"));

    // An upload that is gone.
    let gone = browser.get(&format!("{import}/999999")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_french(
        &gone,
        &[
            "<h1>Ce fichier n’est plus disponible</h1>",
            "conservé 60 minutes",
        ],
        &[
            "This upload is no longer available",
            "There is no such upload",
        ],
    );
}

#[tokio::test]
async fn the_guard_refuses_a_too_large_upload_in_french() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Ventes",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let browser = french_admin(&server, "nadia@example.org").await;
    browser.get("/admin").await;
    let big = vec![b'a'; allyshare_server::cross_site::UPLOAD_BODY_MAX + 1];
    let refused = upload(&browser, admin.network_id, "ally", Some(("big.csv", &big))).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_french(
        &refused,
        &[
            "<h1>C’est trop volumineux pour être envoyé</h1>",
            "Le fichier dépasse 2 Mio, le maximum qui peut être envoyé en une fois ; rien n’a été importé.",
            &format!("(au plus 5{NNBSP}000 lignes chacun)"),
        ],
        &["The file is larger than", "Split it into smaller files"],
    );
    // Nothing was kept.
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM invitation_imports").await,
        0
    );
}

#[tokio::test]
async fn form_errors_and_the_password_rules_speak_french() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Ventes",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;

    // Get Started: the password rules.
    let invited = server
        .invite("Ventes", "ada@example.org", "Ada Lovelace", Role::Ally)
        .await;
    let path = invited.link.strip_prefix(&server.base).unwrap().to_string();
    let newcomer = Browser::new(&server);
    newcomer.set_cookie_value("allyshare_lang", "fr");
    newcomer.get(&path).await;
    for (password, french, english) in [
        (
            "court",
            "Votre mot de passe doit faire au moins 8 caractères.",
            "Your password must be at least",
        ),
        (
            "password",
            "Ce mot de passe est trop courant et facile à deviner. Choisissez-en un autre.",
            "This password is too common",
        ),
    ] {
        let refused = newcomer
            .post(
                &path,
                &[
                    ("password", password),
                    ("password_confirm", password),
                    ("terms", "accepted"),
                ],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}"
        );
        assert_french(&refused, &[french], &[english]);
    }

    // Sign-in: a field over its bound.
    let signer = Browser::new(&server);
    signer.set_cookie_value("allyshare_lang", "fr");
    let long_email = format!("{}@example.org", "a".repeat(400));
    let refused = signer.sign_in(&long_email, GOOD_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_french(
        &refused,
        &["L’adresse e-mail est trop longue (au plus "],
        &["is too long"],
    );

    // Invite Member: a note too long, someone already a member.
    let browser = french_admin(&server, "nadia@example.org").await;
    let invite = format!("/admin/networks/{}/team/invite", admin.network_id);
    let note = "n".repeat(allyshare_protocol::limits::INVITATION_NOTE_MAX_CHARS + 1);
    let refused = browser
        .post(
            &invite,
            &[
                ("kind", "ally"),
                ("first_name", "Grace"),
                ("last_name", "Hopper"),
                ("email", "grace@example.org"),
                ("note", &note),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_french(
        &refused,
        &[&format!(
            "Le mot doit faire au plus {} caractères.",
            allyshare_protocol::limits::INVITATION_NOTE_MAX_CHARS
        )],
        &["The note must be at most"],
    );
    let member = browser
        .post(
            &invite,
            &[
                ("kind", "ally"),
                ("first_name", "Nadia"),
                ("last_name", "Admin"),
                ("email", "nadia@example.org"),
            ],
        )
        .await;
    assert_eq!(member.status, StatusCode::CONFLICT);
    assert_french(
        &member,
        &["nadia@example.org fait déjà partie de Ventes."],
        &["is already a member of"],
    );

    // A member's Settings and Remove: the network's last manager stays.
    let settings = format!("/admin/networks/{}/members/{}", admin.network_id, admin.id);
    let refused = browser.post(&settings, &[("role", "ally")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let last_manager = "Le réseau n’aurait plus personne pour gérer les rôles et autorisations : donnez d’abord cette autorisation à un autre admin du réseau.";
    assert_french(
        &refused,
        &[last_manager],
        &["This would leave the network with no one"],
    );
    let refused = browser.post(&format!("{settings}/remove"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_french(
        &refused,
        &[last_manager],
        &["This would leave the network with no one"],
    );
    // Nothing changed: Nadia is still a Network Admin.
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM memberships WHERE role = 'network_admin'"
        )
        .await,
        1
    );
}

/// `n` contacts for one sync.
fn contacts(n: usize) -> Vec<serde_json::Value> {
    (0..n)
        .map(|i| {
            serde_json::json!({
                "member_id": format!("M{i}"),
                "profile_url": format!("https://www.linkedin.com/in/m{i}/"),
                "first_name": format!("Contact{i}"),
                "last_name": "Dupont",
                "headline": "Ingénieure",
                "connected_on": "2020-03-01",
            })
        })
        .collect()
}

const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn has_french_date(page: &str) -> bool {
    FRENCH_MONTHS
        .iter()
        .any(|month| page.contains(&format!(" {month} 20")))
}

#[tokio::test]
async fn counts_dates_and_the_audit_log_read_as_french() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Ventes",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let ally = server
        .sharing_ally("Ventes", "ada@example.org", "Ada Lovelace")
        .await;
    server
        .sync_contacts(&ally.token, "full", &contacts(1_200))
        .await;
    let browser = french_admin(&server, "nadia@example.org").await;
    let network = admin.network_id;

    // Team Members, the member's Settings and Remove: `1 200`, and French dates.
    let thousand = format!("1{NNBSP}200");
    let team = browser
        .get(&format!("/admin/networks/{network}/team"))
        .await;
    assert_french(&team, &[&format!(">{thousand}</td>")], &["1,200"]);
    assert!(has_french_date(&team.body), "{}", team.body);
    let settings = browser
        .get(&format!("/admin/networks/{network}/members/{}", ally.id))
        .await;
    assert_french(&settings, &[&format!("<dd>{thousand}</dd>")], &["1,200"]);
    assert!(has_french_date(&settings.body));
    let remove = browser
        .get(&format!(
            "/admin/networks/{network}/members/{}/remove",
            ally.id
        ))
        .await;
    assert_french(&remove, &[&format!("Les {thousand} contacts")], &["1,200"]);

    // Team actions, each of whose detail the log words in French.
    let invite = browser
        .post(
            &format!("/admin/networks/{network}/team/invite"),
            &[
                ("kind", "network_admin"),
                ("first_name", "Camille"),
                ("last_name", "Martin"),
                ("email", "camille@example.org"),
                ("template", "recruiter"),
            ],
        )
        .await;
    assert_eq!(invite.status, StatusCode::SEE_OTHER, "{}", invite.body);
    let created = browser
        .post(
            &format!("/admin/networks/{network}/lists"),
            &[("name", "Fondateurs")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = created.location().split('?').next().unwrap().to_string();
    let added = browser
        .post(
            &format!("{list}/add"),
            &[("key", "member:M0"), ("key", "member:M1")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let export = browser.get(&format!("{list}/export")).await;
    assert_eq!(export.status, StatusCode::OK);
    let renamed = browser
        .post(&format!("{list}/rename"), &[("name", "Fondatrices")])
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let deleted = browser.post(&format!("{list}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    // Last: an ally made Network Admin stops sharing.
    let made_admin = browser
        .post(
            &format!("/admin/networks/{network}/members/{}", ally.id),
            &[("role", "network_admin"), ("template", "viewer")],
        )
        .await;
    assert_eq!(
        made_admin.status,
        StatusCode::SEE_OTHER,
        "{}",
        made_admin.body
    );
    // A line of a shape the page does not know shows as it was stored.
    execute(
        &server,
        &format!(
            "INSERT INTO audit_log (network_id, actor_id, actor_name, action, subject, detail, created_at)
             VALUES ({network}, NULL, 'Server operator (command line)', 'exported', 'Ancienne liste', 'Old wording kept', 1700000000)"
        ),
    )
    .await;

    let audit = browser
        .get(&format!("/admin/networks/{network}/audit"))
        .await;
    assert_eq!(audit.status, StatusCode::OK);
    assert_french(
        &audit,
        &[
            "Admin du réseau (modèle Recruteur)",
            "Allié → Admin du réseau (modèle Lecteur)",
            "Anciennement « Fondateurs »",
            "2 contacts ajoutés",
            "Liste de mises en relation en CSV : 2 contacts",
            "Elle contenait 2 contacts",
            "Old wording kept",
            "<td>Opérateur du serveur (ligne de commande)</td>",
            "14 novembre 2023 à 22:13",
        ],
        &[
            "Network Admin (",
            "template)",
            "Renamed from",
            "contacts added",
            "Introduction list as CSV",
            "It held",
            "Nov 2023",
        ],
    );
}

#[tokio::test]
async fn list_and_contact_notices_and_errors_speak_french() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Ventes",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let ally = server
        .sharing_ally("Ventes", "ada@example.org", "Ada Lovelace")
        .await;
    server
        .sync_contacts(&ally.token, "full", &contacts(2))
        .await;
    let browser = french_admin(&server, "nadia@example.org").await;
    let network = admin.network_id;
    let lists = format!("/admin/networks/{network}/lists");

    // Names refused.
    let empty = browser.post(&lists, &[("name", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_french(
        &empty,
        &["Donnez un nom à la liste."],
        &["Please give the list a name"],
    );
    let created = browser.post(&lists, &[("name", "Fondateurs")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let list = created.location().split('?').next().unwrap().to_string();
    let twice = browser.post(&lists, &[("name", "fondateurs")]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_french(
        &twice,
        &["Ce réseau a déjà une liste nommée « fondateurs »"],
        &["already has a list named"],
    );
    let fresh = browser.get(created.location()).await;
    assert_french(
        &fresh,
        &[
            "La liste est créée. Trouvez des contacts à y ajouter avec la recherche ci-dessous.",
            "0 contact",
        ],
        &["The list is created"],
    );

    // Adding and removing contacts.
    let none = browser.post(&format!("{list}/add"), &[]).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    let none = browser.get(none.location()).await;
    assert_french(
        &none,
        &["Aucun contact n’a été sélectionné : rien n’a changé."],
        &["No contact was selected"],
    );
    let added = browser
        .post(
            &format!("{list}/add"),
            &[
                ("key", "member:M0"),
                ("key", "member:M1"),
                ("key", "member:NOPE"),
            ],
        )
        .await;
    let added = browser.get(added.location()).await;
    assert_french(
        &added,
        &[
            "2 contacts ajoutés à la liste.",
            "1 contact non ajouté : plus aucun allié ne le partage avec le réseau.",
            "1er mars 2020",
        ],
        &["added to the list", "not added", "Mar 2020"],
    );
    let removed = browser
        .post(&format!("{list}/remove"), &[("key", "member:M1")])
        .await;
    let removed = browser.get(removed.location()).await;
    assert_french(
        &removed,
        &["1 contact retiré de la liste."],
        &["removed from the list"],
    );
    // The export, as a French spreadsheet reads a CSV.
    let export = browser.get(&format!("{list}/export")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export.body.starts_with(
            "\u{feff}\"Nom\";\"Titre\";\"Profil LinkedIn\";\"Connu de\";\"Relation depuis le\";\"Ajouté par\";\"Ajouté le\"\r\n\"Contact0 Dupont\";\"Ingénieure\";\"https://www.linkedin.com/in/m0/\";"
        ),
        "{}",
        export.body
    );

    // Asking for the list: a note too long, then the asks, then again (skipped).
    let long = "n".repeat(allyshare_protocol::limits::NOTE_MAX_CHARS + 1);
    let refused = browser
        .post(&format!("{list}/asks"), &[("note", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_french(
        &refused,
        &[&format!(
            "Le mot est trop long (au plus 2{NNBSP}000 caractères)."
        )],
        &["The note is too long"],
    );
    let asked = browser
        .post(&format!("{list}/asks"), &[("note", "Merci")])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert_french(&asked, &["1 demande envoyée."], &["ask sent"]);
    let again = browser
        .post(&format!("{list}/asks"), &[("note", "Merci")])
        .await;
    assert_french(
        &again,
        &[
            "Aucune demande n’a été envoyée, 1 contact ignoré.",
            "Une demande de mise en relation avec ce contact attend déjà une réponse.",
        ],
        &[
            "No ask was sent",
            "contact skipped",
            "already waiting for an answer",
        ],
    );

    // The Contacts page's filters, the contact page's ask.
    let contacts_page = browser
        .get(&format!(
            "/admin/networks/{network}/contacts?since=hier&after=zzz"
        ))
        .await;
    assert_french(
        &contacts_page,
        &["Ce lien de page n’est plus valide : la première page est affichée."],
        &["is not a date", "That page link is not valid"],
    );
    let contacts_page = browser
        .get(&format!("/admin/networks/{network}/contacts?since=hier"))
        .await;
    assert_french(
        &contacts_page,
        &["« hier » n’est pas une date : les contacts ne sont donc pas filtrés par elle."],
        &["is not a date"],
    );
    let contact = format!("/admin/networks/{network}/contacts/member%3AM1");
    let refused = browser
        .post(&format!("{contact}/ask"), &[("ally", ""), ("note", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_french(
        &refused,
        &[
            "Choisissez l’allié à solliciter : un des alliés qui connaissent Contact1 Dupont.",
            &format!(
                "Le mot est trop long : au plus 2{NNBSP}000 caractères (il en a 2{NNBSP}001)."
            ),
        ],
        &["Please choose the ally", "The note is too long"],
    );
    let ally_id = ally.id.to_string();
    let sent = browser
        .post(
            &format!("{contact}/ask"),
            &[("ally", &ally_id), ("note", "Merci")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let asks = browser.get(sent.location()).await;
    assert_french(
        &asks,
        &["Votre demande est envoyée : Ada Lovelace est sollicité pour présenter Contact1 Dupont."],
        &["Your ask is sent"],
    );
    let twice = browser
        .post(
            &format!("{contact}/ask"),
            &[("ally", &ally_id), ("note", "Merci")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_french(
        &twice,
        &["Ada Lovelace a déjà une demande en attente pour présenter Contact1 Dupont"],
        &["already has a pending ask"],
    );
}

#[tokio::test]
async fn the_guide_and_its_hand_off_speak_french() {
    let server = TestServer::start_with(|config| {
        config.extension_ids = vec!["abcdefghijklmnopabcdefghijklmnop".to_string()]
    })
    .await;
    let invited = server
        .invite("Ventes", "ada@example.org", "Ada Lovelace", Role::Ally)
        .await;
    let path = invited.link.strip_prefix(&server.base).unwrap().to_string();
    let ally = Browser::new(&server);
    ally.set_cookie_value("allyshare_lang", "fr");
    ally.get(&path).await;
    let guide = ally
        .post(
            &path,
            &[
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert_eq!(guide.status, StatusCode::OK, "{}", guide.body);
    // The hand-off script says what the page gives it.
    let words = [
        "data-waiting=\"Une fois l’extension AllyShare installée, elle se connecte d’elle-même.\"",
        "data-done=\"C’est presque fini : confirmez votre compte dans l’extension AllyShare. Vous pouvez fermer cet onglet.\"",
        "data-fallback=\"Si l’extension le demande, connectez-vous avec votre adresse e-mail et votre mot de passe.\"",
    ];
    assert_french(&guide, &words, &["signs in by itself", "Almost done"]);
    let handoff = ally.get("/handoff").await;
    assert_french(
        &handoff,
        &words,
        &["signs in by itself", "Almost done", "If the extension asks"],
    );
}
