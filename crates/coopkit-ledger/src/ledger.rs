//! The ledger's state and the rules every event must pass.

use std::collections::{BTreeMap, HashMap};

use coopkit_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountId, Balances, CurrencyCode, Limit};
use crate::journal::{BatchRecord, Event, Hash};
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

/// A transfer as the ledger recorded it: what was asked, when, and what it
/// resolved to (a post names its hold's accounts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    pub transfer: Transfer,
    /// The sequence number of the batch that holds it.
    pub seq: u64,
    pub timestamp: Timestamp,
    pub debit: AccountId,
    pub credit: AccountId,
    /// What moved (a move or post), or was held or released.
    pub amount: u64,
}

impl TransferRecord {
    /// What this transfer did to `account`'s posted balance: a move or a
    /// post adds to the credited account and takes from the debited one;
    /// a hold or a void changes only what is pending.
    pub fn posted_change(&self, account: AccountId) -> i128 {
        let moved = match self.transfer.kind {
            TransferKind::Move { .. } | TransferKind::Post { .. } => i128::from(self.amount),
            TransferKind::Hold { .. } | TransferKind::Void { .. } => 0,
        };
        if self.credit == account {
            moved
        } else if self.debit == account {
            -moved
        } else {
            0
        }
    }
}

/// Where a hold stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldStatus {
    Open,
    Posted,
    Voided,
    Expired,
}

impl HoldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldStatus::Open => "open",
            HoldStatus::Posted => "posted",
            HoldStatus::Voided => "voided",
            HoldStatus::Expired => "expired",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hold {
    Open {
        debit: AccountId,
        credit: AccountId,
        amount: u64,
        expires_at: Option<Timestamp>,
    },
    Posted,
    Voided,
    Expired,
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
    Transfer(TransferId),
    /// A transfer id was pushed onto this account's history.
    History(AccountId),
    Hold(TransferId, Option<Hold>),
    Totals(CurrencyCode, Totals),
}

#[derive(Clone, Debug)]
struct Entry {
    account: Account,
    balances: Balances,
}

/// The ledger of one co-op, in memory.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    accounts: HashMap<AccountId, Entry>,
    transfers: HashMap<TransferId, TransferRecord>,
    /// Each account's transfers in the order they were applied: statements
    /// page through it, newest first.
    history: HashMap<AccountId, Vec<TransferId>>,
    holds: HashMap<TransferId, Hold>,
    totals: BTreeMap<CurrencyCode, Totals>,
    head: Hash,
    next_seq: u64,
}

/// The outcome of a batch: one result per event, in order, and the record
/// to persist when anything changed.
#[derive(Debug)]
pub struct BatchOutcome {
    pub results: Vec<Result<Applied, Refusal>>,
    pub record: Option<BatchRecord>,
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
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

    pub fn transfer(&self, id: TransferId) -> Option<&TransferRecord> {
        self.transfers.get(&id)
    }

    /// Every transfer, in no order.
    pub fn transfers(&self) -> impl Iterator<Item = &TransferRecord> {
        self.transfers.values()
    }

    /// Where the hold made by transfer `id` stands; `None` when `id` is
    /// not a hold.
    pub fn hold_status(&self, id: TransferId) -> Option<HoldStatus> {
        self.holds.get(&id).map(|hold| match hold {
            Hold::Open { .. } => HoldStatus::Open,
            Hold::Posted => HoldStatus::Posted,
            Hold::Voided => HoldStatus::Voided,
            Hold::Expired => HoldStatus::Expired,
        })
    }

    /// A page of an account's statement, newest first: up to `limit`
    /// transfers before position `before` in its history (from the newest
    /// when `None`), and the position to continue from, if there is more.
    pub fn statement(
        &self,
        account: AccountId,
        before: Option<u64>,
        limit: usize,
    ) -> (Vec<&TransferRecord>, Option<u64>) {
        let Some(history) = self.history.get(&account) else {
            return (Vec::new(), None);
        };
        let end = before.map_or(history.len(), |b| {
            usize::try_from(b).unwrap_or(usize::MAX).min(history.len())
        });
        let start = end.saturating_sub(limit);
        let page = history[start..end]
            .iter()
            .rev()
            .filter_map(|id| self.transfers.get(id))
            .collect();
        (page, (start > 0).then_some(start as u64))
    }

    /// The account's posted balance just after its first `position`
    /// transfers: the balance now, less what each later transfer did to
    /// it. A statement page shows a running balance from this; it costs a
    /// step per transfer newer than the page.
    pub fn balance_at(&self, account: AccountId, position: u64) -> i128 {
        let now = self
            .accounts
            .get(&account)
            .map_or(0, |entry| entry.balances.balance());
        let Some(history) = self.history.get(&account) else {
            return now;
        };
        let from = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(history.len());
        history[from..]
            .iter()
            .filter_map(|id| self.transfers.get(id))
            .fold(now, |balance, record| {
                balance - record.posted_change(account)
            })
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
            .filter_map(|(id, hold)| match hold {
                Hold::Open {
                    expires_at: Some(at),
                    ..
                } if *at <= now => Some(*id),
                _ => None,
            })
            .collect();
        expired.sort();
        expired
    }

    /// Applies a batch of events at `now`, all or nothing per linked chain.
    /// Accepted events extend the hash chain as one record.
    pub fn apply(&mut self, events: Vec<Event>, now: Timestamp) -> BatchOutcome {
        if events.len() > BATCH_MAX {
            return BatchOutcome {
                results: vec![Err(Refusal::BatchTooLarge); events.len()],
                record: None,
            };
        }
        let count = events.len();
        let mut results: Vec<Result<Applied, Refusal>> = Vec::with_capacity(count);
        let mut accepted: Vec<Event> = Vec::new();
        let mut undo: Vec<Undo> = Vec::new();
        let mut chain_start = 0;
        let mut chain_accepted = 0;
        let mut chain_failed = false;
        for (index, event) in events.into_iter().enumerate() {
            let linked = event.linked();
            if chain_failed {
                results.push(Err(Refusal::LinkedEventFailed));
            } else {
                let result = self.apply_one(&event, now, &mut undo);
                if result.is_err() && (linked || index > chain_start) {
                    // Take back the chain so far; its other members fail with it.
                    self.roll_back(&mut undo);
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
                self.roll_back(&mut undo);
                accepted.truncate(chain_accepted);
            }
            for open in &mut results[chain_start..] {
                *open = Err(Refusal::LinkedChainOpen);
            }
        }
        let record = (!accepted.is_empty()).then(|| {
            let record = BatchRecord::seal(self.next_seq, now, self.head, accepted);
            self.head = record.hash;
            self.next_seq += 1;
            record
        });
        BatchOutcome { results, record }
    }

    fn roll_back(&mut self, undo: &mut Vec<Undo>) {
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
                Undo::Transfer(id) => {
                    self.transfers.remove(&id);
                }
                Undo::History(account) => {
                    if let Some(history) = self.history.get_mut(&account) {
                        history.pop();
                    }
                }
                Undo::Hold(id, None) => {
                    self.holds.remove(&id);
                }
                Undo::Hold(id, Some(hold)) => {
                    self.holds.insert(id, hold);
                }
                Undo::Totals(currency, totals) => {
                    self.totals.insert(currency, totals);
                }
            }
        }
    }

    fn apply_one(
        &mut self,
        event: &Event,
        now: Timestamp,
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
            Event::Transfer(transfer) => self.transfer_one(transfer, now, undo),
            Event::Expire { pending } => {
                if self.holds.get(pending) == Some(&Hold::Expired) {
                    return Ok(Applied::Replayed);
                }
                let (debit, credit, amount) = self.open_hold(*pending, now, true)?;
                self.release(debit, credit, amount, undo);
                undo.push(Undo::Hold(
                    *pending,
                    self.holds.insert(*pending, Hold::Expired),
                ));
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

    fn transfer_one(
        &mut self,
        transfer: &Transfer,
        now: Timestamp,
        undo: &mut Vec<Undo>,
    ) -> Result<Applied, Refusal> {
        if transfer.id.0 == 0 {
            return Err(Refusal::IdZero);
        }
        if transfer.memo.len() > TEXT_MAX_BYTES || transfer.cause.len() > TEXT_MAX_BYTES {
            return Err(Refusal::TextTooLong);
        }
        if let Some(existing) = self.transfers.get(&transfer.id) {
            return if existing.transfer == *transfer {
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
                let hold = Hold::Open {
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
                let (debit, credit, held) = self.open_hold(*pending, now, false)?;
                let posted = amount.unwrap_or(held);
                if posted == 0 {
                    return Err(Refusal::AmountZero);
                }
                if posted > held {
                    return Err(Refusal::PostExceedsPending);
                }
                self.check_open(debit, credit)?;
                self.release(debit, credit, held, undo);
                let currency = self.currency_of(debit)?;
                self.add(debit, credit, posted, &currency, false, undo);
                undo.push(Undo::Hold(
                    *pending,
                    self.holds.insert(*pending, Hold::Posted),
                ));
                (debit, credit, posted)
            }
            TransferKind::Void { pending } => {
                let (debit, credit, held) = self.open_hold(*pending, now, false)?;
                self.release(debit, credit, held, undo);
                undo.push(Undo::Hold(
                    *pending,
                    self.holds.insert(*pending, Hold::Voided),
                ));
                (debit, credit, held)
            }
        };
        let record = TransferRecord {
            transfer: transfer.clone(),
            seq: self.next_seq,
            timestamp: now,
            debit,
            credit,
            amount,
        };
        self.transfers.insert(transfer.id, record);
        undo.push(Undo::Transfer(transfer.id));
        for account in [debit, credit] {
            self.history.entry(account).or_default().push(transfer.id);
            undo.push(Undo::History(account));
        }
        Ok(Applied::New)
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

    /// The accounts and amount of a hold that is still open. `expiring`
    /// lets the expiry event through at or after the deadline.
    fn open_hold(
        &self,
        id: TransferId,
        now: Timestamp,
        expiring: bool,
    ) -> Result<(AccountId, AccountId, u64), Refusal> {
        match self.holds.get(&id) {
            None if self.transfers.contains_key(&id) => Err(Refusal::NotPending),
            None => Err(Refusal::PendingNotFound),
            Some(Hold::Posted) => Err(Refusal::PendingAlreadyPosted),
            Some(Hold::Voided) => Err(Refusal::PendingAlreadyVoided),
            Some(Hold::Expired) => Err(Refusal::PendingExpired),
            Some(Hold::Open {
                debit,
                credit,
                amount,
                expires_at,
            }) => {
                let lapsed = expires_at.is_some_and(|at| at <= now);
                if lapsed && !expiring {
                    Err(Refusal::PendingExpired)
                } else if !lapsed && expiring {
                    Err(Refusal::PendingNotFound)
                } else {
                    Ok((*debit, *credit, *amount))
                }
            }
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
    fn release(&mut self, debit: AccountId, credit: AccountId, amount: u64, undo: &mut Vec<Undo>) {
        let amount = u128::from(amount);
        let mut currency = None;
        for (id, is_debit) in [(debit, true), (credit, false)] {
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
