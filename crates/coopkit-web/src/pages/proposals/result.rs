//! A closed proposal's result as its page shows it: the headline, the
//! classes' tallies, and an election's rounds as a table and a chart.

use coopkit_app::governance::{ProposalOutcome, ProposalView};
use coopkit_governance::count::{Action, Outcome, Round, Votes};
use coopkit_governance::decision::Decision;

/// One round of an election, for the table.
pub(super) struct RoundRow {
    pub(super) number: usize,
    pub(super) action: String,
    /// Votes per candidate, in the order of the header ("" when out).
    pub(super) votes: Vec<String>,
    pub(super) exhausted: String,
}

/// A line per candidate across the rounds.
pub(super) struct ChartLine {
    pub(super) name: String,
    pub(super) points: String,
    pub(super) colour: &'static str,
    /// Where its label goes.
    pub(super) label_y: i64,
}

/// A mark on an axis and its label.
pub(super) struct Tick {
    pub(super) at: i64,
    pub(super) label: String,
}

/// An election's votes round by round, drawn in SVG: a line per
/// candidate, the rounds along the bottom, votes up the side, and the
/// quota a candidate needs as a dashed line.
#[derive(Default)]
pub(super) struct RoundsChart {
    pub(super) lines: Vec<ChartLine>,
    pub(super) rounds: Vec<Tick>,
    pub(super) votes: Vec<Tick>,
    pub(super) quota: Option<Tick>,
}

pub(super) struct ClassRow {
    pub(super) name: String,
    pub(super) eligible: u64,
    pub(super) yes: u64,
    pub(super) no: u64,
    pub(super) abstain: u64,
    pub(super) block: u64,
    pub(super) weight: String,
    pub(super) passed: bool,
}

pub(super) struct ResultView {
    pub(super) passed: bool,
    pub(super) headline: String,
    pub(super) turnout: String,
    pub(super) quorum: String,
    pub(super) classes: Vec<ClassRow>,
    pub(super) block_reasons: Vec<String>,
    pub(super) candidates: Vec<String>,
    pub(super) rounds: Vec<RoundRow>,
    pub(super) chart: RoundsChart,
    pub(super) quota: String,
    pub(super) seed: String,
    /// Ranked: the ballots download as BLT, and as CSV too.
    pub(super) ranked: bool,
}

const COLOURS: [&str; 8] = [
    "#1b6ca8", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#16a085", "#7f8c8d", "#a04000",
];
/// The plot's size in the SVG's units; the axes' labels sit outside it.
pub(super) const CHART_W: i64 = 520;
pub(super) const CHART_H: i64 = 220;

/// Votes to two places in the reader's notation, rounded half up: the
/// page's figures (the count's own five places are in the download).
fn votes_text(votes: Votes, tr: &crate::Tr) -> String {
    tr.amount(votes.0.saturating_add(500) / 1_000, 2_u32)
}

fn rounds_chart(outcome: &Outcome, candidates: &[String], tr: &crate::Tr) -> RoundsChart {
    let gaps = i64::try_from(outcome.rounds.len().max(2) - 1).unwrap_or(1);
    let x = |round: usize| i64::try_from(round).unwrap_or(0) * CHART_W / gaps;
    // The top is the most any candidate had, or the quota if higher, so
    // the quota's line is always on the chart.
    let top = outcome
        .rounds
        .iter()
        .flat_map(|r| r.votes.iter().map(|(_, v)| v.0))
        .chain(outcome.quota.map(|q| q.0))
        .max()
        .unwrap_or(1)
        .max(1);
    let y = |votes: u64| {
        let above = i128::from(votes) * i128::from(CHART_H) / i128::from(top);
        CHART_H - i64::try_from(above).unwrap_or(CHART_H)
    };
    let lines = candidates
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut last = CHART_H;
            let points: Vec<String> = outcome
                .rounds
                .iter()
                .enumerate()
                .filter_map(|(r, round)| {
                    let votes = round.votes.iter().find(|(c, _)| c == name)?.1;
                    last = y(votes.0);
                    Some(format!("{},{}", x(r), last))
                })
                .collect();
            ChartLine {
                name: name.clone(),
                points: points.join(" "),
                colour: COLOURS[i % COLOURS.len()],
                label_y: last,
            }
        })
        .collect();
    RoundsChart {
        lines,
        rounds: outcome
            .rounds
            .iter()
            .enumerate()
            .map(|(i, round)| Tick {
                at: x(i),
                label: tr.number(u64::try_from(round.number).unwrap_or(0)),
            })
            .collect(),
        votes: [0, top / 2, top]
            .into_iter()
            .map(|v| Tick {
                at: y(v),
                label: votes_text(Votes(v), tr),
            })
            .collect(),
        quota: outcome.quota.map(|q| Tick {
            at: y(q.0),
            label: tr.t_str("result-chart-quota", "votes", &votes_text(q, tr)),
        }),
    }
}

pub(super) fn result_view(p: &ProposalView, tr: &crate::Tr) -> Option<ResultView> {
    Some(match p.outcome.as_ref()? {
        ProposalOutcome::Motion {
            decision,
            block_reasons,
        } => motion_result(p, decision, block_reasons, tr),
        ProposalOutcome::Election {
            outcome,
            eligible,
            voted,
            quorum_met,
        } => election_result(p, outcome, (*voted, *eligible), *quorum_met, tr),
    })
}

/// `part` of `whole` as a whole percentage in the reader's notation.
fn percent_of(part: u64, whole: u64, tr: &crate::Tr) -> String {
    let share = (part * 100).checked_div(whole).unwrap_or(0);
    tr.t_str("percent", "value", &tr.number(share))
}

fn turnout(voted: u64, eligible: u64, tr: &crate::Tr) -> String {
    format!(
        "{} / {} ({})",
        tr.number(voted),
        tr.number(eligible),
        percent_of(voted, eligible, tr)
    )
}

fn quorum_text(p: &ProposalView, met: bool, tr: &crate::Tr) -> String {
    let key = if met {
        "proposal-quorum-met"
    } else {
        "proposal-quorum-missed"
    };
    let percent = p.proposal.proposal.quorum_percent.to_string();
    tr.t_args(key, &[("percent", percent.as_str())])
}

fn motion_result(
    p: &ProposalView,
    decision: &Decision,
    block_reasons: &[String],
    tr: &crate::Tr,
) -> ResultView {
    let headline = match decision.failed_by.as_deref() {
        None => tr.t("proposal-passed"),
        Some(reason) => {
            let why = tr.t(&format!(
                "proposal-failed-{}",
                reason.split(':').next().unwrap_or(reason)
            ));
            tr.t_args("proposal-failed", &[("reason", why.as_str())])
        }
    };
    ResultView {
        passed: decision.passed,
        headline,
        turnout: turnout(decision.voted, decision.eligible, tr),
        quorum: quorum_text(p, decision.quorum_met, tr),
        classes: decision
            .classes
            .iter()
            .map(|c| ClassRow {
                name: c.tally.class.clone(),
                eligible: c.tally.eligible,
                yes: c.tally.yes,
                no: c.tally.no,
                abstain: c.tally.abstain,
                block: c.tally.block,
                // Parts per million to a percentage with one place.
                weight: tr.t_str("percent", "value", &tr.amount(c.weight_ppm / 1_000, 1_u32)),
                passed: c.passed,
            })
            .collect(),
        block_reasons: block_reasons.to_vec(),
        candidates: Vec::new(),
        rounds: Vec::new(),
        chart: RoundsChart::default(),
        quota: String::new(),
        seed: p.proposal.proposal.seed.to_string(),
        ranked: false,
    }
}

fn election_result(
    p: &ProposalView,
    outcome: &Outcome,
    (voted, eligible): (u64, u64),
    quorum_met: bool,
    tr: &crate::Tr,
) -> ResultView {
    let candidates = p.proposal.proposal.options.clone();
    let rounds = outcome
        .rounds
        .iter()
        .map(|r| round_row(r, &candidates, tr))
        .collect();
    let headline = if quorum_met {
        let names = outcome.elected.join(", ");
        tr.t_args("proposal-elected", &[("names", names.as_str())])
    } else {
        tr.t("proposal-election-void")
    };
    // Ranked methods publish their ballots as BLT; the others as CSV.
    let ranked = matches!(
        p.proposal.proposal.method.as_str(),
        "irv" | "scottish-stv" | "meek-stv"
    );
    ResultView {
        passed: quorum_met,
        headline,
        turnout: turnout(voted, eligible, tr),
        quorum: quorum_text(p, quorum_met, tr),
        classes: Vec::new(),
        block_reasons: Vec::new(),
        chart: rounds_chart(outcome, &candidates, tr),
        candidates,
        rounds,
        quota: outcome.quota.map(|q| votes_text(q, tr)).unwrap_or_default(),
        seed: p.proposal.proposal.seed.to_string(),
        ranked,
    }
}

/// One round of a count: what happened, and each candidate's votes in the
/// order of the ballot.
fn round_row(r: &Round, candidates: &[String], tr: &crate::Tr) -> RoundRow {
    let (key, who) = match &r.action {
        Action::Elected(who) => ("round-elected", who),
        Action::Excluded(who) => ("round-excluded", who),
        Action::SurplusTransferred(who) => ("round-surplus", who),
    };
    RoundRow {
        number: r.number,
        action: tr.t_args(key, &[("names", who.join(", ").as_str())]),
        votes: candidates
            .iter()
            .map(|c| {
                r.votes
                    .iter()
                    .find(|(name, _)| name == c)
                    .map_or_else(String::new, |(_, v)| votes_text(*v, tr))
            })
            .collect(),
        exhausted: votes_text(r.exhausted, tr),
    }
}
