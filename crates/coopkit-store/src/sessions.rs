//! Sessions, API tokens and failed logins: what authentication needs to
//! remember. Tokens are stored only as SHA-256 digests.

use std::sync::LazyLock;

use coopkit_domain::throttle::LoginFailures;
use coopkit_domain::{ApiTokenId, PersonId, Timestamp};

use crate::error::Conflict;
use crate::records::{maybe, Person, PersonRow, PERSON_COLUMNS};
use crate::{on_pool, Result, Store, StoreError};

/// The person whose unexpired session has this digest: read on every
/// request, so written once.
static SESSION_PERSON: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {PERSON_COLUMNS} FROM session JOIN person ON person.id = session.person_id \
         WHERE session.token_hash = $1 AND session.expires_at > $2"
    )
});

/// The person whose API token has this digest.
static TOKEN_PERSON: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {PERSON_COLUMNS} FROM api_token JOIN person ON person.id = api_token.person_id \
         WHERE api_token.token_hash = $1"
    )
});

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &[u8],
        person: PersonId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO session (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(person.0)
            .bind(now.as_millis())
            .bind(expires_at.as_millis())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The person a live session belongs to.
    pub async fn session_person(
        &self,
        token_hash: &[u8],
        now: Timestamp,
    ) -> Result<Option<Person>> {
        let row: Option<PersonRow> = on_pool!(self, |pool| {
            sqlx::query_as(&SESSION_PERSON)
                .bind(token_hash)
                .bind(now.as_millis())
                .fetch_optional(pool)
                .await
        })?;
        maybe(row)
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM session WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Forgets expired sessions and old login failures; returns how many
    /// sessions went.
    pub async fn purge_expired(
        &self,
        now: Timestamp,
        failures_before: Timestamp,
        devices_before: Timestamp,
    ) -> Result<u64> {
        let sessions = on_pool!(self, |pool| {
            let done = sqlx::query("DELETE FROM session WHERE expires_at <= $1")
                .bind(now.as_millis())
                .execute(pool)
                .await?;
            sqlx::query("DELETE FROM login_failure WHERE at < $1")
                .bind(failures_before.as_millis())
                .execute(pool)
                .await?;
            sqlx::query("DELETE FROM login_device WHERE created_at < $1")
                .bind(devices_before.as_millis())
                .execute(pool)
                .await?;
            Ok::<_, sqlx::Error>(done.rows_affected())
        })?;
        Ok(sessions)
    }

    pub async fn create_api_token(
        &self,
        person: PersonId,
        name: &str,
        token_hash: &[u8],
        now: Timestamp,
    ) -> Result<ApiTokenId> {
        let id: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "INSERT INTO api_token (person_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(person.0)
            .bind(name)
            .bind(token_hash)
            .bind(now.as_millis())
            .fetch_one(pool)
            .await
        })
        .map_err(StoreError::conflict_as(Conflict::Token))?;
        Ok(ApiTokenId(id))
    }

    /// The person an API token belongs to.
    pub async fn api_token_person(&self, token_hash: &[u8]) -> Result<Option<Person>> {
        let row: Option<PersonRow> = on_pool!(self, |pool| {
            sqlx::query_as(&TOKEN_PERSON)
                .bind(token_hash)
                .fetch_optional(pool)
                .await
        })?;
        maybe(row)
    }

    pub async fn record_login_failure(
        &self,
        email: &str,
        client: &str,
        now: Timestamp,
    ) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("INSERT INTO login_failure (email, client, at) VALUES ($1, $2, $3)")
                .bind(email)
                .bind(client)
                .bind(now.as_millis())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Failed logins since `since`: for this account, for this account
    /// from this client, and from this client; and the account's latest.
    pub async fn login_failures_since(
        &self,
        email: &str,
        client: &str,
        since: Timestamp,
    ) -> Result<LoginFailures> {
        let counts: FailureRow = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT \
                   (SELECT count(*) FROM login_failure WHERE email = $1 AND at >= $3) AS account, \
                   (SELECT count(*) FROM login_failure WHERE email = $1 AND client = $2 AND at >= $3) AS pair, \
                   (SELECT count(*) FROM login_failure WHERE client = $2 AND at >= $3) AS client, \
                   (SELECT max(at) FROM login_failure WHERE email = $1 AND at >= $3) AS last_at",
            )
            .bind(email)
            .bind(client)
            .bind(since.as_millis())
            .fetch_one(pool)
            .await
        })?;
        Ok(LoginFailures {
            account: counts.account,
            pair: counts.pair,
            client: counts.client,
            last: counts.last_at.map(Timestamp::from_millis),
        })
    }

    /// Remembers a browser that logged in to `email`'s account, by the
    /// digest of its cookie's secret.
    pub async fn add_login_device(
        &self,
        token_hash: &[u8],
        email: &str,
        now: Timestamp,
    ) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO login_device (token_hash, email, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (token_hash) DO NOTHING",
            )
            .bind(token_hash)
            .bind(email)
            .bind(now.as_millis())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Whether the browser with this cookie digest has logged in to
    /// `email`'s account since `since`.
    pub async fn is_login_device(
        &self,
        token_hash: &[u8],
        email: &str,
        since: Timestamp,
    ) -> Result<bool> {
        let found: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT created_at FROM login_device WHERE token_hash = $1 AND email = $2 AND created_at >= $3",
            )
            .bind(token_hash)
            .bind(email)
            .bind(since.as_millis())
            .fetch_optional(pool)
            .await
        })?;
        Ok(found.is_some())
    }

    /// A successful login clears the failures of its account from its
    /// client; those from elsewhere still count, so an attacker's
    /// failures are not forgiven when the owner logs in.
    pub async fn clear_login_failures(&self, email: &str, client: &str) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM login_failure WHERE email = $1 AND client = $2")
                .bind(email)
                .bind(client)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct FailureRow {
    account: i64,
    pair: i64,
    client: i64,
    last_at: Option<i64>,
}
