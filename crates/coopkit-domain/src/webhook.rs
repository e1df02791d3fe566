//! Webhooks: a co-op's admins register endpoints for chosen kinds of
//! event, and the server delivers each event of those kinds to each,
//! signed, in the log's order, at least once.
//!
//! A delivery is tried until the endpoint answers 2xx, with waits that
//! double from 30 seconds up to an hour, for a day; then it has failed,
//! and so has the endpoint: it is paused, and its admins are told. While
//! an endpoint's oldest delivery waits, the later ones wait behind it, so
//! a receiver sees events in order. Resuming a paused endpoint tries its
//! waiting deliveries again.

use crate::{CoopId, Event, EventSeq, Timestamp};

/// The wait before the second try; each failure after doubles it.
pub const FIRST_RETRY_MS: i64 = 30 * 1000;
/// The longest wait between tries.
pub const LONGEST_RETRY_MS: i64 = 60 * 60 * 1000;
/// How long a delivery is tried before it, and its endpoint, have failed.
pub const GIVE_UP_MS: i64 = 24 * 60 * 60 * 1000;
/// The longest endpoint address taken.
pub const URL_MAX: usize = 2_000;

/// Where an endpoint stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndpointState {
    /// Deliveries go out.
    Active,
    /// A delivery failed for a day (or an admin paused it): deliveries
    /// are queued and wait for an admin to resume it.
    Paused,
}

impl EndpointState {
    pub const ALL: [EndpointState; 2] = [EndpointState::Active, EndpointState::Paused];

    pub fn as_str(self) -> &'static str {
        match self {
            EndpointState::Active => "active",
            EndpointState::Paused => "paused",
        }
    }

    pub fn parse(text: &str) -> Option<EndpointState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What an admin does to an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointChange {
    Pause,
    Resume,
}

/// A change that does not apply to an endpoint as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the endpoint is {} already", .0.as_str())]
pub struct AlreadyThere(pub EndpointState);

/// An endpoint's state after `change`, and the event that records it.
pub fn change_endpoint(
    state: EndpointState,
    change: EndpointChange,
    endpoint: crate::WebhookId,
) -> Result<(EndpointState, Event), AlreadyThere> {
    match (state, change) {
        (EndpointState::Active, EndpointChange::Pause) => Ok((
            EndpointState::Paused,
            Event::WebhookPaused {
                webhook: endpoint,
                failing: false,
            },
        )),
        (EndpointState::Paused, EndpointChange::Resume) => Ok((
            EndpointState::Active,
            Event::WebhookResumed { webhook: endpoint },
        )),
        (state, _) => Err(AlreadyThere(state)),
    }
}

/// An endpoint's address: `https://` anywhere, or `http://` on this
/// machine's loopback only (a receiver beside the server, or a test's).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EndpointUrl(String);

/// Why an address cannot be an endpoint's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("an address of at most {URL_MAX} characters")]
    TooLong,
    #[error("an address starting https://")]
    NotHttps,
    #[error("an address with a host name and no password in it")]
    Malformed,
}

impl EndpointUrl {
    pub fn parse(text: &str) -> Result<EndpointUrl, UrlError> {
        let text = text.trim();
        if text.len() > URL_MAX {
            return Err(UrlError::TooLong);
        }
        let (rest, secure) = match (text.strip_prefix("https://"), text.strip_prefix("http://")) {
            (Some(rest), _) => (rest, true),
            (None, Some(rest)) => (rest, false),
            (None, None) => return Err(UrlError::NotHttps),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => authority.split(':').next().unwrap_or_default(),
        };
        let bad = |c: char| c.is_whitespace() || c.is_control() || c == '@' || c == '\\';
        if host.is_empty() || authority.contains(bad) || text.contains(char::is_whitespace) {
            return Err(UrlError::Malformed);
        }
        if !secure && !matches!(host, "127.0.0.1" | "localhost" | "::1") {
            return Err(UrlError::NotHttps);
        }
        Ok(EndpointUrl(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EndpointUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether an event of `kind` may be subscribed to: every kind the log
/// writes except the webhooks' own, which tell the admins, not a receiver.
pub fn deliverable(kind: &str) -> bool {
    Event::KINDS.contains(&kind) && !kind.starts_with("webhook.")
}

/// The key an endpoint's deliveries are signed with: 32 random bytes,
/// shown to its admins once. Never written to a log.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(pub [u8; 32]);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

/// An endpoint as its admins see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub id: crate::WebhookId,
    pub coop: CoopId,
    pub url: EndpointUrl,
    /// The kinds of event it receives, in the log's names.
    pub kinds: Vec<String>,
    pub state: EndpointState,
    pub created_at: Timestamp,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    /// Waiting for its first try.
    Queued,
    /// Tried and not accepted; tried again when due.
    Failing,
    Delivered,
    /// Not accepted within a day.
    Failed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Queued,
        DeliveryState::Failing,
        DeliveryState::Delivered,
        DeliveryState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Failing => "failing",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the sender still has work to do on it.
    pub fn is_pending(self) -> bool {
        matches!(self, DeliveryState::Queued | DeliveryState::Failing)
    }
}

/// Where a delivery stands: what the sender reads and writes back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryStatus {
    pub state: DeliveryState,
    pub attempts: u32,
    /// When it was queued: the day it is tried counts from here.
    pub queued_at: Timestamp,
    /// When it may next be tried.
    pub due_at: Timestamp,
    /// What the receiver last answered (its status and the start of its
    /// body), or why it could not be reached.
    pub answer: Option<String>,
}

impl DeliveryStatus {
    pub fn queued(at: Timestamp) -> DeliveryStatus {
        DeliveryStatus {
            state: DeliveryState::Queued,
            attempts: 0,
            queued_at: at,
            due_at: at,
            answer: None,
        }
    }
}

/// How one try went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Accepted(String),
    /// Any other answer, or none.
    Refused(String),
}

/// A try on a delivery that was not waiting for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the delivery is {}: nothing is left to try", .0.as_str())]
pub struct NotPending(pub DeliveryState);

/// The wait before try number `attempts + 1`, after `attempts` failures.
pub fn backoff(attempts: u32) -> i64 {
    crate::outbox::doubling_wait(FIRST_RETRY_MS, LONGEST_RETRY_MS, attempts)
}

/// Where a delivery stands after a try at `now`; a delivery that fails
/// for good pauses its endpoint (the caller records
/// [`Event::WebhookPaused`] with `failing: true`).
pub fn after_attempt(
    delivery: &DeliveryStatus,
    attempt: Attempt,
    now: Timestamp,
) -> Result<DeliveryStatus, NotPending> {
    if !delivery.state.is_pending() {
        return Err(NotPending(delivery.state));
    }
    let attempts = delivery.attempts.saturating_add(1);
    let (state, answer, due_at) = match attempt {
        Attempt::Accepted(answer) => (DeliveryState::Delivered, answer, now),
        Attempt::Refused(answer) => {
            let next = now.as_millis().saturating_add(backoff(attempts));
            if next.saturating_sub(delivery.queued_at.as_millis()) > GIVE_UP_MS {
                (DeliveryState::Failed, answer, now)
            } else {
                (DeliveryState::Failing, answer, Timestamp(next))
            }
        }
    };
    Ok(DeliveryStatus {
        state,
        attempts,
        queued_at: delivery.queued_at,
        due_at,
        answer: Some(answer),
    })
}

/// A delivery as the sender claims it: its event, where it goes, and the
/// key it is signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: crate::DeliveryId,
    pub webhook: crate::WebhookId,
    pub coop: CoopId,
    pub url: EndpointUrl,
    pub secret: WebhookSecret,
    pub event: EventSeq,
    pub status: DeliveryStatus,
}

/// A delivery as an endpoint's admins see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryListing {
    pub id: crate::DeliveryId,
    pub event: EventSeq,
    pub kind: String,
    pub status: DeliveryStatus,
    pub delivered_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests;
