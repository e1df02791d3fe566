//! The life of a year's allocation once computed:
//!
//! ```text
//! proposed ──members approve, chain posted──▶ posted
//!     │
//!     └──members reject──▶ rejected
//! ```
//!
//! It is put to the members as a proposal; when that vote closes it is
//! posted as one linked chain of ledger transfers, or set aside. Either
//! happens once.

use coopkit_domain::{AllocationId, Event};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationState {
    /// Computed and put to the members' vote.
    Proposed,
    /// Approved, and its transfers are in the ledger.
    Posted,
    Rejected,
}

impl AllocationState {
    pub const ALL: [AllocationState; 3] = [
        AllocationState::Proposed,
        AllocationState::Posted,
        AllocationState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AllocationState::Proposed => "proposed",
            AllocationState::Posted => "posted",
            AllocationState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<AllocationState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where a proposed allocation goes when its vote has closed: `None` if
/// it is no longer proposed (settled already, by this server or another).
pub fn settle(state: AllocationState, passed: bool) -> Option<AllocationState> {
    match (state, passed) {
        (AllocationState::Proposed, true) => Some(AllocationState::Posted),
        (AllocationState::Proposed, false) => Some(AllocationState::Rejected),
        _ => None,
    }
}

/// The event of the step that brought an allocation to `after`; `None`
/// for proposed, which no step reaches (an allocation is made proposed).
pub fn event(allocation: AllocationId, after: AllocationState) -> Option<Event> {
    match after {
        AllocationState::Posted => Some(Event::AllocationPosted { allocation }),
        AllocationState::Rejected => Some(Event::AllocationRejected { allocation }),
        AllocationState::Proposed => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// However many servers close the same vote, an allocation is
        /// settled once, and posted only if the vote passed.
        #[test]
        fn an_allocation_is_settled_once(votes in proptest::collection::vec(any::<bool>(), 0..10)) {
            let mut state = AllocationState::Proposed;
            let mut settled = 0;
            let first = votes.first().copied();
            for passed in votes {
                if let Some(next) = settle(state, passed) {
                    settled += 1;
                    state = next;
                }
            }
            prop_assert!(settled <= 1);
            match first {
                Some(true) => prop_assert_eq!(state, AllocationState::Posted),
                Some(false) => prop_assert_eq!(state, AllocationState::Rejected),
                None => prop_assert_eq!(state, AllocationState::Proposed),
            }
        }
    }

    #[test]
    fn names_round_trip_and_settling_has_its_event() {
        for state in AllocationState::ALL {
            assert_eq!(AllocationState::parse(state.as_str()), Some(state));
        }
        assert_eq!(
            event(AllocationId(4), AllocationState::Posted).map(|e| e.kind()),
            Some("allocation.posted")
        );
        assert_eq!(event(AllocationId(4), AllocationState::Proposed), None);
    }
}
