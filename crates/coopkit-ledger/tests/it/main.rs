//! The ledger's rules and invariants, without a database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod invariants;
mod offline;
mod rules;
mod support;
