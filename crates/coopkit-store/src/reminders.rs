//! Reminders: messages due by the clock rather than by an event, each
//! queued once (the row it is about says when it went), in the
//! transaction that marks it sent.

use coopkit_domain::notice::{DueReminder, Reminder, REMINDER_AHEAD_MS};
use coopkit_domain::{BookingId, CoopId, EventSeq, PersonId, ProposalId, Timestamp};
use coopkit_governance::ProposalState;
use coopkit_market::BookingState;

use crate::mail::{coop_zone, queue_notice};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// The query finding one kind of due reminder: the co-op, the entity's
/// id and the latest event of `kind` about it, bound to now (`$1`), a
/// day (`$2`) and a state (`$3`).
fn due_query(table: &str, column: &str, kind: &str, prefix: &str, due: &str) -> String {
    format!(
        "SELECT t.coop_id, t.id, MAX(e.seq) FROM {table} t \
         JOIN event e ON e.coop_id = t.coop_id AND e.subject = '{prefix}:' || t.id \
           AND e.kind = '{kind}' \
         WHERE t.state = $3 AND t.{column} IS NULL AND {due} \
         GROUP BY t.coop_id, t.id"
    )
}

/// How one kind of reminder is found: its query (from [`due_query`]), the
/// state its entity must be in, and what a found id is about.
struct Finder {
    sql: String,
    state: &'static str,
    about: fn(i64) -> Reminder,
}

/// Where each reminder is marked as sent: the table, its column.
fn marker(about: Reminder) -> (&'static str, &'static str, i64) {
    match about {
        Reminder::VoteClosing(id) => ("governance_proposal", "reminded_at", id.0),
        Reminder::BookingSoon(id) => ("booking", "reminded_at", id.0),
        Reminder::BookingToMarkDone(id) => ("booking", "done_reminded_at", id.0),
    }
}

impl Store {
    /// The reminders due at `now` that have not gone: votes closing and
    /// bookings starting within a day, bookings that have ended.
    pub async fn due_reminders(&self, now: Timestamp) -> Result<Vec<DueReminder>> {
        let finders = [
            Finder {
                sql: due_query(
                    "governance_proposal",
                    "reminded_at",
                    "vote.opened",
                    "proposal",
                    "t.closes_at > $1 AND t.closes_at <= $1 + $2",
                ),
                state: ProposalState::Open.as_str(),
                about: |id| Reminder::VoteClosing(ProposalId(id)),
            },
            Finder {
                sql: due_query(
                    "booking",
                    "reminded_at",
                    "booking.accepted",
                    "booking",
                    "t.starts_at > $1 AND t.starts_at <= $1 + $2",
                ),
                state: BookingState::Confirmed.as_str(),
                about: |id| Reminder::BookingSoon(BookingId(id)),
            },
            Finder {
                sql: due_query(
                    "booking",
                    "done_reminded_at",
                    "booking.accepted",
                    "booking",
                    // Ended within the last day: not bookings long past.
                    "t.ends_at <= $1 AND t.ends_at > $1 - $2",
                ),
                state: BookingState::Confirmed.as_str(),
                about: |id| Reminder::BookingToMarkDone(BookingId(id)),
            },
        ];
        let mut due = Vec::new();
        for Finder { sql, state, about } in finders {
            let rows: Vec<(i64, i64, i64)> = on_pool!(self, |pool| {
                sqlx::query_as(&sql)
                    .bind(now.as_millis())
                    .bind(REMINDER_AHEAD_MS)
                    .bind(state)
                    .fetch_all(pool)
                    .await
            })?;
            due.extend(rows.into_iter().map(|(coop, id, event)| DueReminder {
                coop: CoopId(coop),
                about: about(id),
                event: EventSeq(event),
            }));
        }
        Ok(due)
    }

    /// Queues `due` for `people` and marks it sent, in one transaction;
    /// nothing if another server sent it first. Returns the messages
    /// queued.
    pub async fn queue_reminder(
        &self,
        due: &DueReminder,
        people: &[PersonId],
        now: Timestamp,
    ) -> Result<usize> {
        let (table, column, id) = marker(due.about);
        let mark = format!(
            "UPDATE {table} SET {column} = $3 WHERE id = $1 AND coop_id = $2 AND {column} IS NULL"
        );
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let first = sqlx::query(&mark)
                .bind(id)
                .bind(due.coop.0)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !first {
                return Ok(0);
            }
            let zone = coop_zone!(tx, due.coop);
            let mut queued = 0;
            for person in people {
                queued += queue_notice!(
                    tx,
                    *person,
                    due.about.kind(),
                    due.coop,
                    due.event,
                    &zone,
                    now
                );
            }
            tx.commit().await?;
            Ok::<_, StoreError>(queued)
        })
    }
}
