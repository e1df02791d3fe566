//! Requests for help: a member asks for a kind of work at a time and
//! place, the matching engine offers it to providers, and a provider's yes
//! books it. Also who invited whom, for referral bonuses.

use coopkit_domain::{BookingId, CoopId, HelpRequestId, PersonId, Timestamp};

use crate::matching::Point;
use crate::Window;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequest {
    pub coop: CoopId,
    pub requester: PersonId,
    pub category: String,
    pub window: Window,
    pub place: Point,
    /// A language code, or empty for any.
    pub language: String,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRequest {
    pub id: HelpRequestId,
    pub request: NewRequest,
    /// The booking that answered it; `None` while open.
    pub booking: Option<BookingId>,
    pub created_at: Timestamp,
}

/// The engine's offer of a request to a provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub request: HelpRequestId,
    pub provider: PersonId,
    /// Why, as the engine said it: `favourite, near 800 m`.
    pub reasons: String,
    /// `offered`, `accepted` or `declined`.
    pub answer: String,
}

/// Who invited whom into a co-op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referral {
    pub person: PersonId,
    pub referrer: PersonId,
    pub rewarded: bool,
    pub created_at: Timestamp,
}
