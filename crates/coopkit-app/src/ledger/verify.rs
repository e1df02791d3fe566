//! The operator's check of a co-op's ledger (`coopkit ledger verify`):
//! the journal replayed from its first batch, each snapshot the writer
//! kept compared with the replay at its batch, since a load trusts the
//! newest snapshot instead of replaying what came before it, and the
//! index compared with the replay batch by batch (`index_check.rs`).

use coopkit_ledger::journal::Broken;
use coopkit_ledger::{Ledger, UsedIds};
use coopkit_store::StoreError;

use super::loading::{self, snapshot_ledger, REPLAY_BATCHES};
use super::planning::CoopLedger;
use super::plays::PlayCounts;
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
    /// Replays a co-op's journal from its first batch, a few batches read
    /// at a time, checking each snapshot kept and the index against it;
    /// the ledger it rebuilds (balances, not history), or what is wrong.
    ///
    /// It holds what the writer holds: the ledger's state, a filter of the
    /// ids used, and where the ids since the newest snapshot sit. Earlier
    /// transfers an event names are looked up in the index, whose rows for
    /// each batch are checked against the replay when it reaches that
    /// batch, before any later batch relies on them.
    pub async fn verify_ledger(&self, slug: &str) -> Result<Result<Ledger, LedgerProblem>> {
        let coop = self.coop(slug).await?;
        let key = seal_key(&self.store, coop.id).await?;
        let snapshots = self.store.ledger_snapshots(coop.id, i64::MAX).await?;
        // The index holds every id up to the newest snapshot.
        let indexed_to = snapshots.iter().map(|(seq, _)| *seq).max();
        let currencies = self.store.currencies(coop.id).await?;
        let ledger = Ledger::new(key);
        let mut replay = CoopLedger::new(ledger, currencies, PlayCounts::default(), UsedIds::new());
        loop {
            let batches = self
                .store
                .ledger_batches(coop.id, replay.ledger.next_seq(), REPLAY_BATCHES)
                .await?;
            if batches.is_empty() {
                break;
            }
            for batch in &batches {
                let index = match loading::replay_next(&self.store, coop.id, &mut replay, batch)
                    .await
                {
                    Ok(Ok(index)) => index,
                    Ok(Err(broken)) => return Ok(Err(LedgerProblem::Journal(broken))),
                    Err(StoreError::Corrupt(what)) => return Ok(Err(LedgerProblem::Index(what))),
                    Err(error) => return Err(error.into()),
                };
                let indexed = indexed_to.is_some_and(|seq| batch.seq <= seq);
                let disagreement = self
                    .batch_index_disagreement(coop.id, batch.seq, &index, indexed)
                    .await?;
                if let Some(place) = disagreement {
                    return Ok(Err(LedgerProblem::Index(place)));
                }
                replay.note_committed(&batch.events, &index);
                if indexed {
                    // From here on the index answers for this batch's ids.
                    replay.committed(batch.seq, Some(batch.seq));
                }
                for (seq, state) in snapshots.iter().filter(|(seq, _)| *seq == batch.seq) {
                    let kept = match snapshot_ledger(state) {
                        Ok(kept) => kept,
                        Err(reason) => {
                            return Ok(Err(LedgerProblem::SnapshotUnreadable { seq: *seq, reason }))
                        }
                    };
                    if kept != replay.ledger.snapshot() {
                        return Ok(Err(LedgerProblem::Snapshot { seq: *seq }));
                    }
                }
            }
        }
        if let Some((seq, _)) = snapshots
            .iter()
            .find(|(seq, _)| *seq >= replay.ledger.next_seq())
        {
            return Ok(Err(LedgerProblem::SnapshotBeyondJournal { seq: *seq }));
        }
        if let Some(place) = self
            .open_holds_disagreement(coop.id, &replay.ledger)
            .await?
        {
            return Ok(Err(LedgerProblem::Index(place)));
        }
        Ok(Ok(replay.ledger))
    }

    /// Lets go of a co-op's ledger in memory, keeping a snapshot first, as
    /// the writer does with a co-op left idle.
    pub async fn let_go_of_ledger(&self, slug: &str) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.ledger.let_go(coop.id).await
    }
}
