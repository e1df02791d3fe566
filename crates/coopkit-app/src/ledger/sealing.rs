//! The journal as each reader downloads it (see `coopkit_ledger::seal`):
//! sealed for members, who can check every hash and balance but read no
//! other member's name or memo; with every opening for the co-op's
//! coordinators; and with the openings sealed for the co-op's auditor,
//! when it has registered one, so that one file serves both.
//!
//! Each co-op's seal key is made on its ledger's first use. A journal
//! written before journals were sealed is checked under the old chain,
//! then chained again under the new key in one transaction; its snapshots
//! and checkpoints, which named old hashes, go with the old chain.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use coopkit_domain::{CoopId, Role};
use coopkit_ledger::auditor::{AuditorKey, AuditorSecret, Envelope};
use coopkit_ledger::{BatchRecord, Hash, PublishedBatch, SealKey};
use coopkit_store::{Person, Rechained, Store};

use super::loading::REPLAY_BATCHES;
use crate::{App, AppError, Result};

fn random32() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A fresh auditor's key pair from the operating system's random source.
pub fn new_auditor_key() -> AuditorSecret {
    AuditorSecret::from_secret(random32())
}

/// The co-op's seal key, made (and its journal chained again under it,
/// if it has one from before) on first use.
pub(super) async fn seal_key(store: &Store, coop: CoopId) -> Result<SealKey> {
    if let Some(seal) = store.ledger_seal(coop).await? {
        return Ok(seal.key);
    }
    let key = SealKey::from_bytes(random32());
    let rechained = rechain(store, coop, &key).await?;
    if !rechained.is_empty() {
        tracing::warn!(coop = %coop, batches = rechained.len(), "the journal was chained again under its seal key; its checkpoints must be signed again");
    }
    if store.seal_ledger(coop, &key, &rechained).await? {
        return Ok(key);
    }
    // Another server sealed it first: its key stands.
    let seal = store.ledger_seal(coop).await?;
    seal.map(|seal| seal.key)
        .ok_or(AppError::internal("a co-op's seal key vanished"))
}

/// Checks a journal from before sealing under its old chain and works out
/// each batch's place in the new one.
async fn rechain(store: &Store, coop: CoopId, key: &SealKey) -> Result<Vec<Rechained>> {
    let (mut old, mut new) = (Hash::default(), Hash::default());
    let mut rechained = Vec::new();
    loop {
        let from = rechained.len() as u64;
        let batches = store.ledger_batches(coop, from, REPLAY_BATCHES).await?;
        if batches.is_empty() {
            return Ok(rechained);
        }
        for batch in batches {
            if batch.seq != rechained.len() as u64
                || batch.prev_hash != old
                || !batch.legacy_hash_holds()
            {
                tracing::error!(coop = %coop, seq = batch.seq, "the stored journal does not verify under its old chain");
                return Err(AppError::internal(
                    "the co-op's ledger journal does not verify",
                ));
            }
            old = batch.hash;
            let sealed = BatchRecord::seal(batch.seq, batch.timestamp, new, batch.events, key);
            rechained.push((sealed.seq, new, sealed.hash));
            new = sealed.hash;
        }
    }
}

/// A co-op's journal as one reader may download it, read from the
/// database a few batches at a time: a download of any length holds a few
/// batches in memory, not the journal.
pub struct Publishing {
    store: Store,
    coop: CoopId,
    key: SealKey,
    /// Whoever reads every opening needs none sealed for the auditor.
    auditor: Option<AuditorKey>,
    opened: bool,
    next_seq: u64,
    /// Where the journal ended when the download began: batches committed
    /// since are left for the next, so a slow reader cannot chase a busy
    /// co-op's journal for ever.
    end_seq: u64,
}

impl std::fmt::Debug for Publishing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publishing")
            .field("coop", &self.coop)
            .field("opened", &self.opened)
            .field("next_seq", &self.next_seq)
            .field("end_seq", &self.end_seq)
            .finish_non_exhaustive()
    }
}

impl Publishing {
    /// The next batches, as published; none at the end.
    pub async fn next_batches(&mut self) -> Result<Vec<PublishedBatch>> {
        let count = REPLAY_BATCHES.min(self.end_seq.saturating_sub(self.next_seq));
        if count == 0 {
            return Ok(Vec::new());
        }
        let batches = self
            .store
            .ledger_batches(self.coop, self.next_seq, count)
            .await?;
        if let Some(last) = batches.last() {
            self.next_seq = last.seq + 1;
        }
        batches
            .iter()
            .map(|batch| {
                let mut published = batch.published(&self.key, self.opened);
                if let Some(auditor) = self.auditor {
                    let envelope = Envelope::seal(&batch.openings(&self.key), auditor, random32())
                        .map_err(|_| AppError::internal("the co-op's auditor key is unusable"))?;
                    published.for_auditor = Some(envelope);
                }
                Ok(published)
            })
            .collect()
    }

    /// The rest of the journal as JSON Lines, a few batches a piece.
    pub fn into_lines(self) -> impl futures_util::Stream<Item = Result<String>> + Send {
        futures_util::stream::try_unfold(self, |mut publishing| async move {
            let batches = publishing.next_batches().await?;
            let lines = coopkit_ledger::journal::to_json_lines(&batches);
            Ok((!batches.is_empty()).then_some((lines, publishing)))
        })
    }

    /// The rest of the journal, whole: for the command line and tests.
    pub async fn all(mut self) -> Result<Vec<PublishedBatch>> {
        let mut journal = Vec::new();
        loop {
            let batches = self.next_batches().await?;
            if batches.is_empty() {
                return Ok(journal);
            }
            journal.extend(batches);
        }
    }
}

impl App {
    /// The co-op's journal as `actor` may download it: with every opening
    /// for a coordinator or admin; for a member, sealed, with the
    /// openings sealed for the co-op's auditor if it has one.
    pub async fn journal(&self, actor: &Person, slug: &str) -> Result<Publishing> {
        let coop = self.coop(slug).await?;
        let membership = self.require_role(&coop, actor, Role::Member).await?;
        let opened = membership.role.reads_whole_journal();
        self.publishing(coop.id, opened).await
    }

    /// The journal of a co-op by slug with every opening, for the command
    /// line (no actor: the operator of the server).
    pub async fn journal_for_operator(&self, slug: &str) -> Result<Vec<PublishedBatch>> {
        self.publishing_for_operator(slug).await?.all().await
    }

    /// The same, read a few batches at a time.
    pub async fn publishing_for_operator(&self, slug: &str) -> Result<Publishing> {
        let coop = self.coop(slug).await?;
        self.publishing(coop.id, true).await
    }

    async fn publishing(&self, coop: CoopId, opened: bool) -> Result<Publishing> {
        let key = seal_key(&self.store, coop).await?;
        let auditor = if opened {
            None
        } else {
            self.store.ledger_seal(coop).await?.and_then(|s| s.auditor)
        };
        Ok(Publishing {
            end_seq: self.store.ledger_next_seq(coop).await?,
            store: self.store.clone(),
            coop,
            key,
            auditor,
            opened,
            next_seq: 0,
        })
    }

    /// Registers the co-op's auditor, whose key opens every event of the
    /// journal members download; `None` stops sealing for one. For the
    /// operator, so no actor.
    pub async fn set_auditor(&self, slug: &str, auditor: Option<AuditorKey>) -> Result<()> {
        let coop = self.coop(slug).await?;
        if let Some(auditor) = auditor {
            // A key nothing can be sealed to is refused now, not at the
            // next download.
            Envelope::seal(&[], auditor, random32()).map_err(|_| AppError::Conflict {
                field: "auditor",
                code: "auditor-key-unusable",
            })?;
        }
        seal_key(&self.store, coop.id).await?;
        if !self.store.set_ledger_auditor(coop.id, auditor).await? {
            return Err(AppError::internal("a co-op's seal key vanished"));
        }
        tracing::info!(coop = %coop.slug, auditor = ?auditor.map(|a| a.to_string()), "ledger auditor set");
        Ok(())
    }
}
