//! A forecast of a change to a currency's token rules: what the simulator
//! said would happen, made by a member, put beside a proposal, and kept
//! with what the vote decided, so a co-op can look back at its forecasts.
//!
//! ```text
//! made ──attach──▶ attached ──settle──▶ settled (enacted or rejected)
//! ```
//!
//! A forecast goes with one proposal, and its vote decides it once.

use coopkit_domain::{CoopId, ForecastId, PersonId, ProposalId, Timestamp};

use crate::Enactment;

/// A forecast as the simulator made it: its settings and its figures are
/// the simulator's JSON, kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewForecast {
    pub coop: CoopId,
    pub currency: String,
    pub params: String,
    pub result: String,
    pub created_by: PersonId,
}

/// Where a forecast stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForecastState {
    Made,
    /// Beside a proposal (the forecast names it), waiting for its vote.
    Attached,
    Settled(Enactment),
}

/// What can happen to a forecast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForecastAction {
    Attach,
    /// The proposal's vote closed with this outcome.
    Settle(Enactment),
}

/// Why a forecast cannot take a step; the code is the Fluent key's and
/// the API's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForecastRefusal {
    /// It is beside a proposal already (or was).
    Attached,
    /// There is no vote to settle it: it was never put to one, or its
    /// vote settled it already.
    NotAwaitingVote,
}

impl ForecastRefusal {
    pub fn code(self) -> &'static str {
        match self {
            ForecastRefusal::Attached => "forecast-attached",
            ForecastRefusal::NotAwaitingVote => "forecast-not-awaiting-vote",
        }
    }
}

/// Where `action` takes a forecast in `state`, or why it cannot.
pub fn step(
    state: ForecastState,
    action: ForecastAction,
) -> Result<ForecastState, ForecastRefusal> {
    use ForecastAction as A;
    use ForecastState as S;
    match (state, action) {
        (S::Made, A::Attach) => Ok(S::Attached),
        (S::Attached | S::Settled(_), A::Attach) => Err(ForecastRefusal::Attached),
        (S::Attached, A::Settle(outcome)) => Ok(S::Settled(outcome)),
        (S::Made | S::Settled(_), A::Settle(_)) => Err(ForecastRefusal::NotAwaitingVote),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    pub id: ForecastId,
    pub forecast: NewForecast,
    pub proposal: Option<ProposalId>,
    /// What the vote decided, once the proposal's vote has closed.
    pub outcome: Option<Enactment>,
    pub created_at: Timestamp,
}

impl Forecast {
    /// Where it stands, from what the store keeps.
    pub fn state(&self) -> ForecastState {
        match (self.proposal, self.outcome) {
            (_, Some(outcome)) => ForecastState::Settled(outcome),
            (Some(_), None) => ForecastState::Attached,
            (None, None) => ForecastState::Made,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn action() -> impl Strategy<Value = ForecastAction> {
        prop_oneof![
            Just(ForecastAction::Attach),
            any::<bool>().prop_map(|passed| ForecastAction::Settle(Enactment::of(passed))),
        ]
    }

    proptest! {
        /// Whatever is tried in whatever order, a forecast is attached at
        /// most once, and settled at most once and only after it was
        /// attached.
        #[test]
        fn attached_once_settled_once(actions in proptest::collection::vec(action(), 0..12)) {
            let mut state = ForecastState::Made;
            let (mut attached, mut settled) = (0, 0);
            for action in actions {
                let Ok(next) = step(state, action) else { continue };
                match (action, next) {
                    (ForecastAction::Attach, ForecastState::Attached) => attached += 1,
                    (ForecastAction::Settle(o), ForecastState::Settled(e)) => {
                        prop_assert_eq!(o, e);
                        prop_assert_eq!(attached, 1);
                        settled += 1;
                    }
                    other => prop_assert!(false, "unexpected step {:?}", other),
                }
                state = next;
            }
            prop_assert!(attached <= 1 && settled <= 1);
        }
    }

    #[test]
    fn the_state_is_read_from_what_is_kept() {
        let forecast = |proposal, outcome| Forecast {
            id: coopkit_domain::ForecastId(1),
            forecast: NewForecast {
                coop: CoopId(1),
                currency: "HOUR".into(),
                params: String::new(),
                result: String::new(),
                created_by: PersonId(1),
            },
            proposal,
            outcome,
            created_at: Timestamp(0),
        };
        assert_eq!(forecast(None, None).state(), ForecastState::Made);
        assert_eq!(
            forecast(Some(ProposalId(2)), None).state(),
            ForecastState::Attached
        );
        assert_eq!(
            forecast(Some(ProposalId(2)), Some(Enactment::Rejected)).state(),
            ForecastState::Settled(Enactment::Rejected)
        );
        assert_eq!(
            step(
                ForecastState::Made,
                ForecastAction::Settle(Enactment::Enacted)
            ),
            Err(ForecastRefusal::NotAwaitingVote)
        );
    }
}
