//! Handing messages to an SMTP server, with lettre.

use std::time::Duration;

use coopkit_domain::outbox::Attempt;
use coopkit_domain::MailId;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::response::Response;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Letter, Recipient};

/// How long one exchange with the server may take before the message is
/// tried again later.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A mail setting that cannot be used, and why.
#[derive(Debug, thiserror::Error)]
pub enum SmtpSettingsError {
    #[error("mail.smtp_url: {0} (write smtp://host:port, smtps://user:password@host, or smtp://host?tls=required)")]
    Url(String),
    #[error("mail.from: {0:?} is not an address (write \"Name <address@example.org>\")")]
    From(String),
}

/// The server messages go through, and whom they are from.
#[derive(Clone)]
pub struct Postman {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Postman {
    /// Never the URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postman")
            .field("from", &self.from.email.to_string())
            .finish()
    }
}

impl Postman {
    /// A postman for `smtp_url`: `smtp://host:port` speaks plainly (a
    /// relay on the same machine), `smtps://` over TLS, and
    /// `smtp://…?tls=required` upgrades with STARTTLS; a user and
    /// password in the URL log in.
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, SmtpSettingsError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|error| SmtpSettingsError::Url(error.to_string()))?
            .timeout(Some(TIMEOUT))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| SmtpSettingsError::From(from.to_owned()))?;
        Ok(Self { transport, from })
    }

    /// Hands `letter` to the server, and says how it answered. The
    /// Message-ID is the outbox's id, so a message sent again after a
    /// crash (between the server's answer and its record) is known to be
    /// the same.
    pub async fn send(&self, to: &Recipient, letter: &Letter, id: MailId) -> Attempt {
        let message = match self.build(to, letter, id) {
            Ok(message) => message,
            Err(error) => {
                return Attempt::Refused(format!("the message could not be made: {error}"))
            }
        };
        match self.transport.send(message).await {
            Ok(response) => Attempt::Accepted(answer(&response)),
            Err(error) if error.is_permanent() => Attempt::Refused(error.to_string()),
            // Unreachable, timed out, or "try later" (4xx).
            Err(error) => Attempt::Deferred(error.to_string()),
        }
    }

    fn build(&self, to: &Recipient, letter: &Letter, id: MailId) -> Result<Message, String> {
        let to = Mailbox::new(
            Some(to.name.clone()),
            to.email.as_str().parse().map_err(|e| format!("{e}"))?,
        );
        let domain = self.from.email.domain().to_owned();
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .message_id(Some(format!("<mail.{id}@{domain}>")))
            .multipart(MultiPart::alternative_plain_html(
                letter.text.clone(),
                letter.html.clone(),
            ))
            .map_err(|e| e.to_string())?;
        if let Some(url) = &letter.unsubscribe_url {
            // RFC 2369 and RFC 8058: a mail client offers the link, and
            // may follow it with one POST, no page in between.
            let headers = message.headers_mut();
            headers.insert_raw(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ));
            headers.insert_raw(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
        }
        Ok(message)
    }

    /// Sends one plain message to `to`, for `coopkit mail test`: the
    /// server's answer, or what went wrong.
    pub async fn send_test(&self, to: &str, subject: &str, text: &str) -> Result<String, String> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| format!("{to:?} is not an address"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(text.to_owned())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|response| answer(&response))
            .map_err(|error| error.to_string())
    }
}

/// The server's answer as one line: `250 2.0.0 Ok: queued as 4F…`.
fn answer(response: &Response) -> String {
    let text: Vec<&str> = response.message().collect();
    format!("{} {}", response.code(), text.join(" "))
}
