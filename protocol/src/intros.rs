//! Introduction requests between a network's professionals and its companies (seed 001), on
//! the wire: the requests as each party sees them, the Inbox, the network's gatekeeper
//! setting, and the network's companies. The rules (states, who may move a request) live in
//! the server; these are the shapes.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::bounds::{chars, email, Bounded, TooLong};
use crate::limits::NAME_MAX_CHARS;

/// Longest message of a request, in characters.
pub const INTRO_MESSAGE_MAX_CHARS: usize = 2_000;
/// Longest reason of a decline, in characters.
pub const INTRO_REASON_MAX_CHARS: usize = 1_000;
/// Longest company website, in characters.
pub const COMPANY_WEBSITE_MAX_CHARS: usize = 300;
/// Longest company description, in characters.
pub const COMPANY_DESCRIPTION_MAX_CHARS: usize = 1_000;

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntroRequestState {
    /// Waiting for the company to have a Company Admin (the Inbox, *Out of network*).
    OutOfNetwork,
    /// Waiting for a Network Admin's review (the Inbox, *In network*).
    InReview,
    /// With its recipient, to accept or decline.
    Delivered,
    /// Accepted: both sides were introduced by email.
    Accepted,
    DeclinedByNetwork,
    Declined,
}

/// Which way a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntroDirection {
    ToCompany,
    ToProfessional,
}

/// A request, as its parties and the network's reviewers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroRequestView {
    pub id: i64,
    pub network_id: i64,
    pub company_id: i64,
    pub company_name: String,
    pub professional_name: String,
    pub headline: String,
    pub linkedin_url: String,
    pub cv_url: Option<String>,
    pub direction: IntroDirection,
    /// Text, as the requester wrote it.
    pub message: String,
    pub state: IntroRequestState,
    /// The reason given with a decline.
    pub reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The Inbox: the requests that need a Network Admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroInbox {
    /// Requests to companies without a Company Admin, by company.
    pub out_of_network: Vec<IntroRequestView>,
    /// Requests waiting for review (gatekeeper mode).
    pub in_network: Vec<IntroRequestView>,
    pub gatekeeper: bool,
}

/// `POST /v1/networks/{network_id}/intro-requests`: a professional requests an introduction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewIntroRequest {
    pub company_id: i64,
    /// Why them, why now: 1 to 2,000 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub message: String,
}

/// A request made: its id and where it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroRequestCreated {
    pub id: i64,
    pub state: IntroRequestState,
}

/// `POST …/inbox/{request_id}/review`: *Make Intro*, or *Decline* with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroReview {
    pub make_intro: bool,
    /// Required to decline: shown to the professional.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub reason: String,
}

/// `POST /v1/companies/{company_id}/intro-requests/{request_id}/answer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroRequestAnswer {
    pub accept: bool,
    /// Optional, with a decline.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub reason: String,
}

/// The network's gatekeeper setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntroSettings {
    /// Network Admins review all introduction requests before they are sent.
    pub gatekeeper: bool,
}

/// A company of the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompanyView {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub description: Option<String>,
    pub company_admins: u64,
    /// Requests waiting for a Company Admin.
    pub waiting: u64,
}

/// `POST /v1/networks/{network_id}/companies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewCompany {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name: String,
    /// A website or a domain.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub website: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub description: String,
}

/// `POST /v1/networks/{network_id}/companies/{company_id}/contacts`: *Add point of contact and
/// suggest intro* (an invitation to become the company's Company Admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompanyContact {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
}

/// `POST /v1/companies/{company_id}/intro-requests`: the company (one of its Company Admins)
/// requests an introduction to a professional of its network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewCompanyIntroRequest {
    /// A confirmed professional of the company's network
    /// (`GET /v1/companies/{company_id}/professionals`).
    pub professional_id: i64,
    /// Why them, why now: 1 to 2,000 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub message: String,
}

/// A confirmed professional of the network, as a Company Admin picks one to request an
/// introduction to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProfessionalSummary {
    pub id: i64,
    pub name: String,
    pub headline: String,
    pub linkedin_url: String,
}

/// Where an invitation to become a Company Admin is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CompanyInvitationState {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

/// An invitation to become a company's Company Admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompanyInvitationView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub state: CompanyInvitationState,
    /// Who invited (a Network Admin or a colleague), if they are still known.
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A Company Admin of a company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompanyAdminView {
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub since: i64,
}

/// A company's Company Admins and the invitations to become one (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompanyTeam {
    pub company_id: i64,
    pub company_name: String,
    /// Who receives the company's introduction requests now.
    pub admins: Vec<CompanyAdminView>,
    /// Every invitation to become one, in any state.
    pub invitations: Vec<CompanyInvitationView>,
}

/// What removing a Company Admin did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompanyAdminRemoved {
    /// Company Admins the company has left.
    pub admins_left: u64,
    /// Requests to the company that were waiting on its Company Admins and, with none left,
    /// went back to the Inbox's *Out of network*.
    pub requests_back_to_inbox: u64,
}

impl Bounded for NewCompanyIntroRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("message", &self.message, INTRO_MESSAGE_MAX_CHARS)
    }
}

impl Bounded for NewIntroRequest {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("message", &self.message, INTRO_MESSAGE_MAX_CHARS)
    }
}

impl Bounded for IntroReview {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("reason", &self.reason, INTRO_REASON_MAX_CHARS)
    }
}

impl Bounded for IntroRequestAnswer {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("reason", &self.reason, INTRO_REASON_MAX_CHARS)
    }
}

impl Bounded for IntroSettings {
    fn check_bounds(&self) -> Result<(), TooLong> {
        Ok(())
    }
}

impl Bounded for NewCompany {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("name", &self.name, NAME_MAX_CHARS)?;
        chars("website", &self.website, COMPANY_WEBSITE_MAX_CHARS)?;
        chars(
            "description",
            &self.description,
            COMPANY_DESCRIPTION_MAX_CHARS,
        )
    }
}

impl Bounded for CompanyContact {
    fn check_bounds(&self) -> Result<(), TooLong> {
        chars("name", &self.name, NAME_MAX_CHARS)?;
        email(&self.email)
    }
}
