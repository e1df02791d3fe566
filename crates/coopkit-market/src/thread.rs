//! The thread on a booking: what its two sides write to each other, in
//! plain text and in order. Nobody else writes in it, and strangers never
//! read it; the co-op's coordinators read it while the booking is
//! disputed, since that is when they must judge what was agreed.

use crate::booking::{BookingState, Party};

/// The longest message, in characters.
pub const MESSAGE_MAX: usize = 2000;

/// A message as it is kept: trimmed, not empty, at most [`MESSAGE_MAX`]
/// characters, with no control characters but line breaks and tabs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(text: &str) -> Result<MessageBody, &'static str> {
        let text = text.trim();
        if text.is_empty() {
            return Err("message-empty");
        }
        if text.chars().count() > MESSAGE_MAX {
            return Err("too-long");
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err("message-control");
        }
        Ok(MessageBody(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `party` reads the thread of a booking in `state`.
pub fn may_read(party: Party, state: BookingState) -> bool {
    match party {
        Party::Requester | Party::Provider => true,
        Party::Coordinator => state == BookingState::Disputed,
        Party::Clock => false,
    }
}

/// Whether `party` writes in the thread: the two sides only, in any state
/// (to arrange a booking, or to thank for one).
pub fn may_write(party: Party) -> bool {
    matches!(party, Party::Requester | Party::Provider)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PARTIES: [Party; 4] = [
        Party::Requester,
        Party::Provider,
        Party::Coordinator,
        Party::Clock,
    ];

    proptest! {
        #[test]
        fn who_writes_reads_and_coordinators_read_only_disputes(
            party in proptest::sample::select(&PARTIES[..]),
            state in proptest::sample::select(&BookingState::ALL[..]),
        ) {
            if may_write(party) {
                prop_assert!(may_read(party, state));
            }
            if party == Party::Coordinator {
                prop_assert!(!may_write(party));
                prop_assert_eq!(may_read(party, state), state == BookingState::Disputed);
            }
            prop_assert!(!may_read(Party::Clock, state));
        }

        #[test]
        fn a_body_is_kept_trimmed_and_within_bounds(text in "\\PC{0,2100}") {
            match MessageBody::parse(&text) {
                Ok(body) => {
                    prop_assert_eq!(body.as_str(), text.trim());
                    prop_assert!(!body.as_str().is_empty());
                    prop_assert!(body.as_str().chars().count() <= MESSAGE_MAX);
                }
                Err(code) => prop_assert!(
                    text.trim().is_empty() || text.trim().chars().count() > MESSAGE_MAX,
                    "{code} for {text:?}"
                ),
            }
        }
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_kept() {
        assert_eq!(
            MessageBody::parse("Tuesday?\nAt ten.").map(|b| b.as_str().to_owned()),
            Ok("Tuesday?\nAt ten.".to_owned())
        );
        assert_eq!(MessageBody::parse("bell\u{7}"), Err("message-control"));
        assert_eq!(MessageBody::parse("  \n "), Err("message-empty"));
    }
}
