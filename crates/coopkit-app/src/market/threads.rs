//! The thread on a booking: its two sides write to each other, and the
//! co-op's coordinators read it while the booking is disputed
//! (`coopkit_market::thread`). The other side is told by mail, through
//! the event each message is kept with.

use coopkit_market::thread::{self, MessageBody};
use coopkit_market::BookingId;
use coopkit_store::{Message, Person};

use crate::{App, AppError, Result};

/// A booking's thread as the caller sees it.
#[derive(Clone, Debug)]
pub struct ThreadView {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Whether the caller may write in it (its two sides).
    pub may_write: bool,
}

impl App {
    /// The thread on a booking, for its two sides, and for coordinators
    /// while it is disputed.
    pub async fn booking_thread(
        &self,
        actor: &Person,
        slug: &str,
        id: BookingId,
    ) -> Result<ThreadView> {
        let view = self.booking(actor, slug, id).await?;
        if !thread::may_read(view.party, view.booking.facts.state) {
            return Err(AppError::Forbidden("thread-sides"));
        }
        Ok(ThreadView {
            messages: self.store.booking_messages(view.booking.coop, id).await?,
            may_write: thread::may_write(view.party),
        })
    }

    /// Writes the caller's message in a booking's thread; the thread after
    /// it.
    pub async fn write_on_booking(
        &self,
        actor: &Person,
        slug: &str,
        id: BookingId,
        text: &str,
    ) -> Result<ThreadView> {
        let view = self.booking(actor, slug, id).await?;
        if !thread::may_write(view.party) {
            return Err(AppError::Forbidden("thread-sides"));
        }
        let body = MessageBody::parse(text).map_err(|code| AppError::invalid("body", code))?;
        self.store
            .write_booking_message(view.booking.coop, id, actor.id, &body, self.clock.now())
            .await?
            .ok_or(AppError::NotFound("booking"))?;
        self.booking_thread(actor, slug, id).await
    }
}
