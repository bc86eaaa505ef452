//! Introduction requests (seed 001): a professional asks to be introduced to one of the
//! network's companies, or a company (its Company Admin) asks to be introduced to a
//! professional. This module is the request's state machine as plain data — the states, who
//! may move a request from one to another, and where a new request goes — so that the rules
//! are read and tested in one place, natively, without a database. The database
//! ([`crate::db::intro_requests`]) applies a change only from the state this table allows
//! (`UPDATE … WHERE state = from`), records it with who and when, and queues its emails in
//! the same transaction.
//!
//! Routing a new request ([`route`]):
//! - the company has no Company Admin → [`State::OutOfNetwork`] (the Inbox's *Out of
//!   network*, until a point of contact accepts to become its Company Admin);
//! - the network is in gatekeeper mode → [`State::InReview`] (the Inbox's *In network*);
//! - otherwise → [`State::Delivered`] to its recipient at once.
//!
//! When a company loses its last Company Admin (removed by a Network Admin, or by a colleague
//! who then leaves), the requests *to* it that were waiting on its Company Admins (delivered,
//! or in review for them) wait on nobody: they go back to [`State::OutOfNetwork`]
//! ([`Action::NoCompanyAdmin`]), where the Inbox shows them, the "companies not ready" digest
//! counts them, and a new point of contact receives them. Requests the company made to a
//! professional wait on the professional, and stay where they are.
//!
//! Who hears of a change ([`notices`]) is decided here too, from the request and the people
//! its backend looked up ([`notice_lookups`]), so SQLite and PostgreSQL send the same emails.

use std::fmt;

use crate::db::intro_requests::RequestRecord;
use crate::intro_mail;

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting for the company to have a Company Admin (the Inbox, *Out of network*).
    OutOfNetwork,
    /// Waiting for a Network Admin's review (the Inbox, *In network*: gatekeeper mode).
    InReview,
    /// With its recipient (the Company Admins, or the professional), to accept or decline.
    Delivered,
    /// Accepted: the introduction email went to both sides, the network in copy.
    Accepted,
    /// Declined by a Network Admin, with a reason for the requester.
    DeclinedByNetwork,
    /// Declined by its recipient.
    Declined,
}

impl State {
    pub const ALL: [State; 6] = [
        State::OutOfNetwork,
        State::InReview,
        State::Delivered,
        State::Accepted,
        State::DeclinedByNetwork,
        State::Declined,
    ];

    /// The stored name (the `intro_requests.state` CHECK lists the same).
    pub fn as_str(self) -> &'static str {
        match self {
            State::OutOfNetwork => "out_of_network",
            State::InReview => "in_review",
            State::Delivered => "delivered",
            State::Accepted => "accepted",
            State::DeclinedByNetwork => "declined_by_network",
            State::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Still waiting for someone (one open request per pair: the partial unique index lists
    /// these states).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::OutOfNetwork | State::InReview | State::Delivered
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A professional asks to be introduced to a company: its Company Admins answer.
    ToCompany,
    /// A company asks to be introduced to a professional: the professional answers.
    ToProfessional,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToCompany => "to_company",
            Direction::ToProfessional => "to_professional",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        [Direction::ToCompany, Direction::ToProfessional]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// What moves a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A point of contact accepted to become the company's Company Admin (gatekeeper off).
    ContactJoined,
    /// … while the network is in gatekeeper mode: the request goes to review first.
    ContactJoinedUnderReview,
    /// *Make Intro*: a Network Admin sends a reviewed request on.
    MakeIntro,
    /// *Decline*, by a Network Admin, with a reason.
    NetworkDecline,
    /// The recipient accepts: the introduction email goes to both.
    Accept,
    /// The recipient declines.
    Decline,
    /// The company's last Company Admin was removed: nobody receives the request any more.
    NoCompanyAdmin,
}

/// Who may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The server itself, on a Company Admin's acceptance or the last one's removal.
    System,
    /// A Network Admin holding *Review introduction requests*.
    NetworkAdmin,
    /// The request's recipient: a Company Admin of the company (to a company), or the
    /// professional (to a professional).
    Recipient,
}

/// One allowed change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: State,
    pub action: Action,
    pub to: State,
    pub by: Party,
}

const fn t(from: State, action: Action, to: State, by: Party) -> Transition {
    Transition {
        from,
        action,
        to,
        by,
    }
}

/// Every allowed change; anything else is refused and changes nothing.
pub const TRANSITIONS: &[Transition] = &[
    t(
        State::OutOfNetwork,
        Action::ContactJoined,
        State::Delivered,
        Party::System,
    ),
    t(
        State::OutOfNetwork,
        Action::ContactJoinedUnderReview,
        State::InReview,
        Party::System,
    ),
    t(
        State::OutOfNetwork,
        Action::NetworkDecline,
        State::DeclinedByNetwork,
        Party::NetworkAdmin,
    ),
    t(
        State::InReview,
        Action::MakeIntro,
        State::Delivered,
        Party::NetworkAdmin,
    ),
    t(
        State::InReview,
        Action::NetworkDecline,
        State::DeclinedByNetwork,
        Party::NetworkAdmin,
    ),
    t(
        State::Delivered,
        Action::Accept,
        State::Accepted,
        Party::Recipient,
    ),
    t(
        State::Delivered,
        Action::Decline,
        State::Declined,
        Party::Recipient,
    ),
    t(
        State::InReview,
        Action::NoCompanyAdmin,
        State::OutOfNetwork,
        Party::System,
    ),
    t(
        State::Delivered,
        Action::NoCompanyAdmin,
        State::OutOfNetwork,
        Party::System,
    ),
];

/// The change `action` makes from `from`, if allowed.
pub fn transition(from: State, action: Action) -> Option<Transition> {
    TRANSITIONS
        .iter()
        .copied()
        .find(|t| t.from == from && t.action == action)
}

/// Where a new request goes: see the module's documentation.
pub fn route(company_has_admins: bool, gatekeeper: bool) -> State {
    if !company_has_admins {
        State::OutOfNetwork
    } else if gatekeeper {
        State::InReview
    } else {
        State::Delivered
    }
}

/// Where the company's waiting requests go when a Company Admin joins it.
pub fn on_contact_joined(gatekeeper: bool) -> Action {
    if gatekeeper {
        Action::ContactJoinedUnderReview
    } else {
        Action::ContactJoined
    }
}

/// `(name, email)` of someone a notice goes to.
pub type Recipient = (String, String);

/// What [`notices`] needs looked up, in the transaction of the change, beyond the company's
/// Company Admins (always read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeLookups {
    /// The maker of a company's request, to find among the company's Company Admins (one
    /// removed since hears nothing more).
    pub maker: Option<i64>,
    /// The person who acted (the Company Admin who accepted a professional's request).
    pub actor: bool,
    /// The network's reviewers (in copy of an introduction).
    pub reviewers: bool,
}

/// The people the notices of a request may go to, as looked up for [`NoticeLookups`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeParties {
    pub company_admins: Vec<Recipient>,
    pub maker: Option<Recipient>,
    pub actor: Option<Recipient>,
    pub reviewers: Vec<Recipient>,
}

/// One email to queue: its recipients, those in copy, and its (subject, body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub to: Vec<Recipient>,
    pub cc: Vec<Recipient>,
    pub content: (String, String),
}

/// What [`notices`] will need to know about a request that reached `request.state`.
pub fn notice_lookups(request: &RequestRecord) -> NoticeLookups {
    let accepted = request.state == State::Accepted;
    NoticeLookups {
        maker: match request.direction {
            Direction::ToProfessional => request.created_by,
            Direction::ToCompany => None,
        },
        actor: accepted && request.direction == Direction::ToCompany,
        reviewers: accepted,
    }
}

/// The emails a request reaching `request.state` sends (`request` is read after the change),
/// for both backends to queue in the change's transaction:
/// - delivered: to its recipient (the company's Company Admins, or the professional);
/// - accepted: the introduction, a double opt-in, to the professional and the company's
///   person (who accepted, or the request's maker, else its first Company Admin), the
///   network's reviewers in copy; nothing when the company has nobody;
/// - declined (by the recipient or the network): one email to each requester, the company
///   side being its maker while a Company Admin, else its Company Admins.
pub fn notices(request: &RequestRecord, parties: NoticeParties) -> Vec<Notice> {
    let professional = (
        request.professional_name.clone(),
        request.professional_email.clone(),
    );
    let NoticeParties {
        company_admins,
        maker,
        actor,
        reviewers,
    } = parties;
    let company_side = match maker {
        Some(p) => vec![p],
        None => company_admins.clone(),
    };
    let notice = |to: Vec<Recipient>, cc: Vec<Recipient>, content| Notice { to, cc, content };
    match request.state {
        State::Delivered => {
            let to = match request.direction {
                Direction::ToCompany => company_admins,
                Direction::ToProfessional => vec![professional],
            };
            vec![notice(to, Vec::new(), intro_mail::delivered(request))]
        }
        State::Accepted => {
            let company_person = match request.direction {
                Direction::ToCompany => actor,
                Direction::ToProfessional => company_side.into_iter().next(),
            };
            let Some(company_person) = company_person else {
                return Vec::new();
            };
            let content = intro_mail::introduction(request, &company_person);
            vec![notice(
                vec![professional, company_person],
                reviewers,
                content,
            )]
        }
        State::Declined | State::DeclinedByNetwork => {
            let to = match request.direction {
                Direction::ToCompany => vec![professional],
                Direction::ToProfessional => company_side,
            };
            to.into_iter()
                .map(|who| {
                    let content = intro_mail::declined(request, &who.0);
                    notice(vec![who], Vec::new(), content)
                })
                .collect()
        }
        State::OutOfNetwork | State::InReview => Vec::new(),
    }
}

/// Longest message of a request, in characters.
pub const MESSAGE_MAX_CHARS: usize = allyshare_protocol::intros::INTRO_MESSAGE_MAX_CHARS;
/// Longest reason of a decline, in characters.
pub const REASON_MAX_CHARS: usize = allyshare_protocol::intros::INTRO_REASON_MAX_CHARS;

/// Why a message or a reason is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("it is empty")]
    Empty,
    #[error("it is longer than {0} characters")]
    TooLong(usize),
    #[error("it contains control characters")]
    Control,
}

/// A request's message or a decline's reason, checked: trimmed, line breaks as `\n`, at most
/// `max` characters, no control character but line breaks. It is shown as text everywhere.
pub fn check_text(text: &str, max: usize) -> Result<String, TextError> {
    let text = text.replace("\r\n", "\n").replace(['\r', '\t'], " ");
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(TextError::Control);
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(direction: Direction, state: State, created_by: Option<i64>) -> RequestRecord {
        RequestRecord {
            id: 1,
            network_id: 2,
            network_name: "Net".into(),
            company_id: 3,
            company_name: "Acme".into(),
            professional_id: 4,
            professional_person_id: 5,
            professional_name: "Ada".into(),
            professional_email: "ada@x.org".into(),
            headline: "Engineer".into(),
            linkedin_url: "https://www.linkedin.com/in/ada".into(),
            cv_url: None,
            direction,
            message: "Hello".into(),
            state,
            reason: None,
            created_by,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn ada() -> Recipient {
        ("Ada".to_string(), "ada@x.org".to_string())
    }

    fn who(name: &str) -> Recipient {
        (
            name.to_string(),
            format!("{}@acme.org", name.to_lowercase()),
        )
    }

    #[test]
    fn notices_go_to_the_side_that_waits_and_the_requester() {
        let admins = vec![who("Bea"), who("Cid")];
        let parties = |maker: Option<Recipient>, actor: Option<Recipient>| NoticeParties {
            company_admins: admins.clone(),
            maker,
            actor,
            reviewers: vec![who("Rev")],
        };
        let to = |n: &[Notice]| n.iter().map(|n| n.to.clone()).collect::<Vec<_>>();

        let r = request(Direction::ToCompany, State::Delivered, Some(5));
        assert_eq!(
            notice_lookups(&r),
            NoticeLookups {
                maker: None,
                actor: false,
                reviewers: false
            }
        );
        assert_eq!(to(&notices(&r, parties(None, None))), vec![admins.clone()]);

        // Accepted by a Company Admin: the actor and the professional, reviewers in copy.
        let r = request(Direction::ToCompany, State::Accepted, Some(5));
        assert_eq!(
            notice_lookups(&r),
            NoticeLookups {
                maker: None,
                actor: true,
                reviewers: true
            }
        );
        let n = notices(&r, parties(None, Some(who("Cid"))));
        assert_eq!(to(&n), vec![vec![ada(), who("Cid")]]);
        assert_eq!(n[0].cc, vec![who("Rev")]);
        assert!(notices(&r, parties(None, None)).is_empty());

        // A company's request: its maker while a Company Admin, else its admins.
        let r = request(Direction::ToProfessional, State::Accepted, Some(9));
        assert_eq!(
            notice_lookups(&r),
            NoticeLookups {
                maker: Some(9),
                actor: false,
                reviewers: true
            }
        );
        let n = notices(&r, parties(Some(who("Cid")), None));
        assert_eq!(to(&n), vec![vec![ada(), who("Cid")]]);
        let n = notices(&r, parties(None, None));
        assert_eq!(to(&n), vec![vec![ada(), who("Bea")]]);

        let r = request(Direction::ToProfessional, State::Declined, Some(9));
        assert_eq!(
            to(&notices(&r, parties(None, None))),
            vec![vec![who("Bea")], vec![who("Cid")]]
        );
        let r = request(Direction::ToCompany, State::DeclinedByNetwork, None);
        assert_eq!(to(&notices(&r, parties(None, None))), vec![vec![ada()]]);

        for state in [State::OutOfNetwork, State::InReview] {
            assert!(notices(
                &request(Direction::ToCompany, state, None),
                parties(None, None)
            )
            .is_empty());
        }
    }

    #[test]
    fn routing_follows_the_seed() {
        assert_eq!(route(false, false), State::OutOfNetwork);
        assert_eq!(route(false, true), State::OutOfNetwork);
        assert_eq!(route(true, true), State::InReview);
        assert_eq!(route(true, false), State::Delivered);
    }

    #[test]
    fn every_allowed_change_and_nothing_else() {
        use Action::*;
        let actions = [
            ContactJoined,
            ContactJoinedUnderReview,
            MakeIntro,
            NetworkDecline,
            Accept,
            Decline,
            NoCompanyAdmin,
        ];
        let mut allowed = Vec::new();
        for from in State::ALL {
            for action in actions {
                if let Some(t) = transition(from, action) {
                    allowed.push((from, action, t.to));
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (State::OutOfNetwork, ContactJoined, State::Delivered),
                (
                    State::OutOfNetwork,
                    ContactJoinedUnderReview,
                    State::InReview
                ),
                (
                    State::OutOfNetwork,
                    NetworkDecline,
                    State::DeclinedByNetwork
                ),
                (State::InReview, MakeIntro, State::Delivered),
                (State::InReview, NetworkDecline, State::DeclinedByNetwork),
                (State::InReview, NoCompanyAdmin, State::OutOfNetwork),
                (State::Delivered, Accept, State::Accepted),
                (State::Delivered, Decline, State::Declined),
                (State::Delivered, NoCompanyAdmin, State::OutOfNetwork),
            ]
        );
        // A closed request never moves again.
        for state in State::ALL.into_iter().filter(|s| !s.is_open()) {
            assert!(TRANSITIONS.iter().all(|t| t.from != state), "{state}");
        }
        // Only the recipient answers a delivered request; only admins review.
        for t in TRANSITIONS {
            match t.action {
                Accept | Decline => assert_eq!(t.by, Party::Recipient),
                MakeIntro | NetworkDecline => assert_eq!(t.by, Party::NetworkAdmin),
                ContactJoined | ContactJoinedUnderReview | NoCompanyAdmin => {
                    assert_eq!(t.by, Party::System)
                }
            }
        }
    }

    #[test]
    fn a_contact_joining_sends_waiting_requests_on_or_to_review() {
        assert_eq!(
            transition(State::OutOfNetwork, on_contact_joined(false)).map(|t| t.to),
            Some(State::Delivered)
        );
        assert_eq!(
            transition(State::OutOfNetwork, on_contact_joined(true)).map(|t| t.to),
            Some(State::InReview)
        );
    }

    #[test]
    fn states_round_trip_their_stored_names() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
        assert_eq!(State::parse("pending"), None);
        for d in [Direction::ToCompany, Direction::ToProfessional] {
            assert_eq!(Direction::parse(d.as_str()), Some(d));
        }
    }

    #[test]
    fn messages_are_bounded_text() {
        assert_eq!(check_text("  hi\r\nthere ", 10).unwrap(), "hi\nthere");
        assert_eq!(check_text("   ", 10), Err(TextError::Empty));
        assert_eq!(check_text(&"x".repeat(11), 10), Err(TextError::TooLong(10)));
        assert_eq!(check_text("a\u{7}b", 10), Err(TextError::Control));
        assert_eq!(check_text("<b>é</b>", 10).unwrap(), "<b>é</b>");
    }
}
