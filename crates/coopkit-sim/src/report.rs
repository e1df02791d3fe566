//! A comparison written for people: a table (Markdown and CSV) and two
//! charts (the served share week by week, and the balances at the end).

use std::fmt::Write;

use crate::chart::{line_chart, Axes, Series};
use crate::runs::{Comparison, Estimate, Repeated};

/// A column of the table: its heading, its figure and how to show it.
type Column = (&'static str, fn(&Repeated) -> Estimate, Figure);

const COLUMNS: [Column; 7] = [
    ("served share", |r| r.served_share, Figure::Percent),
    ("Gini at the end", |r| r.gini, Figure::Ratio),
    ("asks unserved", |r| r.unserved_asks, Figure::Percent),
    ("at debit limit", |r| r.at_debit_limit, Figure::Percent),
    ("above cap", |r| r.above_cap, Figure::Percent),
    ("neither asked nor sat", |r| r.idle, Figure::Percent),
    ("tokens held at the end", |r| r.circulation, Figure::Count),
];

#[derive(Clone, Copy)]
enum Figure {
    Percent,
    Ratio,
    Count,
}

impl Figure {
    fn show(self, value: f64) -> String {
        match self {
            Figure::Percent => format!("{:.1}%", value * 100.0),
            Figure::Ratio => format!("{value:.3}"),
            Figure::Count => format!("{value:.0}"),
        }
    }

    fn raw(self, value: f64) -> String {
        match self {
            Figure::Count => format!("{value:.1}"),
            Figure::Percent | Figure::Ratio => format!("{value:.4}"),
        }
    }
}

/// The table in Markdown: means, with the 95% interval when there was
/// more than one run.
pub fn markdown_table(comparison: &Comparison) -> String {
    let mut out = String::from("| rules |");
    for (heading, _, _) in COLUMNS {
        out.push_str(&format!(" {heading} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(COLUMNS.len()));
    out.push('\n');
    for alternative in &comparison.alternatives {
        let _ = write!(out, "| {} |", alternative.name);
        for (_, figure, kind) in COLUMNS {
            let estimate = figure(&alternative.result);
            if comparison.runs > 1 {
                let _ = write!(
                    out,
                    " {} ({}–{}) |",
                    kind.show(estimate.mean),
                    kind.show(estimate.low),
                    kind.show(estimate.high)
                );
            } else {
                let _ = write!(out, " {} |", kind.show(estimate.mean));
            }
        }
        out.push('\n');
    }
    out
}

/// The table as CSV: for each figure its mean and interval, as numbers.
pub fn csv_table(comparison: &Comparison) -> String {
    let mut out = String::from("rules,runs");
    for (heading, _, _) in COLUMNS {
        let name = heading.replace(' ', "_");
        let _ = write!(out, ",{name},{name}_low,{name}_high");
    }
    out.push('\n');
    for alternative in &comparison.alternatives {
        let _ = write!(
            out,
            "\"{}\",{}",
            alternative.name.replace('"', "\"\""),
            comparison.runs
        );
        for (_, figure, kind) in COLUMNS {
            let e = figure(&alternative.result);
            let _ = write!(
                out,
                ",{},{},{}",
                kind.raw(e.mean),
                kind.raw(e.low),
                kind.raw(e.high)
            );
        }
        out.push('\n');
    }
    out
}

/// A chart's words, so a page can give them in its reader's language.
#[derive(Clone, Debug)]
pub struct ChartText {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
}

impl ChartText {
    pub fn served_in_english(runs: u32) -> ChartText {
        ChartText {
            title: format!("Outings served of outings wanted, by week (mean of {runs} runs)"),
            x_label: "week".into(),
            y_label: "served share".into(),
        }
    }

    pub fn balances_in_english() -> ChartText {
        ChartText {
            title: "Tokens each family can spend at the end, poorest to richest".into(),
            x_label: "families, percentile".into(),
            y_label: "balance plus debit limit (tokens)".into(),
        }
    }
}

/// The served share week by week, one line per set of rules.
pub fn served_chart(comparison: &Comparison, text: &ChartText) -> String {
    chart(comparison, text, YAxis::Share, |result| {
        result
            .weekly
            .iter()
            .map(|w| (f64::from(w.week), w.served_share))
            .collect()
    })
}

/// What each family can spend at the end, poorest to richest: the
/// balance distribution, one line per set of rules.
pub fn balances_chart(comparison: &Comparison, text: &ChartText) -> String {
    chart(comparison, text, YAxis::Tokens, |result| {
        let families = result.final_spendable.len().max(1) as f64;
        result
            .final_spendable
            .iter()
            .enumerate()
            .map(|(i, s)| (100.0 * (i as f64 + 0.5) / families, *s))
            .collect()
    })
}

/// What a chart's y axis counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum YAxis {
    /// A share, from 0 to 1, shown as a percentage.
    Share,
    /// Tokens, from zero to a round number above the largest.
    Tokens,
}

/// A line per set of rules, its points taken from its result.
fn chart(
    comparison: &Comparison,
    text: &ChartText,
    y: YAxis,
    points: impl Fn(&Repeated) -> Vec<(f64, f64)>,
) -> String {
    let series: Vec<Series> = comparison
        .alternatives
        .iter()
        .map(|a| Series {
            name: a.name.clone(),
            points: points(&a.result),
        })
        .collect();
    line_chart(
        &Axes {
            title: text.title.clone(),
            x_label: text.x_label.clone(),
            y_label: text.y_label.clone(),
            y_range: (y == YAxis::Share).then_some((0.0, 1.0)),
            y_percent: y == YAxis::Share,
        },
        &series,
    )
}
