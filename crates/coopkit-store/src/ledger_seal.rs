//! Each co-op's seal key, which salts the commitments of its published
//! journal, and its auditor's public key (migration `0036_ledger_seal.sql`).

use coopkit_domain::CoopId;
use coopkit_ledger::auditor::AuditorKey;
use coopkit_ledger::{Hash, SealKey};

use crate::ledger_journal::to_i64;
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// A co-op's keys for its journal.
#[derive(Clone, Debug)]
pub struct LedgerSeal {
    pub key: SealKey,
    pub auditor: Option<AuditorKey>,
}

/// A batch's place in the chain once re-chained: its sequence number, the
/// hash before it and its own.
pub type Rechained = (u64, Hash, Hash);

fn bytes32(bytes: Vec<u8>, column: &str) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("ledger_seal.{column} is not 32 bytes")))
}

impl Store {
    /// The co-op's journal keys; `None` until the writer first seals.
    pub async fn ledger_seal(&self, coop: CoopId) -> Result<Option<LedgerSeal>> {
        let row: Option<(Vec<u8>, Option<Vec<u8>>)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT seal_key, auditor_key FROM ledger_seal WHERE coop_id = $1")
                .bind(coop.0)
                .fetch_optional(pool)
                .await
        })?;
        row.map(|(key, auditor)| {
            Ok(LedgerSeal {
                key: SealKey::from_bytes(bytes32(key, "seal_key")?),
                auditor: auditor
                    .map(|a| bytes32(a, "auditor_key").map(AuditorKey))
                    .transpose()?,
            })
        })
        .transpose()
    }

    /// Keeps the co-op's seal key and, in the same transaction, the new
    /// hashes of a journal re-chained under it (`rechained`, empty for a
    /// journal with no batches yet). Snapshots and checkpoints of the old
    /// chain go: a snapshot carries the old head, and a checkpoint signed
    /// an old hash. `false`, with nothing written, when the co-op already
    /// has a key (another server sealed first).
    pub async fn seal_ledger(
        &self,
        coop: CoopId,
        key: &SealKey,
        rechained: &[Rechained],
    ) -> Result<bool> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO ledger_seal (coop_id, seal_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(coop.0)
            .bind(&key.as_bytes()[..])
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(false);
            }
            for (seq, prev_hash, hash) in rechained {
                sqlx::query(
                    "UPDATE ledger_batch SET prev_hash = $1, hash = $2 WHERE coop_id = $3 AND seq = $4",
                )
                .bind(&prev_hash.0[..])
                .bind(&hash.0[..])
                .bind(coop.0)
                .bind(to_i64(*seq, "seq")?)
                .execute(&mut *tx)
                .await?;
            }
            if !rechained.is_empty() {
                for table in ["ledger_snapshot", "ledger_checkpoint"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE coop_id = $1"))
                        .bind(coop.0)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Registers (or, with `None`, removes) the co-op's auditor key;
    /// `false` when the co-op has no seal key yet to keep it beside.
    pub async fn set_ledger_auditor(
        &self,
        coop: CoopId,
        auditor: Option<AuditorKey>,
    ) -> Result<bool> {
        let key = auditor.map(|a| a.0.to_vec());
        let updated = on_pool!(self, |pool| {
            sqlx::query("UPDATE ledger_seal SET auditor_key = $1 WHERE coop_id = $2")
                .bind(key)
                .bind(coop.0)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(updated == 1)
    }
}
