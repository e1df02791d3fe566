//! Bookings and their feedback. The rules (what a booking costs, which
//! step is allowed) live in `coopkit-market`; here a step is stored only
//! if the booking is still as the rules saw it (compare and set), with its
//! event.

use std::collections::HashMap;

use coopkit_domain::{CoopId, Event, Happened, PersonId, Timestamp};
use coopkit_ledger::{CurrencyCode, TransferId};
use coopkit_market::{BookingFacts, BookingId, BookingState, Payment, Window};

use crate::error::Conflict;
use crate::events::{compare_and_set, record_events};
use crate::market::to_i64;
use crate::{on_pool, sql_words, BeginWrite, Result, Store, StoreError};

pub use coopkit_market::{Booking, Feedback, NewBooking};

/// What became of a compare-and-set step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stepped {
    Done,
    /// The booking changed since it was read (another tab, the other
    /// side): nothing was written.
    Stale,
    /// Confirming would double-book the provider: nothing was written.
    Overlaps,
}

const BOOKING_COLUMNS: &str = "id, coop_id, requester_id, provider_id, category, currency, amount, \
    payment, starts_at, ends_at, state, requester_done, provider_done, hold_id, notes, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct BookingRow {
    id: i64,
    coop_id: i64,
    requester_id: i64,
    provider_id: i64,
    category: String,
    currency: String,
    amount: i64,
    payment: String,
    starts_at: i64,
    ends_at: i64,
    state: String,
    requester_done: bool,
    provider_done: bool,
    hold_id: String,
    notes: String,
    created_at: i64,
    updated_at: i64,
}

fn booking_from(row: BookingRow) -> Result<Booking> {
    let corrupt = |column: &str, value: &str| StoreError::corrupt(column, value);
    Ok(Booking {
        id: BookingId(row.id),
        coop: CoopId(row.coop_id),
        requester: PersonId(row.requester_id),
        provider: PersonId(row.provider_id),
        currency: CurrencyCode::parse(&row.currency)
            .map_err(|_| corrupt("booking.currency", &row.currency))?,
        category: row.category,
        amount: u64::try_from(row.amount)
            .map_err(|_| corrupt("booking.amount", &row.amount.to_string()))?,
        facts: BookingFacts {
            state: BookingState::parse(&row.state)
                .ok_or_else(|| corrupt("booking.state", &row.state))?,
            window: Window::new(Timestamp(row.starts_at), Timestamp(row.ends_at))
                .map_err(|_| corrupt("booking.ends_at", &row.ends_at.to_string()))?,
            payment: Payment::parse(&row.payment)
                .ok_or_else(|| corrupt("booking.payment", &row.payment))?,
            requester_done: row.requester_done,
            provider_done: row.provider_done,
        },
        hold_id: TransferId(
            row.hold_id
                .parse()
                .map_err(|_| corrupt("booking.hold_id", &row.hold_id))?,
        ),
        notes: row.notes,
        created_at: Timestamp(row.created_at),
        updated_at: Timestamp(row.updated_at),
    })
}

impl Store {
    /// Records a requested booking; the hold id is derived by the caller
    /// from the new booking's id and set with [`Store::set_hold_id`].
    pub async fn create_booking(
        &self,
        new: &NewBooking,
        hold_id: impl Fn(BookingId) -> TransferId,
        actor: PersonId,
        now: Timestamp,
    ) -> Result<Booking> {
        let amount = to_i64(new.amount, "amount")?;
        let row: BookingRow = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO booking (coop_id, requester_id, provider_id, category, currency, amount, payment, \
                 starts_at, ends_at, state, requester_done, provider_done, hold_id, notes, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'requested', FALSE, FALSE, '', $10, $11, $11) RETURNING id",
            )
            .bind(new.coop.0)
            .bind(new.requester.0)
            .bind(new.provider.0)
            .bind(&new.category)
            .bind(new.currency.as_str())
            .bind(amount)
            .bind(new.payment.as_str())
            .bind(new.window.start.as_millis())
            .bind(new.window.end.as_millis())
            .bind(&new.notes)
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE booking SET hold_id = $1 WHERE id = $2")
                .bind(hold_id(BookingId(id)).to_string())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query_as(&format!(
                "SELECT {BOOKING_COLUMNS} FROM booking WHERE id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let event = Event::BookingRequested {
                booking: BookingId(id),
                requester: new.requester,
                provider: new.provider,
                amount: new.amount,
            };
            record_events!(tx, &[Happened::new(new.coop, Some(actor), now, event)]);
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        })?;
        booking_from(row)
    }

    /// A booking of this co-op.
    pub async fn booking(&self, coop: CoopId, id: BookingId) -> Result<Option<Booking>> {
        let row: Option<BookingRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {BOOKING_COLUMNS} FROM booking WHERE id = $1 AND coop_id = $2"
            ))
            .bind(id.0)
            .bind(coop.0)
            .fetch_optional(pool)
            .await
        })?;
        row.map(booking_from).transpose()
    }

    /// How many settled bookings each requester has had with each
    /// provider in a co-op, keyed `(requester, provider)`: counted by the
    /// database over the whole history, one row for each pair.
    pub async fn settled_bookings_by_pair(
        &self,
        coop: CoopId,
    ) -> Result<HashMap<(PersonId, PersonId), u32>> {
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT requester_id, provider_id, COUNT(*) FROM booking \
                 WHERE coop_id = $1 AND state = $2 GROUP BY requester_id, provider_id",
            )
            .bind(coop.0)
            .bind(BookingState::Settled.as_str())
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(requester, provider, count)| {
                (
                    (PersonId(requester), PersonId(provider)),
                    u32::try_from(count).unwrap_or(u32::MAX),
                )
            })
            .collect())
    }

    /// A member's latest 200 bookings in a co-op, as requester or
    /// provider, the latest start first.
    pub async fn bookings_of(&self, coop: CoopId, person: PersonId) -> Result<Vec<Booking>> {
        let rows: Vec<BookingRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {BOOKING_COLUMNS} FROM booking WHERE coop_id = $1 \
                 AND (requester_id = $2 OR provider_id = $2) ORDER BY starts_at DESC, id DESC LIMIT 200"
            ))
            .bind(coop.0)
            .bind(person.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(booking_from).collect()
    }
}

/// The states whose bookings take their provider's time.
fn taking_time() -> String {
    sql_words(
        BookingState::ALL
            .into_iter()
            .filter(|s| s.holds_time())
            .map(BookingState::as_str),
    )
}

#[derive(sqlx::FromRow)]
struct BusyRow {
    provider_id: i64,
    starts_at: i64,
    ends_at: i64,
}

#[derive(sqlx::FromRow)]
struct PairRow {
    requester_id: i64,
    provider_id: i64,
}

#[derive(sqlx::FromRow)]
struct FeedbackCountRow {
    provider_id: i64,
    reviews: i64,
    again: i64,
}

#[derive(sqlx::FromRow)]
struct FeedbackRow {
    booking_id: i64,
    went_well: String,
    could_be_better: String,
    would_book_again: bool,
    answer: String,
    created_at: i64,
}

impl Store {
    /// The provider's bookings that hold their time and overlap `window`.
    pub async fn overlapping_bookings(
        &self,
        coop: CoopId,
        provider: PersonId,
        window: Window,
    ) -> Result<Vec<BookingId>> {
        let sql = format!(
            "SELECT id FROM booking WHERE coop_id = $1 AND provider_id = $2 \
             AND state IN ({}) AND starts_at < $4 AND $3 < ends_at",
            taking_time()
        );
        let ids: Vec<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(&sql)
                .bind(coop.0)
                .bind(provider.0)
                .bind(window.start.as_millis())
                .bind(window.end.as_millis())
                .fetch_all(pool)
                .await
        })?;
        Ok(ids.into_iter().map(BookingId).collect())
    }

    /// Every provider's time taken by bookings that end after `after`.
    pub async fn busy_windows(
        &self,
        coop: CoopId,
        after: Timestamp,
    ) -> Result<Vec<(PersonId, Window)>> {
        let sql = format!(
            "SELECT provider_id, starts_at, ends_at FROM booking WHERE coop_id = $1 \
             AND state IN ({}) AND ends_at > $2",
            taking_time()
        );
        let rows: Vec<BusyRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(after.as_millis())
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter()
            .map(|row| {
                let window = Window::new(Timestamp(row.starts_at), Timestamp(row.ends_at))
                    .map_err(|_| {
                        StoreError::corrupt("booking.ends_at", &row.ends_at.to_string())
                    })?;
                Ok((PersonId(row.provider_id), window))
            })
            .collect()
    }

    /// Who booked whom, and had it settled, in a co-op: (requester, provider).
    pub async fn settled_pairs(&self, coop: CoopId) -> Result<Vec<(PersonId, PersonId)>> {
        let rows: Vec<PairRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT DISTINCT requester_id, provider_id FROM booking WHERE coop_id = $1 AND state = $2",
            )
            .bind(coop.0)
            .bind(BookingState::Settled.as_str())
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| (PersonId(row.requester_id), PersonId(row.provider_id)))
            .collect())
    }

    /// Bookings whose ledger effect may be unfinished or due: confirmed
    /// ones (to complete when their time comes) and any changed since
    /// `since` (a crash between a step and its ledger effect).
    pub async fn bookings_to_reconcile(&self, since: Timestamp) -> Result<Vec<Booking>> {
        let rows: Vec<BookingRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {BOOKING_COLUMNS} FROM booking WHERE state = $2 OR updated_at >= $1 ORDER BY id"
            ))
            .bind(since.as_millis())
            .bind(BookingState::Confirmed.as_str())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(booking_from).collect()
    }

    /// Stores a step's result if the booking is still as `before` says.
    /// Confirming also checks, in the same transaction and with the
    /// provider's row locked, that the provider's time is still free.
    pub async fn step_booking(
        &self,
        booking: &Booking,
        after: &BookingFacts,
        actor: Option<PersonId>,
        now: Timestamp,
    ) -> Result<Stepped> {
        let event = coopkit_market::booking::event(booking.id, &booking.facts, after);
        let happened = [Happened::new(booking.coop, actor, now, event)];
        let before = &booking.facts;
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            if after.state.holds_time() && !before.state.holds_time() {
                // Serialises confirmations for one provider (a row lock on
                // PostgreSQL; SQLite's write lock already does).
                sqlx::query(
                    "UPDATE provider SET updated_at = updated_at WHERE coop_id = $1 AND person_id = $2",
                )
                .bind(booking.coop.0)
                .bind(booking.provider.0)
                .execute(&mut *tx)
                .await?;
                let clashes: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM booking WHERE coop_id = $1 AND provider_id = $2 AND id <> $3 \
                     AND state IN ({}) AND starts_at < $5 AND $4 < ends_at",
                    taking_time()
                ))
                .bind(booking.coop.0)
                .bind(booking.provider.0)
                .bind(booking.id.0)
                .bind(before.window.start.as_millis())
                .bind(before.window.end.as_millis())
                .fetch_one(&mut *tx)
                .await?;
                if clashes > 0 {
                    return Ok(Stepped::Overlaps);
                }
            }
            let changed = sqlx::query(
                "UPDATE booking SET state = $1, requester_done = $2, provider_done = $3, updated_at = $4 \
                 WHERE id = $5 AND coop_id = $6 AND state = $7 AND requester_done = $8 AND provider_done = $9",
            )
            .bind(after.state.as_str())
            .bind(after.requester_done)
            .bind(after.provider_done)
            .bind(now.as_millis())
            .bind(booking.id.0)
            .bind(booking.coop.0)
            .bind(before.state.as_str())
            .bind(before.requester_done)
            .bind(before.provider_done)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed != 1 {
                return Ok(Stepped::Stale);
            }
            record_events!(tx, &happened);
            tx.commit().await?;
            Ok(Stepped::Done)
        })
    }

    /// Keeps the requester's feedback on a booking of `coop`; a second
    /// one is a conflict on `feedback`.
    pub async fn add_feedback(
        &self,
        coop: CoopId,
        feedback: &Feedback,
        requester: PersonId,
    ) -> Result<()> {
        let given = Event::FeedbackGiven {
            booking: feedback.booking,
            would_book_again: feedback.would_book_again,
        };
        let happened = [Happened::new(
            coop,
            Some(requester),
            feedback.created_at,
            given,
        )];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "INSERT INTO booking_feedback (booking_id, went_well, could_be_better, would_book_again, answer, created_at) \
                 VALUES ($1, $2, $3, $4, '', $5)",
            )
            .bind(feedback.booking.0)
            .bind(&feedback.went_well)
            .bind(&feedback.could_be_better)
            .bind(feedback.would_book_again)
            .bind(feedback.created_at.as_millis()),
            &happened,
            StoreError::conflict_as(Conflict::Feedback)
        )
        })?;
        Ok(())
    }

    /// The provider's answer to feedback on their booking of `coop`.
    pub async fn answer_feedback(
        &self,
        coop: CoopId,
        booking: BookingId,
        answer: &str,
        provider: PersonId,
        now: Timestamp,
    ) -> Result<bool> {
        let answered = Event::FeedbackAnswered { booking };
        let happened = [Happened::new(coop, Some(provider), now, answered)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE booking_feedback SET answer = $1 WHERE booking_id = $2 \
                 AND booking_id IN (SELECT id FROM booking WHERE coop_id = $3)"
            )
            .bind(answer)
            .bind(booking.0)
            .bind(coop.0),
            &happened
        ))
    }

    /// Feedback on one booking of this co-op.
    pub async fn feedback(&self, coop: CoopId, booking: BookingId) -> Result<Option<Feedback>> {
        Ok(self
            .feedback_where("b.coop_id = $1 AND f.booking_id = $2", coop, booking.0)
            .await?
            .pop())
    }

    /// For every provider of a co-op with feedback: (reviews, would book
    /// again), in one query for search.
    pub async fn feedback_counts(&self, coop: CoopId) -> Result<HashMap<PersonId, (u32, u32)>> {
        let rows: Vec<FeedbackCountRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT b.provider_id, COUNT(*) AS reviews, \
                 SUM(CASE WHEN f.would_book_again THEN 1 ELSE 0 END) AS again \
                 FROM booking_feedback f JOIN booking b ON b.id = f.booking_id \
                 WHERE b.coop_id = $1 GROUP BY b.provider_id",
            )
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
                (
                    PersonId(row.provider_id),
                    (count(row.reviews), count(row.again)),
                )
            })
            .collect())
    }

    /// Feedback a provider received in a co-op, newest first.
    pub async fn feedback_for(&self, coop: CoopId, provider: PersonId) -> Result<Vec<Feedback>> {
        self.feedback_where("b.coop_id = $1 AND b.provider_id = $2", coop, provider.0)
            .await
    }

    async fn feedback_where(
        &self,
        condition: &str,
        coop: CoopId,
        value: i64,
    ) -> Result<Vec<Feedback>> {
        let rows: Vec<FeedbackRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT f.booking_id, f.went_well, f.could_be_better, f.would_book_again, f.answer, f.created_at \
                 FROM booking_feedback f JOIN booking b ON b.id = f.booking_id WHERE {condition} \
                 ORDER BY f.created_at DESC, f.booking_id DESC"
            ))
            .bind(coop.0)
            .bind(value)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| Feedback {
                booking: BookingId(row.booking_id),
                went_well: row.went_well,
                could_be_better: row.could_be_better,
                would_book_again: row.would_book_again,
                answer: row.answer,
                created_at: Timestamp(row.created_at),
            })
            .collect())
    }
}
