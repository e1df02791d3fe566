//! Requests for help: a member asks for a kind of work at a time and
//! place, the matching engine offers it to providers, and a provider's yes
//! books it. Also who invited whom, for referral bonuses.

use coopkit_domain::{BookingId, CoopId, HelpRequestId, PersonId, Timestamp};

use crate::matching::Point;
use crate::Window;

/// Where the engine's offer of a request to one provider stands: each
/// offer is answered once, and only a yes books.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OfferAnswer {
    Offered,
    Accepted,
    Declined,
}

impl OfferAnswer {
    pub const ALL: [OfferAnswer; 3] = [
        OfferAnswer::Offered,
        OfferAnswer::Accepted,
        OfferAnswer::Declined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OfferAnswer::Offered => "offered",
            OfferAnswer::Accepted => "accepted",
            OfferAnswer::Declined => "declined",
        }
    }

    pub fn parse(text: &str) -> Option<OfferAnswer> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The provider's answer: `None` when the offer was answered already.
    pub fn answer(self, yes: bool) -> Option<OfferAnswer> {
        match (self, yes) {
            (OfferAnswer::Offered, true) => Some(OfferAnswer::Accepted),
            (OfferAnswer::Offered, false) => Some(OfferAnswer::Declined),
            _ => None,
        }
    }
}

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
    pub answer: OfferAnswer,
}

/// Who invited whom into a co-op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referral {
    pub person: PersonId,
    pub referrer: PersonId,
    pub rewarded: bool,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_is_answered_once() {
        for yes in [true, false] {
            let answered = OfferAnswer::Offered.answer(yes).unwrap();
            assert_eq!(answered == OfferAnswer::Accepted, yes);
            assert_eq!(answered.answer(true), None);
            assert_eq!(answered.answer(false), None);
        }
        for answer in OfferAnswer::ALL {
            assert_eq!(OfferAnswer::parse(answer.as_str()), Some(answer));
        }
    }
}
