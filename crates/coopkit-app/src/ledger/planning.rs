//! The writer's planning: turning a submission's instructions into one
//! co-op's ledger events (opening accounts on first use, pricing plays),
//! and telling each instruction's outcome once the batch is applied.
//! Nothing here touches the database; `writer.rs` commits what is planned.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::Instant;

use rustc_hash::FxHashMap;

use coopkit_ledger::ledger::{Applied, Ledger};
use coopkit_ledger::{
    Account, AccountId, AccountOwner, BatchIndex, CoopAccount, CurrencyCode, Event, Limit, Past,
    Refusal, Transfer, TransferId, TransferKind, UsedIds,
};
use coopkit_store::Currency;

use super::loading::InFlightBatch;
use super::plays::{self, Play, PlayCounts};
use super::writer::{Instruction, Outcome, Payment, Results};

/// A co-op's ledger with what the writer needs beside it.
pub(super) struct CoopLedger {
    pub(super) ledger: Ledger,
    pub(super) currencies: HashMap<CurrencyCode, Currency>,
    pub(super) by_owner: Owners,
    pub(super) next_account: u64,
    pub(super) plays: PlayCounts,
    /// What the index holds of the ids this round's instructions name,
    /// looked up before they are planned (plays' legs), and which ids
    /// were looked up, found or not: the batch looks up only the rest.
    pub(super) recalled: HashMap<TransferId, Past>,
    pub(super) looked_up: HashSet<TransferId>,
    /// Events committed since the last snapshot.
    pub(super) unsnapshotted: u64,
    /// Where each transfer committed since the last snapshot sits: the
    /// index has them only once the next snapshot is kept (see
    /// `coopkit_store::SnapshotWrite`).
    pub(super) unflushed: HashMap<TransferId, (u64, u32)>,
    /// Every transfer id committed: an id it has not seen is new, and
    /// needs no lookup in the index.
    pub(super) used: UsedIds,
    /// The co-op's batch being committed, if any: what the database does
    /// not answer for yet.
    pub(super) in_flight: Option<InFlightBatch>,
    pub(super) last_used: Instant,
}

/// Each owner's account in each currency: looked up for every transfer,
/// by the currency's code without copying it. Owners are people's and the
/// co-op's own numbers, never chosen by a client, so the fast hash is safe.
#[derive(Default)]
pub(super) struct Owners(HashMap<CurrencyCode, FxHashMap<AccountOwner, AccountId>>);

impl Owners {
    pub(super) fn get(&self, currency: &CurrencyCode, owner: AccountOwner) -> Option<AccountId> {
        self.0.get(currency)?.get(&owner).copied()
    }

    fn insert(&mut self, currency: &CurrencyCode, owner: AccountOwner, id: AccountId) {
        match self.0.get_mut(currency) {
            Some(owners) => {
                owners.insert(owner, id);
            }
            None => {
                let owners = FxHashMap::from_iter([(owner, id)]);
                self.0.insert(currency.clone(), owners);
            }
        }
    }
}

impl CoopLedger {
    pub(super) fn new(
        ledger: Ledger,
        currencies: Vec<Currency>,
        plays: PlayCounts,
        used: UsedIds,
    ) -> CoopLedger {
        let mut by_owner = Owners::default();
        let mut next_account = 1;
        for (account, _) in ledger.accounts() {
            by_owner.insert(&account.currency, account.owner, account.id);
            next_account = next_account.max(account.id.0 + 1);
        }
        CoopLedger {
            plays,
            ledger,
            currencies: currencies
                .into_iter()
                .map(|c| (c.code.clone(), c))
                .collect(),
            by_owner,
            next_account,
            recalled: HashMap::new(),
            looked_up: HashSet::new(),
            unsnapshotted: 0,
            unflushed: HashMap::new(),
            used,
            in_flight: None,
            last_used: Instant::now(),
        }
    }

    /// Takes note of a committed batch: the accounts it opened (another
    /// server may have opened them), the plays it made, and where its
    /// transfers sit.
    pub(super) fn note_committed(&mut self, events: &[Event], index: &BatchIndex) {
        for record in &index.transfers {
            self.unflushed
                .insert(record.transfer.id, (record.seq, record.index));
            self.used.insert(record.transfer.id);
        }
        for event in events {
            match event {
                Event::OpenAccount(account) => {
                    self.by_owner
                        .insert(&account.currency, account.owner, account.id);
                    self.next_account = self.next_account.max(account.id.0 + 1);
                }
                Event::Transfer(Transfer {
                    kind: TransferKind::Move { debit, .. },
                    cause,
                    ..
                }) => self.plays.note(*debit, cause),
                _ => {}
            }
        }
        self.unsnapshotted += events.len() as u64;
    }

    /// The most events `instruction` can become now: its transfers, and
    /// an opening for each account it names that does not exist yet (an
    /// account two instructions open is counted twice). What a batch must
    /// have room for before the instruction is planned, since planning
    /// opens accounts.
    pub(super) fn most_events(&self, instruction: &Instruction) -> usize {
        let missing = |currency: &CurrencyCode, owner: AccountOwner| {
            usize::from(self.by_owner.get(currency, owner).is_none())
        };
        match instruction {
            Instruction::Pay(p) => 1 + missing(&p.currency, p.from) + missing(&p.currency, p.to),
            Instruction::Post { .. } | Instruction::Void { .. } => 1,
            Instruction::SetLimits {
                currency, owner, ..
            } => 1 + missing(currency, *owner),
            Instruction::Play(play) => {
                let parties = play.parties();
                play.legs() + parties.filter(|o| missing(&play.currency, *o) == 1).count()
            }
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
        if let Some(id) = self.by_owner.get(currency, owner) {
            return Some(id);
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
        self.by_owner.insert(currency, owner, id);
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

    /// Turns one instruction into its events, pushed onto `transfers`,
    /// pushing onto `openings` any account they need opened first.
    /// `playing` holds the listeners and tracks of the plays already in
    /// this batch: a play's price depends on the plays before it, so a
    /// second play of one track by one listener waits for the next batch.
    pub(super) fn plan(
        &mut self,
        instruction: &Instruction,
        openings: &mut Vec<Event>,
        transfers: &mut Vec<Event>,
        playing: &mut HashSet<(AccountId, i64)>,
    ) -> Slot {
        let start = transfers.len();
        let event = match instruction {
            Instruction::Play(play) => return self.plan_play(play, openings, transfers, playing),
            Instruction::Pay(p) => self.payment(p, openings),
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
            } => self
                .account_for(currency, *owner, openings)
                .ok_or(Refusal::AccountUnknown)
                .map(|account| Event::SetLimits {
                    account,
                    debit_limit: *debit_limit,
                    balance_cap: *balance_cap,
                }),
        };
        match event {
            Ok(event) => {
                transfers.push(event);
                Slot::Events(start..start + 1)
            }
            Err(refusal) => Slot::Settled(Err(refusal)),
        }
    }

    fn payment(&mut self, p: &Payment, openings: &mut Vec<Event>) -> Result<Event, Refusal> {
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

    fn plan_play(
        &mut self,
        play: &Play,
        openings: &mut Vec<Event>,
        transfers: &mut Vec<Event>,
        playing: &mut HashSet<(AccountId, i64)>,
    ) -> Slot {
        let listener = AccountOwner::Member(play.listener);
        let Some(debit) = self.account_for(&play.currency, listener, openings) else {
            return Slot::Settled(Err(Refusal::DebitAccountUnknown));
        };
        if !playing.insert((debit, play.track)) {
            return Slot::Later;
        }
        // Its legs' ids follow from its id alone, so a repeated play is
        // found whatever its number would be now.
        if (0..play.legs()).any(|leg| self.recalled.contains_key(&play.leg_id(leg))) {
            return Slot::Settled(Ok(Applied::Replayed));
        }
        let n = self.plays.count(debit, play.track);
        let payments = play.payments(n);
        if payments.is_empty() {
            return Slot::Settled(Ok(Applied::New));
        }
        let cause = plays::cause(play.track, n);
        let start = transfers.len();
        let last = payments.len() - 1;
        for (i, (leg, from, to, amount)) in payments.into_iter().enumerate() {
            let accounts = self
                .account_for(&play.currency, from, openings)
                .zip(self.account_for(&play.currency, to, openings));
            let Some((debit, credit)) = accounts else {
                transfers.truncate(start);
                return Slot::Settled(Err(Refusal::CreditAccountUnknown));
            };
            transfers.push(transfer(
                play.leg_id(leg),
                TransferKind::Move {
                    debit,
                    credit,
                    amount,
                },
                i < last,
                &play.title,
                &cause,
            ));
        }
        Slot::Events(start..transfers.len())
    }
}

fn transfer(id: TransferId, kind: TransferKind, linked: bool, memo: &str, cause: &str) -> Event {
    Event::Transfer(Transfer {
        id,
        kind,
        linked,
        memo: memo.to_owned(),
        cause: cause.to_owned(),
    })
}

/// What became of one instruction while its batch was planned.
#[derive(Clone, Debug)]
pub(super) enum Slot {
    /// Its events, at these places in its co-op's part of the batch.
    Events(Range<usize>),
    /// Settled without the ledger: refused before it, a play already
    /// recorded, or a free play.
    Settled(Result<Applied, Refusal>),
    /// Planned again in the next batch.
    Later,
}

impl Slot {
    /// The instruction's result from its events' results: the first
    /// refusal that is not only a linked event's failure, if any.
    pub(super) fn result(&self, results: Option<&Results>) -> Outcome {
        match self {
            Slot::Settled(result) => Some(*result),
            Slot::Later => None,
            Slot::Events(range) => {
                let Some(of_events) = results.and_then(|r| r.get(range.clone())) else {
                    return Some(Err(Refusal::LinkedEventFailed));
                };
                // The first of the lowest: a refusal of its own before
                // a failure for a linked one.
                let refusal = of_events
                    .iter()
                    .filter_map(|r| r.err())
                    .min_by_key(|r| *r == Refusal::LinkedEventFailed);
                Some(match refusal {
                    Some(refusal) => Err(refusal),
                    None => of_events.first().copied().unwrap_or(Ok(Applied::New)),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use coopkit_domain::PersonId;
    use coopkit_ledger::policy::Policy;
    use coopkit_ledger::{CurrencyKind, SealKey};
    use coopkit_market::royalty::{Rate, Shares};
    use proptest::prelude::*;

    use super::*;

    fn coop_ledger() -> CoopLedger {
        let currency = Currency {
            code: CurrencyCode::parse("CRD").unwrap(),
            name: "Credits".into(),
            kind: CurrencyKind::Community,
            scale: 3,
            default_debit_limit: Some(0),
            default_balance_cap: None,
            policy: Policy::default(),
        };
        let ledger = Ledger::new(SealKey::from_bytes([7; 32]));
        CoopLedger::new(
            ledger,
            vec![currency],
            PlayCounts::default(),
            UsedIds::new(),
        )
    }

    fn owner(n: i64) -> AccountOwner {
        match n {
            0 => AccountOwner::Coop(CoopAccount::Sales),
            n => AccountOwner::Member(PersonId(n)),
        }
    }

    /// A play or a payment between a few people, so that later
    /// instructions find some of their accounts open.
    fn instruction() -> impl Strategy<Value = Instruction> {
        let play = (
            1..6i64,
            1..4i64,
            prop::sample::subsequence(vec![1i64, 2, 3, 4, 5, 6], 1..=3),
            any::<u128>(),
        )
            .prop_map(|(listener, track, creators, id)| {
                let rest = 10_000 - 1_000 * (creators.len() as u32 - 1);
                let parts = creators
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (PersonId(*c), if i == 0 { rest } else { 1_000 }))
                    .collect();
                Instruction::Play(Play {
                    id: TransferId(id),
                    currency: CurrencyCode::parse("CRD").unwrap(),
                    listener: PersonId(listener),
                    track,
                    creators: Shares::new(parts).unwrap(),
                    rate: Rate::new(7_000).unwrap(),
                    title: "Harbour Lights".into(),
                })
            });
        let pay = (0..7i64, 0..7i64, any::<u128>()).prop_map(|(from, to, id)| {
            Instruction::Pay(Payment {
                id: TransferId(id),
                currency: CurrencyCode::parse("CRD").unwrap(),
                from: owner(from),
                to: owner(to),
                amount: 5,
                hold: None,
                linked: false,
                memo: String::new(),
                cause: String::new(),
            })
        });
        prop_oneof![play, pay]
    }

    proptest! {
        /// A batch is filled by the bound before planning, so planning
        /// must never make more events than it said: an overfull batch
        /// is refused whole.
        #[test]
        fn planning_makes_no_more_events_than_the_bound(
            instructions in prop::collection::vec(instruction(), 1..60),
        ) {
            let mut coop = coop_ledger();
            let (mut openings, mut transfers) = (Vec::new(), Vec::new());
            let mut playing = HashSet::new();
            for instruction in &instructions {
                let most = coop.most_events(instruction);
                let before = openings.len() + transfers.len();
                coop.plan(instruction, &mut openings, &mut transfers, &mut playing);
                let made = openings.len() + transfers.len() - before;
                prop_assert!(made <= most, "{made} events of {instruction:?}, bound {most}");
            }
        }
    }

    #[test]
    fn a_play_whose_accounts_are_open_is_bounded_by_its_legs() {
        let mut coop = coop_ledger();
        let duo = Shares::new(vec![(PersonId(2), 6_000), (PersonId(3), 4_000)]).unwrap();
        let play = |id, listener| {
            Instruction::Play(Play {
                id: TransferId(id),
                currency: CurrencyCode::parse("CRD").unwrap(),
                listener: PersonId(listener),
                track: 42,
                creators: duo.clone(),
                rate: Rate::new(7_000).unwrap(),
                title: "Harbour Lights".into(),
            })
        };
        // Nobody has an account: the listener's, the sales account and
        // both creators' would open beside the three legs.
        assert_eq!(coop.most_events(&play(1, 1)), 3 + 4);
        let (mut openings, mut transfers) = (Vec::new(), Vec::new());
        coop.plan(
            &play(1, 1),
            &mut openings,
            &mut transfers,
            &mut HashSet::new(),
        );
        // Play 0 costs 2: the creators' 1 goes to the larger share alone,
        // so the second creator's account is not needed yet.
        assert_eq!(openings.len(), 3);
        assert_eq!(coop.most_events(&play(2, 1)), 3 + 1);
        let second = Instruction::SetLimits {
            currency: CurrencyCode::parse("CRD").unwrap(),
            owner: AccountOwner::Member(PersonId(3)),
            debit_limit: Limit::AtMost(0),
            balance_cap: Limit::Unlimited,
        };
        coop.plan(&second, &mut openings, &mut transfers, &mut HashSet::new());
        assert_eq!(coop.most_events(&play(2, 1)), 3, "only its legs");
        assert_eq!(coop.most_events(&play(3, 9)), 3 + 1, "a new listener");
    }
}
