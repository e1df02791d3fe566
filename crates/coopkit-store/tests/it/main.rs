//! The store's story: every method, on SQLite and on PostgreSQL, through
//! the same assertions. One binary for every store test (see STYLE.md).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod directory;
mod events;
mod ledger;
mod story;
mod upgrades;
