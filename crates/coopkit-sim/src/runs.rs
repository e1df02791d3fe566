//! Many runs: one policy over many seeds, and every policy side by side.

use serde::{Deserialize, Serialize};

use crate::metrics::{Summary, Week};
use crate::model::{Run, Simulation};
use crate::params::{ParamError, Params, PolicyName, Rules};

/// A mean over runs with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    /// The mean of `values` and Student's t interval around it (a single
    /// value has none: low and high are the value).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n.max(1) as f64;
        if n < 2 {
            return Estimate {
                mean,
                low: mean,
                high: mean,
            };
        }
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let half = t_975(n - 1) * (variance / n as f64).sqrt();
        Estimate {
            mean,
            low: mean - half,
            high: mean + half,
        }
    }
}

impl Estimate {
    /// The interval cut to the values the figure can take: a share's
    /// interval does not run below 0 or above 1.
    pub fn within(self, low: f64, high: f64) -> Estimate {
        Estimate {
            mean: self.mean,
            low: self.low.clamp(low, high),
            high: self.high.clamp(low, high),
        }
    }
}

/// The 97.5th percentile of Student's t with `df` degrees of freedom.
fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        31..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

/// One set of parameters run over several seeds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Repeated {
    pub seeds: Vec<u64>,
    pub served_share: Estimate,
    pub gini: Estimate,
    pub unserved_asks: Estimate,
    pub at_debit_limit: Estimate,
    pub above_cap: Estimate,
    pub idle: Estimate,
    /// Tokens members hold at the end.
    pub circulation: Estimate,
    /// Each week's figures, averaged over the runs.
    pub weekly: Vec<WeekMean>,
    /// What families can spend at the end, sorted, averaged rank by rank
    /// over the runs: the balance distribution.
    pub final_spendable: Vec<f64>,
}

/// A week's figures averaged over runs: see [`Week`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekMean {
    pub week: u32,
    pub wanted: f64,
    pub asked: f64,
    pub served: f64,
    pub served_share: f64,
    pub circulation: f64,
    pub gini: f64,
    pub at_debit_limit: f64,
    pub above_cap: f64,
    pub idle: f64,
}

impl WeekMean {
    /// Adds one run's week, of `runs`.
    fn add(&mut self, week: &Week, runs: f64) {
        self.week = week.week;
        self.wanted += f64::from(week.wanted) / runs;
        self.asked += f64::from(week.asked) / runs;
        self.served += f64::from(week.served) / runs;
        self.served_share += week.served_share / runs;
        self.circulation += week.circulation as f64 / runs;
        self.gini += week.gini / runs;
        self.at_debit_limit += week.at_debit_limit / runs;
        self.above_cap += week.above_cap / runs;
        self.idle += week.idle / runs;
    }
}

/// Runs `params` with `runs` seeds from `params.seed` on, on every core.
pub fn repeat(params: &Params, runs: u32) -> Result<Repeated, ParamError> {
    compare(params, &[(String::new(), params.rules)], runs)?
        .alternatives
        .pop()
        .map(|alternative| alternative.result)
        .ok_or_else(|| ParamError::new("runs", "at least one run".into()))
}

/// Several sets of rules run on the same co-op with the same seeds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Comparison {
    pub runs: u32,
    pub alternatives: Vec<Alternative>,
}

/// One set of rules in a comparison, and how it did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Alternative {
    pub name: String,
    pub rules: Rules,
    pub result: Repeated,
}

/// Runs every named policy over `runs` seeds, keeping everything in
/// `params` but the rules.
pub fn compare_policies(
    params: &Params,
    policies: &[PolicyName],
    runs: u32,
) -> Result<Comparison, ParamError> {
    let alternatives: Vec<(String, Rules)> = policies
        .iter()
        .map(|p| (p.name().to_owned(), p.rules(params.weeks)))
        .collect();
    compare(params, &alternatives, runs)
}

/// Runs each set of rules over `runs` seeds from `params.seed` on,
/// keeping everything in `params` but the rules.
pub fn compare(
    params: &Params,
    alternatives: &[(String, Rules)],
    runs: u32,
) -> Result<Comparison, ParamError> {
    if runs == 0 {
        return Err(ParamError::new("runs", "at least one run".into()));
    }
    let seeds: Vec<u64> = (0..u64::from(runs))
        .map(|i| params.seed.wrapping_add(i))
        .collect();
    let mut jobs = Vec::new();
    let mut each = Vec::new();
    for (_, rules) in alternatives {
        let with_rules = Params {
            rules: *rules,
            ..params.clone()
        };
        with_rules.validate()?;
        jobs.extend(seeds.iter().map(|seed| Params {
            seed: *seed,
            ..with_rules.clone()
        }));
        each.push(with_rules);
    }
    let mut done = run_all(jobs)?.into_iter();
    let alternatives = alternatives
        .iter()
        .zip(&each)
        .map(|((name, rules), params)| {
            let runs: Vec<Run> = done.by_ref().take(seeds.len()).collect();
            Alternative {
                name: name.clone(),
                rules: *rules,
                result: summarise(seeds.clone(), params, &runs),
            }
        })
        .collect();
    Ok(Comparison { runs, alternatives })
}

/// Runs each job, spread over the machine's cores; results in job order.
fn run_all(jobs: Vec<Params>) -> Result<Vec<Run>, ParamError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len().max(1));
    let mut slots: Vec<Option<Result<Run, ParamError>>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let chunk = jobs.len().div_ceil(threads).max(1);
        for (jobs, slots) in jobs.chunks(chunk).zip(slots.chunks_mut(chunk)) {
            scope.spawn(move || {
                for (job, slot) in jobs.iter().zip(slots) {
                    *slot = Some(Simulation::run(job.clone()));
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| Err(ParamError::new("runs", "a run did not finish".into())))
        })
        .collect()
}

fn summarise(seeds: Vec<u64>, params: &Params, runs: &[Run]) -> Repeated {
    let estimate = |f: fn(&Summary) -> f64| {
        Estimate::of(&runs.iter().map(|r| f(&r.summary)).collect::<Vec<_>>()).within(0.0, 1.0)
    };
    let n = runs.len().max(1) as f64;
    let weeks = params.weeks as usize;
    let mut weekly = vec![WeekMean::default(); weeks];
    let mut final_spendable = vec![0.0; params.families as usize];
    let floor = i64::try_from(params.rules.debit_limit).unwrap_or(i64::MAX);
    for run in runs {
        for (sum, week) in weekly.iter_mut().zip(&run.weeks) {
            sum.add(week, n);
        }
        let mut spendable: Vec<i64> = run.final_balances.iter().map(|b| b + floor).collect();
        spendable.sort_unstable();
        for (sum, s) in final_spendable.iter_mut().zip(spendable) {
            *sum += s as f64 / n;
        }
    }
    Repeated {
        seeds,
        served_share: estimate(|s| s.served_share),
        gini: estimate(|s| s.gini),
        unserved_asks: estimate(|s| s.unserved_asks),
        at_debit_limit: estimate(|s| s.at_debit_limit),
        above_cap: estimate(|s| s.above_cap),
        idle: estimate(|s| s.idle),
        circulation: Estimate::of(
            &runs
                .iter()
                .map(|r| r.summary.circulation as f64)
                .collect::<Vec<_>>(),
        )
        .within(0.0, f64::INFINITY),
        weekly,
        final_spendable,
    }
}
