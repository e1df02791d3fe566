//! The ledger writer: one task per database that owns the ledgers of the
//! co-ops in use, in memory (balances, limits, open holds: what judging a
//! transfer needs, not their history). Concurrent submissions queue on its
//! channel; it takes all that are waiting (up to a batch), looks up in the
//! journal's index the ids they name, applies them per co-op, commits
//! every resulting journal batch with its index rows in one database
//! transaction, and answers each submitter only after that commit returned
//! (group commit, pipelined: see `commit.rs`).
//!
//! Because one task owns the ledgers, validation against balances needs no
//! locks, and queries answered by the same task only ever see committed
//! state. Across servers on one PostgreSQL, a round holds its co-ops'
//! advisory locks from catching up until it commits. Statements, transfers
//! and the journal are read from the database; the writer only says where
//! an account's statement ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use coopkit_domain::{Clock, CoopId, PersonId};
use coopkit_ledger::ledger::{Applied, BATCH_MAX};
use coopkit_ledger::{
    AccountId, AccountOwner, CurrencyCode, Event, Limit, Refusal, StatementHead, TransferId,
};
use coopkit_store::{StatementLine, Store};
use tokio::sync::{mpsc, oneshot};

pub use super::answers::{AccountView, Accounts, TransferView};
use super::commit::{Group, InFlight};
use super::loading::{self, LedgerLimits};
use super::planning::CoopLedger;
use super::plays::Play;
use super::turns::Turn;
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
    /// The most transfers the instruction can become: what it takes of a
    /// batch once its accounts are open.
    fn transfers(&self) -> usize {
        match self {
            Instruction::Play(play) => play.legs(),
            _ => 1,
        }
    }

    /// The ids of a play's legs, which are looked up before the play is
    /// priced: a play recorded before is not charged again.
    pub(super) fn play_legs(&self) -> Vec<TransferId> {
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
            in_flight: None,
            turn: None,
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

pub(super) struct Writer {
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) limits: LedgerLimits,
    pub(super) ledgers: HashMap<CoopId, CoopLedger>,
    /// The last round's batches, being committed.
    pub(super) in_flight: Option<InFlight>,
    /// The ledger locks held across rounds, on PostgreSQL.
    pub(super) turn: Option<Turn>,
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
                    None => {
                        self.settle_in_flight().await;
                        self.end_turn().await;
                        return;
                    }
                },
                committed = InFlight::settled(&mut self.in_flight) => {
                    if let Some(in_flight) = self.in_flight.take() {
                        if let Err(Some(retry)) = self.finish(in_flight, committed) {
                            self.commit(retry).await;
                        }
                    }
                    continue;
                }
                () = Turn::over(&self.turn), if self.in_flight.is_none() => {
                    self.end_turn().await;
                    continue;
                }
                _ = expiry.tick() => {
                    self.settle_in_flight().await;
                    self.expire_holds().await;
                    self.let_go_of_idle().await;
                    continue;
                }
            };
            let mut submissions = Vec::new();
            let mut waiting_transfers = 0;
            let mut next = Some(first);
            while let Some(command) = next.take() {
                match command {
                    Command::Submit {
                        coop,
                        instructions,
                        reply,
                    } => {
                        let transfers = instructions.iter().map(Instruction::transfers);
                        waiting_transfers += transfers.sum::<usize>();
                        submissions.push((coop, instructions, reply));
                    }
                    other => self.answer(other).await,
                }
                // Up to about one batch: only a group's last round is
                // committed while the next group is judged (`commit.rs`),
                // so a group that fills more than one batch waits for its
                // own commits. Counted in transfers, a play's legs
                // included, with room left for accounts to open.
                if waiting_transfers < BATCH_MAX * 3 / 4 {
                    next = queue.try_recv().ok();
                }
            }
            if !submissions.is_empty() {
                self.commit(Group::new(submissions)).await;
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
                records.push((*coop, record, Arc::new(outcome.index), None));
            }
        }
        // On failure the ledgers are forgotten; the holds expire again on reload.
        let outgoing = self.outgoing(records);
        let _ = self.persist(outgoing).await;
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
        if held.unsnapshotted == 0 && held.unflushed.is_empty() {
            return Ok(());
        }
        held.keep_snapshot(&self.store, coop).await
    }

    async fn answer(&mut self, command: Command) {
        // Reads see only what is committed.
        self.settle_in_flight().await;
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
                    match c.by_owner.get(&currency, owner) {
                        Some(account) => {
                            tracks.iter().map(|t| c.plays.count(account, *t)).collect()
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
    pub(super) async fn current(&mut self, coop: CoopId) -> Result<&mut CoopLedger> {
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
    pub(super) async fn loaded(&mut self, coop: CoopId) -> Result<&mut CoopLedger> {
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
}
