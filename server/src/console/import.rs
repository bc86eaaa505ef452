//! *Bulk invite from a CSV*: upload a file, see what was read from it, *Invite*, then the
//! per-row result (downloadable as CSV) and how far its emails have gone through the paced mail
//! queue.
//!
//! Without script, in four steps (Post/Redirect/Get between them):
//!
//! 1. `GET …/team/import`: the type (Ally or Network Admin), a Network Admin's permission
//!    template (Admin, Recruiter, Viewer, as Invite Member asks; kept with the file and given
//!    to every invitation of the import) and the file.
//! 2. `POST …/team/import` (`multipart/form-data`, the form token among its parts, checked by
//!    [`crate::cross_site`]): the file is read at once by the one CSV reader
//!    ([`crate::csvfile`], as the API and the CLI read it). A file that cannot be read whole is
//!    refused there, on the upload page, with what to do; nothing is stored or invited. A
//!    readable one is kept server-side ([`crate::db::imports`]: the uploader's, in this
//!    network, for an hour) and the browser goes to its preview. Keeping it means the browser
//!    never sends it back, so what is invited is exactly what was previewed.
//! 3. `GET …/team/import/{id}` while pending: the columns found and which are used, the first
//!    rows, the count, the problems found; *Invite* posts to `…/{id}/invite`, which takes the
//!    file once (a second click finds nothing), invites every row through
//!    [`App::import_invitations`] (the API's service, which writes the audit line), keeps the
//!    report and redirects to:
//! 4. `GET …/team/import/{id}` once imported: totals, the per-row table (paged), *Download
//!    results (CSV)* (`…/{id}/results.csv`, formula-like cells neutralised), and the emails'
//!    progress, refreshed by a small same-origin script from `…/{id}/progress` (a *Refresh*
//!    link without script).
//!
//! Every page and action needs [`Permission::InviteMembers`] in the path's network
//! ([`admin_network_of`]); the pending file is looked up by network and uploader in SQL, a
//! report by network.

use std::collections::HashMap;

use allyshare_protocol::limits::{CSV_MAX_BYTES, CSV_MAX_ROWS};
use allyshare_protocol::{
    ImportOutcome, ImportRow, InvitationImport, Permission, PermissionTemplate, Permissions, Role,
};
use askama::Template;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::page::{admin_network_of, date, render, see_other, AdminNetwork, ConsoleError, Current};
use super::session::ConsoleUser;
use crate::cross_site::FormToken;
use crate::csvfile::{self, CsvError, CsvFile};
use crate::db::imports::{ImportKind, MailProgress, NewPendingImport, PENDING_TTL_SECS};
use crate::db::members::Actor;
use crate::db::normalize_email;
use crate::html::CSP_WITH_SCRIPT;
use crate::i18n::{lang, m, Lang};
use crate::invite::{check_email, check_name, InviteError, MAX_NAME_CHARS};
use crate::App;

/// Rows of the file shown on the preview.
pub const PREVIEW_ROWS: usize = 10;
/// Problem rows listed one by one on the preview (the rest counted).
pub const PREVIEW_PROBLEMS: usize = 20;
/// Rows of one page of the result table.
pub const RESULT_PAGE_ROWS: usize = 100;
/// Longest file name kept (for the pages; the name is never used as a path).
pub const FILE_NAME_MAX_CHARS: usize = 200;
/// How often the result page's script asks for the emails' progress, in milliseconds.
const PROGRESS_EVERY_MS: u32 = 5_000;

const PROGRESS_JS: &str = include_str!("../../assets/import-progress.js");

fn import_path(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/team/import")
}

/// The network of the path for a Network Admin who may invite; every page here needs it.
async fn inviting_network(
    app: &App,
    user: &ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
) -> Result<AdminNetwork, ConsoleError> {
    admin_network_of(app, user, network_id, Some(Permission::InviteMembers)).await
}

/// The network and the import of a `…/import/{id}` path, the network checked first.
async fn inviting_network_and_import(
    app: &App,
    user: &ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<(AdminNetwork, i64), ConsoleError> {
    network_and_import(app, user, ids, Permission::InviteMembers).await
}

/// The network of a `…/{network}/…/import/{id}` path for an admin holding `permission` (the
/// network checked first), and the import's id.
pub(super) async fn network_and_import(
    app: &App,
    user: &ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    permission: Permission,
) -> Result<(AdminNetwork, i64), ConsoleError> {
    let Ok(Path((network_id, import_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let admin = admin_network_of(app, user, Ok(Path(network_id)), Some(permission)).await?;
    Ok((admin, import_id))
}

/// `Ally`, `Network Admin, Recruiter` (the template's name; `Network Admin` alone for an
/// import kept from before templates, which gave every permission).
fn role_label(role: Role, permissions: Option<Permissions>) -> String {
    match (role, permissions.and_then(PermissionTemplate::matching)) {
        (Role::NetworkAdmin, Some(template)) => format!(
            "{}, {}",
            crate::i18n::role_label(role),
            crate::i18n::template_label(template)
        ),
        _ => crate::i18n::role_label(role).to_string(),
    }
}

/// The template the upload form chose: Admin when none was sent (as Invite Member), `None`
/// for a value that is not a template's (a forged form).
fn chosen_template(value: &str) -> Option<PermissionTemplate> {
    if value.is_empty() {
        Some(PermissionTemplate::Admin)
    } else {
        PermissionTemplate::parse(value)
    }
}

/// `1,234` (`1 234` in French).
fn thousands(n: usize) -> String {
    crate::i18n::number(lang(), n as i64)
}

/// The file's name on the pages (`the uploaded file` when the browser sent none).
pub(super) fn shown_file_name(name: &str) -> String {
    if name.is_empty() || name == crate::i18n::EN.the_uploaded_file {
        m().the_uploaded_file.to_string()
    } else {
        name.to_string()
    }
}

/// `14:05 UTC` of a Unix time.
pub(super) fn clock_time(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", secs / 3600, (secs % 3600) / 60)
}

// ---------------------------------------------------------------------------------------------
// Step 1 and 2: the upload.

#[derive(Template)]
#[template(path = "console/import_upload.html")]
struct UploadPage {
    m: crate::i18n::Ui,
    shell: Option<super::page::Shell>,
    network_id: i64,
    network_name: String,
    form_token: String,
    kind: String,
    /// A Network Admin import's permission template, as sent (`admin` when absent).
    template: String,
    templates: Vec<super::team::TemplateOption>,
    /// The file could not be taken: what happened and what to do.
    problem: Option<String>,
    /// What files work, and the limits.
    limits: String,
}

impl UploadPage {
    fn kind_is(&self, kind: &str) -> bool {
        self.kind == kind || (kind == "ally" && self.kind.is_empty())
    }

    fn template_is(&self, template: &str) -> bool {
        chosen_template(&self.template)
            .unwrap_or(PermissionTemplate::Admin)
            .as_str()
            == template
    }
}

fn upload_page(
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: &AdminNetwork,
    kind: &str,
    template: &str,
    problem: Option<String>,
) -> UploadPage {
    UploadPage {
        m: crate::i18n::Ui::current(),
        shell: Some(user.shell(form_token, Some(admin.clone()), Current::Invite)),
        network_id: admin.network.id,
        network_name: admin.network.name.clone(),
        form_token: form_token.0.clone(),
        kind: kind.to_string(),
        template: template.to_string(),
        templates: super::team::template_options(),
        problem,
        limits: crate::i18n::import_limits(lang(), CSV_MAX_ROWS, CSV_MAX_BYTES / (1024 * 1024)),
    }
}

/// `GET /admin/networks/{id}/team/import`.
pub async fn upload_form(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let admin = inviting_network(&app, &user, network_id).await?;
    Ok(render(
        StatusCode::OK,
        &upload_page(&user, &form_token, &admin, "", "", None),
    ))
}

/// What an upload form sent (the team's bulk invite, the companies' import).
#[derive(Debug, Default)]
pub(super) struct Upload {
    kind: String,
    /// A Network Admin import's permission template.
    template: String,
    pub(super) file_name: String,
    /// `None`: no file part at all; `Some(empty)`: no file chosen (browsers send an empty
    /// part).
    pub(super) bytes: Option<Vec<u8>>,
}

impl Upload {
    /// The file's name as kept (`the uploaded file`, in English, when the browser sent none:
    /// the pages word it in their language, see [`shown_file_name`]).
    pub(super) fn kept_file_name(&self) -> String {
        if self.file_name.trim().is_empty() {
            crate::i18n::EN.the_uploaded_file.to_string()
        } else {
            self.file_name.trim().to_string()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(super) enum UploadError {
    #[error("{0}")]
    Unreadable(#[from] CsvError),
    #[error("The upload could not be read. Choose the file again and upload it.")]
    Malformed,
}

/// Reads the form's parts, the file at most [`CSV_MAX_BYTES`] (a larger one is refused
/// without reading the rest).
pub(super) async fn read_upload(mut multipart: Multipart) -> Result<Upload, UploadError> {
    let mut upload = Upload::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| UploadError::Malformed)?
    {
        match field.name() {
            Some("kind") => {
                let text = field.text().await.map_err(|_| UploadError::Malformed)?;
                upload.kind = text.chars().take(32).collect();
            }
            Some("template") => {
                let text = field.text().await.map_err(|_| UploadError::Malformed)?;
                upload.template = text.chars().take(32).collect();
            }
            Some("file") => {
                upload.file_name = field
                    .file_name()
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(FILE_NAME_MAX_CHARS)
                    .collect();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|_| UploadError::Malformed)? {
                    if bytes.len() + chunk.len() > CSV_MAX_BYTES {
                        return Err(CsvError::TooLarge.into());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.bytes = Some(bytes);
            }
            // The form token (checked before this handler), or anything else: ignored.
            _ => {}
        }
    }
    Ok(upload)
}

/// `POST /admin/networks/{id}/team/import`: reads the file; a readable one is kept and its
/// preview shown (303), an unreadable one refused on the upload page (nothing kept).
pub async fn upload(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ConsoleError> {
    let admin = inviting_network(&app, &user, network_id).await?;
    let again = |status: StatusCode, upload: Option<&Upload>, problem: String| {
        let (kind, template) = upload.map_or(("", ""), |u| (&u.kind, &u.template));
        render(
            status,
            &upload_page(&user, &form_token, &admin, kind, template, Some(problem)),
        )
    };
    let upload = match multipart {
        Ok(multipart) => read_upload(multipart).await,
        Err(_) => Err(UploadError::Malformed),
    };
    let upload = match upload {
        Ok(upload) => upload,
        Err(UploadError::Unreadable(e)) => {
            let status = match e {
                CsvError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            return Ok(again(status, None, crate::i18n::csv_error(lang(), &e)));
        }
        Err(UploadError::Malformed) => {
            return Ok(again(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                m().err_upload_unreadable.to_string(),
            ))
        }
    };
    let role = match upload.kind.as_str() {
        "ally" => Role::Ally,
        "network_admin" => Role::NetworkAdmin,
        _ => {
            return Ok(again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&upload),
                m().err_choose_import_kind.to_string(),
            ))
        }
    };
    // The permissions every invitation of a Network Admin import gives (an ally holds none).
    let permissions = match (role, chosen_template(&upload.template)) {
        (Role::Ally, _) => None,
        (Role::NetworkAdmin, Some(template)) => Some(template.permissions()),
        (Role::NetworkAdmin, None) => {
            return Ok(again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&upload),
                m().err_choose_import_template.to_string(),
            ))
        }
    };
    match app
        .may_give(
            Actor::Person(user.session.person_id),
            admin.network.id,
            role,
            permissions,
        )
        .await
    {
        Ok(()) => {}
        Err(InviteError::Repo(e)) => return Err(e.into()),
        Err(_) => {
            return Ok(again(
                StatusCode::FORBIDDEN,
                Some(&upload),
                m().err_beyond_your_permissions.to_string(),
            ))
        }
    }
    let bytes = match &upload.bytes {
        Some(bytes) if !(bytes.is_empty() && upload.file_name.is_empty()) => bytes,
        _ => {
            return Ok(again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&upload),
                m().err_choose_csv.to_string(),
            ))
        }
    };
    if let Err(e) = csvfile::parse(bytes) {
        let status = match e {
            CsvError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        return Ok(again(
            status,
            Some(&upload),
            crate::i18n::import_refused(lang(), &upload.file_name, &e),
        ));
    }
    let file_name = upload.kept_file_name();
    let import_id = app
        .repo()
        .store_pending_import(&NewPendingImport {
            kind: ImportKind::Invitations,
            network_id: admin.network.id,
            person_id: user.session.person_id,
            file_name: &file_name,
            role,
            permissions,
            csv: bytes,
            now: app.now(),
        })
        .await?;
    Ok(see_other(&format!(
        "{}/{import_id}",
        import_path(admin.network.id)
    )))
}

// ---------------------------------------------------------------------------------------------
// Step 3: the preview.

/// One column of the file's header as the preview shows it.
struct ColumnView {
    name: String,
    /// `None`: not used.
    used_for: Option<&'static str>,
}

struct PreviewRow {
    line: u32,
    name: String,
    email: String,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "console/import_preview.html")]
struct PreviewPage {
    m: crate::i18n::Ui,
    shell: Option<super::page::Shell>,
    network_id: i64,
    network_name: String,
    import_id: i64,
    form_token: String,
    file_name: String,
    /// `Network Admin, Recruiter`.
    role_label: String,
    /// `8 rows`.
    rows_words: String,
    /// How the file was read (text, separator, header).
    reading: String,
    columns: Vec<ColumnView>,
    name_from: &'static str,
    caption: String,
    preview: Vec<PreviewRow>,
    problems_heading: String,
    /// `Line 7 (a@b.org): …`, the first [`PREVIEW_PROBLEMS`].
    problems: Vec<String>,
    more_problems: Option<String>,
    problem_count: usize,
    to_invite: usize,
    will_get_email: String,
    invite_button: String,
    kept_until: String,
}

/// What the import will say of a row before it asks the database (invalid email, no name,
/// duplicate in the file): the checks of [`crate::invite::import_csv`], in its order.
fn row_problems(file: &CsvFile) -> Vec<Option<String>> {
    let mut first_line: HashMap<String, u32> = HashMap::new();
    file.rows
        .iter()
        .map(|row| {
            let m = m();
            if row.email.is_empty() {
                return Some(m.row_no_email.to_string());
            }
            if check_email(&row.email).is_err() {
                return Some(m.row_invalid_email.to_string());
            }
            if check_name("name", &row.name).is_err() {
                let name = row.name.trim();
                return Some(if name.is_empty() {
                    m.row_no_name.to_string()
                } else if name.chars().count() > MAX_NAME_CHARS {
                    crate::i18n::row_name_too_long(lang(), MAX_NAME_CHARS)
                } else {
                    m.row_name_control.to_string()
                });
            }
            match first_line.get(&normalize_email(&row.email)) {
                Some(line) => Some(crate::i18n::row_same_email(lang(), *line)),
                None => {
                    first_line.insert(normalize_email(&row.email), row.line);
                    None
                }
            }
        })
        .collect()
}

fn preview_page(
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: &AdminNetwork,
    pending: &crate::db::imports::PendingImport,
    file: &CsvFile,
) -> PreviewPage {
    let layout = &file.layout;
    let columns = layout
        .columns
        .iter()
        .enumerate()
        .map(|(i, name)| ColumnView {
            name: if name.trim().is_empty() {
                m().no_title.to_string()
            } else {
                name.clone()
            },
            used_for: if Some(i) == layout.email {
                Some(m().email)
            } else if Some(i) == layout.name {
                Some(m().column_name)
            } else if Some(i) == layout.first_name {
                Some(m().first_name)
            } else if Some(i) == layout.last_name {
                Some(m().last_name)
            } else {
                None
            },
        })
        .collect();
    let name_from = match (
        layout.header_line,
        layout.name,
        layout.first_name,
        layout.last_name,
    ) {
        (None, ..) => "no_header",
        (_, Some(_), Some(_), _) | (_, Some(_), _, Some(_)) => "name_then_parts",
        (_, Some(_), None, None) => "name",
        (_, None, Some(_), _) | (_, None, _, Some(_)) => "parts",
        (_, None, None, None) => "none",
    };
    let problems_by_row = row_problems(file);
    let rows: Vec<PreviewRow> = file
        .rows
        .iter()
        .zip(&problems_by_row)
        .map(|(row, problem)| PreviewRow {
            line: row.line,
            name: row.name.clone(),
            email: row.email.clone(),
            problem: problem.clone(),
        })
        .collect();
    let problem_count = problems_by_row.iter().filter(|p| p.is_some()).count();
    let to_invite = file.rows.len() - problem_count;
    let problems: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.problem
                .as_deref()
                .map(|p| crate::i18n::problem_line(lang(), r.line, &r.email, p))
        })
        .take(PREVIEW_PROBLEMS)
        .collect();
    let preview: Vec<PreviewRow> = rows.into_iter().take(PREVIEW_ROWS).collect();
    PreviewPage {
        m: crate::i18n::Ui::current(),
        shell: Some(user.shell(form_token, Some(admin.clone()), Current::Invite)),
        network_id: admin.network.id,
        network_name: admin.network.name.clone(),
        import_id: pending.id,
        form_token: form_token.0.clone(),
        file_name: shown_file_name(&pending.file_name),
        role_label: role_label(pending.role, pending.permissions),
        rows_words: crate::i18n::rows_count(lang(), file.rows.len()),
        reading: crate::i18n::preview_reading(
            lang(),
            layout.encoding,
            layout.separator,
            layout.header_line,
            layout.skipped_records,
        ),
        columns,
        name_from,
        caption: crate::i18n::first_rows_caption(lang(), preview.len(), file.rows.len()),
        preview,
        problems_heading: crate::i18n::rows_not_invited(lang(), problem_count),
        more_problems: Some(problem_count.saturating_sub(PREVIEW_PROBLEMS))
            .filter(|n| *n > 0)
            .map(|n| crate::i18n::more_problems(lang(), n)),
        problems,
        problem_count,
        to_invite,
        will_get_email: crate::i18n::will_get_email(lang(), to_invite),
        invite_button: crate::i18n::invite_people(lang(), to_invite),
        kept_until: crate::i18n::kept_until(lang(), &clock_time(pending.expires_at)),
    }
}

/// `GET /admin/networks/{id}/team/import/{import}`: the preview of a pending file (the
/// uploader's), else the result of an import of the network.
pub async fn show(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    params: Result<Query<ResultParams>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let (admin, import_id) = inviting_network_and_import(&app, &user, ids).await?;
    let network_id = admin.network.id;
    let now = app.now();
    if let Some(pending) = app
        .repo()
        .pending_import(
            ImportKind::Invitations,
            network_id,
            user.session.person_id,
            import_id,
            now,
        )
        .await?
    {
        // Read again as stored: the reader is deterministic, and a file kept is one it read.
        let file = csvfile::parse(&pending.csv)
            .map_err(|e| ConsoleError::Internal(format!("a kept CSV is unreadable: {e}")))?;
        return Ok(render(
            StatusCode::OK,
            &preview_page(&user, &form_token, &admin, &pending, &file),
        ));
    }
    let Some(record) = app
        .repo()
        .import_record(ImportKind::Invitations, network_id, import_id, now)
        .await?
    else {
        return Ok(gone(&user, &form_token, &admin));
    };
    let page_no = params
        .map(|Query(p)| p.page)
        .unwrap_or_default()
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, CSV_MAX_ROWS);
    let progress = app
        .repo()
        .import_mail_progress(network_id, import_id)
        .await?;
    let report: Option<InvitationImport> = match &record.report {
        Some(json) => Some(
            serde_json::from_str(json)
                .map_err(|e| ConsoleError::Internal(format!("a kept report is unreadable: {e}")))?,
        ),
        None => None,
    };
    let page = result_page(
        &user,
        &form_token,
        &admin,
        &record,
        report.as_ref(),
        progress,
        app.mail_per_minute(),
        page_no,
    );
    let mut response = render(StatusCode::OK, &page);
    if page.progress.live {
        // The page's one script: the emails' progress, from this server only.
        response.headers_mut().insert(
            axum::http::HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(CSP_WITH_SCRIPT),
        );
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "console/import_gone.html")]
struct GonePage {
    m: crate::i18n::Ui,
    shell: Option<super::page::Shell>,
    /// The upload page, to start again.
    again: String,
    text: String,
}

/// An import that is not (or no longer) there: expired, used, another admin's pending file,
/// another network's.
fn gone(user: &ConsoleUser, form_token: &FormToken, admin: &AdminNetwork) -> Response {
    gone_page(
        user,
        form_token,
        admin,
        Current::Invite,
        &import_path(admin.network.id),
    )
}

/// [`gone`] for any kind of import: `again` is its upload page.
pub(super) fn gone_page(
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: &AdminNetwork,
    current: Current,
    again: &str,
) -> Response {
    render(
        StatusCode::NOT_FOUND,
        &GonePage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(form_token, Some(admin.clone()), current)),
            again: again.to_string(),
            text: crate::i18n::upload_gone_text(lang(), PENDING_TTL_SECS / 60),
        },
    )
}

/// `POST /admin/networks/{id}/team/import/{import}/invite`: *Invite*.
pub async fn invite(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (admin, import_id) = inviting_network_and_import(&app, &user, ids).await?;
    let network_id = admin.network.id;
    let result = format!("{}/{import_id}", import_path(network_id));
    let Some(pending) = app
        .repo()
        .take_pending_import(
            ImportKind::Invitations,
            network_id,
            user.session.person_id,
            import_id,
            app.now(),
        )
        .await?
    else {
        // Imported already (a second click, or a reload): its result; else it is gone.
        return Ok(
            match app
                .repo()
                .import_record(ImportKind::Invitations, network_id, import_id, app.now())
                .await?
            {
                Some(_) => see_other(&result),
                None => gone(&user, &form_token, &admin),
            },
        );
    };
    let report = app
        .import_invitations(
            network_id,
            Actor::Person(user.session.person_id),
            &pending.csv,
            pending.role,
            pending.permissions,
        )
        .await
        .map_err(|e| match e {
            InviteError::Repo(e) => ConsoleError::Repo(e),
            other => ConsoleError::Internal(other.to_string()),
        })?;
    let json = serde_json::to_string(&report)
        .map_err(|e| ConsoleError::Internal(format!("the report could not be kept: {e}")))?;
    app.repo()
        .finish_import(ImportKind::Invitations, network_id, import_id, &json)
        .await?;
    Ok(see_other(&result))
}

// ---------------------------------------------------------------------------------------------
// Step 4: the result.

#[derive(Debug, Default, Deserialize)]
pub struct ResultParams {
    #[serde(default)]
    page: String,
}

/// A row of the result, in words.
struct ResultRow {
    line: u32,
    name: String,
    email: String,
    outcome: String,
    /// For the style: `ok`, `again`, `skipped`, `problem`.
    kind: &'static str,
}

struct Total {
    label: &'static str,
    count: String,
}

/// The emails' progress, in words.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub text: String,
    /// Emails are still waiting: the page keeps asking.
    pub live: bool,
}

#[derive(Template)]
#[template(path = "console/import_result.html")]
struct ResultPage {
    m: crate::i18n::Ui,
    shell: Option<super::page::Shell>,
    network_id: i64,
    import_id: i64,
    file_name: String,
    /// `Network Admin, Recruiter`.
    role_label: String,
    uploaded_by: String,
    imported_on: String,
    finished: bool,
    totals: Vec<Total>,
    rows: Vec<ResultRow>,
    rows_total: String,
    first: usize,
    last: usize,
    previous: Option<String>,
    next: Option<String>,
    progress: ProgressView,
    progress_every_ms: u32,
}

/// The outcome of a row in plain words (the page and the download say the same), in the
/// page's language. The stored report's messages are the API's English, so a refused name is
/// told from the name itself, and a failure from what kind of failure it was.
fn outcome_words(row: &ImportRow, first_line: &HashMap<String, u32>) -> (String, &'static str) {
    let lang = lang();
    let m = lang.messages();
    match row.outcome {
        ImportOutcome::Invited => (m.outcome_invited.to_string(), "ok"),
        ImportOutcome::AlreadyInvited => (m.outcome_already_invited.to_string(), "again"),
        ImportOutcome::AlreadyMember => (m.outcome_already_member.to_string(), "skipped"),
        ImportOutcome::InvalidEmail if row.email.trim().is_empty() => {
            (m.outcome_no_email.to_string(), "problem")
        }
        ImportOutcome::InvalidEmail => (m.outcome_invalid_email.to_string(), "problem"),
        ImportOutcome::MissingName => match row.message.as_deref() {
            // A name refused for what it holds (too long, control characters), not missing.
            Some(message) if !row.name.trim().is_empty() && !message.contains("empty") => {
                let reason = match lang {
                    Lang::En => message.to_string(),
                    Lang::Fr if row.name.trim().chars().count() > MAX_NAME_CHARS => {
                        crate::i18n::name_too_long_reason(lang, MAX_NAME_CHARS)
                    }
                    Lang::Fr => m.name_control_reason.to_string(),
                };
                (crate::i18n::outcome_name_refused(lang, &reason), "problem")
            }
            _ => (m.outcome_no_name.to_string(), "problem"),
        },
        ImportOutcome::DuplicateInFile => (
            match first_line.get(&normalize_email(&row.email)) {
                Some(line) => crate::i18n::outcome_duplicate_of(lang, *line),
                None => m.outcome_duplicate.to_string(),
            },
            "skipped",
        ),
        ImportOutcome::Failed => {
            let reason = match (lang, row.message.as_deref()) {
                (Lang::En, Some(message)) => message.to_string(),
                (_, Some(message)) if message.contains("invitation emails from this network") => {
                    m.outcome_failed_too_many.to_string()
                }
                _ => m.outcome_failed_default.to_string(),
            };
            (crate::i18n::outcome_failed(lang, &reason), "problem")
        }
    }
}

/// The first line of each email invited (or skipped as a member) in the file, for the
/// duplicates' words.
fn first_lines(report: &InvitationImport) -> HashMap<String, u32> {
    let mut first = HashMap::new();
    for row in &report.rows {
        if row.outcome != ImportOutcome::DuplicateInFile
            && row.outcome != ImportOutcome::InvalidEmail
            && row.outcome != ImportOutcome::MissingName
        {
            first.entry(normalize_email(&row.email)).or_insert(row.line);
        }
    }
    first
}

fn progress_view(progress: MailProgress, per_minute: u32) -> ProgressView {
    let total = progress.sent + progress.queued + progress.dropped + progress.failed;
    let text = if total == 0 {
        m().no_emails_to_send.to_string()
    } else {
        let queued = (progress.queued > 0).then(|| {
            let minutes =
                (progress.queued + i64::from(per_minute) - 1) / i64::from(per_minute.max(1));
            (per_minute, minutes)
        });
        crate::i18n::mail_progress(
            lang(),
            progress.sent,
            total,
            queued,
            progress.failed,
            progress.dropped,
        )
    };
    ProgressView {
        text,
        live: progress.queued > 0,
    }
}

#[allow(clippy::too_many_arguments)]
fn result_page(
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: &AdminNetwork,
    record: &crate::db::imports::ImportRecord,
    report: Option<&InvitationImport>,
    progress: MailProgress,
    per_minute: u32,
    page_no: usize,
) -> ResultPage {
    let network_id = admin.network.id;
    let base = format!("{}/{}", import_path(network_id), record.id);
    let empty = InvitationImport {
        header: false,
        sent: 0,
        emails_queued: 0,
        rows: Vec::new(),
    };
    let report_or_empty = report.unwrap_or(&empty);
    let first = first_lines(report_or_empty);
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut count = |label: &'static str, outcome: &[ImportOutcome]| {
        let n = report_or_empty
            .rows
            .iter()
            .filter(|r| outcome.contains(&r.outcome))
            .count();
        if n > 0 {
            counts.push((label, n));
        }
    };
    let m = m();
    count(m.total_invited, &[ImportOutcome::Invited]);
    count(m.total_already_invited, &[ImportOutcome::AlreadyInvited]);
    count(m.total_already_member, &[ImportOutcome::AlreadyMember]);
    count(m.total_invalid_email, &[ImportOutcome::InvalidEmail]);
    count(m.total_no_name, &[ImportOutcome::MissingName]);
    count(m.total_duplicate, &[ImportOutcome::DuplicateInFile]);
    count(m.total_failed, &[ImportOutcome::Failed]);
    let rows_len = report_or_empty.rows.len();
    let pages = rows_len.div_ceil(RESULT_PAGE_ROWS).max(1);
    let page_no = page_no.min(pages);
    let skip = (page_no - 1) * RESULT_PAGE_ROWS;
    let rows: Vec<ResultRow> = report_or_empty
        .rows
        .iter()
        .skip(skip)
        .take(RESULT_PAGE_ROWS)
        .map(|row| {
            let (outcome, kind) = outcome_words(row, &first);
            ResultRow {
                line: row.line,
                name: row.name.clone(),
                email: row.email.clone(),
                outcome,
                kind,
            }
        })
        .collect();
    let link = |page: usize| {
        if page == 1 {
            base.clone()
        } else {
            format!("{base}?page={page}")
        }
    };
    ResultPage {
        m: crate::i18n::Ui::current(),
        shell: Some(user.shell(form_token, Some(admin.clone()), Current::Invite)),
        network_id,
        import_id: record.id,
        file_name: shown_file_name(&record.file_name),
        role_label: role_label(record.role, record.permissions),
        uploaded_by: record.uploaded_by.clone(),
        imported_on: crate::i18n::date_at(
            lang(),
            &date(record.imported_at),
            &clock_time(record.imported_at),
        ),
        finished: report.is_some(),
        totals: counts
            .into_iter()
            .map(|(label, n)| Total {
                label,
                count: thousands(n),
            })
            .collect(),
        first: skip + 1,
        last: skip + rows.len(),
        rows,
        rows_total: thousands(rows_len),
        previous: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no < pages).then(|| link(page_no + 1)),
        progress: progress_view(progress, per_minute),
        progress_every_ms: PROGRESS_EVERY_MS,
    }
}

/// `GET /admin/networks/{id}/team/import/{import}/progress`: the emails' progress, for the
/// result page's script.
pub async fn progress(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (admin, import_id) = inviting_network_and_import(&app, &user, ids).await?;
    let network_id = admin.network.id;
    if app
        .repo()
        .import_record(ImportKind::Invitations, network_id, import_id, app.now())
        .await?
        .is_none()
    {
        return Err(ConsoleError::NotFound);
    }
    let progress = app
        .repo()
        .import_mail_progress(network_id, import_id)
        .await?;
    let mut response = Json(progress_view(progress, app.mail_per_minute())).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A CSV cell: quoted when it holds a separator, quote or line break; a value a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return first) is prefixed
/// with `'` so it stays text.
pub fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The result as a CSV file (UTF-8 with a BOM, so that Excel reads accents right), in the
/// page's language: its headers and outcomes as the page words them, and for French the `;`
/// separator that a French spreadsheet (Excel set to French) expects of a CSV file.
fn results_csv(report: &InvitationImport) -> String {
    let first = first_lines(report);
    let m = m();
    let sep = csv_separator();
    let mut out = format!(
        "\u{feff}{}{sep}{}{sep}{}{sep}{}\r\n",
        m.csv_head_line, m.csv_head_name, m.csv_head_email, m.csv_head_outcome
    );
    for row in &report.rows {
        let (outcome, _) = outcome_words(row, &first);
        out.push_str(&format!(
            "{}{sep}{}{sep}{}{sep}{}\r\n",
            row.line,
            csv_cell(&row.name),
            csv_cell(&row.email),
            csv_cell(&outcome)
        ));
    }
    out
}

/// The team's bulk invite, for the steps its pages share with other kinds of import.
pub struct InvitationPages;

impl ImportPages for InvitationPages {
    const PAGES: KindPages = KindPages {
        kind: ImportKind::Invitations,
        permission: Permission::InviteMembers,
        current: Current::Invite,
        upload_page: import_path,
        file_prefix: "invitation-results",
    };

    fn results_csv(report_json: &str) -> Result<String, ConsoleError> {
        let report: InvitationImport = serde_json::from_str(report_json)
            .map_err(|e| ConsoleError::Internal(format!("a kept report is unreadable: {e}")))?;
        Ok(results_csv(&report))
    }
}

/// What the shared steps need to know of a kind of import.
pub struct KindPages {
    pub kind: ImportKind,
    /// Every page and action of the kind needs it.
    pub permission: Permission,
    /// The menu entry its pages are under.
    pub current: Current,
    /// Its upload page, to start again, of a network.
    pub upload_page: fn(i64) -> String,
    /// The downloaded file's name, before `-{import id}.csv`.
    pub file_prefix: &'static str,
}

/// A kind of import's pages: what they need to know, and its result as a CSV file.
pub trait ImportPages {
    const PAGES: KindPages;
    /// The file *Download results (CSV)* gives, from the kept report.
    fn results_csv(report_json: &str) -> Result<String, ConsoleError>;
}

/// `GET /admin/networks/{id}/team/import/{import}/results.csv` (and the companies'
/// `…/companies/import/{import}/results.csv`): *Download results (CSV)* of a finished import
/// of the kind; an import that is not there (expired, of another network or kind) is the gone
/// page.
pub async fn download<K: ImportPages>(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let pages = &K::PAGES;
    let (admin, import_id) = network_and_import(&app, &user, ids, pages.permission).await?;
    let record = app
        .repo()
        .import_record(pages.kind, admin.network.id, import_id, app.now())
        .await?;
    let Some(report) = record.and_then(|r| r.report) else {
        let again = (pages.upload_page)(admin.network.id);
        return Ok(gone_page(&user, &form_token, &admin, pages.current, &again));
    };
    Ok(csv_attachment(
        K::results_csv(&report)?,
        &format!("{}-{import_id}.csv", pages.file_prefix),
    ))
}

/// A CSV file to download as `file_name` (never cached, never sniffed).
fn csv_attachment(body: String, file_name: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        axum::http::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The CSV separator of the page's language: `;` for French (what a French spreadsheet
/// expects), `,` otherwise.
pub(super) fn csv_separator() -> &'static str {
    match lang() {
        Lang::En => ",",
        Lang::Fr => ";",
    }
}

/// `GET /admin/assets/import-progress.js`: the result page's script.
pub async fn script() -> Response {
    let mut response = PROGRESS_JS.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        axum::http::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(csv_cell("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1 555"), "'+1 555");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a@b.org"), "a@b.org");
    }

    #[test]
    fn progress_in_words() {
        let p = |sent, queued| MailProgress {
            sent,
            queued,
            dropped: 0,
            failed: 0,
        };
        let v = progress_view(p(120, 280), 60);
        assert_eq!(
            v.text,
            "120 of 400 emails sent; the rest go out at up to 60 per minute (about 5 minutes more)."
        );
        assert!(v.live);
        let v = progress_view(p(400, 0), 60);
        assert_eq!(v.text, "400 of 400 emails sent.");
        assert!(!v.live);
        assert!(progress_view(p(0, 0), 60).text.starts_with("No emails"));
    }

    #[test]
    fn a_refused_name_is_not_called_missing() {
        let row = |name: &str, message: &str| ImportRow {
            line: 2,
            name: name.to_string(),
            email: "a@x.org".to_string(),
            outcome: ImportOutcome::MissingName,
            invitation_id: None,
            message: Some(message.to_string()),
        };
        let none = HashMap::new();
        assert_eq!(
            outcome_words(&row("", "the name must not be empty"), &none).0,
            "No name: not invited"
        );
        let long = "x".repeat(201);
        assert_eq!(
            outcome_words(
                &row(&long, "the name must be at most 200 characters"),
                &none
            )
            .0,
            "Name not accepted (the name must be at most 200 characters): not invited"
        );
    }

    #[test]
    fn clock_times() {
        assert_eq!(clock_time(0), "00:00 UTC");
        assert_eq!(clock_time(3600 * 14 + 5 * 60 + 30), "14:05 UTC");
    }
}
