//! Sending email: into an outbox directory by default, or to an SMTP server when one is
//! configured.
//!
//! Without SMTP, each message is written as an RFC 5322 `.eml` file (lettre's `FileTransport`)
//! into the outbox directory, where a developer can open it and a test can read it. With
//! `--smtp-url` (`smtp://host:port` plain, `smtp://host:port?tls=required` STARTTLS,
//! `smtps://host` implicit TLS, user and password in the URL's userinfo), messages go to that
//! server instead, through lettre's pooled `SmtpTransport`, from a blocking thread.
//!
//! Bodies use 7bit/8bit transfer encoding, never quoted-printable or base64, so the Get Started
//! link stays intact and greppable in the raw file (quoted-printable would break long lines
//! and escape `=`).

use std::path::{Path, PathBuf};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};

use allyshare_protocol::IntroAsk;
use askama::Template;

/// The default sender of every email.
pub const DEFAULT_FROM: &str = "AllyShare <no-reply@allyshare.invalid>";

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid email address {0:?}")]
    InvalidAddress(String),
    #[error("could not build the email: {0}")]
    Build(String),
    #[error("could not create the outbox directory {path}: {source}")]
    Outbox {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not write the email to the outbox: {0}")]
    Write(#[from] lettre::transport::file::Error),
    #[error("invalid SMTP URL: {0}")]
    SmtpUrl(String),
    #[error("the SMTP server did not take the email: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("sending the email failed: {0}")]
    Send(String),
}

/// Parses `Name <address>` or a bare address.
pub fn parse_mailbox(s: &str) -> Result<Mailbox, MailError> {
    s.trim()
        .parse::<Mailbox>()
        .map_err(|_| MailError::InvalidAddress(s.to_string()))
}

/// Where a message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Written to this `.eml` file in the outbox.
    File(PathBuf),
    /// Accepted by the SMTP server.
    Smtp,
}

impl Delivery {
    /// The `.eml` file, when the message was written to the outbox.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Delivery::File(path) => Some(path),
            Delivery::Smtp => None,
        }
    }
}

/// Builds and sends the emails: to the outbox directory, or through SMTP when configured.
#[derive(Clone)]
pub struct Mailer {
    dir: PathBuf,
    from: Mailbox,
    smtp: Option<SmtpTransport>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("dir", &self.dir)
            .field("from", &self.from)
            .field("smtp", &self.smtp.is_some())
            .finish()
    }
}

impl Mailer {
    /// A mailer writing to `dir`, or sending through `smtp_url` when given.
    pub fn new(
        dir: impl Into<PathBuf>,
        from: &str,
        smtp_url: Option<&str>,
    ) -> Result<Self, MailError> {
        let smtp = smtp_url
            .map(|url| {
                SmtpTransport::from_url(url)
                    .map(|builder| {
                        builder
                            .timeout(Some(std::time::Duration::from_secs(20)))
                            .build()
                    })
                    .map_err(|e| MailError::SmtpUrl(e.to_string()))
            })
            .transpose()?;
        Ok(Mailer {
            dir: dir.into(),
            from: parse_mailbox(from)?,
            smtp,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Builds the invitation email (building can fail on bad input, so it is done before
    /// anything is stored; [`Mailer::send`] then only does I/O).
    pub fn invitation(
        &self,
        to_name: &str,
        to_email: &str,
        network: &str,
        link: &str,
        valid_days: i64,
        note: Option<&str>,
    ) -> Result<Message, MailError> {
        let address = to_email
            .trim()
            .parse()
            .map_err(|_| MailError::InvalidAddress(to_email.to_string()))?;
        let to = Mailbox::new(Some(to_name.to_string()), address);
        let text = invitation_text(to_name, network, link, valid_days, note)?;
        let html = invitation_html(to_name, network, link, valid_days, note)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("You've been invited to {network}"))
            .multipart(
                MultiPart::alternative()
                    .singlepart(eight_bit_part(ContentType::TEXT_PLAIN, text)?)
                    .singlepart(eight_bit_part(ContentType::TEXT_HTML, html)?),
            )
            .map_err(|e| MailError::Build(e.to_string()))?;
        Ok(message)
    }

    /// Builds the password reset email (the console's *Forgot password?*).
    pub fn password_reset(
        &self,
        to_name: &str,
        to_email: &str,
        link: &str,
    ) -> Result<Message, MailError> {
        let address = to_email
            .trim()
            .parse()
            .map_err(|_| MailError::InvalidAddress(to_email.to_string()))?;
        let to = Mailbox::new(Some(to_name.to_string()), address);
        let build = |e: askama::Error| MailError::Build(e.to_string());
        let text = PasswordResetText {
            name: to_name,
            email: to_email,
            link,
        }
        .render()
        .map_err(build)?;
        let html = PasswordResetHtml {
            name: to_name,
            email: to_email,
            link,
        }
        .render()
        .map_err(build)?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject("Reset your AllyShare password")
            .multipart(
                MultiPart::alternative()
                    .singlepart(eight_bit_part(ContentType::TEXT_PLAIN, text)?)
                    .singlepart(eight_bit_part(ContentType::TEXT_HTML, html)?),
            )
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// Builds the email that tells an ally about their new intro asks (`asks`, at least one):
    /// who asks, for whom, the note as text, and that they answer in the extension's popup
    /// (nothing in the email answers for them).
    pub fn new_asks(
        &self,
        to_name: &str,
        to_email: &str,
        asks: &[IntroAsk],
    ) -> Result<Message, MailError> {
        if asks.is_empty() {
            return Err(MailError::Build("an ask email about no ask".into()));
        }
        let address = to_email
            .trim()
            .parse()
            .map_err(|_| MailError::InvalidAddress(to_email.to_string()))?;
        let to = Mailbox::new(Some(to_name.to_string()), address);
        let (text, html) = new_asks_parts(to_name, asks)?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(new_asks_subject(asks))
            .multipart(
                MultiPart::alternative()
                    .singlepart(eight_bit_part(ContentType::TEXT_PLAIN, text)?)
                    .singlepart(eight_bit_part(ContentType::TEXT_HTML, html)?),
            )
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// Builds a plain-text email to `to` (at least one), with `cc`: the emails about
    /// introduction requests ([`crate::intro_mail`]), whose text is rendered from templates.
    pub fn plain(
        &self,
        to: &[(String, String)],
        cc: &[(String, String)],
        subject: &str,
        text: String,
    ) -> Result<Message, MailError> {
        if to.is_empty() {
            return Err(MailError::Build("an email to nobody".into()));
        }
        let mailbox = |(name, email): &(String, String)| -> Result<Mailbox, MailError> {
            let address = email
                .trim()
                .parse()
                .map_err(|_| MailError::InvalidAddress(email.to_string()))?;
            Ok(Mailbox::new(Some(one_line(name)), address))
        };
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(one_line(subject));
        for who in to {
            builder = builder.to(mailbox(who)?);
        }
        for who in cc {
            builder = builder.cc(mailbox(who)?);
        }
        builder
            .singlepart(eight_bit_part(ContentType::TEXT_PLAIN, text)?)
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// Sends `message` (SMTP, from a blocking thread) or writes it into the outbox.
    pub async fn send(&self, message: Message) -> Result<Delivery, MailError> {
        if let Some(smtp) = &self.smtp {
            let smtp = smtp.clone();
            tokio::task::spawn_blocking(move || smtp.send(&message))
                .await
                .map_err(|e| MailError::Send(e.to_string()))??;
            return Ok(Delivery::Smtp);
        }
        std::fs::create_dir_all(&self.dir).map_err(|source| MailError::Outbox {
            path: self.dir.clone(),
            source,
        })?;
        let id = FileTransport::new(&self.dir).send(&message)?;
        Ok(Delivery::File(self.dir.join(format!("{id}.eml"))))
    }
}

/// Longest line RFC 5321 allows, in bytes, without the CRLF.
const MAX_LINE_BYTES: usize = 998;

/// A body sent as-is: 7bit when ASCII, else 8bit, with CRLF line endings.
///
/// lettre's own encoder switches to quoted-printable for any line over 76 characters, which
/// would split a long link, so the body is checked against the real limits here and handed
/// over pre-encoded.
fn eight_bit_part(content_type: ContentType, text: String) -> Result<SinglePart, MailError> {
    let mut encoded = String::with_capacity(text.len() + 32);
    for line in text.lines() {
        if line.len() > MAX_LINE_BYTES {
            return Err(MailError::Build(format!(
                "a line of the email is longer than {MAX_LINE_BYTES} bytes"
            )));
        }
        if line.contains(['\0', '\r']) {
            return Err(MailError::Build(
                "the email contains a NUL or a bare carriage return".to_string(),
            ));
        }
        encoded.push_str(line);
        encoded.push_str("\r\n");
    }
    let encoding = if encoded.is_ascii() {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::EightBit
    };
    let body = Body::dangerous_pre_encoded(encoded.into_bytes(), encoding);
    Ok(SinglePart::builder().header(content_type).body(body))
}

/// Longest line of a note in an email, in characters (the note's own lines are wrapped to
/// it, so no line of the email comes near SMTP's limit whatever the note).
const NOTE_LINE_CHARS: usize = 72;

/// One source line of the note in the HTML part; `break_after` ends a line of the note itself
/// (the wrapped pieces of one line run together, as HTML collapses the line breaks).
#[derive(Debug, Clone, PartialEq, Eq)]
struct NoteLine {
    text: String,
    break_after: bool,
}

/// The note's lines, each wrapped at spaces to [`NOTE_LINE_CHARS`] (a longer word is cut), as
/// (the pieces of each line of the note).
pub(crate) fn wrap_note(note: &str) -> Vec<Vec<String>> {
    note.lines()
        .map(|line| {
            let mut pieces = Vec::new();
            let mut current = String::new();
            for word in line.split(' ').filter(|w| !w.is_empty()) {
                let mut word: Vec<char> = word.chars().collect();
                while !word.is_empty() {
                    let used = current.chars().count();
                    let room = if used == 0 {
                        NOTE_LINE_CHARS
                    } else {
                        NOTE_LINE_CHARS - used - 1
                    };
                    if word.len() <= room {
                        if used > 0 {
                            current.push(' ');
                        }
                        current.extend(word.drain(..));
                    } else if used > 0 {
                        pieces.push(std::mem::take(&mut current));
                    } else {
                        pieces.push(word.drain(..NOTE_LINE_CHARS).collect());
                    }
                }
            }
            if !current.is_empty() || pieces.is_empty() {
                pieces.push(current);
            }
            pieces
        })
        .collect()
}

#[derive(Template)]
#[template(path = "email/invitation.txt")]
struct InvitationText<'a> {
    name: &'a str,
    network: &'a str,
    link: &'a str,
    valid_days: i64,
    note: Option<Vec<String>>,
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct InvitationHtml<'a> {
    name: &'a str,
    network: &'a str,
    link: &'a str,
    valid_days: i64,
    note: Option<Vec<NoteLine>>,
}

#[derive(Template)]
#[template(path = "email/password_reset.txt")]
struct PasswordResetText<'a> {
    name: &'a str,
    email: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "email/password_reset.html")]
struct PasswordResetHtml<'a> {
    name: &'a str,
    email: &'a str,
    link: &'a str,
}

/// The note's lines for an HTML part: wrapped, each line of the note ending in a break.
fn note_html(note: &str) -> Vec<NoteLine> {
    let lines = wrap_note(note);
    let last = lines.len().saturating_sub(1);
    lines
        .into_iter()
        .enumerate()
        .flat_map(|(i, pieces)| {
            let end = pieces.len() - 1;
            pieces
                .into_iter()
                .enumerate()
                .map(move |(j, text)| NoteLine {
                    text,
                    break_after: j == end && i != last,
                })
        })
        .collect()
}

/// One ask in an ask email: who asks to be introduced to whom (wrapped like a note, so no
/// line of the email grows with the names), and the note, if any.
struct AskLines<N> {
    /// Its lines joined by line breaks.
    sentence: String,
    /// Who wrote the note: the admin, else the network.
    from: String,
    note: Option<Vec<N>>,
}

#[derive(Template)]
#[template(path = "email/new_asks.txt")]
struct NewAsksText<'a> {
    name: &'a str,
    asks: Vec<AskLines<String>>,
}

#[derive(Template)]
#[template(path = "email/new_asks.html")]
struct NewAsksHtml<'a> {
    name: &'a str,
    asks: Vec<AskLines<NoteLine>>,
}

/// "Nadia (Getro Sales Network)", or the network alone when the admin is gone.
fn asker(ask: &IntroAsk) -> String {
    match &ask.asked_by {
        Some(admin) => format!("{} ({})", admin.name, ask.network_name),
        None => ask.network_name.clone(),
    }
}

/// What an ask email asks: "Nadia (Getro Sales Network) asks you to introduce them to Kay One".
fn ask_sentence(ask: &IntroAsk) -> String {
    let mut sentence = format!(
        "{} asks you to introduce them to {}",
        asker(ask),
        ask.contact_name
    );
    if let Some(headline) = ask.contact_headline.as_deref().filter(|h| !h.is_empty()) {
        sentence.push_str(&format!(" ({headline})"));
    }
    sentence.push('.');
    sentence
}

/// `text` on one line, for a header: every control character (a line break above all) is a
/// space.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The subject of an ask email: the ask itself when there is one, else how many wait.
fn new_asks_subject(asks: &[IntroAsk]) -> String {
    match asks {
        [ask] => one_line(&format!(
            "{} asks you to introduce them to {}",
            asker(ask),
            ask.contact_name
        )),
        _ => format!("{} introduction asks are waiting for you", asks.len()),
    }
}

fn new_asks_parts(name: &str, asks: &[IntroAsk]) -> Result<(String, String), MailError> {
    let build = |e: askama::Error| MailError::Build(e.to_string());
    fn lines(ask: &IntroAsk) -> (String, String, Option<&str>) {
        let sentence = wrap_note(&one_line(&ask_sentence(ask)))
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        let from = one_line(match &ask.asked_by {
            Some(admin) => &admin.name,
            None => &ask.network_name,
        });
        let note = Some(ask.note.trim()).filter(|n| !n.is_empty());
        (sentence, from, note)
    }
    let text = NewAsksText {
        name,
        asks: asks
            .iter()
            .map(|ask| {
                let (sentence, from, note) = lines(ask);
                AskLines {
                    sentence,
                    from,
                    note: note.map(|n| wrap_note(n).into_iter().flatten().collect()),
                }
            })
            .collect(),
    }
    .render()
    .map_err(build)?;
    let html = NewAsksHtml {
        name,
        asks: asks
            .iter()
            .map(|ask| {
                let (sentence, from, note) = lines(ask);
                AskLines {
                    sentence,
                    from,
                    note: note.map(note_html),
                }
            })
            .collect(),
    }
    .render()
    .map_err(build)?;
    Ok((text, html))
}

fn invitation_text(
    name: &str,
    network: &str,
    link: &str,
    valid_days: i64,
    note: Option<&str>,
) -> Result<String, MailError> {
    let note = note.map(|n| wrap_note(n).into_iter().flatten().collect());
    InvitationText {
        name,
        network,
        link,
        valid_days,
        note,
    }
    .render()
    .map_err(|e| MailError::Build(e.to_string()))
}

fn invitation_html(
    name: &str,
    network: &str,
    link: &str,
    valid_days: i64,
    note: Option<&str>,
) -> Result<String, MailError> {
    let note = note.map(note_html);
    InvitationHtml {
        name,
        network,
        link,
        valid_days,
        note,
    }
    .render()
    .map_err(|e| MailError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_email_carries_its_whole_link_and_escapes_the_name() {
        let mailer = Mailer::new("unused-outbox", DEFAULT_FROM, None).unwrap();
        let link = format!(
            "https://allyshare.example/admin/reset/{}",
            "A-z_9".repeat(9)
        );
        let message = mailer
            .password_reset("Ada <b>Lovelace</b>", "ada@example.org", &link)
            .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(
            raw.contains("Subject: Reset your AllyShare password"),
            "{raw}"
        );
        assert_eq!(
            raw.matches(&link).count(),
            3,
            "text once, HTML twice: {raw}"
        );
        assert!(
            raw.contains("Hello Ada &#60;b&#62;Lovelace&#60;/b&#62;,"),
            "{raw}"
        );
        assert!(raw.contains("expires in 1 hour"));
    }

    fn ask(id: i64, admin: Option<&str>, contact: &str, note: &str) -> IntroAsk {
        IntroAsk {
            id,
            network_id: 1,
            network_name: "Getro Sales Network".into(),
            ally: allyshare_protocol::PersonRef {
                id: 2,
                name: "Ada".into(),
            },
            asked_by: admin.map(|name| allyshare_protocol::PersonRef {
                id: 3,
                name: name.into(),
            }),
            contact_key: format!("member:{id}"),
            contact_name: contact.into(),
            contact_headline: None,
            contact_profile_url: "https://www.linkedin.com/in/x/".into(),
            note: note.into(),
            state: allyshare_protocol::IntroAskState::Pending,
            reason: None,
            created_at: 0,
            answered_at: None,
        }
    }

    #[test]
    fn an_ask_email_names_who_asks_for_whom_and_keeps_every_line_short() {
        let long_name = "Wolfeschlegelsteinhausenbergerdorff ".repeat(5);
        let asks = [
            ask(
                1,
                Some("Nadia\r\nBcc: x@evil.example"),
                "Kay <One>",
                "Hi\n\n<i>there</i>",
            ),
            ask(2, None, long_name.trim(), ""),
        ];
        let (text, html) = new_asks_parts("Ada", &asks).unwrap();
        assert!(
            text.contains("\n\nGetro Sales Network asks you to introduce them to"),
            "the network alone when the admin is gone: {text}"
        );
        assert!(
            text.lines()
                .all(|l| l.chars().count() <= NOTE_LINE_CHARS + 4),
            "{text}"
        );
        assert_eq!(
            text.matches("A note from").count(),
            1,
            "no empty note: {text}"
        );
        assert!(
            html.contains("<p>Nadia Bcc: x@evil.example (Getro Sales Network) asks"),
            "{html}"
        );
        assert!(
            html.contains("<p>A note from Nadia  Bcc: x@evil.example:</p>"),
            "{html}"
        );
        assert!(html.contains("Kay &#60;One&#62;"), "{html}");
        assert!(html.contains("&#60;i&#62;there&#60;/i&#62;"), "{html}");
        assert_eq!(
            new_asks_subject(&asks),
            "2 introduction asks are waiting for you"
        );
        assert_eq!(
            new_asks_subject(&asks[..1]),
            "Nadia  Bcc: x@evil.example (Getro Sales Network) asks you to introduce them to Kay <One>",
            "one line, whatever the names hold"
        );
        let mailer = Mailer::new("unused-outbox", DEFAULT_FROM, None).unwrap();
        assert!(mailer.new_asks("Ada", "ada@example.org", &[]).is_err());
        let raw = String::from_utf8(
            mailer
                .new_asks("Ada", "ada@example.org", &asks[..1])
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
    }

    #[test]
    fn a_note_is_wrapped_and_its_lines_kept() {
        let long = "word ".repeat(40);
        let wrapped = wrap_note(&format!("Hi Ada,\n\n{long}\n{}", "x".repeat(100)));
        assert_eq!(wrapped[0], vec!["Hi Ada,"]);
        assert_eq!(wrapped[1], vec![""]);
        assert!(wrapped[2].len() > 1);
        assert!(wrapped
            .iter()
            .flatten()
            .all(|l| l.chars().count() <= NOTE_LINE_CHARS));
        assert_eq!(wrapped[3], vec!["x".repeat(72), "x".repeat(28)]);
    }

    #[test]
    fn a_note_is_text_in_both_parts() {
        let note = "<b>Hello</b> & welcome\nsecond line";
        let html = invitation_html("Ada", "Net", "https://x/invite/t", 7, Some(note)).unwrap();
        assert!(
            html.contains("&#60;b&#62;Hello&#60;/b&#62; &#38; welcome<br>"),
            "{html}"
        );
        assert!(html.contains("second line\n</blockquote>"), "{html}");
        assert!(!html.contains("<b>Hello"));
        let text = invitation_text("Ada", "Net", "https://x/invite/t", 7, Some(note)).unwrap();
        assert!(
            text.contains(
                "A note from Net:\n\n    <b>Hello</b> & welcome\n    second line\n\nAllyShare lets"
            ),
            "{text}"
        );
        let plain = invitation_text("Ada", "Net", "https://x/invite/t", 7, None).unwrap();
        assert!(plain.contains("on AllyShare.\n\nAllyShare lets"), "{plain}");
        assert!(!plain.contains("note"));
    }
}
