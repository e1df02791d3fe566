//! How a co-op's ledger comes into the writer's memory and leaves it.
//!
//! Loading reads the newest snapshot and replays the batches after it,
//! each checked as `coopkit ledger verify` checks it, with the index
//! answering for earlier batches. A co-op with batches but no snapshot
//! (its journal predates the index, or the index was lost) is replayed
//! from its first batch and its index written again on the way, so the
//! index is always what the journal says. Every so many events (see
//! [`LedgerLimits`]) the writer keeps a new snapshot with the batch it
//! commits, so a load never replays more than that; a co-op idle for a
//! while is snapshotted and let go.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use coopkit_domain::CoopId;
use coopkit_ledger::journal::{replay_batch, Broken};

use coopkit_ledger::{
    AccountId, BatchIndex, BatchRecord, HoldStatus, Ledger, Past, Snapshot, TransferId,
    TransferKind, UsedIds,
};
use coopkit_store::{SnapshotWrite, Store, StoreError};
use serde::{Deserialize, Serialize};

use super::planning::CoopLedger;
use super::plays::PlayCounts;
use super::sealing::seal_key;
use crate::{AppError, Result};

/// Events committed after which the writer keeps a new snapshot: what a
/// load replays at most. A replay keeps one this often however the writer
/// is configured, so that its memory stays bounded.
pub(super) const SNAPSHOT_EVERY: u64 = 500_000;

/// Transfers the writer locates itself, since their co-op's last snapshot,
/// across all the co-ops it holds (see `CoopLedger::unflushed`). One co-op
/// reaches `SNAPSHOT_EVERY` first; many small ones reach this together.
const UNFLUSHED_MAX: usize = SNAPSHOT_EVERY as usize;

/// When the writer keeps snapshots and lets go of co-ops: the operator's
/// trade of memory and write load against how much a load replays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerLimits {
    /// Events committed to a co-op after which a new snapshot is kept.
    pub snapshot_every: u64,
    /// How long a co-op's ledger stays in memory unused.
    pub idle_after: Duration,
}

impl Default for LedgerLimits {
    fn default() -> Self {
        LedgerLimits {
            snapshot_every: SNAPSHOT_EVERY,
            idle_after: Duration::from_secs(10 * 60),
        }
    }
}

/// Batches read from the journal at a time while replaying.
pub(super) const REPLAY_BATCHES: u64 = 32;

/// What a snapshot row holds: the ledger's state, and the plays counted,
/// which only the causes of the journal's transfers record.
#[derive(Serialize, Deserialize)]
struct WriterState {
    ledger: Snapshot,
    plays: Vec<(AccountId, i64, u32)>,
}

impl CoopLedger {
    /// The snapshot to keep after the ledger's last batch, with the ids
    /// committed since the last one; events are counted from here on.
    /// `None` before the first batch.
    pub(super) fn take_snapshot(&mut self) -> Result<Option<SnapshotWrite>> {
        let Some(seq) = self.ledger.next_seq().checked_sub(1) else {
            return Ok(None);
        };
        let state = WriterState {
            ledger: self.ledger.snapshot(),
            plays: self.plays.to_vec(),
        };
        let state =
            serde_json::to_string(&state).map_err(AppError::because("a ledger snapshot"))?;
        let ids = self
            .unflushed
            .iter()
            .map(|(id, (seq, index))| (*id, *seq, *index))
            .collect();
        self.unsnapshotted = 0;
        Ok(Some(SnapshotWrite {
            seq,
            state,
            ids,
            used_ids: self.used.to_bytes(),
        }))
    }

    /// Takes note that batch `seq` is committed, with a snapshot at
    /// `snapshot` if it kept one: the index now has the ids up to it.
    pub(super) fn committed(&mut self, seq: u64, snapshot: Option<u64>) {
        if self
            .in_flight
            .as_ref()
            .is_some_and(|batch| batch.seq == seq)
        {
            self.in_flight = None;
        }
        if let Some(snapshot) = snapshot {
            self.unflushed.retain(|_, (seq, _)| *seq > snapshot);
            if self.unflushed.is_empty() {
                // Not `clear`, which keeps the table's room: thousands of
                // co-ops would each keep room for what they once held.
                self.unflushed = HashMap::new();
            }
        }
    }

    /// Keeps a snapshot now, outside a commit (nothing is in flight).
    pub(super) async fn keep_snapshot(&mut self, store: &Store, coop: CoopId) -> Result<()> {
        if let Some(snapshot) = self.take_snapshot()? {
            store.add_ledger_snapshot(coop, &snapshot).await?;
            self.committed(snapshot.seq, Some(snapshot.seq));
        }
        Ok(())
    }
}

/// A co-op's batch on its way to the database: the index answers for it
/// only once it is committed, and until then the writer does.
pub(super) struct InFlightBatch {
    seq: u64,
    index: Arc<BatchIndex>,
    ended: HashMap<TransferId, HoldStatus>,
}

impl InFlightBatch {
    pub(super) fn new(seq: u64, index: Arc<BatchIndex>) -> InFlightBatch {
        InFlightBatch {
            seq,
            ended: index.endings.iter().copied().collect(),
            index,
        }
    }

    /// Transfer `index` of the batch, as the index will give it.
    fn past(&self, index: u32) -> Option<Past> {
        let at = self
            .index
            .transfers
            .binary_search_by_key(&index, |record| record.index)
            .ok()?;
        let record = self.index.transfers[at].clone();
        let id = record.transfer.id;
        let hold = matches!(record.transfer.kind, TransferKind::Hold { .. })
            .then(|| self.ended.get(&id).copied().unwrap_or(HoldStatus::Open));
        Some(Past { record, hold })
    }
}

/// Whether the co-ops held locate more transfers than [`UNFLUSHED_MAX`].
pub(super) fn over_budget(ledgers: &HashMap<CoopId, CoopLedger>) -> bool {
    ledgers
        .values()
        .map(|held| held.unflushed.len())
        .sum::<usize>()
        > UNFLUSHED_MAX
}

/// Keeps the transfers located in memory under [`UNFLUSHED_MAX`] however
/// many co-ops are held, so that thousands of small busy co-ops take no
/// more memory than one large one: snapshots (which write their
/// transfers' ids to the index) the co-ops [`to_snapshot`] names. A
/// snapshot that fails leaves its co-op as it was, to try again later.
pub(super) async fn bound_unflushed(store: &Store, ledgers: &mut HashMap<CoopId, CoopLedger>) {
    let located = ledgers
        .iter()
        .map(|(coop, held)| (*coop, held.unflushed.len()))
        .collect();
    for coop in to_snapshot(located, UNFLUSHED_MAX) {
        let Some(held) = ledgers.get_mut(&coop) else {
            continue;
        };
        if let Err(error) = held.keep_snapshot(store, coop).await {
            tracing::warn!(coop = %coop, %error, "no snapshot to bound the writer's memory");
            return;
        }
    }
}

/// Given how many transfers each co-op has located in memory: none when
/// they total at most `budget`; otherwise the co-ops holding most, until
/// what the rest hold is at most half of it, so that snapshots come in
/// bursts, not one with every commit.
fn to_snapshot(mut located: Vec<(CoopId, usize)>, budget: usize) -> Vec<CoopId> {
    let mut total: usize = located.iter().map(|(_, n)| n).sum();
    if total <= budget {
        return Vec::new();
    }
    located.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen = Vec::new();
    for (coop, n) in located {
        if total <= budget / 2 {
            break;
        }
        chosen.push(coop);
        total -= n;
    }
    chosen
}

/// What earlier batches did with `ids`, as of before batch `before_seq`:
/// from the writer's memory for transfers since its last snapshot, from
/// the index for the rest but those the filter of used ids rules out.
pub(super) async fn recall(
    store: &Store,
    coop: CoopId,
    held: &CoopLedger,
    ids: &[TransferId],
    before_seq: u64,
) -> Result<HashMap<TransferId, Past>, StoreError> {
    let in_flight = held
        .in_flight
        .as_ref()
        .filter(|batch| batch.seq < before_seq);
    let mut found = HashMap::new();
    let mut located = Vec::new();
    let mut elsewhere = Vec::new();
    for id in ids {
        match held.unflushed.get(id) {
            Some((seq, _)) if *seq >= before_seq => {}
            Some((seq, index)) => match in_flight.filter(|batch| batch.seq == *seq) {
                Some(batch) => found.extend(batch.past(*index).map(|past| (*id, past))),
                None => located.push((*id, *seq, *index)),
            },
            None => elsewhere.push(*id),
        }
    }
    // Those never used need no lookup.
    let elsewhere = held.used.maybe_used(&elsewhere);
    found.extend(store.ledger_recall(coop, &elsewhere, before_seq).await?);
    if !located.is_empty() {
        found.extend(store.ledger_located(coop, &located).await?);
    }
    // A hold the batch in flight ended stands as that batch left it.
    if let Some(batch) = in_flight {
        for (id, past) in &mut found {
            if let (Some(hold), Some(ended)) = (&mut past.hold, batch.ended.get(id)) {
                *hold = *ended;
            }
        }
    }
    Ok(found)
}

/// The ledger's part of a stored snapshot.
pub(super) fn snapshot_ledger(state: &str) -> Result<Snapshot, String> {
    serde_json::from_str::<WriterState>(state)
        .map(|state| state.ledger)
        .map_err(|error| error.to_string())
}

/// A co-op's ledger from its newest snapshot and the batches after it.
pub(super) async fn load(store: &Store, coop: CoopId) -> Result<CoopLedger> {
    // First: sealing a journal from before sealing drops its snapshots.
    let key = seal_key(store, coop).await?;
    let snapshot = store.ledger_snapshot(coop).await?;
    let rebuilding = snapshot.is_none();
    let (ledger, plays, used) = match snapshot {
        Some((seq, state)) => {
            let state: WriterState = serde_json::from_str(&state).map_err(|error| {
                tracing::error!(coop = %coop, seq, %error, "a ledger snapshot does not read");
                AppError::internal("the co-op's ledger snapshot does not read")
            })?;
            (
                Ledger::from_snapshot(state.ledger, key),
                PlayCounts::from_vec(state.plays),
                used_ids(store, coop, seq).await?,
            )
        }
        None => (Ledger::new(key), PlayCounts::default(), UsedIds::new()),
    };
    let currencies = store.currencies(coop).await?;
    let mut loaded = CoopLedger::new(ledger, currencies, plays, used);
    catch_up(store, coop, &mut loaded, rebuilding).await?;
    if rebuilding {
        loaded.keep_snapshot(store, coop).await?;
    }
    Ok(loaded)
}

/// The ids a co-op used up to its snapshot at `seq`: the filter kept with
/// it, or, for a snapshot kept without one (before filters were kept) or
/// one that does not read, a filter of the index's ids, which the index
/// holds up to the snapshot.
async fn used_ids(store: &Store, coop: CoopId, seq: u64) -> Result<UsedIds> {
    if let Some(bytes) = store.ledger_used_ids(coop, seq).await? {
        match UsedIds::from_bytes(&bytes) {
            Ok(used) => return Ok(used),
            Err(error) => tracing::warn!(coop = %coop, seq, %error, "rebuilt from the index"),
        }
    }
    let mut used = UsedIds::new();
    store.ledger_indexed_ids(coop, |id| used.insert(id)).await?;
    Ok(used)
}

/// Replays `batch`, the ledger's next, with the earlier transfers it
/// names: what it adds to the index, or how the journal is broken there.
pub(super) async fn replay_next(
    store: &Store,
    coop: CoopId,
    held: &mut CoopLedger,
    batch: &BatchRecord,
) -> Result<Result<BatchIndex, Broken>, StoreError> {
    let names = held.ledger.names(&batch.events);
    let past = recall(store, coop, held, &names, batch.seq).await?;
    let line = usize::try_from(batch.seq).map_or(usize::MAX, |seq| seq + 1);
    Ok(replay_batch(&mut held.ledger, line, batch, &past))
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
            let index = replay_next(store, coop, held, batch)
                .await?
                .map_err(|broken| {
                    tracing::error!(coop = %coop, %broken, "the stored journal does not verify");
                    AppError::internal("the co-op's ledger journal does not verify")
                })?;
            if reindex {
                store.index_ledger_batch(coop, &index).await?;
            }
            held.note_committed(&batch.events, &index);
            // What is held since the last snapshot stays bounded, however
            // long the replay.
            if held.unsnapshotted >= SNAPSHOT_EVERY {
                held.keep_snapshot(store, coop).await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coops_holding_most_are_snapshotted_until_half_the_budget_is_left() {
        let located = |counts: &[usize]| -> Vec<(CoopId, usize)> {
            counts
                .iter()
                .enumerate()
                .map(|(i, n)| (CoopId(i as i64 + 1), *n))
                .collect()
        };
        // Within the budget: nothing, however many co-ops.
        assert!(to_snapshot(located(&[40, 40]), 80).is_empty());
        assert!(to_snapshot(located(&[1; 1000]), 1000).is_empty());
        // 110 of 80: the 50 and the 30 go, leaving 30, at most 40.
        assert_eq!(
            to_snapshot(located(&[10, 30, 50, 20]), 80),
            vec![CoopId(3), CoopId(2)]
        );
        // Many small co-ops: as many as it takes, ties in order of id.
        let chosen = to_snapshot(located(&[3; 100]), 200);
        assert_eq!(chosen.len(), 67);
        assert_eq!(chosen[..2], [CoopId(1), CoopId(2)]);
    }
}
