//! The outbox: messages the notifier queues from the event log, in the
//! transaction that moves its cursor past the events, and that senders
//! claim, try and record, each message under one sender's claim at a time.

use coopkit_domain::notice::{self, Audience};
use coopkit_domain::outbox::{NoticeRun, OutboxListing, OutboxMessage};
use coopkit_domain::{
    CoopId, Delivery, EditId, EventSeq, LoggedEvent, MailId, MailState, MailStatus,
    MembershipStatus, NoticeKind, PersonId, Role, Timestamp, Zone,
};

use crate::events::{claim_for, EventRow};
use crate::{on_pool, sql_words, BeginWrite, Result, Store, StoreError};

/// The event-log consumer whose cursor the notifier moves.
const CONSUMER: &str = "mail";

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    person_id: Option<i64>,
    coop_id: Option<i64>,
    kind: String,
    event_seq: Option<i64>,
    directory_edit_id: Option<i64>,
    digest: bool,
    state: String,
    attempts: i64,
    queued_at: i64,
    due_at: i64,
    answer: Option<String>,
}

const OUTBOX_COLUMNS: &str =
    "id, person_id, coop_id, kind, event_seq, directory_edit_id, digest, state, attempts, \
     queued_at, due_at, answer";

fn status_of(row: &OutboxRow) -> Result<MailStatus> {
    Ok(MailStatus {
        state: MailState::parse(&row.state)
            .ok_or_else(|| StoreError::corrupt("mail_outbox.state", &row.state))?,
        attempts: u32::try_from(row.attempts)
            .map_err(|_| StoreError::corrupt("mail_outbox.attempts", &row.attempts.to_string()))?,
        queued_at: Timestamp(row.queued_at),
        due_at: Timestamp(row.due_at),
        answer: row.answer.clone(),
    })
}

fn kind_of(text: &str) -> Result<NoticeKind> {
    NoticeKind::parse(text).ok_or_else(|| StoreError::corrupt("mail_outbox.kind", text))
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;
    fn try_from(row: OutboxRow) -> Result<Self> {
        Ok(OutboxMessage {
            id: MailId(row.id),
            person: row.person_id.map(PersonId),
            coop: row.coop_id.map(CoopId),
            kind: kind_of(&row.kind)?,
            event: row.event_seq.map(EventSeq),
            directory_edit: row.directory_edit_id.map(EditId),
            digest: row.digest,
            status: status_of(&row)?,
        })
    }
}

/// The query naming an audience's people in a co-op (bound to the co-op as
/// `$1` and, where it has one, the entity's id as `$2`); `None` for one
/// person, named already.
fn audience_query(audience: Audience) -> Option<(String, Option<i64>)> {
    let active = sql_words([MembershipStatus::Active.as_str()]);
    let leading = sql_words([Role::Coordinator.as_str(), Role::Admin.as_str()]);
    let query = match audience {
        Audience::Person(_) => return None,
        Audience::Coordinators => (
            format!(
                "SELECT person_id FROM membership \
                 WHERE coop_id = $1 AND status = {active} AND role IN ({leading})"
            ),
            None,
        ),
        Audience::Admins => (
            format!(
                "SELECT person_id FROM membership \
                 WHERE coop_id = $1 AND status = {active} AND role = {admin}",
                admin = sql_words([Role::Admin.as_str()])
            ),
            None,
        ),
        Audience::Members => (
            format!("SELECT person_id FROM membership WHERE coop_id = $1 AND status = {active}"),
            None,
        ),
        Audience::BookingSides(booking) => (
            "SELECT requester_id FROM booking WHERE coop_id = $1 AND id = $2 \
             UNION ALL SELECT provider_id FROM booking WHERE coop_id = $1 AND id = $2"
                .to_owned(),
            Some(booking.0),
        ),
        Audience::Voters(proposal) => (
            "SELECT r.person_id FROM governance_roll r \
             JOIN governance_proposal p ON p.id = r.proposal_id \
             WHERE p.coop_id = $1 AND r.proposal_id = $2"
                .to_owned(),
            Some(proposal.0),
        ),
        Audience::TaskPoster(task) => (
            "SELECT posted_by FROM task WHERE coop_id = $1 AND id = $2".to_owned(),
            Some(task.0),
        ),
        Audience::TaskClaimant(task) => (
            "SELECT claimed_by FROM task WHERE coop_id = $1 AND id = $2 AND claimed_by IS NOT NULL"
                .to_owned(),
            Some(task.0),
        ),
        Audience::OrderBuyer(order) => (
            "SELECT buyer_id FROM catalogue_order WHERE coop_id = $1 AND id = $2".to_owned(),
            Some(order.0),
        ),
        Audience::OrderSellers(order) => (
            "SELECT c.person_id FROM catalogue_order o \
             JOIN catalogue_creator c ON c.item_id = o.item_id \
             WHERE o.coop_id = $1 AND o.id = $2"
                .to_owned(),
            Some(order.0),
        ),
    };
    Some(query)
}

/// When a message for someone who chose `delivery` is due: now, or their
/// next morning; `None`: they chose not to hear of it.
pub(crate) fn due_for(
    delivery: Delivery,
    now: Timestamp,
    zone: &Zone,
) -> Option<(bool, Timestamp)> {
    match delivery {
        Delivery::AtOnce => Some((false, now)),
        Delivery::DailyDigest => Some((true, notice::next_digest(now, zone))),
        Delivery::Never => None,
    }
}

/// The zone of co-op `$coop`, read inside the open transaction `$tx`
/// (UTC if it names none the database knows).
macro_rules! coop_zone {
    ($tx:expr, $coop:expr) => {{
        let coop: coopkit_domain::CoopId = $coop;
        let name: Option<String> = sqlx::query_scalar("SELECT time_zone FROM coop WHERE id = $1")
            .bind(coop.0)
            .fetch_optional(&mut *$tx)
            .await?;
        name.and_then(|name| coopkit_domain::Zone::named(&name).ok())
            .unwrap_or_else(coopkit_domain::Zone::utc)
    }};
}
pub(crate) use coop_zone;

/// When, inside the open transaction `$tx`, a message of `$kind` to
/// `$person` is due, if their address is verified and they have not
/// turned the kind off: at once, or in their next morning's digest (in
/// their zone, else `$fallback_zone`). Evaluates to `Some((digest, due))`,
/// or `None` when nothing is to go.
macro_rules! notice_due {
    ($tx:expr, $person:expr, $kind:expr, $fallback_zone:expr, $now:expr) => {{
        let person: coopkit_domain::PersonId = $person;
        let kind: coopkit_domain::NoticeKind = $kind;
        let fallback_zone: &coopkit_domain::Zone = $fallback_zone;
        let found: Option<(bool, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT p.email_verified_at IS NOT NULL, p.time_zone, np.delivery \
             FROM person p LEFT JOIN notice_preference np \
             ON np.person_id = p.id AND np.kind = $2 WHERE p.id = $1",
        )
        .bind(person.0)
        .bind(kind.as_str())
        .fetch_optional(&mut *$tx)
        .await?;
        match found {
            Some((true, zone, delivery)) => {
                let delivery = delivery
                    .and_then(|text| coopkit_domain::Delivery::parse(&text))
                    .unwrap_or_default();
                let zone = zone
                    .and_then(|name| coopkit_domain::Zone::named(&name).ok())
                    .unwrap_or_else(|| fallback_zone.clone());
                $crate::mail::due_for(delivery, $now, &zone)
            }
            _ => None,
        }
    }};
}
pub(crate) use notice_due;

/// Queues, inside the open transaction `$tx`, a message of `$kind` about
/// event `$seq` of co-op `$coop` for `$person`, when [`notice_due`] says
/// it is to go. Evaluates to the messages queued (0 or 1: one per event,
/// person and kind).
macro_rules! queue_notice {
    ($tx:expr, $person:expr, $kind:expr, $coop:expr, $seq:expr, $coop_zone:expr, $now:expr) => {{
        let person: coopkit_domain::PersonId = $person;
        let kind: coopkit_domain::NoticeKind = $kind;
        let now: coopkit_domain::Timestamp = $now;
        match $crate::mail::notice_due!($tx, person, kind, $coop_zone, now) {
            None => 0,
            Some((digest, due_at)) => {
                let inserted = sqlx::query(
                    "INSERT INTO mail_outbox (person_id, coop_id, kind, event_seq, digest, \
                     state, attempts, queued_at, due_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) \
                     ON CONFLICT (event_seq, person_id, kind) DO NOTHING",
                )
                .bind(person.0)
                .bind($coop.0)
                .bind(kind.as_str())
                .bind($seq.0)
                .bind(digest)
                .bind(coopkit_domain::MailState::Queued.as_str())
                .bind(now.as_millis())
                .bind(due_at.as_millis())
                .execute(&mut *$tx)
                .await?;
                usize::try_from(inserted.rows_affected()).unwrap_or(0)
            }
        }
    }};
}
pub(crate) use queue_notice;

/// Queues, inside the open transaction `$tx`, a message about `$person`'s
/// own account (`$kind`, a [`NoticeKind`] that is one), due at once: the
/// change that needs it and the message commit together.
macro_rules! queue_account_mail {
    ($tx:expr, $person:expr, $kind:expr, $now:expr) => {{
        let person: coopkit_domain::PersonId = $person;
        let kind: coopkit_domain::NoticeKind = $kind;
        let now: coopkit_domain::Timestamp = $now;
        debug_assert!(kind.is_account());
        sqlx::query(
            "INSERT INTO mail_outbox (person_id, kind, digest, state, attempts, queued_at, due_at) \
             VALUES ($1, $2, FALSE, $3, 0, $4, $4)",
        )
        .bind(person.0)
        .bind(kind.as_str())
        .bind(coopkit_domain::MailState::Queued.as_str())
        .bind(now.as_millis())
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use queue_account_mail;

impl Store {
    /// Reads the events no pass has read yet (at most `limit`) and queues a
    /// message for each person each concerns who has a verified address
    /// and has not turned the kind off; the cursor moves past them in the
    /// same transaction, so no event is lost to a crash or read by two
    /// servers.
    pub async fn queue_notices(&self, now: Timestamp, limit: u32) -> Result<NoticeRun> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<EventRow> = claim_for!(tx, CONSUMER, limit);
            let mut run = NoticeRun {
                events: rows.len(),
                queued: 0,
            };
            for row in rows {
                let logged = LoggedEvent::try_from(row)?;
                let coop = logged.happened.coop;
                let wanted = notice::audiences(&logged.happened.event);
                if wanted.is_empty() {
                    continue;
                }
                let coop_zone = coop_zone!(tx, coop);
                for (kind, audience) in wanted {
                    let named = match audience_query(audience) {
                        None => match audience {
                            Audience::Person(person) => vec![person.0],
                            _ => Vec::new(),
                        },
                        Some((sql, entity)) => {
                            let query = sqlx::query_scalar(&sql).bind(coop.0);
                            let query = match entity {
                                Some(id) => query.bind(id),
                                None => query,
                            };
                            query.fetch_all(&mut *tx).await?
                        }
                    };
                    let people =
                        notice::recipients(named.into_iter().map(PersonId), logged.happened.actor);
                    for person in people {
                        run.queued +=
                            queue_notice!(tx, person, kind, coop, logged.seq, &coop_zone, now);
                    }
                }
            }
            tx.commit().await?;
            Ok(run)
        })
    }

    /// Queues a message about `person`'s own account, unless one of the
    /// same kind was queued in the last `quiet_ms`: asking again and again
    /// does not flood their inbox. Returns whether it was queued.
    pub async fn queue_account_mail(
        &self,
        person: PersonId,
        kind: NoticeKind,
        now: Timestamp,
        quiet_ms: i64,
    ) -> Result<bool> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let recent: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM mail_outbox WHERE person_id = $1 AND kind = $2 AND queued_at > $3 \
                 LIMIT 1",
            )
            .bind(person.0)
            .bind(kind.as_str())
            .bind(now.as_millis().saturating_sub(quiet_ms))
            .fetch_optional(&mut *tx)
            .await?;
            if recent.is_some() {
                return Ok(false);
            }
            queue_account_mail!(tx, person, kind, now);
            tx.commit().await?;
            Ok::<_, StoreError>(true)
        })
    }

    /// Claims, for `lease_ms`, up to `limit` messages due by `now` that no
    /// other sender holds, under `claim` (a token of the sender's own).
    /// A sender that dies lets its claim lapse and another takes the
    /// message up after it.
    pub async fn claim_mail(
        &self,
        now: Timestamp,
        lease_ms: i64,
        claim: &str,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>> {
        // PostgreSQL: servers claiming at once skip each other's rows
        // rather than wait on them. SQLite has one writer at a time.
        let skip_locked = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let pending = sql_words(
            MailState::ALL
                .into_iter()
                .filter(|s| s.is_pending())
                .map(MailState::as_str),
        );
        let sql = format!(
            "UPDATE mail_outbox SET claim = $1, claimed_until = $2 WHERE id IN ( \
               SELECT id FROM mail_outbox WHERE state IN ({pending}) AND due_at <= $3 \
               AND (claimed_until IS NULL OR claimed_until < $3) \
               ORDER BY event_seq IS NOT NULL, due_at, id LIMIT $4{skip_locked}) \
             AND (claimed_until IS NULL OR claimed_until < $3) \
             RETURNING {OUTBOX_COLUMNS}"
        );
        let rows: Vec<OutboxRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(claim)
                .bind(now.as_millis().saturating_add(lease_ms))
                .bind(now.as_millis())
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        let mut messages = rows
            .into_iter()
            .map(OutboxMessage::try_from)
            .collect::<Result<Vec<_>>>()?;
        // The account's own messages (a reset, a verification) first: a
        // person waiting at a form must not wait behind a backlog of news.
        messages.sort_by_key(|m| (!m.kind.is_account(), m.status.due_at, m.id));
        Ok(messages)
    }

    /// Writes where a message stands after a try, and lets go of the
    /// claim; only if `claim` still holds it and it is still as `before`
    /// says. Returns whether it was written.
    pub async fn record_attempt(
        &self,
        id: MailId,
        claim: &str,
        before: &MailStatus,
        after: &MailStatus,
        now: Timestamp,
    ) -> Result<bool> {
        let sent_at = (after.state == MailState::Sent).then_some(now.as_millis());
        let written = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE mail_outbox SET state = $1, attempts = $2, due_at = $3, answer = $4, \
                 sent_at = $5, claim = NULL, claimed_until = NULL \
                 WHERE id = $6 AND claim = $7 AND state = $8 AND attempts = $9",
            )
            .bind(after.state.as_str())
            .bind(i64::from(after.attempts))
            .bind(after.due_at.as_millis())
            .bind(after.answer.as_deref())
            .bind(sent_at)
            .bind(id.0)
            .bind(claim)
            .bind(before.state.as_str())
            .bind(i64::from(before.attempts))
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(written == 1)
    }

    /// A co-op's messages, newest first, at most `limit`; vote reminders
    /// left out.
    pub async fn outbox(&self, coop: CoopId, limit: u32) -> Result<Vec<OutboxListing>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            message: OutboxRow,
            recipient: Option<String>,
            sent_at: Option<i64>,
        }
        let sql = format!(
            "SELECT {}, p.display_name AS recipient, o.sent_at \
             FROM mail_outbox o LEFT JOIN person p ON p.id = o.person_id \
             WHERE o.coop_id = $1 AND o.kind <> $3 ORDER BY o.id DESC LIMIT $2",
            OUTBOX_COLUMNS
                .split(", ")
                .map(|column| format!("o.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(i64::from(limit))
                // Who was reminded of a vote is who had not voted: the
                // coordinators do not see it.
                .bind(NoticeKind::VoteReminder.as_str())
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(OutboxListing {
                    id: MailId(row.message.id),
                    kind: kind_of(&row.message.kind)?,
                    recipient: row.recipient,
                    digest: row.message.digest,
                    status: status_of(&row.message)?,
                    sent_at: row.sent_at.map(Timestamp),
                })
            })
            .collect()
    }

    /// Forgets messages queued before `before` (sent, given up, or past
    /// any try by then), links that expired before `now`, and password
    /// reset requests an hour old. Returns the messages forgotten.
    pub async fn purge_mail(&self, before: Timestamp, now: Timestamp) -> Result<u64> {
        let hour_ago = now.plus_millis(-60 * 60 * 1000);
        let purged = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM password_reset_request WHERE at < $1")
                .bind(hour_ago.as_millis())
                .execute(pool)
                .await?;
            let done = sqlx::query("DELETE FROM mail_outbox WHERE queued_at < $1")
                .bind(before.as_millis())
                .execute(pool)
                .await?;
            sqlx::query("DELETE FROM mail_link WHERE expires_at < $1")
                .bind(now.as_millis())
                .execute(pool)
                .await?;
            Ok::<_, sqlx::Error>(done.rows_affected())
        })?;
        Ok(purged)
    }

    /// How `person` chose to hear of each kind they chose for; the rest
    /// are at once.
    pub async fn notice_preferences(
        &self,
        person: PersonId,
    ) -> Result<Vec<(NoticeKind, Delivery)>> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT kind, delivery FROM notice_preference WHERE person_id = $1")
                .bind(person.0)
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter()
            .map(|(kind, delivery)| {
                Ok((
                    kind_of(&kind)?,
                    Delivery::parse(&delivery).ok_or_else(|| {
                        StoreError::corrupt("notice_preference.delivery", &delivery)
                    })?,
                ))
            })
            .collect()
    }

    pub async fn set_notice_preference(
        &self,
        person: PersonId,
        kind: NoticeKind,
        delivery: Delivery,
    ) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO notice_preference (person_id, kind, delivery) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id, kind) DO UPDATE SET delivery = excluded.delivery",
            )
            .bind(person.0)
            .bind(kind.as_str())
            .bind(delivery.as_str())
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }
}
