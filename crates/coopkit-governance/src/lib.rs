//! Counting votes, as a tool anyone can check: ballots come in (and go
//! out) as BLT files, the format of OpenSTV and Droop, and every count
//! records each round: who had how many votes, who was elected or
//! excluded, and why.
//!
//! Votes are integers in hundred-thousandths ([`Votes`]), the fixed point
//! of the Scottish STV rules, so counts are exact and the same everywhere.

pub mod blt;
pub mod count;
pub mod decision;
pub mod forecast;
pub mod proposal;

pub use blt::{Ballot, Election, ParseError};
pub use count::{count, Action, Method, Outcome, Round, Votes};
pub use decision::{decide, Choice, ClassRules, ClassTally, ClassWeight, Decision, Rule};
pub use forecast::{Forecast, ForecastAction, ForecastRefusal, ForecastState, NewForecast};
pub use proposal::{
    Comment, Enactment, NewProposal, Proposal, ProposalKind, ProposalState, RollEntry, StoredBallot,
};
