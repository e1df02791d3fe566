//! The life of a proposal put to the members:
//!
//! ```text
//! scheduled ──opening time──▶ open ──closing time──▶ closed
//! ```
//!
//! Nobody moves a proposal by hand: the clock does, and whoever reads a
//! proposal first brings it up to the clock ([`due`]). Opening freezes the
//! roll; closing counts the ballots and erases what could tie a ballot to
//! its voter. Members vote while it is open and before its closing time,
//! and comment until it closes.

use coopkit_domain::{AllocationId, CoopId, PersonId, ProposalId, Timestamp};
use serde::{Deserialize, Serialize};

/// What a proposal decides, as the bylaws of most co-ops name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    Motion,
    /// A change to the bylaws' settings.
    Bylaw,
    Budget,
    Election,
    /// A year's surplus shared out; made only by closing a year.
    Allocation,
}

impl ProposalKind {
    pub const ALL: [ProposalKind; 5] = [
        ProposalKind::Motion,
        ProposalKind::Bylaw,
        ProposalKind::Budget,
        ProposalKind::Election,
        ProposalKind::Allocation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalKind::Motion => "motion",
            ProposalKind::Bylaw => "bylaw",
            ProposalKind::Budget => "budget",
            ProposalKind::Election => "election",
            ProposalKind::Allocation => "allocation",
        }
    }

    pub fn parse(text: &str) -> Option<ProposalKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Any member may put a motion or a bylaw change; elections, budgets
    /// and allocations are the board's to put.
    pub fn open_to_members(self) -> bool {
        matches!(self, ProposalKind::Motion | ProposalKind::Bylaw)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Made; voting has not opened.
    Scheduled,
    Open,
    /// Counted; its result is recorded.
    Closed,
}

impl ProposalState {
    pub const ALL: [ProposalState; 3] = [
        ProposalState::Scheduled,
        ProposalState::Open,
        ProposalState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Scheduled => "scheduled",
            ProposalState::Open => "open",
            ProposalState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<ProposalState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What a closed vote on a rule change came to for the change itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enactment {
    /// Approved, and the rules changed.
    Enacted,
    Rejected,
}

impl Enactment {
    pub const ALL: [Enactment; 2] = [Enactment::Enacted, Enactment::Rejected];

    /// What a vote that `passed` (or not) does to the change it decides.
    pub fn of(passed: bool) -> Enactment {
        if passed {
            Enactment::Enacted
        } else {
            Enactment::Rejected
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Enactment::Enacted => "enacted",
            Enactment::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Enactment> {
        Self::ALL.into_iter().find(|e| e.as_str() == text)
    }
}

/// A proposal's times, as milliseconds of the server's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub opens_at_ms: i64,
    pub closes_at_ms: i64,
}

/// What the clock does to a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Open voting and freeze the roll.
    Open,
    /// Count the ballots, record the result, erase the voter tags.
    Close,
}

impl Transition {
    pub fn to(self) -> ProposalState {
        match self {
            Transition::Open => ProposalState::Open,
            Transition::Close => ProposalState::Closed,
        }
    }
}

/// The next step the clock owes a proposal at `now_ms`, if any. A
/// proposal both due to open and to close opens first: its roll must be
/// frozen before it can be counted.
pub fn due(state: ProposalState, schedule: Schedule, now_ms: i64) -> Option<Transition> {
    match state {
        ProposalState::Scheduled if schedule.opens_at_ms <= now_ms => Some(Transition::Open),
        ProposalState::Open if schedule.closes_at_ms <= now_ms => Some(Transition::Close),
        _ => None,
    }
}

/// Whether a member on the roll may vote (or change their vote) now.
pub fn may_vote(state: ProposalState, schedule: Schedule, now_ms: i64) -> bool {
    state == ProposalState::Open && now_ms < schedule.closes_at_ms
}

/// Whether members may still comment.
pub fn may_comment(state: ProposalState) -> bool {
    state != ProposalState::Closed
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProposal {
    pub coop: CoopId,
    pub author: PersonId,
    pub title: String,
    pub body: String,
    pub kind: ProposalKind,
    pub method: String,
    /// JSON, as the governance crate writes it.
    pub rules: String,
    pub options: Vec<String>,
    pub seats: u32,
    pub class_key: Option<String>,
    pub quorum_percent: u32,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    pub seed: u64,
    pub allocation: Option<AllocationId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub id: ProposalId,
    pub proposal: NewProposal,
    pub state: ProposalState,
    /// JSON, once closed.
    pub result: Option<String>,
    pub created_at: Timestamp,
}

/// A ballot as stored: no voter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBallot {
    pub class_key: String,
    pub choice: String,
    pub reason: String,
    pub receipt_hash: Vec<u8>,
}

/// One line of the roll: who may vote, in which class. Not whether or
/// when they voted, which would tie them to their ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollEntry {
    pub person: PersonId,
    pub class_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub author: PersonId,
    pub author_name: String,
    pub body: String,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Read at any times in order, a proposal opens once, then closes
        /// once, each no earlier than its time, and voting is possible
        /// only in between.
        #[test]
        fn proposals_open_once_then_close_once(
            opens in 0i64..1000,
            length in 1i64..1000,
            mut reads in proptest::collection::vec(0i64..3000, 0..30),
        ) {
            reads.sort_unstable();
            let schedule = Schedule { opens_at_ms: opens, closes_at_ms: opens + length };
            let mut state = ProposalState::Scheduled;
            let (mut opened, mut closed) = (0, 0);
            for now in reads {
                // Catching up may take both steps at one read.
                while let Some(step) = due(state, schedule, now) {
                    match step {
                        Transition::Open => {
                            prop_assert!(now >= schedule.opens_at_ms);
                            prop_assert_eq!(closed, 0);
                            opened += 1;
                        }
                        Transition::Close => {
                            prop_assert!(now >= schedule.closes_at_ms);
                            prop_assert_eq!(opened, 1);
                            closed += 1;
                        }
                    }
                    state = step.to();
                }
                if may_vote(state, schedule, now) {
                    prop_assert!(now >= schedule.opens_at_ms && now < schedule.closes_at_ms);
                }
            }
            prop_assert!(opened <= 1 && closed <= 1);
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in ProposalKind::ALL {
            assert_eq!(ProposalKind::parse(kind.as_str()), Some(kind));
        }
        for state in ProposalState::ALL {
            assert_eq!(ProposalState::parse(state.as_str()), Some(state));
        }
        for enactment in Enactment::ALL {
            assert_eq!(Enactment::parse(enactment.as_str()), Some(enactment));
        }
        assert_eq!(Enactment::of(true), Enactment::Enacted);
        assert_eq!(ProposalKind::parse("referendum"), None);
        assert!(ProposalKind::Motion.open_to_members());
        assert!(!ProposalKind::Election.open_to_members());
    }

    #[test]
    fn closed_proposals_take_no_comments_or_votes() {
        let schedule = Schedule {
            opens_at_ms: 10,
            closes_at_ms: 20,
        };
        assert!(may_comment(ProposalState::Open));
        assert!(!may_comment(ProposalState::Closed));
        assert!(may_vote(ProposalState::Open, schedule, 19));
        assert!(!may_vote(ProposalState::Open, schedule, 20));
        assert!(!may_vote(ProposalState::Scheduled, schedule, 15));
    }
}
