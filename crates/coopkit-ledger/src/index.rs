//! What the journal's index holds beside it: each transfer by id, each
//! account's statement lines, how each hold ended. All of it follows from
//! the journal's events, so it is rebuilt by replaying them, and a
//! [`Recall`] answers from it what a ledger asks about earlier batches.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use coopkit_domain::Timestamp;

use crate::account::AccountId;
use crate::transfer::{Transfer, TransferId, TransferKind};

/// A transfer as the ledger recorded it: what was asked, where it sits in
/// the journal, when, and what it resolved to (a post names its hold's
/// accounts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    pub transfer: Transfer,
    /// The sequence number of the batch that holds it.
    pub seq: u64,
    /// Its place among that batch's events, from 0.
    pub index: u32,
    pub timestamp: Timestamp,
    pub debit: AccountId,
    pub credit: AccountId,
    /// What moved (a move or post), or was held or released.
    pub amount: u64,
}

impl TransferRecord {
    /// What this transfer did to `account`'s posted balance: a move or a
    /// post adds to the credited account and takes from the debited one;
    /// a hold or a void changes only what is pending.
    pub fn posted_change(&self, account: AccountId) -> i128 {
        let moved = match self.transfer.kind {
            TransferKind::Move { .. } | TransferKind::Post { .. } => i128::from(self.amount),
            TransferKind::Hold { .. } | TransferKind::Void { .. } => 0,
        };
        if self.credit == account {
            moved
        } else if self.debit == account {
            -moved
        } else {
            0
        }
    }
}

/// Where a hold stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HoldStatus {
    Open,
    Posted,
    Voided,
    Expired,
}

impl HoldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldStatus::Open => "open",
            HoldStatus::Posted => "posted",
            HoldStatus::Voided => "voided",
            HoldStatus::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<HoldStatus> {
        [
            HoldStatus::Open,
            HoldStatus::Posted,
            HoldStatus::Voided,
            HoldStatus::Expired,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// One line of an account's statement: a transfer to or from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub account: AccountId,
    /// Its place in the account's history, from 1: a statement's cursor.
    pub position: u64,
    pub transfer: TransferId,
    pub seq: u64,
    pub index: u32,
    /// The account's posted balance just after it (within ±`AMOUNT_MAX`).
    pub balance_after: i128,
    /// The last batch before `seq` with a line of this account: a
    /// statement walks back through these, one batch at a time.
    pub previous_seq: Option<u64>,
}

/// Where an account's statement ends: how many lines it has, the last
/// batch with one of them and the batch with a line before that.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementHead {
    pub lines: u64,
    pub last_seq: Option<u64>,
    pub previous_seq: Option<u64>,
}

/// What a batch adds to the indexes kept beside the journal: its new
/// transfers, a statement line for each account each touches, and the
/// holds it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchIndex {
    pub transfers: Vec<TransferRecord>,
    pub lines: Vec<Line>,
    pub endings: Vec<(TransferId, HoldStatus)>,
}

/// A transfer an earlier batch committed, as far as judging a new event
/// needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Past {
    pub record: TransferRecord,
    /// `Some` when it made a hold: where the hold stands now.
    pub hold: Option<HoldStatus>,
}

/// What earlier batches did with an id. A ledger asks only about the ids a
/// batch names, so an answer may come from a lookup made for the batch.
pub trait Recall {
    fn recall(&self, id: TransferId) -> Option<&Past>;
}

/// Transfers looked up for one batch.
impl Recall for HashMap<TransferId, Past> {
    fn recall(&self, id: TransferId) -> Option<&Past> {
        self.get(&id)
    }
}
