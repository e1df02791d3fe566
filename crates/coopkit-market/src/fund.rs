//! The life of a project asking a co-op's fund for its budget:
//!
//! ```text
//! proposed ──vote passes──▶ approved ──fund pays──▶ funded
//!     │
//!     └──vote fails──▶ rejected
//! ```
//!
//! The members decide by a proposal; an approved project waits, as long
//! as it must, for pledges to cover its budget, and is paid once.

use coopkit_domain::{CoopId, Event, PersonId, ProjectId, ProposalId, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectState {
    /// Put to the members' vote.
    Proposed,
    /// Approved; waiting for the fund to hold its budget.
    Approved,
    Funded,
    Rejected,
}

impl ProjectState {
    pub const ALL: [ProjectState; 4] = [
        ProjectState::Proposed,
        ProjectState::Approved,
        ProjectState::Funded,
        ProjectState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectState::Proposed => "proposed",
            ProjectState::Approved => "approved",
            ProjectState::Funded => "funded",
            ProjectState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<ProjectState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether something is still to happen to it: a vote or a payment.
    pub fn is_pending(self) -> bool {
        matches!(self, ProjectState::Proposed | ProjectState::Approved)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectAction {
    /// The members' vote closed.
    Decided { passed: bool },
    /// The fund paid the budget.
    Paid,
}

/// Where a project goes on `action`; `None` when the action does not
/// apply (a second decision, a payment before approval).
pub fn step(state: ProjectState, action: ProjectAction) -> Option<ProjectState> {
    match (state, action) {
        (ProjectState::Proposed, ProjectAction::Decided { passed: true }) => {
            Some(ProjectState::Approved)
        }
        (ProjectState::Proposed, ProjectAction::Decided { passed: false }) => {
            Some(ProjectState::Rejected)
        }
        (ProjectState::Approved, ProjectAction::Paid) => Some(ProjectState::Funded),
        _ => None,
    }
}

/// The event of a step that brought a project to `after`; `None` for
/// proposed, which no step reaches (a project is made proposed).
pub fn event(project: ProjectId, after: ProjectState) -> Option<Event> {
    match after {
        ProjectState::Approved => Some(Event::ProjectApproved { project }),
        ProjectState::Rejected => Some(Event::ProjectRejected { project }),
        ProjectState::Funded => Some(Event::ProjectFunded { project }),
        ProjectState::Proposed => None,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProject {
    pub coop: CoopId,
    pub creator: PersonId,
    pub title: String,
    pub description: String,
    /// In the catalogue currency's smallest unit.
    pub budget: u64,
    pub proposal: ProposalId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub project: NewProject,
    pub creator_name: String,
    pub state: ProjectState,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn action() -> impl Strategy<Value = ProjectAction> {
        prop_oneof![
            any::<bool>().prop_map(|passed| ProjectAction::Decided { passed }),
            Just(ProjectAction::Paid),
        ]
    }

    proptest! {
        /// Whatever arrives in whatever order: a project is decided once,
        /// paid at most once, and only if approved.
        #[test]
        fn projects_are_decided_once_and_paid_only_when_approved(
            actions in proptest::collection::vec(action(), 0..20),
        ) {
            let mut state = ProjectState::Proposed;
            let (mut decided, mut paid, mut approved) = (0, 0, false);
            for action in actions {
                if let Some(next) = step(state, action) {
                    match action {
                        ProjectAction::Decided { passed } => {
                            decided += 1;
                            approved = passed;
                        }
                        ProjectAction::Paid => {
                            prop_assert!(approved);
                            paid += 1;
                        }
                    }
                    prop_assert_ne!(next, ProjectState::Proposed);
                    state = next;
                }
            }
            prop_assert!(decided <= 1 && paid <= 1);
            prop_assert_eq!(state == ProjectState::Funded, paid == 1);
        }
    }

    #[test]
    fn names_round_trip_and_steps_have_events() {
        for state in ProjectState::ALL {
            assert_eq!(ProjectState::parse(state.as_str()), Some(state));
        }
        assert_eq!(
            event(ProjectId(2), ProjectState::Funded).map(|e| e.kind()),
            Some("project.funded")
        );
        assert!(ProjectState::Approved.is_pending());
        assert!(!ProjectState::Rejected.is_pending());
    }
}
