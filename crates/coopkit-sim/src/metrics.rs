//! What a week and a run are measured by.

use serde::Serialize;

/// One week's figures. Shares are of all families unless said otherwise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Week {
    /// Counting from zero.
    pub week: u32,
    /// Families that wanted an evening out.
    pub wanted: u32,
    /// Of those, the families that asked for a sitter.
    pub asked: u32,
    /// Evenings out that happened: a sitter found and paid.
    pub served: u32,
    /// Served over wanted (1 when nobody wanted to go out).
    pub served_share: f64,
    /// Tokens members hold: the sum of the positive balances.
    pub circulation: i64,
    /// The Gini coefficient of what families can spend (balance plus
    /// debit limit), at the week's end.
    pub gini: f64,
    /// Families that cannot pay for the shortest outing: at (or next to)
    /// their debit limit.
    pub at_debit_limit: f64,
    /// Families at or above the balance cap (zero without a cap).
    pub above_cap: f64,
    /// Families that neither asked for a sitter nor sat.
    pub idle: f64,
}

/// A run summed up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Outings served over outings wanted, over the whole run.
    pub served_share: f64,
    /// The Gini coefficient of what families can spend, at the end.
    pub gini: f64,
    pub wanted: u64,
    pub asked: u64,
    pub served: u64,
    /// Asks that found no sitter over all asks: the shortage of sitters.
    pub unserved_asks: f64,
    /// Weekly shares averaged over the run.
    pub at_debit_limit: f64,
    pub above_cap: f64,
    pub idle: f64,
    /// Tokens members hold at the end.
    pub circulation: i64,
}

impl Summary {
    /// Sums up `weeks`, given what each family can spend at the end.
    pub fn of(weeks: &[Week], spendable: &[i64]) -> Summary {
        let sum = |f: fn(&Week) -> u32| weeks.iter().map(|w| u64::from(f(w))).sum::<u64>();
        let mean =
            |f: fn(&Week) -> f64| weeks.iter().map(f).sum::<f64>() / weeks.len().max(1) as f64;
        let (wanted, asked, served) = (sum(|w| w.wanted), sum(|w| w.asked), sum(|w| w.served));
        Summary {
            served_share: share(served, wanted),
            gini: gini(spendable),
            wanted,
            asked,
            served,
            unserved_asks: 1.0 - share(served, asked),
            at_debit_limit: mean(|w| w.at_debit_limit),
            above_cap: mean(|w| w.above_cap),
            idle: mean(|w| w.idle),
            circulation: weeks.last().map_or(0, |w| w.circulation),
        }
    }
}

/// `part / whole`, or 1 when there was nothing to do.
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The Gini coefficient of non-negative amounts: 0 when all are equal,
/// towards 1 when one holds everything. Negative amounts count as zero.
pub fn gini(amounts: &[i64]) -> f64 {
    let mut sorted: Vec<i128> = amounts.iter().map(|a| i128::from((*a).max(0))).collect();
    sorted.sort_unstable();
    let n = sorted.len() as i128;
    let total: i128 = sorted.iter().sum();
    if n == 0 || total == 0 {
        return 0.0;
    }
    // G = 2·Σ i·x_i / (n·Σx) − (n + 1)/n, with i counted from 1 in
    // ascending order; the sums are exact integers.
    let weighted: i128 = sorted
        .iter()
        .zip(1..)
        .map(|(x, i): (&i128, i128)| i * x)
        .sum();
    (2 * weighted) as f64 / (n * total) as f64 - (n + 1) as f64 / n as f64
}

/// The bounds a week's shares are measured against, in tokens.
#[derive(Debug)]
pub(crate) struct Bounds {
    pub(crate) debit_limit: i64,
    pub(crate) balance_cap: Option<i64>,
    pub(crate) cheapest_outing: i64,
}

/// Who did what in a week, counted as it happens.
#[derive(Debug)]
pub(crate) struct Tally {
    wanted: u32,
    asked: u32,
    served: u32,
    active: Vec<bool>,
}

impl Tally {
    pub(crate) fn new(families: usize, wanted: u32) -> Tally {
        Tally {
            wanted,
            asked: 0,
            served: 0,
            active: vec![false; families],
        }
    }

    pub(crate) fn asked(&mut self, family: usize) {
        self.asked += 1;
        self.active[family] = true;
    }

    pub(crate) fn served(&mut self, sitter: usize) {
        self.served += 1;
        self.active[sitter] = true;
    }

    /// The week's figures, given the balances at its end.
    pub(crate) fn week(self, week: u32, balances: &[i64], rules: &Bounds) -> Week {
        let families = balances.len().max(1) as f64;
        let count =
            |f: &dyn Fn(i64) -> bool| balances.iter().filter(|b| f(**b)).count() as f64 / families;
        let spendable: Vec<i64> = balances.iter().map(|b| b + rules.debit_limit).collect();
        Week {
            week,
            wanted: self.wanted,
            asked: self.asked,
            served: self.served,
            served_share: share(u64::from(self.served), u64::from(self.wanted)),
            circulation: balances.iter().map(|b| (*b).max(0)).sum(),
            gini: gini(&spendable),
            at_debit_limit: count(&|b| b + rules.debit_limit < rules.cheapest_outing),
            above_cap: rules.balance_cap.map_or(0.0, |cap| count(&|b| b >= cap)),
            idle: self.active.iter().filter(|a| !**a).count() as f64 / families,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_known_distributions() {
        assert_eq!(gini(&[5, 5, 5, 5]), 0.0);
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0]), 0.0);
        // One of four holds everything: (n − 1)/n.
        assert!((gini(&[0, 0, 0, 8]) - 0.75).abs() < 1e-12);
        // 1, 2, 3, 4: Σ|xi − xj| over ordered pairs is 20, 2·n²·mean = 80.
        assert!((gini(&[4, 1, 3, 2]) - 0.25).abs() < 1e-12);
    }
}
