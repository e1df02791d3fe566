//! The one place where value moves in coopkit.
//!
//! A double-entry ledger in the manner of TigerBeetle: integer amounts,
//! accounts with a debit limit (mutual credit) and a balance cap,
//! idempotent transfers with client-chosen ids, two-phase transfers
//! (pending, then post or void, or expiry), and linked chains that commit
//! all or nothing. Every committed batch extends a SHA-256 hash chain, so
//! an exported journal can be checked offline by anyone; the journal
//! members download is sealed ([`seal`]), so that checking it reveals no
//! member's name or memo.
//!
//! This crate does no I/O: a [`Ledger`] holds in memory what judging the
//! next event needs (bounded by accounts and open holds, not by history),
//! the store persists what [`Ledger::apply`] accepted with its index, and
//! [`journal::replay`] replays a journal into a [`MemoryLedger`] to check
//! it. Invariant, checked by property tests: in every
//! currency, posted balances sum to zero and pending debits equal pending
//! credits.

/// Serde for fixed-size byte arrays as hex strings.
macro_rules! hex_serde {
    ($type:ident, $len:literal, $what:literal) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&hex::encode(self.0))
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(deserializer)?;
                let mut bytes = [0u8; $len];
                hex::decode_to_slice(&text, &mut bytes)
                    .map_err(|_| serde::de::Error::custom($what))?;
                Ok($type(bytes))
            }
        }
    };
}

/// `Display` and `FromStr` as hex for a key of 32 bytes; `$code` is the
/// error of text that is not 64 hex digits.
macro_rules! hex_text {
    ($type:ident, $code:literal) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl std::str::FromStr for $type {
            type Err = &'static str;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| $code)?;
                Ok($type(bytes))
            }
        }
    };
}

pub mod account;
pub mod auditor;
pub mod checkpoint;
pub mod currency;
pub mod history;
pub mod index;
pub mod journal;
pub mod ledger;
pub mod offline;
pub mod policy;
pub mod request;
pub mod schedule;
pub mod seal;
pub mod snapshot;
pub mod transfer;
pub mod used_ids;

pub use account::{Account, AccountId, AccountOwner, Balances, CoopAccount, CurrencyCode, Limit};
pub use currency::{Currency, CurrencyKind, CurrencyRules};
pub use history::MemoryLedger;
pub use index::{BatchIndex, Line, Past, Recall, StatementHead};
pub use journal::{BatchRecord, Event, Hash, PublishedBatch};
pub use ledger::{Applied, BatchOutcome, HoldStatus, Ledger, Totals, TransferRecord, BATCH_MAX};
pub use seal::{Opening, SealKey, SealedEvent};
pub use snapshot::Snapshot;
pub use transfer::{Refusal, Transfer, TransferId, TransferKind, AMOUNT_MAX, HOLD_TIMEOUT_MAX_MS};
pub use used_ids::UsedIds;
