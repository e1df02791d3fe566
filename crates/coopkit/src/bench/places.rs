//! `coopkit bench places`: the bundled gazetteer's cost: how long it takes
//! to read on first use, the memory it holds, and how long a lookup takes
//! (a whole name, a name being typed, the town nearest a point).

use std::time::Instant;

use coopkit_places::Gazetteer;
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct PlacesBench {
    /// Lookups of each kind to time.
    #[arg(long, default_value_t = 10_000)]
    lookups: u32,
    /// Print one JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    towns: usize,
    load_seconds: f64,
    /// Resident memory the tables added, in MiB.
    resident_mib: Option<u64>,
    whole_name_micros: f64,
    typed_micros: f64,
    nearest_micros: f64,
}

/// Names as people type them: famous namesakes, a town with its state, an
/// accented name, a ZIP code.
const NAMES: [&str; 6] = [
    "Manchester",
    "Capitol Hill, Washington",
    "Springfield, IL",
    "Saint-Étienne",
    "06114",
    "San José, Costa Rica",
];

/// Beginnings of names, as while typing.
const TYPED: [&str; 6] = ["Ma", "Manch", "Spring", "Capitol Hill, Wa", "Lond", "Bar"];

/// The process's resident memory in KiB (`VmRSS`), where Linux says.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn micros_each(lookups: u32, mut lookup: impl FnMut(u32)) -> f64 {
    let started = Instant::now();
    for i in 0..lookups {
        lookup(i);
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(lookups.max(1))
}

pub fn run(args: PlacesBench) -> anyhow::Result<String> {
    let before = resident_kib();
    let started = Instant::now();
    let gazetteer = Gazetteer::bundled();
    let load_seconds = started.elapsed().as_secs_f64();
    let resident_mib = before
        .zip(resident_kib())
        .map(|(before, after)| after.saturating_sub(before) / 1024);
    let pick = |names: &'static [&'static str; 6], i: u32| names[i as usize % names.len()];
    let mut found = 0usize;
    let whole_name_micros = micros_each(args.lookups, |i| {
        found += gazetteer.find(pick(&NAMES, i), 6, false).len();
    });
    let typed_micros = micros_each(args.lookups, |i| {
        found += gazetteer.find(pick(&TYPED, i), 8, true).len();
    });
    let nearest_micros = micros_each(args.lookups.min(1_000), |i| {
        let step = i32::try_from(i).unwrap_or(0) * 1_000;
        found += usize::from(
            gazetteer
                .nearest(38_889_900 + step, -76_990_500, 5)
                .is_some(),
        );
    });
    anyhow::ensure!(found > 0, "the gazetteer found nothing: is its data there?");
    let report = Report {
        towns: gazetteer.towns(),
        load_seconds,
        resident_mib,
        whole_name_micros,
        typed_micros,
        nearest_micros,
    };
    Ok(if args.json {
        format!("{}\n", serde_json::to_string(&report)?)
    } else {
        format!(
            "read {} towns in {:.3} s, holding {} MiB; a whole name found in {:.1} µs, a name being typed in {:.1} µs, the town nearest a point in {:.1} µs\n",
            report.towns,
            report.load_seconds,
            report
                .resident_mib
                .map_or_else(|| "unknown".to_owned(), |m| m.to_string()),
            report.whole_name_micros,
            report.typed_micros,
            report.nearest_micros,
        )
    })
}
