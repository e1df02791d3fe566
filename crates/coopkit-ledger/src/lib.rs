//! The one place where value moves in coopkit.
//!
//! A double-entry ledger in the manner of TigerBeetle: integer amounts,
//! accounts with a debit limit (mutual credit) and a balance cap,
//! idempotent transfers with client-chosen ids, two-phase transfers
//! (pending, then post or void, or expiry), and linked chains that commit
//! all or nothing. Every committed batch extends a SHA-256 hash chain, so
//! an exported journal can be checked offline by anyone.
//!
//! This crate does no I/O: a [`Ledger`] holds in memory what judging the
//! next event needs (bounded by accounts and open holds, not by history),
//! the store persists what [`Ledger::apply`] accepted with its index, and
//! [`journal::replay`] replays a journal into a [`MemoryLedger`] to check
//! it. Invariant, checked by property tests: in every
//! currency, posted balances sum to zero and pending debits equal pending
//! credits.

pub mod account;
pub mod checkpoint;
pub mod currency;
pub mod history;
pub mod index;
pub mod journal;
pub mod ledger;
pub mod policy;
pub mod request;
pub mod schedule;
pub mod snapshot;
pub mod transfer;

pub use account::{Account, AccountId, AccountOwner, Balances, CoopAccount, CurrencyCode, Limit};
pub use currency::{Currency, CurrencyKind, CurrencyRules};
pub use history::MemoryLedger;
pub use index::{BatchIndex, Line, Past, Recall, StatementHead};
pub use journal::{BatchRecord, Event, Hash};
pub use ledger::{Applied, BatchOutcome, HoldStatus, Ledger, Totals, TransferRecord, BATCH_MAX};
pub use snapshot::Snapshot;
pub use transfer::{Refusal, Transfer, TransferId, TransferKind, AMOUNT_MAX, HOLD_TIMEOUT_MAX_MS};
