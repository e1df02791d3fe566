//! The ledger writer: one task per database that owns every co-op's ledger
//! in memory. Concurrent submissions queue on its channel; it takes all
//! that are waiting (up to a batch), applies them per co-op, commits every
//! resulting journal batch in one database transaction, and answers each
//! submitter only after that commit returned (group commit).
//!
//! Because one task owns the ledgers, validation against balances needs no
//! locks, and queries answered by the same task only ever see committed
//! state.

use std::collections::HashMap;
use std::sync::Arc;

use coopkit_domain::{Clock, CoopId};
use coopkit_ledger::journal::{replay, BatchRecord};
use coopkit_ledger::ledger::{Applied, HoldStatus, Ledger, TransferRecord, BATCH_MAX};
use coopkit_ledger::{
    Account, AccountId, AccountOwner, Balances, CoopAccount, CurrencyCode, Event, Limit, Refusal,
    Transfer, TransferId, TransferKind,
};
use coopkit_store::{Currency, LedgerAppend, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

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
    /// Overrides the currency's default limits for one owner's account,
    /// opening it if needed.
    SetLimits {
        currency: CurrencyCode,
        owner: AccountOwner,
        debit_limit: Limit,
        balance_cap: Limit,
    },
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

/// An account with its balances, as queries return it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    pub account: Account,
    pub balances: Balances,
}

/// A transfer found by id, with the owners and state a use case needs to
/// decide who may act on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferView {
    pub record: TransferRecord,
    pub currency: CurrencyCode,
    pub debit_owner: AccountOwner,
    pub credit_owner: AccountOwner,
    /// `Some` when the transfer made a hold.
    pub hold: Option<HoldStatus>,
}

type Results = Vec<Result<Applied, Refusal>>;

enum Command {
    Submit {
        coop: CoopId,
        instructions: Vec<Instruction>,
        reply: oneshot::Sender<Result<Results>>,
    },
    Accounts {
        coop: CoopId,
        reply: oneshot::Sender<Result<Vec<AccountView>>>,
    },
    Journal {
        coop: CoopId,
        reply: oneshot::Sender<Result<Vec<BatchRecord>>>,
    },
    Transfer {
        coop: CoopId,
        id: TransferId,
        reply: oneshot::Sender<Result<Option<TransferView>>>,
    },
    Statement {
        coop: CoopId,
        account: AccountId,
        before: Option<u64>,
        limit: usize,
        reply: oneshot::Sender<Result<(Vec<TransferRecord>, Option<u64>)>>,
    },
    Forget {
        coop: CoopId,
    },
}

/// A handle to the writer task; cheap to clone.
#[derive(Clone, Debug)]
pub struct LedgerWriter {
    commands: mpsc::Sender<Command>,
}

/// Submissions waiting beyond this make submitters wait for room, so a
/// flood cannot exhaust memory.
const QUEUE_DEPTH: usize = 16 * 1024;

/// How often the writer looks for holds whose timeout has passed.
const EXPIRY_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl LedgerWriter {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(store: Store, clock: Arc<dyn Clock>) -> LedgerWriter {
        let (commands, queue) = mpsc::channel(QUEUE_DEPTH);
        let task = Writer {
            store,
            clock,
            ledgers: HashMap::new(),
        };
        tokio::spawn(task.run(queue));
        LedgerWriter { commands }
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T>>) -> Command,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| AppError::Internal("the ledger writer has stopped"))?;
        answer
            .await
            .map_err(|_| AppError::Internal("the ledger writer dropped a request"))?
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
        self.ask(|reply| Command::Accounts { coop, reply }).await
    }

    /// The co-op's journal as committed.
    pub async fn journal(&self, coop: CoopId) -> Result<Vec<BatchRecord>> {
        self.ask(|reply| Command::Journal { coop, reply }).await
    }

    /// A transfer of this co-op by id, as committed.
    pub async fn transfer(&self, coop: CoopId, id: TransferId) -> Result<Option<TransferView>> {
        self.ask(|reply| Command::Transfer { coop, id, reply })
            .await
    }

    /// A page of an account's statement, newest first, from before
    /// position `before` in its history; and where the next page starts.
    pub async fn statement(
        &self,
        coop: CoopId,
        account: AccountId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<TransferRecord>, Option<u64>)> {
        self.ask(|reply| Command::Statement {
            coop,
            account,
            before,
            limit,
            reply,
        })
        .await
    }

    /// Drops a co-op's ledger from memory, so the next use reloads it
    /// (after its currencies change, say).
    pub async fn forget(&self, coop: CoopId) {
        let _ = self.commands.send(Command::Forget { coop }).await;
    }
}

/// A co-op's ledger with what the writer needs beside it.
struct CoopLedger {
    ledger: Ledger,
    currencies: HashMap<CurrencyCode, Currency>,
    by_owner: HashMap<(CurrencyCode, AccountOwner), AccountId>,
    next_account: u64,
}

impl CoopLedger {
    fn new(ledger: Ledger, currencies: Vec<Currency>) -> CoopLedger {
        let by_owner: HashMap<_, _> = ledger
            .accounts()
            .map(|(account, _)| ((account.currency.clone(), account.owner), account.id))
            .collect();
        let next_account = by_owner.values().map(|id| id.0).max().unwrap_or(0) + 1;
        CoopLedger {
            ledger,
            currencies: currencies
                .into_iter()
                .map(|c| (c.code.clone(), c))
                .collect(),
            by_owner,
            next_account,
        }
    }

    /// The owner's account in this currency, opening it (as an event
    /// pushed onto `events`) if it does not exist yet.
    fn account_for(
        &mut self,
        currency: &CurrencyCode,
        owner: AccountOwner,
        events: &mut Vec<Event>,
    ) -> Option<AccountId> {
        if let Some(id) = self.by_owner.get(&(currency.clone(), owner)) {
            return Some(*id);
        }
        let defaults = self.currencies.get(currency)?;
        let limit = |value: Option<u64>| value.map_or(Limit::Unlimited, Limit::AtMost);
        let (debit_limit, balance_cap) = match owner {
            // Issuance is where tokens come from: it may go as low as needed.
            AccountOwner::Coop(CoopAccount::Issuance) => (Limit::Unlimited, Limit::Unlimited),
            AccountOwner::Coop(_) => (Limit::AtMost(0), Limit::Unlimited),
            AccountOwner::Member(_) => (
                limit(defaults.default_debit_limit),
                limit(defaults.default_balance_cap),
            ),
        };
        let id = AccountId(self.next_account);
        self.next_account += 1;
        self.by_owner.insert((currency.clone(), owner), id);
        events.push(Event::OpenAccount(Account {
            id,
            currency: currency.clone(),
            owner,
            debit_limit,
            balance_cap,
            closed: false,
        }));
        Some(id)
    }

    /// Turns one instruction into its event, pushing onto
    /// `openings` any account it needs opened first.
    /// `Err` when it cannot even be expressed (an unknown currency).
    fn events_for(
        &mut self,
        instruction: &Instruction,
        openings: &mut Vec<Event>,
    ) -> Result<Event, Refusal> {
        let transfer = |id, kind, linked, memo: &str, cause: &str| {
            Event::Transfer(Transfer {
                id,
                kind,
                linked,
                memo: memo.to_owned(),
                cause: cause.to_owned(),
            })
        };
        match instruction {
            Instruction::Pay(p) => {
                let debit = self
                    .account_for(&p.currency, p.from, openings)
                    .ok_or(Refusal::DebitAccountUnknown)?;
                let credit = self
                    .account_for(&p.currency, p.to, openings)
                    .ok_or(Refusal::CreditAccountUnknown)?;
                let kind = match p.hold {
                    None => TransferKind::Move {
                        debit,
                        credit,
                        amount: p.amount,
                    },
                    Some(timeout_ms) => TransferKind::Hold {
                        debit,
                        credit,
                        amount: p.amount,
                        timeout_ms,
                    },
                };
                Ok(transfer(p.id, kind, p.linked, &p.memo, &p.cause))
            }
            Instruction::Post {
                id,
                pending,
                amount,
            } => Ok(transfer(
                *id,
                TransferKind::Post {
                    pending: *pending,
                    amount: *amount,
                },
                false,
                "",
                "",
            )),
            Instruction::Void { id, pending } => Ok(transfer(
                *id,
                TransferKind::Void { pending: *pending },
                false,
                "",
                "",
            )),
            Instruction::SetLimits {
                currency,
                owner,
                debit_limit,
                balance_cap,
            } => Ok(Event::SetLimits {
                account: self
                    .account_for(currency, *owner, openings)
                    .ok_or(Refusal::AccountUnknown)?,
                debit_limit: *debit_limit,
                balance_cap: *balance_cap,
            }),
        }
    }
}

struct Writer {
    store: Store,
    clock: Arc<dyn Clock>,
    ledgers: HashMap<CoopId, CoopLedger>,
}

/// A submission waiting for the next group commit.
type Submission = (CoopId, Vec<Instruction>, oneshot::Sender<Result<Results>>);

/// Where one submission's events sit in its co-op's merged batch.
struct Pending {
    coop: CoopId,
    /// Index in the merged events of each instruction's transfer, or the
    /// refusal it got before reaching the ledger.
    slots: Vec<Result<usize, Refusal>>,
}

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
            records.extend(
                coop_ledger
                    .ledger
                    .apply(events, now)
                    .record
                    .map(|r| (*coop, r)),
            );
        }
        // On failure the ledgers are forgotten; the holds expire again on reload.
        let _ = self.persist(&records).await;
    }

    /// Commits the records in one transaction. If that fails, memory has
    /// run ahead of the database: the co-ops concerned are forgotten, so
    /// their next use replays what was committed.
    async fn persist(&mut self, records: &[(CoopId, BatchRecord)]) -> Result<(), StoreError> {
        let appends: Vec<LedgerAppend<'_>> = records
            .iter()
            .map(|(coop, record)| LedgerAppend {
                coop: *coop,
                record,
            })
            .collect();
        let committed = self.store.append_ledger_batches(&appends).await;
        if let Err(error) = &committed {
            tracing::error!(%error, "ledger batches not committed");
            for (coop, _) in records {
                self.ledgers.remove(coop);
            }
        }
        committed
    }

    async fn answer(&mut self, command: Command) {
        match command {
            Command::Accounts { coop, reply } => {
                let views = self.loaded(coop).await.map(|c| {
                    let mut views: Vec<_> = c
                        .ledger
                        .accounts()
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
            Command::Journal { coop, reply } => {
                // The journal is read from the store: it is what was
                // committed, which is what a member should be able to check.
                let _ = reply.send(
                    self.store
                        .ledger_journal(coop)
                        .await
                        .map_err(AppError::from),
                );
            }
            Command::Transfer { coop, id, reply } => {
                let view = self.loaded(coop).await.map(|c| {
                    let record = c.ledger.transfer(id)?.clone();
                    let (debit, _) = c.ledger.account(record.debit)?;
                    let (credit, _) = c.ledger.account(record.credit)?;
                    Some(TransferView {
                        currency: debit.currency.clone(),
                        debit_owner: debit.owner,
                        credit_owner: credit.owner,
                        hold: c.ledger.hold_status(id),
                        record,
                    })
                });
                let _ = reply.send(view);
            }
            Command::Statement {
                coop,
                account,
                before,
                limit,
                reply,
            } => {
                let page = self.loaded(coop).await.map(|c| {
                    let (lines, next) = c.ledger.statement(account, before, limit);
                    (lines.into_iter().cloned().collect(), next)
                });
                let _ = reply.send(page);
            }
            Command::Forget { coop } => {
                self.ledgers.remove(&coop);
            }
            Command::Submit { .. } => {}
        }
    }

    /// The co-op's ledger, replayed from its journal on first use.
    async fn loaded(&mut self, coop: CoopId) -> Result<&mut CoopLedger> {
        if !self.ledgers.contains_key(&coop) {
            let journal = self.store.ledger_journal(coop).await?;
            let ledger =
                replay(journal.iter().enumerate().map(|(i, b)| (i + 1, b))).map_err(|broken| {
                    tracing::error!(coop = %coop, %broken, "the stored journal does not verify");
                    AppError::Internal("the co-op's ledger journal does not verify")
                })?;
            let currencies = self.store.currencies(coop).await?;
            self.ledgers
                .insert(coop, CoopLedger::new(ledger, currencies));
        }
        self.ledgers
            .get_mut(&coop)
            .ok_or(AppError::Internal("ledger vanished while loading"))
    }

    /// Applies the submissions and commits their batches, then answers
    /// each submitter. If another writer (another app server on the same
    /// database) committed first, the journal's (co-op, seq) key refuses
    /// the whole transaction; the ledgers are reloaded with what that
    /// writer committed and the submissions judged once more against it.
    async fn commit(&mut self, submissions: Vec<Submission>) {
        let (work, replies): (Vec<_>, Vec<_>) = submissions
            .into_iter()
            .map(|(coop, instructions, reply)| ((coop, instructions), reply))
            .unzip();
        let mut answers = self.apply_and_persist(&work).await;
        if matches!(answers, Err(StoreError::Conflict { .. })) {
            tracing::warn!("another ledger writer committed first; reloaded and retrying");
            answers = self.apply_and_persist(&work).await;
        }
        match answers {
            Ok(answers) => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(answer);
                }
            }
            Err(_) => {
                for reply in replies {
                    let _ = reply.send(Err(AppError::Internal(
                        "the ledger could not commit; nothing was written",
                    )));
                }
            }
        }
    }

    /// One attempt at a group commit: each submission's answer, or the
    /// store's error when the batches could not be committed (nothing was).
    async fn apply_and_persist(
        &mut self,
        work: &[(CoopId, Vec<Instruction>)],
    ) -> Result<Vec<Result<Results>>, StoreError> {
        let now = self.clock.now();
        let mut merged: HashMap<CoopId, Vec<Event>> = HashMap::new();
        let mut pending: Vec<Result<Pending>> = Vec::with_capacity(work.len());
        for (coop, instructions) in work {
            let coop = *coop;
            let coop_ledger = match self.loaded(coop).await {
                Ok(c) => c,
                Err(error) => {
                    pending.push(Err(error));
                    continue;
                }
            };
            // A submission may not leave a chain open into the next one.
            let open_chain = instructions
                .last()
                .is_some_and(|i| matches!(i, Instruction::Pay(p) if p.linked));
            // Accounts are opened ahead of the submission's transfers, so an
            // opening never falls between two linked transfers.
            let mut openings = Vec::new();
            let mut transfers = Vec::with_capacity(instructions.len());
            let mut slots = Vec::with_capacity(instructions.len());
            for instruction in instructions {
                if open_chain {
                    slots.push(Err(Refusal::LinkedChainOpen));
                    continue;
                }
                match coop_ledger.events_for(instruction, &mut openings) {
                    Ok(event) => {
                        slots.push(Ok(transfers.len()));
                        transfers.push(event);
                    }
                    Err(refusal) => slots.push(Err(refusal)),
                }
            }
            let events = merged.entry(coop).or_default();
            let base = events.len() + openings.len();
            events.extend(openings);
            events.extend(transfers);
            let slots = slots
                .into_iter()
                .map(|slot| slot.map(|i| base + i))
                .collect();
            pending.push(Ok(Pending { coop, slots }));
        }

        let mut outcomes: HashMap<CoopId, Results> = HashMap::new();
        let mut records: Vec<(CoopId, BatchRecord)> = Vec::new();
        for (coop, events) in merged {
            let Some(coop_ledger) = self.ledgers.get_mut(&coop) else {
                continue;
            };
            let outcome = coop_ledger.ledger.apply(events, now);
            outcomes.insert(coop, outcome.results);
            records.extend(outcome.record.map(|r| (coop, r)));
        }
        self.persist(&records).await?;
        Ok(pending
            .into_iter()
            .map(|p| {
                let p = p?;
                let results = outcomes.get(&p.coop);
                Ok(p.slots
                    .iter()
                    .map(|slot| match slot {
                        Ok(index) => results
                            .and_then(|r| r.get(*index).copied())
                            .unwrap_or(Err(Refusal::LinkedEventFailed)),
                        Err(refusal) => Err(*refusal),
                    })
                    .collect())
            })
            .collect())
    }
}
