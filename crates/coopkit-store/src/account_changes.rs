//! A person changing their address, and deleting their account.

use coopkit_domain::person::{erased, Deletion};
use coopkit_domain::{Email, MailState, MembershipStatus, NoticeKind, PersonId, Timestamp};

use crate::error::Conflict;
use crate::mail::queue_account_mail;
use crate::memberships::{leave_membership, MEMBERSHIP_COLUMNS};
use crate::records::{LeaveOutcome, Membership, MembershipRow};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// What a deleted account leaves no trace in: its ways in, its choices,
/// its market profile, its mail yet to go, and the login records kept by
/// its address. Each statement takes the person's id, and runs before the
/// address is erased.
const ERASED_ROWS: [&str; 11] = [
    "DELETE FROM login_device WHERE email = (SELECT email FROM person WHERE id = $1)",
    "DELETE FROM login_failure WHERE email = (SELECT email FROM person WHERE id = $1)",
    "DELETE FROM session WHERE person_id = $1",
    "DELETE FROM api_token WHERE person_id = $1",
    "DELETE FROM calendar_feed WHERE person_id = $1",
    "DELETE FROM notice_preference WHERE person_id = $1",
    "DELETE FROM mail_link WHERE person_id = $1",
    // Their profile, services, hours and days off (by cascade).
    "DELETE FROM provider WHERE person_id = $1",
    "DELETE FROM favourite WHERE person_id = $1 OR provider_id = $1",
    "DELETE FROM server_role WHERE person_id = $1",
    // Why they were suspended or expelled is about them too.
    "UPDATE membership SET reason = '' WHERE person_id = $1",
];

impl Store {
    /// Asks to change `person`'s address to `email`: kept aside, and a
    /// message that proves it queued in the same transaction; their
    /// address stays what it was until the link is followed. A later ask
    /// replaces an earlier one. [`StoreError::Conflict`] on `email` when
    /// another account has the address.
    pub async fn ask_email_change(
        &self,
        person: PersonId,
        email: &Email,
        now: Timestamp,
    ) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM person WHERE email = $1 AND id <> $2")
                    .bind(email.as_str())
                    .bind(person.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Conflict::Email));
            }
            sqlx::query("UPDATE person SET email_pending = $2 WHERE id = $1")
                .bind(person.0)
                .bind(email.as_str())
                .execute(&mut *tx)
                .await?;
            queue_account_mail!(tx, person, NoticeKind::VerifyEmail, now);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Deletes `person`'s account, in one transaction: each membership
    /// still pending, active or suspended ends (with its event, by them), unless they
    /// are a co-op's last active admin, when nothing changes; their name
    /// and address are erased, their password can no longer match, and
    /// what only let them in or reach them is gone. The person's row
    /// stays, as a pseudonym, for what the ledger and the ballots keep.
    pub async fn delete_person(&self, person: PersonId, now: Timestamp) -> Result<Deletion> {
        let sql = format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM membership WHERE person_id = $1 AND status IN ($2, $3, $4)"
        );
        let (name, email) = erased(person);
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<MembershipRow> = sqlx::query_as(&sql)
                .bind(person.0)
                .bind(MembershipStatus::Pending.as_str())
                .bind(MembershipStatus::Active.as_str())
                .bind(MembershipStatus::Suspended.as_str())
                .fetch_all(&mut *tx)
                .await?;
            for row in rows {
                let current = Membership::try_from(row)?;
                if leave_membership!(tx, &current, person, now) == LeaveOutcome::LastAdmin {
                    return Ok(Deletion::LastAdmin(current.coop_id));
                }
            }
            for statement in ERASED_ROWS {
                sqlx::query(statement)
                    .bind(person.0)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "UPDATE mail_outbox SET state = $2, answer = $3 WHERE person_id = $1 AND state IN ($4, $5)",
            )
            .bind(person.0)
            .bind(MailState::Skipped.as_str())
            .bind("the account was deleted")
            .bind(MailState::Queued.as_str())
            .bind(MailState::Failing.as_str())
            .execute(&mut *tx)
            .await?;
            // '!' is no password hash: no password matches it.
            sqlx::query(
                "UPDATE person SET display_name = $2, email = $3, password_hash = '!', \
                 email_pending = NULL, email_verified_at = NULL, time_zone = NULL, deleted_at = $4 \
                 WHERE id = $1",
            )
            .bind(person.0)
            .bind(&name)
            .bind(&email)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(Deletion::Deleted)
        })
    }
}
