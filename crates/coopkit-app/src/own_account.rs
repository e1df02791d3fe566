//! A person's own login: changing their password, seeing and ending their
//! sessions, seeing and revoking their API tokens. Each use case acts on
//! the caller's own account only.

use coopkit_domain::person::ApiTokenListing;
use coopkit_domain::{ApiTokenId, Password, Timestamp};
use coopkit_store::Person;

use crate::auth::{digest, hash_password, off_the_runtime, password_matches};
use crate::{App, AppError, Result};

/// Hex digits of a session's digest that name it on the person's page:
/// enough to tell their sessions apart, and no way back to the secret.
const HANDLE_HEX: usize = 16;

/// A live session as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    /// Names the session in the form that ends it.
    pub handle: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Whether it is the session asking.
    pub current: bool,
}

fn handle_of(token_hash: &[u8]) -> String {
    let mut handle = hex::encode(token_hash);
    handle.truncate(HANDLE_HEX);
    handle
}

impl App {
    /// Changes `person`'s password, given their current one, and ends
    /// every other session of theirs: whoever else was logged in as them
    /// is out. Wrong current passwords count as failed logins, so a stolen
    /// session cannot guess at it faster than the login form allows.
    /// Returns how many sessions ended.
    pub async fn change_password(
        &self,
        person: &Person,
        session_secret: &str,
        current: &str,
        new: &str,
    ) -> Result<u64> {
        let email_key = person.email.as_str().to_lowercase();
        let client = format!("password-change:{}", person.id);
        self.check_login_throttle(&email_key, &client, false)
            .await?;
        let new = Password::parse(new).map_err(|code| AppError::invalid("new_password", code))?;
        let phc = self
            .store
            .password_hash(person.id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        let current = current.to_owned();
        let matches = off_the_runtime("password checking task failed", move || {
            password_matches(&current, &phc)
        })
        .await?;
        if !matches {
            self.store
                .record_login_failure(&email_key, &client, self.clock.now())
                .await?;
            return Err(AppError::invalid("current_password", "password-wrong"));
        }
        let hash =
            off_the_runtime("password hashing task failed", move || hash_password(&new)).await??;
        let ended = self
            .store
            .set_password_hash(person.id, &hash, &digest(session_secret))
            .await?;
        tracing::info!(person = %person.id, ended, "password changed");
        Ok(ended)
    }

    /// The person's live sessions, newest first, the asking one marked.
    pub async fn my_sessions(
        &self,
        person: &Person,
        session_secret: &str,
    ) -> Result<Vec<SessionView>> {
        let current = digest(session_secret);
        let sessions = self.store.sessions_of(person.id, self.clock.now()).await?;
        Ok(sessions
            .into_iter()
            .map(|session| SessionView {
                handle: handle_of(&session.token_hash),
                created_at: session.created_at,
                expires_at: session.expires_at,
                current: session.token_hash == current,
            })
            .collect())
    }

    /// Ends one of the person's sessions, named by its handle.
    pub async fn end_my_session(&self, person: &Person, handle: &str) -> Result<()> {
        let sessions = self.store.sessions_of(person.id, self.clock.now()).await?;
        let session = sessions
            .into_iter()
            .find(|session| handle_of(&session.token_hash) == handle)
            .ok_or(AppError::NotFound("session"))?;
        self.store
            .end_session_of(person.id, &session.token_hash)
            .await?;
        Ok(())
    }

    /// The person's API tokens, newest first (names and dates only).
    pub async fn my_api_tokens(&self, person: &Person) -> Result<Vec<ApiTokenListing>> {
        Ok(self.store.api_tokens_of(person.id).await?)
    }

    /// Revokes one of the person's API tokens.
    pub async fn revoke_my_api_token(&self, person: &Person, id: ApiTokenId) -> Result<()> {
        if self.store.revoke_api_token(person.id, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("token"))
        }
    }
}
