//! The marketplace's rules, without a database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod lifecycle;
mod matching;
