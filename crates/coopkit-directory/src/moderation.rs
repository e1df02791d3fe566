//! The life of what waits for a moderator: a pair the linker doubts, or
//! an edit someone suggested.
//!
//! ```text
//! open ──accepted──▶ accepted
//!   └───rejected───▶ rejected
//! ```
//!
//! Each is decided once; a second moderator deciding the same one a
//! moment later is told it was decided.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Open,
    Accepted,
    Rejected,
}

impl ReviewState {
    pub const ALL: [ReviewState; 3] = [
        ReviewState::Open,
        ReviewState::Accepted,
        ReviewState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Open => "open",
            ReviewState::Accepted => "accepted",
            ReviewState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What a moderator's answer makes of an open review or edit.
pub fn decided(accepted: bool) -> ReviewState {
    if accepted {
        ReviewState::Accepted
    } else {
        ReviewState::Rejected
    }
}

/// Where a review or edit goes when a moderator decides; `None` when it
/// was decided already.
pub fn decide(state: ReviewState, accepted: bool) -> Option<ReviewState> {
    (state == ReviewState::Open).then(|| decided(accepted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_is_decided_once_as_the_first_moderator_said() {
        for first in [true, false] {
            let decided = decide(ReviewState::Open, first).unwrap();
            assert_eq!(decided == ReviewState::Accepted, first);
            for second in [true, false] {
                assert_eq!(decide(decided, second), None);
            }
        }
        for state in ReviewState::ALL {
            assert_eq!(ReviewState::parse(state.as_str()), Some(state));
        }
    }
}
