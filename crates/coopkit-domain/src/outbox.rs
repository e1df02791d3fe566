//! The life of an outgoing message:
//!
//! ```text
//! queued ──accepted──▶ sent
//!   │ ▲
//!   │ └─ the server is down or answers "try later" (4xx): failing, tried
//!   │    again after a backoff that doubles, until it has waited GIVE_UP_MS
//!   ├──refused for good (5xx), or waited too long──▶ failed
//!   └──nothing to send (address unverified, account gone, turned off)──▶ skipped
//! ```
//!
//! [`after_attempt`] decides; the store writes the new state only if the
//! message is still as the sender found it, so two servers never both
//! record it.

use crate::{CoopId, EventSeq, MailId, NoticeKind, PersonId, Timestamp};

/// The first wait after a failure; it doubles with each failure after.
pub const FIRST_RETRY_MS: i64 = 60 * 1000;
/// The longest wait between two tries.
pub const LONGEST_RETRY_MS: i64 = 60 * 60 * 1000;
/// How long a message keeps being tried before it is given up: five days,
/// as Postfix keeps a message in its queue by default.
pub const GIVE_UP_MS: i64 = 5 * 24 * 60 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailState {
    /// Waiting for its first try (or for the morning, in a digest).
    Queued,
    /// Tried and not yet accepted; tried again at its next attempt.
    Failing,
    Sent,
    /// Refused for good, or given up.
    Failed,
    /// Nothing was sent, for a reason that is not a failure.
    Skipped,
}

impl MailState {
    pub const ALL: [MailState; 5] = [
        MailState::Queued,
        MailState::Failing,
        MailState::Sent,
        MailState::Failed,
        MailState::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Failing => "failing",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<MailState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the sender still has work to do on it.
    pub fn is_pending(self) -> bool {
        matches!(self, MailState::Queued | MailState::Failing)
    }
}

/// Where a message stands: what the sender reads and writes back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailStatus {
    pub state: MailState,
    /// Tries so far.
    pub attempts: u32,
    /// When it was queued: the give-up time counts from here.
    pub queued_at: Timestamp,
    /// When it may next be tried.
    pub due_at: Timestamp,
    /// What the mail server (or the sender) last said.
    pub answer: Option<String>,
}

/// How one try went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The server took the message; its answer.
    Accepted(String),
    /// The server could not be reached, or asked to try later.
    Deferred(String),
    /// The server refused the message for good (an unknown mailbox).
    Refused(String),
    /// There was nothing to send, and why.
    Skipped(String),
}

/// A try on a message that was not waiting for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the message is {0:?}: nothing is left to try")]
pub struct NotPending(pub MailState);

/// The wait before try number `attempts + 1`, after `attempts` failures.
pub fn backoff(attempts: u32) -> i64 {
    doubling_wait(FIRST_RETRY_MS, LONGEST_RETRY_MS, attempts)
}

/// A wait of `first` ms after the first failure, doubling with each
/// failure after it, never more than `longest`: mail's and webhooks'.
pub fn doubling_wait(first: i64, longest: i64, attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(32);
    first.checked_shl(doublings).unwrap_or(longest).min(longest)
}

/// Whether a message queued so long ago must not be sent any more (mail
/// was off, or every server down, for days): news that old misleads.
pub fn past_giving_up(status: &MailStatus, now: Timestamp) -> bool {
    now.as_millis().saturating_sub(status.queued_at.as_millis()) > GIVE_UP_MS
}

/// Where a message stands after a try at `now`.
pub fn after_attempt(
    delivery: &MailStatus,
    attempt: Attempt,
    now: Timestamp,
) -> Result<MailStatus, NotPending> {
    if !delivery.state.is_pending() {
        return Err(NotPending(delivery.state));
    }
    let attempts = delivery.attempts.saturating_add(1);
    let (state, answer, due_at) = match attempt {
        Attempt::Accepted(answer) => (MailState::Sent, answer, now),
        Attempt::Refused(answer) => (MailState::Failed, answer, now),
        Attempt::Skipped(reason) => (MailState::Skipped, reason, now),
        Attempt::Deferred(answer) => {
            let next = Timestamp(now.as_millis().saturating_add(backoff(attempts)));
            if next.as_millis() - delivery.queued_at.as_millis() > GIVE_UP_MS {
                (MailState::Failed, answer, now)
            } else {
                (MailState::Failing, answer, next)
            }
        }
    };
    Ok(MailStatus {
        state,
        attempts,
        queued_at: delivery.queued_at,
        due_at,
        answer: Some(answer),
    })
}

/// A message as a sender claims it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: MailId,
    /// `None` once the recipient's account is gone.
    pub person: Option<PersonId>,
    pub coop: Option<CoopId>,
    pub kind: NoticeKind,
    /// What it tells of; `None` for the account's own messages.
    pub event: Option<EventSeq>,
    /// The suggested directory edit it tells the decision of.
    pub directory_edit: Option<crate::EditId>,
    /// Part of the recipient's daily digest.
    pub digest: bool,
    pub status: MailStatus,
}

/// A message as a co-op's coordinators see it in their outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxListing {
    pub id: MailId,
    pub kind: NoticeKind,
    /// The recipient's name; `None` once their account is gone.
    pub recipient: Option<String>,
    pub digest: bool,
    pub status: MailStatus,
    pub sent_at: Option<Timestamp>,
}

/// What one pass of the notifier did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoticeRun {
    /// Events read from the log.
    pub events: usize,
    /// Messages queued for them.
    pub queued: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn queued(at: i64) -> MailStatus {
        MailStatus {
            state: MailState::Queued,
            attempts: 0,
            queued_at: Timestamp(at),
            due_at: Timestamp(at),
            answer: None,
        }
    }

    fn attempt() -> impl Strategy<Value = Attempt> {
        prop_oneof![
            4 => Just(Attempt::Deferred("421 try later".into())),
            1 => Just(Attempt::Accepted("250 OK".into())),
            1 => Just(Attempt::Refused("550 no such user".into())),
            1 => Just(Attempt::Skipped("unverified".into())),
        ]
    }

    #[test]
    fn a_down_server_is_tried_again_later_and_then_accepts() {
        let start = 1_000_000;
        let first = after_attempt(
            &queued(start),
            Attempt::Deferred("connection refused".into()),
            Timestamp(start),
        )
        .unwrap();
        assert_eq!(first.state, MailState::Failing);
        assert_eq!(first.due_at, Timestamp(start + FIRST_RETRY_MS));
        let second =
            after_attempt(&first, Attempt::Accepted("250 OK".into()), first.due_at).unwrap();
        assert_eq!(second.state, MailState::Sent);
        assert_eq!(second.attempts, 2);
        assert_eq!(
            after_attempt(&second, Attempt::Accepted("250 OK".into()), second.due_at),
            Err(NotPending(MailState::Sent)),
            "a sent message is never sent again"
        );
    }

    #[test]
    fn the_backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), 60_000);
        assert_eq!(backoff(2), 120_000);
        assert_eq!(backoff(6), 32 * 60_000);
        assert_eq!(backoff(7), LONGEST_RETRY_MS);
        assert_eq!(backoff(u32::MAX), LONGEST_RETRY_MS);
    }

    proptest! {
        /// Whatever the server answers, a message is tried at times that
        /// only move forward, ends sent, failed or skipped once it stops
        /// being tried, and is never tried past the give-up time.
        #[test]
        fn every_message_ends_and_never_past_giving_up(
            start in 0i64..4_000_000_000_000,
            attempts in proptest::collection::vec(attempt(), 1..400),
        ) {
            let mut delivery = queued(start);
            for attempt in attempts {
                let now = delivery.due_at;
                match after_attempt(&delivery, attempt, now) {
                    Ok(next) => {
                        prop_assert!(next.due_at >= now);
                        prop_assert_eq!(next.attempts, delivery.attempts + 1);
                        prop_assert!(next.due_at.as_millis() - start <= GIVE_UP_MS);
                        delivery = next;
                    }
                    Err(NotPending(state)) => {
                        prop_assert!(!state.is_pending());
                        break;
                    }
                }
            }
            prop_assert!(delivery.attempts >= 1);
        }

        /// Only ever deferred, a message is given up within the give-up
        /// time plus one longest wait, after a bounded number of tries.
        #[test]
        fn an_unreachable_server_is_given_up(start in 0i64..4_000_000_000_000) {
            let mut delivery = queued(start);
            while delivery.state.is_pending() {
                delivery = after_attempt(
                    &delivery,
                    Attempt::Deferred("connection refused".into()),
                    delivery.due_at,
                ).unwrap();
                prop_assert!(delivery.attempts < 200);
            }
            prop_assert_eq!(delivery.state, MailState::Failed);
        }
    }

    #[test]
    fn states_read_back_from_their_names() {
        for state in MailState::ALL {
            assert_eq!(MailState::parse(state.as_str()), Some(state));
        }
    }
}
