//! A forgotten password: a link by email that sets a new one. Asking
//! answers the same whether or not the address has an account, so nobody
//! learns who has one, and mails only addresses that do.

use coopkit_domain::{Email, Password, PersonId};

use crate::auth::{digest, hash_password, off_the_runtime};
use crate::{App, AppError, Result};

/// How long a reset link works.
pub const RESET_LINK_MS: i64 = 60 * 60 * 1000;
/// The window the request limits count over.
const REQUEST_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Requests for one address in the window: enough to retry a lost
/// message, too few to flood an inbox.
const REQUESTS_PER_ADDRESS: i64 = 3;
/// Requests from one client in the window, for any addresses.
const REQUESTS_PER_CLIENT: i64 = 10;

impl App {
    /// Asks for a reset link for `email`, from `client`. Succeeds alike
    /// whether the address has an account or not (the link goes only to
    /// one that has); refused past the limits per address and per client,
    /// which count every request, account or not.
    pub async fn request_password_reset(&self, email: &str, client: &str) -> Result<()> {
        let email = Email::parse(email).map_err(|code| AppError::invalid("email", code))?;
        let email_digest = hex::encode(digest(&email.as_str().to_lowercase()));
        let now = self.clock.now();
        let asked = self
            .store
            .reset_requests_since(&email_digest, client, now.plus_millis(-REQUEST_WINDOW_MS))
            .await?;
        if asked.for_address >= REQUESTS_PER_ADDRESS || asked.from_client >= REQUESTS_PER_CLIENT {
            tracing::warn!(%client, "password reset requests throttled");
            return Err(AppError::RateLimited {
                retry_after_s: REQUEST_WINDOW_MS / 1000,
            });
        }
        let person = self
            .store
            .person_with_password(&email)
            .await?
            .map(|(person, _)| person.id);
        self.store
            .request_password_reset(&email_digest, client, person, now)
            .await?;
        Ok(())
    }

    /// Whether a reset link can still be used: its page asks for the new
    /// password only then.
    pub async fn reset_link_works(&self, token: &str) -> Result<bool> {
        Ok(self
            .store
            .reset_link_works(&hex::encode(digest(token)), self.clock.now())
            .await?)
    }

    /// Sets a new password from a reset link, once: every session of the
    /// person ends (whoever knew the old password is out), and the link,
    /// with any other they were sent, no longer works.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<PersonId> {
        let password =
            Password::parse(password).map_err(|code| AppError::invalid("password", code))?;
        let hash = off_the_runtime("password hashing task failed", move || {
            hash_password(&password)
        })
        .await??;
        let person = self
            .store
            .reset_password(&hex::encode(digest(token)), &hash, self.clock.now())
            .await?
            .ok_or(AppError::NotFound("reset link"))?;
        tracing::info!(%person, "password reset");
        Ok(person)
    }
}
