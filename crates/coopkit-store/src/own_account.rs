//! What a person sees and changes of their own login: their password,
//! their live sessions and their API tokens. Every query is scoped to the
//! person: nobody ends another's session or token.

use coopkit_domain::person::ApiTokenListing;
use coopkit_domain::{ApiTokenId, PersonId, Timestamp};

use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// A live session, known by the digest of its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: Vec<u8>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: Vec<u8>,
    created_at: i64,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    created_at: i64,
}

impl Store {
    /// The argon2id hash of the person's password.
    pub async fn password_hash(&self, person: PersonId) -> Result<Option<String>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT password_hash FROM person WHERE id = $1")
                .bind(person.0)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Sets a new password hash and ends every session of the person but
    /// `keep` (the one they changed it from), in one transaction.
    pub async fn set_password_hash(
        &self,
        person: PersonId,
        hash: &str,
        keep: &[u8],
    ) -> Result<u64> {
        let ended = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE person SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(person.0)
                .execute(&mut *tx)
                .await?;
            let ended =
                sqlx::query("DELETE FROM session WHERE person_id = $1 AND token_hash <> $2")
                    .bind(person.0)
                    .bind(keep)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            tx.commit().await?;
            Ok::<_, StoreError>(ended)
        })?;
        Ok(ended)
    }

    /// The person's live sessions, newest first.
    pub async fn sessions_of(
        &self,
        person: PersonId,
        now: Timestamp,
    ) -> Result<Vec<SessionRecord>> {
        let rows: Vec<SessionRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT token_hash, created_at, expires_at FROM session \
                 WHERE person_id = $1 AND expires_at > $2 ORDER BY created_at DESC",
            )
            .bind(person.0)
            .bind(now.as_millis())
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| SessionRecord {
                token_hash: row.token_hash,
                created_at: Timestamp(row.created_at),
                expires_at: Timestamp(row.expires_at),
            })
            .collect())
    }

    /// Ends one of the person's sessions; `false` if they have none with
    /// that digest.
    pub async fn end_session_of(&self, person: PersonId, token_hash: &[u8]) -> Result<bool> {
        let ended = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM session WHERE person_id = $1 AND token_hash = $2")
                .bind(person.0)
                .bind(token_hash)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(ended == 1)
    }

    /// The person's API tokens, newest first.
    pub async fn api_tokens_of(&self, person: PersonId) -> Result<Vec<ApiTokenListing>> {
        let rows: Vec<TokenRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, name, created_at FROM api_token WHERE person_id = $1 ORDER BY id DESC",
            )
            .bind(person.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| ApiTokenListing {
                id: ApiTokenId(row.id),
                name: row.name,
                created_at: Timestamp(row.created_at),
            })
            .collect())
    }

    /// Revokes one of the person's API tokens; `false` if they have none
    /// with that id.
    pub async fn revoke_api_token(&self, person: PersonId, id: ApiTokenId) -> Result<bool> {
        let revoked = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM api_token WHERE person_id = $1 AND id = $2")
                .bind(person.0)
                .bind(id.0)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(revoked == 1)
    }
}
