//! The life of a booking:
//!
//! ```text
//! requested ──accept──▶ confirmed ──both mark done──▶ settled
//!     │                   │  │   (or automatically, some hours after the end)
//!     decline             │  └─dispute──▶ disputed ──coordinator──▶ settled | refunded
//!     ▼                   cancel (before the start)
//! declined                ▼
//!                     cancelled
//! ```
//!
//! Accepting places a hold on the requester's tokens or money in the
//! ledger; settling posts it; cancelling or refunding voids it. A booking
//! paid in cash touches no ledger: the provider marking it done records
//! that the cash was received. [`step`] decides; the caller carries out
//! the [`Effect`] and stores the new state, both or neither.

use coopkit_domain::{CoopId, Event, PersonId, Timestamp};
use coopkit_ledger::{CurrencyCode, TransferId};
use serde::{Deserialize, Serialize};

use crate::availability::Window;

pub use coopkit_domain::BookingId;

/// How long after its end a confirmed booking settles by itself, unless
/// one side disputes it.
pub const AUTO_COMPLETE_AFTER_MS: i64 = 48 * 60 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingState {
    Requested,
    Declined,
    Confirmed,
    Cancelled,
    Disputed,
    Settled,
    Refunded,
}

impl BookingState {
    pub const ALL: [BookingState; 7] = [
        BookingState::Requested,
        BookingState::Declined,
        BookingState::Confirmed,
        BookingState::Cancelled,
        BookingState::Disputed,
        BookingState::Settled,
        BookingState::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingState::Requested => "requested",
            BookingState::Declined => "declined",
            BookingState::Confirmed => "confirmed",
            BookingState::Cancelled => "cancelled",
            BookingState::Disputed => "disputed",
            BookingState::Settled => "settled",
            BookingState::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<BookingState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the booking holds the provider's time: overlapping bookings
    /// are refused against these.
    pub fn holds_time(self) -> bool {
        matches!(self, BookingState::Confirmed | BookingState::Disputed)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payment {
    /// Through the ledger: held on acceptance, moved on settlement.
    Ledger,
    /// In cash, outside coopkit; the hours still count as work.
    Cash,
}

impl Payment {
    pub fn as_str(self) -> &'static str {
        match self {
            Payment::Ledger => "ledger",
            Payment::Cash => "cash",
        }
    }

    pub fn parse(text: &str) -> Option<Payment> {
        match text {
            "ledger" => Some(Payment::Ledger),
            "cash" => Some(Payment::Cash),
            _ => None,
        }
    }
}

/// Who acts on a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    Requester,
    Provider,
    /// A coordinator of the co-op, settling a dispute.
    Coordinator,
    /// The server itself, completing bookings nobody disputed.
    Clock,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Accept,
    Decline,
    Cancel,
    /// "The work was done" from one side; both sides settle it. For cash,
    /// the provider's mark also records that the cash was received.
    MarkDone,
    Dispute,
    /// A coordinator's decision on a dispute: pay the provider, or refund.
    Resolve {
        pay: bool,
    },
    /// Settle a booking nobody disputed, some time after its end.
    AutoComplete,
}

impl Action {
    /// Every action a party may try, for [`allowed`].
    pub const ALL: [Action; 8] = [
        Action::Accept,
        Action::Decline,
        Action::Cancel,
        Action::MarkDone,
        Action::Dispute,
        Action::Resolve { pay: true },
        Action::Resolve { pay: false },
        Action::AutoComplete,
    ];

    /// The action's name in paths and translation keys (`booking-done`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Cancel => "cancel",
            Action::MarkDone => "done",
            Action::Dispute => "dispute",
            Action::Resolve { pay: true } => "pay",
            Action::Resolve { pay: false } => "refund",
            Action::AutoComplete => "auto-complete",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// What `party` may do with the booking at `now`: the same rule as
/// [`step`], so a page offers exactly the steps that would be accepted.
pub fn allowed(facts: BookingFacts, party: Party, now: Timestamp) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|action| step(facts, party, *action, now).is_ok())
        .collect()
}

/// What the ledger must do for a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    PlaceHold,
    PostHold,
    VoidHold,
}

/// What [`step`] needs to know of a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookingFacts {
    pub state: BookingState,
    pub window: Window,
    pub payment: Payment,
    pub requester_done: bool,
    pub provider_done: bool,
}

/// A booking after a step, and what the ledger must do for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub facts: BookingFacts,
    pub effect: Effect,
}

/// Why a booking or a step on it is refused. Each has a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the end must come after the start")]
    WindowEmpty,
    #[error("a booking lasts at most two weeks")]
    WindowTooLong,
    #[error("the booking starts in the past")]
    StartsInPast,
    #[error("members cannot book themselves")]
    OwnBooking,
    #[error("the provider is not available then")]
    OutsideAvailability,
    #[error("the provider has another booking then")]
    Overlaps,
    #[error("the price comes to more than 9223372036854775807")]
    AmountTooLarge,
    #[error("only the other side of the booking may do that")]
    NotYourTurn,
    #[error("the booking is not in a state that allows this")]
    WrongState,
    #[error("the booking has started: it can no longer be cancelled")]
    AlreadyStarted,
    #[error("the booking has not started yet")]
    NotStarted,
    #[error("it is too early to complete the booking by itself")]
    NotDue,
    #[error("you have already said the work was done")]
    AlreadyMarkedDone,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::WindowEmpty => "booking-window-empty",
            Refusal::WindowTooLong => "booking-window-too-long",
            Refusal::StartsInPast => "booking-in-past",
            Refusal::OwnBooking => "booking-own",
            Refusal::OutsideAvailability => "booking-outside-availability",
            Refusal::Overlaps => "booking-overlaps",
            Refusal::AmountTooLarge => "amount-too-large",
            Refusal::NotYourTurn => "booking-not-your-turn",
            Refusal::WrongState => "booking-wrong-state",
            Refusal::AlreadyStarted => "booking-started",
            Refusal::NotStarted => "booking-not-started",
            Refusal::NotDue => "booking-not-due",
            Refusal::AlreadyMarkedDone => "booking-already-done",
        }
    }
}

/// The event of a step, told from the booking's facts before and after
/// it. A step back (the caller undoing a step whose ledger effect was
/// refused) is recorded as such, not as the step it returns to.
pub fn event(booking: BookingId, before: &BookingFacts, after: &BookingFacts) -> Event {
    use BookingState as S;
    match (before.state, after.state) {
        (S::Requested, S::Confirmed) => Event::BookingAccepted { booking },
        (_, S::Declined) => Event::BookingDeclined { booking },
        (_, S::Cancelled) => Event::BookingCancelled { booking },
        (S::Confirmed, S::Disputed) => Event::BookingDisputed { booking },
        (S::Confirmed | S::Disputed, S::Settled) => Event::BookingSettled { booking },
        (S::Disputed, S::Refunded) => Event::BookingRefunded { booking },
        (same, now) if same == now => Event::BookingMarkedDone { booking },
        _ => Event::BookingStepUndone { booking },
    }
}

/// Applies `action` by `party` at `now`, or says why not.
pub fn step(
    facts: BookingFacts,
    party: Party,
    action: Action,
    now: Timestamp,
) -> Result<Step, Refusal> {
    use BookingState as S;
    let started = now.as_millis() >= facts.window.start.as_millis();
    let ledger = facts.payment == Payment::Ledger;
    let via_ledger = |effect| if ledger { effect } else { Effect::None };
    let to = |state, effect| {
        Ok(Step {
            facts: BookingFacts { state, ..facts },
            effect,
        })
    };
    let require = |allowed: &[Party]| {
        if allowed.contains(&party) {
            Ok(())
        } else {
            Err(Refusal::NotYourTurn)
        }
    };
    match (facts.state, action) {
        (S::Requested, Action::Accept) => {
            require(&[Party::Provider])?;
            if started {
                return Err(Refusal::AlreadyStarted);
            }
            to(S::Confirmed, via_ledger(Effect::PlaceHold))
        }
        (S::Requested, Action::Decline) => {
            require(&[Party::Provider])?;
            to(S::Declined, Effect::None)
        }
        (S::Requested | S::Confirmed, Action::Cancel) => {
            require(&[Party::Requester, Party::Provider])?;
            if started {
                return Err(Refusal::AlreadyStarted);
            }
            let effect = if facts.state == S::Confirmed {
                via_ledger(Effect::VoidHold)
            } else {
                Effect::None
            };
            to(S::Cancelled, effect)
        }
        (S::Confirmed, Action::MarkDone) => {
            require(&[Party::Requester, Party::Provider])?;
            if !started {
                return Err(Refusal::NotStarted);
            }
            let mut next = facts;
            let mark = match party {
                Party::Requester => &mut next.requester_done,
                _ => &mut next.provider_done,
            };
            // Saying it twice changes nothing, so it is not a step.
            if *mark {
                return Err(Refusal::AlreadyMarkedDone);
            }
            *mark = true;
            if next.requester_done && next.provider_done {
                next.state = S::Settled;
                return Ok(Step {
                    facts: next,
                    effect: via_ledger(Effect::PostHold),
                });
            }
            Ok(Step {
                facts: next,
                effect: Effect::None,
            })
        }
        (S::Confirmed, Action::Dispute) => {
            require(&[Party::Requester, Party::Provider])?;
            if !started {
                return Err(Refusal::NotStarted);
            }
            to(S::Disputed, Effect::None)
        }
        (S::Disputed, Action::Resolve { pay }) => {
            require(&[Party::Coordinator])?;
            if pay {
                to(S::Settled, via_ledger(Effect::PostHold))
            } else {
                to(S::Refunded, via_ledger(Effect::VoidHold))
            }
        }
        (S::Confirmed, Action::AutoComplete) => {
            require(&[Party::Clock])?;
            if now.as_millis() < facts.window.end.as_millis() + AUTO_COMPLETE_AFTER_MS {
                return Err(Refusal::NotDue);
            }
            to(S::Settled, via_ledger(Effect::PostHold))
        }
        _ => Err(Refusal::WrongState),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBooking {
    pub coop: CoopId,
    pub requester: PersonId,
    pub provider: PersonId,
    pub category: String,
    pub currency: CurrencyCode,
    pub amount: u64,
    pub payment: Payment,
    pub window: Window,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    pub id: BookingId,
    pub coop: CoopId,
    pub requester: PersonId,
    pub provider: PersonId,
    pub category: String,
    pub currency: CurrencyCode,
    pub amount: u64,
    pub facts: BookingFacts,
    /// The ledger transfer that holds the amount while the booking runs.
    pub hold_id: TransferId,
    pub notes: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    pub booking: BookingId,
    pub went_well: String,
    pub could_be_better: String,
    pub would_book_again: bool,
    /// The provider's answer; empty until they give one.
    pub answer: String,
    pub created_at: Timestamp,
}
