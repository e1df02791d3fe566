//! Dividing a whole number of units in proportion, exactly: every
//! allocation in coopkit (a year's surplus among members, a sale among a
//! work's creators) goes through this one rule, so a member can check any
//! of them by hand.

/// Splits `whole` in proportion to `weights` by largest remainder: the
/// parts sum to `whole` exactly; ties go to the earlier weight. All zero
/// weights give all zero parts (and the whole undistributed).
pub fn largest_remainder(whole: u64, weights: &[u64]) -> Vec<u64> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<(u128, u128)> = weights
        .iter()
        .map(|&w| {
            let product = u128::from(whole) * u128::from(w);
            (product / total, product % total)
        })
        .collect();
    let mut parts: Vec<u64> = exact
        .iter()
        .map(|&(q, _)| u64::try_from(q).unwrap_or(u64::MAX))
        .collect();
    let given: u64 = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    // Largest remainder first; the earlier index on a tie.
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for &i in order.iter().take((whole - given) as usize) {
        parts[i] += 1;
    }
    parts
}
