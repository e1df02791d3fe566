//! The journal's index checked against the journal (`coopkit ledger
//! verify`), and rebuilt from it (`--repair`). The index answers whether an
//! id was used and what a statement holds, so a damaged row would answer
//! wrongly while the journal itself still verifies; it is rebuilt from the
//! journal, never trusted over it.

use coopkit_domain::CoopId;
use coopkit_ledger::{MemoryLedger, TransferId};
use coopkit_store::StoreError;

use super::loading;
use crate::{App, Result};

/// Ids looked up in the index at a time.
const IDS_AT_ONCE: usize = 1000;

impl App {
    /// Where the co-op's index disagrees with `replayed`, its journal
    /// replayed from the first batch, if anywhere (a row the store finds
    /// corrupt on reading counts as such). Transfers since the
    /// newest snapshot may be missing from it (the writer holds where they
    /// are until its next snapshot), but never wrong.
    pub(super) async fn index_disagreement(
        &self,
        coop: CoopId,
        replayed: &MemoryLedger,
        snapshot_seq: Option<u64>,
    ) -> Result<Option<String>> {
        let mut ids: Vec<TransferId> = replayed.history().transfer_ids().collect();
        ids.sort_unstable();
        for chunk in ids.chunks(IDS_AT_ONCE) {
            let found = match self
                .store
                .ledger_recall(coop, chunk, replayed.next_seq())
                .await
            {
                Ok(found) => found,
                Err(StoreError::Corrupt(what)) => return Ok(Some(what)),
                Err(error) => return Err(error.into()),
            };
            for id in chunk {
                let Some(expected) = replayed.history().past(*id) else {
                    continue;
                };
                match found.get(id) {
                    Some(indexed) if indexed != expected => {
                        return Ok(Some(format!("transfer {id}")));
                    }
                    None if snapshot_seq.is_some_and(|seq| expected.record.seq <= seq) => {
                        return Ok(Some(format!("transfer {id}, which it lacks")));
                    }
                    _ => {}
                }
            }
        }
        for (account, _) in replayed.accounts() {
            let head = replayed.statement_head(account.id);
            let every = usize::try_from(head.lines).unwrap_or(usize::MAX);
            let statement = self
                .store
                .ledger_statement(coop, account.id, head, None, every)
                .await;
            let indexed = match statement {
                Ok((indexed, _)) => indexed,
                Err(StoreError::Corrupt(what)) => return Ok(Some(what)),
                Err(error) => return Err(error.into()),
            };
            let (expected, _) = replayed.statement(account.id, None, every);
            let agrees = indexed.len() == expected.len()
                && indexed.iter().zip(&expected).all(|(line, (want, record))| {
                    line.position == want.position
                        && line.balance_after == want.balance_after
                        && line.record == **record
                });
            if !agrees {
                return Ok(Some(format!("the statement of account {}", account.id.0)));
            }
        }
        Ok(None)
    }

    /// Drops a co-op's index and snapshots and writes them again by
    /// replaying its journal from the first batch, as the writer does for
    /// a journal with no index. Run with the co-op's servers stopped: a
    /// server holding the co-op's ledger would go on from its own memory.
    pub async fn rebuild_ledger_index(&self, slug: &str) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.ledger.forget(coop.id).await;
        self.store.drop_ledger_index(coop.id).await?;
        loading::load(&self.store, coop.id).await?;
        tracing::warn!(coop = %coop.slug, "the ledger's index was rebuilt from its journal");
        Ok(())
    }
}
