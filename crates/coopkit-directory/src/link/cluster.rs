//! Clusters from linked pairs, so that a chain of look-alikes does not
//! make one organisation.

use std::collections::{HashMap, HashSet};

use super::Pair;

/// Clusters `rows` rows from linked pairs, strongest first: two clusters
/// join only if more than half the pairs across them are linked.
pub fn cluster(rows: usize, pairs: &[Pair]) -> Vec<usize> {
    let linked: HashSet<(usize, usize)> = pairs
        .iter()
        .map(|p| (p.left.min(p.right), p.left.max(p.right)))
        .collect();
    let mut cluster: Vec<usize> = (0..rows).collect();
    let mut members: HashMap<usize, Vec<usize>> = (0..rows).map(|i| (i, vec![i])).collect();
    let mut order: Vec<&Pair> = pairs.iter().collect();
    order.sort_by(|a, b| b.score.total_cmp(&a.score));
    for p in order {
        let (a, b) = (cluster[p.left], cluster[p.right]);
        if a == b {
            continue;
        }
        let (ma, mb) = (&members[&a], &members[&b]);
        let across = ma.len() * mb.len();
        let agreeing = ma
            .iter()
            .flat_map(|&x| mb.iter().map(move |&y| (x.min(y), x.max(y))))
            .filter(|pair| linked.contains(pair))
            .count();
        if agreeing * 2 <= across && across > 1 {
            continue;
        }
        let (keep, gone) = (a.min(b), a.max(b));
        let moved = members.remove(&gone).unwrap_or_default();
        for &row in &moved {
            cluster[row] = keep;
        }
        members.entry(keep).or_default().extend(moved);
    }
    cluster
}
