//! The journal: every change to a ledger as an event, batched, each batch
//! chained to the one before by SHA-256, so that anyone holding the journal
//! can recompute every balance and check that nothing was altered.
//!
//! A batch's hash is `SHA-256(previous hash ‖ canonical bytes)`, where the
//! canonical bytes are the batch's body (`seq`, `timestamp`, `events`)
//! serialised as compact JSON with fields in declaration order. The
//! exported journal is JSON Lines: one batch per line.

use coopkit_domain::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::account::{Account, AccountId, Limit};
use crate::history::MemoryLedger;
use crate::index::{BatchIndex, Recall};
use crate::ledger::Ledger;
use crate::transfer::{Refusal, Transfer, TransferId};

/// A SHA-256 digest, written as 64 hex digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Hash(pub [u8; 32]);

impl Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&text, &mut bytes)
            .map_err(|_| serde::de::Error::custom("a hash is 64 hex digits"))?;
        Ok(Hash(bytes))
    }
}

impl std::fmt::Display for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Everything that changes a ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    OpenAccount(Account),
    SetLimits {
        account: AccountId,
        debit_limit: Limit,
        balance_cap: Limit,
    },
    CloseAccount {
        account: AccountId,
    },
    Transfer(Transfer),
    /// A hold whose timeout passed, released by the ledger itself.
    Expire {
        pending: TransferId,
    },
}

impl Event {
    /// Whether this event is linked to the next in its batch.
    pub fn linked(&self) -> bool {
        matches!(self, Event::Transfer(t) if t.linked)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    seq: u64,
    timestamp: Timestamp,
    events: &'a [Event],
}

/// One committed batch, as stored and exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub seq: u64,
    pub timestamp: Timestamp,
    pub events: Vec<Event>,
    pub prev_hash: Hash,
    pub hash: Hash,
}

impl BatchRecord {
    /// Makes the record of a batch, hashing it onto `prev_hash`.
    pub fn seal(
        seq: u64,
        timestamp: Timestamp,
        prev_hash: Hash,
        events: Vec<Event>,
    ) -> BatchRecord {
        let hash = chain_hash(&prev_hash, seq, timestamp, &events);
        BatchRecord {
            seq,
            timestamp,
            events,
            prev_hash,
            hash,
        }
    }

    /// Whether the stored hash is the hash of this record's contents.
    pub fn hash_holds(&self) -> bool {
        chain_hash(&self.prev_hash, self.seq, self.timestamp, &self.events) == self.hash
    }
}

fn chain_hash(prev: &Hash, seq: u64, timestamp: Timestamp, events: &[Event]) -> Hash {
    let body = Body {
        seq,
        timestamp,
        events,
    };
    // Serialising plain structs, integers and strings cannot fail.
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(prev.0);
    hasher.update(&bytes);
    Hash(hasher.finalize().into())
}

/// The journal as JSON Lines: one batch record per line.
pub fn to_json_lines(batches: &[BatchRecord]) -> String {
    let mut out = String::new();
    for batch in batches {
        // Records are plain structs, integers and strings: this cannot fail.
        out.push_str(&serde_json::to_string(batch).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Reads and replays a JSON Lines journal, checking it whole. Blank lines
/// are skipped; line numbers in errors count from 1.
pub fn verify_json_lines(text: &str) -> Result<MemoryLedger, Broken> {
    let batches = read_json_lines(text)?;
    replay(batches.iter().map(|(line, batch)| (*line, batch)))
}

/// Reads a JSON Lines journal without checking it: each batch with its
/// line number (from 1). Blank lines are skipped.
pub fn read_json_lines(text: &str) -> Result<Vec<(usize, BatchRecord)>, Broken> {
    let mut batches = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let batch: BatchRecord = serde_json::from_str(line).map_err(|e| Broken::Unreadable {
            line: index + 1,
            reason: e.to_string(),
        })?;
        batches.push((index + 1, batch));
    }
    Ok(batches)
}

/// Where and why a journal fails to verify.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("line {line}: not a batch record: {reason}")]
    Unreadable { line: usize, reason: String },
    #[error("line {line}: batch {seq} follows batch {expected_seq} out of order")]
    OutOfOrder {
        line: usize,
        seq: u64,
        expected_seq: u64,
    },
    #[error(
        "line {line}: batch {seq} does not chain onto the batch before it (previous hash differs)"
    )]
    ChainBroken { line: usize, seq: u64 },
    #[error("line {line}: batch {seq} was altered (its hash does not match its contents)")]
    HashMismatch { line: usize, seq: u64 },
    #[error("line {line}: batch {seq}, event {event}: refused on replay ({refusal})")]
    EventRefused {
        line: usize,
        seq: u64,
        event: usize,
        refusal: Refusal,
    },
    #[error("line {line}: batch {seq} leaves currency {currency} unbalanced")]
    Unbalanced {
        line: usize,
        seq: u64,
        currency: String,
    },
}

/// Replays batch records in order into a fresh ledger, checking each as
/// [`replay_batch`] does. Returns the rebuilt ledger, or where it breaks.
pub fn replay<'a>(
    batches: impl IntoIterator<Item = (usize, &'a BatchRecord)>,
) -> Result<MemoryLedger, Broken> {
    let mut ledger = MemoryLedger::new();
    for (line, batch) in batches {
        ledger.replay_batch(line, batch)?;
    }
    Ok(ledger)
}

/// Applies a stored batch onto `ledger`, checking that it chains onto the
/// batch before, that its hash matches its contents, that every event
/// passes the ledger's rules again (`past` answering for earlier
/// batches), and that every currency balances after it. Returns what the
/// batch adds to the index, or where it breaks; `line` numbers it.
pub fn replay_batch(
    ledger: &mut Ledger,
    line: usize,
    batch: &BatchRecord,
    past: &impl Recall,
) -> Result<BatchIndex, Broken> {
    if batch.seq != ledger.next_seq() {
        return Err(Broken::OutOfOrder {
            line,
            seq: batch.seq,
            expected_seq: ledger.next_seq(),
        });
    }
    if batch.prev_hash != ledger.head() {
        return Err(Broken::ChainBroken {
            line,
            seq: batch.seq,
        });
    }
    if !batch.hash_holds() {
        return Err(Broken::HashMismatch {
            line,
            seq: batch.seq,
        });
    }
    let outcome = ledger.apply(batch.events.clone(), batch.timestamp, past);
    if let Some((event, refusal)) = outcome
        .results
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.err().map(|refusal| (i, refusal)))
    {
        return Err(Broken::EventRefused {
            line,
            seq: batch.seq,
            event,
            refusal,
        });
    }
    if outcome.record.as_ref().map(|r| r.hash) != Some(batch.hash) {
        // Every event applied, so the ledger sealed the same body: a
        // different hash means replayed events (idempotent repeats) were
        // journaled, which a writer never does.
        return Err(Broken::HashMismatch {
            line,
            seq: batch.seq,
        });
    }
    if let Some((currency, _)) = ledger.totals().iter().find(|(_, t)| !t.is_balanced()) {
        return Err(Broken::Unbalanced {
            line,
            seq: batch.seq,
            currency: currency.to_string(),
        });
    }
    Ok(outcome.index)
}
