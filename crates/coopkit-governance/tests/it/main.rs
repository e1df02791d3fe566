//! Counting, without a database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod blt;
mod counts;
mod decisions;
mod reference;
