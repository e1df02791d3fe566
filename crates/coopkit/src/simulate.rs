//! `coopkit simulate babysitting`: a co-op's token rules tried on a
//! simulated babysitting co-op before its members live them.

use std::path::PathBuf;

use anyhow::Context;
use coopkit_sim::report::ChartText;
use coopkit_sim::{
    compare, compare_policies, report, MatchingRule, ParamError, Params, PolicyName, Repeated,
    Simulation,
};
use serde::Serialize;

#[derive(Debug, clap::Subcommand)]
pub enum SimulateCommand {
    /// A babysitting co-op like Capitol Hill's (1970s): families trade
    /// sitting for tokens, week by week, under a token policy.
    Babysitting(BabysittingArgs),
}

#[derive(Debug, clap::Args)]
pub struct BabysittingArgs {
    /// fixed-scrip, issue-once, steady-issue, mutual-credit, balance-cap
    /// or demurrage.
    #[arg(long, default_value = "fixed-scrip")]
    policy: String,
    /// How sits are found: engine (coopkit's matching) or first-come.
    #[arg(long, default_value = "engine")]
    matching: String,
    #[arg(long, default_value_t = 150)]
    families: u32,
    #[arg(long, default_value_t = 104)]
    weeks: u32,
    /// The first seed; runs use the seeds from it on.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Repeat over this many seeds and give means with 95% intervals
    /// [default: 1, or 20 with --compare].
    #[arg(long)]
    runs: Option<u32>,
    /// Run every policy and write a table (Markdown, CSV) and charts
    /// (SVG) into --out.
    #[arg(long)]
    compare: bool,
    /// The folder --compare writes into.
    #[arg(long, default_value = "simulation")]
    out: PathBuf,
    /// Print JSON: the weekly series and the summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    habits: Habits,
    #[command(flatten)]
    rules: RuleFlags,
}

/// How the families behave; the defaults are the model's (see
/// docs/simulation.md).
#[derive(Debug, clap::Args)]
struct Habits {
    /// The chance each week that a family wants an evening out (0 to 1).
    #[arg(long, allow_negative_numbers = true)]
    outing_rate: Option<f64>,
    /// The reserve of tokens families want to keep, on average.
    #[arg(long)]
    target_reserve: Option<u64>,
    /// Evenings a week each family could sit.
    #[arg(long)]
    free_evenings: Option<u8>,
    /// Dues each family pays each month, in tokens.
    #[arg(long)]
    dues: Option<u64>,
}

/// Changes to the chosen policy's rules.
#[derive(Debug, clap::Args)]
struct RuleFlags {
    /// Tokens each family gets on joining.
    #[arg(long)]
    joining_issue: Option<u64>,
    /// A one-time issue to every family, of this many tokens...
    #[arg(long)]
    issue_once: Option<u64>,
    /// ...in this week [default: 26].
    #[arg(long)]
    issue_week: Option<u32>,
    /// Tokens issued to every family each month.
    #[arg(long)]
    issue_per_month: Option<u64>,
    /// How far below zero a balance may go (mutual credit).
    #[arg(long)]
    debit_limit: Option<u64>,
    /// The most a family may hold.
    #[arg(long)]
    balance_cap: Option<u64>,
    /// Demurrage each month, in basis points of the balance above the
    /// threshold.
    #[arg(long)]
    demurrage_bp: Option<u16>,
    #[arg(long)]
    demurrage_threshold: Option<u64>,
}

impl RuleFlags {
    fn any(&self) -> bool {
        self.joining_issue.is_some()
            || self.issue_once.is_some()
            || self.issue_week.is_some()
            || self.issue_per_month.is_some()
            || self.debit_limit.is_some()
            || self.balance_cap.is_some()
            || self.demurrage_bp.is_some()
            || self.demurrage_threshold.is_some()
    }

    fn apply(&self, rules: &mut coopkit_sim::Rules) {
        let set = |flag: Option<u64>, value: &mut u64| {
            if let Some(flag) = flag {
                *value = flag;
            }
        };
        set(self.joining_issue, &mut rules.joining_issue);
        set(self.issue_per_month, &mut rules.monthly.issuance_per_month);
        set(self.debit_limit, &mut rules.debit_limit);
        set(
            self.demurrage_threshold,
            &mut rules.monthly.demurrage_threshold,
        );
        if let Some(bp) = self.demurrage_bp {
            rules.monthly.demurrage_bp = bp;
        }
        if let Some(cap) = self.balance_cap {
            rules.balance_cap = Some(cap);
        }
        if self.issue_once.is_some() || self.issue_week.is_some() {
            let once = rules.issue_once.unwrap_or(coopkit_sim::params::IssueOnce {
                week: 26,
                amount: 0,
            });
            rules.issue_once = Some(coopkit_sim::params::IssueOnce {
                week: self.issue_week.unwrap_or(once.week),
                amount: self.issue_once.unwrap_or(once.amount),
            });
        }
    }
}

/// A parameter error as the command line spells it.
fn flag_error(error: ParamError) -> anyhow::Error {
    anyhow::anyhow!("--{}: {}", error.parameter, error.reason)
}

pub fn run(command: SimulateCommand) -> anyhow::Result<String> {
    let SimulateCommand::Babysitting(args) = command;
    let policy = PolicyName::parse(&args.policy).map_err(flag_error)?;
    let mut params = Params::babysitting(policy);
    params.matching = MatchingRule::parse(&args.matching).map_err(flag_error)?;
    params.families = args.families;
    params.weeks = args.weeks;
    params.rules = policy.rules(args.weeks);
    params.seed = args.seed;
    let habits = &args.habits;
    if let Some(rate) = habits.outing_rate {
        params.outing_rate = rate;
    }
    if let Some(target) = habits.target_reserve {
        params.target_reserve = target;
    }
    if let Some(evenings) = habits.free_evenings {
        params.free_evenings = evenings;
    }
    if let Some(dues) = habits.dues {
        params.dues_per_month = dues;
    }
    if args.compare {
        if args.rules.any() {
            anyhow::bail!(
                "--compare runs each policy with its own rules; drop the rule flags, or run one --policy with them"
            );
        }
        return write_comparison(&params, args.runs.unwrap_or(20), &args.out, args.json);
    }
    args.rules.apply(&mut params.rules);
    params.validate().map_err(flag_error)?;
    let runs = args.runs.unwrap_or(1);
    let comparison =
        compare(&params, &[(policy.name().to_owned(), params.rules)], runs).map_err(flag_error)?;
    let result = comparison
        .alternatives
        .first()
        .map(|a| &a.result)
        .context("the run gave no result")?;
    if args.json {
        let weeks = if runs == 1 {
            Weeks::One(Simulation::run(params.clone()).map_err(flag_error)?.weeks)
        } else {
            Weeks::Mean(result.weekly.clone())
        };
        let output = Output {
            policy: policy.name(),
            params: &params,
            runs,
            summary: SummaryOut::of(result),
            intervals: (runs > 1).then(|| Intervals::of(result)),
            weeks,
        };
        return Ok(serde_json::to_string_pretty(&output)? + "\n");
    }
    Ok(report::markdown_table(&comparison))
}

fn write_comparison(
    params: &Params,
    runs: u32,
    out: &std::path::Path,
    json: bool,
) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    let comparison = compare_policies(params, &PolicyName::ALL, runs).map_err(flag_error)?;
    let seconds = started.elapsed().as_secs_f64();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let files = [
        ("comparison.md", report::markdown_table(&comparison)),
        ("comparison.csv", report::csv_table(&comparison)),
        (
            "served-share.svg",
            report::served_chart(&comparison, &ChartText::served_in_english(runs)),
        ),
        (
            "balances.svg",
            report::balances_chart(&comparison, &ChartText::balances_in_english()),
        ),
    ];
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if json {
        let rows: Vec<_> = comparison
            .alternatives
            .iter()
            .map(|a| CompareRow {
                policy: &a.name,
                summary: SummaryOut::of(&a.result),
                intervals: Intervals::of(&a.result),
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&CompareOut {
            runs,
            seconds,
            policies: rows,
        })? + "\n");
    }
    Ok(format!(
        "{}\n{} policies × {runs} runs of {} families over {} weeks in {seconds:.2} s; wrote {} into {}\n",
        report::markdown_table(&comparison),
        comparison.alternatives.len(),
        params.families,
        params.weeks,
        files.map(|(name, _)| name).join(", "),
        out.display()
    ))
}

#[derive(Serialize)]
struct Output<'a> {
    policy: &'a str,
    params: &'a Params,
    runs: u32,
    summary: SummaryOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    intervals: Option<Intervals>,
    weeks: Weeks,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Weeks {
    One(Vec<coopkit_sim::Week>),
    Mean(Vec<coopkit_sim::WeekMean>),
}

/// The summary's figures: a run's, or the mean over runs.
#[derive(Serialize)]
struct SummaryOut {
    served_share: f64,
    gini: f64,
    unserved_asks: f64,
    at_debit_limit: f64,
    above_cap: f64,
    idle: f64,
    circulation: f64,
}

impl SummaryOut {
    fn of(result: &Repeated) -> SummaryOut {
        SummaryOut {
            served_share: result.served_share.mean,
            gini: result.gini.mean,
            unserved_asks: result.unserved_asks.mean,
            at_debit_limit: result.at_debit_limit.mean,
            above_cap: result.above_cap.mean,
            idle: result.idle.mean,
            circulation: result.circulation.mean,
        }
    }
}

/// 95% intervals of the summary's figures over runs.
#[derive(Serialize)]
struct Intervals {
    served_share: coopkit_sim::Estimate,
    gini: coopkit_sim::Estimate,
    unserved_asks: coopkit_sim::Estimate,
    at_debit_limit: coopkit_sim::Estimate,
    above_cap: coopkit_sim::Estimate,
    idle: coopkit_sim::Estimate,
    circulation: coopkit_sim::Estimate,
}

impl Intervals {
    fn of(result: &Repeated) -> Intervals {
        Intervals {
            served_share: result.served_share,
            gini: result.gini,
            unserved_asks: result.unserved_asks,
            at_debit_limit: result.at_debit_limit,
            above_cap: result.above_cap,
            idle: result.idle,
            circulation: result.circulation,
        }
    }
}

#[derive(Serialize)]
struct CompareOut<'a> {
    runs: u32,
    seconds: f64,
    policies: Vec<CompareRow<'a>>,
}

#[derive(Serialize)]
struct CompareRow<'a> {
    policy: &'a str,
    summary: SummaryOut,
    intervals: Intervals,
}
