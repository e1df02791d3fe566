//! The threads on bookings: each message kept with its event, in the order
//! written. Who may read and write one is `coopkit_market::thread`'s to
//! say; here every query is bound to the booking's co-op.

use coopkit_domain::{CoopId, Event, Happened, MessageId, PersonId, Timestamp};
use coopkit_market::thread::MessageBody;
use coopkit_market::BookingId;

use crate::events::record_events;
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// A message in a booking's thread, with its author's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub author: PersonId,
    pub author_name: String,
    pub body: String,
    pub written_at: Timestamp,
}

type MessageRow = (i64, i64, String, String, i64);

fn message_from((id, author, author_name, body, at): MessageRow) -> Message {
    Message {
        id: MessageId(id),
        author: PersonId(author),
        author_name,
        body,
        written_at: Timestamp(at),
    }
}

impl Store {
    /// Adds `author`'s message to the thread of a booking of `coop`, with
    /// its event; `None` if the co-op has no such booking.
    pub async fn write_booking_message(
        &self,
        coop: CoopId,
        booking: BookingId,
        author: PersonId,
        body: &MessageBody,
        now: Timestamp,
    ) -> Result<Option<MessageId>> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO booking_message (booking_id, author_id, body, created_at) \
                 SELECT id, $1, $2, $3 FROM booking WHERE id = $4 AND coop_id = $5 RETURNING id",
            )
            .bind(author.0)
            .bind(body.as_str())
            .bind(now.as_millis())
            .bind(booking.0)
            .bind(coop.0)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id,)) = id else {
                return Ok::<_, StoreError>(None);
            };
            let written = Event::BookingMessageWritten {
                booking,
                message: MessageId(id),
            };
            record_events!(tx, &[Happened::new(coop, Some(author), now, written)]);
            tx.commit().await?;
            Ok(Some(MessageId(id)))
        })
    }

    /// Every message `author` wrote, in any co-op, oldest first, with the
    /// booking each is on: theirs to take away.
    pub async fn messages_by(&self, author: PersonId) -> Result<Vec<(BookingId, Message)>> {
        let rows: Vec<(i64, i64, i64, String, String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT m.booking_id, m.id, m.author_id, p.display_name, m.body, m.created_at \
                 FROM booking_message m JOIN person p ON p.id = m.author_id \
                 WHERE m.author_id = $1 ORDER BY m.id",
            )
            .bind(author.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(booking, id, author, name, body, at)| {
                (
                    BookingId(booking),
                    message_from((id, author, name, body, at)),
                )
            })
            .collect())
    }

    /// The thread of a booking of `coop`, oldest first.
    pub async fn booking_messages(&self, coop: CoopId, booking: BookingId) -> Result<Vec<Message>> {
        let rows: Vec<MessageRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT m.id, m.author_id, p.display_name, m.body, m.created_at \
                 FROM booking_message m \
                 JOIN booking b ON b.id = m.booking_id \
                 JOIN person p ON p.id = m.author_id \
                 WHERE m.booking_id = $1 AND b.coop_id = $2 ORDER BY m.id",
            )
            .bind(booking.0)
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(message_from).collect())
    }
}
