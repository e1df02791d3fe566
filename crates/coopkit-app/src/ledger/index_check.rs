//! The journal's index checked against the journal (`coopkit ledger
//! verify`), a batch at a time as the replay reaches it, and rebuilt from
//! it (`--repair`). The index answers whether an
//! id was used and what a statement holds, so a damaged row would answer
//! wrongly while the journal itself still verifies; it is rebuilt from the
//! journal, never trusted over it.

use coopkit_domain::CoopId;
use coopkit_ledger::{BatchIndex, Ledger, TransferId};
use coopkit_store::StoreError;

use super::loading;
use crate::{App, Result};

impl App {
    /// Where the co-op's index disagrees with batch `seq` replayed, its
    /// `index`, if anywhere (a row the store finds corrupt on reading
    /// counts as such). Where each transfer sits is written with
    /// snapshots: a batch after the newest snapshot (not `indexed`) may
    /// lack it, but never have it wrong.
    pub(super) async fn batch_index_disagreement(
        &self,
        coop: CoopId,
        seq: u64,
        index: &BatchIndex,
        indexed: bool,
    ) -> Result<Option<String>> {
        let ids: Vec<TransferId> = index.transfers.iter().map(|r| r.transfer.id).collect();
        let found = match self.store.ledger_recall(coop, &ids, seq + 1).await {
            Ok(found) => found,
            Err(StoreError::Corrupt(what)) => return Ok(Some(what)),
            Err(error) => return Err(error.into()),
        };
        for record in &index.transfers {
            let id = record.transfer.id;
            match found.get(&id) {
                Some(indexed) if indexed.record != *record => {
                    return Ok(Some(format!("transfer {id}")));
                }
                None if indexed => return Ok(Some(format!("transfer {id}, which it lacks"))),
                _ => {}
            }
        }
        match self.store.ledger_batch_disagreement(coop, seq, index).await {
            Ok(found) => Ok(found),
            Err(StoreError::Corrupt(what)) => Ok(Some(what)),
            Err(error) => Err(error.into()),
        }
    }

    /// Where the holds the index has as open differ from those `replayed`,
    /// the whole journal replayed, holds open.
    pub(super) async fn open_holds_disagreement(
        &self,
        coop: CoopId,
        replayed: &Ledger,
    ) -> Result<Option<String>> {
        let stored = self.store.ledger_open_holds(coop).await?;
        let open = replayed.snapshot().holds;
        if let Some((id, _)) = open.iter().find(|(id, _)| !stored.contains(id)) {
            return Ok(Some(format!(
                "transfer {id}, a hold still open it has as ended"
            )));
        }
        let mut ended: Vec<_> = stored
            .into_iter()
            .filter(|id| open.binary_search_by_key(id, |(open, _)| *open).is_err())
            .collect();
        ended.sort_unstable();
        Ok(ended
            .first()
            .map(|id| format!("transfer {id}, a hold ended it has as open")))
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
