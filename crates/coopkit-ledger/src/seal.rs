//! The journal as published: sealed. Each event's personal parts (a
//! transfer's memo and cause, the person who owns an account) are replaced
//! by a salted commitment, and the chain's hashes cover the commitments,
//! not the text. Anyone holding the sealed journal can check the chain,
//! every balance and every checkpoint, and read no memo and no owner.
//!
//! **Salts.** Event `i` of batch `seq` is salted with
//! `SHA-256("coopkit-journal-salt-v1\0" ‖ key ‖ seq ‖ i)`, `seq` as 8
//! bytes and `i` as 4, big-endian, where `key` is the co-op's
//! [`SealKey`]: 32 random bytes the server keeps with the co-op and never
//! publishes. The key is a fixed-length prefix of a fixed-length message,
//! so SHA-256's length extension cannot make another salt. Deriving salts
//! rather than storing one per event keeps the stored journal as it was,
//! and ten million transfers 32 bytes lighter each.
//!
//! **Commitments.** `SHA-256("coopkit-journal-commitment-v1\0" ‖ salt ‖
//! private bytes)`, the private bytes being, for a transfer, the memo's
//! length (4 bytes, big-endian) and UTF-8 bytes, then the cause's; for a
//! member's account, `member` and the person's id (8 bytes, big-endian).
//! An [`Opening`] (an event's salt and its text) shows what one
//! commitment hides and nothing about any other; without the salt, a
//! guess at a memo cannot be checked.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use coopkit_domain::PersonId;

use crate::account::{Account, AccountId, AccountOwner, CoopAccount, CurrencyCode, Limit};
use crate::journal::Event;
use crate::transfer::{Transfer, TransferId, TransferKind};

const SALT_DOMAIN: &[u8] = b"coopkit-journal-salt-v1\0";
const COMMITMENT_DOMAIN: &[u8] = b"coopkit-journal-commitment-v1\0";

/// A co-op's secret for salting its journal's commitments.
#[derive(Clone, PartialEq, Eq)]
pub struct SealKey([u8; 32]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Whoever has the key can test guesses at every memo.
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    /// A key from 32 secret bytes, which the caller draws from the
    /// operating system's random source.
    pub fn from_bytes(bytes: [u8; 32]) -> SealKey {
        SealKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The salt of event `index` of batch `seq`.
    pub fn salt(&self, seq: u64, index: usize) -> Salt {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let mut hasher = Sha256::new();
        hasher.update(SALT_DOMAIN);
        hasher.update(self.0);
        hasher.update(seq.to_be_bytes());
        hasher.update(index.to_be_bytes());
        Salt(hasher.finalize().into())
    }
}

/// An event's salt, written as 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Salt(pub [u8; 32]);

/// A salted commitment to an event's personal parts, written as 64 hex
/// digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commitment(pub [u8; 32]);

hex_serde!(Salt, 32, "a salt is 64 hex digits");
hex_serde!(Commitment, 32, "a commitment is 64 hex digits");

/// What a commitment hides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Private {
    Transfer { memo: String, cause: String },
    Owner { owner: PersonId },
}

impl Private {
    pub fn commit(&self, salt: &Salt) -> Commitment {
        match self {
            Private::Transfer { memo, cause } => commit_texts(salt, memo, cause),
            Private::Owner { owner } => commit_owner(salt, *owner),
        }
    }
}

fn hasher(salt: &Salt) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(COMMITMENT_DOMAIN);
    hasher.update(salt.0);
    hasher
}

fn commit_texts(salt: &Salt, memo: &str, cause: &str) -> Commitment {
    let mut hasher = hasher(salt);
    for text in [memo, cause] {
        let length = u32::try_from(text.len()).unwrap_or(u32::MAX);
        hasher.update(length.to_be_bytes());
        hasher.update(text.as_bytes());
    }
    Commitment(hasher.finalize().into())
}

fn commit_owner(salt: &Salt, owner: PersonId) -> Commitment {
    let mut hasher = hasher(salt);
    hasher.update(b"member");
    hasher.update(owner.0.to_be_bytes());
    Commitment(hasher.finalize().into())
}

/// An event's salt and what its commitment hides: enough to check it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// The event's index in its batch.
    pub event: u32,
    pub salt: Salt,
    #[serde(flatten)]
    pub private: Private,
}

/// An event as the published journal has it: the same, but for its
/// personal parts, each replaced by their commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum SealedEvent {
    OpenAccount(SealedAccount),
    SetLimits {
        account: AccountId,
        debit_limit: Limit,
        balance_cap: Limit,
    },
    CloseAccount {
        account: AccountId,
    },
    Transfer(SealedTransfer),
    Expire {
        pending: TransferId,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedAccount {
    pub id: AccountId,
    pub currency: CurrencyCode,
    pub owner: SealedOwner,
    pub debit_limit: Limit,
    pub balance_cap: Limit,
    pub closed: bool,
}

/// An account's owner: the co-op's own accounts are named, members' are
/// not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum SealedOwner {
    Coop { id: CoopAccount },
    Member { private: Commitment },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedTransfer {
    pub id: TransferId,
    #[serde(flatten)]
    pub kind: TransferKind,
    #[serde(default)]
    pub linked: bool,
    pub private: Commitment,
}

impl Event {
    /// What the event hides in the published journal, if anything.
    pub fn private(&self) -> Option<Private> {
        match self {
            Event::Transfer(transfer) => Some(Private::Transfer {
                memo: transfer.memo.clone(),
                cause: transfer.cause.clone(),
            }),
            Event::OpenAccount(Account {
                owner: AccountOwner::Member(person),
                ..
            }) => Some(Private::Owner { owner: *person }),
            _ => None,
        }
    }

    /// The event as published, event `index` of batch `seq`.
    pub fn sealed(&self, key: &SealKey, seq: u64, index: usize) -> SealedEvent {
        let salt = || key.salt(seq, index);
        match self {
            Event::OpenAccount(account) => SealedEvent::OpenAccount(SealedAccount {
                id: account.id,
                currency: account.currency.clone(),
                owner: match account.owner {
                    AccountOwner::Coop(id) => SealedOwner::Coop { id },
                    AccountOwner::Member(person) => SealedOwner::Member {
                        private: commit_owner(&salt(), person),
                    },
                },
                debit_limit: account.debit_limit,
                balance_cap: account.balance_cap,
                closed: account.closed,
            }),
            Event::SetLimits {
                account,
                debit_limit,
                balance_cap,
            } => SealedEvent::SetLimits {
                account: *account,
                debit_limit: *debit_limit,
                balance_cap: *balance_cap,
            },
            Event::CloseAccount { account } => SealedEvent::CloseAccount { account: *account },
            Event::Transfer(transfer) => SealedEvent::Transfer(SealedTransfer {
                id: transfer.id,
                kind: transfer.kind.clone(),
                linked: transfer.linked,
                private: commit_texts(&salt(), &transfer.memo, &transfer.cause),
            }),
            Event::Expire { pending } => SealedEvent::Expire { pending: *pending },
        }
    }

    /// The opening of event `index` of batch `seq`, if it hides anything.
    pub fn opening(&self, key: &SealKey, seq: u64, index: usize) -> Option<Opening> {
        Some(Opening {
            event: u32::try_from(index).unwrap_or(u32::MAX),
            salt: key.salt(seq, index),
            private: self.private()?,
        })
    }
}

/// The person a member's account is replayed as when its owner is sealed:
/// no person has id 0, and owners play no part in judging a transfer.
pub const SEALED_OWNER: PersonId = PersonId(0);

impl SealedEvent {
    /// The commitment the event carries, if any.
    pub fn commitment(&self) -> Option<Commitment> {
        match self {
            SealedEvent::Transfer(transfer) => Some(transfer.private),
            SealedEvent::OpenAccount(SealedAccount {
                owner: SealedOwner::Member { private },
                ..
            }) => Some(*private),
            _ => None,
        }
    }

    /// The event to replay: with what `opened` says it hides, or, sealed,
    /// with empty texts and [`SEALED_OWNER`] (neither changes whether
    /// the event is allowed).
    pub fn unsealed(&self, opened: Option<&Private>) -> Event {
        match self {
            SealedEvent::OpenAccount(account) => Event::OpenAccount(Account {
                id: account.id,
                currency: account.currency.clone(),
                owner: match (account.owner, opened) {
                    (SealedOwner::Coop { id }, _) => AccountOwner::Coop(id),
                    (SealedOwner::Member { .. }, Some(Private::Owner { owner })) => {
                        AccountOwner::Member(*owner)
                    }
                    (SealedOwner::Member { .. }, _) => AccountOwner::Member(SEALED_OWNER),
                },
                debit_limit: account.debit_limit,
                balance_cap: account.balance_cap,
                closed: account.closed,
            }),
            SealedEvent::SetLimits {
                account,
                debit_limit,
                balance_cap,
            } => Event::SetLimits {
                account: *account,
                debit_limit: *debit_limit,
                balance_cap: *balance_cap,
            },
            SealedEvent::CloseAccount { account } => Event::CloseAccount { account: *account },
            SealedEvent::Transfer(transfer) => {
                let (memo, cause) = match opened {
                    Some(Private::Transfer { memo, cause }) => (memo.clone(), cause.clone()),
                    _ => (String::new(), String::new()),
                };
                Event::Transfer(Transfer {
                    id: transfer.id,
                    kind: transfer.kind.clone(),
                    linked: transfer.linked,
                    memo,
                    cause,
                })
            }
            SealedEvent::Expire { pending } => Event::Expire { pending: *pending },
        }
    }
}
