//! A forecast of a change to a currency's token rules: what the simulator
//! said would happen, made by a member, put beside a proposal, and kept
//! with what the vote decided, so a co-op can look back at its forecasts.

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    pub id: ForecastId,
    pub forecast: NewForecast,
    pub proposal: Option<ProposalId>,
    /// What the vote decided, once the proposal's vote has closed.
    pub outcome: Option<Enactment>,
    pub created_at: Timestamp,
}
