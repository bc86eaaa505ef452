//! The emails around introduction requests, all through the paced mail queue:
//!
//! - the **Company Admin invitation** and the **professional's email confirmation** carry a
//!   link whose token is made when the email is sent (only its hash is stored, like a
//!   member's invitation), so their queue rows hold no secret;
//! - the **notices** — a request delivered to its recipient, the introduction on accept (to
//!   both sides, the network's reviewers in copy: a double opt-in), a decline, the daily
//!   "companies not ready" digest — are rendered here from text templates when the change
//!   they tell about is stored (in its transaction, [`crate::db::intro_requests`]) and kept
//!   in `intro_notices` until sent.
//!
//! A notice's links are written with [`LINK_BASE`] where the server's public URL goes, and
//! the URL is put in when it is sent: the data layer that renders notices does not know it.
//! The marker holds a control character, which no checked name or message may contain.

use askama::Template;

use crate::db::intro_requests::{NotReady, RequestRecord};
use crate::db::{ClaimedMail, MailDone, Repository};
use crate::intro_requests::Direction;
use crate::invite::{send_and_record, InviteError};
use crate::mail::{wrap_note, Delivery, Mailer};
use crate::tokens::{hash_token, new_token};

/// Where the public URL goes in a notice's links.
pub const LINK_BASE: &str = "\u{1}";

/// A Company Admin invitation is valid this many days.
pub const COMPANY_INVITATION_VALID_DAYS: i64 = 7;

fn lines(text: &str) -> Vec<String> {
    wrap_note(text).into_iter().flatten().collect()
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[derive(Template)]
#[template(path = "email/intro_delivered.txt")]
struct DeliveredText<'a> {
    from: &'a str,
    to: &'a str,
    network: &'a str,
    professional: &'a str,
    headline: String,
    linkedin: &'a str,
    cv: Option<&'a str>,
    message: Vec<String>,
    link: String,
}

#[derive(Template)]
#[template(path = "email/intro_introduction.txt")]
struct IntroductionText<'a> {
    network: &'a str,
    professional: &'a str,
    professional_email: &'a str,
    headline: String,
    linkedin: &'a str,
    company: &'a str,
    company_person: &'a str,
    company_email: &'a str,
    message: Vec<String>,
}

#[derive(Template)]
#[template(path = "email/intro_declined.txt")]
struct DeclinedText<'a> {
    name: &'a str,
    to: &'a str,
    who: &'a str,
    network: &'a str,
    reason: Option<Vec<String>>,
    link: String,
}

#[derive(Template)]
#[template(path = "email/intro_digest.txt")]
struct DigestText<'a> {
    name: &'a str,
    network: &'a str,
    companies: Vec<(String, i64, String)>,
    link: String,
}

#[derive(Template)]
#[template(path = "email/company_admin_invitation.txt")]
struct CompanyInvitationText<'a> {
    name: &'a str,
    inviter: &'a str,
    company: &'a str,
    network: &'a str,
    waiting: i64,
    link: &'a str,
    valid_days: i64,
}

#[derive(Template)]
#[template(path = "email/professional_confirm.txt")]
struct ConfirmText<'a> {
    invited: bool,
    name: &'a str,
    network: &'a str,
    link: &'a str,
}

fn rendered(template: impl Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "an introduction email failed to render");
        String::from("(This email could not be written. Please open AllyShare.)")
    })
}

/// The recipient's page of a request.
fn recipient_page(request: &RequestRecord) -> String {
    match request.direction {
        Direction::ToCompany => format!("{LINK_BASE}/admin/companies/{}", request.company_id),
        Direction::ToProfessional => {
            format!("{LINK_BASE}/admin/professional/{}", request.network_id)
        }
    }
}

/// The requester's page of a request.
fn requester_page(request: &RequestRecord) -> String {
    match request.direction {
        Direction::ToCompany => format!("{LINK_BASE}/admin/professional/{}", request.network_id),
        Direction::ToProfessional => format!("{LINK_BASE}/admin/companies/{}", request.company_id),
    }
}

/// The request delivered to its recipient: (subject, body).
pub fn delivered(r: &RequestRecord) -> (String, String) {
    let (from, to) = match r.direction {
        Direction::ToCompany => (&r.professional_name, &r.company_name),
        Direction::ToProfessional => (&r.company_name, &r.professional_name),
    };
    let subject = format!("{from} requests an introduction to {to}");
    let body = rendered(DeliveredText {
        from,
        to,
        network: &r.network_name,
        professional: &r.professional_name,
        headline: one_line(&r.headline),
        linkedin: &r.linkedin_url,
        cv: r.cv_url.as_deref(),
        message: lines(&r.message),
        link: recipient_page(r),
    });
    (subject, body)
}

/// The introduction, once accepted, naming both sides (the company's person: `company_side`).
pub fn introduction(r: &RequestRecord, company_side: &(String, String)) -> (String, String) {
    let subject = format!(
        "Introduction: {} and {} ({})",
        r.professional_name, company_side.0, r.company_name
    );
    let body = rendered(IntroductionText {
        network: &r.network_name,
        professional: &r.professional_name,
        professional_email: &r.professional_email,
        headline: one_line(&r.headline),
        linkedin: &r.linkedin_url,
        company: &r.company_name,
        company_person: &company_side.0,
        company_email: &company_side.1,
        message: lines(&r.message),
    });
    (subject, body)
}

/// A decline, told to the requester (`name`) kindly, with the reason if one was given.
pub fn declined(r: &RequestRecord, name: &str) -> (String, String) {
    let to = match r.direction {
        Direction::ToCompany => &r.company_name,
        Direction::ToProfessional => &r.professional_name,
    };
    let who = match r.state {
        crate::intro_requests::State::DeclinedByNetwork => r.network_name.as_str(),
        _ => to.as_str(),
    };
    let subject = format!("Your introduction request to {to}");
    let body = rendered(DeclinedText {
        name,
        to,
        who,
        network: &r.network_name,
        reason: r.reason.as_deref().map(lines),
        link: requester_page(r),
    });
    (subject, body)
}

/// The "companies not ready" digest to one Network Admin.
pub fn digest(
    name: &str,
    network: &str,
    network_id: i64,
    companies: &[NotReady],
) -> (String, String) {
    let subject = match companies.len() {
        1 => format!("1 company of {network} is not ready to receive introduction requests"),
        n => format!("{n} companies of {network} are not ready to receive introduction requests"),
    };
    let body = rendered(DigestText {
        name,
        network,
        companies: companies
            .iter()
            .map(|c| {
                (
                    c.company_name.clone(),
                    c.waiting,
                    crate::console::page::iso_date(c.oldest_at),
                )
            })
            .collect(),
        link: format!("{LINK_BASE}/admin/networks/{network_id}/inbox"),
    });
    (subject, body)
}

/// Sends one claimed notice.
pub async fn send_notice(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    mail: ClaimedMail,
    notice_id: i64,
    now: i64,
) -> Result<Option<Delivery>, InviteError> {
    let Some(notice) = repo.intros().notice(notice_id).await? else {
        repo.finish_mail(mail.id, &MailDone::Dropped, now).await?;
        return Ok(None);
    };
    let body = notice
        .body
        .replace(LINK_BASE, public_url.trim_end_matches('/'));
    let message = mailer.plain(&notice.to, &notice.cc, &notice.subject, body);
    Ok(Some(
        send_and_record(repo, mailer, mail, message, now).await?,
    ))
}

/// Sends one claimed Company Admin invitation, with a fresh link (the previous one stops
/// working); `None` when it was accepted or expired meanwhile (nothing sent).
pub async fn send_company_invitation(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    mail: ClaimedMail,
    invitation_id: i64,
    now: i64,
) -> Result<Option<(String, Delivery)>, InviteError> {
    let token = new_token();
    let Some(invitation) = repo
        .companies()
        .issue_company_invitation_token(invitation_id, &hash_token(&token), now)
        .await?
    else {
        repo.finish_mail(mail.id, &MailDone::Dropped, now).await?;
        return Ok(None);
    };
    let waiting = repo
        .companies()
        .company(invitation.network_id, invitation.company_id)
        .await?
        .map_or(0, |c| c.waiting);
    let link = format!(
        "{}/company-invite/{token}",
        public_url.trim_end_matches('/')
    );
    let inviter = invitation
        .invited_by
        .clone()
        .map(|name| format!("{name} ({})", invitation.network_name))
        .unwrap_or_else(|| invitation.network_name.clone());
    let body = rendered(CompanyInvitationText {
        name: &invitation.name,
        inviter: &inviter,
        company: &invitation.company_name,
        network: &invitation.network_name,
        waiting,
        link: &link,
        valid_days: COMPANY_INVITATION_VALID_DAYS,
    });
    let message = mailer.plain(
        &[(invitation.name.clone(), invitation.email.clone())],
        &[],
        &format!(
            "You're invited to receive introduction requests for {}",
            invitation.company_name
        ),
        body,
    );
    let delivery = send_and_record(repo, mailer, mail, message, now).await?;
    Ok(Some((link, delivery)))
}

/// Sends one claimed email confirmation of a professional, with a fresh link; `None` when
/// they confirmed meanwhile.
pub async fn send_confirmation(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    mail: ClaimedMail,
    professional_id: i64,
    now: i64,
) -> Result<Option<(String, Delivery)>, InviteError> {
    let token = new_token();
    let Some((professional, network)) = repo
        .intros()
        .issue_confirmation_token(professional_id, &hash_token(&token))
        .await?
    else {
        repo.finish_mail(mail.id, &MailDone::Dropped, now).await?;
        return Ok(None);
    };
    let link = format!("{}/join/confirm/{token}", public_url.trim_end_matches('/'));
    // Invited (no password yet): the link completes the profile too.
    let invited = repo
        .find_person_by_email(&professional.email)
        .await?
        .is_some_and(|p| p.password_hash.is_none());
    let body = rendered(ConfirmText {
        invited,
        name: &professional.name,
        network: &network,
        link: &link,
    });
    let message = mailer.plain(
        &[(professional.name.clone(), professional.email.clone())],
        &[],
        &if invited {
            format!("You're invited to join {network}")
        } else {
            format!("Confirm your email for {network}")
        },
        body,
    );
    let delivery = send_and_record(repo, mailer, mail, message, now).await?;
    Ok(Some((link, delivery)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intro_requests::State;

    fn request() -> RequestRecord {
        RequestRecord {
            id: 1,
            network_id: 2,
            network_name: "Getro Network".into(),
            company_id: 3,
            company_name: "Acme <Labs>".into(),
            professional_id: 4,
            professional_person_id: 5,
            professional_name: "Pat Pro".into(),
            professional_email: "pat@example.org".into(),
            headline: "Engineer".into(),
            linkedin_url: "https://www.linkedin.com/in/pat/".into(),
            cv_url: None,
            direction: Direction::ToCompany,
            message: format!("Why me:\n{}", "word ".repeat(60)),
            state: State::Delivered,
            reason: None,
            created_by: Some(5),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_delivered_request_names_both_and_links_the_recipients_page() {
        let (subject, body) = delivered(&request());
        assert_eq!(subject, "Pat Pro requests an introduction to Acme <Labs>");
        assert!(body.contains("Pat Pro: Engineer"), "{body}");
        assert!(
            body.contains(&format!("{LINK_BASE}/admin/companies/3")),
            "{body}"
        );
        assert!(body.lines().all(|l| l.chars().count() < 100), "{body}");
    }

    #[test]
    fn a_decline_is_kind_and_carries_the_reason() {
        let mut r = request();
        r.state = State::DeclinedByNetwork;
        r.reason = Some("Not hiring now".into());
        let (subject, body) = declined(&r, "Pat Pro");
        assert_eq!(subject, "Your introduction request to Acme <Labs>");
        assert!(
            body.contains("Getro Network could not take it further"),
            "{body}"
        );
        assert!(body.contains("    Not hiring now"), "{body}");
        assert!(body.contains("no judgement"), "{body}");
    }
}
