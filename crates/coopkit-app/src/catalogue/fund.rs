//! The co-op's fund: members pledge into its fund account, creators
//! propose projects with budgets, the members vote on each as a proposal,
//! and an approved budget is paid from the fund to its creator. Pledges
//! and payments are ledger transfers; the fund's balance is its account's.

use std::collections::BTreeMap;

use coopkit_domain::{CoopId, ProjectId, Role, Timestamp};
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::{AccountId, AccountOwner, CoopAccount, CurrencyCode, Refusal, TransferId};
use coopkit_market::{ProjectAction, ProjectState};
use coopkit_store::{Coop, NewProject, Person, Proposal};

pub use coopkit_market::Project;

use super::refused;
use crate::governance::ProposalForm;
use crate::ledger::{linked_chain, Instruction, Payment};
use crate::{App, AppError, Result};

/// The cause of a pledge: what counts as an investor's capital.
const PLEDGE_CAUSE: &str = "pledge";

/// What a creator asks the fund for.
#[derive(Clone, Debug)]
pub struct ProjectForm {
    pub title: String,
    pub description: String,
    /// In the catalogue currency's smallest unit.
    pub budget: u64,
    /// When the members' vote on it closes.
    pub closes_at: Timestamp,
}

/// The class whose members' pledges are capital, paid returns.
pub const INVESTOR_CLASS: &str = "investor";

/// What one investor was paid from the fund for a year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundReturn {
    pub investor: coopkit_domain::PersonId,
    pub name: String,
    pub capital: u64,
    pub paid: u64,
}

/// The fund as a member sees it.
#[derive(Clone, Debug)]
pub struct FundView {
    pub currency: String,
    /// What the fund account holds.
    pub balance: i128,
    pub projects: Vec<Project>,
}

impl App {
    /// Moves `amount` from the member's account into the fund. `key`
    /// names the pledge, so the same form sent twice pledges once.
    pub async fn pledge(&self, actor: &Person, slug: &str, amount: u64, key: &str) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let settings = self.catalogue_of(&coop).await?;
        let key = key.trim();
        if key.is_empty() || key.len() > 64 {
            return Err(AppError::invalid("key", "required"));
        }
        if amount == 0 || amount > coopkit_ledger::AMOUNT_MAX {
            return Err(AppError::invalid("amount", "amount-zero"));
        }
        let pledge = Instruction::Pay(Payment {
            id: TransferId::derived(&format!("pledge:{}:{}:{key}", coop.id.0, actor.id.0)),
            currency: settings.currency,
            from: AccountOwner::Member(actor.id),
            to: AccountOwner::Coop(CoopAccount::Fund),
            amount,
            hold: None,
            linked: false,
            memo: "Pledge to the fund".into(),
            cause: PLEDGE_CAUSE.into(),
        });
        match self.ledger.submit(coop.id, vec![pledge]).await?.first() {
            Some(Ok(_)) => Ok(()),
            Some(Err(refusal)) => Err(refused(*refusal)),
            None => Err(AppError::internal("a pledge without an answer")),
        }
    }

    /// A member proposes a project; it is put to every member as a
    /// majority vote, open now and closing at the form's time.
    pub async fn propose_project(
        &self,
        actor: &Person,
        slug: &str,
        form: ProjectForm,
    ) -> Result<(ProjectId, coopkit_store::ProposalId)> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let settings = self.catalogue_of(&coop).await?;
        let title = form.title.trim();
        if title.is_empty() || title.chars().count() > 120 {
            return Err(AppError::invalid("title", "too-long"));
        }
        if form.budget == 0 || form.budget > coopkit_ledger::AMOUNT_MAX {
            return Err(AppError::invalid("budget", "amount-zero"));
        }
        let scale = u32::from(self.coop_currency(&coop, &settings.currency).await?.scale);
        let budget = coopkit_domain::format_minor_units(
            i64::try_from(form.budget).unwrap_or(i64::MAX),
            scale,
        );
        let proposal = self
            .create_proposal_record(
                &coop,
                actor,
                ProposalForm {
                    title: format!("Fund: {title}"),
                    body: format!(
                        "{}\n\nBudget asked of the fund: {budget} {}.",
                        form.description.trim(),
                        settings.currency
                    ),
                    kind: "motion".into(),
                    method: "majority".into(),
                    options: Vec::new(),
                    seats: 1,
                    class_key: None,
                    quorum_percent: 0,
                    threshold: None,
                    opens_at: self.clock.now(),
                    closes_at: form.closes_at,
                },
                None,
            )
            .await?;
        let project = NewProject {
            coop: coop.id,
            creator: actor.id,
            title: title.to_owned(),
            description: form.description.trim().to_owned(),
            budget: form.budget,
            proposal,
        };
        let id = self
            .store
            .create_fund_project(&project, self.clock.now())
            .await?;
        Ok((id, proposal))
    }

    /// The fund's balance and its projects, each brought up to date with
    /// its vote (so an approved one is paid as soon as anyone looks).
    pub async fn fund(&self, actor: &Person, slug: &str) -> Result<FundView> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let settings = self.catalogue_of(&coop).await?;
        for project in self.store.fund_projects(coop.id).await? {
            if project.state.is_pending() {
                self.refresh_proposal(&coop, project.project.proposal)
                    .await?;
            }
        }
        let balance = self
            .ledger
            .accounts(coop.id)
            .await?
            .iter()
            .find(|v| {
                v.account.owner == AccountOwner::Coop(CoopAccount::Fund)
                    && v.account.currency == settings.currency
            })
            .map_or(0, |v| v.balances.balance());
        Ok(FundView {
            currency: settings.currency.as_str().to_owned(),
            balance,
            projects: self.store.fund_projects(coop.id).await?,
        })
    }

    /// Pays the fund's investors their returns for `year` out of `pool`:
    /// in proportion to the capital each pledged, each at most the bylaws'
    /// cap on their capital (`coopkit_patronage::returns`), in one linked
    /// chain from the fund. What the caps leave stays in the fund. Paying
    /// a year again pays nothing more. Coordinators only.
    pub async fn pay_fund_returns(
        &self,
        actor: &Person,
        slug: &str,
        year: &str,
        pool: u64,
    ) -> Result<Vec<FundReturn>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let settings = self.catalogue_of(&coop).await?;
        let year = year.trim();
        if year.is_empty() || year.len() > 20 {
            return Err(AppError::invalid("year", "required"));
        }
        let accounts = self.ledger.accounts(coop.id).await?;
        let fund = accounts.iter().find(|v| {
            v.account.owner == AccountOwner::Coop(CoopAccount::Fund)
                && v.account.currency == settings.currency
        });
        let capital = match fund {
            Some(fund) => self.pledged_capital(coop.id, fund.account.id).await?,
            None => BTreeMap::new(),
        };
        let investors: Vec<(coopkit_domain::PersonId, String, u64)> = self
            .store
            .members(coop.id, coopkit_domain::MembershipStatus::Active)
            .await?
            .into_iter()
            .filter(|m| m.class_key.as_str() == INVESTOR_CLASS)
            .filter_map(|m| {
                let person = m.membership.person_id;
                let account = accounts.iter().find(|v| {
                    v.account.owner == AccountOwner::Member(person)
                        && v.account.currency == settings.currency
                })?;
                let pledged = capital.get(&account.account.id).copied()?;
                Some((person, m.display_name, pledged))
            })
            .collect();
        let capitals: Vec<u64> = investors.iter().map(|(_, _, c)| *c).collect();
        let returns = coopkit_patronage::returns::capped_returns(
            pool,
            &capitals,
            settings.fund_return_cap_bp,
        );
        let paid: Vec<FundReturn> = investors
            .iter()
            .zip(&returns.paid)
            .map(|((investor, name, capital), paid)| FundReturn {
                investor: *investor,
                name: name.clone(),
                capital: *capital,
                paid: *paid,
            })
            .collect();
        let chain = return_payments(coop.id, year, &settings.currency, &paid);
        if !chain.is_empty() {
            let results = self.ledger.submit(coop.id, chain).await?;
            if let Some(refusal) = results.iter().find_map(|r| r.err()) {
                return Err(refused(refusal));
            }
        }
        Ok(paid)
    }

    /// What each account has pledged to the fund, from the fund's
    /// statement, a page at a time.
    async fn pledged_capital(
        &self,
        coop: CoopId,
        fund: AccountId,
    ) -> Result<BTreeMap<AccountId, u64>> {
        let mut capital = BTreeMap::new();
        let mut before = None;
        loop {
            let (lines, next) = self.ledger.statement(coop, fund, before, 1_000).await?;
            for line in lines
                .iter()
                .map(|l| &l.record)
                .filter(|l| l.credit == fund && l.transfer.cause == PLEDGE_CAUSE)
            {
                *capital.entry(line.debit).or_default() += line.amount;
            }
            match next {
                Some(next) => before = Some(next),
                None => return Ok(capital),
            }
        }
    }

    /// Settles the project a closed proposal decided: rejected, or
    /// approved and paid from the fund once the fund holds its budget.
    pub(crate) async fn settle_fund_project(
        &self,
        coop: &Coop,
        proposal: &Proposal,
        passed: bool,
    ) -> Result<()> {
        let Some(project) = self.store.fund_project_of(coop.id, proposal.id).await? else {
            return Ok(());
        };
        let now = self.clock.now();
        let project = if project.state == ProjectState::Proposed {
            self.store
                .step_fund_project(&project, ProjectAction::Decided { passed }, now)
                .await?;
            if !passed {
                return Ok(());
            }
            Project {
                state: ProjectState::Approved,
                ..project
            }
        } else if project.state == ProjectState::Approved {
            project
        } else {
            return Ok(());
        };
        let settings = self.catalogue_of(coop).await?;
        let payment = Instruction::Pay(Payment {
            id: TransferId::derived(&format!("fund:{}:{}", coop.id.0, project.id)),
            currency: settings.currency,
            from: AccountOwner::Coop(CoopAccount::Fund),
            to: AccountOwner::Member(project.project.creator),
            amount: project.project.budget,
            hold: None,
            linked: false,
            memo: project.project.title.chars().take(100).collect(),
            cause: format!("fund:{}", project.id),
        });
        match self.ledger.submit(coop.id, vec![payment]).await?.first() {
            Some(Ok(Applied::New | Applied::Replayed)) => {
                self.store
                    .step_fund_project(&project, ProjectAction::Paid, now)
                    .await?;
                tracing::info!(coop = %coop.slug, project = %project.id, "fund project paid");
            }
            // Approved, and waiting for pledges to cover it.
            Some(Err(Refusal::ExceedsDebitLimit)) => {}
            Some(Err(refusal)) => {
                tracing::warn!(coop = %coop.slug, project = %project.id, code = refusal.code(), "fund project not paid");
            }
            None => {}
        }
        Ok(())
    }
}

/// A year's returns as one linked chain from the fund, leaving out
/// investors whose return is nothing; ids derived from the year so that
/// paying it again pays nothing more.
fn return_payments(
    coop: CoopId,
    year: &str,
    currency: &CurrencyCode,
    paid: &[FundReturn],
) -> Vec<Instruction> {
    linked_chain(paid.iter().filter(|r| r.paid > 0).map(|r| Payment {
        id: TransferId::derived(&format!("fund-return:{}:{year}:{}", coop.0, r.investor.0)),
        currency: currency.clone(),
        from: AccountOwner::Coop(CoopAccount::Fund),
        to: AccountOwner::Member(r.investor),
        amount: r.paid,
        hold: None,
        linked: true,
        memo: format!("Return on capital, {year}"),
        cause: format!("fund-return:{year}"),
    }))
}
