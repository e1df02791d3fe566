//! The one place where value moves in coopkit.
//!
//! A double-entry ledger in the manner of TigerBeetle: integer amounts,
//! accounts with a debit limit (mutual credit) and a balance cap,
//! idempotent transfers with client-chosen ids, two-phase transfers
//! (pending, then post or void, or expiry), and linked chains that commit
//! all or nothing. Every committed batch extends a SHA-256 hash chain, so
//! an exported journal can be checked offline by anyone.
//!
//! This crate holds state in memory and does no I/O: the store persists
//! what [`Ledger::apply`] accepted, and [`journal::verify`] replays a
//! journal to check it. Invariant, checked by property tests: in every
//! currency, posted balances sum to zero and pending debits equal pending
//! credits.

pub mod account;
pub mod checkpoint;
pub mod currency;
pub mod journal;
pub mod ledger;
pub mod policy;
pub mod request;
pub mod schedule;
pub mod transfer;

pub use account::{Account, AccountId, AccountOwner, Balances, CoopAccount, CurrencyCode, Limit};
pub use currency::{Currency, CurrencyKind, CurrencyRules};
pub use journal::{BatchRecord, Event, Hash};
pub use ledger::{Applied, BatchOutcome, HoldStatus, Ledger, Totals, TransferRecord, BATCH_MAX};
pub use transfer::{Refusal, Transfer, TransferId, TransferKind, AMOUNT_MAX, HOLD_TIMEOUT_MAX_MS};
