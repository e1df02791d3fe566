//! The `coopkit` binary as people run it: as a subprocess, with real
//! flags, real files and real signals.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod commands;
mod crash;
mod crash_two_servers;
mod demo_directory;
mod guide;
mod ledger_commands;
mod mail;
mod support;
