//! The operator's check of a co-op's ledger (`coopkit ledger verify`):
//! the journal replayed from its first batch, each snapshot the writer
//! kept compared with the replay at its batch, since a load trusts the
//! newest snapshot instead of replaying what came before it, and the
//! index compared with the replay (`index_check.rs`).

use coopkit_ledger::journal::Broken;
use coopkit_ledger::MemoryLedger;

use super::loading::snapshot_ledger;
use super::sealing::seal_key;
use crate::{App, Result};

/// Why a co-op's stored ledger does not hold.
#[derive(Debug, thiserror::Error)]
pub enum LedgerProblem {
    #[error("the journal does not verify: {0}")]
    Journal(Broken),
    #[error("the snapshot after batch {seq} does not agree with the journal")]
    Snapshot { seq: u64 },
    #[error("the snapshot after batch {seq} does not read: {reason}")]
    SnapshotUnreadable { seq: u64, reason: String },
    #[error("there is a snapshot after batch {seq}, beyond the journal")]
    SnapshotBeyondJournal { seq: u64 },
    #[error(
        "the index disagrees with the journal ({0}); `coopkit ledger verify --repair` rebuilds it"
    )]
    Index(String),
}

impl App {
    /// Replays a co-op's journal from its first batch, checking every
    /// snapshot kept against it; the ledger it rebuilds, or what is wrong.
    pub async fn verify_ledger(&self, slug: &str) -> Result<Result<MemoryLedger, LedgerProblem>> {
        let coop = self.coop(slug).await?;
        let key = seal_key(&self.store, coop.id).await?;
        let journal = self.store.ledger_journal(coop.id).await?;
        let snapshots = self.store.ledger_snapshots(coop.id, i64::MAX).await?;
        let mut ledger = MemoryLedger::new(key);
        for (line, batch) in journal.iter().enumerate() {
            if let Err(broken) = ledger.replay_batch(line + 1, batch) {
                return Ok(Err(LedgerProblem::Journal(broken)));
            }
            for (seq, state) in snapshots.iter().filter(|(seq, _)| *seq == batch.seq) {
                let kept = match snapshot_ledger(state) {
                    Ok(kept) => kept,
                    Err(reason) => {
                        return Ok(Err(LedgerProblem::SnapshotUnreadable { seq: *seq, reason }))
                    }
                };
                if kept != ledger.snapshot() {
                    return Ok(Err(LedgerProblem::Snapshot { seq: *seq }));
                }
            }
        }
        if let Some((seq, _)) = snapshots.iter().find(|(seq, _)| *seq >= ledger.next_seq()) {
            return Ok(Err(LedgerProblem::SnapshotBeyondJournal { seq: *seq }));
        }
        let newest = snapshots.iter().map(|(seq, _)| *seq).max();
        if let Some(place) = self.index_disagreement(coop.id, &ledger, newest).await? {
            return Ok(Err(LedgerProblem::Index(place)));
        }
        Ok(Ok(ledger))
    }

    /// Lets go of a co-op's ledger in memory, keeping a snapshot first, as
    /// the writer does with a co-op left idle.
    pub async fn let_go_of_ledger(&self, slug: &str) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.ledger.let_go(coop.id).await
    }
}
