//! Deciding a motion: yes or no, by simple majority, a supermajority or
//! consent, with quorum and the multi-stakeholder rules a co-op's bylaws
//! may set (pass in every class; class weights; a cap on a class's
//! weight, for investors). One member, one vote inside every class.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Rule {
    /// More yes than no (abstentions count for quorum only).
    Majority,
    /// At least `numerator`/`denominator` of the yes and no votes are yes.
    Supermajority { numerator: u32, denominator: u32 },
    /// Passes unless a member blocks; a block carries a reason.
    Consent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Yes,
    No,
    Abstain,
    Block,
}

impl Choice {
    pub fn parse(text: &str) -> Option<Choice> {
        match text {
            "yes" => Some(Choice::Yes),
            "no" => Some(Choice::No),
            "abstain" => Some(Choice::Abstain),
            "block" => Some(Choice::Block),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Yes => "yes",
            Choice::No => "no",
            Choice::Abstain => "abstain",
            Choice::Block => "block",
        }
    }
}

/// A class's weight in per cent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassWeight {
    pub class: String,
    pub percent: u32,
}

/// The bylaws' rules for classes of members, all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassRules {
    /// The motion must pass in each class that voted, by that class's own
    /// count.
    #[serde(default)]
    pub every_class: bool,
    /// Fixed weights, summing to 100. Empty: every vote weighs the same.
    #[serde(default)]
    pub weights: Vec<ClassWeight>,
    /// No more than this share for one class (investors, typically); what
    /// it would have had above the cap goes to the others in proportion.
    #[serde(default)]
    pub cap: Option<ClassWeight>,
}

impl ClassRules {
    /// What is wrong with these rules, as field and code.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut problems = Vec::new();
        if !self.weights.is_empty() && self.weights.iter().map(|w| w.percent).sum::<u32>() != 100 {
            problems.push(("weights", "weights-must-sum-to-100"));
        }
        if self
            .cap
            .as_ref()
            .is_some_and(|c| c.percent == 0 || c.percent >= 100)
        {
            problems.push(("cap", "cap-must-be-between-1-and-99"));
        }
        problems
    }
}

impl Rule {
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        match *self {
            Rule::Supermajority {
                numerator,
                denominator,
            } if denominator == 0 || numerator * 2 <= denominator || numerator > denominator => {
                vec![("threshold", "threshold-must-be-above-half")]
            }
            _ => Vec::new(),
        }
    }
}

/// One class's roll and ballots.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassTally {
    pub class: String,
    /// Members of the class on the frozen roll.
    pub eligible: u64,
    pub yes: u64,
    pub no: u64,
    pub abstain: u64,
    pub block: u64,
}

impl ClassTally {
    pub fn voted(&self) -> u64 {
        self.yes + self.no + self.abstain + self.block
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassResult {
    pub tally: ClassTally,
    /// The class's weight in the decision, in millionths (after any cap).
    pub weight_ppm: u64,
    /// Whether the motion passes by this class's own count.
    pub passed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub passed: bool,
    pub quorum_met: bool,
    pub eligible: u64,
    pub voted: u64,
    /// The weighted share of yes among yes and no, in millionths.
    pub yes_ppm: u64,
    pub classes: Vec<ClassResult>,
    /// Why it failed, when it did: `quorum`, `threshold`, `blocked` or
    /// `class:KEY` (did not pass in that class).
    pub failed_by: Option<String>,
}

/// Whether `yes` of `yes + no` meets the rule, exactly.
fn meets(rule: Rule, yes: u128, total: u128) -> bool {
    match rule {
        Rule::Majority => yes * 2 > total,
        Rule::Supermajority {
            numerator,
            denominator,
        } => total > 0 && yes * u128::from(denominator) >= total * u128::from(numerator),
        Rule::Consent => true,
    }
}

const PPM: u128 = 1_000_000;
/// Shares are compared to a trillionth of a vote when classes are weighted.
const FINE: u128 = 1_000_000_000_000;

/// Decides a motion from each class's tally.
pub fn decide(
    rule: Rule,
    quorum_percent: u32,
    classes: &[ClassTally],
    rules: &ClassRules,
) -> Decision {
    let eligible: u64 = classes.iter().map(|c| c.eligible).sum();
    let voted: u64 = classes.iter().map(ClassTally::voted).sum();
    let quorum_met = u128::from(voted) * 100 >= u128::from(quorum_percent) * u128::from(eligible);
    let weights = weights(classes, rules);
    let results: Vec<ClassResult> = classes
        .iter()
        .zip(&weights)
        .map(|(tally, &weight_ppm)| ClassResult {
            passed: tally.block == 0
                && meets(rule, tally.yes.into(), u128::from(tally.yes + tally.no)),
            tally: tally.clone(),
            weight_ppm,
        })
        .collect();
    let blocked = classes.iter().any(|c| c.block > 0);
    // Weighted share of yes: each class's share of yes among its yes and
    // no, times its weight, over the weights of classes that cast any.
    let (mut share, mut weight) = (0u128, 0u128);
    for r in &results {
        let cast = u128::from(r.tally.yes + r.tally.no);
        if let Some(part) =
            (u128::from(r.weight_ppm) * u128::from(r.tally.yes) * FINE).checked_div(cast)
        {
            share += part;
            weight += u128::from(r.weight_ppm);
        }
    }
    let yes_ppm = share.checked_div(weight).unwrap_or(0) / (FINE / PPM);
    let passes_overall = if rules.weights.is_empty() && rules.cap.is_none() {
        // Plain one member, one vote: exact counts.
        let yes: u64 = classes.iter().map(|c| c.yes).sum();
        let no: u64 = classes.iter().map(|c| c.no).sum();
        meets(rule, yes.into(), u128::from(yes + no))
    } else {
        meets(rule, share, weight * FINE)
    };
    let failed_class = results
        .iter()
        .find(|r| rules.every_class && r.tally.voted() > 0 && !r.passed);
    let failed_by = if !quorum_met {
        Some("quorum".to_owned())
    } else if rule == Rule::Consent && blocked {
        Some("blocked".to_owned())
    } else if !passes_overall {
        Some("threshold".to_owned())
    } else {
        failed_class.map(|r| format!("class:{}", r.tally.class))
    };
    Decision {
        passed: failed_by.is_none(),
        quorum_met,
        eligible,
        voted,
        yes_ppm: u64::try_from(yes_ppm).unwrap_or(u64::MAX),
        classes: results,
        failed_by,
    }
}

/// Each class's weight in millionths: the bylaws' weights, or else its
/// share of the yes and no votes cast; then any cap, the excess shared
/// among the other classes in proportion to their weights.
fn weights(classes: &[ClassTally], rules: &ClassRules) -> Vec<u64> {
    let mut weights: Vec<u128> = if rules.weights.is_empty() {
        let cast: u128 = classes.iter().map(|c| u128::from(c.yes + c.no)).sum();
        classes
            .iter()
            .map(|c| {
                (u128::from(c.yes + c.no) * PPM)
                    .checked_div(cast)
                    .unwrap_or(0)
            })
            .collect()
    } else {
        classes
            .iter()
            .map(|c| {
                rules
                    .weights
                    .iter()
                    .find(|w| w.class == c.class)
                    .map_or(0, |w| u128::from(w.percent) * PPM / 100)
            })
            .collect()
    };
    if let Some(cap) = &rules.cap {
        let limit = u128::from(cap.percent) * PPM / 100;
        if let Some(i) = classes.iter().position(|c| c.class == cap.class) {
            if weights[i] > limit {
                let excess = weights[i] - limit;
                weights[i] = limit;
                let others: u128 = weights.iter().sum::<u128>() - limit;
                for (j, w) in weights.iter_mut().enumerate() {
                    if j != i {
                        *w += (excess * *w).checked_div(others).unwrap_or(0);
                    }
                }
            }
        }
    }
    weights
        .into_iter()
        .map(|w| u64::try_from(w).unwrap_or(u64::MAX))
        .collect()
}
