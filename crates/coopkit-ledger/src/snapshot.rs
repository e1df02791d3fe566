//! A ledger's state at a batch, to persist: loading a co-op reads the
//! newest snapshot and replays only the batches after it. Written in a
//! fixed order, so the same state always gives the same snapshot, and
//! `coopkit ledger verify` can compare one with its own replay.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::account::{Account, Balances, CurrencyCode};
use crate::index::StatementHead;
use crate::journal::Hash;
use crate::ledger::{Entry, Ledger, OpenHold, Totals};
use crate::seal::SealKey;
use crate::transfer::TransferId;

/// An account as a snapshot holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    pub account: Account,
    pub balances: Balances,
    pub lines: StatementHead,
}

/// Everything a [`Ledger`] holds, after batch `next_seq - 1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub next_seq: u64,
    pub head: Hash,
    /// By id.
    pub accounts: Vec<AccountState>,
    /// Open holds, by id.
    pub holds: Vec<(TransferId, OpenHold)>,
    pub totals: BTreeMap<CurrencyCode, Totals>,
}

impl Ledger {
    /// The ledger's state, to persist.
    pub fn snapshot(&self) -> Snapshot {
        let mut accounts: Vec<AccountState> = self
            .accounts
            .values()
            .map(|entry| AccountState {
                account: entry.account.clone(),
                balances: entry.balances,
                lines: entry.lines,
            })
            .collect();
        accounts.sort_by_key(|a| a.account.id);
        let mut holds: Vec<_> = self.holds.iter().map(|(id, hold)| (*id, *hold)).collect();
        holds.sort_by_key(|(id, _)| *id);
        Snapshot {
            next_seq: self.next_seq,
            head: self.head,
            accounts,
            holds,
            totals: self.totals.clone(),
        }
    }

    /// The ledger a snapshot was taken of, sealing with `seal` (which a
    /// snapshot does not hold: it is the co-op's secret).
    pub fn from_snapshot(snapshot: Snapshot, seal: SealKey) -> Ledger {
        Ledger {
            accounts: snapshot
                .accounts
                .into_iter()
                .map(|a| {
                    let entry = Entry {
                        account: a.account,
                        balances: a.balances,
                        lines: a.lines,
                    };
                    (entry.account.id, entry)
                })
                .collect(),
            holds: snapshot.holds.into_iter().collect(),
            totals: snapshot.totals,
            head: snapshot.head,
            next_seq: snapshot.next_seq,
            seal,
        }
    }
}
