//! How a co-op's ledger comes into the writer's memory and leaves it.
//!
//! Loading reads the newest snapshot and replays the batches after it,
//! each checked as `coopkit ledger verify` checks it, with the index
//! answering for earlier batches. A co-op with batches but no snapshot
//! (its journal predates the index, or the index was lost) is replayed
//! from its first batch and its index written again on the way, so the
//! index is always what the journal says. Every `SNAPSHOT_EVERY` events
//! the writer keeps a new snapshot with the batch it commits, so a load
//! never replays more than that; a co-op idle for `IDLE_AFTER` is
//! snapshotted and let go.

use std::time::Duration;

use coopkit_domain::CoopId;
use coopkit_ledger::journal::replay_batch;
use coopkit_ledger::{AccountId, Ledger, Snapshot};
use coopkit_store::Store;
use serde::{Deserialize, Serialize};

use super::planning::CoopLedger;
use super::plays::PlayCounts;
use crate::{AppError, Result};

/// Events committed after which the writer keeps a new snapshot: what a
/// load replays at most.
pub(super) const SNAPSHOT_EVERY: u64 = 500_000;

/// How long a co-op's ledger stays in memory unused.
pub(super) const IDLE_AFTER: Duration = Duration::from_secs(10 * 60);

/// Batches read from the journal at a time while replaying.
const REPLAY_BATCHES: u64 = 32;

/// What a snapshot row holds: the ledger's state, and the plays counted,
/// which only the causes of the journal's transfers record.
#[derive(Serialize, Deserialize)]
struct WriterState {
    ledger: Snapshot,
    plays: Vec<(AccountId, i64, u32)>,
}

impl CoopLedger {
    /// The state to keep as a snapshot after the ledger's last batch.
    pub(super) fn snapshot(&self) -> Result<String> {
        let state = WriterState {
            ledger: self.ledger.snapshot(),
            plays: self.plays.to_vec(),
        };
        serde_json::to_string(&state).map_err(AppError::because("a ledger snapshot"))
    }
}

/// The ledger's part of a stored snapshot.
pub(super) fn snapshot_ledger(state: &str) -> Result<Snapshot, String> {
    serde_json::from_str::<WriterState>(state)
        .map(|state| state.ledger)
        .map_err(|error| error.to_string())
}

/// A co-op's ledger from its newest snapshot and the batches after it.
pub(super) async fn load(store: &Store, coop: CoopId) -> Result<CoopLedger> {
    let snapshot = store.ledger_snapshot(coop).await?;
    let rebuilding = snapshot.is_none();
    let (ledger, plays) = match snapshot {
        Some((seq, state)) => {
            let state: WriterState = serde_json::from_str(&state).map_err(|error| {
                tracing::error!(coop = %coop, seq, %error, "a ledger snapshot does not read");
                AppError::internal("the co-op's ledger snapshot does not read")
            })?;
            (
                Ledger::from_snapshot(state.ledger),
                PlayCounts::from_vec(state.plays),
            )
        }
        None => (Ledger::new(), PlayCounts::default()),
    };
    let currencies = store.currencies(coop).await?;
    let mut loaded = CoopLedger::new(ledger, currencies, plays);
    catch_up(store, coop, &mut loaded, rebuilding).await?;
    if rebuilding && loaded.ledger.next_seq() > 0 {
        let seq = loaded.ledger.next_seq() - 1;
        store
            .add_ledger_snapshot(coop, seq, &loaded.snapshot()?)
            .await?;
        loaded.unsnapshotted = 0;
    }
    Ok(loaded)
}

/// Applies the batches committed after the ledger's last one (by another
/// server, or since its snapshot), writing their index when `reindex`.
pub(super) async fn catch_up(
    store: &Store,
    coop: CoopId,
    held: &mut CoopLedger,
    reindex: bool,
) -> Result<()> {
    loop {
        let batches = store
            .ledger_batches(coop, held.ledger.next_seq(), REPLAY_BATCHES)
            .await?;
        if batches.is_empty() {
            return Ok(());
        }
        for batch in &batches {
            let names = held.ledger.names(&batch.events);
            let past = store.ledger_recall(coop, &names, batch.seq).await?;
            let line = usize::try_from(batch.seq).map_or(usize::MAX, |seq| seq + 1);
            let index = replay_batch(&mut held.ledger, line, batch, &past).map_err(|broken| {
                tracing::error!(coop = %coop, %broken, "the stored journal does not verify");
                AppError::internal("the co-op's ledger journal does not verify")
            })?;
            if reindex {
                store.index_ledger_batch(coop, &index).await?;
            }
            held.note_committed(&batch.events);
        }
    }
}
