//! The new-ask email to the ally, over HTTP against a real server: an ask lands in the outbox
//! with its note as text; the ally's preference (`/v1/me/preferences`) turns it off, for them
//! alone; an ask answered before its email goes is dropped; one email per ally per hour, later
//! asks batched into the next one; and `POST /v1/password-resets`, the console's *Forgot
//! password?* as an API. The queue is drained with [`App::send_queued_mail`] at moments the
//! test chooses, on the [`ManualClock`] (the background task drains it too, every second,
//! which is why the tests that need an email to wait hold it back by pace, never by speed).

mod common;

use allyshare_protocol::Role;
use allyshare_server::ask_mail::ASK_EMAIL_EVERY_SECS;
use allyshare_server::db::MailDone;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// An ask's email subject for one ask.
fn subject_of(admin: &str, network: &str, contact: &str) -> String {
    format!("Subject: {admin} ({network}) asks you to introduce them to {contact}")
}

/// The outbox's emails to `address`, oldest first.
fn emails_to(server: &TestServer, address: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(server.outbox()) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, String)> = dir
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                std::fs::metadata(&p).unwrap().modified().unwrap(),
                read_eml(&p),
            )
        })
        .filter(|(_, eml)| eml.contains(&format!("<{address}>")))
        .collect();
    found.sort();
    found.into_iter().map(|(_, eml)| eml).collect()
}

/// The ask emails (not invitations) in the outbox to `address`.
fn ask_emails_to(server: &TestServer, address: &str) -> Vec<String> {
    emails_to(server, address)
        .into_iter()
        .filter(|eml| eml.contains("open the AllyShare extension"))
        .collect()
}

/// The text and HTML parts of a raw email.
fn parts(eml: &str) -> (String, String) {
    let eml = eml.replace("\r\n", "\n");
    let text_at = eml.find("Content-Type: text/plain").expect("a text part");
    let html_at = eml.find("Content-Type: text/html").expect("an HTML part");
    (
        eml[text_at..html_at].to_string(),
        eml[html_at..].to_string(),
    )
}

fn contact(id: &str, first: &str, last: &str, headline: &str) -> serde_json::Value {
    json!({
        "member_id": id,
        "profile_url": format!("https://www.linkedin.com/in/{}/", id.to_lowercase()),
        "first_name": first,
        "last_name": last,
        "headline": headline,
    })
}

/// A network with an admin (Nadia) and an ally sharing two contacts.
struct Setup {
    server: TestServer,
    admin: Member,
    ally: Member,
}

async fn setup_with(configure: fn(&mut allyshare_server::Config)) -> Setup {
    let server = TestServer::start_with(configure).await;
    let admin = server
        .member(
            "Getro Sales Network",
            "nadia@example.org",
            "Nadia",
            Role::NetworkAdmin,
        )
        .await;
    let ally = server
        .sharing_ally("Getro Sales Network", "ada@example.org", "Ada Lovelace")
        .await;
    server
        .sync_contacts(
            &ally.token,
            "full",
            &[
                contact("K1", "Kay", "One", "CEO at Acme"),
                contact("K2", "Lee", "Two", "CTO at Initech"),
                contact("K3", "Mo", "Three", "CFO at Globex"),
            ],
        )
        .await;
    Setup {
        server,
        admin,
        ally,
    }
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

impl Setup {
    /// Nadia asks the ally to introduce `key`; the ask's id.
    async fn ask(&self, key: &str, note: &str) -> i64 {
        self.ask_ally(&self.ally, key, note).await
    }

    async fn ask_ally(&self, ally: &Member, key: &str, note: &str) -> i64 {
        self.server
            .expect(
                Method::POST,
                &format!("/v1/networks/{}/intro-asks", self.admin.network_id),
                Some(&self.admin.token),
                Some(json!({"ally_id": ally.id, "contact_key": key, "note": note})),
                StatusCode::CREATED,
            )
            .await["id"]
            .as_i64()
            .unwrap()
    }

    async fn preferences(&self, token: Option<&str>, status: StatusCode) -> serde_json::Value {
        self.server
            .expect(Method::GET, "/v1/me/preferences", token, None, status)
            .await
    }

    async fn set_ask_emails(&self, token: Option<&str>, on: bool, status: StatusCode) {
        self.server
            .expect(
                Method::PUT,
                "/v1/me/preferences",
                token,
                Some(json!({ "ask_emails": on })),
                status,
            )
            .await;
    }

    async fn ask_rows(&self, ally: &Member, state: &str) -> i64 {
        scalar(
            &self.server,
            &format!(
                "SELECT COUNT(*) FROM mail_queue WHERE asks_ally_id = {} AND state = '{state}'",
                ally.id
            ),
        )
        .await
    }
}

#[tokio::test]
async fn an_ask_emails_the_ally_with_the_note_as_text_and_nothing_to_click() {
    let s = setup().await;
    s.ask("member:K1", "<b>Hello</b> & thanks!\nWe are hiring a CTO.")
        .await;
    // The queue row says only whose asks: no message, no address. (The running queue may
    // have sent it already: queued or sent, it is one row.)
    assert_eq!(
        scalar(
            &s.server,
            &format!(
                "SELECT COUNT(*) FROM mail_queue WHERE asks_ally_id = {}
                 AND state IN ('queued', 'sent')",
                s.ally.id
            ),
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &s.server,
            "SELECT COUNT(*) FROM mail_queue WHERE asks_ally_id IS NOT NULL
             AND (invitation_id IS NOT NULL OR password_reset_id IS NOT NULL)"
        )
        .await,
        0
    );
    s.server.app.send_queued_mail().await.unwrap();

    let emails = ask_emails_to(&s.server, "ada@example.org");
    assert_eq!(emails.len(), 1, "one ask, one email");
    let eml = &emails[0];
    assert!(
        eml.contains(&subject_of("Nadia", "Getro Sales Network", "Kay One")),
        "{eml}"
    );
    assert!(
        eml.contains("To: \"Ada Lovelace\" <ada@example.org>"),
        "{eml}"
    );
    let (text, html) = parts(eml);
    assert!(text.contains("Hello Ada Lovelace,"), "{text}");
    assert!(
        text.contains(
            "Hello Ada Lovelace,\n\nNadia (Getro Sales Network) asks you to introduce them to Kay One (CEO\nat Acme).\n\nA note"
        ),
        "{text}"
    );
    assert!(
        text.contains("A note from Nadia:\n\n    <b>Hello</b> & thanks!\n    We are hiring a CTO."),
        "{text}"
    );
    assert!(
        text.contains("To answer, open the AllyShare extension"),
        "{text}"
    );
    // In the HTML part the note is text: escaped, never markup.
    assert!(
        html.contains("&#60;b&#62;Hello&#60;/b&#62; &#38; thanks!<br>"),
        "{html}"
    );
    assert!(!html.contains("<b>Hello"), "{html}");
    assert!(html.contains("open the AllyShare extension"), "{html}");
    // Nothing in the email answers on the ally's behalf: no link at all.
    assert!(!eml.contains("href="), "{eml}");
    assert!(
        !eml.contains("http://") && !eml.contains("https://"),
        "{eml}"
    );
    // Nadia, who asked, gets nothing.
    assert!(ask_emails_to(&s.server, "nadia@example.org").is_empty());
    assert_eq!(s.ask_rows(&s.ally, "sent").await, 1);
}

#[tokio::test]
async fn with_ask_emails_off_no_email_is_queued_and_only_the_person_can_turn_them_off() {
    let s = setup().await;
    let other = s
        .server
        .sharing_ally("Getro Sales Network", "bob@example.org", "Bob")
        .await;
    assert_eq!(
        s.preferences(Some(&s.ally.token), StatusCode::OK).await,
        json!({"ask_emails": true}),
        "on unless turned off"
    );
    // Bob's PUT changes Bob's, not Ada's; nobody signed in changes nothing.
    s.set_ask_emails(Some(&other.token), false, StatusCode::OK)
        .await;
    s.set_ask_emails(None, false, StatusCode::UNAUTHORIZED)
        .await;
    assert_eq!(
        s.preferences(Some(&s.ally.token), StatusCode::OK).await,
        json!({"ask_emails": true})
    );
    assert_eq!(
        s.preferences(Some(&other.token), StatusCode::OK).await,
        json!({"ask_emails": false})
    );
    s.preferences(None, StatusCode::UNAUTHORIZED).await;
    // A body that is not the preferences is refused, and changes nothing.
    s.server
        .expect(
            Method::PUT,
            "/v1/me/preferences",
            Some(&s.ally.token),
            Some(json!({"ask_emails": "no"})),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(
        s.preferences(Some(&s.ally.token), StatusCode::OK).await,
        json!({"ask_emails": true})
    );

    // Ada turns them off: an ask queues nothing, and nothing is sent however long we wait.
    s.set_ask_emails(Some(&s.ally.token), false, StatusCode::OK)
        .await;
    s.ask("member:K1", "Off?").await;
    assert_eq!(
        scalar(
            &s.server,
            &format!(
                "SELECT COUNT(*) FROM mail_queue WHERE asks_ally_id = {}",
                s.ally.id
            )
        )
        .await,
        0,
        "not even queued"
    );
    s.server.clock.advance(5 * 60);
    s.server.app.send_queued_mail().await.unwrap();
    assert!(ask_emails_to(&s.server, "ada@example.org").is_empty());

    // Back on: the next ask is emailed.
    s.set_ask_emails(Some(&s.ally.token), true, StatusCode::OK)
        .await;
    s.ask("member:K2", "On again").await;
    s.server.app.send_queued_mail().await.unwrap();
    let emails = ask_emails_to(&s.server, "ada@example.org");
    assert_eq!(emails.len(), 1);
    assert!(emails[0].contains("Lee Two"), "{}", emails[0]);
}

/// With one email a minute and the minute spent on the invitations, the ask's email waits in
/// the queue until the clock moves: what happens to it meanwhile is what the test decides.
fn one_a_minute(config: &mut allyshare_server::Config) {
    config.mail_per_minute = 1;
}

#[tokio::test]
async fn an_ask_answered_before_its_email_goes_is_dropped() {
    let s = setup_with(one_a_minute).await;
    let ask = s.ask("member:K1", "Please").await;
    s.server.app.send_queued_mail().await.unwrap();
    assert_eq!(s.ask_rows(&s.ally, "queued").await, 1, "still waiting");
    s.server
        .expect(
            Method::POST,
            &format!("/v1/intro-asks/{ask}/answer"),
            Some(&s.ally.token),
            Some(json!({"outcome": "made"})),
            StatusCode::OK,
        )
        .await;
    s.server.clock.advance(61);
    s.server.app.send_queued_mail().await.unwrap();
    assert!(ask_emails_to(&s.server, "ada@example.org").is_empty());
    assert_eq!(s.ask_rows(&s.ally, "dropped").await, 1);

    // Turning ask emails off drops a queued one too (an invitation sent now spends this
    // minute's email, so the ask's waits).
    s.server
        .invite(
            "Getro Sales Network",
            "filler@example.org",
            "Filler",
            Role::Ally,
        )
        .await;
    s.ask("member:K2", "Please").await;
    assert_eq!(s.ask_rows(&s.ally, "queued").await, 1);
    s.set_ask_emails(Some(&s.ally.token), false, StatusCode::OK)
        .await;
    s.server.clock.advance(61);
    s.server.app.send_queued_mail().await.unwrap();
    assert!(ask_emails_to(&s.server, "ada@example.org").is_empty());
    assert_eq!(s.ask_rows(&s.ally, "dropped").await, 2);
}

#[tokio::test]
async fn one_ask_email_per_ally_per_hour_later_asks_batched_into_the_next() {
    let s = setup().await;
    let bob = s
        .server
        .sharing_ally("Getro Sales Network", "bob@example.org", "Bob")
        .await;
    s.server
        .sync_contacts(
            &bob.token,
            "full",
            &[contact("K1", "Kay", "One", "CEO at Acme")],
        )
        .await;

    // The first ask after a quiet hour goes at once.
    s.ask("member:K1", "First").await;
    s.server.app.send_queued_mail().await.unwrap();
    assert_eq!(ask_emails_to(&s.server, "ada@example.org").len(), 1);

    // Two more within the hour: one queued email between them, not sent yet.
    s.server.clock.advance(10 * 60);
    s.ask("member:K2", "Second").await;
    s.ask("member:K3", "Third").await;
    assert_eq!(s.ask_rows(&s.ally, "queued").await, 1);
    s.server.app.send_queued_mail().await.unwrap();
    assert_eq!(ask_emails_to(&s.server, "ada@example.org").len(), 1);
    // The pace is per ally: Bob's first ask goes now.
    s.ask_ally(&bob, "member:K1", "For Bob").await;
    s.server.app.send_queued_mail().await.unwrap();
    assert_eq!(ask_emails_to(&s.server, "bob@example.org").len(), 1);

    // An hour after the first email, one email with both, and not the first again.
    s.server.clock.advance(ASK_EMAIL_EVERY_SECS - 10 * 60 - 1);
    s.server.app.send_queued_mail().await.unwrap();
    assert_eq!(ask_emails_to(&s.server, "ada@example.org").len(), 1);
    s.server.clock.advance(1);
    s.server.app.send_queued_mail().await.unwrap();
    let emails = ask_emails_to(&s.server, "ada@example.org");
    assert_eq!(emails.len(), 2);
    let batch = &emails[1];
    assert!(
        batch.contains("Subject: 2 introduction asks are waiting for you"),
        "{batch}"
    );
    assert!(batch.contains("introduce them to Lee Two") && batch.contains("Mo Three"));
    assert!(batch.contains("Second") && batch.contains("Third"));
    assert!(!batch.contains("Kay One"), "told once: {batch}");
    assert_eq!(s.ask_rows(&s.ally, "queued").await, 0);
    assert_eq!(
        scalar(
            &s.server,
            &format!(
                "SELECT COUNT(*) FROM intro_asks WHERE ally_id = {} AND emailed_at IS NULL",
                s.ally.id
            )
        )
        .await,
        0
    );
}

/// An ask made while the ally's email is being sent (claimed, built without it) is not lost:
/// recording the email as sent queues the next one, an hour on.
#[tokio::test]
async fn an_ask_made_while_its_email_is_being_sent_gets_the_next_one() {
    let s = setup_with(one_a_minute).await;
    let first = s.ask("member:K1", "First").await;
    // Claimed by this test a minute ahead of the server's clock, so the server's own queue
    // task (whose minute is spent) cannot claim it first.
    let repo = s.server.app.repo();
    let now = s.server.app.now() + 61;
    let claimed = repo.claim_mail(now, 1).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let content = repo.ask_mail(s.ally.id).await.unwrap().unwrap();
    assert_eq!(
        content.asks.iter().map(|a| a.id).collect::<Vec<_>>(),
        [first]
    );
    // Meanwhile, another ask: it joins the queued (claimed) email, so no new row…
    s.ask("member:K2", "Second").await;
    assert_eq!(s.ask_rows(&s.ally, "queued").await, 1);
    // …and once the claimed one is recorded as sent about the first only, the next is queued.
    repo.finish_mail(
        claimed[0].id,
        &MailDone::SentAsks {
            ally_id: s.ally.id,
            ask_ids: vec![first],
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(s.ask_rows(&s.ally, "queued").await, 1);
    assert_eq!(
        scalar(
            &s.server,
            &format!(
                "SELECT next_attempt_at FROM mail_queue WHERE asks_ally_id = {} AND state = 'queued'",
                s.ally.id
            )
        )
        .await,
        now + ASK_EMAIL_EVERY_SECS
    );
    s.server.clock.advance(61 + ASK_EMAIL_EVERY_SECS);
    s.server.app.send_queued_mail().await.unwrap();
    let emails = ask_emails_to(&s.server, "ada@example.org");
    assert_eq!(emails.len(), 1);
    assert!(emails[0].contains("Lee Two") && !emails[0].contains("Kay One"));
}

#[tokio::test]
async fn post_password_resets_emails_a_link_and_never_tells_whether_an_account_exists() {
    let s = setup().await;
    let reset = |email: &str| {
        let (server, email) = (&s.server, email.to_string());
        async move {
            let started = std::time::Instant::now();
            let response = server
                .call(
                    Method::POST,
                    "/v1/password-resets",
                    None,
                    Some(json!({ "email": email })),
                )
                .await;
            let took = started.elapsed();
            let status = response.status();
            let retry_after = response.headers().get("retry-after").cloned();
            (status, response.text().await.unwrap(), took, retry_after)
        }
    };
    let (known, known_body, known_took, _) = reset(" Nadia@Example.org ").await;
    let (unknown, unknown_body, unknown_took, _) = reset("nobody@example.org").await;
    assert_eq!(
        (known, unknown),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    assert_eq!(known_body, unknown_body);
    let floor = allyshare_server::password_reset::ANSWER_AFTER;
    assert!(
        known_took >= floor && unknown_took >= floor,
        "{known_took:?} {unknown_took:?}"
    );

    // The account gets the reset email, whose link opens the console's reset page.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let email = loop {
        s.server.app.send_queued_mail().await.unwrap();
        let found: Vec<String> = emails_to(&s.server, "nadia@example.org")
            .into_iter()
            .filter(|e| e.contains("Subject: Reset your AllyShare password"))
            .collect();
        if let Some(email) = found.into_iter().next() {
            break email;
        }
        assert!(std::time::Instant::now() < deadline, "no reset email");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let link = email
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{}/admin/reset/", s.server.base)))
        .expect("the link")
        .to_string();
    let (status, page) = s.server.get_page(&link).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        scalar(&s.server, "SELECT COUNT(*) FROM password_resets").await,
        1,
        "nothing stored for the unknown address"
    );

    // Not an address: 422, nothing stored.
    let (status, _, _, _) = reset("not an address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The console's throttle: 5 asks for one address from one client, then a wait — shared by
    // the API and the form.
    for _ in 0..5 {
        assert_eq!(reset("someone@example.org").await.0, StatusCode::ACCEPTED);
    }
    let (status, _, _, retry_after) = reset("someone@example.org").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after.is_some());
    let (status, _) = s
        .server
        .post_form(
            &format!("{}/admin/forgot-password", s.server.base),
            &[("email", "someone@example.org")],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        scalar(&s.server, "SELECT COUNT(*) FROM password_resets").await,
        1
    );
}
