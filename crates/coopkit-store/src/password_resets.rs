//! Setting a new password from an emailed link: the requests, counted to
//! limit them, and the link's use, which changes the password, uses up
//! every reset link of the person and ends all their sessions at once.

use coopkit_domain::{NoticeKind, PersonId, Timestamp};

use crate::mail::queue_account_mail;
use crate::mail_links::{use_link, PASSWORD_RESET};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// Reset requests since a time: for the address asked for, and from the
/// client asking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResetRequests {
    pub for_address: i64,
    pub from_client: i64,
}

impl Store {
    pub async fn reset_requests_since(
        &self,
        email_digest: &str,
        client: &str,
        since: Timestamp,
    ) -> Result<ResetRequests> {
        let (for_address, from_client): (i64, i64) = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT \
                   (SELECT COUNT(*) FROM password_reset_request WHERE email_digest = $1 AND at >= $3), \
                   (SELECT COUNT(*) FROM password_reset_request WHERE client = $2 AND at >= $3)",
            )
            .bind(email_digest)
            .bind(client)
            .bind(since.as_millis())
            .fetch_one(pool)
            .await
        })?;
        Ok(ResetRequests {
            for_address,
            from_client,
        })
    }

    /// Counts a request, and queues the message with the link for
    /// `person` when the address is theirs, in one transaction.
    pub async fn request_password_reset(
        &self,
        email_digest: &str,
        client: &str,
        person: Option<PersonId>,
        now: Timestamp,
    ) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO password_reset_request (client, email_digest, at) VALUES ($1, $2, $3)",
            )
            .bind(client)
            .bind(email_digest)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            if let Some(person) = person {
                queue_account_mail!(tx, person, NoticeKind::PasswordReset, now);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Whether a reset link can still be used.
    pub async fn reset_link_works(&self, digest: &str, now: Timestamp) -> Result<bool> {
        let found: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT person_id FROM mail_link \
                 WHERE digest = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(digest)
            .bind(PASSWORD_RESET)
            .bind(now.as_millis())
            .fetch_optional(pool)
            .await
        })?;
        Ok(found.is_some())
    }

    /// Uses a reset link: sets the password to `hash`, uses up every reset
    /// link of the person (one used, the others void), ends all their
    /// sessions, and counts the address as verified if it is still the one
    /// the link was sent to. `None` when the link is unknown, used or
    /// expired; then nothing changes.
    pub async fn reset_password(
        &self,
        digest: &str,
        hash: &str,
        now: Timestamp,
    ) -> Result<Option<PersonId>> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let Some((person, email)) = use_link!(tx, digest, PASSWORD_RESET, now) else {
                return Ok(None);
            };
            sqlx::query(
                "UPDATE person SET password_hash = $2, email_verified_at = CASE \
                   WHEN email = $3 THEN COALESCE(email_verified_at, $4) ELSE email_verified_at END \
                 WHERE id = $1",
            )
            .bind(person)
            .bind(hash)
            .bind(email.unwrap_or_default())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE mail_link SET used_at = $3 \
                 WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL",
            )
            .bind(person)
            .bind(PASSWORD_RESET)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM session WHERE person_id = $1")
                .bind(person)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(Some(PersonId(person)))
        })
    }
}
