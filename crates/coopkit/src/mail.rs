//! `coopkit mail`: checking the mail settings by sending one message; and
//! the postman the server sends through.

use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use coopkit_app::mail::Postman;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send one message through mail.smtp_url and print what the server
    /// answered.
    Test {
        /// The address to send it to.
        #[arg(long)]
        to: String,
    },
}

/// The postman for the configured server; `None` when mail is off.
pub fn postman(config: &Config) -> anyhow::Result<Option<Postman>> {
    if config.mail.smtp_url.is_empty() {
        return Ok(None);
    }
    Postman::new(&config.mail.smtp_url, &config.mail.from)
        .map(Some)
        .context("invalid configuration")
}

pub async fn run(config_file: Option<&Path>, command: MailCommand) -> anyhow::Result<String> {
    let config = Config::load(config_file, Default::default())?;
    match command {
        MailCommand::Test { to } => {
            let postman = postman(&config)?.ok_or_else(|| {
                anyhow::anyhow!("mail is off: set mail.smtp_url (or COOPKIT__MAIL__SMTP_URL)")
            })?;
            let answer = postman
                .send_test(
                    &to,
                    "coopkit: a test message",
                    "This message checks that coopkit can send mail. Nothing else needs doing.\n",
                )
                .await
                .map_err(|problem| {
                    anyhow::anyhow!("the mail server did not take the message: {problem}")
                })?;
            Ok(format!("sent to {to}; the server answered: {answer}\n"))
        }
    }
}
