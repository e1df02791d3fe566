//! The ledger's journal as stored: a header row per batch (its place in
//! the chain) and its events in parts of up to [`PART_EVENTS`], written
//! with the batch's index (`ledger_index.rs`) in the transaction that
//! commits it. The store never decides whether a transfer is allowed (the
//! ledger does, in memory); it keeps what was decided and hands it back.

use std::collections::BTreeMap;

use coopkit_domain::{CoopId, Event, Happened, Payee, Timestamp};
use coopkit_ledger::journal::BatchRecord;
use coopkit_ledger::{BatchIndex, Hash};

use crate::error::Conflict;
use crate::events::record_events;
use crate::ledger_index::{insert_index, insert_snapshot, OnConflict, SnapshotWrite};
use crate::ledger_rows::LedgerRows;
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// The most events a stored part of a batch holds: a statement line reads
/// one part, so parts are small; a commit writes a row per part.
pub(crate) const PART_EVENTS: usize = 128;

/// One committed batch of one co-op, with what it adds to the index.
#[derive(Debug)]
pub struct LedgerAppend<'a> {
    pub coop: CoopId,
    pub record: &'a BatchRecord,
    pub index: &'a BatchIndex,
    /// The members another member paid in it, for its event.
    pub payees: Vec<Payee>,
    /// The writer's state after this batch, when it is time to keep one,
    /// with the ids committed since the last.
    pub snapshot: Option<&'a SnapshotWrite>,
}

/// Snapshots kept per co-op: the newest, and one before it in case the
/// newest is refused by `coopkit ledger verify`.
pub(crate) const SNAPSHOTS_KEPT: i64 = 2;

/// Deletes a co-op's (`$1`) snapshots but the newest `$2`.
pub(crate) const PRUNE_SNAPSHOTS: &str =
    "DELETE FROM ledger_snapshot WHERE coop_id = $1 AND seq NOT IN \
     (SELECT seq FROM ledger_snapshot WHERE coop_id = $1 ORDER BY seq DESC LIMIT $2)";

pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} exceeds i64")))
}

pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} is negative")))
}

impl Store {
    /// Appends committed batches, of one or several co-ops, in one
    /// transaction, with their index rows and any snapshot: when this
    /// returns, every batch is durable, and if it fails, none is written.
    /// One event for each batch goes in the log (`ledger.batch_committed`).
    pub async fn append_ledger_batches(&self, appends: &[LedgerAppend<'_>]) -> Result<()> {
        if appends.is_empty() {
            return Ok(());
        }
        let committed = appends
            .iter()
            .map(|append| {
                let event = Event::LedgerBatchCommitted {
                    batch: append.record.seq,
                    transfers: u32::try_from(append.record.events.len()).unwrap_or(u32::MAX),
                    payees: append.payees.clone(),
                };
                Happened::new(append.coop, None, append.record.timestamp, event)
            })
            .collect::<Vec<_>>();
        let mut parts = Vec::new();
        for append in appends {
            for (first, events) in append.record.events.chunks(PART_EVENTS).enumerate() {
                let events = serde_json::to_string(events)
                    .map_err(|e| StoreError::Corrupt(format!("journal events: {e}")))?;
                let seq = to_i64(append.record.seq, "seq")?;
                let first = i32::try_from(first * PART_EVENTS).unwrap_or(i32::MAX);
                parts.push((append.coop, seq, first, events));
            }
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for append in appends {
                let record = append.record;
                let seq = to_i64(record.seq, "seq")?;
                sqlx::query(
                    "INSERT INTO ledger_batch (coop_id, seq, at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(append.coop.0)
                .bind(seq)
                .bind(record.timestamp.as_millis())
                .bind(&record.prev_hash.0[..])
                .bind(&record.hash.0[..])
                .execute(&mut *tx)
                .await
                .map_err(StoreError::conflict_as(Conflict::LedgerBatch))?;
                insert_index!(tx, append.coop, append.index, OnConflict::Fail);
                if let Some(snapshot) = append.snapshot {
                    insert_snapshot!(tx, append.coop, snapshot);
                }
            }
            LedgerRows::insert_parts(&mut *tx, &parts).await?;
            record_events!(tx, &committed);
            tx.commit().await?;
            Ok(())
        })
    }

    /// The sequence number the co-op's next batch will get: how far its
    /// journal goes.
    pub async fn ledger_next_seq(&self, coop: CoopId) -> Result<u64> {
        let next: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_batch WHERE coop_id = $1",
            )
            .bind(coop.0)
            .fetch_one(pool)
            .await
        })?;
        to_u64(next, "seq")
    }

    /// Each of a co-op's batches' hash, in order: what its checkpoints
    /// sign, read without the batches' events.
    pub async fn ledger_hashes(&self, coop: CoopId) -> Result<Vec<Hash>> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT seq, hash FROM ledger_batch WHERE coop_id = $1 ORDER BY seq")
                .bind(coop.0)
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter()
            .map(|(seq, hash)| {
                let hash = hash.try_into().map_err(|_| {
                    StoreError::Corrupt(format!(
                        "ledger_batch.hash of batch {seq} has the wrong length"
                    ))
                })?;
                Ok(Hash(hash))
            })
            .collect()
    }

    /// A co-op's whole journal, in order.
    pub async fn ledger_journal(&self, coop: CoopId) -> Result<Vec<BatchRecord>> {
        self.ledger_batches(coop, 0, u64::MAX).await
    }

    /// Up to `count` of a co-op's batches, in order, from batch `from`.
    pub async fn ledger_batches(
        &self,
        coop: CoopId,
        from: u64,
        count: u64,
    ) -> Result<Vec<BatchRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            seq: i64,
            at: i64,
            prev_hash: Vec<u8>,
            hash: Vec<u8>,
            events: String,
        }
        let from = to_i64(from, "seq")?;
        let until = from.saturating_add(i64::try_from(count).unwrap_or(i64::MAX));
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT b.seq, b.at, b.prev_hash, b.hash, p.events FROM ledger_batch b \
                 JOIN ledger_batch_part p ON p.coop_id = b.coop_id AND p.seq = b.seq \
                 WHERE b.coop_id = $1 AND b.seq >= $2 AND b.seq < $3 ORDER BY b.seq, p.first",
            )
            .bind(coop.0)
            .bind(from)
            .bind(until)
            .fetch_all(pool)
            .await
        })?;
        let mut batches: BTreeMap<i64, BatchRecord> = BTreeMap::new();
        for Row {
            seq,
            at,
            prev_hash,
            hash,
            events,
        } in rows
        {
            let events: Vec<coopkit_ledger::Event> =
                serde_json::from_str(&events).map_err(|e| {
                    StoreError::Corrupt(format!("ledger_batch_part.events of batch {seq}: {e}"))
                })?;
            if let Some(batch) = batches.get_mut(&seq) {
                batch.events.extend(events);
                continue;
            }
            let hash_of = |bytes: Vec<u8>, column: &str| -> Result<Hash> {
                let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
                    StoreError::Corrupt(format!(
                        "ledger_batch.{column} of batch {seq} is not 32 bytes"
                    ))
                })?;
                Ok(Hash(bytes))
            };
            let record = BatchRecord {
                seq: to_u64(seq, "seq")?,
                timestamp: Timestamp(at),
                events,
                prev_hash: hash_of(prev_hash, "prev_hash")?,
                hash: hash_of(hash, "hash")?,
            };
            batches.insert(seq, record);
        }
        Ok(batches.into_values().collect())
    }
}
