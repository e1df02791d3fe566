//! Verifying a downloaded journal of any length in memory that follows
//! its accounts and open holds, not its history: what `coopkit ledger
//! verify --file` does on a member's own machine.
//!
//! Replaying a batch asks about the ids its events name: each transfer's
//! own id (a writer never journals one twice, so a repeat is a forgery)
//! and the hold a post, void or expiry ends once that hold is no longer
//! open. A [`MemoryLedger`](crate::MemoryLedger) answers from every
//! transfer it has replayed. Here the file is read twice instead. The
//! first pass puts every transfer's id through a filter of used ids
//! ([`UsedIds`], about two bytes an id): an id it says may have come
//! before is a suspect, and so is every hold a post, void or expiry
//! names. The filter never misses an id it was given, so every repeat is
//! a suspect, and about one new id in a hundred is too. The second pass
//! replays each batch and remembers the suspects' transfers only, so it
//! answers each question the replay asks exactly as the memory ledger
//! would, and reaches the same verdict (a test and a fuzz target compare
//! the two).

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use crate::history::remember_transfers;
use crate::index::Past;
use crate::journal::{self, Broken, PublishedBatch};
use crate::ledger::Ledger;
use crate::seal::{Opening, SealKey, SealedEvent};
use crate::transfer::{TransferId, TransferKind};
use crate::used_ids::UsedIds;

/// The batches of a published journal read one line at a time, each
/// with its line number (from 1); blank lines are skipped, as
/// [`journal::read_json_lines`] does.
#[derive(Debug)]
pub struct Batches<R> {
    reader: R,
    line: usize,
    text: String,
}

impl<R: BufRead> Batches<R> {
    pub fn new(reader: R) -> Batches<R> {
        Batches {
            reader,
            line: 0,
            text: String::new(),
        }
    }
}

impl<R: BufRead> Iterator for Batches<R> {
    type Item = Result<(usize, PublishedBatch), Broken>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.text.clear();
            self.line += 1;
            let line = self.line;
            let unreadable = |reason: String| Some(Err(Broken::Unreadable { line, reason }));
            match self.reader.read_line(&mut self.text) {
                Ok(0) => return None,
                Ok(_) if self.text.trim().is_empty() => continue,
                Ok(_) => {}
                Err(error) => return unreadable(error.to_string()),
            }
            // Without its line ending, as `str::lines` gives it, so that
            // an error reads as the memory ledger's does.
            let text = match self.text.strip_suffix('\n') {
                Some(text) => text.strip_suffix('\r').unwrap_or(text),
                None => &self.text,
            };
            return match serde_json::from_str(text) {
                Ok(batch) => Some(Ok((line, batch))),
                Err(error) => unreadable(error.to_string()),
            };
        }
    }
}

/// The ids whose transfers the second pass remembers: see the module's
/// comment.
#[derive(Debug, Default)]
pub struct Suspects(HashSet<TransferId>);

impl Suspects {
    /// The first pass: reads every batch, checking nothing but that it
    /// reads.
    pub fn find<R: BufRead>(batches: Batches<R>) -> Result<Suspects, Broken> {
        let mut used = UsedIds::new();
        let mut suspects = HashSet::new();
        for batch in batches {
            let (_, batch) = batch?;
            for event in &batch.events {
                match event {
                    SealedEvent::Transfer(transfer) => {
                        if used.may_contain(transfer.id) {
                            suspects.insert(transfer.id);
                        }
                        used.insert(transfer.id);
                        if let TransferKind::Post { pending, .. } | TransferKind::Void { pending } =
                            transfer.kind
                        {
                            suspects.insert(pending);
                        }
                    }
                    SealedEvent::Expire { pending } => {
                        suspects.insert(*pending);
                    }
                    SealedEvent::OpenAccount(_)
                    | SealedEvent::SetLimits { .. }
                    | SealedEvent::CloseAccount { .. } => {}
                }
            }
        }
        Ok(Suspects(suspects))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The second pass: a ledger that replays a journal batch by batch,
/// remembering the suspects' transfers and nothing else of its history.
#[derive(Debug)]
pub struct Replay {
    ledger: Ledger,
    suspects: Suspects,
    remembered: HashMap<TransferId, Past>,
}

impl Replay {
    pub fn new(suspects: Suspects) -> Replay {
        Replay {
            // The replayed batches come sealed, with their hashes: this
            // ledger never seals one itself, so its key is never used.
            ledger: Ledger::new(SealKey::from_bytes([0; 32])),
            suspects,
            remembered: HashMap::new(),
        }
    }

    /// Checks and applies the next batch, with the openings given for
    /// it, as [`journal::replay_published`] does.
    pub fn batch(
        &mut self,
        line: usize,
        batch: &PublishedBatch,
        openings: &[Opening],
    ) -> Result<(), Broken> {
        let index =
            journal::replay_published(&mut self.ledger, line, batch, openings, &self.remembered)?;
        let suspects = &self.suspects.0;
        remember_transfers(&mut self.remembered, &index, |id| suspects.contains(&id));
        Ok(())
    }

    /// The ledger as replayed so far: balances, open holds, the chain's
    /// head.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}

/// Verifies a published journal read twice, `first` and `second` being
/// the same text, with the openings each batch carries: the verdict of
/// [`journal::verify_json_lines`], in memory that does not grow with the
/// journal's history.
pub fn verify<R: BufRead>(first: R, second: R) -> Result<Ledger, Broken> {
    let mut replay = Replay::new(Suspects::find(Batches::new(first))?);
    for batch in Batches::new(second) {
        let (line, batch) = batch?;
        replay.batch(line, &batch, &batch.openings)?;
    }
    Ok(replay.ledger)
}
