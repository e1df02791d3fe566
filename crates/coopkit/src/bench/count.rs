//! `coopkit bench count`: a counting method on a large generated election,
//! timed, with the process's peak memory.

use std::time::Instant;

use coopkit_governance::blt::{Ballot, Election};
use coopkit_governance::count::{count, Method};
use serde::Serialize;

use super::{peak_memory_mib, Random};

#[derive(Debug, clap::Args)]
pub struct CountBench {
    #[arg(long, default_value_t = 1_000_000)]
    ballots: u32,
    #[arg(long, default_value_t = 20)]
    candidates: u32,
    #[arg(long, default_value_t = 5)]
    seats: u32,
    /// plurality, approval, irv, scottish-stv or meek-stv.
    #[arg(long, default_value = "scottish-stv",
          value_parser = ["plurality", "approval", "irv", "scottish-stv", "meek-stv"])]
    method: String,
    /// The generator's seed: the same seed makes the same ballots.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    ballots: u32,
    candidates: u32,
    seats: u32,
    method: String,
    seed: u64,
    seconds: f64,
    rounds: usize,
    elected: Vec<String>,
    peak_memory_mib: Option<u64>,
}

/// Ballots as voters cast them: a few favourites get most first
/// preferences (candidate `i` is drawn with weight 1/(i+1)), and most
/// voters rank only some of the candidates, as in real STV elections.
fn election(args: &CountBench) -> Election {
    let n = args.candidates as usize;
    let mut random = Random(args.seed);
    // Weights 1/(i+1), scaled to integers.
    let weights: Vec<u64> = (0..n).map(|i| 1_000_000 / (i as u64 + 1)).collect();
    let ballots = (0..args.ballots)
        .map(|_| {
            let length = 1 + random.below(n.min(8) as u64) as usize;
            let mut left = weights.clone();
            let mut preferences = Vec::with_capacity(length);
            for _ in 0..length {
                let total: u64 = left.iter().sum();
                let mut pick = random.below(total);
                let chosen = left
                    .iter()
                    .position(|&w| {
                        if pick < w {
                            true
                        } else {
                            pick -= w;
                            false
                        }
                    })
                    .unwrap_or(0);
                left[chosen] = 0;
                preferences.push(chosen);
            }
            Ballot {
                weight: 1,
                preferences,
            }
        })
        .collect();
    Election {
        candidates: (1..=n).map(|i| format!("Candidate {i}")).collect(),
        seats: args.seats as usize,
        withdrawn: Vec::new(),
        tie_order: Vec::new(),
        ballots,
        title: "Generated".into(),
    }
}

pub fn run(args: CountBench) -> anyhow::Result<String> {
    anyhow::ensure!(args.candidates >= 2, "--candidates must be at least 2");
    anyhow::ensure!(
        (1..args.candidates).contains(&args.seats),
        "--seats must be from 1 to one fewer than the candidates"
    );
    let method = Method::parse(&args.method)
        .ok_or_else(|| anyhow::anyhow!("unknown method {:?}", args.method))?;
    let election = election(&args);
    let started = Instant::now();
    let outcome = count(&election, method, election.seats, args.seed);
    let seconds = started.elapsed().as_secs_f64();
    let report = Report {
        ballots: args.ballots,
        candidates: args.candidates,
        seats: args.seats,
        method: args.method,
        seed: args.seed,
        seconds,
        rounds: outcome.rounds.len(),
        elected: outcome.elected,
        peak_memory_mib: peak_memory_mib(),
    };
    Ok(if args.json {
        format!("{}\n", serde_json::to_string(&report)?)
    } else {
        format!(
            "counted {} ballots for {} seats among {} candidates by {} in {:.3} s, {} rounds; peak memory {} MiB\n",
            report.ballots,
            report.seats,
            report.candidates,
            report.method,
            report.seconds,
            report.rounds,
            report
                .peak_memory_mib
                .map_or_else(|| "unknown".to_owned(), |m| m.to_string())
        )
    })
}
