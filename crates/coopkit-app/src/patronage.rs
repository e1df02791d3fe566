//! Closing a fiscal year: patronage read from the year's settled bookings,
//! the surplus allocated by the bylaws' rules, put to the members as a
//! proposal, and posted to the ledger only once they approve it.
//!
//! The surplus was earned in the co-op's books, not in the ledger, so it
//! enters the ledger at posting, from the issuance account of the money
//! currency: the reserve to the co-op's reserve account, each member's
//! cash part to their account (to be paid out). The retained part is
//! credited to their capital account: their account in the capital
//! currency, issued by the co-op, whose issuance balance is then what it
//! owes its members. A loss charged to the reserve leaves the ledger the
//! same way, from the reserve to issuance.

use coopkit_domain::membership::MemberListing;
use coopkit_domain::validation::Collector;
use coopkit_domain::{AllocationId, MembershipStatus, Role, Timestamp};
use coopkit_governance::ProposalKind;
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_patronage::records::{
    AllocationLine, AllocationRecord, BookedPatronage, NewAllocation,
};
use coopkit_patronage::state::AllocationState;
use coopkit_patronage::{allocate, Allocation, Bylaws, Measure, Patronage};
use coopkit_store::{Coop, CoopRules, Person, ProposalId};
use serde::{Deserialize, Serialize};

use crate::governance::ProposalForm;
use crate::ledger::{linked_chain, Instruction, Payment};
use crate::{App, AppError, Result};

/// The bylaws' settings for closing a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatronageSettings {
    pub bylaws: Bylaws,
    /// The money the surplus is in.
    pub currency: String,
    /// Where retained allocations are credited.
    pub capital_currency: String,
}

#[derive(Clone, Debug)]
pub struct CloseYearForm {
    pub year: String,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    /// In minor units; negative for a loss.
    pub net: i64,
    /// When the members' vote on it closes.
    pub vote_closes_at: Timestamp,
    pub quorum_percent: u32,
}

/// A line with the member's name.
#[derive(Clone, Debug)]
pub struct NamedLine {
    pub line: AllocationLine,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct AllocationView {
    pub record: AllocationRecord,
    pub allocation: Allocation,
    pub settings: PatronageSettings,
    pub lines: Vec<NamedLine>,
    /// The viewer's own line.
    pub mine: Option<AllocationLine>,
    pub scale: u32,
}

fn transfer_id(coop: &Coop, allocation: AllocationId, part: &str) -> TransferId {
    TransferId::derived(&format!(
        "coopkit-patronage|{}|{allocation}|{part}",
        coop.id
    ))
}

/// Each active member's patronage in their class's pool, as the bookings
/// and sales of the period measure it; members of classes without a pool,
/// or with nothing done, have none.
fn patronage_of(
    members: &[MemberListing],
    booked: &[BookedPatronage],
    settings: &PatronageSettings,
) -> Vec<Patronage> {
    members
        .iter()
        .filter_map(|m| {
            let pool = settings
                .bylaws
                .pools
                .iter()
                .find(|p| p.class == m.class_key.as_str())?;
            let done = booked.iter().find(|b| b.person == m.membership.person_id)?;
            Some(Patronage {
                member: m.membership.person_id.0,
                class: pool.class.clone(),
                amount: measure_of(pool.measure, done),
            })
        })
        .collect()
}

fn line_of(m: &coopkit_patronage::MemberAllocation) -> AllocationLine {
    AllocationLine {
        person: coopkit_domain::PersonId(m.member),
        class_key: m.class.clone(),
        patronage: m.patronage,
        share_ppm: m.share_ppm,
        amount: m.amount,
        cash: m.cash,
        retained: m.retained,
    }
}

/// What the proposal tells the members it asks them to approve. Kept
/// with the proposal as written, so in the canonical notation.
fn proposal_body(
    net: i64,
    allocation: &Allocation,
    lines: &[AllocationLine],
    currency: &str,
    scale: u32,
) -> String {
    let money =
        |n: u64| coopkit_domain::format_minor_units(i64::try_from(n).unwrap_or(i64::MAX), scale);
    if net > 0 {
        let cash: u64 = lines.iter().map(|l| l.cash).sum();
        let retained: u64 = lines.iter().map(|l| l.retained).sum();
        format!(
            "Net surplus {} {currency}. Indivisible reserve {} {currency}. To {} members: {} {currency} in cash and {} {currency} retained in their capital accounts. Each member's share is on the allocation page.",
            money(net.unsigned_abs()),
            money(allocation.reserve),
            lines.len(),
            money(cash),
            money(retained),
        )
    } else {
        let loss = if allocation.loss_to_reserve > 0 {
            "charged to the reserve"
        } else {
            "carried forward"
        };
        format!("Net loss {} {currency}, {loss}.", money(net.unsigned_abs()))
    }
}

fn measure_of(measure: Measure, booked: &BookedPatronage) -> u64 {
    match measure {
        Measure::Hours => booked.minutes,
        Measure::Sales => booked.sales,
        Measure::Purchases => booked.purchases,
    }
}

/// An approved allocation as one linked chain from the co-op's issuance
/// account: the reserve's share (or a loss charged to it), then each
/// member's cash and retained patronage, with ids derived from the
/// allocation so that posting it again changes nothing.
fn allocation_payments(coop: &Coop, record: &AllocationRecord) -> Result<Vec<Instruction>> {
    let id = record.id;
    let allocation: Allocation =
        serde_json::from_str(&record.allocation.result).map_err(AppError::because("allocation"))?;
    let money =
        CurrencyCode::parse(&record.allocation.currency).map_err(AppError::because("currency"))?;
    let capital = CurrencyCode::parse(&record.allocation.capital_currency)
        .map_err(AppError::because("currency"))?;
    let year = &record.allocation.year;
    let pay = |part: String, currency: &CurrencyCode, (from, to), amount, memo: String| Payment {
        id: transfer_id(coop, id, &part),
        currency: currency.clone(),
        from,
        to,
        amount,
        hold: None,
        linked: true,
        memo,
        cause: format!("allocation:{id}"),
    };
    let issuance = AccountOwner::Coop(CoopAccount::Issuance);
    let reserve = AccountOwner::Coop(CoopAccount::Reserve);
    let mut payments = Vec::new();
    if allocation.reserve > 0 {
        let memo = format!("Reserve {year}");
        let amount = allocation.reserve;
        payments.push(pay(
            "reserve".into(),
            &money,
            (issuance, reserve),
            amount,
            memo,
        ));
    }
    if allocation.loss_to_reserve > 0 {
        let memo = format!("Loss {year} charged to the reserve");
        let amount = allocation.loss_to_reserve;
        payments.push(pay(
            "loss".into(),
            &money,
            (reserve, issuance),
            amount,
            memo,
        ));
    }
    for m in &allocation.members {
        let member = AccountOwner::Member(coopkit_domain::PersonId(m.member));
        if m.cash > 0 {
            let memo = format!("Patronage {year}, cash");
            let part = format!("cash|{}", m.member);
            payments.push(pay(part, &money, (issuance, member), m.cash, memo));
        }
        if m.retained > 0 {
            let memo = format!("Patronage {year}, retained");
            let part = format!("retained|{}", m.member);
            payments.push(pay(part, &capital, (issuance, member), m.retained, memo));
        }
    }
    Ok(linked_chain(payments))
}

/// What is wrong with a form closing a year, field by field.
fn check_close_year(form: &CloseYearForm) -> std::result::Result<(), coopkit_domain::Invalid> {
    let mut errors = Collector::new();
    let year = form.year.trim();
    if year.is_empty() || year.chars().count() > 20 {
        errors.push("year", "too-long");
    }
    if form.period_end.as_millis() <= form.period_start.as_millis() {
        errors.push("period_end", "closes-before-opening");
    }
    if form.net.unsigned_abs() > coopkit_ledger::AMOUNT_MAX {
        errors.push("net", "amount-too-large");
    }
    errors.finish()
}

impl App {
    pub async fn patronage_settings(
        &self,
        actor: &Person,
        slug: &str,
    ) -> Result<Option<PatronageSettings>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        self.settings_of(&coop).await
    }

    async fn settings_of(&self, coop: &Coop) -> Result<Option<PatronageSettings>> {
        let json = self.store.coop_rules(coop.id, CoopRules::Patronage).await?;
        if json.is_empty() {
            return Ok(None);
        }
        serde_json::from_str(&json)
            .map(Some)
            .map_err(AppError::because("patronage rules"))
    }

    /// Admins set the bylaws' rules for closing a year.
    pub async fn set_patronage_settings(
        &self,
        actor: &Person,
        slug: &str,
        settings: PatronageSettings,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let mut errors = Collector::new();
        for (field, code) in settings.bylaws.problems() {
            errors.push(field, code);
        }
        let classes = self.store.member_classes(coop.id).await?;
        if settings
            .bylaws
            .pools
            .iter()
            .any(|p| !classes.iter().any(|c| c.spec.key.as_str() == p.class))
        {
            errors.push("pools", "unknown-class");
        }
        let money = errors.check("currency", CurrencyCode::parse(&settings.currency));
        let capital = errors.check(
            "capital_currency",
            CurrencyCode::parse(&settings.capital_currency),
        );
        if settings.currency == settings.capital_currency {
            errors.push("capital_currency", "capital-currency-distinct");
        }
        errors.finish()?;
        if let (Some(money), Some(capital)) = (money, capital) {
            self.coop_currency(&coop, &money).await?;
            self.coop_currency(&coop, &capital)
                .await
                .map_err(|_| AppError::absent("capital_currency", "currency-unknown"))?;
        }
        let json =
            serde_json::to_string(&settings).map_err(AppError::because("patronage rules"))?;
        Ok(self
            .store
            .set_coop_rules(
                coop.id,
                CoopRules::Patronage,
                &json,
                actor.id,
                self.clock.now(),
            )
            .await?)
    }

    /// Computes a year's allocation from the bookings and puts it to the
    /// members as a proposal; nothing reaches the ledger until they approve.
    pub async fn propose_allocation(
        &self,
        actor: &Person,
        slug: &str,
        form: CloseYearForm,
    ) -> Result<(AllocationId, ProposalId)> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let settings = self.settings_of(&coop).await?.ok_or(AppError::Conflict {
            field: "year",
            code: "patronage-rules-missing",
        })?;
        check_close_year(&form)?;
        let year = form.year.trim();
        let booked = self
            .store
            .booked_patronage(
                coop.id,
                form.period_start,
                form.period_end,
                &settings.currency,
            )
            .await?;
        let members = self
            .store
            .members(coop.id, MembershipStatus::Active)
            .await?;
        let patronage = patronage_of(&members, &booked, &settings);
        let allocation = allocate(form.net, &settings.bylaws, &patronage);
        let lines: Vec<AllocationLine> = allocation.members.iter().map(line_of).collect();
        let scale = u32::from(
            self.coop_currency(
                &coop,
                &CurrencyCode::parse(&settings.currency).map_err(AppError::because("currency"))?,
            )
            .await?
            .scale,
        );
        let new = NewAllocation {
            coop: coop.id,
            year: year.to_owned(),
            period_start: form.period_start,
            period_end: form.period_end,
            net: form.net,
            currency: settings.currency.clone(),
            capital_currency: settings.capital_currency.clone(),
            rules: serde_json::to_string(&settings).map_err(AppError::because("rules"))?,
            result: serde_json::to_string(&allocation).map_err(AppError::because("result"))?,
            created_by: actor.id,
        };
        let now = self.clock.now();
        let id = self
            .store
            .create_allocation(&new, &lines, now)
            .await?
            .ok_or(AppError::Conflict {
                field: "year",
                code: "year-already-closed",
            })?;
        let body = proposal_body(form.net, &allocation, &lines, &settings.currency, scale);
        let title = format!("Surplus allocation {year}");
        let vote = ProposalForm::majority_motion(
            ProposalKind::Allocation,
            (title, body),
            form.quorum_percent,
            (now, form.vote_closes_at),
        );
        let proposal = self
            .create_proposal_record(&coop, actor, vote, Some(id))
            .await?;
        self.store
            .link_allocation_proposal(coop.id, id, proposal, actor.id, now)
            .await?;
        Ok((id, proposal))
    }

    pub async fn allocations(&self, actor: &Person, slug: &str) -> Result<Vec<AllocationRecord>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.allocations(coop.id).await?)
    }

    pub async fn allocation(
        &self,
        actor: &Person,
        slug: &str,
        id: AllocationId,
    ) -> Result<AllocationView> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let mut record = self
            .store
            .allocation(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("allocation"))?;
        if let Some(proposal) = record.proposal {
            // Closing the vote may post it.
            self.refresh_proposal(&coop, proposal).await?;
            record = self
                .store
                .allocation(coop.id, id)
                .await?
                .ok_or(AppError::NotFound("allocation"))?;
        }
        let allocation: Allocation = serde_json::from_str(&record.allocation.result)
            .map_err(AppError::because("allocation"))?;
        let settings: PatronageSettings = serde_json::from_str(&record.allocation.rules)
            .map_err(AppError::because("allocation rules"))?;
        let currency = CurrencyCode::parse(&record.allocation.currency)
            .map_err(AppError::because("currency"))?;
        let scale = u32::from(self.coop_currency(&coop, &currency).await?.scale);
        let mut lines = Vec::new();
        for line in self.store.allocation_lines(id).await? {
            lines.push(NamedLine {
                name: self.name_of(line.person).await?,
                line,
            });
        }
        Ok(AllocationView {
            mine: lines
                .iter()
                .find(|l| l.line.person == actor.id)
                .map(|l| l.line.clone()),
            record,
            allocation,
            settings,
            lines,
            scale,
        })
    }

    /// After the vote on an allocation closes: posts it if the members
    /// approved, marks it rejected if not. Safe to repeat: every transfer
    /// has an id derived from the allocation, so a second run changes
    /// nothing.
    pub(crate) async fn settle_allocation(
        &self,
        coop: &Coop,
        id: AllocationId,
        approved: bool,
    ) -> Result<()> {
        let Some(record) = self.store.allocation(coop.id, id).await? else {
            return Ok(());
        };
        if record.state != AllocationState::Proposed {
            return Ok(());
        }
        let now = self.clock.now();
        if !approved {
            self.store.settle_allocation(&record, false, now).await?;
            return Ok(());
        }
        let instructions = allocation_payments(coop, &record)?;
        let results = self.ledger.submit(coop.id, instructions).await?;
        if let Some(refusal) = results.into_iter().find_map(std::result::Result::err) {
            tracing::warn!(coop = %coop.slug, allocation = %id, code = refusal.code(), "allocation not posted");
            return Err(AppError::Conflict {
                field: "allocation",
                code: "allocation-not-posted",
            });
        }
        self.store.settle_allocation(&record, true, now).await?;
        tracing::info!(coop = %coop.slug, allocation = %id, "allocation posted");
        Ok(())
    }

    /// A member's statement for one year, as CSV.
    pub async fn allocation_statement_csv(
        &self,
        actor: &Person,
        slug: &str,
        id: AllocationId,
    ) -> Result<crate::governance::Download> {
        let view = self.allocation(actor, slug, id).await?;
        let line = view.mine.ok_or(AppError::NotFound("statement"))?;
        let money = |n: u64| {
            coopkit_domain::format_minor_units(i64::try_from(n).unwrap_or(i64::MAX), view.scale)
        };
        let body = format!(
            "year,member,class,patronage,share_percent,allocation,cash,retained,currency,state\n{},{},{},{},{}.{:04},{},{},{},{},{}\n",
            view.record.allocation.year,
            actor.display_name.replace(',', " "),
            line.class_key,
            line.patronage,
            line.share_ppm / 10_000,
            line.share_ppm % 10_000,
            money(line.amount),
            money(line.cash),
            money(line.retained),
            view.record.allocation.currency,
            view.record.state.as_str(),
        );
        Ok(crate::governance::Download {
            name: format!("patronage-{}-{}.csv", view.record.allocation.year, slug),
            content_type: "text/csv; charset=utf-8",
            body,
        })
    }
}
