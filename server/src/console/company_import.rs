//! *Import companies from a CSV*, through the same steps and the same stored file as the
//! team's bulk invite ([`super::import`], [`crate::db::imports`] with
//! [`ImportKind::Companies`]):
//!
//! 1. `POST …/companies/import` (`multipart/form-data`, the form token among its parts): the
//!    file is read by the one companies reader ([`crate::csvfile::parse_companies`]). One that
//!    cannot be read is refused back on the Companies page with what to do; nothing is kept or
//!    added. A readable one is kept server-side (the uploader's, in this network, for an hour)
//!    and the browser goes to its preview, so what is added is exactly what was previewed.
//! 2. `GET …/companies/import/{id}` while pending: the rows read, what will become of each
//!    (added, or skipped and why: [`crate::companies::plan_rows`]), *Add companies*.
//! 3. `POST …/companies/import/{id}/add` takes the file once (a second click finds nothing),
//!    adds its rows through [`App::import_companies`], keeps the per-row report and redirects
//!    to the same address, which now shows the result: totals, every row, and *Download
//!    results (CSV)* (`…/{id}/results.csv`, formula-like cells neutralised).
//!
//! Every page and action needs *Review introduction requests* in the path's network; the
//! pending file is looked up by kind, network and uploader in SQL, a report by kind and
//! network.

use allyshare_protocol::Permission;
use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::import::{
    clock_time, csv_cell, csv_separator, gone_page, network_and_import, read_upload,
    shown_file_name, ImportPages, KindPages,
};
use super::inbox::back_with;
use super::page::{admin_network_of, date, render, see_other, AdminNetwork, ConsoleError, Current};
use super::session::ConsoleUser;
use crate::companies::{plan_rows, CompaniesReport, RowOutcome};
use crate::cross_site::FormToken;
use crate::db::imports::{ImportKind, NewPendingImport, PendingImport};
use crate::i18n::{lang, m, Ui};
use crate::App;

/// Rows of the file shown on the preview.
pub const PREVIEW_ROWS: usize = 20;

fn companies_path(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/companies")
}

fn import_path(network_id: i64, import_id: i64) -> String {
    format!("/admin/networks/{network_id}/companies/import/{import_id}")
}

/// The network of a `…/companies/import/{id}` path for a Network Admin who reviews requests,
/// and the import's id.
async fn reviewing_network_and_import(
    app: &App,
    user: &ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<(AdminNetwork, i64), ConsoleError> {
    network_and_import(app, user, ids, Permission::ReviewRequests).await
}

/// An outcome in the page's words: on the preview (`planned`) or after the import.
fn outcome_words(outcome: RowOutcome, planned: bool) -> &'static str {
    let m = m();
    match outcome {
        RowOutcome::Added if planned => m.ig_row_will_add,
        RowOutcome::Added => m.ir_row_added,
        RowOutcome::Exists => m.ir_row_exists,
        RowOutcome::NoName => m.ir_row_no_name,
        RowOutcome::BadWebsite => m.ir_row_bad_website,
        RowOutcome::BadDescription => m.ir_row_bad_description,
    }
}

/// `POST /admin/networks/{id}/companies/import`: reads the file; a readable one is kept and
/// its preview shown (303), an unreadable one refused on the Companies page (nothing kept).
pub async fn upload(
    State(app): State<App>,
    user: ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ReviewRequests)).await?;
    let network_id = admin.network.id;
    let refused = || back_with(&companies_path(network_id), "error", "csv");
    let Ok(multipart) = multipart else {
        return Ok(refused());
    };
    let Ok(upload) = read_upload(multipart).await else {
        return Ok(refused());
    };
    let Some(bytes) = upload.bytes.as_deref().filter(|b| !b.is_empty()) else {
        return Ok(refused());
    };
    if crate::csvfile::parse_companies(bytes).is_err() {
        return Ok(refused());
    }
    let import_id = app
        .repo()
        .store_pending_import(&NewPendingImport {
            kind: ImportKind::Companies,
            network_id,
            person_id: user.session.person_id,
            file_name: &upload.kept_file_name(),
            // A companies import has no role (see migration 0016).
            role: allyshare_protocol::Role::Ally,
            permissions: None,
            csv: bytes,
            now: app.now(),
        })
        .await?;
    Ok(see_other(&import_path(network_id, import_id)))
}

struct PreviewRow {
    line: u32,
    name: String,
    website: String,
    description: String,
    outcome: &'static str,
    added: bool,
}

#[derive(Template)]
#[template(path = "console/companies_preview.html")]
struct PreviewPage {
    m: Ui,
    shell: Option<super::page::Shell>,
    network_id: i64,
    import_id: i64,
    form_token: String,
    file_name: String,
    /// `8 rows`.
    rows_words: String,
    to_add: usize,
    skipped: usize,
    caption: String,
    rows: Vec<PreviewRow>,
    kept_until: String,
}

async fn preview(
    app: &App,
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: &AdminNetwork,
    pending: &PendingImport,
) -> Result<Response, ConsoleError> {
    // Read again as stored: the reader is deterministic, and a file kept is one it read.
    let rows = crate::csvfile::parse_companies(&pending.csv)
        .map_err(|e| ConsoleError::Internal(format!("a kept CSV is unreadable: {e}")))?;
    let existing = app
        .company_names(admin.network.id)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let plan = plan_rows(&rows, &existing);
    let to_add = plan.iter().filter(|o| **o == RowOutcome::Added).count();
    let shown: Vec<PreviewRow> = rows
        .iter()
        .zip(&plan)
        .take(PREVIEW_ROWS)
        .map(|(row, outcome)| PreviewRow {
            line: row.line,
            name: row.name.clone(),
            website: row.website.clone(),
            description: row.description.clone(),
            outcome: outcome_words(*outcome, true),
            added: *outcome == RowOutcome::Added,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &PreviewPage {
            m: Ui::current(),
            shell: Some(user.shell(form_token, Some(admin.clone()), Current::Companies)),
            network_id: admin.network.id,
            import_id: pending.id,
            form_token: form_token.0.clone(),
            file_name: shown_file_name(&pending.file_name),
            rows_words: crate::i18n::rows_count(lang(), rows.len()),
            to_add,
            skipped: rows.len() - to_add,
            caption: crate::i18n::first_rows_caption(lang(), shown.len(), rows.len()),
            rows: shown,
            kept_until: crate::i18n::kept_until(lang(), &clock_time(pending.expires_at)),
        },
    ))
}

/// One row of the result, as the page shows it.
pub struct ResultRow {
    pub line: u32,
    pub name: String,
    pub outcome: &'static str,
    pub added: bool,
}

#[derive(Template)]
#[template(path = "console/companies_import.html")]
struct ResultPage {
    m: Ui,
    shell: Option<super::page::Shell>,
    network_id: i64,
    import_id: i64,
    file_name: String,
    uploaded_by: String,
    imported_on: String,
    added: usize,
    skipped: usize,
    rows: Vec<ResultRow>,
}

/// `GET /admin/networks/{id}/companies/import/{import}`: the preview of a pending file (the
/// uploader's), else the result of a companies import of the network.
pub async fn show(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (admin, import_id) = reviewing_network_and_import(&app, &user, ids).await?;
    let network_id = admin.network.id;
    let now = app.now();
    let repo = app.repo();
    let kind = ImportKind::Companies;
    let person_id = user.session.person_id;
    if let Some(pending) = repo
        .pending_import(kind, network_id, person_id, import_id, now)
        .await?
    {
        return preview(&app, &user, &form_token, &admin, &pending).await;
    }
    let record = repo.import_record(kind, network_id, import_id, now).await?;
    let Some(record) = record else {
        return Ok(gone(&user, &form_token, &admin));
    };
    let report = kept_report(record.report.as_deref())?;
    let added = report.added();
    Ok(render(
        StatusCode::OK,
        &ResultPage {
            m: Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin), Current::Companies)),
            network_id,
            import_id,
            file_name: shown_file_name(&record.file_name),
            uploaded_by: record.uploaded_by,
            imported_on: crate::i18n::date_at(
                lang(),
                &date(record.imported_at),
                &clock_time(record.imported_at),
            ),
            added,
            skipped: report.rows.len() - added,
            rows: report
                .rows
                .into_iter()
                .map(|r| ResultRow {
                    line: r.line,
                    outcome: outcome_words(r.outcome, false),
                    added: r.outcome == RowOutcome::Added,
                    name: r.name,
                })
                .collect(),
        },
    ))
}

/// A kept report (empty while an import is under way).
fn kept_report(json: Option<&str>) -> Result<CompaniesReport, ConsoleError> {
    match json {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| ConsoleError::Internal(format!("a kept report is unreadable: {e}"))),
        None => Ok(CompaniesReport::default()),
    }
}

fn gone(user: &ConsoleUser, form_token: &FormToken, admin: &AdminNetwork) -> Response {
    gone_page(
        user,
        form_token,
        admin,
        Current::Companies,
        &companies_path(admin.network.id),
    )
}

/// `POST /admin/networks/{id}/companies/import/{import}/add`: *Add companies*, then the
/// result. A file taken already (a second click, a reload) or gone adds nothing: the same
/// address shows its result, or that it is gone.
pub async fn add(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (admin, import_id) = reviewing_network_and_import(&app, &user, ids).await?;
    let (kind, network_id) = (ImportKind::Companies, admin.network.id);
    let result = see_other(&import_path(network_id, import_id));
    let taken = app
        .repo()
        .take_pending_import(
            kind,
            network_id,
            user.session.person_id,
            import_id,
            app.now(),
        )
        .await?;
    let Some(pending) = taken else {
        return Ok(result);
    };
    let report = app
        .import_companies(user.session.person_id, network_id, &pending.csv)
        .await
        .map_err(|e| match e {
            crate::companies::CompanyError::Repo(e) => ConsoleError::Repo(e),
            other => ConsoleError::Internal(other.to_string()),
        })?;
    let json = serde_json::to_string(&report)
        .map_err(|e| ConsoleError::Internal(format!("the report could not be kept: {e}")))?;
    app.repo()
        .finish_import(kind, network_id, import_id, &json)
        .await?;
    Ok(result)
}

/// The result as a CSV file (UTF-8 with a BOM), in the page's language and its separator.
fn results_csv(report: &CompaniesReport) -> String {
    let m = m();
    let sep = csv_separator();
    let mut out = format!(
        "\u{feff}{}{sep}{}{sep}{}\r\n",
        m.csv_head_line, m.csv_head_name, m.csv_head_outcome
    );
    for row in &report.rows {
        out.push_str(&format!(
            "{}{sep}{}{sep}{}\r\n",
            row.line,
            csv_cell(&row.name),
            csv_cell(outcome_words(row.outcome, false))
        ));
    }
    out
}

/// A network's companies from a CSV, for the steps its pages share with the bulk invite.
pub struct CompanyPages;

impl ImportPages for CompanyPages {
    const PAGES: KindPages = KindPages {
        kind: ImportKind::Companies,
        permission: Permission::ReviewRequests,
        current: Current::Companies,
        upload_page: companies_path,
        file_prefix: "company-results",
    };

    fn results_csv(report_json: &str) -> Result<String, ConsoleError> {
        Ok(results_csv(&kept_report(Some(report_json))?))
    }
}
