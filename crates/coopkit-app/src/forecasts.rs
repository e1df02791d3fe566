//! Forecasting a change to a co-op's token rules: the simulator
//! (`coopkit-sim`) run on the co-op's own members and balances, under the
//! rules its currency has and under the proposed ones, kept and attached
//! to the governance proposal that would make the change.

use coopkit_domain::membership::MemberListing;
use coopkit_domain::{DuesPeriod, ForecastId, MembershipStatus, Role, Timestamp};
use coopkit_governance::forecast::{self, ForecastAction, ForecastRefusal};
use coopkit_governance::Enactment;
use coopkit_governance::{Forecast, NewForecast, ProposalKind};
use coopkit_ledger::policy::Policy;
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, CurrencyRules, Limit, TransferId};
use coopkit_sim::params::IssueOnce;
use coopkit_sim::{compare, Comparison, MatchingRule, ParamError, Params, Rules};
use coopkit_store::{Coop, Currency, CurrencyKind, Person, ProposalId};
use serde::{Deserialize, Serialize};

use crate::auth::off_the_runtime;
use crate::governance::ProposalForm;
use crate::ledger::{AccountView, Instruction, Payment};
use crate::{App, AppError, Result};

/// How many seeds a forecast averages over.
pub const FORECAST_RUNS: u32 = 10;
/// The reserve members are taken to want, in hours of help: the model's
/// (see docs/simulation.md).
const RESERVE_HOURS: u64 = 20;
/// The names the two sets of rules carry in a forecast's comparison.
pub const CURRENT: &str = "current";
pub const PROPOSED: &str = "proposed";

/// A currency's rules as a coordinator can change them, in its minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRules {
    pub debit_limit: u64,
    pub balance_cap: Option<u64>,
    pub issuance_per_month: u64,
    pub demurrage_bp: u16,
    pub demurrage_threshold: u64,
    /// Tokens issued once to every member when the rules take effect.
    pub issue_now: u64,
}

impl TokenRules {
    fn to_sim(self) -> Rules {
        Rules {
            joining_issue: 0,
            issue_once: (self.issue_now > 0).then_some(IssueOnce {
                week: 0,
                amount: self.issue_now,
            }),
            monthly: Policy {
                issuance_per_month: self.issuance_per_month,
                demurrage_bp: self.demurrage_bp,
                demurrage_threshold: self.demurrage_threshold,
                ..Policy::default()
            },
            debit_limit: self.debit_limit,
            balance_cap: self.balance_cap,
        }
    }
}

/// A currency the simulator can model, with what the form starts from.
#[derive(Clone, Debug)]
pub struct ForecastChoice {
    pub currency: Currency,
    /// Its rules now; `None` when they cannot be simulated (unlimited
    /// credit).
    pub current: Option<TokenRules>,
    /// What an hour of help costs in it, from the co-op's own prices.
    pub tokens_per_hour: u64,
    pub members: usize,
}

/// What a coordinator asks for.
#[derive(Clone, Debug)]
pub struct RuleChangeForm {
    pub currency: String,
    pub weeks: u32,
    pub tokens_per_hour: u64,
    pub proposed: TokenRules,
}

/// What a forecast was run on, kept with it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ForecastSetup {
    pub members: u32,
    pub weeks: u32,
    pub runs: u32,
    pub tokens_per_hour: u64,
    pub dues_per_month: u64,
    pub current: TokenRules,
    pub proposed: TokenRules,
}

/// A forecast as members see it.
#[derive(Clone, Debug)]
pub struct ForecastView {
    pub id: ForecastId,
    pub currency: String,
    pub proposal: Option<ProposalId>,
    /// Once the proposal's vote has closed.
    pub outcome: Option<Enactment>,
    pub setup: ForecastSetup,
    /// Two alternatives, [`CURRENT`] and [`PROPOSED`].
    pub comparison: Comparison,
    pub created_at: Timestamp,
}

/// How a forecast is put to the members.
#[derive(Clone, Debug)]
pub struct ProposeRuleChange {
    pub title: String,
    pub body: String,
    pub closes_at: Timestamp,
    pub quorum_percent: u32,
}

/// The simulator's refusal as a form error on the field that caused it.
fn form_error(error: &ParamError) -> AppError {
    let (field, code) = match error.parameter {
        "families" => ("currency", "forecast-too-few-members"),
        "weeks" => ("weeks", "forecast-weeks-range"),
        "tokens-per-hour" => ("tokens_per_hour", "forecast-tokens-per-hour-range"),
        "balance-cap" => ("balance_cap", "forecast-cap-too-low"),
        "demurrage-bp" => ("demurrage_bp", "demurrage-range"),
        _ => ("currency", "forecast-impossible"),
    };
    AppError::invalid(field, code)
}

/// Each member's balance in `currency`, nothing for a member without an
/// account, in the simulator's signed terms.
fn balances_in(
    currency: &Currency,
    members: &[MemberListing],
    accounts: &[AccountView],
) -> Vec<i64> {
    let balance_of = |person| {
        accounts
            .iter()
            .find(|a| {
                a.account.currency == currency.code
                    && a.account.owner == AccountOwner::Member(person)
            })
            .map_or(0, |a| {
                i64::try_from(a.balances.balance()).unwrap_or(i64::MAX)
            })
    };
    members
        .iter()
        .map(|m| balance_of(m.membership.person_id))
        .collect()
}

/// The co-op's dues a month in `currency`: nothing when dues are paid in
/// another currency; a year's dues spread over twelve months, rounded.
fn dues_per_month(coop: &Coop, currency: &Currency) -> u64 {
    let settings = &coop.settings;
    match settings.dues_period {
        _ if settings.dues_currency != currency.code.as_str() => 0,
        DuesPeriod::Monthly => settings.dues_amount.unsigned_abs(),
        DuesPeriod::Yearly => (settings.dues_amount.unsigned_abs() + 6) / 12,
    }
}

impl App {
    /// The currencies a coordinator can forecast a change to: time and
    /// community currencies, which pay for hours of help.
    pub async fn forecast_choices(
        &self,
        actor: &Person,
        slug: &str,
    ) -> Result<Vec<ForecastChoice>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let members = self
            .store
            .members(coop.id, MembershipStatus::Active)
            .await?
            .len();
        let providers = self.store.providers(coop.id).await?;
        Ok(self
            .store
            .currencies(coop.id)
            .await?
            .into_iter()
            .filter(|c| c.kind != CurrencyKind::Money)
            .map(|currency| {
                let prices: Vec<u64> = providers
                    .iter()
                    .flat_map(|p| &p.profile.services)
                    .filter(|s| s.currency == currency.code)
                    .map(|s| s.price.amount * 60 / u64::from(s.price.unit_minutes.max(1)))
                    .filter(|per_hour| *per_hour > 0)
                    .collect();
                ForecastChoice {
                    current: current_rules(&currency),
                    tokens_per_hour: median(prices).unwrap_or(10u64.pow(u32::from(currency.scale))),
                    members,
                    currency,
                }
            })
            .collect())
    }

    /// Runs the simulator on the co-op as it is, under its currency's
    /// rules now and under `form.proposed`, and keeps the forecast.
    /// Coordinators only.
    pub async fn forecast_rule_change(
        &self,
        actor: &Person,
        slug: &str,
        form: RuleChangeForm,
    ) -> Result<ForecastId> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let currency = self
            .store
            .currencies(coop.id)
            .await?
            .into_iter()
            .find(|c| c.code.as_str() == form.currency.trim() && c.kind != CurrencyKind::Money)
            .ok_or_else(|| AppError::absent("currency", "currency-unknown"))?;
        let current = current_rules(&currency)
            .ok_or_else(|| AppError::invalid("currency", "forecast-unlimited-credit"))?;
        let members = self
            .store
            .members(coop.id, MembershipStatus::Active)
            .await?;
        let accounts = self.ledger.accounts(coop.id).await?;
        let balances = balances_in(&currency, &members, &accounts);
        let dues_per_month = dues_per_month(&coop, &currency);
        let setup = ForecastSetup {
            members: u32::try_from(members.len()).unwrap_or(u32::MAX),
            weeks: form.weeks,
            runs: FORECAST_RUNS,
            tokens_per_hour: form.tokens_per_hour,
            dues_per_month,
            current,
            proposed: form.proposed,
        };
        let params = Params {
            families: setup.members,
            weeks: setup.weeks,
            seed: 1,
            target_reserve: RESERVE_HOURS.saturating_mul(setup.tokens_per_hour),
            tokens_per_hour: setup.tokens_per_hour,
            dues_per_month,
            starting_balances: Some(balances),
            matching: MatchingRule::Engine,
            ..Params::babysitting(coopkit_sim::PolicyName::FixedScrip)
        };
        let alternatives = [
            (CURRENT.to_owned(), current.to_sim()),
            (PROPOSED.to_owned(), form.proposed.to_sim()),
        ];
        for (_, rules) in &alternatives {
            Params {
                rules: *rules,
                ..params.clone()
            }
            .validate()
            .map_err(|e| form_error(&e))?;
        }
        let comparison = off_the_runtime("the simulation did not finish", move || {
            compare(&params, &alternatives, FORECAST_RUNS)
        })
        .await?
        .map_err(|e| form_error(&e))?;
        let new = NewForecast {
            coop: coop.id,
            currency: currency.code.as_str().to_owned(),
            params: to_json(&setup)?,
            result: to_json(&comparison)?,
            created_by: actor.id,
        };
        Ok(self.store.create_forecast(&new, self.clock.now()).await?)
    }

    /// A forecast of the co-op's: its members may read it.
    pub async fn forecast(
        &self,
        actor: &Person,
        slug: &str,
        id: ForecastId,
    ) -> Result<ForecastView> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let forecast = self
            .store
            .forecast(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("forecast"))?;
        view_of(forecast)
    }

    /// The forecasts attached to one of the co-op's proposals.
    pub(crate) async fn forecasts_of_proposal(
        &self,
        coop: coopkit_domain::CoopId,
        proposal: ProposalId,
    ) -> Result<Vec<ForecastView>> {
        self.store
            .forecasts_of_proposal(coop, proposal)
            .await?
            .into_iter()
            .map(view_of)
            .collect()
    }

    /// Puts the rule change a forecast describes to the members' vote, as a
    /// bylaw change decided by majority, with the forecast attached.
    /// Coordinators only; a forecast goes with one proposal.
    pub async fn propose_rule_change(
        &self,
        actor: &Person,
        slug: &str,
        id: ForecastId,
        form: ProposeRuleChange,
    ) -> Result<ProposalId> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let forecast = self
            .store
            .forecast(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("forecast"))?;
        // Asked before the proposal is made, so a refusal leaves none
        // behind; the store checks again as it attaches.
        let refused = |refusal: ForecastRefusal| AppError::Conflict {
            field: "forecast",
            code: refusal.code(),
        };
        forecast::step(forecast.state(), ForecastAction::Attach).map_err(refused)?;
        let proposal = self
            .create_proposal_record(
                &coop,
                actor,
                ProposalForm::majority_motion(
                    ProposalKind::Bylaw,
                    (form.title, form.body),
                    form.quorum_percent,
                    (self.clock.now(), form.closes_at),
                ),
                None,
            )
            .await?;
        let attached = self
            .store
            .attach_forecast(coop.id, id, proposal, actor.id, self.clock.now())
            .await?;
        if !attached {
            // Another coordinator attached it a moment earlier.
            return Err(refused(ForecastRefusal::Attached));
        }
        Ok(proposal)
    }

    /// Carries out a closed vote on a proposal's forecasts, once each: if
    /// it passed, the currency's rules become the proposed ones, for the
    /// members' accounts now and for accounts opened later, and any
    /// one-time issue is paid. Safe to run again after a crash in between:
    /// the ledger's instructions are idempotent and the outcome is written
    /// last.
    pub(crate) async fn settle_forecasts(
        &self,
        coop: &Coop,
        proposal: ProposalId,
        passed: bool,
    ) -> Result<()> {
        for forecast in self.store.forecasts_of_proposal(coop.id, proposal).await? {
            let outcome = Enactment::of(passed);
            if forecast::step(forecast.state(), ForecastAction::Settle(outcome)).is_err() {
                continue;
            }
            if passed {
                self.enact(coop, &view_of(forecast.clone())?).await?;
            }
            if self
                .store
                .settle_forecast(coop.id, forecast.id, outcome, self.clock.now())
                .await?
            {
                tracing::info!(coop = %coop.slug, forecast = %forecast.id, outcome = outcome.as_str(), "rule change settled");
            }
        }
        Ok(())
    }

    async fn enact(&self, coop: &Coop, forecast: &ForecastView) -> Result<()> {
        let code = CurrencyCode::parse(&forecast.currency)
            .map_err(AppError::because("a forecast names a malformed currency"))?;
        let rules = forecast.setup.proposed;
        let members = self
            .store
            .members(coop.id, MembershipStatus::Active)
            .await?;
        let mut instructions = Vec::with_capacity(members.len() * 2);
        for member in &members {
            let owner = AccountOwner::Member(member.membership.person_id);
            instructions.push(Instruction::SetLimits {
                currency: code.clone(),
                owner,
                debit_limit: Limit::AtMost(rules.debit_limit),
                balance_cap: rules.balance_cap.map_or(Limit::Unlimited, Limit::AtMost),
            });
            if rules.issue_now > 0 {
                instructions.push(Instruction::Pay(Payment {
                    id: TransferId::derived(&format!(
                        "coopkit-forecast|{}|{}|issue|{}",
                        coop.id.0, forecast.id, member.membership.person_id.0
                    )),
                    currency: code.clone(),
                    from: AccountOwner::Coop(CoopAccount::Issuance),
                    to: owner,
                    amount: rules.issue_now,
                    hold: None,
                    linked: false,
                    memo: "Issued with the new rules".into(),
                    cause: format!("forecast:{}", forecast.id),
                }));
            }
        }
        // Half the ledger's batch: a co-op of thousands goes in a few.
        for chunk in instructions.chunks(coopkit_ledger::BATCH_MAX / 2) {
            for result in self.ledger.submit(coop.id, chunk.to_vec()).await? {
                if let Err(refusal) = result {
                    // A member at a cap cannot take the one-time issue: the
                    // rule, as the forecast assumed.
                    tracing::info!(coop = %coop.slug, forecast = %forecast.id, %refusal, "an instruction of the rule change was refused");
                }
            }
        }
        // A forecast changes the monthly rules; what new members are given
        // stays as it is.
        let joining_grant = self
            .store
            .currencies(coop.id)
            .await?
            .into_iter()
            .find(|c| c.code == code)
            .map_or(0, |c| c.policy.joining_grant);
        self.store
            .set_currency_rules(
                coop.id,
                &code,
                &CurrencyRules {
                    default_debit_limit: Some(rules.debit_limit),
                    default_balance_cap: rules.balance_cap,
                    policy: Policy {
                        issuance_per_month: rules.issuance_per_month,
                        demurrage_bp: rules.demurrage_bp,
                        demurrage_threshold: rules.demurrage_threshold,
                        joining_grant,
                    },
                },
                None,
                self.clock.now(),
            )
            .await?;
        // The writer keeps each currency's defaults; read them again.
        self.ledger.forget(coop.id).await;
        Ok(())
    }
}

/// A currency's rules now, as the simulator takes them; `None` when its
/// members have unlimited credit, which no simulation can hold.
fn current_rules(currency: &Currency) -> Option<TokenRules> {
    Some(TokenRules {
        debit_limit: currency.default_debit_limit?,
        balance_cap: currency.default_balance_cap,
        issuance_per_month: currency.policy.issuance_per_month,
        demurrage_bp: currency.policy.demurrage_bp,
        demurrage_threshold: currency.policy.demurrage_threshold,
        issue_now: 0,
    })
}

fn to_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(AppError::because("a forecast could not be written"))
}

fn median(mut values: Vec<u64>) -> Option<u64> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

fn view_of(forecast: Forecast) -> Result<ForecastView> {
    let corrupt = |_| AppError::internal("a stored forecast could not be read");
    Ok(ForecastView {
        id: forecast.id,
        currency: forecast.forecast.currency,
        proposal: forecast.proposal,
        outcome: forecast.outcome,
        setup: serde_json::from_str(&forecast.forecast.params).map_err(corrupt)?,
        comparison: serde_json::from_str(&forecast.forecast.result).map_err(corrupt)?,
        created_at: forecast.created_at,
    })
}
