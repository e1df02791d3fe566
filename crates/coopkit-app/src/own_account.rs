//! A person's own login: changing their password and address, seeing and ending their
//! sessions, seeing and revoking their API tokens. Each use case acts on
//! the caller's own account only.

use coopkit_domain::person::{ApiTokenListing, Deletion};
use coopkit_domain::{ApiTokenId, Email, Password, Timestamp};
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
    /// Checks `person`'s current password, given in the form's `field`,
    /// before a change to their login. Wrong guesses count as failed
    /// logins, so a stolen session cannot guess at it faster than the
    /// login form allows.
    pub(crate) async fn check_current_password(
        &self,
        person: &Person,
        current: &str,
        field: &'static str,
    ) -> Result<()> {
        let email_key = person.email.as_str().to_lowercase();
        let client = format!("password-change:{}", person.id);
        self.check_login_throttle(&email_key, &client, false)
            .await?;
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
            return Err(AppError::invalid(field, "password-wrong"));
        }
        Ok(())
    }

    /// Changes `person`'s password, given their current one, and ends
    /// every other session of theirs: whoever else was logged in as them
    /// is out. Returns how many sessions ended.
    pub async fn change_password(
        &self,
        person: &Person,
        session_secret: &str,
        current: &str,
        new: &str,
    ) -> Result<u64> {
        let new = Password::parse(new).map_err(|code| AppError::invalid("new_password", code))?;
        self.check_current_password(person, current, "current_password")
            .await?;
        let hash =
            off_the_runtime("password hashing task failed", move || hash_password(&new)).await??;
        let ended = self
            .store
            .set_password_hash(person.id, &hash, &digest(session_secret))
            .await?;
        tracing::info!(person = %person.id, ended, "password changed");
        Ok(ended)
    }

    /// Asks to change `person`'s address to `new`, given their password:
    /// a link goes to the new address, and it becomes theirs only when
    /// they follow it (a typing slip or a stolen session cannot take the
    /// account away from the address that can reset its password).
    pub async fn change_email(&self, person: &Person, current: &str, new: &str) -> Result<Email> {
        let new = Email::parse(new).map_err(|code| AppError::invalid("email", code))?;
        if new == person.email {
            return Err(AppError::invalid("email", "email-unchanged"));
        }
        self.check_current_password(person, current, "email_password")
            .await?;
        self.store
            .ask_email_change(person.id, &new, self.clock.now())
            .await?;
        tracing::info!(person = %person.id, "address change asked");
        Ok(new)
    }

    /// The person's live sessions, newest first, the asking one marked
    /// (none, without `session_secret`).
    pub async fn my_sessions(
        &self,
        person: &Person,
        session_secret: Option<&str>,
    ) -> Result<Vec<SessionView>> {
        let current = session_secret.map(digest);
        let sessions = self.store.sessions_of(person.id, self.clock.now()).await?;
        Ok(sessions
            .into_iter()
            .map(|session| SessionView {
                handle: handle_of(&session.token_hash),
                created_at: session.created_at,
                expires_at: session.expires_at,
                current: current.is_some_and(|c| c[..] == session.token_hash[..]),
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

    /// Deletes `person`'s account, given their password: their
    /// memberships end, their name and address are erased, and they are
    /// logged out everywhere; what the ledger and the ballots keep points
    /// at a pseudonym ("Former member 42"). Refused, changing nothing,
    /// while they are a co-op's last admin.
    pub async fn delete_account(&self, person: &Person, current: &str) -> Result<()> {
        self.check_current_password(person, current, "delete_password")
            .await?;
        match self
            .store
            .delete_person(person.id, self.clock.now())
            .await?
        {
            Deletion::Deleted => {
                tracing::info!(person = %person.id, "account deleted");
                Ok(())
            }
            Deletion::LastAdmin(_) => Err(AppError::Conflict {
                field: "delete",
                code: "last-admin-delete",
            }),
        }
    }
}
