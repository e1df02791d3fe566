//! Use cases against real databases, without HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod catalogue;
mod directory;
mod dispatch;
mod events;
mod forecasts;
mod founding;
mod governance;
mod holds;
mod ledger_memory;
mod market;

mod patronage;
mod plays;
mod policy;
mod reminders;
mod requests;
mod support;
mod tasks;
mod two_writers;
mod uploads;
mod views;
