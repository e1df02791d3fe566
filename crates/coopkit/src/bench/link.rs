//! `coopkit bench link`: the linker on the Co-operatives UK 2017 and 2023
//! lists, their id columns withheld, scored against those ids.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use coopkit_directory::{link, Field, LinkConfig, Mapping};
use serde::Serialize;

use crate::directory::read_list;

#[derive(Debug, clap::Args)]
pub struct LinkBench {
    /// Where the shared data files are.
    #[arg(long, default_value = "data")]
    data: PathBuf,
    #[arg(long, default_value_t = LinkConfig::default().threshold)]
    threshold: f64,
    /// Instead of the real lists, dedupe this many generated records with
    /// known duplicates.
    #[arg(long)]
    synthetic: Option<usize>,
    /// The generator's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    left_rows: usize,
    right_rows: usize,
    true_pairs: usize,
    linked: usize,
    correct: usize,
    precision: f64,
    recall: f64,
    f1: f64,
    seconds: f64,
}

pub fn run(args: LinkBench) -> anyhow::Result<String> {
    if let Some(records) = args.synthetic {
        let report = super::synthetic::run(records, args.seed)?;
        return Ok(if args.json {
            format!("{}\n", serde_json::to_string(&report)?)
        } else {
            format!("{report}\n")
        });
    }
    let left_path = args.data.join("coopsuk_2017-06_organisations.csv");
    let right_path = args.data.join("coopsuk_2023-Q2_essglobal_standard.csv");
    // The linker reads the lists without their ids (rows are numbered
    // instead); the ids are read apart, only to score the result.
    let (left_map, right_map) = (Mapping::coops_uk_2017(), Mapping::essglobal_standard());
    let left = read_list(&left_path, &left_map.clone().without(Field::Id))?;
    let right = read_list(&right_path, &right_map.clone().without(Field::Id))?;
    let left_ids = read_list(&left_path, &left_map)?;
    let right_ids = read_list(&right_path, &right_map)?;
    let started = Instant::now();
    let pairs = link(
        &left,
        &right,
        &LinkConfig {
            threshold: args.threshold,
            left: left_map.list,
            right: right_map.list,
            ..LinkConfig::default()
        },
    );
    let seconds = started.elapsed().as_secs_f64();
    let right_by_id: HashMap<&str, usize> = right_ids
        .iter()
        .enumerate()
        .map(|(j, r)| (r.id.as_str(), j))
        .collect();
    let true_pairs = left_ids
        .iter()
        .filter(|l| right_by_id.contains_key(l.id.as_str()))
        .count();
    let correct = pairs
        .iter()
        .filter(|p| left_ids[p.left].id == right_ids[p.right].id)
        .count();
    let precision = correct as f64 / pairs.len().max(1) as f64;
    let recall = correct as f64 / true_pairs.max(1) as f64;
    let report = Report {
        left_rows: left.len(),
        right_rows: right.len(),
        true_pairs,
        linked: pairs.len(),
        correct,
        precision,
        recall,
        f1: 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE),
        seconds,
    };
    Ok(if args.json {
        format!("{}\n", serde_json::to_string(&report)?)
    } else {
        format!(
            "linked {} of {} rows against {}: {} pairs, {} correct of {} true; precision {:.4}, recall {:.4}, F1 {:.4} in {:.2} s\n",
            report.left_rows,
            report.left_rows,
            report.right_rows,
            report.linked,
            report.correct,
            report.true_pairs,
            report.precision,
            report.recall,
            report.f1,
            report.seconds
        )
    })
}
