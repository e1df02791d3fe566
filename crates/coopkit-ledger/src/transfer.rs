//! Transfers as clients submit them, and why one may be refused.

use serde::{Deserialize, Serialize};

use crate::account::AccountId;

/// A transfer's id, chosen by the client so that a retry after a lost
/// answer cannot pay twice. Zero is never an id. Written in JSON as a
/// decimal string, since JavaScript numbers lose precision past 2^53.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TransferId(pub u128);

impl Serialize for TransferId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TransferId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map(TransferId).map_err(|_| {
            serde::de::Error::custom("a transfer id is a decimal number below 2^128, as a string")
        })
    }
}

impl TransferId {
    /// The id of a transfer the server makes on behalf of something with a
    /// name (a month's issuance, a booking's hold): the first 128 bits of
    /// the name's SHA-256, so doing the same thing twice names the same
    /// transfer and the ledger's idempotency makes it happen once.
    pub fn derived(name: &str) -> TransferId {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(name.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        TransferId(u128::from_be_bytes(bytes).max(1))
    }
}

impl std::fmt::Display for TransferId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a transfer does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum TransferKind {
    /// Moves `amount` from the debit account to the credit account now.
    Move {
        debit: AccountId,
        credit: AccountId,
        amount: u64,
    },
    /// Holds `amount`: it counts against both accounts' limits but moves
    /// nothing until posted. Lapses `timeout_ms` after it was made, if set.
    Hold {
        debit: AccountId,
        credit: AccountId,
        amount: u64,
        timeout_ms: Option<u64>,
    },
    /// Posts a hold, in full or for part of its amount (the rest is
    /// released).
    Post {
        pending: TransferId,
        amount: Option<u64>,
    },
    /// Releases a hold without moving anything.
    Void { pending: TransferId },
}

impl TransferKind {
    /// The kind's name, as written in the journal.
    pub fn name(&self) -> &'static str {
        match self {
            TransferKind::Move { .. } => "move",
            TransferKind::Hold { .. } => "hold",
            TransferKind::Post { .. } => "post",
            TransferKind::Void { .. } => "void",
        }
    }
}

/// A transfer as submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub id: TransferId,
    #[serde(flatten)]
    pub kind: TransferKind,
    /// When true, this transfer and the next one in the batch stand or
    /// fall together; a chain ends at the first transfer without it.
    #[serde(default)]
    pub linked: bool,
    /// Free text for people: "Friday evening, 3 hours".
    #[serde(default)]
    pub memo: String,
    /// What caused the transfer, for machines: `booking:42`, `dues:2026-11`.
    #[serde(default)]
    pub cause: String,
}

/// The largest amount of one transfer: what a signed 64-bit column holds,
/// on every database coopkit runs on.
pub const AMOUNT_MAX: u64 = i64::MAX as u64;

/// The longest a hold may wait before it lapses: 2^32 − 1 seconds (about
/// 136 years), the bound TigerBeetle puts on a pending transfer's timeout.
pub const HOLD_TIMEOUT_MAX_MS: u64 = u32::MAX as u64 * 1000;

/// The longest memo or cause, in bytes.
pub const TEXT_MAX_BYTES: usize = 256;

/// Why a transfer was refused. Each has a stable code for programs and
/// translations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Refusal {
    #[error("the id must not be zero")]
    IdZero,
    #[error("the amount must be more than zero")]
    AmountZero,
    #[error("the amount is larger than 9223372036854775807")]
    AmountTooLarge,
    #[error("the debit and credit accounts are the same")]
    SameAccount,
    #[error("the debit account does not exist")]
    DebitAccountUnknown,
    #[error("the credit account does not exist")]
    CreditAccountUnknown,
    #[error("the debit account is closed")]
    DebitAccountClosed,
    #[error("the credit account is closed")]
    CreditAccountClosed,
    #[error("the two accounts hold different currencies")]
    CurrencyMismatch,
    #[error("the debit account would go past its debit limit")]
    ExceedsDebitLimit,
    #[error("the credit account would go past its balance cap")]
    ExceedsBalanceCap,
    #[error("a transfer with this id exists with different fields")]
    ExistsWithDifferentFields,
    #[error("no hold with this id exists")]
    PendingNotFound,
    #[error("the referenced transfer is not a hold")]
    NotPending,
    #[error("the hold was already posted")]
    PendingAlreadyPosted,
    #[error("the hold was already voided")]
    PendingAlreadyVoided,
    #[error("the hold expired")]
    PendingExpired,
    #[error("the amount to post is more than the hold")]
    PostExceedsPending,
    #[error("the memo or cause is longer than 256 bytes")]
    TextTooLong,
    #[error("another transfer in its linked chain was refused")]
    LinkedEventFailed,
    #[error("the batch ends inside a linked chain")]
    LinkedChainOpen,
    #[error("the batch is larger than the maximum")]
    BatchTooLarge,
    #[error("an account with this id exists with different fields")]
    AccountExists,
    #[error("no account with this id exists")]
    AccountUnknown,
    #[error("the account still has a balance or holds")]
    AccountNotEmpty,
    #[error("a limit is larger than 9223372036854775807")]
    LimitTooLarge,
    #[error("a hold's timeout is longer than 2^32 − 1 seconds")]
    TimeoutTooLarge,
    #[error("a balance would pass ±9223372036854775807, holds counted")]
    BalanceOutOfRange,
}

impl Refusal {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::IdZero => "id-zero",
            Refusal::AmountZero => "amount-zero",
            Refusal::AmountTooLarge => "amount-too-large",
            Refusal::SameAccount => "same-account",
            Refusal::DebitAccountUnknown => "debit-account-unknown",
            Refusal::CreditAccountUnknown => "credit-account-unknown",
            Refusal::DebitAccountClosed => "debit-account-closed",
            Refusal::CreditAccountClosed => "credit-account-closed",
            Refusal::CurrencyMismatch => "currency-mismatch",
            Refusal::ExceedsDebitLimit => "exceeds-debit-limit",
            Refusal::ExceedsBalanceCap => "exceeds-balance-cap",
            Refusal::ExistsWithDifferentFields => "exists-with-different-fields",
            Refusal::PendingNotFound => "pending-not-found",
            Refusal::NotPending => "not-pending",
            Refusal::PendingAlreadyPosted => "pending-already-posted",
            Refusal::PendingAlreadyVoided => "pending-already-voided",
            Refusal::PendingExpired => "pending-expired",
            Refusal::PostExceedsPending => "post-exceeds-pending",
            Refusal::TextTooLong => "text-too-long",
            Refusal::LinkedEventFailed => "linked-event-failed",
            Refusal::LinkedChainOpen => "linked-chain-open",
            Refusal::BatchTooLarge => "batch-too-large",
            Refusal::AccountExists => "account-exists",
            Refusal::AccountUnknown => "account-unknown",
            Refusal::AccountNotEmpty => "account-not-empty",
            Refusal::LimitTooLarge => "limit-too-large",
            Refusal::TimeoutTooLarge => "timeout-too-large",
            Refusal::BalanceOutOfRange => "balance-out-of-range",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_read_and_write_as_json() {
        let json = r#"{"id":"340282366920938463463374607431768211455","kind":"move","debit":1,"credit":2,"amount":30,"linked":false,"memo":"sitting","cause":"booking:7"}"#;
        let transfer: Transfer = serde_json::from_str(json).unwrap();
        assert_eq!(transfer.id, TransferId(u128::MAX));
        assert_eq!(
            transfer.kind,
            TransferKind::Move {
                debit: AccountId(1),
                credit: AccountId(2),
                amount: 30
            }
        );
        assert_eq!(serde_json::to_string(&transfer).unwrap(), json);
        assert!(
            serde_json::from_str::<Transfer>(r#"{"id":"-1","kind":"void","pending":"1"}"#).is_err()
        );
    }
}
