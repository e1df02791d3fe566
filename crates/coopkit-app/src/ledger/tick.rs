//! A month's policies: issuance, demurrage and dues, applied as one batch
//! of payments whose ids are derived from the month, so that a second
//! tick for the same month replays instead of paying twice.

use coopkit_domain::{DuesPeriod, MembershipStatus, PersonId};
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::policy::{policy_transfer_id, Period, PolicyKind};
use coopkit_ledger::schedule::months_due;
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, Refusal};
use coopkit_store::{Coop, Currency, MonthApplied};

use super::{AccountView, Instruction, Payment};
use crate::{App, AppError, Result};

/// What applying one month's policies did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Transfers made now.
    pub applied: usize,
    /// Transfers this month had already made (a second tick).
    pub already: usize,
    /// Transfers refused, with the reason: a member without the means to
    /// pay dues, say.
    pub refused: Vec<(PersonId, &'static str)>,
    /// Members whose dues for the period were recorded as paid in cash.
    pub paid_in_cash: usize,
}

/// The month's payments, each with the member it concerns.
struct PolicyBatch {
    period: Period,
    instructions: Vec<Instruction>,
    payers: Vec<PersonId>,
}

impl PolicyBatch {
    fn push(
        &mut self,
        kind: PolicyKind,
        currency: &CurrencyCode,
        (from, to): (AccountOwner, AccountOwner),
        person: PersonId,
        amount: u64,
    ) {
        let period = self.period;
        let owner = AccountOwner::Member(person);
        self.instructions.push(Instruction::Pay(Payment {
            id: policy_transfer_id(kind, currency, period, owner),
            currency: currency.clone(),
            from,
            to,
            amount,
            hold: None,
            linked: false,
            memo: format!("{} {period}", kind.as_str()),
            cause: format!("{}:{period}", kind.as_str()),
        }));
        self.payers.push(person);
    }

    /// Each currency's issuance to every member, and demurrage on the
    /// part of each balance above the currency's threshold.
    fn currency_policies(
        &mut self,
        currencies: &[Currency],
        members: &[PersonId],
        accounts: &[AccountView],
    ) {
        let issuance = AccountOwner::Coop(CoopAccount::Issuance);
        let fees = AccountOwner::Coop(CoopAccount::Fees);
        for currency in currencies {
            let policy = currency.policy;
            for &person in members {
                let owner = AccountOwner::Member(person);
                if policy.issuance_per_month > 0 {
                    let amount = policy.issuance_per_month;
                    let kind = PolicyKind::Issuance;
                    self.push(kind, &currency.code, (issuance, owner), person, amount);
                }
                let balance = accounts
                    .iter()
                    .find(|v| v.account.currency == currency.code && v.account.owner == owner)
                    .map_or(0, |v| v.balances.balance());
                let charge = policy.demurrage(balance);
                if charge > 0 {
                    let kind = PolicyKind::Demurrage;
                    self.push(kind, &currency.code, (owner, fees), person, charge);
                }
            }
        }
    }

    /// Dues from every member who has not paid them in cash, when the
    /// co-op's dues fall in this month and are kept in a ledger currency.
    fn dues(
        &mut self,
        currency: &Currency,
        amount: u64,
        members: &[PersonId],
        in_cash: &[PersonId],
    ) {
        let dues = AccountOwner::Coop(CoopAccount::Dues);
        for &person in members.iter().filter(|p| !in_cash.contains(p)) {
            let owner = AccountOwner::Member(person);
            self.push(
                PolicyKind::Dues,
                &currency.code,
                (owner, dues),
                person,
                amount,
            );
        }
    }
}

/// The co-op's dues currency and amount when dues are charged this month.
fn dues_this_month<'c>(
    coop: &Coop,
    currencies: &'c [Currency],
    period: Period,
) -> Option<(&'c Currency, u64)> {
    let settings = &coop.settings;
    let due = match settings.dues_period {
        DuesPeriod::Monthly => true,
        DuesPeriod::Yearly => period.month == 1,
    };
    let currency = currencies
        .iter()
        .find(|c| c.code.as_str() == settings.dues_currency)?;
    let amount = u64::try_from(settings.dues_amount).ok()?;
    (due && amount > 0).then_some((currency, amount))
}

impl App {
    /// Applies one calendar month's policies to a co-op: each currency's
    /// issuance to every active member and demurrage on balances above its
    /// threshold, and dues when the co-op's dues currency is one of its
    /// ledger currencies (monthly dues every month, yearly dues in
    /// January). Idempotent: a second tick for the same month changes
    /// nothing. For the operator (the command line), so no actor.
    pub async fn tick(&self, slug: &str, period: &str) -> Result<TickReport> {
        let period = Period::parse(period).map_err(|code| AppError::invalid("period", code))?;
        let coop = self.coop(slug).await?;
        self.tick_coop(&coop, period).await
    }

    /// Applies every co-op's months that have begun in its own zone and
    /// that its schedule has not applied, oldest first (see
    /// `coopkit_ledger::schedule::months_due`), and records each with its
    /// event. The server calls it each minute, so months are applied on
    /// time without a cron job and caught up after downtime. Several
    /// servers may run it at once: the ledger pays a month once, and the
    /// month is recorded once.
    pub async fn monthly_tick(&self) -> Result<Vec<(String, Period, TickReport)>> {
        let now = self.clock.now();
        let mut applied = Vec::new();
        for summary in self.store.list_coops().await? {
            let coop = summary.coop;
            let zone = &coop.settings.time_zone;
            let (Some(founded), Some(current)) = (
                Period::holding(zone, coop.created_at),
                Period::holding(zone, now),
            ) else {
                continue;
            };
            let last = match self.store.last_applied_month(coop.id).await? {
                Some(text) => Some(Period::parse(&text).map_err(|_| {
                    AppError::internal("a month the schedule recorded does not read back")
                })?),
                None => None,
            };
            for period in months_due(founded, last, current) {
                let report = self.tick_coop(&coop, period).await?;
                let done = MonthApplied {
                    transfers: count(report.applied + report.already),
                    refused: count(report.refused.len()),
                };
                self.store
                    .record_month_applied(coop.id, &period.to_string(), done, now)
                    .await?;
                applied.push((coop.slug.to_string(), period, report));
            }
        }
        Ok(applied)
    }

    async fn tick_coop(&self, coop: &Coop, period: Period) -> Result<TickReport> {
        let currencies = self.store.currencies(coop.id).await?;
        let members: Vec<PersonId> = self
            .store
            .members(coop.id, MembershipStatus::Active)
            .await?
            .into_iter()
            .map(|m| m.membership.person_id)
            .collect();
        let accounts = self.ledger.accounts(coop.id).await?;
        let mut batch = PolicyBatch {
            period,
            instructions: Vec::new(),
            payers: Vec::new(),
        };
        batch.currency_policies(&currencies, &members, &accounts);
        let mut report = TickReport::default();
        if let Some((currency, amount)) = dues_this_month(coop, &currencies, period) {
            let in_cash = self.store.cash_dues(coop.id, &period.to_string()).await?;
            report.paid_in_cash = in_cash.iter().filter(|p| members.contains(p)).count();
            batch.dues(currency, amount, &members, &in_cash);
        }
        let results = if batch.instructions.is_empty() {
            Vec::new()
        } else {
            self.ledger.submit(coop.id, batch.instructions).await?
        };
        for (result, person) in results.into_iter().zip(batch.payers) {
            match result {
                Ok(Applied::New) => report.applied += 1,
                // The month was applied before: the first result stands,
                // even if balances (and so demurrage) have moved since.
                Ok(Applied::Replayed) | Err(Refusal::ExistsWithDifferentFields) => {
                    report.already += 1
                }
                Err(refusal) => report.refused.push((person, refusal.code())),
            }
        }
        tracing::info!(coop = %coop.slug, %period, applied = report.applied, already = report.already, refused = report.refused.len(), "ledger tick");
        Ok(report)
    }
}

/// A count for an event, saturating (a month makes far fewer transfers).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
