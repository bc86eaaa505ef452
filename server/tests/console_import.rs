//! *Bulk invite from a CSV* in the console, over real HTTP on loopback with a real SQLite file:
//! a file with the quirks of real exports (BOM, `;`, CRLF, quoted values holding separators and
//! line breaks, First Name/Last Name or one Name column, extra columns) is previewed, then
//! invited row by row, its result seen again after the redirect and downloaded; unreadable and
//! oversized files are refused whole; who may not invite gets 403 on every page and action; a
//! form without its token, or from another site, is refused; one network's upload cannot be
//! seen or used from another. Refusals are checked to have changed nothing, in the database.

mod common;

use allyshare_protocol::{PermissionTemplate, Role};
use common::*;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::json;

const BOUNDARY: &str = "----allyshare-test-boundary-7d1f";

/// A `multipart/form-data` body: text fields, then the file part (if any).
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    multipart_then(fields, file, &[])
}

/// [`multipart`], with more text fields after the file.
fn multipart_then(
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
    after: &[(&str, &str)],
) -> Vec<u8> {
    let text_part = |name: &str, value: &str| {
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(text_part(name, value).bytes());
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
    for (name, value) in after {
        body.extend(text_part(name, value).bytes());
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

/// The upload form, as the page sends it, on the shared console test browser.
trait Upload {
    fn form_token(&self) -> String;
    async fn upload(&self, network_id: i64, kind: &str, file: Option<(&str, &[u8])>) -> Answer;
    async fn upload_raw(&self, network_id: i64, body: Vec<u8>) -> Answer;
}

impl Upload for Browser {
    fn form_token(&self) -> String {
        self.cookie("allyshare_form").expect("a form cookie")
    }

    /// The token first, as the page orders its fields.
    async fn upload(&self, network_id: i64, kind: &str, file: Option<(&str, &[u8])>) -> Answer {
        let token = self.form_token();
        self.upload_raw(
            network_id,
            multipart(&[("form_token", &token), ("kind", kind)], file),
        )
        .await
    }

    async fn upload_raw(&self, network_id: i64, body: Vec<u8>) -> Answer {
        self.send(
            self.http
                .post(format!(
                    "{}/admin/networks/{network_id}/team/import",
                    self.base
                ))
                .header(
                    CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body),
        )
        .await
    }
}

/// What a refusal must leave as it was.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    invitations: i64,
    mail: i64,
    imports: i64,
}

async fn counts(server: &TestServer) -> Counts {
    Counts {
        invitations: scalar(server, "SELECT COUNT(*) FROM invitations").await,
        mail: scalar(server, "SELECT COUNT(*) FROM mail_queue").await,
        imports: scalar(server, "SELECT COUNT(*) FROM invitation_imports").await,
    }
}

fn import(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/team/import")
}

/// The import id of a `…/team/import/{id}` redirect.
fn import_id_of(location: &str) -> i64 {
    location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not an import's address: {location:?}"))
}

/// The text of a page's table rows (tags dropped, cells joined by ` | `).
fn table_rows(page: &str, table_id: &str) -> Vec<String> {
    let start = page
        .find(&format!("id=\"{table_id}\""))
        .unwrap_or_else(|| panic!("no table {table_id}"));
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let marked = row.replace("</td>", "\u{1}").replace("</th>", "\u{1}");
            let mut text = String::new();
            let mut in_tag = false;
            for ch in marked.chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split('\u{1}')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .filter(|r| !r.is_empty())
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// A HubSpot/Excel-like export: BOM, `;`, CRLF, quoted values holding `;`, `,`, quotes and a
/// line break, First Name/Last Name, extra columns, and the rows' cases: new, a member, a
/// pending invitation, an invalid email, a duplicate, no name, a formula-like name.
const QUIRKY: &[u8] = b"\xef\xbb\xbfCompany;First Name;Last Name;Email;Phone Number\r\n\
Acme;Grace;Hopper;grace@example.org;+1 555\r\n\
\"Analytical; Engines\";Ada;Lovelace;ADA@example.org;\r\n\
Navy;\"Katherine\r\nG.\";Johnson;katherine@example.org;\r\n\
Bell;Pending;\"O\"\"Person\";pending@example.org;\r\n\
X;Bad;Address;not-an-email;\r\n\
Acme;Grace;Again;Grace@Example.org;\r\n\
Y;;;noname@example.org;\r\n\
Z;=HYPERLINK(\"x\");Evil;evil@example.org;\r\n";

#[tokio::test]
async fn a_csv_with_the_quirks_is_previewed_then_invited_row_by_row() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    server
        .member("Sales", "ada@example.org", "Ada Lovelace", Role::Ally)
        .await;
    server
        .expect(
            Method::POST,
            &format!("/v1/networks/{n}/invitations"),
            Some(&admin.token),
            Some(json!({"name": "Pending Person", "email": "pending@example.org"})),
            StatusCode::CREATED,
        )
        .await;
    server.app.send_queued_mail().await.unwrap();
    let browser = Browser::signed_in(&server, "nadia@example.org").await;

    // Linked from Team Members and Invite Member.
    for page in [
        format!("/admin/networks/{n}/team"),
        format!("/admin/networks/{n}/team/invite"),
    ] {
        let answer = browser.get(&page).await;
        assert!(
            answer.body.contains(&format!(
                r#"href="{}">Bulk invite from a CSV</a>"#,
                import(n)
            )),
            "{page}"
        );
    }
    let form = browser.get(&import(n)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(h1(&form.body), "Bulk invite from a CSV");
    assert!(form.body.contains(r#"enctype="multipart/form-data""#));
    assert!(form.body.contains(r#"name="form_token""#));

    let before = counts(&server).await;
    let answer = browser
        .upload(n, "ally", Some(("hubspot-export.csv", QUIRKY)))
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let id = import_id_of(answer.location());
    assert_eq!(answer.location(), format!("{}/{id}", import(n)));
    // Kept, and nobody invited yet.
    let after_upload = counts(&server).await;
    assert_eq!(after_upload.invitations, before.invitations);
    assert_eq!(after_upload.mail, before.mail);
    assert_eq!(after_upload.imports, before.imports + 1);

    let preview = browser.get(answer.location()).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(h1(&preview.body), "Check the file before inviting");
    let body = unescape(&preview.body);
    assert!(body.contains("hubspot-export.csv"));
    assert!(body.contains("8 rows"), "{body}");
    assert!(body.contains("values separated by semicolons (;)"));
    assert!(body.contains("Header row: line 1."));
    assert_eq!(
        table_rows(&preview.body, "columns"),
        [
            "Company | Not used",
            "First Name | First name",
            "Last Name | Last name",
            "Email | Email",
            "Phone Number | Not used",
        ]
    );
    let rows: Vec<String> = table_rows(&preview.body, "preview")
        .iter()
        .map(|r| unescape(r))
        .collect();
    assert_eq!(
        rows,
        [
            "2 | Grace Hopper | grace@example.org | Ready",
            "3 | Ada Lovelace | ADA@example.org | Ready",
            "4 | Katherine G. Johnson | katherine@example.org | Ready",
            "6 | Pending O\"Person | pending@example.org | Ready",
            "7 | Bad Address | not-an-email | Not a valid email address: not invited.",
            "8 | Grace Again | Grace@Example.org | Same email as line 2: not invited twice.",
            "9 | (none) | noname@example.org | No name: not invited.",
            "10 | =HYPERLINK(\"x\") Evil | evil@example.org | Ready",
        ]
    );
    assert!(body.contains("3 rows will not be invited"), "{body}");
    assert!(body.contains("Invite 5 people"));

    // Invite: every row, then the result (Post/Redirect/Get).
    let invited = browser
        .post(&format!("{}/{id}/invite", import(n)), &[])
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    assert_eq!(invited.location(), format!("{}/{id}", import(n)));
    let result = browser.get(invited.location()).await;
    assert_eq!(result.status, StatusCode::OK);
    assert_eq!(h1(&result.body), "Bulk invite results");
    let rows: Vec<String> = table_rows(&result.body, "results")
        .iter()
        .map(|r| unescape(r))
        .collect();
    assert_eq!(
        rows,
        [
            "2 | Grace Hopper | grace@example.org | Invited",
            "3 | Ada Lovelace | ADA@example.org | Already a member: nothing sent",
            "4 | Katherine G. Johnson | katherine@example.org | Invited",
            "6 | Pending O\"Person | pending@example.org | Already invited: invitation sent again",
            "7 | Bad Address | not-an-email | Invalid email: not invited",
            "8 | Grace Again | Grace@Example.org | Duplicate in file (same email as line 2): not invited again",
            "9 | (none) | noname@example.org | No name: not invited",
            "10 | =HYPERLINK(\"x\") Evil | evil@example.org | Invited",
        ]
    );
    let body = unescape(&result.body);
    assert!(body.contains("Invited: <strong>3</strong>"), "{body}");
    assert!(body.contains("Already invited, sent again: <strong>1</strong>"));
    // (The server's own sender may have sent some already.)
    let live = body.contains(" of 4 emails sent; the rest go out at up to 60 per minute");
    assert!(live || body.contains("4 of 4 emails sent."), "{body}");
    assert_eq!(body.contains(r#"data-progress-url=""#), live);
    assert_eq!(
        result
            .headers
            .get("content-security-policy")
            .is_some_and(|v| v.to_str().unwrap().contains("script-src 'self'")),
        live
    );
    // Four invitations (three new, one replaced), their emails queued; the file is gone.
    let done = counts(&server).await;
    assert_eq!(done.invitations, before.invitations + 4);
    assert_eq!(done.mail, before.mail + 4);
    assert_eq!(
        scalar(
            &server,
            &format!("SELECT COUNT(*) FROM invitation_imports WHERE id = {id} AND csv IS NULL AND report IS NOT NULL")
        )
        .await,
        1
    );
    // The audit line of the API's service.
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE network_id = {n} AND action = 'imported_csv'"
            )
        )
        .await,
        1
    );

    // A second click (or a replayed form) imports nothing again: back to the result.
    let again = browser
        .post(&format!("{}/{id}/invite", import(n)), &[])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(counts(&server).await, done);

    // The download: every row, in words, formula-like cells neutralised.
    let csv = browser
        .get(&format!("{}/{id}/results.csv", import(n)))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get(CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(csv
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(
        csv.body,
        "\u{feff}Line,Name,Email,Outcome\r\n\
         2,Grace Hopper,grace@example.org,Invited\r\n\
         3,Ada Lovelace,ADA@example.org,Already a member: nothing sent\r\n\
         4,Katherine G. Johnson,katherine@example.org,Invited\r\n\
         6,\"Pending O\"\"Person\",pending@example.org,Already invited: invitation sent again\r\n\
         7,Bad Address,not-an-email,Invalid email: not invited\r\n\
         8,Grace Again,Grace@Example.org,Duplicate in file (same email as line 2): not invited again\r\n\
         9,,noname@example.org,No name: not invited\r\n\
         10,\"'=HYPERLINK(\"\"x\"\") Evil\",evil@example.org,Invited\r\n"
    );

    // The emails leave through the paced queue; the progress says so.
    let mut progress = serde_json::Value::Null;
    for _ in 0..50 {
        let answer = browser.get(&format!("{}/{id}/progress", import(n))).await;
        assert_eq!(answer.status, StatusCode::OK);
        progress = serde_json::from_str(&answer.body).unwrap();
        if progress["live"] == false {
            break;
        }
        assert!(progress["text"]
            .as_str()
            .unwrap()
            .contains(" of 4 emails sent; the rest go out"));
        server.app.send_queued_mail().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(progress["text"], "4 of 4 emails sent.");
    assert_eq!(progress["live"], false);
    let result = browser.get(&format!("{}/{id}", import(n))).await;
    assert!(result.body.contains("4 of 4 emails sent."));
    assert!(!result.body.contains("data-progress-url"));

    // One Name column, commas, LF, no BOM, as Google Sheets writes it.
    let sheets = b"Name,Email,Notes\n\"Hopper, Grace\",grace2@example.org,\"met at a, b\"\nMary Jackson,mary@example.org,\n";
    let answer = browser
        .upload(n, "network_admin", Some(("sheet.csv", sheets)))
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let preview = browser.get(answer.location()).await;
    assert_eq!(
        table_rows(&preview.body, "columns"),
        ["Name | Name", "Email | Email", "Notes | Not used"]
    );
    assert!(preview.body.contains("values separated by commas (,)"));
    let id2 = import_id_of(answer.location());
    browser
        .post(&format!("{}/{id2}/invite", import(n)), &[])
        .await;
    let result = browser.get(&format!("{}/{id2}", import(n))).await;
    assert_eq!(
        table_rows(&result.body, "results"),
        [
            "2 | Hopper, Grace | grace2@example.org | Invited",
            "3 | Mary Jackson | mary@example.org | Invited",
        ]
    );
    assert!(result
        .body
        .contains("imported as <strong>Network Admin, Admin</strong>"));
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM invitations WHERE email_norm = 'mary@example.org' AND role = 'network_admin'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn unreadable_empty_and_oversized_files_are_refused_whole() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    let before = counts(&server).await;

    let rows_5001: String = std::iter::once("Name,Email\n".to_string())
        .chain((0..5001).map(|i| format!("Person {i},p{i}@example.org\n")))
        .collect();
    let mut over_2_mib = b"Name,Email\n".to_vec();
    over_2_mib.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    // What is sent, the file (name and bytes), the answer and what the page says.
    type Case<'a> = (&'a str, Option<(&'a str, &'a [u8])>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            "5,001 rows",
            Some(("big.csv", rows_5001.as_bytes())),
            StatusCode::UNPROCESSABLE_ENTITY,
            "“big.csv” was not imported, and nobody was invited. The file has 5001 rows; at most 5000 can be imported at once. Split it into smaller files and import each.",
        ),
        (
            "an image",
            Some(("photo.csv", png)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file is not a CSV text file. If it is a spreadsheet (.xlsx, .ods, .numbers), save or export it as CSV first.",
        ),
        (
            "no email column",
            Some(("names.csv", b"First Name,Last Name\nAda,Lovelace\n")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "No email column was found.",
        ),
        (
            "an unclosed quote",
            Some(("quote.csv", b"Name,Email\n\"Ada,ada@example.org\n")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Line 2: a quoted value is not closed",
        ),
        (
            "only a header",
            Some(("header.csv", b"\xef\xbb\xbfName,Email\r\n")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file has no rows.",
        ),
        (
            "an empty file",
            Some(("empty.csv", b"")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file has no rows.",
        ),
        (
            "no file chosen",
            Some(("", b"")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please choose a CSV file to upload.",
        ),
        (
            "no file part",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please choose a CSV file to upload.",
        ),
        (
            "over 2 MiB",
            Some(("huge.csv", &over_2_mib)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "The file is larger than 2 MiB, the most that can be imported at once.",
        ),
    ];
    for (what, file, status, message) in cases {
        let answer = browser.upload(n, "ally", file).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        let body = unescape(&answer.body);
        assert!(body.contains(message), "{what}: {body}");
        assert!(body.contains(r#"role="alert""#), "{what}");
        assert_eq!(h1(&answer.body), "Bulk invite from a CSV", "{what}");
        assert_eq!(counts(&server).await, before, "{what} changed something");
    }
    // No type chosen: the file is not kept either.
    let answer = browser
        .upload(
            n,
            "",
            Some(("ok.csv", b"Name,Email\nAda,ada@example.org\n")),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer
        .body
        .contains("Please choose who the people in the file are"));
    // Past what the guard reads at all: its page, nothing read or kept.
    let token = browser.form_token();
    let mut body = multipart(&[("form_token", &token), ("kind", "ally")], None);
    body.extend(vec![b'x'; 3 * 1024 * 1024]);
    let answer = browser.upload_raw(n, body).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        answer.body.contains("The file is larger than 2 MiB"),
        "{}",
        answer.body
    );
    assert_eq!(counts(&server).await, before);

    // 5,000 rows, the most, are taken.
    let rows_5000: String = std::iter::once("Name,Email\n".to_string())
        .chain((0..5000).map(|i| format!("Person {i},p{i}@example.org\n")))
        .collect();
    let answer = browser
        .upload(n, "ally", Some(("ok.csv", rows_5000.as_bytes())))
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let preview = browser.get(answer.location()).await;
    assert!(preview.body.contains("5,000 rows"));
    assert!(preview.body.contains("Invite 5,000 people"));
}

#[tokio::test]
async fn who_may_not_invite_gets_403_everywhere_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Alpha",
            "admin.a@example.org",
            "Admin A",
            Role::NetworkAdmin,
        )
        .await;
    let a = admin.network_id;
    let viewer = server
        .member(
            "Alpha",
            "viewer@example.org",
            "Vera Viewer",
            Role::NetworkAdmin,
        )
        .await;
    execute(
        &server,
        &format!(
            "UPDATE memberships SET permissions = {} WHERE person_id = {} AND network_id = {a}",
            PermissionTemplate::Viewer.permissions().bits(),
            viewer.id
        ),
    )
    .await;
    server
        .member("Alpha", "ally.a@example.org", "Ally A", Role::Ally)
        .await;
    // The admin's pending upload, and a finished import, that the others try to reach.
    let browser_a = Browser::signed_in(&server, "admin.a@example.org").await;
    let file: &[u8] = b"Name,Email\nAda Lovelace,ada@example.org\n";
    let pending = import_id_of(
        browser_a
            .upload(a, "ally", Some(("a.csv", file)))
            .await
            .location(),
    );
    let done = import_id_of(
        browser_a
            .upload(
                a,
                "ally",
                Some(("b.csv", b"Name,Email\nBob,bob@example.org\n")),
            )
            .await
            .location(),
    );
    browser_a
        .post(&format!("{}/{done}/invite", import(a)), &[])
        .await;
    let before = counts(&server).await;

    for email in ["viewer@example.org", "ally.a@example.org"] {
        let browser = Browser::signed_in(&server, email).await;
        if email == "viewer@example.org" {
            // The viewer sees Team Members, without the link.
            let team = browser.get(&format!("/admin/networks/{a}/team")).await;
            assert_eq!(team.status, StatusCode::OK);
            assert!(!team.body.contains("Bulk invite from a CSV"));
        }
        for path in [
            import(a),
            format!("{}/{pending}", import(a)),
            format!("{}/{done}", import(a)),
            format!("{}/{done}/progress", import(a)),
            format!("{}/{done}/results.csv", import(a)),
        ] {
            let answer = browser.get(&path).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{email} GET {path}");
            assert!(!answer.body.contains("ada@example.org"));
            assert!(!answer.body.contains("bob@example.org"));
        }
        let answer = browser.upload(a, "ally", Some(("v.csv", file))).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{email} upload");
        let answer = browser
            .post(&format!("{}/{pending}/invite", import(a)), &[])
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{email} invite");
    }
    assert_eq!(counts(&server).await, before);
    assert_eq!(
        scalar(
            &server,
            &format!("SELECT COUNT(*) FROM invitation_imports WHERE id = {pending} AND imported_at IS NULL")
        )
        .await,
        1
    );

    // Without the form token, or with another, the admin's own upload is refused, even when
    // the browser says it comes from this site.
    let same_origin_upload = |body: Vec<u8>| {
        browser_a
            .http
            .post(format!("{}{}", server.base, import(a)))
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header("sec-fetch-site", "same-origin")
            .body(body)
    };
    let tokenless = browser_a
        .send(same_origin_upload(multipart(
            &[("kind", "ally")],
            Some(("t.csv", file)),
        )))
        .await;
    assert_eq!(tokenless.status, StatusCode::FORBIDDEN);
    assert!(tokenless
        .body
        .contains("This form cannot be sent from here"));
    let wrong_token = browser_a
        .send(same_origin_upload(multipart(
            &[("form_token", "not-the-token"), ("kind", "ally")],
            Some(("t.csv", file)),
        )))
        .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    let token = browser_a.form_token();
    let cross_site = browser_a
        .send(
            browser_a
                .http
                .post(format!("{}{}", server.base, import(a)))
                .header(
                    CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .header("sec-fetch-site", "cross-site")
                .body(multipart(
                    &[("form_token", &token), ("kind", "ally")],
                    Some(("t.csv", file)),
                )),
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    let tokenless_invite = browser_a
        .send(
            browser_a
                .http
                .post(format!("{}{}/{pending}/invite", server.base, import(a)))
                .form(&[("x", "1")]),
        )
        .await;
    assert_eq!(tokenless_invite.status, StatusCode::FORBIDDEN);
    assert_eq!(counts(&server).await, before);
    // With the token as the page sends it (after the file, here), the same upload goes through.
    let token = browser_a.form_token();
    let ok = browser_a
        .send(same_origin_upload(multipart_then(
            &[("kind", "ally")],
            Some(("t.csv", file)),
            &[("form_token", &token)],
        )))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

#[tokio::test]
async fn another_network_or_admin_cannot_see_or_use_an_upload() {
    let server = TestServer::start().await;
    let admin_a = server
        .member(
            "Alpha",
            "admin.a@example.org",
            "Admin A",
            Role::NetworkAdmin,
        )
        .await;
    let a = admin_a.network_id;
    server
        .member(
            "Alpha",
            "second.a@example.org",
            "Second A",
            Role::NetworkAdmin,
        )
        .await;
    let admin_b = server
        .member("Beta", "admin.b@example.org", "Admin B", Role::NetworkAdmin)
        .await;
    let b = admin_b.network_id;
    let browser_a = Browser::signed_in(&server, "admin.a@example.org").await;
    let pending = import_id_of(
        browser_a
            .upload(
                a,
                "ally",
                Some(("a.csv", b"Name,Email\nAda Lovelace,ada@example.org\n")),
            )
            .await
            .location(),
    );
    let before = counts(&server).await;

    // Network B's admin, through B's pages (where they may invite): not there.
    let browser_b = Browser::signed_in(&server, "admin.b@example.org").await;
    for path in [
        format!("{}/{pending}", import(b)),
        format!("{}/{pending}/results.csv", import(b)),
    ] {
        let answer = browser_b.get(&path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!answer.body.contains("ada@example.org"));
        assert!(!answer.body.contains("a.csv"));
    }
    assert_eq!(
        browser_b
            .get(&format!("{}/{pending}/progress", import(b)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let answer = browser_b
        .post(&format!("{}/{pending}/invite", import(b)), &[])
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.body.contains("This upload is no longer available"));
    // Through A's pages: not an admin there.
    assert_eq!(
        browser_b
            .get(&format!("{}/{pending}", import(a)))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another admin of A: the pending file is the uploader's alone.
    let second = Browser::signed_in(&server, "second.a@example.org").await;
    assert_eq!(
        second.get(&format!("{}/{pending}", import(a))).await.status,
        StatusCode::NOT_FOUND
    );
    let answer = second
        .post(&format!("{}/{pending}/invite", import(a)), &[])
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(counts(&server).await, before);

    // Once imported by its uploader, the result is the network's: the other admin of A sees
    // it, B's admin still does not.
    browser_a
        .post(&format!("{}/{pending}/invite", import(a)), &[])
        .await;
    let result = second.get(&format!("{}/{pending}", import(a))).await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(result.body.contains("ada@example.org"));
    assert_eq!(
        browser_b
            .get(&format!("{}/{pending}", import(b)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // An upload expires after an hour: its preview and Invite are gone, nobody invited.
    let late = import_id_of(
        browser_a
            .upload(
                a,
                "ally",
                Some(("late.csv", b"Name,Email\nLate Person,late@example.org\n")),
            )
            .await
            .location(),
    );
    server.clock.advance(60 * 60 + 1);
    let before = counts(&server).await;
    assert_eq!(
        browser_a.get(&format!("{}/{late}", import(a))).await.status,
        StatusCode::NOT_FOUND
    );
    let answer = browser_a
        .post(&format!("{}/{late}/invite", import(a)), &[])
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(counts(&server).await, before);
}

/// The upload form with a Network Admin import's permission template.
async fn upload_as(
    browser: &Browser,
    network_id: i64,
    kind: &str,
    template: &str,
    file: (&str, &[u8]),
) -> Answer {
    let token = browser.form_token();
    browser
        .upload_raw(
            network_id,
            multipart(
                &[
                    ("form_token", &token),
                    ("kind", kind),
                    ("template", template),
                ],
                Some(file),
            ),
        )
        .await
}

/// Uploads and invites a file; the result page.
async fn import_file(
    browser: &Browser,
    network_id: i64,
    kind: &str,
    template: &str,
    file: (&str, &[u8]),
) -> (i64, Answer) {
    let answer = upload_as(browser, network_id, kind, template, file).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let id = import_id_of(answer.location());
    let invited = browser
        .post(&format!("{}/{id}/invite", import(network_id)), &[])
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    (id, browser.get(invited.location()).await)
}

/// Accepts the emailed invitation of each address; their memberships' role and permissions.
async fn accept_all(server: &TestServer, network_id: i64, emails: &[&str]) -> Vec<(String, i64)> {
    server.app.send_queued_mail().await.unwrap();
    let mut got = Vec::new();
    for email in emails {
        let link = std::fs::read_dir(server.outbox())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| read_eml(&e.path()))
            .filter(|eml| eml.contains(&format!("<{email}>")))
            .flat_map(|eml| links_in(&eml))
            .find(|l| l.contains("/invite/"))
            .unwrap_or_else(|| panic!("the invitation's link to {email}"));
        let (status, body) = server.accept(&link, GOOD_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let found = rows(
            server,
            &format!(
                "SELECT m.role, m.permissions FROM memberships m JOIN people p ON p.id = m.person_id
                 WHERE m.network_id = ? AND p.email = '{email}'"
            ),
            &[network_id],
        )
        .await;
        assert_eq!(found.len(), 1, "one membership of {email}");
        let role = found[0][0].clone().expect("a role");
        let permissions: i64 = found[0][1]
            .as_deref()
            .expect("permissions")
            .parse()
            .unwrap();
        got.push((role, permissions));
    }
    got
}

#[tokio::test]
async fn network_admins_imported_with_a_template_get_its_permissions_only() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    let viewer = PermissionTemplate::Viewer.permissions().bits();

    // The upload page asks, as Invite Member does, Admin first.
    let form = browser.get(&import(n)).await;
    assert!(form.body.contains("Permissions of a Network Admin"));
    for t in ["admin", "recruiter", "viewer"] {
        assert!(form
            .body
            .contains(&format!(r#"name="template" type="radio" value="{t}""#)));
    }
    assert!(
        form.body.contains(r#"value="admin" checked"#),
        "Admin by default"
    );

    // Network Admins with the Viewer template: said on the preview and the result.
    let admins = b"Name,Email\nVera One,vera1@example.org\nVera Two,vera2@example.org\n";
    let answer = upload_as(
        &browser,
        n,
        "network_admin",
        "viewer",
        ("admins.csv", admins),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let id = import_id_of(answer.location());
    let preview = browser.get(answer.location()).await;
    assert!(
        preview
            .body
            .contains("<strong>Network Admin, Viewer</strong>"),
        "{}",
        preview.body
    );
    let invited = browser
        .post(&format!("{}/{id}/invite", import(n)), &[])
        .await;
    let result = browser.get(invited.location()).await;
    assert!(
        result
            .body
            .contains("<strong>Network Admin, Viewer</strong>"),
        "{}",
        result.body
    );
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM invitations WHERE network_id = {n} AND permissions = {viewer}
                 AND role = 'network_admin' AND email LIKE 'vera%'"
            )
        )
        .await,
        2
    );
    let detail = text(
        &server,
        &format!(
            "SELECT detail FROM audit_log WHERE network_id = {n} AND action = 'imported_csv'
             ORDER BY id DESC LIMIT 1"
        ),
    )
    .await
    .expect("the import's audit line");
    assert_eq!(detail, "2 invited as Network Admin, Viewer from 2 rows");
    // In French on the audit log page.
    let french = Browser::signed_in(&server, "nadia@example.org").await;
    french.set_cookie_value("allyshare_lang", "fr");
    let log = french.get(&format!("/admin/networks/{n}/audit")).await;
    assert!(
        unescape(&log.body).contains("2 invités en tant que Admin du réseau, Lecteur sur 2 lignes"),
        "{}",
        log.body
    );
    // Each accepted invitation gives exactly Viewer's permissions.
    assert_eq!(
        accept_all(&server, n, &["vera1@example.org", "vera2@example.org"]).await,
        vec![("network_admin".to_string(), viewer); 2]
    );

    // Allies: the template is ignored, an ally holds no permissions.
    let (_, result) = import_file(
        &browser,
        n,
        "ally",
        "viewer",
        ("allies.csv", b"Name,Email\nAli Ally,ali@example.org\n"),
    )
    .await;
    assert!(
        result.body.contains("<strong>Ally</strong>"),
        "{}",
        result.body
    );
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM invitations WHERE email = 'ali@example.org'
             AND role = 'ally' AND permissions IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        accept_all(&server, n, &["ali@example.org"]).await,
        vec![("ally".to_string(), 0)]
    );

    // A forged template: refused on the upload page, with what to do; nothing kept or invited.
    let before = counts(&server).await;
    let answer = upload_as(
        &browser,
        n,
        "network_admin",
        "superuser",
        ("forged.csv", b"Name,Email\nMal Forged,mal@example.org\n"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body.contains(
            "Please choose the permissions of the Network Admins in the file: Admin, Recruiter or Viewer."
        ),
        "{}",
        answer.body
    );
    assert!(answer.body.contains(r#"role="alert""#));
    assert_eq!(counts(&server).await, before);

    // The API's import takes the same template.
    let response = server
        .http
        .post(format!(
            "{}/v1/networks/{n}/invitations/import?role=network_admin&template=recruiter",
            server.base
        ))
        .bearer_auth(&admin.token)
        .header("content-type", "text/csv")
        .body("Name,Email\nRita Api,rita@example.org\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM invitations WHERE email = 'rita@example.org' AND permissions = {}",
                PermissionTemplate::Recruiter.permissions().bits()
            )
        )
        .await,
        1
    );
    let before = counts(&server).await;
    let response = server
        .http
        .post(format!(
            "{}/v1/networks/{n}/invitations/import?role=network_admin&template=superuser",
            server.base
        ))
        .bearer_auth(&admin.token)
        .header("content-type", "text/csv")
        .body("Name,Email\nMal Forged,mal@example.org\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(counts(&server).await, before);
}

/// How long a 5,000-row import takes through the console (`--release` for the figure):
/// `cargo test --release -p allyshare-server --test console_import -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn time_a_5000_row_import() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    let browser = Browser::signed_in(&server, "nadia@example.org").await;
    let rows: String = std::iter::once("Name,Email\n".to_string())
        .chain((0..5000).map(|i| format!("Person {i},p{i}@example.org\n")))
        .collect();
    let answer = upload_as(&browser, n, "ally", "", ("big.csv", rows.as_bytes())).await;
    let id = import_id_of(answer.location());
    let started = std::time::Instant::now();
    let invited = browser
        .post(&format!("{}/{id}/invite", import(n)), &[])
        .await;
    let took = started.elapsed();
    assert_eq!(invited.status, StatusCode::SEE_OTHER);
    eprintln!("5,000-row import (Invite): {took:?}");
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM invitations WHERE email LIKE 'p%@example.org'"
        )
        .await,
        5000
    );
}

/// In an import stored in one transaction, each row keeps its own outcome: an address at its
/// daily limit of invitation emails fails alone, the others are invited, its earlier
/// invitation left as it was.
#[tokio::test]
async fn a_row_at_its_daily_email_limit_fails_alone_in_an_import() {
    let server = TestServer::start().await;
    let admin = server
        .member(
            "Sales",
            "nadia@example.org",
            "Nadia Admin",
            Role::NetworkAdmin,
        )
        .await;
    let n = admin.network_id;
    for _ in 0..3 {
        server
            .expect(
                Method::POST,
                &format!("/v1/networks/{n}/invitations"),
                Some(&admin.token),
                Some(json!({"name": "Busy Person", "email": "busy@example.org"})),
                StatusCode::CREATED,
            )
            .await;
    }
    let pending_before = scalar(
        &server,
        "SELECT id FROM invitations WHERE email = 'busy@example.org' AND revoked_at IS NULL",
    )
    .await;
    let report: serde_json::Value = server
        .http
        .post(format!("{}/v1/networks/{n}/invitations/import", server.base))
        .bearer_auth(&admin.token)
        .header("content-type", "text/csv")
        .body("Name,Email\nFresh One,fresh1@example.org\nBusy Person,busy@example.org\nFresh Two,fresh2@example.org\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let outcomes: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["invited", "failed", "invited"], "{report}");
    assert!(report["rows"][1]["message"]
        .as_str()
        .unwrap()
        .contains("got 3 invitation emails from this network in the last 24 hours"));
    assert_eq!(report["emails_queued"], 2);
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM invitations WHERE email LIKE 'fresh%' AND revoked_at IS NULL"
        )
        .await,
        2
    );
    // The refused row changed nothing: its pending invitation is still the one.
    assert_eq!(
        scalar(
            &server,
            "SELECT id FROM invitations WHERE email = 'busy@example.org' AND revoked_at IS NULL"
        )
        .await,
        pending_before
    );
}
