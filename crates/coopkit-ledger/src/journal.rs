//! The journal: every change to a ledger as an event, batched, each batch
//! chained to the one before by SHA-256, so that anyone holding the journal
//! can recompute every balance and check that nothing was altered.
//!
//! A batch's hash is `SHA-256(previous hash ‖ canonical bytes)`, where the
//! canonical bytes are the batch's sealed body (`seq`, `timestamp`, and
//! `events` as [`SealedEvent`]s, whose memos and owners are commitments:
//! see [`crate::seal`]) serialised as compact JSON with fields in
//! declaration order. The server stores each [`BatchRecord`] with its
//! events whole; what it hands out is a [`PublishedBatch`]: sealed, with
//! the openings its reader may have. The exported journal is JSON Lines,
//! one batch per line.

use coopkit_domain::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::account::{Account, AccountId, Limit};
use crate::auditor::Envelope;
use crate::history::MemoryLedger;
use crate::index::{BatchIndex, Recall};
use crate::ledger::{Applied, Ledger};
use crate::seal::{Opening, SealKey, SealedEvent};
use crate::transfer::{Refusal, Transfer, TransferId};

/// A SHA-256 digest, written as 64 hex digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Hash(pub [u8; 32]);

hex_serde!(Hash, 32, "a hash is 64 hex digits");

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
struct Body<'a, E> {
    seq: u64,
    timestamp: Timestamp,
    events: &'a [E],
}

/// One committed batch with its events whole, as the server stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub seq: u64,
    pub timestamp: Timestamp,
    pub events: Vec<Event>,
    pub prev_hash: Hash,
    pub hash: Hash,
}

impl BatchRecord {
    /// Makes the record of a batch, hashing its sealed body onto
    /// `prev_hash`.
    pub fn seal(
        seq: u64,
        timestamp: Timestamp,
        prev_hash: Hash,
        events: Vec<Event>,
        key: &SealKey,
    ) -> BatchRecord {
        let sealed = sealed_events(&events, key, seq);
        let hash = chain_hash(&prev_hash, seq, timestamp, &sealed);
        BatchRecord {
            seq,
            timestamp,
            events,
            prev_hash,
            hash,
        }
    }

    /// Whether the stored hash is the hash of this record's contents.
    pub fn hash_holds(&self, key: &SealKey) -> bool {
        let sealed = sealed_events(&self.events, key, self.seq);
        chain_hash(&self.prev_hash, self.seq, self.timestamp, &sealed) == self.hash
    }

    /// Whether the stored hash is this record's as chained before
    /// journals were sealed, over the events whole. Such a journal is
    /// checked this way once, then chained again under the co-op's key.
    pub fn legacy_hash_holds(&self) -> bool {
        chain_hash(&self.prev_hash, self.seq, self.timestamp, &self.events) == self.hash
    }

    /// The batch as published: sealed, with every event's opening when
    /// `opened` (for the co-op's coordinators), with none otherwise.
    pub fn published(&self, key: &SealKey, opened: bool) -> PublishedBatch {
        PublishedBatch {
            seq: self.seq,
            timestamp: self.timestamp,
            events: sealed_events(&self.events, key, self.seq),
            prev_hash: self.prev_hash,
            hash: self.hash,
            openings: if opened {
                self.openings(key)
            } else {
                Vec::new()
            },
            for_auditor: None,
        }
    }

    /// Every event's opening.
    pub fn openings(&self, key: &SealKey) -> Vec<Opening> {
        self.events
            .iter()
            .enumerate()
            .filter_map(|(index, event)| event.opening(key, self.seq, index))
            .collect()
    }
}

fn sealed_events(events: &[Event], key: &SealKey, seq: u64) -> Vec<SealedEvent> {
    events
        .iter()
        .enumerate()
        .map(|(index, event)| event.sealed(key, seq, index))
        .collect()
}

fn chain_hash<E: Serialize>(prev: &Hash, seq: u64, timestamp: Timestamp, events: &[E]) -> Hash {
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

/// One batch as a reader downloads it: its events sealed, the openings
/// the reader may have (every one for the co-op's coordinators, none for
/// a member), and the openings sealed for the co-op's auditor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedBatch {
    pub seq: u64,
    pub timestamp: Timestamp,
    pub events: Vec<SealedEvent>,
    pub prev_hash: Hash,
    pub hash: Hash,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub openings: Vec<Opening>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_auditor: Option<Envelope>,
}

impl PublishedBatch {
    /// Whether the hash is the hash of this batch's sealed contents.
    pub fn hash_holds(&self) -> bool {
        chain_hash(&self.prev_hash, self.seq, self.timestamp, &self.events) == self.hash
    }
}

/// A journal as JSON Lines: one batch per line.
pub fn to_json_lines<T: Serialize>(batches: &[T]) -> String {
    let mut out = String::new();
    for batch in batches {
        // Batches are plain structs, integers and strings: this cannot fail.
        out.push_str(&serde_json::to_string(batch).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Reads and replays a published journal, checking it whole, with the
/// openings it carries. Blank lines are skipped; line numbers in errors
/// count from 1.
pub fn verify_json_lines(text: &str) -> Result<MemoryLedger, Broken> {
    let batches = read_json_lines(text)?;
    replay(
        batches
            .iter()
            .map(|(line, batch)| (*line, batch, &batch.openings[..])),
    )
}

/// Reads a published journal without checking it: each batch with its
/// line number (from 1). Blank lines are skipped.
pub fn read_json_lines(text: &str) -> Result<Vec<(usize, PublishedBatch)>, Broken> {
    let mut batches = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let batch: PublishedBatch = serde_json::from_str(line).map_err(|e| Broken::Unreadable {
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
    #[error("line {line}: batch {seq}, event {event}: repeats an earlier event, which a writer never journals")]
    Repeated { line: usize, seq: u64, event: usize },
    #[error("line {line}: batch {seq}, event {event}: the opening does not match the event's commitment")]
    OpeningWrong { line: usize, seq: u64, event: u32 },
    #[error("line {line}: batch {seq} leaves currency {currency} unbalanced")]
    Unbalanced {
        line: usize,
        seq: u64,
        currency: String,
    },
}

/// Replays a published journal in order into a fresh ledger, with the
/// openings given for each batch, checking each as [`replay_published`]
/// does. Returns the rebuilt ledger, or where it breaks.
pub fn replay<'a>(
    batches: impl IntoIterator<Item = (usize, &'a PublishedBatch, &'a [Opening])>,
) -> Result<MemoryLedger, Broken> {
    // The replayed batches come sealed, with their hashes: this ledger
    // never seals one itself, so its key is never used.
    let mut ledger = MemoryLedger::new(SealKey::from_bytes([0; 32]));
    for (line, batch, openings) in batches {
        ledger.replay_published(line, batch, openings)?;
    }
    Ok(ledger)
}

/// Applies a published batch onto `ledger`, after checking that its hash
/// matches its sealed contents and that each of `openings` opens its
/// event's commitment; opened events replay with their texts and owners,
/// the rest without. Otherwise as [`replay_batch`].
pub fn replay_published(
    ledger: &mut Ledger,
    line: usize,
    batch: &PublishedBatch,
    openings: &[Opening],
    past: &impl Recall,
) -> Result<BatchIndex, Broken> {
    let (seq, hash) = (batch.seq, batch.hash);
    if !batch.hash_holds() {
        return Err(Broken::HashMismatch { line, seq });
    }
    let mut opened = vec![None; batch.events.len()];
    for opening in openings {
        let event = usize::try_from(opening.event).unwrap_or(usize::MAX);
        let holds = batch
            .events
            .get(event)
            .and_then(SealedEvent::commitment)
            .is_some_and(|c| c == opening.private.commit(&opening.salt));
        if !holds {
            return Err(Broken::OpeningWrong {
                line,
                seq,
                event: opening.event,
            });
        }
        opened[event] = Some(&opening.private);
    }
    let events = batch
        .events
        .iter()
        .zip(opened)
        .map(|(event, opened)| event.unsealed(opened))
        .collect();
    let checked = Checked {
        line,
        seq,
        prev_hash: batch.prev_hash,
        hash,
        timestamp: batch.timestamp,
    };
    checked.apply(ledger, events, past)
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
    if !batch.hash_holds(ledger.seal_key()) {
        return Err(Broken::HashMismatch {
            line,
            seq: batch.seq,
        });
    }
    let checked = Checked {
        line,
        seq: batch.seq,
        prev_hash: batch.prev_hash,
        hash: batch.hash,
        timestamp: batch.timestamp,
    };
    checked.apply(ledger, batch.events.clone(), past)
}

/// A batch whose hash holds, about to be replayed.
struct Checked {
    line: usize,
    seq: u64,
    prev_hash: Hash,
    hash: Hash,
    timestamp: Timestamp,
}

impl Checked {
    /// Applies the batch's events after checking that it follows the
    /// ledger's last batch, then checks that every event was new and
    /// every currency balances.
    fn apply(
        self,
        ledger: &mut Ledger,
        events: Vec<Event>,
        past: &impl Recall,
    ) -> Result<BatchIndex, Broken> {
        let Checked {
            line,
            seq,
            prev_hash,
            hash,
            timestamp,
        } = self;
        if seq != ledger.next_seq() {
            return Err(Broken::OutOfOrder {
                line,
                seq,
                expected_seq: ledger.next_seq(),
            });
        }
        if prev_hash != ledger.head() {
            return Err(Broken::ChainBroken { line, seq });
        }
        let outcome = ledger.apply_sealed(events, timestamp, past, hash);
        for (event, result) in outcome.results.iter().enumerate() {
            match result {
                Ok(Applied::New) => {}
                Ok(Applied::Replayed) => return Err(Broken::Repeated { line, seq, event }),
                Err(refusal) => {
                    return Err(Broken::EventRefused {
                        line,
                        seq,
                        event,
                        refusal: *refusal,
                    })
                }
            }
        }
        if let Some((currency, _)) = ledger.totals().iter().find(|(_, t)| !t.is_balanced()) {
            return Err(Broken::Unbalanced {
                line,
                seq,
                currency: currency.to_string(),
            });
        }
        Ok(outcome.index)
    }
}
