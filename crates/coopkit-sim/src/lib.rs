//! The token-policy simulator: a babysitting co-op, week by week, to test
//! a co-op's token rules before its members live them.
//!
//! Families want evenings out, keep a reserve of tokens they would rather
//! not spend, sit for others more willingly the further below that reserve
//! they are, and have only some evenings free. Their tokens live in
//! coopkit's real [`coopkit_ledger::Ledger`] (in memory, with its limits and
//! caps) and sits are found by the real matching engine or by first-come
//! asking ([`coopkit_market::matching`]), so what the simulator shows is
//! what the software would do. The model and its assumptions are in
//! `docs/simulation.md`.
//!
//! Deterministic: the same [`Params`] (seed included) give the same weeks
//! on every machine.

pub mod chart;
pub mod metrics;
pub mod model;
pub mod params;
pub mod report;
pub mod runs;

pub use metrics::{gini, Summary, Week};
pub use model::{Run, Simulation};
pub use params::{MatchingRule, ParamError, Params, PolicyName, Rules};
pub use runs::{
    compare, compare_policies, repeat, Alternative, Comparison, Estimate, Repeated, WeekMean,
};
