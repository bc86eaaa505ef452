//! Introduction requests as services (the console pages call these; the rules of moving a
//! request are [`crate::intro_requests`], applied by [`crate::db::intro_requests`]): a
//! professional or a Company Admin makes a request, a Network Admin reviews (*Make Intro*,
//! *Decline*), the recipient answers (accept, decline), a Network Admin switches gatekeeper
//! mode, someone joins a network's talent, and the daily "companies not ready" digest.
//!
//! Every service checks who is asking against the request's own network and company before
//! anything changes; a refusal changes nothing.

use allyshare_protocol::Permission;

use crate::api::{require_permission_of, ApiFailure};
use crate::db::intro_requests::{
    Actor, ApplyOutcome, CreateOutcome, JoinOutcome, NewProfessional, NewRequest, RequestRecord,
};
use crate::db::RepoError;
use crate::intro_requests::{check_text, Action, Direction, State, MESSAGE_MAX_CHARS};
use crate::App;

/// Longest headline, in characters.
pub const HEADLINE_MAX_CHARS: usize = 200;
/// Longest profile or CV link, in characters.
pub const LINK_MAX_CHARS: usize = 500;

/// A day, in seconds.
const DAY: i64 = 24 * 60 * 60;

/// Most confirmation emails one address gets from one network's join page in a day (joining
/// again before confirming sends it again, up to this).
pub const MAX_CONFIRMATION_EMAILS_PER_DAY: u32 = 3;

/// The join page's throttle, as sign-in's ([`crate::throttle`]: its buckets where sign-in's are, spent before
/// anything is checked or stored, whether or not the address has an account): 5 tries for one
/// address from one client, then one every 12 minutes; 10 for one address from anywhere, then
/// one every 6 minutes; 20 from one client, then one every 3 minutes.
pub const JOIN_LIMITS: crate::throttle::SignInLimits = crate::throttle::SignInLimits {
    per_account_address: crate::throttle::Rate {
        burst: 5,
        refill_secs: 12 * 60,
    },
    per_account: crate::throttle::Rate {
        burst: 10,
        refill_secs: 6 * 60,
    },
    per_address: crate::throttle::Rate {
        burst: 20,
        refill_secs: 3 * 60,
    },
};
/// The digest goes out from this hour of the UTC day on (08:00).
pub const DIGEST_HOUR_UTC: i64 = 8;

/// Why an action on a request was refused (nothing changed).
#[derive(Debug, thiserror::Error)]
pub enum IntroError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("an open request between them exists already")]
    AlreadyOpen(i64),
    #[error("confirm your email before you request introductions")]
    NotConfirmed,
    #[error("no such request, company or professional here")]
    NotFound,
    #[error("this request is {0} and cannot be changed that way")]
    NotAllowed(State),
    #[error("an account with this email exists already")]
    EmailTaken,
    #[error(
        "the confirmation email went to this address {MAX_CONFIRMATION_EMAILS_PER_DAY} times \
         in the last 24 hours, the most allowed: look for it in your inbox and spam folder, or \
         try again tomorrow"
    )]
    TooManyConfirmations,
    #[error(transparent)]
    Refused(#[from] ApiFailure),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

fn invalid(field: &'static str, e: impl ToString) -> IntroError {
    IntroError::Invalid {
        field,
        message: e.to_string(),
    }
}

/// A link someone typed: `https://…` (or `http://`), no spaces, bounded.
pub fn check_link(
    field: &'static str,
    link: &str,
    required: bool,
) -> Result<Option<String>, IntroError> {
    let link = link.trim();
    if link.is_empty() {
        return if required {
            Err(invalid(field, "it is empty"))
        } else {
            Ok(None)
        };
    }
    if link.chars().count() > LINK_MAX_CHARS {
        return Err(invalid(
            field,
            format!("it is longer than {LINK_MAX_CHARS} characters"),
        ));
    }
    let ok = (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() > "https://x".len()
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(invalid(field, "it is not a web address (https://…)"));
    }
    Ok(Some(link.to_string()))
}

/// A person's name as recorded with a change.
async fn actor_name(app: &App, person_id: i64) -> Result<String, IntroError> {
    Ok(app
        .repo()
        .me(person_id)
        .await?
        .map(|me| me.person.name)
        .unwrap_or_default())
}

/// Someone joining a network's talent through its join page.
#[derive(Debug, Clone, Default)]
pub struct JoinForm {
    pub name: String,
    pub email: String,
    pub headline: String,
    pub linkedin_url: String,
    pub cv_url: String,
    pub password: String,
}

impl App {
    /// Whether the network is in gatekeeper mode.
    pub async fn gatekeeper(&self, network_id: i64) -> Result<bool, IntroError> {
        Ok(self
            .repo()
            .intros()
            .gatekeeper(network_id)
            .await?
            .unwrap_or(false))
    }

    /// Switches gatekeeper mode (the person must manage the network's settings).
    pub async fn set_gatekeeper(
        &self,
        person_id: i64,
        network_id: i64,
        on: bool,
    ) -> Result<(), IntroError> {
        require_permission_of(self, person_id, network_id, Permission::ManageSettings).await?;
        self.repo().intros().set_gatekeeper(network_id, on).await?;
        Ok(())
    }

    /// A professional of the network requests an introduction to one of its companies.
    pub async fn request_intro_to_company(
        &self,
        person_id: i64,
        network_id: i64,
        company_id: i64,
        message: &str,
    ) -> Result<(i64, State), IntroError> {
        let message = check_text(message, MESSAGE_MAX_CHARS).map_err(|e| invalid("message", e))?;
        let professional = self
            .repo()
            .intros()
            .professional(network_id, person_id)
            .await?
            .ok_or(IntroError::Refused(ApiFailure::Forbidden(
                "Only a professional of this network can request an introduction.",
            )))?;
        if !professional.confirmed {
            return Err(IntroError::NotConfirmed);
        }
        self.create_request(
            network_id,
            company_id,
            professional.id,
            Direction::ToCompany,
            &message,
            person_id,
            &professional.name,
        )
        .await
    }

    /// A Company Admin requests, for their company, an introduction to a professional of the
    /// company's network.
    pub async fn request_intro_to_professional(
        &self,
        person_id: i64,
        company_id: i64,
        professional_id: i64,
        message: &str,
    ) -> Result<(i64, State), IntroError> {
        let message = check_text(message, MESSAGE_MAX_CHARS).map_err(|e| invalid("message", e))?;
        let company = self
            .repo()
            .companies()
            .company_of_admin(person_id, company_id)
            .await?
            .ok_or(IntroError::Refused(ApiFailure::Forbidden(
                "Only a Company Admin of this company can do this.",
            )))?;
        let name = actor_name(self, person_id).await?;
        self.create_request(
            company.network_id,
            company.id,
            professional_id,
            Direction::ToProfessional,
            &message,
            person_id,
            &name,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn create_request(
        &self,
        network_id: i64,
        company_id: i64,
        professional_id: i64,
        direction: Direction,
        message: &str,
        person_id: i64,
        name: &str,
    ) -> Result<(i64, State), IntroError> {
        let outcome = self
            .repo()
            .intros()
            .create_request(&NewRequest {
                network_id,
                company_id,
                professional_id,
                direction,
                message,
                by: Actor { person_id, name },
                now: self.now(),
            })
            .await?;
        match outcome {
            CreateOutcome::Created { id, state } => {
                self.wake_mail();
                Ok((id, state))
            }
            CreateOutcome::AlreadyOpen(id) => Err(IntroError::AlreadyOpen(id)),
            CreateOutcome::NotFound => Err(IntroError::NotFound),
            CreateOutcome::NotConfirmed => Err(IntroError::NotConfirmed),
        }
    }

    async fn apply(
        &self,
        network_id: i64,
        request_id: i64,
        action: Action,
        person_id: i64,
        reason: Option<&str>,
    ) -> Result<State, IntroError> {
        let name = actor_name(self, person_id).await?;
        let outcome = self
            .repo()
            .intros()
            .apply(
                network_id,
                request_id,
                action,
                Actor {
                    person_id,
                    name: &name,
                },
                reason,
                self.now(),
            )
            .await?;
        match outcome {
            ApplyOutcome::Applied(state) => {
                self.wake_mail();
                Ok(state)
            }
            ApplyOutcome::NotAllowed(state) => Err(IntroError::NotAllowed(state)),
            ApplyOutcome::NotFound => Err(IntroError::NotFound),
        }
    }

    /// A Network Admin's *Make Intro* (`Action::MakeIntro`) or *Decline* with a reason
    /// (`Action::NetworkDecline`) on a request of their network.
    pub async fn review_request(
        &self,
        person_id: i64,
        network_id: i64,
        request_id: i64,
        make_intro: bool,
        reason: &str,
    ) -> Result<State, IntroError> {
        require_permission_of(self, person_id, network_id, Permission::ReviewRequests).await?;
        if make_intro {
            self.apply(network_id, request_id, Action::MakeIntro, person_id, None)
                .await
        } else {
            let reason = check_text(reason, crate::intro_requests::REASON_MAX_CHARS)
                .map_err(|e| invalid("reason", e))?;
            self.apply(
                network_id,
                request_id,
                Action::NetworkDecline,
                person_id,
                Some(&reason),
            )
            .await
        }
    }

    /// The recipient's answer to a delivered request: a Company Admin of its company (a
    /// request to a company, `company_id` from their page) or its professional (a request to a
    /// professional, `network_id` from their page). The reason of a decline is optional.
    pub async fn answer_request(
        &self,
        person_id: i64,
        side: AnswerSide,
        request_id: i64,
        accept: bool,
        reason: &str,
    ) -> Result<State, IntroError> {
        let (network_id, request) = match side {
            AnswerSide::Company(company_id) => {
                let company = self
                    .repo()
                    .companies()
                    .company_of_admin(person_id, company_id)
                    .await?
                    .ok_or(IntroError::Refused(ApiFailure::Forbidden(
                        "Only a Company Admin of this company can do this.",
                    )))?;
                let request = self
                    .repo()
                    .intros()
                    .request(company.network_id, request_id)
                    .await?
                    .filter(|r| r.company_id == company.id && r.direction == Direction::ToCompany)
                    .ok_or(IntroError::NotFound)?;
                (company.network_id, request)
            }
            AnswerSide::Professional(network_id) => {
                let request = self
                    .repo()
                    .intros()
                    .request(network_id, request_id)
                    .await?
                    .filter(|r| {
                        r.professional_person_id == person_id
                            && r.direction == Direction::ToProfessional
                    })
                    .ok_or(IntroError::NotFound)?;
                (network_id, request)
            }
        };
        let reason = match check_text(reason, crate::intro_requests::REASON_MAX_CHARS) {
            Ok(text) if !accept => Some(text),
            Ok(_) | Err(crate::intro_requests::TextError::Empty) => None,
            Err(e) => return Err(invalid("reason", e)),
        };
        let action = if accept {
            Action::Accept
        } else {
            Action::Decline
        };
        self.apply(network_id, request.id, action, person_id, reason.as_deref())
            .await
    }

    /// The network's requests waiting for a Network Admin: (*Out of network*, *In network*).
    pub async fn inbox(
        &self,
        person_id: i64,
        network_id: i64,
    ) -> Result<(Vec<RequestRecord>, Vec<RequestRecord>), IntroError> {
        require_permission_of(self, person_id, network_id, Permission::ReviewRequests).await?;
        let intros = self.repo().intros();
        Ok((
            intros
                .requests_in(network_id, &[State::OutOfNetwork])
                .await?,
            intros.requests_in(network_id, &[State::InReview]).await?,
        ))
    }

    /// Joins the network's talent: the account (with its password's hash), the profile, and
    /// the confirmation email queued. Someone who joined already and has not confirmed gets
    /// the confirmation email again (at most [`MAX_CONFIRMATION_EMAILS_PER_DAY`] a day),
    /// nothing else changing. The join page spends [`App::throttle_join`] first.
    pub async fn join_as_professional(
        &self,
        network_id: i64,
        form: JoinForm,
    ) -> Result<i64, IntroError> {
        let name = crate::invite::check_name("name", &form.name).map_err(|e| invalid("name", e))?;
        let email = crate::invite::check_email(&form.email).map_err(|e| invalid("email", e))?;
        let headline = match check_text(&form.headline, HEADLINE_MAX_CHARS) {
            Ok(text) if !text.contains('\n') => text,
            Ok(_) => return Err(invalid("headline", "it must be one line")),
            Err(e) => return Err(invalid("headline", e)),
        };
        let linkedin = check_link("linkedin_url", &form.linkedin_url, true)?.unwrap_or_default();
        let cv = check_link("cv_url", &form.cv_url, false)?;
        crate::passwords::check_new_password(&form.password).map_err(|e| invalid("password", e))?;
        let hash = self.hash_new_password(form.password).await?;
        let outcome = self
            .repo()
            .intros()
            .join_as_professional(&NewProfessional {
                network_id,
                name: &name,
                email: &email,
                headline: &headline,
                linkedin_url: &linkedin,
                cv_url: cv.as_deref(),
                password_hash: &hash,
                now: self.now(),
                daily_emails: MAX_CONFIRMATION_EMAILS_PER_DAY,
            })
            .await?;
        match outcome {
            JoinOutcome::Joined { professional_id } | JoinOutcome::Resent { professional_id } => {
                self.wake_mail();
                Ok(professional_id)
            }
            JoinOutcome::TooManyEmails => Err(IntroError::TooManyConfirmations),
            JoinOutcome::EmailTaken => Err(IntroError::EmailTaken),
            JoinOutcome::NoSuchNetwork => Err(IntroError::NotFound),
        }
    }

    /// Invites `name <email>` to the network's talent (the person must review requests): the
    /// email's link lets them complete their profile and confirm their email.
    pub async fn invite_professional(
        &self,
        person_id: i64,
        network_id: i64,
        name: &str,
        email: &str,
    ) -> Result<i64, IntroError> {
        require_permission_of(self, person_id, network_id, Permission::ReviewRequests).await?;
        let name = crate::invite::check_name("name", name).map_err(|e| invalid("name", e))?;
        let email = crate::invite::check_email(email).map_err(|e| invalid("email", e))?;
        match self
            .repo()
            .intros()
            .invite_professional(network_id, &name, &email, self.now())
            .await?
        {
            Some(id) => {
                self.wake_mail();
                Ok(id)
            }
            None => Err(IntroError::EmailTaken),
        }
    }

    /// An invited professional's profile and password, through their link: confirmed.
    pub async fn complete_professional(
        &self,
        token_hash: &str,
        headline: &str,
        linkedin_url: &str,
        cv_url: &str,
        password: String,
    ) -> Result<Option<(i64, i64)>, IntroError> {
        let headline = match check_text(headline, HEADLINE_MAX_CHARS) {
            Ok(text) if !text.contains('\n') => text,
            Ok(_) => return Err(invalid("headline", "it must be one line")),
            Err(e) => return Err(invalid("headline", e)),
        };
        let linkedin = check_link("linkedin_url", linkedin_url, true)?.unwrap_or_default();
        let cv = check_link("cv_url", cv_url, false)?;
        crate::passwords::check_new_password(&password).map_err(|e| invalid("password", e))?;
        let hash = self.hash_new_password(password).await?;
        Ok(self
            .repo()
            .intros()
            .complete_professional(
                token_hash,
                (&headline, &linkedin, cv.as_deref()),
                &hash,
                self.now(),
            )
            .await?)
    }

    /// Queues today's "companies not ready" digests, if it is past [`DIGEST_HOUR_UTC`] and
    /// they were not queued yet today (the server's schedule and the `digest` command); with
    /// `now_regardless`, whatever the hour. How many networks got one.
    pub async fn queue_digests(&self, regardless_of_hour: bool) -> Result<usize, RepoError> {
        let now = self.now();
        let day = now.div_euclid(DAY);
        if !regardless_of_hour && now.rem_euclid(DAY) < DIGEST_HOUR_UTC * 3600 {
            return Ok(0);
        }
        let queued = self.repo().intros().queue_digests(day, now).await?;
        if queued > 0 {
            self.wake_mail();
        }
        Ok(queued)
    }
}

/// Whose page a recipient answers from.
#[derive(Debug, Clone, Copy)]
pub enum AnswerSide {
    Company(i64),
    Professional(i64),
}
