//! The co-op, week by week: families decide, the matching finds sitters,
//! the ledger moves the tokens.

use coopkit_domain::{PersonId, Timestamp, Zone};
use coopkit_ledger::{
    Account, AccountId, AccountOwner, CoopAccount, CurrencyCode, Event, Limit, MemoryLedger,
    SealKey, Transfer, TransferId, TransferKind,
};
use coopkit_market::availability::weekday;
use coopkit_market::matching::{self, Point, Provider, Request};
use coopkit_market::{WeeklySlot, Window};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::metrics::{Bounds, Summary, Tally, Week};
use crate::params::{MatchingRule, ParamError, Params, OUTING_HOURS, WEEKS_PER_MONTH};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Monday 5 January 2026, 00:00: the first simulated week.
const FIRST_MONDAY_MS: i64 = 1_767_571_200_000;
const CATEGORY: &str = "babysitting";
/// Even a family flush with tokens sometimes sits, as a favour.
const SIT_ANYWAY: f64 = 0.05;
/// How far a sitter goes: across the whole neighbourhood (about two
/// kilometres across), and no further, which keeps the engine's grid small.
const TRAVEL_M: u32 = 3_000;
/// How many past sitters a family remembers, for the engine to prefer.
const REMEMBERED_SITTERS: usize = 3;

const ISSUANCE: AccountId = AccountId(1);
const DUES: AccountId = AccountId(2);
const FEES: AccountId = AccountId(3);
const FIRST_FAMILY: u64 = 100;

#[derive(Debug)]
struct Family {
    person: PersonId,
    account: AccountId,
    /// The reserve this family wants to keep.
    target: i64,
    place: Point,
    past_sitters: Vec<PersonId>,
}

/// One co-op being simulated. [`Simulation::step`] runs a week.
#[derive(Debug)]
pub struct Simulation {
    params: Params,
    rng: ChaCha8Rng,
    ledger: MemoryLedger,
    families: Vec<Family>,
    week: u32,
    next_transfer: u128,
    currency: CurrencyCode,
}

/// A whole run: every week's figures, the summary and the balances at
/// the end.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub weeks: Vec<Week>,
    pub summary: Summary,
    pub final_balances: Vec<i64>,
}

impl Simulation {
    /// Opens the co-op's ledger and gives each family its starting tokens.
    pub fn new(params: Params) -> Result<Simulation, ParamError> {
        params.validate()?;
        let currency = CurrencyCode::parse("TOKEN")
            .map_err(|reason| ParamError::new("currency", reason.to_owned()))?;
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        let target = i64::try_from(params.target_reserve).unwrap_or(i64::MAX);
        let families = (0..u64::from(params.families))
            .map(|i| Family {
                person: PersonId(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                account: AccountId(FIRST_FAMILY + i),
                target: rng.random_range(target / 2..=target + target / 2).max(1),
                // A neighbourhood about two kilometres across.
                place: Point {
                    lat_e6: 38_886_000 + rng.random_range(-9_000..=9_000),
                    lon_e6: -76_995_000 + rng.random_range(-11_000..=11_000),
                },
                past_sitters: Vec::new(),
            })
            .collect();
        let mut simulation = Simulation {
            params,
            rng,
            // A simulated journal is never published, so its commitments
            // need no secret salt.
            ledger: MemoryLedger::new(SealKey::from_bytes([0; 32])),
            families,
            week: 0,
            next_transfer: 1,
            currency,
        };
        simulation.open();
        Ok(simulation)
    }

    /// Runs every week of `params` and sums them up.
    pub fn run(params: Params) -> Result<Run, ParamError> {
        let mut simulation = Simulation::new(params)?;
        let weeks: Vec<Week> = (0..simulation.params.weeks)
            .map(|_| simulation.step())
            .collect();
        let final_balances = simulation.balances();
        let summary = Summary::of(&weeks, &simulation.spendable());
        Ok(Run {
            weeks,
            summary,
            final_balances,
        })
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn ledger(&self) -> &MemoryLedger {
        &self.ledger
    }

    /// Each family's balance, in family order.
    pub fn balances(&self) -> Vec<i64> {
        self.families
            .iter()
            .map(|f| self.balance(f.account))
            .collect()
    }

    /// Runs the next week and returns its figures.
    pub fn step(&mut self) -> Week {
        let week = self.week;
        let now = self.now();
        if week > 0 && week.is_multiple_of(WEEKS_PER_MONTH) {
            self.close_month(now);
        }
        if let Some(once) = self.params.rules.issue_once.filter(|o| o.week == week) {
            let issue = self.issue_to_all(once.amount);
            self.apply(issue, now);
        }

        let plans = self.plan_week(now);
        let requests: Vec<Request> = plans.requests.iter().map(|p| p.request.clone()).collect();
        let matching = match self.params.matching {
            MatchingRule::Engine => matching::propose(&requests, &plans.providers, &Zone::utc()),
            MatchingRule::FirstCome => {
                matching::first_come(&requests, &plans.providers, &Zone::utc())
            }
        };
        let mut sits = Vec::with_capacity(matching.proposals.len());
        let mut payments = Vec::with_capacity(matching.proposals.len());
        for proposal in &matching.proposals {
            let asked = &plans.requests[proposal.request];
            let sitter = self.family_of(proposal.provider);
            payments.push(self.transfer(
                self.families[asked.family].account,
                self.families[sitter].account,
                asked.cost,
            ));
            sits.push((asked.family, sitter));
        }
        let results = self.apply(payments, now);

        let mut tally = Tally::new(self.families.len(), plans.wanted);
        for asked in &plans.requests {
            tally.asked(asked.family);
        }
        for ((family, sitter), result) in sits.into_iter().zip(results) {
            if result {
                tally.served(sitter);
                let sitter = self.families[sitter].person;
                let past = &mut self.families[family].past_sitters;
                past.retain(|p| *p != sitter);
                past.insert(0, sitter);
                past.truncate(REMEMBERED_SITTERS);
            }
        }
        self.week += 1;
        tally.week(week, &self.balances(), &self.bounds())
    }

    fn now(&self) -> Timestamp {
        Timestamp(FIRST_MONDAY_MS + i64::from(self.week) * 7 * DAY_MS)
    }

    fn open(&mut self) {
        let currency = self.currency.clone();
        let coop = |id, account| Account {
            id,
            currency: currency.clone(),
            owner: AccountOwner::Coop(account),
            debit_limit: if account == CoopAccount::Issuance {
                Limit::Unlimited
            } else {
                Limit::AtMost(0)
            },
            balance_cap: Limit::Unlimited,
            closed: false,
        };
        let rules = self.params.rules;
        // Accounts open with room for the balances carried in (a real
        // co-op's, under a tighter proposed rule); the rules' limits apply
        // once they are in.
        let deepest = self
            .params
            .starting_balances
            .iter()
            .flatten()
            .map(|b| b.min(&0).unsigned_abs())
            .max()
            .unwrap_or(0);
        let mut events = vec![
            Event::OpenAccount(coop(ISSUANCE, CoopAccount::Issuance)),
            Event::OpenAccount(coop(DUES, CoopAccount::Dues)),
            Event::OpenAccount(coop(FEES, CoopAccount::Fees)),
        ];
        events.extend(self.families.iter().map(|family| {
            Event::OpenAccount(Account {
                id: family.account,
                currency: currency.clone(),
                owner: AccountOwner::Member(family.person),
                debit_limit: Limit::AtMost(rules.debit_limit.max(deepest)),
                balance_cap: Limit::Unlimited,
                closed: false,
            })
        }));
        let now = self.now();
        self.apply(events, now);

        let starting = match self.params.starting_balances.clone() {
            Some(balances) => balances
                .into_iter()
                .zip(self.families.iter().map(|f| f.account))
                .filter_map(|(balance, account)| {
                    let amount = balance.unsigned_abs();
                    (balance > 0)
                        .then_some((ISSUANCE, account, amount))
                        .or((balance < 0).then_some((account, ISSUANCE, amount)))
                })
                .collect::<Vec<_>>(),
            None => self
                .families
                .iter()
                .map(|f| (ISSUANCE, f.account, rules.joining_issue))
                .collect(),
        };
        let starting = starting
            .into_iter()
            .map(|(debit, credit, amount)| self.transfer(debit, credit, amount))
            .collect();
        self.apply(starting, now);

        let limits = self
            .families
            .iter()
            .map(|family| Event::SetLimits {
                account: family.account,
                debit_limit: Limit::AtMost(rules.debit_limit),
                balance_cap: rules.balance_cap.map_or(Limit::Unlimited, Limit::AtMost),
            })
            .collect();
        self.apply(limits, now);
    }

    /// The month's rules: dues and demurrage to the co-op, issuance to
    /// the families; then the dues to the month's secretary.
    fn close_month(&mut self, now: Timestamp) {
        let monthly = self.params.rules.monthly;
        let mut events = Vec::new();
        for i in 0..self.families.len() {
            let account = self.families[i].account;
            let demurrage = monthly.demurrage(i128::from(self.balance(account)));
            events.push(self.transfer(account, FEES, demurrage));
            events.push(self.transfer(account, DUES, self.params.dues_per_month));
        }
        events.extend(self.issue_to_all(monthly.issuance_per_month));
        // A family short of dues or of the demurrage does not pay it this
        // month, and one at the cap gets no issue: the ledger refuses, and
        // its refusal is the rule.
        self.apply(events, now);

        // The secretary is paid up to their cap; the rest waits for the next.
        let month = self.week / WEEKS_PER_MONTH;
        let secretary = self.families[month as usize % self.families.len()].account;
        let headroom = self.params.rules.balance_cap.map_or(u64::MAX, |cap| {
            u64::try_from(i64::try_from(cap).unwrap_or(i64::MAX) - self.balance(secretary))
                .unwrap_or(0)
        });
        let dues = u64::try_from(self.balance(DUES)).unwrap_or(0).min(headroom);
        let pay = self.transfer(DUES, secretary, dues);
        self.apply(vec![pay], now);
    }

    fn issue_to_all(&mut self, amount: u64) -> Vec<Event> {
        (0..self.families.len())
            .map(|i| self.transfer(ISSUANCE, self.families[i].account, amount))
            .collect()
    }

    /// Who wants to go out, who asks, and who offers to sit, this week.
    fn plan_week(&mut self, now: Timestamp) -> Plans {
        let rate = self.params.outing_rate;
        let tokens_per_hour = self.params.tokens_per_hour;
        let floor = i64::try_from(self.params.rules.debit_limit).unwrap_or(i64::MAX);
        let evenings: Vec<u8> = (0..7).collect();
        let mut plans = Plans::default();
        for i in 0..self.families.len() {
            let family = &self.families[i];
            let spendable = self.balance(family.account) + floor;
            let outing = self.rng.random_bool(rate).then(|| {
                let hours = self.rng.random_range(OUTING_HOURS.0..=OUTING_HOURS.1);
                let from = self.rng.random_range(18..=24 - hours);
                let day = self.rng.random_range(0..7u8);
                let start = now.plus_millis(i64::from(day) * DAY_MS + from as i64 * HOUR_MS);
                let window = Window {
                    start,
                    end: start.plus_millis(hours as i64 * HOUR_MS),
                };
                (window, hours * tokens_per_hour)
            });
            if let Some((window, cost)) = outing {
                plans.wanted += 1;
                // Spending what leaves less than the reserve is done
                // reluctantly: the further below, the less likely.
                let left = spendable - cost as i64;
                let asks = left >= 0
                    && (left >= family.target || self.rng.random_range(0..family.target) < left);
                if asks {
                    plans.requests.push(Asked {
                        family: i,
                        cost,
                        request: Request {
                            requester: family.person,
                            category: CATEGORY.to_owned(),
                            window,
                            place: family.place,
                            language: None,
                            favourites: Vec::new(),
                            past_providers: family.past_sitters.clone(),
                            declined: Vec::new(),
                        },
                    });
                }
            }
            // Below the reserve, sitting is how to earn it back: certain
            // with nothing, even odds at the reserve, rare at twice it.
            let keen = 1.0 - spendable as f64 / (2 * family.target) as f64;
            if self.rng.random_bool(keen.clamp(SIT_ANYWAY, 1.0)) {
                let out_on = outing.map(|(w, _)| weekday(&Zone::utc(), w.start));
                let free: Vec<u8> = evenings
                    .choose_multiple(&mut self.rng, usize::from(self.params.free_evenings))
                    .copied()
                    .filter(|day| Some(*day) != out_on)
                    .collect();
                plans.providers.push(Provider {
                    person: family.person,
                    categories: vec![CATEGORY.to_owned()],
                    slots: free
                        .into_iter()
                        .map(|weekday| WeeklySlot {
                            weekday,
                            start_minute: 18 * 60,
                            end_minute: 24 * 60,
                        })
                        .collect(),
                    busy: outing.map(|(w, _)| w).into_iter().collect(),
                    place: family.place,
                    radius_m: TRAVEL_M,
                    languages: Vec::new(),
                    balance: spendable - floor,
                    balance_cap: self
                        .params
                        .rules
                        .balance_cap
                        .map(|cap| i64::try_from(cap).unwrap_or(i64::MAX)),
                });
            }
        }
        // Requests arrive in no particular order; first-come asks
        // members in an order that changes from week to week.
        plans.requests.shuffle(&mut self.rng);
        plans.providers.shuffle(&mut self.rng);
        plans
    }

    fn family_of(&self, person: PersonId) -> usize {
        // Family i is person i + 1.
        usize::try_from(person.0 - 1).unwrap_or(0)
    }

    fn transfer(&mut self, debit: AccountId, credit: AccountId, amount: u64) -> Event {
        let id = TransferId(self.next_transfer);
        self.next_transfer += 1;
        Event::Transfer(Transfer {
            id,
            kind: TransferKind::Move {
                debit,
                credit,
                amount,
            },
            linked: false,
            memo: String::new(),
            cause: String::new(),
        })
    }

    /// Applies a batch; which events the ledger accepted. Zero amounts are
    /// left out (the ledger refuses them) and count as accepted.
    fn apply(&mut self, events: Vec<Event>, now: Timestamp) -> Vec<bool> {
        let zero = |e: &Event| {
            matches!(
                e,
                Event::Transfer(Transfer {
                    kind: TransferKind::Move { amount: 0, .. },
                    ..
                })
            )
        };
        let keep: Vec<bool> = events.iter().map(|e| !zero(e)).collect();
        let mut accepted = keep.clone();
        let kept: Vec<Event> = events.into_iter().filter(|e| !zero(e)).collect();
        let mut results = Vec::new();
        for chunk in kept.chunks(coopkit_ledger::BATCH_MAX) {
            let outcome = self.ledger.apply(chunk.to_vec(), now);
            results.extend(outcome.results.into_iter().map(|r| r.is_ok()));
        }
        let mut results = results.into_iter();
        for (slot, kept) in accepted.iter_mut().zip(keep) {
            if kept {
                *slot = results.next().unwrap_or(false);
            }
        }
        accepted
    }

    fn balance(&self, account: AccountId) -> i64 {
        self.ledger
            .account(account)
            .map_or(0, |(_, b)| i64::try_from(b.balance()).unwrap_or(i64::MAX))
    }

    /// What each family could spend: its balance down to its debit limit.
    fn spendable(&self) -> Vec<i64> {
        let floor = i64::try_from(self.params.rules.debit_limit).unwrap_or(i64::MAX);
        self.families
            .iter()
            .map(|f| self.balance(f.account) + floor)
            .collect()
    }

    fn bounds(&self) -> Bounds {
        let tokens = |amount: u64| i64::try_from(amount).unwrap_or(i64::MAX);
        let rules = self.params.rules;
        Bounds {
            debit_limit: tokens(rules.debit_limit),
            balance_cap: rules.balance_cap.map(tokens),
            cheapest_outing: tokens(OUTING_HOURS.0 * self.params.tokens_per_hour),
        }
    }
}

#[derive(Debug, Default)]
struct Plans {
    /// How many families want an evening out.
    wanted: u32,
    requests: Vec<Asked>,
    providers: Vec<Provider>,
}

/// A request for a sitter, with the family asking and what it will pay.
#[derive(Debug)]
struct Asked {
    family: usize,
    cost: u64,
    request: Request,
}
