//! The one-time links messages carry, kept by the SHA-256 of their token:
//! whoever reads the database cannot follow them.

use coopkit_domain::{Delivery, Email, NoticeKind, PersonId, Timestamp};

use crate::{on_pool, BeginWrite, Result, Store, StoreError};

const VERIFY_EMAIL: &str = "verify_email";
pub(crate) const PASSWORD_RESET: &str = "password_reset";
const UNSUBSCRIBE: &str = "unsubscribe";

/// Uses up, inside the open transaction `$tx`, the unused, unexpired link
/// of `$purpose` whose token hashes to `$digest`; evaluates to its person
/// and the address it was sent to, or `None`.
macro_rules! use_link {
    ($tx:expr, $digest:expr, $purpose:expr, $now:expr) => {{
        let found: Option<(i64, Option<String>)> = sqlx::query_as(
            "UPDATE mail_link SET used_at = $2 \
             WHERE digest = $1 AND purpose = $3 AND used_at IS NULL AND expires_at > $2 \
             RETURNING person_id, email",
        )
        .bind($digest)
        .bind($now.as_millis())
        .bind($purpose)
        .fetch_optional(&mut *$tx)
        .await?;
        found
    }};
}
pub(crate) use use_link;

impl Store {
    /// Keeps a link that proves `email` is `person`'s, until `expires_at`.
    pub async fn add_verification_link(
        &self,
        digest: &str,
        person: PersonId,
        email: &Email,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.add_link(
            digest,
            person,
            VERIFY_EMAIL,
            Some(email.as_str()),
            None,
            now,
            expires_at,
        )
        .await
    }

    /// Keeps a link that sets a new password for `person`, sent to
    /// `email`, until `expires_at`.
    pub async fn add_reset_link(
        &self,
        digest: &str,
        person: PersonId,
        email: &Email,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.add_link(
            digest,
            person,
            PASSWORD_RESET,
            Some(email.as_str()),
            None,
            now,
            expires_at,
        )
        .await
    }

    /// Keeps a link that turns `kind` off for `person` (`None`: their
    /// daily digest, each kind it gathers), until `expires_at`.
    pub async fn add_unsubscribe_link(
        &self,
        digest: &str,
        person: PersonId,
        kind: Option<NoticeKind>,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.add_link(
            digest,
            person,
            UNSUBSCRIBE,
            None,
            kind.map(NoticeKind::as_str),
            now,
            expires_at,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn add_link(
        &self,
        digest: &str,
        person: PersonId,
        purpose: &str,
        email: Option<&str>,
        kind: Option<&str>,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO mail_link (digest, person_id, purpose, email, kind, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(digest)
            .bind(person.0)
            .bind(purpose)
            .bind(email)
            .bind(kind)
            .bind(now.as_millis())
            .bind(expires_at.as_millis())
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Follows a verification link: if it is unused and unexpired, the
    /// address it was sent to is verified, if it is still its person's,
    /// or becomes theirs, if it is the one they asked to change to (and
    /// nobody took it meanwhile). The link is used up. Returns whose
    /// address it verified.
    pub async fn use_verification_link(
        &self,
        digest: &str,
        now: Timestamp,
    ) -> Result<Option<PersonId>> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let Some((person, Some(email))) = use_link!(tx, digest, VERIFY_EMAIL, now) else {
                return Ok(None);
            };
            let mut verified = sqlx::query(
                "UPDATE person SET email_verified_at = COALESCE(email_verified_at, $3) \
                 WHERE id = $1 AND email = $2",
            )
            .bind(person)
            .bind(&email)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !verified {
                let changed = sqlx::query(
                    "UPDATE person SET email = email_pending, email_pending = NULL, \
                     email_verified_at = $3 WHERE id = $1 AND email_pending = $2",
                )
                .bind(person)
                .bind(&email)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await;
                verified = match changed {
                    Ok(done) => done.rows_affected() == 1,
                    // Another account took the address after it was asked for.
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => false,
                    Err(error) => return Err(error.into()),
                };
            }
            if !verified {
                // The address is neither theirs nor asked for any more: the
                // link proves nothing now, and stays unused for nobody.
                return Ok(None);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(Some(PersonId(person)))
        })
    }

    /// Follows an unsubscribe link: if it has not expired, its person
    /// hears no more of its kind (or of any kind their digest gathers).
    /// It may be followed again: a mail client's one-click and the
    /// person's own click both land here.
    pub async fn use_unsubscribe_link(
        &self,
        digest: &str,
        now: Timestamp,
    ) -> Result<Option<(PersonId, Option<NoticeKind>)>> {
        let found: Option<(i64, Option<String>)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, kind FROM mail_link \
                 WHERE digest = $1 AND purpose = $2 AND expires_at > $3",
            )
            .bind(digest)
            .bind(UNSUBSCRIBE)
            .bind(now.as_millis())
            .fetch_optional(pool)
            .await
        })?;
        let Some((person, kind)) = found else {
            return Ok(None);
        };
        let person = PersonId(person);
        let Some(kind) = kind else {
            on_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE notice_preference SET delivery = $1 \
                     WHERE person_id = $2 AND delivery = $3",
                )
                .bind(Delivery::Never.as_str())
                .bind(person.0)
                .bind(Delivery::DailyDigest.as_str())
                .execute(pool)
                .await
                .map(|_| ())
            })?;
            return Ok(Some((person, None)));
        };
        let kind =
            NoticeKind::parse(&kind).ok_or_else(|| StoreError::corrupt("mail_link.kind", &kind))?;
        self.set_notice_preference(person, kind, Delivery::Never)
            .await?;
        Ok(Some((person, Some(kind))))
    }
}
