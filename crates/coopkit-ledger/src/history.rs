//! A ledger that keeps its whole history in memory: what replaying a
//! downloaded journal, the simulator and the tests use. The server keeps
//! the same history in the database instead, beside the journal, and
//! holds only a [`Ledger`] in memory; a [`MemoryLedger`] is the model its
//! index must agree with.

use std::collections::HashMap;
use std::ops::Deref;

use coopkit_domain::Timestamp;

use crate::account::AccountId;
use crate::index::{BatchIndex, Line, Past, Recall};
use crate::journal::{self, BatchRecord, Broken, Event, PublishedBatch};
use crate::ledger::{BatchOutcome, HoldStatus, Ledger, TransferRecord};
use crate::seal::{Opening, SealKey};
use crate::transfer::{TransferId, TransferKind};

/// Every transfer and statement line a ledger has made.
#[derive(Clone, Debug, Default)]
pub struct History {
    transfers: HashMap<TransferId, Past>,
    lines: HashMap<AccountId, Vec<Line>>,
}

impl Recall for History {
    fn recall(&self, id: TransferId) -> Option<&Past> {
        self.transfers.get(&id)
    }
}

impl History {
    /// Every transfer's id, in no order.
    pub fn transfer_ids(&self) -> impl Iterator<Item = TransferId> + '_ {
        self.transfers.keys().copied()
    }

    /// What a transfer did, as a [`Recall`] answers it.
    pub fn past(&self, id: TransferId) -> Option<&Past> {
        self.transfers.get(&id)
    }

    /// Adds what a batch made.
    pub fn remember(&mut self, index: &BatchIndex) {
        remember_transfers(&mut self.transfers, index, |_| true);
        for line in &index.lines {
            self.lines.entry(line.account).or_default().push(*line);
        }
    }
}

/// Adds to `transfers` what a batch made of those that `keep` says, and
/// how the holds among them ended.
pub(crate) fn remember_transfers(
    transfers: &mut HashMap<TransferId, Past>,
    index: &BatchIndex,
    keep: impl Fn(TransferId) -> bool,
) {
    for record in index.transfers.iter().filter(|r| keep(r.transfer.id)) {
        let hold =
            matches!(record.transfer.kind, TransferKind::Hold { .. }).then_some(HoldStatus::Open);
        let past = Past {
            record: record.clone(),
            hold,
        };
        transfers.insert(record.transfer.id, past);
    }
    for (id, how) in &index.endings {
        if let Some(past) = transfers.get_mut(id) {
            past.hold = Some(*how);
        }
    }
}

/// A [`Ledger`] that remembers everything it applied.
#[derive(Clone, Debug)]
pub struct MemoryLedger {
    ledger: Ledger,
    history: History,
}

/// A memory ledger answers everything a ledger does.
impl Deref for MemoryLedger {
    type Target = Ledger;

    fn deref(&self) -> &Ledger {
        &self.ledger
    }
}

impl MemoryLedger {
    /// An empty ledger, sealing its batches with `seal`.
    pub fn new(seal: SealKey) -> MemoryLedger {
        MemoryLedger {
            ledger: Ledger::new(seal),
            history: History::default(),
        }
    }

    /// Applies a batch, as [`Ledger::apply`], recalling from and adding to
    /// this ledger's history.
    pub fn apply(&mut self, events: Vec<Event>, now: Timestamp) -> BatchOutcome {
        let outcome = self.ledger.apply(events, now, &self.history);
        self.history.remember(&outcome.index);
        outcome
    }

    /// Applies a stored batch after checking it, as
    /// [`journal::replay_batch`] does.
    pub fn replay_batch(&mut self, line: usize, batch: &BatchRecord) -> Result<(), Broken> {
        let index = journal::replay_batch(&mut self.ledger, line, batch, &self.history)?;
        self.history.remember(&index);
        Ok(())
    }

    /// Applies a published batch after checking it, as
    /// [`journal::replay_published`] does.
    pub fn replay_published(
        &mut self,
        line: usize,
        batch: &PublishedBatch,
        openings: &[Opening],
    ) -> Result<(), Broken> {
        let index =
            journal::replay_published(&mut self.ledger, line, batch, openings, &self.history)?;
        self.history.remember(&index);
        Ok(())
    }

    /// What this ledger remembers, as a [`Recall`].
    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn transfer(&self, id: TransferId) -> Option<&TransferRecord> {
        self.history.transfers.get(&id).map(|past| &past.record)
    }

    /// Where the hold made by transfer `id` stands; `None` when `id` is
    /// not a hold.
    pub fn hold_status(&self, id: TransferId) -> Option<HoldStatus> {
        self.history.transfers.get(&id).and_then(|past| past.hold)
    }

    /// A page of an account's statement, newest first: up to `limit`
    /// lines at positions up to `before` (from the newest when `None`),
    /// and the position to continue from, if there is more.
    pub fn statement(
        &self,
        account: AccountId,
        before: Option<u64>,
        limit: usize,
    ) -> (Vec<(&Line, &TransferRecord)>, Option<u64>) {
        let Some(lines) = self.history.lines.get(&account) else {
            return (Vec::new(), None);
        };
        let end = before.map_or(lines.len(), |b| {
            usize::try_from(b).unwrap_or(usize::MAX).min(lines.len())
        });
        let start = end.saturating_sub(limit);
        let page = lines[start..end]
            .iter()
            .rev()
            .filter_map(|line| Some((line, self.transfer(line.transfer)?)))
            .collect();
        (page, (start > 0).then_some(start as u64))
    }
}
