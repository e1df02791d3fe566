//! The ledger's state and the rules every event must pass.
//!
//! A [`Ledger`] holds only what judging the next event needs: accounts with
//! their balances and limits, open holds, each currency's totals and the
//! chain's head. Its memory grows with accounts and open holds, never with
//! history. What earlier batches did (whether an id was used, how a closed
//! hold ended) it asks of a [`Recall`]: the ledger writer answers from the
//! database's index of the journal, a [`MemoryLedger`](crate::history::MemoryLedger)
//! from a history it keeps in memory. Each batch's outcome carries what it
//! adds to that index ([`BatchIndex`]), derived from the events alone, so
//! the index can always be rebuilt by replaying the journal.

use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};

use coopkit_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountId, Balances, CurrencyCode, Limit};
use crate::index::{BatchIndex, Line, Recall, StatementHead};
pub use crate::index::{HoldStatus, TransferRecord};
use crate::journal::{BatchRecord, Event, Hash};
use crate::seal::SealKey;
use crate::transfer::{
    Refusal, Transfer, TransferId, TransferKind, AMOUNT_MAX, HOLD_TIMEOUT_MAX_MS, TEXT_MAX_BYTES,
};

/// The most events one batch may carry.
pub const BATCH_MAX: usize = 8190;

/// What happened to an accepted event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The event changed the ledger and is in this batch's record.
    New,
    /// The same event was applied before (same id, same fields): nothing
    /// changed, and the first result stands.
    Replayed,
}

/// A hold that is still open: what it holds, between whom, until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenHold {
    pub debit: AccountId,
    pub credit: AccountId,
    pub amount: u64,
    pub expires_at: Option<Timestamp>,
}

/// A currency's totals across all its accounts. Double entry means the
/// debits equal the credits, posted and pending, always.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub debits_posted: u128,
    pub credits_posted: u128,
    pub debits_pending: u128,
    pub credits_pending: u128,
}

impl Totals {
    pub fn is_balanced(&self) -> bool {
        self.debits_posted == self.credits_posted && self.debits_pending == self.credits_pending
    }
}

/// How to take back one change, so a failed linked chain leaves no trace.
enum Undo {
    Balances(AccountId, Balances),
    Account(AccountId, Option<Account>),
    Lines(AccountId, StatementHead),
    /// A line was pushed onto the batch's index.
    Line,
    /// A transfer was made in this batch.
    Fresh(TransferId),
    Hold(TransferId, Option<OpenHold>),
    /// A hold was ended in this batch.
    Ended(TransferId),
    Totals(CurrencyCode, Totals),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) account: Account,
    pub(crate) balances: Balances,
    pub(crate) lines: StatementHead,
}

/// The ledger of one co-op, as far as judging new events needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    /// By number: numbers are the ledger's own, never chosen by a client,
    /// so a fast hash that an adversary could collide is safe here (ids of
    /// transfers, which clients choose, keep the standard one).
    pub(crate) accounts: FxHashMap<AccountId, Entry>,
    /// Holds still open; closed ones are the journal's business.
    pub(crate) holds: HashMap<TransferId, OpenHold>,
    pub(crate) totals: BTreeMap<CurrencyCode, Totals>,
    pub(crate) head: Hash,
    pub(crate) next_seq: u64,
    /// What salts the commitments of the batches it seals.
    pub(crate) seal: SealKey,
}

/// The outcome of a batch: one result per event, in order, the record to
/// persist when anything changed, and what it adds to the index.
#[derive(Debug)]
pub struct BatchOutcome {
    pub results: Vec<Result<Applied, Refusal>>,
    pub record: Option<BatchRecord>,
    pub index: BatchIndex,
}

/// The batch being applied: what it has made and ended so far, since an
/// event may refer to one before it in the same batch, which no lookup
/// made before the batch can know.
struct Batch<'p, P> {
    past: &'p P,
    /// Transfers made in this batch, by place in `index.transfers`.
    fresh: HashMap<TransferId, usize>,
    ended: HashMap<TransferId, HoldStatus>,
    index: BatchIndex,
}

impl<P: Recall> Batch<'_, P> {
    /// The transfer an id names, made in this batch or before it.
    fn transfer(&self, id: TransferId) -> Option<&Transfer> {
        match self.fresh.get(&id) {
            Some(&at) => self.index.transfers.get(at).map(|r| &r.transfer),
            None => self.past.recall(id).map(|past| &past.record.transfer),
        }
    }
}

impl Ledger {
    /// An empty ledger, sealing its batches with `seal`.
    pub fn new(seal: SealKey) -> Ledger {
        Ledger {
            accounts: FxHashMap::default(),
            holds: HashMap::new(),
            totals: BTreeMap::new(),
            head: Hash::default(),
            next_seq: 0,
            seal,
        }
    }

    pub fn seal_key(&self) -> &SealKey {
        &self.seal
    }

    /// The hash of the last committed batch (zeros before the first).
    pub fn head(&self) -> Hash {
        self.head
    }

    /// The sequence number the next batch will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn account(&self, id: AccountId) -> Option<(&Account, Balances)> {
        self.accounts.get(&id).map(|e| (&e.account, e.balances))
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&Account, Balances)> {
        self.accounts.values().map(|e| (&e.account, e.balances))
    }

    /// Where an account's statement ends.
    pub fn statement_head(&self, id: AccountId) -> StatementHead {
        self.accounts
            .get(&id)
            .map_or_else(StatementHead::default, |e| e.lines)
    }

    /// Whether any open hold lapses by itself.
    pub fn has_timed_holds(&self) -> bool {
        self.holds.values().any(|hold| hold.expires_at.is_some())
    }

    /// Every currency's totals.
    pub fn totals(&self) -> &BTreeMap<CurrencyCode, Totals> {
        &self.totals
    }

    /// Holds still open at `now` whose time is up, for the caller to expire.
    pub fn expired_holds(&self, now: Timestamp) -> Vec<TransferId> {
        let mut expired: Vec<_> = self
            .holds
            .iter()
            .filter(|(_, hold)| hold.expires_at.is_some_and(|at| at <= now))
            .map(|(id, _)| *id)
            .collect();
        expired.sort();
        expired
    }

    /// The ids a batch of events names that an earlier batch may have
    /// used: every transfer's own id, and the holds that posts, voids and
    /// expiries name unless they are open (which the ledger knows). What
    /// a [`Recall`] for the batch must be able to answer.
    pub fn names(&self, events: &[Event]) -> Vec<TransferId> {
        let mut ids = Vec::new();
        for event in events {
            match event {
                Event::Transfer(transfer) => {
                    ids.push(transfer.id);
                    if let TransferKind::Post { pending, .. } | TransferKind::Void { pending } =
                        transfer.kind
                    {
                        if !self.holds.contains_key(&pending) {
                            ids.push(pending);
                        }
                    }
                }
                Event::Expire { pending } if !self.holds.contains_key(pending) => {
                    ids.push(*pending)
                }
                _ => {}
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Applies a batch of events at `now`, all or nothing per linked chain,
    /// asking `past` about ids that earlier batches may have used.
    /// Accepted events extend the hash chain as one record.
    pub fn apply(
        &mut self,
        events: Vec<Event>,
        now: Timestamp,
        past: &impl Recall,
    ) -> BatchOutcome {
        let (results, accepted, index) = self.judge(events, now, past);
        let record = (!accepted.is_empty()).then(|| {
            let record = BatchRecord::seal(self.next_seq, now, self.head, accepted, &self.seal);
            self.head = record.hash;
            self.next_seq += 1;
            record
        });
        BatchOutcome {
            results,
            record,
            index,
        }
    }

    /// Applies a batch someone else sealed, whose hash the caller checked
    /// (a published journal's, whose memos and owners the ledger may not
    /// know): as [`Ledger::apply`], but the chain's new head is `hash`,
    /// and there is no record to keep.
    pub fn apply_sealed(
        &mut self,
        events: Vec<Event>,
        now: Timestamp,
        past: &impl Recall,
        hash: Hash,
    ) -> BatchOutcome {
        let (results, accepted, index) = self.judge(events, now, past);
        if !accepted.is_empty() {
            self.head = hash;
            self.next_seq += 1;
        }
        BatchOutcome {
            results,
            record: None,
            index,
        }
    }

    /// Judges a batch's events in order, changing the ledger's accounts
    /// and holds but not its chain: each event's result, the events that
    /// changed something, and what they add to the index.
    fn judge(
        &mut self,
        events: Vec<Event>,
        now: Timestamp,
        past: &impl Recall,
    ) -> (Vec<Result<Applied, Refusal>>, Vec<Event>, BatchIndex) {
        if events.len() > BATCH_MAX {
            let refused = vec![Err(Refusal::BatchTooLarge); events.len()];
            return (refused, Vec::new(), BatchIndex::default());
        }
        let count = events.len();
        let mut results: Vec<Result<Applied, Refusal>> = Vec::with_capacity(count);
        let mut accepted: Vec<Event> = Vec::new();
        let mut undo: Vec<Undo> = Vec::new();
        let mut batch = Batch {
            past,
            fresh: HashMap::new(),
            ended: HashMap::new(),
            index: BatchIndex::default(),
        };
        let mut chain_start = 0;
        let mut chain_accepted = 0;
        let mut chain_failed = false;
        for (index, event) in events.into_iter().enumerate() {
            let linked = event.linked();
            if chain_failed {
                results.push(Err(Refusal::LinkedEventFailed));
            } else {
                let at = u32::try_from(accepted.len()).unwrap_or(u32::MAX);
                let result = self.apply_one(&event, now, at, &mut batch, &mut undo);
                if result.is_err() && (linked || index > chain_start) {
                    // Take back the chain so far; its other members fail with it.
                    self.roll_back(&mut undo, &mut batch);
                    accepted.truncate(chain_accepted);
                    for earlier in &mut results[chain_start..] {
                        *earlier = Err(Refusal::LinkedEventFailed);
                    }
                    chain_failed = true;
                }
                if result == Ok(Applied::New) {
                    accepted.push(event);
                }
                results.push(result);
            }
            if !linked {
                undo.clear();
                chain_start = index + 1;
                chain_accepted = accepted.len();
                chain_failed = false;
            }
        }
        if chain_start < count {
            // The batch ended inside a chain: nothing of it stands.
            if !chain_failed {
                self.roll_back(&mut undo, &mut batch);
                accepted.truncate(chain_accepted);
            }
            for open in &mut results[chain_start..] {
                *open = Err(Refusal::LinkedChainOpen);
            }
        }
        (results, accepted, batch.index)
    }

    fn roll_back<P>(&mut self, undo: &mut Vec<Undo>, batch: &mut Batch<'_, P>) {
        while let Some(step) = undo.pop() {
            match step {
                Undo::Balances(id, balances) => {
                    if let Some(entry) = self.accounts.get_mut(&id) {
                        entry.balances = balances;
                    }
                }
                Undo::Account(id, None) => {
                    self.accounts.remove(&id);
                }
                Undo::Account(id, Some(account)) => {
                    if let Some(entry) = self.accounts.get_mut(&id) {
                        entry.account = account;
                    }
                }
                Undo::Lines(id, head) => {
                    if let Some(entry) = self.accounts.get_mut(&id) {
                        entry.lines = head;
                    }
                }
                Undo::Line => {
                    batch.index.lines.pop();
                }
                Undo::Fresh(id) => {
                    batch.fresh.remove(&id);
                    batch.index.transfers.pop();
                }
                Undo::Hold(id, None) => {
                    self.holds.remove(&id);
                }
                Undo::Hold(id, Some(hold)) => {
                    self.holds.insert(id, hold);
                }
                Undo::Ended(id) => {
                    batch.ended.remove(&id);
                    batch.index.endings.pop();
                }
                Undo::Totals(currency, totals) => {
                    self.totals.insert(currency, totals);
                }
            }
        }
    }

    fn apply_one<P: Recall>(
        &mut self,
        event: &Event,
        now: Timestamp,
        at: u32,
        batch: &mut Batch<'_, P>,
        undo: &mut Vec<Undo>,
    ) -> Result<Applied, Refusal> {
        match event {
            Event::OpenAccount(account) => self.open_account(account, undo),
            Event::SetLimits {
                account,
                debit_limit,
                balance_cap,
            } => self.set_limits(*account, *debit_limit, *balance_cap, undo),
            Event::CloseAccount { account } => self.close_account(*account, undo),
            Event::Transfer(transfer) => self.transfer_one(transfer, now, at, batch, undo),
            Event::Expire { pending } => {
                if self.hold_status(*pending, batch) == Some(HoldStatus::Expired) {
                    return Ok(Applied::Replayed);
                }
                let hold = self.hold_to_end(*pending, now, true, batch)?;
                self.release(&hold, undo);
                self.end_hold(*pending, HoldStatus::Expired, batch, undo);
                Ok(Applied::New)
            }
        }
    }

    fn open_account(
        &mut self,
        account: &Account,
        undo: &mut Vec<Undo>,
    ) -> Result<Applied, Refusal> {
        if account.id.0 == 0 {
            return Err(Refusal::IdZero);
        }
        if !account.debit_limit.is_within_bounds() || !account.balance_cap.is_within_bounds() {
            return Err(Refusal::LimitTooLarge);
        }
        if let Some(existing) = self.accounts.get(&account.id) {
            return if existing.account == *account {
                Ok(Applied::Replayed)
            } else {
                Err(Refusal::AccountExists)
            };
        }
        self.accounts.insert(
            account.id,
            Entry {
                account: account.clone(),
                balances: Balances::default(),
                lines: StatementHead::default(),
            },
        );
        undo.push(Undo::Account(account.id, None));
        self.totals.entry(account.currency.clone()).or_default();
        Ok(Applied::New)
    }

    fn set_limits(
        &mut self,
        id: AccountId,
        debit_limit: Limit,
        balance_cap: Limit,
        undo: &mut Vec<Undo>,
    ) -> Result<Applied, Refusal> {
        if !debit_limit.is_within_bounds() || !balance_cap.is_within_bounds() {
            return Err(Refusal::LimitTooLarge);
        }
        let entry = self.accounts.get_mut(&id).ok_or(Refusal::AccountUnknown)?;
        if (entry.account.debit_limit, entry.account.balance_cap) == (debit_limit, balance_cap) {
            return Ok(Applied::Replayed);
        }
        let before = entry.account.clone();
        entry.account.debit_limit = debit_limit;
        entry.account.balance_cap = balance_cap;
        undo.push(Undo::Account(id, Some(before)));
        Ok(Applied::New)
    }

    fn close_account(&mut self, id: AccountId, undo: &mut Vec<Undo>) -> Result<Applied, Refusal> {
        let entry = self.accounts.get_mut(&id).ok_or(Refusal::AccountUnknown)?;
        if entry.account.closed {
            return Ok(Applied::Replayed);
        }
        let b = entry.balances;
        if b.balance() != 0 || b.debits_pending != 0 || b.credits_pending != 0 {
            return Err(Refusal::AccountNotEmpty);
        }
        let before = entry.account.clone();
        entry.account.closed = true;
        undo.push(Undo::Account(id, Some(before)));
        Ok(Applied::New)
    }

    fn transfer_one<P: Recall>(
        &mut self,
        transfer: &Transfer,
        now: Timestamp,
        at: u32,
        batch: &mut Batch<'_, P>,
        undo: &mut Vec<Undo>,
    ) -> Result<Applied, Refusal> {
        if transfer.id.0 == 0 {
            return Err(Refusal::IdZero);
        }
        if transfer.memo.len() > TEXT_MAX_BYTES || transfer.cause.len() > TEXT_MAX_BYTES {
            return Err(Refusal::TextTooLong);
        }
        if let Some(existing) = batch.transfer(transfer.id) {
            return if existing == transfer {
                Ok(Applied::Replayed)
            } else {
                Err(Refusal::ExistsWithDifferentFields)
            };
        }
        let (debit, credit, amount) = match &transfer.kind {
            TransferKind::Move {
                debit,
                credit,
                amount,
            } => {
                let currency = self.check_movement(*debit, *credit, *amount)?;
                self.add(*debit, *credit, *amount, &currency, false, undo);
                (*debit, *credit, *amount)
            }
            TransferKind::Hold {
                debit,
                credit,
                amount,
                timeout_ms,
            } => {
                if timeout_ms.is_some_and(|ms| ms > HOLD_TIMEOUT_MAX_MS) {
                    return Err(Refusal::TimeoutTooLarge);
                }
                let currency = self.check_movement(*debit, *credit, *amount)?;
                self.add(*debit, *credit, *amount, &currency, true, undo);
                // Below 2^42 ms: the sum stays far inside an i64.
                let expires_at = timeout_ms.map(|ms| now.plus_millis(ms as i64));
                let hold = OpenHold {
                    debit: *debit,
                    credit: *credit,
                    amount: *amount,
                    expires_at,
                };
                undo.push(Undo::Hold(
                    transfer.id,
                    self.holds.insert(transfer.id, hold),
                ));
                (*debit, *credit, *amount)
            }
            TransferKind::Post { pending, amount } => {
                let hold = self.hold_to_end(*pending, now, false, batch)?;
                let posted = amount.unwrap_or(hold.amount);
                if posted == 0 {
                    return Err(Refusal::AmountZero);
                }
                if posted > hold.amount {
                    return Err(Refusal::PostExceedsPending);
                }
                self.check_open(hold.debit, hold.credit)?;
                self.release(&hold, undo);
                let currency = self.currency_of(hold.debit)?;
                self.add(hold.debit, hold.credit, posted, &currency, false, undo);
                self.end_hold(*pending, HoldStatus::Posted, batch, undo);
                (hold.debit, hold.credit, posted)
            }
            TransferKind::Void { pending } => {
                let hold = self.hold_to_end(*pending, now, false, batch)?;
                self.release(&hold, undo);
                self.end_hold(*pending, HoldStatus::Voided, batch, undo);
                (hold.debit, hold.credit, hold.amount)
            }
        };
        let record = TransferRecord {
            transfer: transfer.clone(),
            seq: self.next_seq,
            index: at,
            timestamp: now,
            debit,
            credit,
            amount,
        };
        for account in [debit, credit] {
            self.add_line(account, &record, batch, undo);
        }
        batch.fresh.insert(transfer.id, batch.index.transfers.len());
        batch.index.transfers.push(record);
        undo.push(Undo::Fresh(transfer.id));
        Ok(Applied::New)
    }

    /// Puts the transfer on the account's statement.
    fn add_line<P>(
        &mut self,
        account: AccountId,
        record: &TransferRecord,
        batch: &mut Batch<'_, P>,
        undo: &mut Vec<Undo>,
    ) {
        let Some(entry) = self.accounts.get_mut(&account) else {
            return;
        };
        undo.push(Undo::Lines(account, entry.lines));
        let head = &mut entry.lines;
        if head.last_seq != Some(record.seq) {
            head.previous_seq = head.last_seq;
            head.last_seq = Some(record.seq);
        }
        head.lines += 1;
        batch.index.lines.push(Line {
            account,
            position: head.lines,
            transfer: record.transfer.id,
            seq: record.seq,
            index: record.index,
            balance_after: entry.balances.balance(),
            previous_seq: head.previous_seq,
        });
        undo.push(Undo::Line);
    }

    fn end_hold<P>(
        &mut self,
        id: TransferId,
        how: HoldStatus,
        batch: &mut Batch<'_, P>,
        undo: &mut Vec<Undo>,
    ) {
        undo.push(Undo::Hold(id, self.holds.remove(&id)));
        batch.ended.insert(id, how);
        batch.index.endings.push((id, how));
        undo.push(Undo::Ended(id));
    }

    /// Where the hold `id` stands, if `id` names one.
    fn hold_status<P: Recall>(&self, id: TransferId, batch: &Batch<'_, P>) -> Option<HoldStatus> {
        if let Some(how) = batch.ended.get(&id) {
            return Some(*how);
        }
        if self.holds.contains_key(&id) {
            return Some(HoldStatus::Open);
        }
        if batch.fresh.contains_key(&id) {
            return None;
        }
        batch.past.recall(id).and_then(|past| past.hold)
    }

    /// The checks a move or a hold must pass; returns the currency.
    fn check_movement(
        &self,
        debit: AccountId,
        credit: AccountId,
        amount: u64,
    ) -> Result<CurrencyCode, Refusal> {
        if amount == 0 {
            return Err(Refusal::AmountZero);
        }
        if amount > AMOUNT_MAX {
            return Err(Refusal::AmountTooLarge);
        }
        if debit == credit {
            return Err(Refusal::SameAccount);
        }
        let from = self
            .accounts
            .get(&debit)
            .ok_or(Refusal::DebitAccountUnknown)?;
        let to = self
            .accounts
            .get(&credit)
            .ok_or(Refusal::CreditAccountUnknown)?;
        self.check_open(debit, credit)?;
        if from.account.currency != to.account.currency {
            return Err(Refusal::CurrencyMismatch);
        }
        if !from.balances.can_debit(amount, from.account.debit_limit) {
            return Err(Refusal::ExceedsDebitLimit);
        }
        if !to.balances.can_credit(amount, to.account.balance_cap) {
            return Err(Refusal::ExceedsBalanceCap);
        }
        if !from.balances.stays_in_range(amount, 0) || !to.balances.stays_in_range(0, amount) {
            return Err(Refusal::BalanceOutOfRange);
        }
        Ok(from.account.currency.clone())
    }

    fn check_open(&self, debit: AccountId, credit: AccountId) -> Result<(), Refusal> {
        let closed = |id| self.accounts.get(&id).is_some_and(|e| e.account.closed);
        if closed(debit) {
            return Err(Refusal::DebitAccountClosed);
        }
        if closed(credit) {
            return Err(Refusal::CreditAccountClosed);
        }
        Ok(())
    }

    fn currency_of(&self, id: AccountId) -> Result<CurrencyCode, Refusal> {
        self.accounts
            .get(&id)
            .map(|e| e.account.currency.clone())
            .ok_or(Refusal::DebitAccountUnknown)
    }

    /// The hold `id` if it is still open. `expiring` lets the expiry event
    /// through at or after the deadline, and only then.
    fn hold_to_end<P: Recall>(
        &self,
        id: TransferId,
        now: Timestamp,
        expiring: bool,
        batch: &Batch<'_, P>,
    ) -> Result<OpenHold, Refusal> {
        let Some(hold) = self.holds.get(&id) else {
            return Err(match self.hold_status(id, batch) {
                Some(HoldStatus::Posted) => Refusal::PendingAlreadyPosted,
                Some(HoldStatus::Voided) => Refusal::PendingAlreadyVoided,
                Some(HoldStatus::Expired) => Refusal::PendingExpired,
                // An open hold is always in memory; the index lags behind
                // only while its batch commits.
                Some(HoldStatus::Open) => Refusal::PendingNotFound,
                None if batch.transfer(id).is_some() => Refusal::NotPending,
                None => Refusal::PendingNotFound,
            });
        };
        let lapsed = hold.expires_at.is_some_and(|at| at <= now);
        if lapsed && !expiring {
            Err(Refusal::PendingExpired)
        } else if !lapsed && expiring {
            Err(Refusal::PendingNotFound)
        } else {
            Ok(*hold)
        }
    }

    /// Adds `amount` to both sides, posted or pending, and to the totals.
    fn add(
        &mut self,
        debit: AccountId,
        credit: AccountId,
        amount: u64,
        currency: &CurrencyCode,
        pending: bool,
        undo: &mut Vec<Undo>,
    ) {
        let amount = u128::from(amount);
        for (id, is_debit) in [(debit, true), (credit, false)] {
            if let Some(entry) = self.accounts.get_mut(&id) {
                undo.push(Undo::Balances(id, entry.balances));
                let b = &mut entry.balances;
                match (is_debit, pending) {
                    (true, false) => b.debits_posted += amount,
                    (true, true) => b.debits_pending += amount,
                    (false, false) => b.credits_posted += amount,
                    (false, true) => b.credits_pending += amount,
                }
            }
        }
        let totals = self.totals.entry(currency.clone()).or_default();
        undo.push(Undo::Totals(currency.clone(), *totals));
        if pending {
            totals.debits_pending += amount;
            totals.credits_pending += amount;
        } else {
            totals.debits_posted += amount;
            totals.credits_posted += amount;
        }
    }

    /// Takes a hold's amount off both sides' pending totals.
    fn release(&mut self, hold: &OpenHold, undo: &mut Vec<Undo>) {
        let amount = u128::from(hold.amount);
        let mut currency = None;
        for (id, is_debit) in [(hold.debit, true), (hold.credit, false)] {
            if let Some(entry) = self.accounts.get_mut(&id) {
                undo.push(Undo::Balances(id, entry.balances));
                let b = &mut entry.balances;
                if is_debit {
                    b.debits_pending -= amount;
                } else {
                    b.credits_pending -= amount;
                }
                currency = Some(entry.account.currency.clone());
            }
        }
        if let Some(currency) = currency {
            let totals = self.totals.entry(currency.clone()).or_default();
            undo.push(Undo::Totals(currency, *totals));
            totals.debits_pending -= amount;
            totals.credits_pending -= amount;
        }
    }
}
