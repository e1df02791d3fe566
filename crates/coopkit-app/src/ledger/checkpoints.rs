//! Signed checkpoints of a co-op's journal. The co-op's signing key is
//! held by whoever the co-op trusts with it, not by the server: the
//! operator signs with `coopkit ledger checkpoint --key FILE`, and only the
//! public key and signature are stored, for every member to download.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use coopkit_domain::Role;
use coopkit_ledger::checkpoint::{Checkpoint, CoopKey};
use coopkit_ledger::Hash;
use coopkit_store::Person;

use super::sealing::seal_key;
use crate::{App, AppError, Result};

/// A fresh signing key from the operating system's random source.
pub fn new_coop_key() -> CoopKey {
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    CoopKey::from_secret(secret)
}

impl App {
    /// Signs the head of a co-op's journal (its latest batch) and keeps the
    /// checkpoint. For the operator, so no actor. Signing the same head
    /// with the same key again changes nothing.
    pub async fn sign_checkpoint(&self, slug: &str, key: &CoopKey) -> Result<Checkpoint> {
        let coop = self.coop(slug).await?;
        // A journal from before sealing is chained again (dropping the
        // checkpoints of its old chain) before its head is signed.
        seal_key(&self.store, coop.id).await?;
        // Only the head is signed: read it alone, not the journal.
        let end = self.store.ledger_next_seq(coop.id).await?;
        let head = match end.checked_sub(1) {
            Some(last) => self.store.ledger_batches(coop.id, last, 1).await?.pop(),
            None => None,
        };
        let head = head.ok_or(AppError::Conflict {
            field: "journal",
            code: "journal-empty",
        })?;
        let checkpoint = key.sign(coop.slug.as_str(), &head);
        self.store
            .add_checkpoint(coop.id, &checkpoint, self.clock.now())
            .await?;
        tracing::info!(coop = %coop.slug, seq = checkpoint.seq, key = %checkpoint.public_key, "ledger checkpoint signed");
        Ok(checkpoint)
    }

    /// The co-op's checkpoints, oldest first: any member may check them
    /// against the journal.
    pub async fn checkpoints(&self, actor: &Person, slug: &str) -> Result<Vec<Checkpoint>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.checkpoints(coop.id).await?)
    }

    /// Each batch's hash, in order, for the command line to hold the
    /// checkpoints against.
    pub async fn journal_hashes_for_operator(&self, slug: &str) -> Result<Vec<Hash>> {
        let coop = self.coop(slug).await?;
        Ok(self.store.ledger_hashes(coop.id).await?)
    }

    /// The checkpoints of a co-op by slug, for the command line.
    pub async fn checkpoints_for_operator(&self, slug: &str) -> Result<Vec<Checkpoint>> {
        let coop = self.coop(slug).await?;
        Ok(self.store.checkpoints(coop.id).await?)
    }
}
