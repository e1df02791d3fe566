//! Returns on capital, capped: what a fund may pay its investors when the
//! bylaws allow returns at all.
//!
//! Co-operative principles limit the return on capital, so the bylaws set
//! a cap as a rate of what each investor put in (500 basis points: at most
//! 5% of their capital this year). Each investor's cap is rounded down to
//! a whole unit; the pool is paid in proportion to the caps, by largest
//! remainder, never above the sum of the caps, so no investor ever
//! receives a unit above their cap; what the caps leave stays in the fund.

use coopkit_domain::apportion::largest_remainder;

/// Basis points in the whole: 100%.
const WHOLE: u128 = 10_000;

/// What the pool pays, investor by investor in the order given, and what
/// stays in the fund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returns {
    pub paid: Vec<u64>,
    pub kept: u64,
}

/// Pays `pool` to investors who put in `capital` each, each at most
/// `cap_bp` basis points of their capital.
pub fn capped_returns(pool: u64, capital: &[u64], cap_bp: u32) -> Returns {
    let caps: Vec<u64> = capital
        .iter()
        .map(|&c| {
            let cap = u128::from(c) * u128::from(cap_bp) / WHOLE;
            u64::try_from(cap).unwrap_or(u64::MAX)
        })
        .collect();
    let room = caps.iter().fold(0u64, |sum, cap| sum.saturating_add(*cap));
    let paying = pool.min(room);
    let paid = largest_remainder(paying, &caps);
    Returns {
        kept: pool - paid.iter().sum::<u64>(),
        paid,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn investors_get_the_pool_in_proportion_up_to_their_caps() {
        let returns = |pool, capital: &[u64], cap_bp| {
            let r = capped_returns(pool, capital, cap_bp);
            (r.paid, r.kept)
        };
        // 5% caps on 10,000 and 30,000: at most 500 and 1,500.
        let both = [10_000, 30_000];
        assert_eq!(returns(5_000, &both, 500), (vec![500, 1_500], 3_000));
        assert_eq!(returns(1_000, &both, 500), (vec![250, 750], 0));
        assert_eq!(
            returns(1_000, &[10_000], 0),
            (vec![0], 1_000),
            "no returns allowed"
        );
        // Caps round down: 5% of 39 is 1.95, so 1.
        assert_eq!(returns(10, &[39], 500), (vec![1], 9));
    }

    proptest! {
        #[test]
        fn nobody_passes_their_cap_and_nothing_is_lost(
            pool in 0u64..10_000_000,
            capital in proptest::collection::vec(0u64..10_000_000, 0..20),
            cap_bp in 0u32..=10_000,
        ) {
            let returns = capped_returns(pool, &capital, cap_bp);
            prop_assert_eq!(returns.paid.iter().sum::<u64>() + returns.kept, pool);
            for (paid, put_in) in returns.paid.iter().zip(&capital) {
                prop_assert!(u128::from(*paid) * WHOLE <= u128::from(*put_in) * u128::from(cap_bp));
            }
        }
    }
}
