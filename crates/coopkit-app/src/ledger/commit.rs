//! The writer's group commit, pipelined: while one round's batches are
//! being made durable, the writer judges the next round against memory
//! that already holds them, and sends the next round's batches only once
//! the earlier are durable. Judging and writing take about as long as each
//! other (see `BENCHMARKS.md`), so on two cores doing them side by side
//! is most of the writer's speed.
//!
//! Nothing is answered before its batch is durable, and nothing reads
//! memory that runs ahead of the database: every read first waits for the
//! batch in flight. If a batch fails, the round judged on top of it is
//! judged again once the co-ops are reloaded. Across servers on
//! PostgreSQL the writer holds its co-ops' ledger locks from catching up
//! to the commit, and keeps them across rounds that name the same co-ops
//! (`turns.rs`), so there rounds are pipelined too.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use coopkit_domain::{CoopId, Payee};
use coopkit_ledger::journal::BatchRecord;
use coopkit_ledger::ledger::BATCH_MAX;
use coopkit_ledger::{AccountId, BatchIndex, Event, Refusal, TransferId};
use coopkit_store::{LedgerAppend, SnapshotWrite, Store, StoreError};
use tokio::sync::oneshot;

use super::loading::{self, InFlightBatch};
use super::payees::payees;
use super::planning::Slot;
use super::writer::{Instruction, Outcome, Results, Writer};
use crate::{AppError, Result};

/// A submission waiting for the next group commit.
pub(super) type Submission = (CoopId, Vec<Instruction>, oneshot::Sender<Result<Results>>);

/// Submissions taken from the queue together, settled over one or more
/// rounds (a round leaves for the next what would overfill a batch, or a
/// second play of a track), and answered together.
pub(super) struct Group {
    work: Vec<(CoopId, Vec<Instruction>)>,
    replies: Vec<oneshot::Sender<Result<Results>>>,
    answers: Vec<Result<Vec<Outcome>>>,
    /// Judged again once after another writer committed first.
    retried: bool,
}

/// Which instructions of which submissions a round judged.
type Round = Vec<(usize, Vec<usize>)>;

impl Group {
    pub(super) fn new(submissions: Vec<Submission>) -> Group {
        let (work, replies): (Vec<_>, Vec<_>) = submissions
            .into_iter()
            .map(|(coop, instructions, reply)| ((coop, instructions), reply))
            .unzip();
        let answers = work
            .iter()
            .map(|(_, instructions)| Ok(vec![None; instructions.len()]))
            .collect();
        Group {
            work,
            replies,
            answers,
            retried: false,
        }
    }

    /// The instructions still to judge.
    fn open(&self) -> Round {
        self.answers
            .iter()
            .enumerate()
            .filter_map(|(s, answer)| {
                let answer = answer.as_ref().ok()?;
                let open: Vec<usize> = (0..answer.len()).filter(|&i| answer[i].is_none()).collect();
                (!open.is_empty()).then_some((s, open))
            })
            .collect()
    }

    fn instructions(&self, round: &Round) -> Vec<(CoopId, Vec<Instruction>)> {
        round
            .iter()
            .map(|(s, open)| {
                let (coop, instructions) = &self.work[*s];
                (
                    *coop,
                    open.iter().map(|&i| instructions[i].clone()).collect(),
                )
            })
            .collect()
    }

    fn settle(&mut self, round: &Round, outcomes: Vec<Result<Vec<Outcome>>>) {
        for ((s, open), outcome) in round.iter().zip(outcomes) {
            match (outcome, &mut self.answers[*s]) {
                (Ok(outcomes), Ok(answer)) => {
                    for (&i, outcome) in open.iter().zip(outcomes) {
                        answer[i] = outcome;
                    }
                }
                (Err(error), answer) => *answer = Err(error),
                (Ok(_), Err(_)) => {}
            }
        }
    }

    /// Back to unjudged: the round's batches were not committed.
    fn unsettle(&mut self, round: &Round) {
        for (s, open) in round {
            if let Ok(answer) = &mut self.answers[*s] {
                for &i in open {
                    answer[i] = None;
                }
            }
        }
    }

    fn fail(&mut self, round: &Round) {
        for (s, _) in round {
            self.answers[*s] = Err(AppError::internal(
                "the ledger could not commit; repeating the request is safe, \
                 since its ids make it happen once",
            ));
        }
    }

    fn reply(self) {
        for (reply, answer) in self.replies.into_iter().zip(self.answers) {
            let answer = answer.map(|outcomes| {
                outcomes
                    .into_iter()
                    .map(|o| o.unwrap_or(Err(Refusal::LinkedEventFailed)))
                    .collect()
            });
            let _ = reply.send(answer);
        }
    }
}

/// A co-op's batch on its way to the database, with the snapshot to keep
/// with it if it is time for one.
pub(super) struct Outgoing {
    coop: CoopId,
    record: BatchRecord,
    index: Arc<BatchIndex>,
    payees: Vec<Payee>,
    snapshot: Option<SnapshotWrite>,
}

/// The last round of a group, being committed while the writer goes on.
pub(super) struct InFlight {
    done: oneshot::Receiver<Result<(), StoreError>>,
    /// Each co-op's batch: its seq, and its snapshot's if it keeps one.
    batches: Vec<(CoopId, u64, Option<u64>)>,
    group: Group,
    round: Round,
}

impl InFlight {
    /// Until its batches are committed, or not.
    async fn committed(&mut self) -> Result<(), StoreError> {
        (&mut self.done)
            .await
            .unwrap_or_else(|_| Err(StoreError::Corrupt("the ledger commit stopped".into())))
    }

    /// Until the batches in flight, if any, are committed or not; never
    /// when there are none.
    pub(super) async fn settled(in_flight: &mut Option<InFlight>) -> Result<(), StoreError> {
        match in_flight {
            Some(in_flight) => in_flight.committed().await,
            None => std::future::pending().await,
        }
    }
}

/// Where one submission's events sit in its co-op's merged batch.
struct Pending {
    coop: CoopId,
    slots: Vec<Slot>,
}

/// Writes the batches in one transaction.
async fn append(store: &Store, outgoing: &[Outgoing]) -> Result<(), StoreError> {
    let appends: Vec<LedgerAppend<'_>> = outgoing
        .iter()
        .map(|o| LedgerAppend {
            coop: o.coop,
            record: &o.record,
            index: &o.index,
            payees: o.payees.clone(),
            snapshot: o.snapshot.as_ref(),
        })
        .collect();
    store.append_ledger_batches(&appends).await
}

impl Writer {
    /// Settles a group: judges its rounds and commits their batches, then
    /// answers each submitter. Its last round is left in flight
    /// (`self.in_flight`) when nothing stands in the way, answered when
    /// it is committed. If another writer (another app server on the
    /// same database) committed first, the journal's (co-op, seq) key
    /// refuses the whole transaction; the ledgers are reloaded with what
    /// that writer committed and the group judged once more against it.
    pub(super) async fn commit(&mut self, group: Group) {
        // Groups to settle, the next last: a group whose batch in flight
        // was refused by another writer's goes before the one judged on
        // top of it.
        let mut groups = vec![group];
        'groups: while let Some(mut group) = groups.pop() {
            loop {
                let round = group.open();
                if round.is_empty() {
                    group.reply();
                    continue 'groups;
                }
                let work = group.instructions(&round);
                let coops: Vec<CoopId> = work.iter().map(|(coop, _)| *coop).collect();
                let catch_up = !self.has_turn(&coops);
                if catch_up {
                    // What was committed under the locks held is durable
                    // before they go.
                    if let Err(retry) = self.drain().await {
                        groups.extend(retry);
                    }
                    if let Err(error) = self.take_turn(&coops).await {
                        tracing::error!(%error, "no ledger lock");
                        group.fail(&round);
                        continue;
                    }
                }
                let judged = self.judge(&work, catch_up).await;
                if let Err(retry) = self.drain().await {
                    // This round was judged on top of what failed.
                    self.forget(&coops);
                    groups.push(group);
                    groups.extend(retry);
                    continue 'groups;
                }
                let (outcomes, outgoing) = match judged {
                    Ok(judged) => judged,
                    Err(error) => {
                        self.settled(&mut group, &round, Err(error));
                        continue;
                    }
                };
                group.settle(&round, outcomes);
                if group.open().is_empty() && !self.over_budget() {
                    self.in_flight = Some(self.send(outgoing, group, round));
                    continue 'groups;
                }
                let persisted = self.persist(outgoing).await;
                if let Err(error) = persisted {
                    group.unsettle(&round);
                    self.settled(&mut group, &round, Err(error));
                }
            }
        }
    }

    /// Takes in a round's outcome: its outcomes, or judged once more after
    /// another writer committed first, or failed.
    fn settled(
        &mut self,
        group: &mut Group,
        round: &Round,
        outcome: Result<Vec<Result<Vec<Outcome>>>, StoreError>,
    ) {
        match outcome {
            Ok(outcomes) => group.settle(round, outcomes),
            Err(StoreError::Conflict(_)) if !group.retried => {
                tracing::warn!("another ledger writer committed first; reloaded and retrying");
                group.retried = true;
            }
            Err(_) => group.fail(round),
        }
    }

    /// Waits for the batches in flight, if any, and takes in how they
    /// ended (see [`Writer::finish`]).
    async fn drain(&mut self) -> std::result::Result<(), Option<Group>> {
        let Some(mut previous) = self.in_flight.take() else {
            return Ok(());
        };
        let committed = previous.committed().await;
        self.finish(previous, committed)
    }

    /// Settles everything in flight, groups judged again included: what
    /// comes before a read, or anything else that must see memory and
    /// database agree.
    pub(super) async fn settle_in_flight(&mut self) {
        while let Err(Some(retry)) = self.drain().await {
            self.commit(retry).await;
        }
    }

    /// Takes in how the batches in flight ended: answers their group when
    /// they are committed; otherwise forgets their co-ops and returns the
    /// group to judge again, if it may be.
    pub(super) fn finish(
        &mut self,
        in_flight: InFlight,
        committed: Result<(), StoreError>,
    ) -> std::result::Result<(), Option<Group>> {
        let InFlight {
            batches,
            mut group,
            round,
            ..
        } = in_flight;
        let Err(error) = committed else {
            for (coop, seq, snapshot) in batches {
                if let Some(held) = self.ledgers.get_mut(&coop) {
                    held.committed(seq, snapshot);
                }
            }
            group.reply();
            return Ok(());
        };
        tracing::error!(%error, "ledger batches not committed");
        // The locks' connection may be what failed: closed, and taken anew.
        self.turn = None;
        let coops: Vec<CoopId> = batches.iter().map(|(coop, ..)| *coop).collect();
        self.forget(&coops);
        group.unsettle(&round);
        let retried = group.retried;
        self.settled(&mut group, &round, Err(error));
        if group.retried && !retried {
            return Err(Some(group));
        }
        group.reply();
        Err(None)
    }

    pub(super) fn forget(&mut self, coops: &[CoopId]) {
        for coop in coops {
            self.ledgers.remove(coop);
        }
    }

    /// Whether the writer locates more transfers than it should keep.
    fn over_budget(&self) -> bool {
        loading::over_budget(&self.ledgers)
    }

    /// Starts committing the round's batches.
    fn send(&self, outgoing: Vec<Outgoing>, group: Group, round: Round) -> InFlight {
        let batches = outgoing
            .iter()
            .map(|o| (o.coop, o.record.seq, o.snapshot.as_ref().map(|s| s.seq)))
            .collect();
        let (sent, done) = oneshot::channel();
        let store = self.store.clone();
        tokio::spawn(async move {
            let _ = sent.send(append(&store, &outgoing).await);
        });
        InFlight {
            done,
            batches,
            group,
            round,
        }
    }

    /// Commits the records in one transaction, now. If that fails, memory
    /// has run ahead of the database: the co-ops concerned are forgotten,
    /// so their next use replays what was committed.
    pub(super) async fn persist(&mut self, outgoing: Vec<Outgoing>) -> Result<(), StoreError> {
        let committed = append(&self.store, &outgoing).await;
        for o in &outgoing {
            match (&committed, self.ledgers.get_mut(&o.coop)) {
                (Err(_), _) => {
                    self.ledgers.remove(&o.coop);
                }
                (Ok(()), Some(held)) => {
                    held.committed(o.record.seq, o.snapshot.as_ref().map(|s| s.seq));
                }
                (Ok(()), None) => {}
            }
        }
        if let Err(error) = &committed {
            tracing::error!(%error, "ledger batches not committed");
            self.turn = None;
        }
        loading::bound_unflushed(&self.store, &mut self.ledgers).await;
        committed
    }

    /// A batch for each co-op of `records`, ready to commit.
    pub(super) fn outgoing(
        &self,
        records: Vec<(CoopId, BatchRecord, Arc<BatchIndex>, Option<SnapshotWrite>)>,
    ) -> Vec<Outgoing> {
        records
            .into_iter()
            .map(|(coop, record, index, snapshot)| Outgoing {
                payees: self
                    .ledgers
                    .get(&coop)
                    .map(|c| payees(&c.ledger, &index))
                    .unwrap_or_default(),
                coop,
                record,
                index,
                snapshot,
            })
            .collect()
    }

    /// Judges one round in memory: each submission's outcomes, and the
    /// batches to commit. `catch_up`: the round's ledger locks were just
    /// taken (see `turns.rs`), so each ledger first takes in what other
    /// servers committed. If the round cannot be judged (a lookup failed),
    /// its co-ops are forgotten, since some may have applied.
    async fn judge(
        &mut self,
        work: &[(CoopId, Vec<Instruction>)],
        catch_up: bool,
    ) -> Result<(Vec<Result<Vec<Outcome>>>, Vec<Outgoing>), StoreError> {
        let judged = self.judge_round(work, catch_up).await;
        if judged.is_err() {
            let coops: Vec<CoopId> = work.iter().map(|(coop, _)| *coop).collect();
            self.forget(&coops);
        }
        judged
    }

    async fn judge_round(
        &mut self,
        work: &[(CoopId, Vec<Instruction>)],
        catch_up: bool,
    ) -> Result<(Vec<Result<Vec<Outcome>>>, Vec<Outgoing>), StoreError> {
        let now = self.clock.now();
        let mut merged: HashMap<CoopId, Vec<Event>> = HashMap::new();
        let mut playing: HashMap<CoopId, HashSet<(AccountId, i64)>> = HashMap::new();
        let mut pending: Vec<Result<Pending>> = Vec::with_capacity(work.len());
        for (coop, instructions) in work {
            let coop = *coop;
            let store = self.store.clone();
            let held = if catch_up && !merged.contains_key(&coop) {
                self.current(coop).await
            } else {
                self.loaded(coop).await
            };
            let coop_ledger = match held {
                Ok(c) => c,
                Err(error) => {
                    pending.push(Err(error));
                    continue;
                }
            };
            if !merged.contains_key(&coop) {
                // What an earlier round looked up may have changed since.
                coop_ledger.recalled.clear();
                coop_ledger.looked_up.clear();
            }
            // A play's price depends on whether it was recorded before.
            let legs: Vec<TransferId> = instructions
                .iter()
                .flat_map(Instruction::play_legs)
                .collect();
            if !legs.is_empty() {
                let next_seq = coop_ledger.ledger.next_seq();
                match loading::recall(&store, coop, coop_ledger, &legs, next_seq).await {
                    Ok(recalled) => {
                        coop_ledger.recalled.extend(recalled);
                        coop_ledger.looked_up.extend(legs);
                    }
                    Err(error) => {
                        pending.push(Err(error.into()));
                        continue;
                    }
                }
            }
            let events = merged.entry(coop).or_default();
            // Judged before planning, which opens accounts: a submission
            // that might overfill the batch waits whole for the next one.
            let most: usize = instructions
                .iter()
                .map(|i| coop_ledger.most_events(i))
                .sum();
            if !events.is_empty() && events.len() + most > BATCH_MAX {
                let slots = vec![Slot::Later; instructions.len()];
                pending.push(Ok(Pending { coop, slots }));
                continue;
            }
            // A submission may not leave a chain open into the next one,
            // nor chain a payment into a play (which may wait a round).
            let linked = |i: &Instruction| matches!(i, Instruction::Pay(p) if p.linked);
            let open_chain = instructions.last().is_some_and(linked)
                || (instructions.iter().any(linked)
                    && instructions
                        .iter()
                        .any(|i| matches!(i, Instruction::Play(_))));
            // Accounts are opened ahead of the submission's transfers, so an
            // opening never falls between two linked transfers.
            let mut openings = Vec::new();
            let mut transfers = Vec::with_capacity(instructions.len());
            let mut slots = Vec::with_capacity(instructions.len());
            let playing = playing.entry(coop).or_default();
            for instruction in instructions {
                slots.push(if open_chain {
                    Slot::Settled(Err(Refusal::LinkedChainOpen))
                } else {
                    coop_ledger.plan(instruction, &mut openings, &mut transfers, playing)
                });
            }
            let base = events.len() + openings.len();
            events.extend(openings);
            events.extend(transfers);
            let slots = slots
                .into_iter()
                .map(|slot| match slot {
                    Slot::Events(range) => Slot::Events(base + range.start..base + range.end),
                    other => other,
                })
                .collect();
            pending.push(Ok(Pending { coop, slots }));
        }

        let mut outcomes: HashMap<CoopId, Results> = HashMap::new();
        let mut records = Vec::new();
        for (coop, events) in merged {
            let Some(coop_ledger) = self.ledgers.get_mut(&coop) else {
                continue;
            };
            let mut recalled = std::mem::take(&mut coop_ledger.recalled);
            let looked_up = std::mem::take(&mut coop_ledger.looked_up);
            let names: Vec<TransferId> = coop_ledger
                .ledger
                .names(&events)
                .into_iter()
                .filter(|id| !looked_up.contains(id))
                .collect();
            let next_seq = coop_ledger.ledger.next_seq();
            let more = loading::recall(&self.store, coop, coop_ledger, &names, next_seq).await?;
            recalled.extend(more);
            let Some(coop_ledger) = self.ledgers.get_mut(&coop) else {
                continue;
            };
            let outcome = coop_ledger.ledger.apply(events, now, &recalled);
            // Noted now; if the commit fails the ledger is forgotten and
            // reloaded from what was committed.
            if let Some(record) = outcome.record {
                coop_ledger.note_committed(&record.events, &outcome.index);
                let index = Arc::new(outcome.index);
                coop_ledger.in_flight = Some(InFlightBatch::new(record.seq, index.clone()));
                let snapshot = if coop_ledger.unsnapshotted >= self.limits.snapshot_every {
                    coop_ledger
                        .take_snapshot()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?
                } else {
                    None
                };
                records.push((coop, record, index, snapshot));
            }
            outcomes.insert(coop, outcome.results);
        }
        let outcomes = pending
            .into_iter()
            .map(|p| {
                let p = p?;
                let results = outcomes.get(&p.coop);
                Ok(p.slots.iter().map(|slot| slot.result(results)).collect())
            })
            .collect();
        Ok((outcomes, self.outgoing(records)))
    }
}
