//! The event log: every change of state as a typed fact, written in the
//! same transaction as the change, read in order by those who act on it.
//!
//! Numbers come from the one-row `event_sequence` table, taken under its
//! row lock, so they follow the order transactions commit on both
//! engines (see the migration for why an identity column would not).
//! That lock is held until commit, so a transaction records its events
//! last, after every other lock it takes: nothing then waits on a lock
//! while holding the sequence.

use coopkit_domain::{CoopId, Event, EventSeq, Happened, LoggedEvent, PersonId, Timestamp};

use crate::{on_pool, sql_words, BeginWrite, Result, Store, StoreError};

/// Writes `$events` (a slice of [`Happened`]) inside the open transaction
/// `$tx`. A macro, like [`on_pool!`], so one text serves both engines.
macro_rules! record_events {
    ($tx:expr, $events:expr) => {{
        let events: &[coopkit_domain::Happened] = $events;
        if !events.is_empty() {
            let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
            let (last,): (i64,) = sqlx::query_as(
                "UPDATE event_sequence SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq",
            )
            .bind(count)
            .fetch_one(&mut *$tx)
            .await?;
            for (seq, happened) in (last - count + 1..).zip(events) {
                sqlx::query(
                    "INSERT INTO event (seq, coop_id, kind, subject, actor_id, at, data) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(seq)
                .bind(happened.coop.0)
                .bind(happened.event.kind())
                .bind(happened.event.subject().to_string())
                .bind(happened.actor.map(|p| p.0))
                .bind(happened.at.as_millis())
                .bind(happened.event.data().to_string())
                .execute(&mut *$tx)
                .await?;
            }
        }
    }};
}
pub(crate) use record_events;

/// Runs `$update`, a compare-and-set UPDATE of one row, and records
/// `$events` with it in one transaction on `$pool`; evaluates to whether
/// the row was still as the rule saw it. When it was not, nothing is
/// written: the transaction is dropped, so rolled back.
///
/// An upsert counts as one row changed; an insert that does nothing on a
/// conflict, or a delete of what is not there, records nothing. With a
/// fourth argument, a failed statement's error goes through it (to name
/// a conflict) instead of `StoreError::from`.
macro_rules! compare_and_set {
    ($pool:expr, $update:expr, $events:expr) => {
        $crate::events::compare_and_set!($pool, $update, $events, $crate::StoreError::from)
    };
    ($pool:expr, $update:expr, $events:expr, $on_error:expr) => {{
        let mut tx = $pool.begin_write().await?;
        let changed = $update
            .execute(&mut *tx)
            .await
            .map_err($on_error)?
            .rows_affected()
            == 1;
        if changed {
            $crate::events::record_events!(tx, $events);
            tx.commit().await?;
        }
        Ok::<bool, $crate::StoreError>(changed)
    }};
}
pub(crate) use compare_and_set;

const EVENT_COLUMNS: &str = "seq, coop_id, kind, actor_id, at, data";

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub(crate) seq: i64,
    coop_id: i64,
    kind: String,
    actor_id: Option<i64>,
    at: i64,
    data: String,
}

impl TryFrom<EventRow> for LoggedEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self> {
        let data = serde_json::from_str(&row.data)
            .map_err(|_| StoreError::corrupt("event.data", &row.data))?;
        let event = Event::from_parts(&row.kind, data)
            .map_err(|_| StoreError::corrupt("event.kind", &row.kind))?;
        Ok(LoggedEvent {
            seq: EventSeq(row.seq),
            happened: Happened {
                coop: CoopId(row.coop_id),
                actor: row.actor_id.map(PersonId),
                at: Timestamp(row.at),
                event,
            },
        })
    }
}

pub(crate) fn logged(rows: Vec<EventRow>) -> Result<Vec<LoggedEvent>> {
    rows.into_iter().map(LoggedEvent::try_from).collect()
}

/// Reads, inside the open transaction `$tx`, the next events (at most
/// `$limit`) that `$consumer` has not read, and moves its cursor past
/// them; evaluates to their rows. The cursor's row stays locked until the
/// transaction ends, so a consumer that writes what it will do with the
/// events in the same transaction loses none to a crash.
macro_rules! claim_for {
    ($tx:expr, $consumer:expr, $limit:expr) => {{
        let consumer: &str = $consumer;
        sqlx::query(
            "INSERT INTO event_cursor (consumer, position) VALUES ($1, 0) \
             ON CONFLICT (consumer) DO NOTHING",
        )
        .bind(consumer)
        .execute(&mut *$tx)
        .await?;
        // An update that changes nothing, for its row lock.
        let (position,): (i64,) = sqlx::query_as(
            "UPDATE event_cursor SET position = position WHERE consumer = $1 RETURNING position",
        )
        .bind(consumer)
        .fetch_one(&mut *$tx)
        .await?;
        let rows: Vec<$crate::events::EventRow> = sqlx::query_as(concat!(
            "SELECT seq, coop_id, kind, actor_id, at, data FROM event ",
            "WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(position)
        .bind(i64::from($limit))
        .fetch_all(&mut *$tx)
        .await?;
        if let Some(last) = rows.last() {
            sqlx::query("UPDATE event_cursor SET position = $1 WHERE consumer = $2")
                .bind(last.seq)
                .bind(consumer)
                .execute(&mut *$tx)
                .await?;
        }
        rows
    }};
}
pub(crate) use claim_for;

impl Store {
    /// The last event recorded for a co-op, `EventSeq(0)` before its first.
    ///
    /// Every change to a co-op's state records an event in its own
    /// transaction, and numbers follow the order of commits, so whatever is
    /// read after this head holds everything up to it: a view of the co-op
    /// kept with the head it was read after is current while the head
    /// stands still, on any app server.
    pub async fn event_head(&self, coop: CoopId) -> Result<EventSeq> {
        let head: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT MAX(seq) FROM event WHERE coop_id = $1")
                .bind(coop.0)
                .fetch_one(pool)
                .await
        })?;
        Ok(EventSeq(head.unwrap_or(0)))
    }

    /// One event, by its place in the log.
    pub async fn event(&self, seq: EventSeq) -> Result<Option<LoggedEvent>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM event WHERE seq = $1");
        let row: Option<EventRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql).bind(seq.0).fetch_optional(pool).await
        })?;
        row.map(LoggedEvent::try_from).transpose()
    }

    /// The events `person` caused, in every co-op, after `after`, oldest
    /// first, at most `limit`: what a person's own data download holds.
    pub async fn events_by(
        &self,
        person: PersonId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<LoggedEvent>> {
        self.events_where("actor_id", person.0, after, limit).await
    }

    /// A co-op's events after `after`, oldest first, at most `limit`.
    pub async fn events(
        &self,
        coop: CoopId,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<LoggedEvent>> {
        self.events_where("coop_id", coop.0, after, limit).await
    }

    /// A page of co-op `coop`'s audit log ([`Event::AUDITED`]), newest
    /// first: at most `limit` events before `before` (all, if `None`).
    pub async fn audit_log(
        &self,
        coop: CoopId,
        before: Option<EventSeq>,
        limit: u32,
    ) -> Result<Vec<LoggedEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM event WHERE coop_id = $1 AND seq < $2 \
             AND kind IN ({kinds}) ORDER BY seq DESC LIMIT $3",
            kinds = sql_words(Event::AUDITED.iter().copied())
        );
        let rows: Vec<EventRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(before.map_or(i64::MAX, |seq| seq.0))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        logged(rows)
    }

    /// The events whose `column` (one of this module's, never input) is
    /// `id`, after `after`, oldest first, at most `limit`.
    async fn events_where(
        &self,
        column: &'static str,
        id: i64,
        after: EventSeq,
        limit: u32,
    ) -> Result<Vec<LoggedEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM event WHERE {column} = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        );
        let rows: Vec<EventRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(id)
                .bind(after.0)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        logged(rows)
    }

    /// The next events, of every co-op, that `consumer` has not read, at
    /// most `limit`; its cursor moves past them in the same transaction.
    ///
    /// The cursor's row is locked while it is read and moved, so two app
    /// servers reading for the same consumer take turns and never get the
    /// same event. A consumer that must not lose an event to a crash
    /// records what it will do with it (a delivery to make) before it
    /// lets go, in a table of its own.
    pub async fn claim_events(&self, consumer: &str, limit: u32) -> Result<Vec<LoggedEvent>> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let rows = claim_for!(tx, consumer, limit);
            tx.commit().await?;
            logged(rows)
        })
    }
}
