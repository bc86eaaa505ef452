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

use crate::html::escape;

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
    ) -> Result<Message, MailError> {
        let address = to_email
            .trim()
            .parse()
            .map_err(|_| MailError::InvalidAddress(to_email.to_string()))?;
        let to = Mailbox::new(Some(to_name.to_string()), address);
        let text = invitation_text(to_name, network, link, valid_days);
        let html = invitation_html(to_name, network, link, valid_days);
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

fn invitation_text(name: &str, network: &str, link: &str, valid_days: i64) -> String {
    format!(
        "Hello {name},\n\
         \n\
         You've been invited to join {network} on AllyShare.\n\
         \n\
         AllyShare lets you share your LinkedIn connections with {network},\n\
         so the network can find warm paths for introductions and ask you\n\
         to make one now and then. You stay in control and can stop at any time.\n\
         \n\
         Get started (set a password and accept the terms):\n\
         \n\
         {link}\n\
         \n\
         This link works once and expires in {valid_days} days.\n\
         \n\
         If you weren't expecting this invitation, you can ignore this email.\n\
         \n\
         -- AllyShare\n"
    )
}

fn invitation_html(name: &str, network: &str, link: &str, valid_days: i64) -> String {
    let (name, network, link) = (escape(name), escape(network), escape(link));
    format!(
        "<!doctype html>\n\
         <html lang=\"en\">\n\
         <body style=\"font-family: sans-serif; line-height: 1.5; color: #1f2933;\">\n\
         <p>Hello {name},</p>\n\
         <p>You've been invited to join <strong>{network}</strong> on AllyShare.</p>\n\
         <p>AllyShare lets you share your LinkedIn connections with {network},\n\
         so the network can find warm paths for introductions and ask you\n\
         to make one now and then. You stay in control and can stop at any time.</p>\n\
         <p><a href=\"{link}\"\n\
         style=\"display: inline-block; padding: 10px 18px; background: #1d4ed8;\n\
         color: #ffffff; border-radius: 6px; text-decoration: none;\">Get Started</a></p>\n\
         <p>Or open this link:<br>\n\
         {link}\n\
         </p>\n\
         <p>This link works once and expires in {valid_days} days.</p>\n\
         <p>If you weren't expecting this invitation, you can ignore this email.</p>\n\
         </body>\n\
         </html>\n"
    )
}
