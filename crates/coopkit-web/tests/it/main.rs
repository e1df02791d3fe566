//! The web layer's tests against a real server on port 0, on SQLite and on
//! PostgreSQL. One binary; each area is a module.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod account_changes;
mod api;
mod audit_log;
mod browser;
mod catalogue;
mod catalogue_api;
mod clients;
mod coop_profile;
mod directory;
mod directory_edits;
mod fixtures;
mod forecasts;
mod founding;
mod fund_api;
mod governance_api;
mod help_api;
mod home;
mod isolation;
mod ledger;
mod listening;
mod mail;
mod market;
mod market_api;
mod moderators;
mod notation;
mod own_account;
mod pages;
mod password_reset;
mod patronage_api;
mod places;
mod proposals;
mod providers_api;
mod robustness;
mod roles;
mod settlement;
mod standing;
mod tasks_api;
mod threads;
mod webhooks;
mod zones;
