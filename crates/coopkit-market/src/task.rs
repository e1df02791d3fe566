//! The life of a task with a bounty:
//!
//! ```text
//! open ──claim──▶ claimed ──deliver──▶ delivered ──accept──▶ accepted
//!   ▲                │                     │
//!   └────release─────┴─────────────────────┘   (a coordinator)
//! ```
//!
//! Claiming holds the bounty in the ledger until the deadline, under an
//! id of its own per claim, so a released claim and the next one never
//! collide; accepting posts it; releasing voids it. After the deadline
//! nothing more is claimed or delivered, and the ledger lets an unposted
//! hold lapse by itself. [`step`] decides; the caller carries out the
//! [`TaskEffect`] and stores the new facts.

use coopkit_domain::{CoopId, Event, PersonId, TaskId, Timestamp};
use coopkit_ledger::CurrencyCode;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Open,
    Claimed,
    Delivered,
    Accepted,
}

impl TaskState {
    pub const ALL: [TaskState; 4] = [
        TaskState::Open,
        TaskState::Claimed,
        TaskState::Delivered,
        TaskState::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Claimed => "claimed",
            TaskState::Delivered => "delivered",
            TaskState::Accepted => "accepted",
        }
    }

    pub fn parse(text: &str) -> Option<TaskState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What [`step`] needs to know of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskFacts {
    pub state: TaskState,
    pub poster: PersonId,
    pub claimant: Option<PersonId>,
    /// How many times it was claimed: each claim holds under its own id.
    pub claims: i64,
    pub deadline: Timestamp,
}

/// Who acts: a member, and whether they coordinate the co-op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskActor {
    pub person: PersonId,
    pub coordinator: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskAction {
    Claim,
    Deliver,
    Accept,
    /// A coordinator lets the claim go: the hold is released and anyone
    /// may claim the task again.
    Release,
}

impl TaskAction {
    pub const ALL: [TaskAction; 4] = [
        TaskAction::Claim,
        TaskAction::Deliver,
        TaskAction::Accept,
        TaskAction::Release,
    ];

    /// The action's name in paths and translation keys (`task-claim`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskAction::Claim => "claim",
            TaskAction::Deliver => "deliver",
            TaskAction::Accept => "accept",
            TaskAction::Release => "release",
        }
    }

    pub fn parse(text: &str) -> Option<TaskAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// What the ledger must do for a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEffect {
    None,
    /// Hold the bounty for this claim (its number) until the deadline.
    HoldBounty {
        claim: i64,
    },
    /// Pay the held bounty of the current claim.
    PostBounty,
    /// Release the held bounty of the current claim.
    VoidBounty,
}

/// A task after a step, and what the ledger must do for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskStep {
    pub facts: TaskFacts,
    pub effect: TaskEffect,
}

/// Why a step on a task is refused. Each has a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TaskRefusal {
    #[error("the task is not in a state that allows this")]
    WrongState,
    #[error("the deadline has passed")]
    Expired,
    #[error("members cannot claim their own task")]
    OwnTask,
    #[error("only the member who claimed the task delivers it")]
    ClaimantDelivers,
    #[error("only a coordinator who did not do the work may do that")]
    CoordinatorsOnly,
}

impl TaskRefusal {
    pub fn code(self) -> &'static str {
        match self {
            TaskRefusal::WrongState => "task-wrong-state",
            TaskRefusal::Expired => "task-expired",
            TaskRefusal::OwnTask => "task-own",
            TaskRefusal::ClaimantDelivers => "claimant-delivers",
            TaskRefusal::CoordinatorsOnly => "coordinators-only",
        }
    }

    /// Whether the actor may never do this (rather than not now).
    pub fn is_forbidden(self) -> bool {
        matches!(
            self,
            TaskRefusal::ClaimantDelivers | TaskRefusal::CoordinatorsOnly
        )
    }
}

/// Applies `action` by `actor` at `now`, or says why not.
pub fn step(
    facts: TaskFacts,
    actor: TaskActor,
    action: TaskAction,
    now: Timestamp,
) -> Result<TaskStep, TaskRefusal> {
    use TaskState as S;
    let before_deadline = now < facts.deadline;
    let to = |state, claimant, claims, effect| {
        Ok(TaskStep {
            facts: TaskFacts {
                state,
                claimant,
                claims,
                ..facts
            },
            effect,
        })
    };
    match (facts.state, action) {
        (S::Open, TaskAction::Claim) => {
            if !before_deadline {
                return Err(TaskRefusal::Expired);
            }
            if facts.poster == actor.person {
                return Err(TaskRefusal::OwnTask);
            }
            let claim = facts.claims + 1;
            to(
                S::Claimed,
                Some(actor.person),
                claim,
                TaskEffect::HoldBounty { claim },
            )
        }
        (S::Claimed, TaskAction::Deliver) => {
            if facts.claimant != Some(actor.person) {
                return Err(TaskRefusal::ClaimantDelivers);
            }
            if !before_deadline {
                return Err(TaskRefusal::Expired);
            }
            to(S::Delivered, facts.claimant, facts.claims, TaskEffect::None)
        }
        (S::Delivered, TaskAction::Accept) => {
            if !actor.coordinator || facts.claimant == Some(actor.person) {
                return Err(TaskRefusal::CoordinatorsOnly);
            }
            // The hold lapsed at the deadline: there is nothing to pay.
            if !before_deadline {
                return Err(TaskRefusal::Expired);
            }
            to(
                S::Accepted,
                facts.claimant,
                facts.claims,
                TaskEffect::PostBounty,
            )
        }
        (S::Claimed | S::Delivered, TaskAction::Release) => {
            if !actor.coordinator {
                return Err(TaskRefusal::CoordinatorsOnly);
            }
            to(S::Open, None, facts.claims, TaskEffect::VoidBounty)
        }
        _ => Err(TaskRefusal::WrongState),
    }
}

/// What `actor` may do with the task now: the same rule as [`step`], so
/// a page offers exactly the steps that would be accepted.
pub fn allowed(facts: TaskFacts, actor: TaskActor, now: Timestamp) -> Vec<TaskAction> {
    TaskAction::ALL
        .into_iter()
        .filter(|action| step(facts, actor, *action, now).is_ok())
        .collect()
}

/// The event of a step, told from the task's facts before and after it.
/// A claim whose bounty could not be held is put back to open, which is
/// recorded as a release.
pub fn event(task: TaskId, before: &TaskFacts, after: &TaskFacts) -> Event {
    match (before.state, after.state, after.claimant) {
        (TaskState::Open, TaskState::Claimed, Some(claimant)) => {
            Event::TaskClaimed { task, claimant }
        }
        (_, TaskState::Delivered, _) => Event::TaskDelivered { task },
        (_, TaskState::Accepted, _) => Event::TaskAccepted { task },
        _ => Event::TaskReleased { task },
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTask {
    pub coop: CoopId,
    pub posted_by: PersonId,
    pub from_fund: bool,
    pub title: String,
    pub description: String,
    pub currency: CurrencyCode,
    pub bounty: u64,
    pub deadline: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub task: NewTask,
    pub state: TaskState,
    pub claimed_by: Option<PersonId>,
    /// How many times it was claimed: each claim holds under its own id.
    pub claims: i64,
    pub created_at: Timestamp,
}

impl Task {
    /// What the task's rules need to know of it.
    pub fn facts(&self) -> TaskFacts {
        TaskFacts {
            state: self.state,
            poster: self.task.posted_by,
            claimant: self.claimed_by,
            claims: self.claims,
            deadline: self.task.deadline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOUR: i64 = 3_600_000;
    const POSTER: PersonId = PersonId(1);
    const DEADLINE: Timestamp = Timestamp(100 * HOUR);

    fn open() -> TaskFacts {
        TaskFacts {
            state: TaskState::Open,
            poster: POSTER,
            claimant: None,
            claims: 0,
            deadline: DEADLINE,
        }
    }

    fn actor() -> impl Strategy<Value = TaskActor> {
        (1i64..5, any::<bool>()).prop_map(|(person, coordinator)| TaskActor {
            person: PersonId(person),
            coordinator,
        })
    }

    fn action() -> impl Strategy<Value = TaskAction> {
        prop::sample::select(TaskAction::ALL.to_vec())
    }

    proptest! {
        /// Whoever does whatever, whenever: each claim holds once under a
        /// new number, a bounty is paid at most once and only to work
        /// delivered by its claimant and accepted by someone else, and
        /// nobody claims their own task.
        #[test]
        fn bounties_are_held_per_claim_and_paid_once(
            steps in proptest::collection::vec((actor(), action(), 0i64..120), 0..40),
        ) {
            let mut facts = open();
            let mut paid = 0;
            let mut held_claims = Vec::new();
            for (who, action, hours) in steps {
                let now = Timestamp(hours * HOUR);
                let allowed = allowed(facts, who, now);
                match step(facts, who, action, now) {
                    Ok(next) => {
                        prop_assert!(allowed.contains(&action));
                        match next.effect {
                            TaskEffect::HoldBounty { claim } => {
                                prop_assert!(now < DEADLINE);
                                prop_assert_ne!(who.person, POSTER);
                                prop_assert!(!held_claims.contains(&claim));
                                held_claims.push(claim);
                            }
                            TaskEffect::PostBounty => {
                                prop_assert_eq!(facts.state, TaskState::Delivered);
                                prop_assert!(now < DEADLINE);
                                prop_assert!(who.coordinator);
                                prop_assert_ne!(Some(who.person), facts.claimant);
                                paid += 1;
                            }
                            TaskEffect::VoidBounty => prop_assert!(who.coordinator),
                            TaskEffect::None => {}
                        }
                        let recorded = event(TaskId(9), &facts, &next.facts);
                        prop_assert_eq!(recorded.subject().to_string(), "task:9");
                        facts = next.facts;
                    }
                    Err(_) => prop_assert!(!allowed.contains(&action)),
                }
            }
            prop_assert!(paid <= 1);
            if paid == 1 {
                prop_assert_eq!(facts.state, TaskState::Accepted);
            }
        }
    }

    #[test]
    fn a_claim_delivered_and_accepted_is_recorded_step_by_step() {
        let claimant = TaskActor {
            person: PersonId(2),
            coordinator: false,
        };
        let coordinator = TaskActor {
            person: PersonId(3),
            coordinator: true,
        };
        let now = Timestamp(HOUR);
        let open = open();
        let claimed = step(open, claimant, TaskAction::Claim, now).unwrap();
        assert_eq!(claimed.effect, TaskEffect::HoldBounty { claim: 1 });
        assert_eq!(
            event(TaskId(9), &open, &claimed.facts),
            Event::TaskClaimed {
                task: TaskId(9),
                claimant: PersonId(2)
            }
        );
        let delivered = step(claimed.facts, claimant, TaskAction::Deliver, now).unwrap();
        assert_eq!(
            allowed(delivered.facts, coordinator, now),
            vec![TaskAction::Accept, TaskAction::Release]
        );
        assert_eq!(
            step(delivered.facts, claimant, TaskAction::Accept, now),
            Err(TaskRefusal::CoordinatorsOnly)
        );
        let accepted = step(delivered.facts, coordinator, TaskAction::Accept, now).unwrap();
        assert_eq!(accepted.effect, TaskEffect::PostBounty);
        assert_eq!(
            event(TaskId(9), &delivered.facts, &accepted.facts).kind(),
            "task.accepted"
        );
        assert_eq!(
            step(open, claimant, TaskAction::Claim, DEADLINE),
            Err(TaskRefusal::Expired)
        );
    }
}
