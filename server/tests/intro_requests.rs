//! Introduction requests end to end at the service level, against a real SQLite file and the
//! real mail queue: routing in both modes, every transition of a request, the refusals that
//! change nothing, the emails each change sends, and the digest with a fixed clock.

mod common;

use allyshare_protocol::Role;
use allyshare_server::db::companies::CompanyAccepted;
use allyshare_server::intro_requests::State;
use allyshare_server::introductions::{AnswerSide, IntroError, JoinForm};
use common::{scalar, Member, TestServer, GOOD_PASSWORD};

/// Every email in the outbox, as text.
fn outbox(server: &TestServer) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(server.outbox()) else {
        return Vec::new();
    };
    let mut mails: Vec<(std::time::SystemTime, String)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            (
                e.metadata().unwrap().modified().unwrap(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    mails.sort();
    mails.into_iter().map(|(_, m)| m).collect()
}

/// The last link in the outbox that starts with `base` + `path` (and its token).
fn link_in_outbox(server: &TestServer, path: &str) -> String {
    let prefix = format!("{}{path}", server.base);
    outbox(server)
        .iter()
        .flat_map(|m| m.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .rfind(|w| w.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {path} link in the outbox"))
}

fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_string()
}

struct World {
    server: TestServer,
    admin: Member,
    network_id: i64,
    company_id: i64,
}

impl World {
    async fn new() -> World {
        let server = TestServer::start().await;
        let admin = server
            .member(
                "Getro",
                "nadia@example.org",
                "Nadia Admin",
                Role::NetworkAdmin,
            )
            .await;
        let network_id = admin.network_id;
        let company_id = server
            .app
            .create_company(admin.id, network_id, "Acme", "acme.example", "Makes things")
            .await
            .unwrap();
        World {
            server,
            admin,
            network_id,
            company_id,
        }
    }

    async fn drain(&self) {
        self.server.app.send_queued_mail().await.unwrap();
    }

    /// A confirmed professional of the network: their person id.
    async fn professional(&self, email: &str, name: &str) -> i64 {
        self.server
            .app
            .join_as_professional(
                self.network_id,
                JoinForm {
                    name: name.into(),
                    email: email.into(),
                    headline: "Engineer".into(),
                    linkedin_url: "https://www.linkedin.com/in/someone/".into(),
                    cv_url: String::new(),
                    password: GOOD_PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        self.drain().await;
        let link = link_in_outbox(&self.server, "/join/confirm/");
        let confirmed = self
            .server
            .app
            .repo()
            .intros()
            .confirm_professional(
                &allyshare_server::tokens::hash_token(&token_of(&link)),
                self.server.app.now(),
            )
            .await
            .unwrap();
        confirmed.expect("the link confirms").1
    }

    /// Invites and accepts a Company Admin of the company: their person id.
    async fn company_admin(&self, email: &str, name: &str) -> (i64, CompanyAccepted) {
        let company = self
            .server
            .app
            .repo()
            .companies()
            .company(self.network_id, self.company_id)
            .await
            .unwrap()
            .unwrap();
        self.server
            .app
            .invite_company_admin(self.admin.id, &company, name, email)
            .await
            .unwrap();
        self.drain().await;
        let link = link_in_outbox(&self.server, "/company-invite/");
        let repo = self.server.app.repo().companies();
        let invitation = repo
            .find_company_invitation(&allyshare_server::tokens::hash_token(&token_of(&link)))
            .await
            .unwrap()
            .unwrap();
        let accepted = repo
            .accept_company_invitation(
                invitation.id,
                Some("not-a-real-hash"),
                self.server.app.now(),
            )
            .await
            .unwrap();
        match accepted {
            CompanyAccepted::Joined { person_id, .. } => (person_id, accepted),
            other => panic!("{other:?}"),
        }
    }

    /// The professional id of a professional's person.
    async fn professional_id(&self, person_id: i64) -> i64 {
        self.server
            .app
            .repo()
            .intros()
            .professional(self.network_id, person_id)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    async fn state(&self, request_id: i64) -> State {
        self.server
            .app
            .repo()
            .intros()
            .request(self.network_id, request_id)
            .await
            .unwrap()
            .unwrap()
            .state
    }

    async fn events(&self, request_id: i64) -> Vec<(Option<State>, State, String)> {
        self.server
            .app
            .repo()
            .intros()
            .events(self.network_id, request_id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.from, e.to, e.actor_name))
            .collect()
    }
}

#[tokio::test]
async fn out_of_network_until_a_contact_accepts_then_delivered_and_accepted_with_an_introduction() {
    let w = World::new().await;
    let pat = w.professional("pat@example.org", "Pat Pro").await;
    let app = &w.server.app;
    let (request, state) = app
        .request_intro_to_company(pat, w.network_id, w.company_id, "Why me: I build things.")
        .await
        .unwrap();
    assert_eq!(state, State::OutOfNetwork, "no Company Admin yet");
    let (out, inn) = app.inbox(w.admin.id, w.network_id).await.unwrap();
    assert_eq!((out.len(), inn.len()), (1, 0));

    // One open request per pair.
    let again = app
        .request_intro_to_company(pat, w.network_id, w.company_id, "Again")
        .await;
    assert!(matches!(again, Err(IntroError::AlreadyOpen(id)) if id == request));

    // The contact accepts: this request and every waiting one go to them.
    let (carol, accepted) = w.company_admin("carol@acme.example", "Carol Acme").await;
    assert!(matches!(
        accepted,
        CompanyAccepted::Joined { delivered: 1, .. }
    ));
    assert_eq!(w.state(request).await, State::Delivered);
    w.drain().await;
    let mails = outbox(&w.server);
    let delivered = mails.last().unwrap();
    assert!(
        delivered.contains("To: \"Carol Acme\" <carol@acme.example>"),
        "{delivered}"
    );
    assert!(
        delivered.contains("Pat Pro requests an introduction to Acme"),
        "{delivered}"
    );
    assert!(delivered.contains(&format!(
        "{}/admin/companies/{}",
        w.server.base, w.company_id
    )));

    // Later requests go straight to the company's Company Admins.
    let kim = w.professional("kim@example.org", "Kim Pro").await;
    let (later, state) = app
        .request_intro_to_company(kim, w.network_id, w.company_id, "Hello")
        .await
        .unwrap();
    assert_eq!(state, State::Delivered);

    // Only the recipient answers; a Network Admin's review of a delivered request is refused.
    let refused = app
        .review_request(w.admin.id, w.network_id, later, true, "")
        .await;
    assert!(matches!(
        refused,
        Err(IntroError::NotAllowed(State::Delivered))
    ));
    let stranger = app
        .answer_request(pat, AnswerSide::Company(w.company_id), request, true, "")
        .await;
    assert!(
        matches!(stranger, Err(IntroError::Refused(_))),
        "{stranger:?}"
    );
    assert_eq!(w.state(request).await, State::Delivered);

    // Accept: the introduction names both, the network's reviewers in copy.
    let state = app
        .answer_request(carol, AnswerSide::Company(w.company_id), request, true, "")
        .await
        .unwrap();
    assert_eq!(state, State::Accepted);
    w.drain().await;
    let intro = outbox(&w.server).last().unwrap().clone();
    assert!(
        intro.contains("Subject: Introduction: Pat Pro and Carol Acme (Acme)"),
        "{intro}"
    );
    assert!(intro.contains("pat@example.org") && intro.contains("carol@acme.example"));
    assert!(
        intro.contains("Cc: \"Nadia Admin\" <nadia@example.org>"),
        "{intro}"
    );
    // A closed request does not move again.
    let twice = app
        .answer_request(carol, AnswerSide::Company(w.company_id), request, false, "")
        .await;
    assert!(matches!(
        twice,
        Err(IntroError::NotAllowed(State::Accepted))
    ));

    // Decline (the professional is told).
    let state = app
        .answer_request(
            carol,
            AnswerSide::Company(w.company_id),
            later,
            false,
            "Not hiring",
        )
        .await
        .unwrap();
    assert_eq!(state, State::Declined);
    w.drain().await;
    let notice = outbox(&w.server).last().unwrap().clone();
    assert!(
        notice.contains("To: \"Kim Pro\" <kim@example.org>"),
        "{notice}"
    );
    assert!(notice.contains("Not hiring"), "{notice}");

    // Every change, with who.
    assert_eq!(
        w.events(request).await,
        vec![
            (None, State::OutOfNetwork, "Pat Pro".to_string()),
            (
                Some(State::OutOfNetwork),
                State::Delivered,
                "Carol Acme".to_string()
            ),
            (
                Some(State::Delivered),
                State::Accepted,
                "Carol Acme".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn gatekeeper_mode_sends_requests_to_review_then_make_intro_or_decline() {
    let w = World::new().await;
    let app = &w.server.app;
    let (carol, _) = w.company_admin("carol@acme.example", "Carol Acme").await;
    // Only a Network Admin who manages settings switches it.
    let refused = app.set_gatekeeper(carol, w.network_id, true).await;
    assert!(matches!(refused, Err(IntroError::Refused(_))));
    assert!(!app.gatekeeper(w.network_id).await.unwrap());
    app.set_gatekeeper(w.admin.id, w.network_id, true)
        .await
        .unwrap();

    let pat = w.professional("pat@example.org", "Pat Pro").await;
    let kim = w.professional("kim@example.org", "Kim Pro").await;
    let (first, state) = app
        .request_intro_to_company(pat, w.network_id, w.company_id, "Please")
        .await
        .unwrap();
    assert_eq!(state, State::InReview);
    let (second, _) = app
        .request_intro_to_company(kim, w.network_id, w.company_id, "Me too")
        .await
        .unwrap();
    let (out, inn) = app.inbox(w.admin.id, w.network_id).await.unwrap();
    assert_eq!((out.len(), inn.len()), (0, 2));
    w.drain().await;
    let before = outbox(&w.server).len();

    // The Company Admin cannot answer before the review.
    let early = app
        .answer_request(carol, AnswerSide::Company(w.company_id), first, true, "")
        .await;
    assert!(matches!(
        early,
        Err(IntroError::NotAllowed(State::InReview))
    ));

    // Make Intro: delivered, and the Company Admin emailed.
    assert_eq!(
        app.review_request(w.admin.id, w.network_id, first, true, "")
            .await
            .unwrap(),
        State::Delivered
    );
    // Decline needs a reason, and tells the professional.
    let no_reason = app
        .review_request(w.admin.id, w.network_id, second, false, "  ")
        .await;
    assert!(matches!(
        no_reason,
        Err(IntroError::Invalid {
            field: "reason",
            ..
        })
    ));
    assert_eq!(w.state(second).await, State::InReview);
    assert_eq!(
        app.review_request(w.admin.id, w.network_id, second, false, "Not a fit yet")
            .await
            .unwrap(),
        State::DeclinedByNetwork
    );
    w.drain().await;
    let mails = outbox(&w.server);
    assert_eq!(mails.len(), before + 2);
    assert!(mails.iter().any(|m| m.contains("To: \"Carol Acme\"")
        && m.contains("Pat Pro requests an introduction to Acme")));
    assert!(mails.iter().any(|m| m.contains("To: \"Kim Pro\"")
        && m.contains("Getro could not take it further")
        && m.contains("Not a fit yet")));
}

#[tokio::test]
async fn a_contact_joining_in_gatekeeper_mode_sends_waiting_requests_to_review() {
    let w = World::new().await;
    let app = &w.server.app;
    app.set_gatekeeper(w.admin.id, w.network_id, true)
        .await
        .unwrap();
    let pat = w.professional("pat@example.org", "Pat Pro").await;
    let (request, state) = app
        .request_intro_to_company(pat, w.network_id, w.company_id, "Hi")
        .await
        .unwrap();
    assert_eq!(
        state,
        State::OutOfNetwork,
        "no Company Admin: out of network first"
    );
    w.company_admin("carol@acme.example", "Carol Acme").await;
    assert_eq!(w.state(request).await, State::InReview);
}

#[tokio::test]
async fn refusals_change_nothing() {
    let w = World::new().await;
    let app = &w.server.app;
    // A professional who has not confirmed their email.
    app.join_as_professional(
        w.network_id,
        JoinForm {
            name: "Una Confirmed".into(),
            email: "una@example.org".into(),
            headline: "Designer".into(),
            linkedin_url: "https://www.linkedin.com/in/una/".into(),
            cv_url: String::new(),
            password: GOOD_PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let una: i64 = scalar(
        &w.server,
        "SELECT id FROM people WHERE email = 'una@example.org'",
    )
    .await;
    let unconfirmed = app
        .request_intro_to_company(una, w.network_id, w.company_id, "Hi")
        .await;
    assert!(
        matches!(unconfirmed, Err(IntroError::NotConfirmed)),
        "{unconfirmed:?}"
    );

    // A company of another network.
    let other = w
        .server
        .member("Other", "olga@example.org", "Olga", Role::NetworkAdmin)
        .await;
    let foreign = app
        .create_company(other.id, other.network_id, "Foreign Co", "", "")
        .await
        .unwrap();
    let pat = w.professional("pat@example.org", "Pat Pro").await;
    let cross = app
        .request_intro_to_company(pat, w.network_id, foreign, "Hi")
        .await;
    assert!(matches!(cross, Err(IntroError::NotFound)), "{cross:?}");
    // Another network's admin cannot review, nor see the Inbox.
    let (request, _) = app
        .request_intro_to_company(pat, w.network_id, w.company_id, "Hi")
        .await
        .unwrap();
    assert!(app.inbox(other.id, w.network_id).await.is_err());
    assert!(app
        .review_request(other.id, other.network_id, request, false, "x")
        .await
        .is_err());
    // An answer to another company's request.
    let (carol, _) = w.company_admin("carol@acme.example", "Carol Acme").await;
    let other_company = app
        .create_company(w.admin.id, w.network_id, "Beta Co", "", "")
        .await
        .unwrap();
    let wrong = app
        .answer_request(carol, AnswerSide::Company(other_company), request, true, "")
        .await;
    assert!(wrong.is_err());
    // Too long a message.
    let long = app
        .request_intro_to_company(pat, w.network_id, other_company, &"x".repeat(2001))
        .await;
    assert!(matches!(
        long,
        Err(IntroError::Invalid {
            field: "message",
            ..
        })
    ));

    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM intro_requests").await,
        1
    );
    assert_eq!(w.state(request).await, State::Delivered);
    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM intro_request_events").await,
        2
    );
}

#[tokio::test]
async fn a_company_invitation_works_once_and_not_after_it_expires() {
    let w = World::new().await;
    let app = &w.server.app;
    let company = app
        .repo()
        .companies()
        .company(w.network_id, w.company_id)
        .await
        .unwrap()
        .unwrap();
    app.invite_company_admin(w.admin.id, &company, "Carol Acme", "carol@acme.example")
        .await
        .unwrap();
    w.drain().await;
    let token = token_of(&link_in_outbox(&w.server, "/company-invite/"));
    let repo = app.repo().companies();
    let invitation = repo
        .find_company_invitation(&allyshare_server::tokens::hash_token(&token))
        .await
        .unwrap()
        .unwrap();
    let first = repo
        .accept_company_invitation(invitation.id, Some("h"), app.now())
        .await
        .unwrap();
    assert!(matches!(first, CompanyAccepted::Joined { .. }));
    let second = repo
        .accept_company_invitation(invitation.id, Some("h"), app.now())
        .await
        .unwrap();
    assert_eq!(second, CompanyAccepted::NotPending);
    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM company_admins").await,
        1
    );

    app.invite_company_admin(w.admin.id, &company, "Dan Acme", "dan@acme.example")
        .await
        .unwrap();
    w.drain().await;
    let token = token_of(&link_in_outbox(&w.server, "/company-invite/"));
    let invitation = repo
        .find_company_invitation(&allyshare_server::tokens::hash_token(&token))
        .await
        .unwrap()
        .unwrap();
    w.server.clock.advance(8 * 24 * 60 * 60);
    let late = repo
        .accept_company_invitation(invitation.id, Some("h"), app.now())
        .await
        .unwrap();
    assert_eq!(late, CompanyAccepted::NotPending);
    assert_eq!(
        scalar(&w.server, "SELECT COUNT(*) FROM company_admins").await,
        1
    );
}

#[tokio::test]
async fn a_company_requests_an_introduction_to_a_professional_who_answers() {
    let w = World::new().await;
    let app = &w.server.app;
    let (carol, _) = w.company_admin("carol@acme.example", "Carol Acme").await;
    let pat = w.professional("pat@example.org", "Pat Pro").await;
    let professional_id = app
        .repo()
        .intros()
        .professional(w.network_id, pat)
        .await
        .unwrap()
        .unwrap()
        .id;
    let (request, state) = app
        .request_intro_to_professional(carol, w.company_id, professional_id, "We are hiring")
        .await
        .unwrap();
    assert_eq!(state, State::Delivered);
    // The Company Admin cannot answer their own company's request to a professional.
    let own = app
        .answer_request(carol, AnswerSide::Company(w.company_id), request, true, "")
        .await;
    assert!(matches!(own, Err(IntroError::NotFound)));
    let state = app
        .answer_request(
            pat,
            AnswerSide::Professional(w.network_id),
            request,
            true,
            "",
        )
        .await
        .unwrap();
    assert_eq!(state, State::Accepted);
    w.drain().await;
    let intro = outbox(&w.server).last().unwrap().clone();
    assert!(
        intro.contains("Introduction: Pat Pro and Carol Acme (Acme)"),
        "{intro}"
    );
}

#[tokio::test]
async fn the_digest_goes_once_a_day_after_eight_to_reviewers_about_companies_not_ready() {
    let w = World::new().await;
    let app = &w.server.app;
    // A fixed clock: 2026-12-02 07:00 UTC.
    let day = 20_789;
    w.server.clock.set(day * 86_400 + 7 * 3600);
    let pat = w.professional("pat@example.org", "Pat Pro").await;
    app.request_intro_to_company(pat, w.network_id, w.company_id, "Hi")
        .await
        .unwrap();
    // A company with a Company Admin is ready: not in the digest.
    let beta = app
        .create_company(w.admin.id, w.network_id, "Beta Co", "", "")
        .await
        .unwrap();
    let _ = beta;
    assert_eq!(
        app.queue_digests(false).await.unwrap(),
        0,
        "not before 08:00"
    );
    w.server.clock.set(day * 86_400 + 9 * 3600);
    assert_eq!(app.queue_digests(false).await.unwrap(), 1);
    assert_eq!(app.queue_digests(false).await.unwrap(), 0, "once a day");
    w.drain().await;
    let digest = outbox(&w.server).last().unwrap().clone();
    assert!(
        digest.contains("To: \"Nadia Admin\" <nadia@example.org>"),
        "{digest}"
    );
    assert!(
        digest.contains("1 company of Getro is not ready to receive introduction requests"),
        "{digest}"
    );
    assert!(
        digest.contains("  - Acme: 1 waiting, the oldest since 2026-12-02"),
        "{digest}"
    );
    assert!(!digest.contains("Beta Co"));
    assert!(digest.contains(&format!(
        "{}/admin/networks/{}/inbox",
        w.server.base, w.network_id
    )));
    // The next day, again; once the company has a Company Admin, none.
    w.server.clock.advance(86_400);
    assert_eq!(app.queue_digests(false).await.unwrap(), 1);
    w.company_admin("carol@acme.example", "Carol Acme").await;
    w.server.clock.advance(86_400);
    assert_eq!(app.queue_digests(false).await.unwrap(), 0);
}

/// Everything a refused Company Admin change could have changed.
async fn team_fingerprint(server: &TestServer) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT COUNT(*) FROM company_admins",
        "SELECT COUNT(*) FROM company_admin_invitations WHERE revoked_at IS NOT NULL",
        "SELECT CAST(COALESCE(SUM(expires_at), 0) AS BIGINT) FROM company_admin_invitations",
        "SELECT COUNT(*) FROM mail_queue",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM intro_request_events",
    ] {
        out.push_str(&scalar(server, sql).await.to_string());
        out.push('|');
    }
    out
}

#[tokio::test]
async fn company_admin_invitations_are_resent_and_revoked_and_the_last_admin_leaving_sends_requests_back_to_the_inbox(
) {
    use allyshare_server::companies::CompanyError;
    let w = World::new().await;
    let app = &w.server.app;
    let (n, acme) = (w.network_id, w.company_id);
    let day = 20_789;
    w.server.clock.set(day * 86_400 + 9 * 3600);
    let pat = w.professional("pat@example.org", "Pat Pro").await;
    let quinn = w.professional("quinn@example.org", "Quinn Pro").await;
    let rae = w.professional("rae@example.org", "Rae Pro").await;
    let (carol, _) = w.company_admin("carol@acme.example", "Carol Acme").await;
    let (frank, _) = w.company_admin("frank@acme.example", "Frank Acme").await;
    let (to_acme, state) = app
        .request_intro_to_company(pat, n, acme, "Hi")
        .await
        .unwrap();
    assert_eq!(state, State::Delivered);
    // Gatekeeper mode: Quinn's waits for review, for Acme's Company Admins.
    app.set_gatekeeper(w.admin.id, n, true).await.unwrap();
    let (reviewed, state) = app
        .request_intro_to_company(quinn, n, acme, "Hello")
        .await
        .unwrap();
    assert_eq!(state, State::InReview);
    app.set_gatekeeper(w.admin.id, n, false).await.unwrap();
    // Acme asks Rae (waits on Rae, not on Acme's admins).
    let (from_acme, _) = app
        .request_intro_to_professional(carol, acme, w.professional_id(rae).await, "Join us")
        .await
        .unwrap();
    let company = app
        .repo()
        .companies()
        .company(n, acme)
        .await
        .unwrap()
        .unwrap();

    // A pending invitation: Dan. Re-sent, its old link stops working.
    app.invite_company_admin(w.admin.id, &company, "Dan Acme", "dan@acme.example")
        .await
        .unwrap();
    w.drain().await;
    let first_link = link_in_outbox(&w.server, "/company-invite/");
    let repo = app.repo().companies();
    let dan = repo
        .find_company_invitation(&allyshare_server::tokens::hash_token(&token_of(
            &first_link,
        )))
        .await
        .unwrap()
        .unwrap();
    app.change_company_invitation(w.admin.id, n, acme, dan.id, true)
        .await
        .unwrap();
    w.drain().await;
    let second_link = link_in_outbox(&w.server, "/company-invite/");
    assert_ne!(first_link, second_link);
    let find = |link: &str| {
        let hash = allyshare_server::tokens::hash_token(&token_of(link));
        async move { repo.find_company_invitation(&hash).await }
    };
    assert!(
        find(&first_link).await.unwrap().is_none(),
        "the old link stopped"
    );
    assert!(find(&second_link).await.unwrap().is_some());
    // Three emails a day to one address, then a refusal that changes nothing.
    app.change_company_invitation(w.admin.id, n, acme, dan.id, true)
        .await
        .unwrap();
    let before = team_fingerprint(&w.server).await;
    let refused = app
        .change_company_invitation(w.admin.id, n, acme, dan.id, true)
        .await;
    assert!(
        matches!(refused, Err(CompanyError::TooManyEmails(t)) if t.sent == 3),
        "{refused:?}"
    );
    let again = app
        .invite_company_admin(w.admin.id, &company, "Dan Again", "DAN@acme.example")
        .await;
    assert!(
        matches!(again, Err(CompanyError::TooManyEmails(_))),
        "{again:?}"
    );
    assert_eq!(
        team_fingerprint(&w.server).await,
        before,
        "refused: nothing changed"
    );

    // Revoked: the link stops working; revoking or re-sending again changes nothing.
    app.change_company_invitation(w.admin.id, n, acme, dan.id, false)
        .await
        .unwrap();
    w.drain().await;
    assert!(matches!(
        repo.accept_company_invitation(dan.id, Some("x"), app.now())
            .await
            .unwrap(),
        CompanyAccepted::NotPending
    ));
    let before = team_fingerprint(&w.server).await;
    for resend in [false, true] {
        let refused = app
            .change_company_invitation(w.admin.id, n, acme, dan.id, resend)
            .await;
        assert!(
            matches!(refused, Err(CompanyError::NotPending)),
            "{refused:?}"
        );
    }
    // Not an invitation of this company.
    let beta = app
        .create_company(w.admin.id, n, "Beta Co", "", "")
        .await
        .unwrap();
    let refused = app
        .change_company_invitation(w.admin.id, n, beta, dan.id, false)
        .await;
    assert!(
        matches!(refused, Err(CompanyError::NoInvitation)),
        "{refused:?}"
    );
    assert_eq!(team_fingerprint(&w.server).await, before);

    // A Company Admin of another company cannot remove Acme's; nor can a professional.
    let beta_company = app
        .repo()
        .companies()
        .company(n, beta)
        .await
        .unwrap()
        .unwrap();
    app.invite_company_admin(w.admin.id, &beta_company, "Eve Beta", "eve@beta.example")
        .await
        .unwrap();
    w.drain().await;
    let eve_link = link_in_outbox(&w.server, "/company-invite/");
    let eve_invitation = find(&eve_link).await.unwrap().unwrap();
    let CompanyAccepted::Joined { person_id: eve, .. } = repo
        .accept_company_invitation(eve_invitation.id, Some("x"), app.now())
        .await
        .unwrap()
    else {
        panic!("Eve joins Beta")
    };
    let before = team_fingerprint(&w.server).await;
    for who in [eve, pat] {
        let refused = app.remove_company_admin(who, &company, carol).await;
        assert!(
            matches!(refused, Err(CompanyError::Refused(_))),
            "{refused:?}"
        );
    }
    // Nor is Eve an admin of Acme to be removed from it.
    let refused = app.remove_company_admin(w.admin.id, &company, eve).await;
    assert!(
        matches!(refused, Err(CompanyError::NotAdmin)),
        "{refused:?}"
    );
    assert_eq!(team_fingerprint(&w.server).await, before);

    // Frank removes his colleague Carol: one left, the requests stay with him.
    assert_eq!(
        app.remove_company_admin(frank, &company, carol)
            .await
            .unwrap(),
        (1, 0)
    );
    assert_eq!(w.state(to_acme).await, State::Delivered);
    // The Network Admin removes Frank, the last: what waited on Acme's admins is back in the
    // Inbox, Out of network; what waits on Rae stays.
    assert_eq!(
        app.remove_company_admin(w.admin.id, &company, frank)
            .await
            .unwrap(),
        (0, 2)
    );
    assert_eq!(w.state(to_acme).await, State::OutOfNetwork);
    assert_eq!(w.state(reviewed).await, State::OutOfNetwork);
    assert_eq!(w.state(from_acme).await, State::Delivered);
    let events = w.events(to_acme).await;
    assert_eq!(
        events.last().unwrap(),
        &(
            Some(State::Delivered),
            State::OutOfNetwork,
            "Nadia Admin".to_string()
        )
    );
    let (out, inn) = app.inbox(w.admin.id, n).await.unwrap();
    assert_eq!(out.len(), 2);
    assert!(inn.is_empty());
    // The digest counts them.
    assert_eq!(app.queue_digests(true).await.unwrap(), 1);
    w.drain().await;
    let digest = outbox(&w.server).last().unwrap().clone();
    assert!(digest.contains("  - Acme: 2 waiting"), "{digest}");
    // Rae accepting Acme's ask introduces nobody who left Acme.
    let mails_before = outbox(&w.server).len();
    app.answer_request(rae, AnswerSide::Professional(n), from_acme, true, "")
        .await
        .unwrap();
    w.drain().await;
    let mails = outbox(&w.server);
    assert!(
        mails[mails_before..]
            .iter()
            .all(|m| !m.contains("carol@acme.example")),
        "Carol left Acme: {:?}",
        &mails[mails_before..]
    );
    // A new point of contact receives them again.
    w.company_admin("gina@acme.example", "Gina Acme").await;
    assert_eq!(w.state(to_acme).await, State::Delivered);

    // Every change is in the audit log, with the company.
    let log = app.repo().audit_log(n, None, 100).await.unwrap();
    let lines: Vec<String> = log
        .iter()
        .filter(|e| e.detail.as_deref() == Some("Company Admin of Acme"))
        .map(|e| format!("{} {} {}", e.actor_name, e.action.as_str(), e.subject))
        .collect();
    for line in [
        "Nadia Admin invited Dan Acme <dan@acme.example>",
        "Nadia Admin resent Dan Acme <dan@acme.example>",
        "Nadia Admin revoked Dan Acme <dan@acme.example>",
        "Frank Acme removed Carol Acme <carol@acme.example>",
        "Nadia Admin removed Frank Acme <frank@acme.example>",
    ] {
        assert!(lines.iter().any(|l| l == line), "{line} in {lines:#?}");
    }
    assert_eq!(lines.iter().filter(|l| l.contains(" resent ")).count(), 2);
}
