//! What a run is given: the co-op, the families' habits and the token
//! rules, and the checks that refuse impossible values by name.

use coopkit_ledger::policy::Policy;
use serde::{Deserialize, Serialize};

/// Weeks in a simulated month: monthly rules (dues, issuance, demurrage)
/// apply every fourth week.
pub const WEEKS_PER_MONTH: u32 = 4;

/// The shortest and longest evening out, in hours.
pub const OUTING_HOURS: (u64, u64) = (2, 5);

/// How sits are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchingRule {
    /// A family asks members one by one until one says yes.
    FirstCome,
    /// coopkit's matching engine proposes sitters for all requests at once.
    Engine,
}

impl MatchingRule {
    pub fn parse(raw: &str) -> Result<MatchingRule, ParamError> {
        match raw {
            "first-come" => Ok(MatchingRule::FirstCome),
            "engine" => Ok(MatchingRule::Engine),
            _ => Err(ParamError::new(
                "matching",
                format!("'{raw}' is not a matching rule; use first-come or engine"),
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MatchingRule::FirstCome => "first-come",
            MatchingRule::Engine => "engine",
        }
    }
}

/// A one-time issue of tokens to every family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueOnce {
    /// The week it happens, counting from zero.
    pub week: u32,
    pub amount: u64,
}

/// A co-op's token rules: everything a policy changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Tokens each family is given on joining (and would return on leaving).
    pub joining_issue: u64,
    pub issue_once: Option<IssueOnce>,
    /// The ledger's monthly policy: issuance to every family, and
    /// demurrage on the part of a balance above a threshold, paid to the
    /// co-op and so taken out of circulation.
    pub monthly: Policy,
    /// How far below zero a family's balance may go: mutual credit when
    /// above zero.
    pub debit_limit: u64,
    /// The most a family may hold; the ledger refuses credits above it.
    pub balance_cap: Option<u64>,
}

/// The policies `--policy` names, each a set of [`Rules`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyName {
    FixedScrip,
    IssueOnce,
    SteadyIssue,
    MutualCredit,
    BalanceCap,
    Demurrage,
}

impl PolicyName {
    pub const ALL: [PolicyName; 6] = [
        PolicyName::FixedScrip,
        PolicyName::IssueOnce,
        PolicyName::SteadyIssue,
        PolicyName::MutualCredit,
        PolicyName::BalanceCap,
        PolicyName::Demurrage,
    ];

    pub fn parse(raw: &str) -> Result<PolicyName, ParamError> {
        PolicyName::ALL
            .into_iter()
            .find(|p| p.name() == raw)
            .ok_or_else(|| {
                let names: Vec<&str> = PolicyName::ALL.iter().map(|p| p.name()).collect();
                ParamError::new(
                    "policy",
                    format!("'{raw}' is not a policy; use one of {}", names.join(", ")),
                )
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            PolicyName::FixedScrip => "fixed-scrip",
            PolicyName::IssueOnce => "issue-once",
            PolicyName::SteadyIssue => "steady-issue",
            PolicyName::MutualCredit => "mutual-credit",
            PolicyName::BalanceCap => "balance-cap",
            PolicyName::Demurrage => "demurrage",
        }
    }

    /// The policy's rules for a run of `weeks`. The baseline is the
    /// Capitol Hill co-op's: 20 coupons on joining and nothing more. Each
    /// other policy changes what its name says; `docs/simulation.md`
    /// explains the values. The one-time issue comes in week 26, or a
    /// quarter of the way through a shorter run.
    pub fn rules(self, weeks: u32) -> Rules {
        let baseline = Rules {
            joining_issue: 20,
            issue_once: None,
            monthly: Policy::default(),
            debit_limit: 0,
            balance_cap: None,
        };
        let steady = Policy {
            issuance_per_month: 6,
            ..Policy::default()
        };
        match self {
            PolicyName::FixedScrip => baseline,
            PolicyName::IssueOnce => Rules {
                issue_once: Some(IssueOnce {
                    week: 26.min(weeks / 4),
                    amount: 40,
                }),
                ..baseline
            },
            PolicyName::SteadyIssue => Rules {
                monthly: steady,
                ..baseline
            },
            PolicyName::MutualCredit => Rules {
                joining_issue: 0,
                debit_limit: 60,
                ..baseline
            },
            PolicyName::BalanceCap => Rules {
                monthly: steady,
                balance_cap: Some(60),
                ..baseline
            },
            PolicyName::Demurrage => Rules {
                monthly: Policy {
                    demurrage_bp: 2_000,
                    demurrage_threshold: 20,
                    ..steady
                },
                ..baseline
            },
        }
    }
}

/// Everything a run depends on. Amounts are tokens (one token pays for
/// half an hour of sitting, as a Capitol Hill coupon did).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub families: u32,
    pub weeks: u32,
    pub seed: u64,
    /// The chance each week that a family wants an evening out.
    pub outing_rate: f64,
    /// The reserve families want to keep, on average: each family's own
    /// is drawn between half and one and a half times this.
    pub target_reserve: u64,
    /// Evenings a week each family could sit, drawn afresh each week.
    pub free_evenings: u8,
    pub tokens_per_hour: u64,
    /// Dues each family pays each month, to the co-op, which pays them to
    /// the month's secretary (a family in turn) for running it.
    pub dues_per_month: u64,
    pub rules: Rules,
    pub matching: MatchingRule,
    /// Each family's balance at the start, instead of the joining issue:
    /// a real co-op's balances, for a forecast. A balance already beyond
    /// the rules' limit or cap stays, as it would when a co-op tightens
    /// them: the family can only move back within them.
    pub starting_balances: Option<Vec<i64>>,
}

impl Params {
    /// The Capitol Hill co-op under a policy: 150 families over two years.
    pub fn babysitting(policy: PolicyName) -> Params {
        let weeks = 104;
        Params {
            families: 150,
            weeks,
            seed: 1,
            outing_rate: 0.5,
            target_reserve: 40,
            free_evenings: 3,
            tokens_per_hour: 2,
            dues_per_month: 1,
            rules: policy.rules(weeks),
            matching: MatchingRule::Engine,
            starting_balances: None,
        }
    }

    /// The cost of the longest outing: the least a cap must allow.
    pub fn longest_outing(&self) -> u64 {
        OUTING_HOURS.1 * self.tokens_per_hour
    }

    /// Refuses values no co-op could have, naming the parameter.
    pub fn validate(&self) -> Result<(), ParamError> {
        let fail = |parameter, reason: String| Err(ParamError::new(parameter, reason));
        if self.families < 2 {
            return fail("families", "there must be at least 2 families".into());
        }
        if self.families > 100_000 {
            return fail("families", "at most 100000 families".into());
        }
        if self.weeks == 0 || self.weeks > 1_040 {
            return fail("weeks", "between 1 and 1040 weeks (20 years)".into());
        }
        if !self.outing_rate.is_finite() || !(0.0..=1.0).contains(&self.outing_rate) {
            return fail(
                "outing-rate",
                format!(
                    "{} is not a chance: between 0 and 1 (a family wants at most one evening out a week)",
                    self.outing_rate
                ),
            );
        }
        if self.target_reserve == 0 {
            return fail("target-reserve", "must be more than zero".into());
        }
        if !(1..=7).contains(&self.free_evenings) {
            return fail("free-evenings", "between 1 and 7 evenings a week".into());
        }
        if self.tokens_per_hour == 0 || self.tokens_per_hour > 1_000 {
            return fail("tokens-per-hour", "between 1 and 1000".into());
        }
        let rules = &self.rules;
        if let Some(cap) = rules.balance_cap {
            if cap < self.longest_outing() {
                return fail(
                    "balance-cap",
                    format!(
                        "{cap} is below the longest outing's cost ({}): nobody could be paid for it",
                        self.longest_outing()
                    ),
                );
            }
            if cap < rules.debit_limit {
                return fail(
                    "balance-cap",
                    format!("{cap} is below the debit limit ({})", rules.debit_limit),
                );
            }
        }
        if rules.monthly.demurrage_bp > 10_000 {
            return fail(
                "demurrage-bp",
                "at most 10000 basis points (all of the balance above the threshold)".into(),
            );
        }
        if let Some(once) = rules.issue_once {
            if once.week >= self.weeks {
                return fail(
                    "issue-week",
                    format!("week {} is after the run's last week", once.week),
                );
            }
        }
        if let Some(balances) = &self.starting_balances {
            if balances.len() != self.families as usize {
                return fail(
                    "starting-balances",
                    format!("{} balances for {} families", balances.len(), self.families),
                );
            }
        }
        Ok(())
    }
}

/// A parameter no run can take, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {reason}")]
pub struct ParamError {
    /// The parameter's name, as the command line spells it.
    pub parameter: &'static str,
    pub reason: String,
}

impl ParamError {
    pub fn new(parameter: &'static str, reason: String) -> ParamError {
        ParamError { parameter, reason }
    }
}
