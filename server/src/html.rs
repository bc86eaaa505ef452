//! Server-rendered pages: the Get Started form, the setup guide, the link-problem pages and
//! the terms.
//!
//! Plain `format!` templates keep the dependency count (and compile time) down; the price is
//! discipline: every interpolated value goes through [`escape`]. Pages carry no script and
//! no inline style, so the strict CSP set in `web.rs` holds.

/// Escapes text for use in HTML element content and double- or single-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole document around a page's `<main>` content. `title` is raw text.
fn layout(title: &str, main: &str) -> String {
    layout_with(title, "", main)
}

/// The `<head>` additions that run the hand-off script for this extension.
fn handoff_head(extension_id: &str) -> String {
    format!(
        "<meta name=\"allyshare-extension-id\" content=\"{}\">\n\
         <script src=\"/assets/handoff.js\" defer></script>\n",
        escape(extension_id)
    )
}

/// [`layout`] with trusted markup added to `<head>`.
fn layout_with(title: &str, head: &str, main: &str) -> String {
    let title = escape(title);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · AllyShare</title>
<link rel="stylesheet" href="/assets/site.css">
{head}</head>
<body>
<header class="site"><span class="brand">AllyShare</span></header>
<main class="card">
{main}
</main>
<footer class="site"><a href="/terms">Terms of Service</a></footer>
</body>
</html>
"#
    )
}

/// Which form the Get Started page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    /// A new account: choose a password (twice) and accept the terms.
    NewPassword,
    /// The email already has an account with a password: give that password (proof that the
    /// account is theirs) and accept the terms.
    ExistingAccount,
}

/// What the Get Started page needs to know.
#[derive(Debug, Clone)]
pub struct GetStarted<'a> {
    pub token: &'a str,
    /// This browser's form token (see [`crate::cross_site`]).
    pub form_token: &'a str,
    pub network: &'a str,
    pub invitee_name: &'a str,
    pub email: &'a str,
    pub mode: FormMode,
    /// Problems with the last submission, shown in an alert.
    pub errors: &'a [String],
}

pub fn get_started_page(p: &GetStarted<'_>) -> String {
    let network = escape(p.network);
    let name = escape(p.invitee_name);
    let email = escape(p.email);
    let action = format!("/invite/{}", escape(p.token));
    let form_token = escape(p.form_token);
    let alert = if p.errors.is_empty() {
        String::new()
    } else {
        let items: String = p
            .errors
            .iter()
            .map(|e| format!("<li>{}</li>", escape(e)))
            .collect();
        format!(
            r#"<div class="alert" role="alert" id="form-errors">
<p><strong>Please fix the following:</strong></p>
<ul>{items}</ul>
</div>
"#
        )
    };
    let described_by = if p.errors.is_empty() {
        ""
    } else {
        r#" aria-describedby="form-errors""#
    };
    let (intro, fields) = match p.mode {
        FormMode::NewPassword => (
            format!(
                "<p>Hi {name}, you've been invited to join <strong>{network}</strong> on \
                 AllyShare. Choose a password for <strong>{email}</strong> and accept the \
                 terms to get started.</p>"
            ),
            r#"<div class="field">
<label for="password">Choose a password</label>
<input id="password" name="password" type="password" autocomplete="new-password" aria-required="true" aria-describedby="password-hint">
<p class="hint" id="password-hint">At least 8 characters. A few unrelated words make a strong password that is easy to remember.</p>
</div>
<div class="field">
<label for="password_confirm">Confirm your password</label>
<input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" aria-required="true">
</div>
"#,
        ),
        FormMode::ExistingAccount => (
            format!(
                "<p>Hi {name}, you've been invited to join <strong>{network}</strong> on \
                 AllyShare. You already have an AllyShare account for \
                 <strong>{email}</strong>: enter its password and accept the terms to add \
                 {network} to your account.</p>"
            ),
            r#"<div class="field">
<label for="password">Your AllyShare password</label>
<input id="password" name="password" type="password" autocomplete="current-password" aria-required="true">
</div>
"#,
        ),
    };
    let main = format!(
        r#"<h1>Join {network}</h1>
{intro}
{alert}<form method="post" action="{action}"{described_by}>
<input type="hidden" name="form_token" value="{form_token}">
{fields}<div class="check">
<input id="terms" name="terms" type="checkbox" value="accepted" aria-required="true">
<label for="terms">I accept the <a href="/terms" target="_blank" rel="noopener">Terms of Service</a></label>
</div>
<button type="submit">Get started</button>
</form>
"#
    );
    layout(&format!("Join {}", p.network), &main)
}

/// The three-step setup guide shown once the invitation is accepted. With `handoff` (the
/// extension's id), the page also runs the hand-off script and shows its status.
pub fn guide_page(
    network: &str,
    extension_url: &str,
    existing_account: bool,
    handoff: Option<&str>,
) -> String {
    let net = escape(network);
    let ext = escape(extension_url);
    let account = if existing_account {
        "<p>We added this network to your existing AllyShare account: sign in with your \
         existing password.</p>"
    } else {
        "<p>Your account is ready. Three steps and you're set:</p>"
    };
    let main = format!(
        r#"<h1>Welcome to {net}</h1>
{account}
<ol class="guide">
<li><h2>Connect LinkedIn</h2>
<p>Install the AllyShare extension and sign in, and it reads the connections of the LinkedIn account already open in your browser, without ever sending your LinkedIn password or cookies anywhere.</p></li>
<li><h2>Help with meaningful introductions</h2>
<p>Your connections are shared with {net} so it can spot warm paths to the people it wants to meet, and you can stop sharing at any time.</p></li>
<li><h2>Make an introduction when asked</h2>
<p>Now and then {net} may ask you to introduce someone you know, and you decide each time whether to make the introduction.</p></li>
</ol>
<p class="actions"><a class="button" href="{ext}" rel="noopener noreferrer">Add to Chrome</a></p>
{status}<p class="note">Developers: build the extension and load the <code>dist/</code> folder unpacked (chrome://extensions, Developer mode, Load unpacked).</p>
"#,
        status = if handoff.is_some() {
            "<p class=\"note\" id=\"handoff-status\" role=\"status\" aria-live=\"polite\"></p>\n"
        } else {
            ""
        }
    );
    let head = handoff.map(handoff_head).unwrap_or_default();
    layout_with(&format!("Welcome to {network}"), &head, &main)
}

/// `GET /handoff`: the page the extension opens to be signed in (when the guide page was open
/// before the extension was installed). `handoff` as in [`guide_page`]; `None` when there is
/// nothing to hand off (no fresh acceptance in this browser, or no extension configured).
pub fn handoff_page(handoff: Option<&str>) -> String {
    match handoff {
        Some(id) => layout_with(
            "Connecting the extension",
            &handoff_head(id),
            "<h1>Connecting the AllyShare extension</h1>\n\
             <p class=\"note\" id=\"handoff-status\" role=\"status\" aria-live=\"polite\">\
             Connecting…</p>\n",
        ),
        None => message_page(
            "Sign in from the extension",
            &["Open the AllyShare extension and sign in with your email address and password."],
        ),
    }
}

/// A page with a heading and a few sentences (link problems, not found).
pub fn message_page(heading: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect();
    layout(heading, &format!("<h1>{}</h1>\n{body}", escape(heading)))
}

pub fn invitation_used_page() -> String {
    message_page(
        "This invitation has already been used",
        &[
            "Your AllyShare account is already set up.",
            "Sign in with the AllyShare extension, using your email address and password.",
        ],
    )
}

pub fn invitation_expired_page(valid_days: i64) -> String {
    message_page(
        "This invitation has expired",
        &[
            &format!("Invitation links work for {valid_days} days."),
            "Ask your network admin to send you a new invitation.",
        ],
    )
}

pub fn invitation_invalid_page() -> String {
    message_page(
        "This invitation link is not valid",
        &[
            "Check that you opened the whole link from your invitation email. If you were \
             invited again, only the newest email's link works.",
            "If it still does not work, ask your network admin for a new invitation.",
        ],
    )
}

pub fn not_found_page() -> String {
    message_page("Page not found", &["There is nothing at this address."])
}

pub fn terms_page() -> String {
    let main = r#"<h1>Terms of Service</h1>
<p>These terms apply to AllyShare, a service that lets you share your LinkedIn connections with the professional networks that invite you.</p>
<h2>What you share</h2>
<p>For each connection: their LinkedIn member id and profile address, first and last name, headline, the date you connected, and a photo reference. Never emails, phone numbers, messages, or your LinkedIn password or cookies.</p>
<h2>Who sees it</h2>
<p>Only the networks you choose to share with, and within each network only its admins. A network admin may ask you for an introduction; you decide whether to make it.</p>
<h2>Your control</h2>
<p>You can turn sharing off for any network at any time, which removes your connections from that network's view at once. Stopping sharing with every network deletes your connections from the server.</p>
<h2>Your account</h2>
<p>Keep your password to yourself. Your password is stored only as a salted hash.</p>
<p>Deleting your account deletes everything the server holds about you: your connections, the introduction requests about them, and the invitations sent to your email address.</p>
"#;
    layout("Terms of Service", main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn guide_has_exactly_three_steps() {
        let page = guide_page("Sales", "https://example.org", false, None);
        let guide = page.split("<ol class=\"guide\">").nth(1).unwrap();
        let guide = guide.split("</ol>").next().unwrap();
        assert_eq!(guide.matches("<li>").count(), 3);
    }

    #[test]
    fn pages_escape_names() {
        let errors = vec!["<b>".to_string()];
        let page = get_started_page(&GetStarted {
            token: "t",
            form_token: "f",
            network: "<script>x</script>",
            invitee_name: "\"Ada\"",
            email: "a@b.c",
            mode: FormMode::NewPassword,
            errors: &errors,
        });
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(page.contains("&quot;Ada&quot;"));
        assert!(page.contains("<li>&lt;b&gt;</li>"));
    }
}
