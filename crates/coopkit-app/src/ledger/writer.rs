//! The ledger writer: one task per database that owns the ledgers of the
//! co-ops in use, in memory (balances, limits, open holds: what judging a
//! transfer needs, not their history). Concurrent submissions queue on its
//! channel; it takes all that are waiting (up to a batch), looks up in the
//! journal's index the ids they name, applies them per co-op, commits
//! every resulting journal batch with its index rows in one database
//! transaction, and answers each submitter only after that commit returned
//! (group commit).
//!
//! Because one task owns the ledgers, validation against balances needs no
//! locks, and queries answered by the same task only ever see committed
//! state. Across servers on one PostgreSQL, a round holds its co-ops'
//! advisory locks from catching up until it commits. Statements, transfers and the journal are read from the
//! database; the writer only says where an account's statement ends.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use coopkit_domain::{Clock, CoopId, PersonId};
use coopkit_ledger::journal::BatchRecord;
use coopkit_ledger::ledger::{Applied, BATCH_MAX};
use coopkit_ledger::{
    AccountId, AccountOwner, CurrencyCode, Event, Limit, Refusal, StatementHead, TransferId,
};
use coopkit_store::{LedgerAppend, SnapshotWrite, StatementLine, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

pub use super::answers::{AccountView, Accounts, TransferView};
use super::loading::{self, LedgerLimits};
use super::payees::payees;
use super::planning::{CoopLedger, Slot};
use super::plays::Play;
use crate::{AppError, Result};

/// What a submitter asks the ledger to do. Payments name owners, not
/// account numbers: the writer opens an owner's account in a currency the
/// first time it is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instruction {
    Pay(Payment),
    Post {
        id: TransferId,
        pending: TransferId,
        amount: Option<u64>,
    },
    Void {
        id: TransferId,
        pending: TransferId,
    },
    /// A listener's play of a track: a chain of transfers when it costs
    /// something, nothing when the track is already theirs.
    Play(Play),
    /// Overrides the currency's default limits for one owner's account,
    /// opening it if needed.
    SetLimits {
        currency: CurrencyCode,
        owner: AccountOwner,
        debit_limit: Limit,
        balance_cap: Limit,
    },
}

impl Instruction {
    /// The most events the instruction can become, accounts it opens
    /// included: what a batch must have room for.
    fn most_events(&self) -> usize {
        match self {
            Instruction::Pay(_) => 3,
            Instruction::Post { .. } | Instruction::Void { .. } => 1,
            Instruction::SetLimits { .. } => 2,
            Instruction::Play(play) => 2 * play.legs() + 1,
        }
    }

    /// The ids of a play's legs, which are looked up before the play is
    /// priced: a play recorded before is not charged again.
    fn play_legs(&self) -> Vec<TransferId> {
        match self {
            Instruction::Play(play) => (0..play.legs()).map(|leg| play.leg_id(leg)).collect(),
            _ => Vec::new(),
        }
    }
}

/// Value moving from one owner to another, now or as a hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub id: TransferId,
    pub currency: CurrencyCode,
    pub from: AccountOwner,
    pub to: AccountOwner,
    pub amount: u64,
    /// `Some(timeout)` holds the amount instead of moving it; `Some(None)`
    /// holds it until posted or voided.
    pub hold: Option<Option<u64>>,
    pub linked: bool,
    pub memo: String,
    pub cause: String,
}

pub(super) type Results = Vec<Result<Applied, Refusal>>;

enum Command {
    Submit {
        coop: CoopId,
        instructions: Vec<Instruction>,
        reply: oneshot::Sender<Result<Results>>,
    },
    Accounts {
        coop: CoopId,
        which: Accounts,
        reply: oneshot::Sender<Result<Vec<AccountView>>>,
    },
    Transfer {
        coop: CoopId,
        id: TransferId,
        reply: oneshot::Sender<Result<Option<TransferView>>>,
    },
    StatementHead {
        coop: CoopId,
        account: AccountId,
        reply: oneshot::Sender<Result<StatementHead>>,
    },
    PlayCounts {
        coop: CoopId,
        currency: CurrencyCode,
        listener: PersonId,
        tracks: Vec<i64>,
        reply: oneshot::Sender<Result<Vec<u32>>>,
    },
    Forget {
        coop: CoopId,
    },
    LetGo {
        coop: CoopId,
        reply: oneshot::Sender<Result<()>>,
    },
}

/// A handle to the writer task; cheap to clone.
#[derive(Clone, Debug)]
pub struct LedgerWriter {
    commands: mpsc::Sender<Command>,
    store: Store,
}

/// Submissions waiting beyond this make submitters wait for room, so a
/// flood cannot exhaust memory.
const QUEUE_DEPTH: usize = 16 * 1024;

/// How often the writer looks for holds whose timeout has passed.
const EXPIRY_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl LedgerWriter {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(store: Store, clock: Arc<dyn Clock>) -> LedgerWriter {
        LedgerWriter::start_with(store, clock, LedgerLimits::default())
    }

    /// Starts the writer task, keeping snapshots and letting go of idle
    /// co-ops as `limits` say.
    pub fn start_with(store: Store, clock: Arc<dyn Clock>, limits: LedgerLimits) -> LedgerWriter {
        let (commands, queue) = mpsc::channel(QUEUE_DEPTH);
        let task = Writer {
            store: store.clone(),
            clock,
            limits,
            ledgers: HashMap::new(),
        };
        tokio::spawn(task.run(queue));
        LedgerWriter { commands, store }
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T>>) -> Command,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(AppError::because("the ledger writer has stopped"))?;
        answer
            .await
            .map_err(AppError::because("the ledger writer dropped a request"))?
    }

    /// Submits instructions for one co-op; returns one result per
    /// instruction once the batch holding them is durable.
    pub async fn submit(&self, coop: CoopId, instructions: Vec<Instruction>) -> Result<Results> {
        self.ask(|reply| Command::Submit {
            coop,
            instructions,
            reply,
        })
        .await
    }

    /// Every account of a co-op with its committed balances.
    pub async fn accounts(&self, coop: CoopId) -> Result<Vec<AccountView>> {
        self.accounts_where(coop, Accounts::All).await
    }

    /// Some accounts of a co-op with their committed balances: chosen in
    /// the writer, so that a member's page does not copy every account of
    /// the co-op through the one task that all payments go through.
    pub async fn accounts_where(&self, coop: CoopId, which: Accounts) -> Result<Vec<AccountView>> {
        self.ask(|reply| Command::Accounts { coop, which, reply })
            .await
    }

    /// The co-op's journal as committed: read from the database, since
    /// it is what a member should be able to check.
    pub async fn journal(&self, coop: CoopId) -> Result<Vec<BatchRecord>> {
        Ok(self.store.ledger_journal(coop).await?)
    }

    /// A transfer of this co-op by id, as committed.
    pub async fn transfer(&self, coop: CoopId, id: TransferId) -> Result<Option<TransferView>> {
        self.ask(|reply| Command::Transfer { coop, id, reply })
            .await
    }

    /// A page of an account's statement, newest first: up to `limit`
    /// lines at positions up to `before`, and where the next page starts.
    /// The writer says where the statement ends (having caught up with
    /// any batch another server committed); the lines are read from the
    /// index outside it, so a long statement holds up no payment.
    pub async fn statement(
        &self,
        coop: CoopId,
        account: AccountId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<StatementLine>, Option<u64>)> {
        let head = self
            .ask(|reply| Command::StatementHead {
                coop,
                account,
                reply,
            })
            .await?;
        Ok(self
            .store
            .ledger_statement(coop, account, head, before, limit)
            .await?)
    }

    /// How many paid plays `listener` has made of each of `tracks`.
    pub async fn play_counts(
        &self,
        coop: CoopId,
        currency: CurrencyCode,
        listener: PersonId,
        tracks: Vec<i64>,
    ) -> Result<Vec<u32>> {
        self.ask(|reply| Command::PlayCounts {
            coop,
            currency,
            listener,
            tracks,
            reply,
        })
        .await
    }

    /// Keeps a snapshot of a co-op's ledger and lets go of it, as when it
    /// is left idle.
    pub async fn let_go(&self, coop: CoopId) -> Result<()> {
        self.ask(|reply| Command::LetGo { coop, reply }).await
    }

    /// Drops a co-op's ledger from memory, so the next use reloads it
    /// (after its currencies change, say).
    pub async fn forget(&self, coop: CoopId) {
        let _ = self.commands.send(Command::Forget { coop }).await;
    }
}

struct Writer {
    store: Store,
    clock: Arc<dyn Clock>,
    limits: LedgerLimits,
    ledgers: HashMap<CoopId, CoopLedger>,
}

/// A batch on its way to the database: its co-op, record, index and the
/// snapshot to keep with it, if it is time for one.
type Committing = (
    CoopId,
    BatchRecord,
    coopkit_ledger::BatchIndex,
    Option<SnapshotWrite>,
);

/// A submission waiting for the next group commit.
type Submission = (CoopId, Vec<Instruction>, oneshot::Sender<Result<Results>>);

/// Where one submission's events sit in its co-op's merged batch.
struct Pending {
    coop: CoopId,
    slots: Vec<Slot>,
}

/// An instruction's result, or `None` while it waits for the next round.
pub(super) type Outcome = Option<Result<Applied, Refusal>>;

impl Writer {
    async fn run(mut self, mut queue: mpsc::Receiver<Command>) {
        let mut expiry = tokio::time::interval(EXPIRY_CHECK_EVERY);
        expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let first = tokio::select! {
                command = queue.recv() => match command {
                    Some(command) => command,
                    None => return,
                },
                _ = expiry.tick() => {
                    self.expire_holds().await;
                    self.let_go_of_idle().await;
                    continue;
                }
            };
            let mut submissions = Vec::new();
            let mut waiting_events = 0;
            let mut next = Some(first);
            while let Some(command) = next.take() {
                match command {
                    Command::Submit {
                        coop,
                        instructions,
                        reply,
                    } => {
                        waiting_events += instructions.len();
                        submissions.push((coop, instructions, reply));
                    }
                    other => self.answer(other).await,
                }
                if waiting_events < BATCH_MAX / 2 {
                    next = queue.try_recv().ok();
                }
            }
            if !submissions.is_empty() {
                self.commit(submissions).await;
            }
        }
    }

    /// Releases holds whose time is up, as journaled `Expire` events, in
    /// the co-ops whose ledgers are loaded (a ledger loaded later expires
    /// its overdue holds on the next check).
    async fn expire_holds(&mut self) {
        let now = self.clock.now();
        let mut records = Vec::new();
        for (coop, coop_ledger) in &mut self.ledgers {
            let due = coop_ledger.ledger.expired_holds(now);
            if due.is_empty() {
                continue;
            }
            let events = due
                .into_iter()
                .map(|pending| Event::Expire { pending })
                .collect();
            // Expiries name only open holds, which the ledger holds itself.
            let outcome = coop_ledger.ledger.apply(events, now, &HashMap::new());
            if let Some(record) = outcome.record {
                coop_ledger.note_committed(&record.events, &outcome.index);
                records.push((*coop, record, outcome.index, None));
            }
        }
        // On failure the ledgers are forgotten; the holds expire again on reload.
        let _ = self.persist(&records).await;
    }

    /// Lets go of the ledgers of co-ops unused for a while, after
    /// keeping a snapshot of any batches since the last. A co-op with a
    /// hold that lapses by itself stays, so that it lapses on time.
    async fn let_go_of_idle(&mut self) {
        let idle: Vec<CoopId> = self
            .ledgers
            .iter()
            .filter(|(_, c)| {
                c.last_used.elapsed() >= self.limits.idle_after && !c.ledger.has_timed_holds()
            })
            .map(|(coop, _)| *coop)
            .collect();
        for coop in idle {
            if let Err(error) = self.let_go(coop).await {
                tracing::warn!(coop = %coop, %error, "no snapshot of an idle ledger; the next load replays more");
            }
        }
    }

    /// Keeps a snapshot of the batches since the last, if any, and lets go
    /// of the co-op's ledger.
    async fn let_go(&mut self, coop: CoopId) -> Result<()> {
        let Some(mut held) = self.ledgers.remove(&coop) else {
            return Ok(());
        };
        if held.unsnapshotted == 0 {
            return Ok(());
        }
        held.keep_snapshot(&self.store, coop).await
    }

    /// Commits the records in one transaction. If that fails, memory has
    /// run ahead of the database: the co-ops concerned are forgotten, so
    /// their next use replays what was committed.
    async fn persist(&mut self, records: &[Committing]) -> Result<(), StoreError> {
        let appends: Vec<LedgerAppend<'_>> = records
            .iter()
            .map(|(coop, record, index, snapshot)| LedgerAppend {
                coop: *coop,
                record,
                index,
                payees: self
                    .ledgers
                    .get(coop)
                    .map(|c| payees(&c.ledger, index))
                    .unwrap_or_default(),
                snapshot: snapshot.as_ref(),
            })
            .collect();
        let committed = self.store.append_ledger_batches(&appends).await;
        match &committed {
            Err(error) => {
                tracing::error!(%error, "ledger batches not committed");
                for (coop, ..) in records {
                    self.ledgers.remove(coop);
                }
            }
            Ok(()) => {
                for (coop, _, _, snapshot) in records {
                    if let (Some(held), Some(_)) = (self.ledgers.get_mut(coop), snapshot) {
                        held.snapshot_kept();
                    }
                }
            }
        }
        committed
    }

    async fn answer(&mut self, command: Command) {
        match command {
            Command::Accounts { coop, which, reply } => {
                let views = self.current(coop).await.map(|c| {
                    let mut views: Vec<_> = c
                        .ledger
                        .accounts()
                        .filter(|(account, _)| which.includes(account))
                        .map(|(account, balances)| AccountView {
                            account: account.clone(),
                            balances,
                        })
                        .collect();
                    views.sort_by_key(|v| v.account.id);
                    views
                });
                let _ = reply.send(views);
            }
            Command::Transfer { coop, id, reply } => {
                let _ = reply.send(self.transfer_view(coop, id).await);
            }
            Command::StatementHead {
                coop,
                account,
                reply,
            } => {
                let head = self
                    .current(coop)
                    .await
                    .map(|c| c.ledger.statement_head(account));
                let _ = reply.send(head);
            }
            Command::PlayCounts {
                coop,
                currency,
                listener,
                tracks,
                reply,
            } => {
                let counts = self.current(coop).await.map(|c| {
                    let owner = AccountOwner::Member(listener);
                    match c.by_owner.get(&(currency, owner)) {
                        Some(account) => {
                            tracks.iter().map(|t| c.plays.count(*account, *t)).collect()
                        }
                        None => vec![0; tracks.len()],
                    }
                });
                let _ = reply.send(counts);
            }
            Command::Forget { coop } => {
                self.ledgers.remove(&coop);
            }
            Command::LetGo { coop, reply } => {
                let _ = reply.send(self.let_go(coop).await);
            }
            Command::Submit { .. } => {}
        }
    }

    /// A transfer with its owners and, for a hold, how it stands.
    async fn transfer_view(
        &mut self,
        coop: CoopId,
        id: TransferId,
    ) -> Result<Option<TransferView>> {
        let store = self.store.clone();
        let held = self.current(coop).await?;
        let before = held.ledger.next_seq();
        let found = loading::recall(&store, coop, held, &[id], before).await?;
        let Some(past) = found.into_values().next() else {
            return Ok(None);
        };
        let Some(held) = self.ledgers.get(&coop) else {
            return Ok(None);
        };
        let record = past.record;
        let (Some((debit, _)), Some((credit, _))) = (
            held.ledger.account(record.debit),
            held.ledger.account(record.credit),
        ) else {
            return Ok(None);
        };
        Ok(Some(TransferView {
            currency: debit.currency.clone(),
            debit_owner: debit.owner,
            credit_owner: credit.owner,
            hold: past.hold,
            record,
        }))
    }

    /// The co-op's ledger as the database has it now, for a read: another
    /// app server on the same database may have committed batches since
    /// this one last wrote, and a page must not show balances from before
    /// them. One indexed lookup of the journal's end; the batches after
    /// the ledger's own are applied when it moved.
    async fn current(&mut self, coop: CoopId) -> Result<&mut CoopLedger> {
        if let Some(held) = self.ledgers.get_mut(&coop) {
            let stored = self.store.ledger_next_seq(coop).await?;
            if stored != held.ledger.next_seq() {
                if let Err(error) = loading::catch_up(&self.store, coop, held, false).await {
                    self.ledgers.remove(&coop);
                    return Err(error);
                }
            }
        }
        self.loaded(coop).await
    }

    /// The co-op's ledger, loaded on first use.
    async fn loaded(&mut self, coop: CoopId) -> Result<&mut CoopLedger> {
        if !self.ledgers.contains_key(&coop) {
            let loaded = loading::load(&self.store, coop).await?;
            self.ledgers.insert(coop, loaded);
        }
        let held = self
            .ledgers
            .get_mut(&coop)
            .ok_or(AppError::internal("ledger vanished while loading"))?;
        held.last_used = Instant::now();
        Ok(held)
    }

    /// Applies the submissions and commits their batches, then answers
    /// each submitter. If another writer (another app server on the same
    /// database) committed first, the journal's (co-op, seq) key refuses
    /// the whole transaction; the ledgers are reloaded with what that
    /// writer committed and the submissions judged once more against it.
    /// What a round leaves for later (a second play of a track by its
    /// listener, a submission that would overfill the batch) is committed
    /// in the next round, before anyone is answered.
    async fn commit(&mut self, submissions: Vec<Submission>) {
        let (work, replies): (Vec<_>, Vec<_>) = submissions
            .into_iter()
            .map(|(coop, instructions, reply)| ((coop, instructions), reply))
            .unzip();
        let mut answers: Vec<Result<Vec<Outcome>>> = work
            .iter()
            .map(|(_, instructions)| Ok(vec![None; instructions.len()]))
            .collect();
        // Each round settles at least one submission's worth, so rounds end.
        loop {
            let open: Vec<(usize, Vec<usize>)> = answers
                .iter()
                .enumerate()
                .filter_map(|(s, answer)| {
                    let answer = answer.as_ref().ok()?;
                    let open: Vec<usize> =
                        (0..answer.len()).filter(|&i| answer[i].is_none()).collect();
                    (!open.is_empty()).then_some((s, open))
                })
                .collect();
            if open.is_empty() {
                break;
            }
            let round: Vec<(CoopId, Vec<Instruction>)> = open
                .iter()
                .map(|(s, open)| {
                    let (coop, instructions) = &work[*s];
                    (
                        *coop,
                        open.iter().map(|&i| instructions[i].clone()).collect(),
                    )
                })
                .collect();
            let coops: Vec<CoopId> = round.iter().map(|(coop, _)| *coop).collect();
            let mut outcome = match self.store.lock_ledgers(&coops).await {
                Ok(lock) => {
                    let outcome = self.apply_and_persist(&round, lock.is_held()).await;
                    if let Err(error) = lock.release().await {
                        tracing::warn!(%error, "a ledger lock was not released; its connection closes");
                    }
                    outcome
                }
                Err(error) => Err(error),
            };
            if matches!(outcome, Err(StoreError::Conflict(_))) {
                tracing::warn!("another ledger writer committed first; reloaded and retrying");
                outcome = self.apply_and_persist(&round, false).await;
            }
            let Ok(outcome) = outcome else {
                for (s, _) in &open {
                    answers[*s] = Err(AppError::internal(
                        "the ledger could not commit; repeating the request is safe, \
                         since its ids make it happen once",
                    ));
                }
                break;
            };
            for ((s, open), outcome) in open.iter().zip(outcome) {
                match (outcome, &mut answers[*s]) {
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
        for (reply, answer) in replies.into_iter().zip(answers) {
            let answer = answer.map(|outcomes| {
                outcomes
                    .into_iter()
                    .map(|o| o.unwrap_or(Err(Refusal::LinkedEventFailed)))
                    .collect()
            });
            let _ = reply.send(answer);
        }
    }

    /// One round of a group commit: each submission's outcomes, or the
    /// store's error when the batches could not be committed (nothing of
    /// this round was). `locked`: the round holds its co-ops' ledger locks
    /// (`Store::lock_ledgers`), so each ledger first takes in what other
    /// servers committed, and no other can commit before it.
    async fn apply_and_persist(
        &mut self,
        work: &[(CoopId, Vec<Instruction>)],
        locked: bool,
    ) -> Result<Vec<Result<Vec<Outcome>>>, StoreError> {
        let now = self.clock.now();
        let mut merged: HashMap<CoopId, Vec<Event>> = HashMap::new();
        let mut playing: HashMap<CoopId, HashSet<(AccountId, i64)>> = HashMap::new();
        let mut pending: Vec<Result<Pending>> = Vec::with_capacity(work.len());
        for (coop, instructions) in work {
            let coop = *coop;
            let store = self.store.clone();
            let held = if locked && !merged.contains_key(&coop) {
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
            let most: usize = instructions.iter().map(Instruction::most_events).sum();
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
        let mut records: Vec<Committing> = Vec::new();
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
                let snapshot = if coop_ledger.unsnapshotted >= self.limits.snapshot_every {
                    coop_ledger
                        .snapshot()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?
                } else {
                    None
                };
                records.push((coop, record, outcome.index, snapshot));
            }
            outcomes.insert(coop, outcome.results);
        }
        self.persist(&records).await?;
        loading::bound_unflushed(&self.store, &mut self.ledgers).await;
        Ok(pending
            .into_iter()
            .map(|p| {
                let p = p?;
                let results = outcomes.get(&p.coop);
                Ok(p.slots.iter().map(|slot| slot.result(results)).collect())
            })
            .collect())
    }
}
