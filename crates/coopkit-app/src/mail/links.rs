//! The one-time links in messages: made as a message is sent (the token
//! lives only in the message; the store keeps its SHA-256) and followed
//! from the pages they open.

use coopkit_domain::{NoticeKind, PersonId};

use super::{Recipient, Tokens};
use crate::auth::digest;
use crate::{App, AppError, Result};

/// How long a link to verify an address works.
pub const VERIFY_LINK_MS: i64 = 48 * 60 * 60 * 1000;
/// How long an unsubscribe link works: as long as a message is likely to
/// be kept and acted on.
const UNSUBSCRIBE_LINK_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// What an unsubscribe link turned off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsubscribed {
    pub person: PersonId,
    /// `None`: every kind the person's daily digest gathered.
    pub kind: Option<NoticeKind>,
}

fn stored(token: &str) -> String {
    hex::encode(digest(token))
}

impl App {
    /// The links a message of `kind` to `to` carries, made now.
    pub(super) async fn mint_tokens(
        &self,
        to: &Recipient,
        kind: NoticeKind,
        digest: bool,
    ) -> Result<Tokens> {
        let now = self.clock.now();
        if kind == NoticeKind::PasswordReset {
            let token = crate::new_secret();
            self.store
                .add_reset_link(
                    &stored(&token),
                    to.person,
                    &to.email,
                    now,
                    now.plus_millis(crate::RESET_LINK_MS),
                )
                .await?;
            return Ok(Tokens {
                reset: Some(token),
                ..Tokens::default()
            });
        }
        if kind == NoticeKind::VerifyEmail {
            let token = crate::new_secret();
            self.store
                .add_verification_link(
                    &stored(&token),
                    to.person,
                    &to.email,
                    now,
                    now.plus_millis(VERIFY_LINK_MS),
                )
                .await?;
            return Ok(Tokens {
                verify: Some(token),
                ..Tokens::default()
            });
        }
        let token = crate::new_secret();
        self.store
            .add_unsubscribe_link(
                &stored(&token),
                to.person,
                (!digest).then_some(kind),
                now,
                now.plus_millis(UNSUBSCRIBE_LINK_MS),
            )
            .await?;
        Ok(Tokens {
            unsubscribe: Some(token),
            ..Tokens::default()
        })
    }

    /// Verifies the address a link was sent to; refused when the link is
    /// unknown, used, expired, or the address has changed since.
    pub async fn verify_email(&self, token: &str) -> Result<PersonId> {
        let person = self
            .store
            .use_verification_link(&stored(token), self.clock.now())
            .await?
            .ok_or(AppError::NotFound("verification link"))?;
        tracing::info!(%person, "address verified");
        Ok(person)
    }

    /// Turns off what an unsubscribe link names; following it again does
    /// no more.
    pub async fn unsubscribe(&self, token: &str) -> Result<Unsubscribed> {
        let (person, kind) = self
            .store
            .use_unsubscribe_link(&stored(token), self.clock.now())
            .await?
            .ok_or(AppError::NotFound("unsubscribe link"))?;
        Ok(Unsubscribed { person, kind })
    }

    /// Queues a new verification message for `person`'s address (or the
    /// one they asked to change to), unless it is verified already or one went in the last ten minutes. Returns
    /// whether one was queued.
    pub async fn resend_verification(&self, person: &crate::records::Person) -> Result<bool> {
        const QUIET_MS: i64 = 10 * 60 * 1000;
        if person.email_verified_at.is_some() && person.email_pending.is_none() {
            return Ok(false);
        }
        Ok(self
            .store
            .queue_account_mail(
                person.id,
                NoticeKind::VerifyEmail,
                self.clock.now(),
                QUIET_MS,
            )
            .await?)
    }
}
