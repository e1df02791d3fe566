//! `coopkit bench ...`: measurements as commands, each printing what it
//! measured (as JSON with `--json`). Results go in BENCHMARKS.md.

pub mod ledger;
pub mod matching;
