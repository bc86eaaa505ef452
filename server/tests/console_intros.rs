//! The introduction-request pages over HTTP, as the people use them: a professional joins
//! through the join page and confirms their email, requests an intro to a company with no
//! Company Admin; the admin sees it in the Inbox under *Out of network* (with its count at
//! the top), adds a point of contact; the contact accepts from the email and answers on their
//! page; then gatekeeper mode and *Make Intro*. And who may not see or do what.

mod common;

use allyshare_protocol::{Permission, Role};
use common::{execute, scalar, Browser, TestServer, GOOD_PASSWORD};
use reqwest::StatusCode;

/// The newest outbox link to `path`, without this server's origin (as a page's own links are).
fn outbox_link(server: &TestServer, path: &str) -> String {
    server
        .last_link(path)
        .trim_start_matches(&server.base)
        .to_string()
}

#[tokio::test]
async fn join_request_inbox_contact_accept_then_gatekeeper_and_make_intro() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Getro",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let nadia = Browser::signed_in(&server, "nadia@example.org").await;
    let answer = nadia
        .post(
            &format!("/admin/networks/{n}/companies"),
            &[
                ("name", "Acme"),
                ("website", "acme.example"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(
        answer.location(),
        format!("/admin/networks/{n}/companies?done=company")
    );
    let company: i64 = scalar(&server, "SELECT id FROM companies WHERE name = 'Acme'").await;
    let page = nadia.get(&format!("/admin/networks/{n}/companies")).await;
    assert!(
        page.body.contains(&format!(
            "<th scope=\"row\"><a href=\"/admin/networks/{n}/companies/{company}\">Acme</a></th>"
        )),
        "{}",
        page.body
    );

    // The professional joins, confirms, signs in, requests.
    let pat = Browser::new(&server);
    let join = pat.get(&format!("/join/{n}")).await;
    assert_eq!(join.status, StatusCode::OK);
    assert!(join.body.contains("<h1>Join Getro</h1>"), "{}", join.body);
    let joined = pat
        .post(
            &format!("/join/{n}"),
            &[
                ("name", "Pat <Pro>"),
                ("email", "pat@example.org"),
                ("headline", "Engineer"),
                ("linkedin_url", "https://www.linkedin.com/in/pat/"),
                ("cv_url", ""),
                ("password", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    server.app.send_queued_mail().await.unwrap();
    let signed = pat.sign_in("pat@example.org", GOOD_PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let before = pat.get(&format!("/admin/professional/{n}")).await;
    assert!(
        before.body.contains("Confirm your email first"),
        "{}",
        before.body
    );
    let refused = pat
        .post(
            &format!("/admin/professional/{n}/requests"),
            &[("company_id", &company.to_string()), ("message", "Hi")],
        )
        .await;
    assert_eq!(
        refused.location(),
        format!("/admin/professional/{n}?error=not_confirmed")
    );
    let confirm = pat.get(&outbox_link(&server, "/join/confirm/")).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let asked = pat
        .post(
            &format!("/admin/professional/{n}/requests"),
            &[
                ("company_id", &company.to_string()),
                ("message", "Why me: <b>I build</b>.\nWhy now: you hire."),
            ],
        )
        .await;
    assert_eq!(
        asked.location(),
        format!("/admin/professional/{n}?done=requested")
    );
    let mine = pat.get(&format!("/admin/professional/{n}")).await;
    assert!(
        mine.body.contains("Waiting for a Company Admin"),
        "{}",
        mine.body
    );
    assert!(
        mine.body
            .contains("Why me: &#60;b&#62;I build&#60;/b&#62;.<br>Why now"),
        "{}",
        mine.body
    );
    // A professional sees no Inbox.
    assert_eq!(
        pat.get(&format!("/admin/networks/{n}/inbox")).await.status,
        StatusCode::FORBIDDEN
    );

    // The admin's Inbox: the count at the top, the request under Out of network.
    let inbox = nadia.get(&format!("/admin/networks/{n}/inbox")).await;
    assert!(
        inbox.body.contains("<span class=\"inbox-count\">1</span>"),
        "{}",
        inbox.body
    );
    assert!(inbox.body.contains("Out of network"));
    assert!(inbox.body.contains("Acme (1 requests)"), "{}", inbox.body);
    assert!(inbox.body.contains("Pat &#60;Pro&#62;"));
    assert!(
        !inbox.body.contains("id=\"in-heading\""),
        "no In network without gatekeeper"
    );
    let invited = nadia
        .post(
            &format!("/admin/networks/{n}/companies/{company}/contact"),
            &[("name", "Carol Acme"), ("email", "carol@acme.example")],
        )
        .await;
    assert_eq!(
        invited.location(),
        format!("/admin/networks/{n}/inbox?done=invited")
    );
    server.app.send_queued_mail().await.unwrap();

    // The contact accepts from the email: signed in on their company's page.
    let carol = Browser::new(&server);
    let link = outbox_link(&server, "/company-invite/");
    let page = carol.get(&link).await;
    assert!(
        page.body.contains("Become a Company Admin of Acme"),
        "{}",
        page.body
    );
    let accepted = carol
        .post(
            &link,
            &[
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert_eq!(accepted.location(), format!("/admin/companies/{company}"));
    assert_eq!(
        carol.post(&link, &[]).await.status,
        StatusCode::GONE,
        "once"
    );
    let page = carol.get(&format!("/admin/companies/{company}")).await;
    assert!(
        page.body.contains("Delivered, waiting for an answer"),
        "{}",
        page.body
    );
    let request: i64 = scalar(&server, "SELECT id FROM intro_requests").await;
    // Another Company Admin's page, and answers to it, are refused.
    let beta = server
        .app
        .create_company(admin.id, n, "Beta", "", "")
        .await
        .unwrap();
    assert_eq!(
        carol.get(&format!("/admin/companies/{beta}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        carol
            .post(
                &format!("/admin/companies/{beta}/requests/{request}/accept"),
                &[]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM intro_requests WHERE state = 'delivered'"
        )
        .await,
        1
    );
    let done = carol
        .post(
            &format!("/admin/companies/{company}/requests/{request}/accept"),
            &[],
        )
        .await;
    assert_eq!(
        done.location(),
        format!("/admin/companies/{company}?done=accepted")
    );
    server.app.send_queued_mail().await.unwrap();
    assert_eq!(
        scalar(&server, "SELECT COUNT(*) FROM intro_notices WHERE subject = 'Introduction: Pat <Pro> and Carol Acme (Acme)'").await,
        1
    );

    // Gatekeeper mode on (only with Manage network settings); the next request waits under
    // In network; Make Intro delivers it.
    let settings = nadia.get(&format!("/admin/networks/{n}/settings")).await;
    assert!(settings.body.contains("review all introduction requests"));
    nadia
        .post(
            &format!("/admin/networks/{n}/settings"),
            &[("gatekeeper", "on")],
        )
        .await;
    assert!(server.app.gatekeeper(n).await.unwrap());
    let asked = pat
        .post(
            &format!("/admin/professional/{n}/requests"),
            &[
                ("company_id", &company.to_string()),
                ("message", "Second try"),
            ],
        )
        .await;
    assert_eq!(
        asked.location(),
        format!("/admin/professional/{n}?done=requested")
    );
    let inbox = nadia.get(&format!("/admin/networks/{n}/inbox")).await;
    assert!(inbox.body.contains("id=\"in-heading\""), "{}", inbox.body);
    let second: i64 = scalar(&server, "SELECT MAX(id) FROM intro_requests").await;
    let made = nadia
        .post(
            &format!("/admin/networks/{n}/inbox/{second}/make-intro"),
            &[],
        )
        .await;
    assert_eq!(
        made.location(),
        format!("/admin/networks/{n}/inbox?done=made_intro")
    );
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM intro_requests WHERE id = {second} AND state = 'delivered'"
            )
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_inbox_and_settings_follow_permissions_and_refusals_change_nothing() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Getro",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let viewer = server
        .member("Getro", "vic@example.org", "Vic Viewer", Role::NetworkAdmin)
        .await;
    execute(
        &server,
        &format!(
            "UPDATE memberships SET permissions = {} WHERE person_id = {}",
            allyshare_protocol::Permissions::from_iter([Permission::ViewContacts]).bits(),
            viewer.id
        ),
    )
    .await;
    let vic = Browser::signed_in(&server, "vic@example.org").await;
    let page = vic.get(&format!("/admin/networks/{n}/contacts")).await;
    assert!(
        !page.body.contains("inbox-count"),
        "no Inbox link without the permission"
    );
    for path in ["inbox", "settings", "companies"] {
        assert_eq!(
            vic.get(&format!("/admin/networks/{n}/{path}")).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        vic.post(
            &format!("/admin/networks/{n}/settings"),
            &[("gatekeeper", "on")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vic.post(
            &format!("/admin/networks/{n}/companies"),
            &[("name", "Nope")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // An admin of another network.
    let other = server
        .member("Other", "olga@example.org", "Olga", Role::NetworkAdmin)
        .await;
    let _ = other;
    let olga = Browser::signed_in(&server, "olga@example.org").await;
    assert_eq!(
        olga.get(&format!("/admin/networks/{n}/inbox")).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!server.app.gatekeeper(n).await.unwrap());
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM companies").await, 0);
    // French.
    let fr = Browser::signed_in(&server, "nadia@example.org").await;
    fr.set_cookie_value("allyshare_lang", "fr");
    let page = fr.get(&format!("/admin/networks/{n}/inbox")).await;
    assert!(page.body.contains("Hors réseau"), "{}", page.body);
    assert!(page.body.contains("Boîte de réception"));
}

/// A `multipart/form-data` body of the companies upload: the form token, then the file.
fn upload_body(token: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"form_token\"\r\n\r\n{token}\r\n\
         --XBOUNDARYX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"companies.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--XBOUNDARYX--\r\n");
    body
}

#[tokio::test]
async fn companies_come_from_a_csv_with_a_result_per_row_and_an_unreadable_file_adds_none() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Getro",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    server
        .app
        .create_company(admin.id, n, "Acme", "", "")
        .await
        .unwrap();
    let nadia = Browser::signed_in(&server, "nadia@example.org").await;
    nadia.get(&format!("/admin/networks/{n}/companies")).await;
    let token = nadia.cookie("allyshare_form").unwrap();
    let send = |file: &'static [u8]| {
        let request = nadia
            .http
            .post(format!(
                "{}/admin/networks/{n}/companies/import",
                nadia.base
            ))
            .header("content-type", "multipart/form-data; boundary=XBOUNDARYX")
            .body(upload_body(&token, file));
        nadia.send(request)
    };
    let csv: &[u8] = b"Company;Website;Description\r\nBeta Labs;beta.example;Lasers\r\nacme;;\r\n;x.example;\r\nGamma;not a site;\r\n\xc9clair SA;eclair.example;P\xe2tisserie\r\nbeta labs;;\r\n";
    let imports = "SELECT COUNT(*) FROM invitation_imports WHERE kind = 'companies'";

    // The upload keeps the file and shows its preview: nothing is added yet.
    let uploaded = send(csv).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let preview_path = uploaded.location().to_string();
    assert!(
        preview_path.starts_with(&format!("/admin/networks/{n}/companies/import/")),
        "{preview_path}"
    );
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM companies").await, 1);
    assert_eq!(scalar(&server, imports).await, 1);
    let preview = nadia.get(&preview_path).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("Check the companies file"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("6 rows"), "{}", preview.body);
    assert!(
        preview
            .body
            .contains("Companies to add: <strong>2</strong>"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("Rows skipped: <strong>4</strong>"));
    assert!(preview.body.contains("Will be added"));
    assert!(preview.body.contains("Already in the network: skipped"));
    assert!(
        preview.body.contains("Éclair SA"),
        "Windows-1252 read: {}",
        preview.body
    );
    // Another admin of the network does not see Nadia's pending file; nor can they add it.
    server
        .member(
            "Getro",
            "omar@example.org",
            "Omar Admin",
            Role::NetworkAdmin,
        )
        .await;
    let omar = Browser::signed_in(&server, "omar@example.org").await;
    assert_eq!(omar.get(&preview_path).await.status, StatusCode::NOT_FOUND);
    omar.get(&format!("/admin/networks/{n}/companies")).await;
    let add_path = format!("{preview_path}/add");
    let refused = omar.post(&add_path, &[]).await;
    assert_eq!(refused.location(), preview_path);
    assert_eq!(omar.get(&preview_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM companies").await, 1);

    // *Add companies*: each row's result, kept for the result page and its download.
    let added = nadia.post(&add_path, &[]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(added.location(), preview_path);
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM companies").await, 3);
    let page = nadia.get(&preview_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Companies added: <strong>2</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Already in the network: skipped"));
    assert!(page.body.contains("No name: skipped"));
    assert!(page.body.contains("Website not recognised: skipped"));
    assert!(
        page.body.contains("imported by Nadia Admin"),
        "{}",
        page.body
    );
    // A second click adds nothing more: the file was taken once.
    let again = nadia.post(&add_path, &[]).await;
    assert_eq!(again.location(), preview_path);
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM companies").await, 3);
    let csv_file = nadia.get(&format!("{preview_path}/results.csv")).await;
    assert_eq!(csv_file.status, StatusCode::OK);
    assert_eq!(
        csv_file.body,
        "\u{feff}Line,Name,Outcome\r\n2,Beta Labs,Added\r\n3,acme,Already in the network: skipped\r\n\
         4,,No name: skipped\r\n5,Gamma,Website not recognised: skipped\r\n6,Éclair SA,Added\r\n\
         7,beta labs,Already in the network: skipped\r\n"
    );
    // The same import id is not an invitations import.
    let id = preview_path.rsplit('/').next().unwrap();
    let team_view = nadia
        .get(&format!("/admin/networks/{n}/team/import/{id}"))
        .await;
    assert_eq!(team_view.status, StatusCode::NOT_FOUND);

    // An unreadable file is refused on the Companies page: nothing kept, nothing added.
    let refused = send(b"Email\nada@example.org\n").await;
    assert_eq!(
        refused.location(),
        format!("/admin/networks/{n}/companies?error=csv")
    );
    assert_eq!(scalar(&server, "SELECT COUNT(*) FROM companies").await, 3);
    assert_eq!(scalar(&server, imports).await, 1);
    let page = nadia.get(refused.location()).await;
    assert!(page
        .body
        .contains("The file could not be read, and nothing was imported."));
}

#[tokio::test]
async fn an_invited_professional_completes_their_profile_from_the_email_once() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Getro",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let nadia = Browser::signed_in(&server, "nadia@example.org").await;
    let invited = nadia
        .post(
            &format!("/admin/networks/{n}/professionals"),
            &[("name", "Ivy Invited"), ("email", "ivy@example.org")],
        )
        .await;
    assert_eq!(
        invited.location(),
        format!("/admin/networks/{n}/professionals?done=invited")
    );
    let again = nadia
        .post(
            &format!("/admin/networks/{n}/professionals"),
            &[("name", "Ivy Invited"), ("email", "IVY@example.org")],
        )
        .await;
    assert_eq!(
        again.location(),
        format!("/admin/networks/{n}/professionals?error=already_professional")
    );
    let list = nadia
        .get(&format!("/admin/networks/{n}/professionals"))
        .await;
    assert!(
        list.body.contains("<th scope=\"row\">Ivy Invited</th>"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Not yet"));
    server.app.send_queued_mail().await.unwrap();
    let link = outbox_link(&server, "/join/confirm/");
    let ivy = Browser::new(&server);
    let page = ivy.get(&link).await;
    assert!(
        page.body.contains("Complete your profile for Getro"),
        "{}",
        page.body
    );
    // A LinkedIn profile that is not a web address, refused; nothing confirmed.
    let refused = ivy
        .post(
            &link,
            &[
                ("headline", "Designer"),
                ("linkedin_url", "not a link"),
                ("password", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("https://"), "{}", refused.body);
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM professionals WHERE confirmed_at IS NOT NULL"
        )
        .await,
        0
    );
    let done = ivy
        .post(
            &link,
            &[
                ("headline", "Designer"),
                ("linkedin_url", "https://www.linkedin.com/in/ivy/"),
                ("password", GOOD_PASSWORD),
                ("terms", "accepted"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Your email is confirmed"));
    assert_eq!(ivy.get(&link).await.status, StatusCode::GONE, "once");
    let signed = ivy.sign_in("ivy@example.org", GOOD_PASSWORD).await;
    assert_eq!(signed.location(), "/admin");
    let home = ivy.get("/admin").await;
    assert_eq!(home.location(), format!("/admin/professional/{n}"));
    let page = ivy.get(&format!("/admin/professional/{n}")).await;
    assert!(
        !page.body.contains("Confirm your email first"),
        "{}",
        page.body
    );
    // A professional cannot invite others.
    assert_eq!(
        ivy.post(
            &format!("/admin/networks/{n}/professionals"),
            &[("name", "X"), ("email", "x@example.org")],
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

/// Invites `email` to be a Company Admin of the company (as `admin_id`) and accepts in a new
/// browser, which is then signed in on the company's page.
async fn company_admin_browser(
    server: &TestServer,
    admin_id: i64,
    network_id: i64,
    company_id: i64,
    (name, email): (&str, &str),
) -> (Browser, i64) {
    let company = server
        .app
        .repo()
        .companies()
        .company(network_id, company_id)
        .await
        .unwrap()
        .unwrap();
    server
        .app
        .invite_company_admin(admin_id, &company, name, email)
        .await
        .unwrap();
    server.app.send_queued_mail().await.unwrap();
    let link = outbox_link(server, "/company-invite/");
    let browser = Browser::new(server);
    browser.get(&link).await;
    let fields = [
        ("password", GOOD_PASSWORD),
        ("password_confirm", GOOD_PASSWORD),
        ("terms", "accepted"),
    ];
    let accepted = browser.post(&link, &fields).await;
    assert_eq!(
        accepted.location(),
        format!("/admin/companies/{company_id}")
    );
    let id = scalar(
        server,
        &format!("SELECT id FROM people WHERE email_norm = '{email}'"),
    )
    .await;
    (browser, id)
}

#[tokio::test]
async fn company_admins_are_resent_revoked_and_removed_from_the_pages_and_nobody_else_can() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Getro",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let app = &server.app;
    let acme = app
        .create_company(admin.id, n, "Acme", "", "")
        .await
        .unwrap();
    let beta = app
        .create_company(admin.id, n, "Beta", "", "")
        .await
        .unwrap();
    let (carol, carol_id) = company_admin_browser(
        &server,
        admin.id,
        n,
        acme,
        ("Carol Acme", "carol@acme.example"),
    )
    .await;
    let (frank, frank_id) = company_admin_browser(
        &server,
        admin.id,
        n,
        acme,
        ("Frank Acme", "frank@acme.example"),
    )
    .await;
    let (eve, _) =
        company_admin_browser(&server, admin.id, n, beta, ("Eve Beta", "eve@beta.example")).await;
    let nadia = Browser::signed_in(&server, "nadia@example.org").await;
    let team = format!("/admin/networks/{n}/companies/{acme}");
    // Dan: a pending invitation, from the company's page.
    let invited = nadia
        .post(
            &format!("/admin/networks/{n}/companies/{acme}/contact"),
            &[
                ("name", "Dan Acme"),
                ("email", "dan@acme.example"),
                ("back", "company"),
            ],
        )
        .await;
    assert_eq!(invited.location(), format!("{team}?done=invited"));
    let dan: i64 = scalar(
        &server,
        "SELECT id FROM company_admin_invitations WHERE email_norm = 'dan@acme.example'",
    )
    .await;
    let page = nadia.get(&team).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "Carol Acme",
        "Frank Acme",
        "Dan Acme",
        "Pending",
        "Resend",
        "Revoke",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(!page.body.contains("Eve Beta"), "another company's admin");

    let mails = || scalar(&server, "SELECT COUNT(*) FROM mail_queue");
    let before = mails().await;
    let resent = nadia
        .post(&format!("{team}/invitations/{dan}/resend"), &[])
        .await;
    assert_eq!(resent.location(), format!("{team}?done=resent"));
    assert_eq!(mails().await, before + 1);
    nadia
        .post(&format!("{team}/invitations/{dan}/resend"), &[])
        .await;
    let refused = nadia
        .post(&format!("{team}/invitations/{dan}/resend"), &[])
        .await;
    assert_eq!(refused.location(), format!("{team}?error=too_many_emails"));
    assert_eq!(mails().await, before + 2, "refused: no email");
    let page = nadia.get(refused.location()).await;
    assert!(
        page.body.contains("the most allowed: nothing was sent"),
        "{}",
        page.body
    );
    let revoked = nadia
        .post(&format!("{team}/invitations/{dan}/revoke"), &[])
        .await;
    assert_eq!(revoked.location(), format!("{team}?done=revoked"));
    let page = nadia.get(&team).await;
    assert!(page.body.contains("Revoked"), "{}", page.body);
    let again = nadia
        .post(&format!("{team}/invitations/{dan}/revoke"), &[])
        .await;
    assert_eq!(again.location(), format!("{team}?error=not_pending"));

    // A Company Admin of another company, or a Network Admin without the permission: refused,
    // nothing changed.
    let admins = || scalar(&server, "SELECT COUNT(*) FROM company_admins");
    assert_eq!(admins().await, 3);
    let refused = eve
        .post(
            &format!("/admin/companies/{acme}/admins/{carol_id}/remove"),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = eve
        .post(
            &format!("/admin/companies/{beta}/admins/{carol_id}/remove"),
            &[],
        )
        .await;
    assert_eq!(
        refused.location(),
        format!("/admin/companies/{beta}?error=not_admin")
    );
    let viewer = server
        .member("Getro", "vic@example.org", "Vic Viewer", Role::NetworkAdmin)
        .await;
    execute(
        &server,
        &format!(
            "UPDATE memberships SET permissions = {} WHERE person_id = {}",
            allyshare_protocol::Permissions::from_iter([Permission::ViewContacts]).bits(),
            viewer.id
        ),
    )
    .await;
    let vic = Browser::signed_in(&server, "vic@example.org").await;
    assert_eq!(vic.get(&team).await.status, StatusCode::FORBIDDEN);
    let refused = vic
        .post(&format!("{team}/admins/{carol_id}/remove"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = vic
        .post(&format!("{team}/invitations/{dan}/resend"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(admins().await, 3);

    // Frank removes Carol from his company's page; Nadia removes Frank, the last one.
    let page = frank.get(&format!("/admin/companies/{acme}")).await;
    assert!(
        page.body.contains("Company Admins of your company"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Leave"), "{}", page.body);
    let removed = frank
        .post(
            &format!("/admin/companies/{acme}/admins/{carol_id}/remove"),
            &[],
        )
        .await;
    assert_eq!(
        removed.location(),
        format!("/admin/companies/{acme}?done=removed")
    );
    assert_eq!(
        carol.get(&format!("/admin/companies/{acme}")).await.status,
        StatusCode::FORBIDDEN
    );
    let removed = nadia
        .post(&format!("{team}/admins/{frank_id}/remove"), &[])
        .await;
    assert_eq!(removed.location(), format!("{team}?done=removed_last"));
    let page = nadia.get(removed.location()).await;
    assert!(
        page.body.contains("back in the Inbox, Out of network"),
        "{}",
        page.body
    );
    assert!(page.body.contains("No Company Admin yet"), "{}", page.body);
    assert_eq!(admins().await, 1, "Eve, of Beta, stays");
    let audit = nadia.get(&format!("/admin/networks/{n}/audit")).await;
    assert!(
        audit.body.contains("Company Admin of Acme"),
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn the_join_page_is_bounded_per_address_and_client_and_a_refused_join_creates_nothing() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Getro",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let join = |email: &'static str, password: &'static str| {
        let browser = Browser::new(&server);
        async move {
            browser.get(&format!("/join/{n}")).await;
            browser
                .post(
                    &format!("/join/{n}"),
                    &[
                        ("name", "Pat Pro"),
                        ("email", email),
                        ("headline", "Engineer"),
                        ("linkedin_url", "https://www.linkedin.com/in/pat/"),
                        ("cv_url", ""),
                        ("password", password),
                        ("terms", "accepted"),
                    ],
                )
                .await
        }
    };
    let fingerprint = || async {
        let mut out = String::new();
        for sql in [
            "SELECT COUNT(*) FROM people",
            "SELECT COUNT(*) FROM professionals",
            "SELECT COUNT(*) FROM mail_queue",
        ] {
            out.push_str(&scalar(&server, sql).await.to_string());
            out.push('|');
        }
        out
    };
    // Joining again before confirming sends the confirmation again, nothing else: the first
    // password stays.
    let first = join("pat@example.org", GOOD_PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    for _ in 0..2 {
        let again = join("pat@example.org", "another good passphrase").await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert!(again.body.contains("Check your email"), "{}", again.body);
    }
    let confirmations = "SELECT COUNT(*) FROM mail_queue WHERE professional_id IS NOT NULL";
    assert_eq!(scalar(&server, confirmations).await, 3);
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM people WHERE email_norm = 'pat@example.org'"
        )
        .await,
        1
    );
    let signed = Browser::new(&server)
        .sign_in("pat@example.org", GOOD_PASSWORD)
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "the first password");
    // A fourth confirmation in a day: refused, nothing sent.
    let before = fingerprint().await;
    let refused = join("pat@example.org", GOOD_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("3 times in the last 24 hours"),
        "{}",
        refused.body
    );
    assert_eq!(fingerprint().await, before);
    // The fifth try with this address from this client spends its last; the sixth is refused
    // before anything is read, and says what to do.
    join("pat@example.org", GOOD_PASSWORD).await;
    let throttled = join("pat@example.org", GOOD_PASSWORD).await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        throttled.body
    );
    assert!(
        throttled.body.contains("Too many tries to join"),
        "{}",
        throttled.body
    );
    assert!(
        throttled.body.contains("value=\"pat@example.org\""),
        "the form is kept"
    );
    assert!(throttled.headers.get("retry-after").is_some());
    assert_eq!(fingerprint().await, before, "throttled: nothing created");
    // Another address from the same client still joins, until the client's own limit.
    let other = join("quinn@example.org", GOOD_PASSWORD).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    let mut refused = None;
    for i in 0..20 {
        let email: &'static str = Box::leak(format!("p{i}@example.org").into_boxed_str());
        let answer = join(email, GOOD_PASSWORD).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(email);
            break;
        }
    }
    let email = refused.expect("the client's limit");
    assert_eq!(
        scalar(
            &server,
            &format!("SELECT COUNT(*) FROM people WHERE email_norm = '{email}'")
        )
        .await,
        0,
        "refused: nobody created"
    );
}
