//! Who a sale pays: the creators of a work by their shares, and the co-op
//! the rest.
//!
//! Shares and rates are basis points (10,000 is the whole), so 33.34% is
//! exact and no float decides who is paid. Rounding, the rule a creator
//! can check by hand:
//!
//! 1. The creators' part of a sale is `amount × rate`, rounded to the
//!    nearest unit, a half going to the creators.
//! 2. That part is divided by the shares by largest remainder
//!    ([`largest_remainder`], the rule patronage uses too): each creator
//!    first gets the whole units of their exact part, then the units left
//!    over go one each to the largest fractions, ties to the creator listed
//!    first.
//! 3. The co-op gets what remains of the sale.
//!
//! So the parts always sum to the sale, no creator is ever a unit away from
//! their exact share, and the split never depends on luck.

use coopkit_domain::apportion::largest_remainder;
use serde::{Deserialize, Serialize};

/// Basis points in the whole: 100%.
pub const WHOLE: u32 = 10_000;

/// Why a division of a work among its creators was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SharesError {
    #[error("a work has at least one creator")]
    NoCreator,
    #[error("creator {index} has a share of zero")]
    ZeroShare { index: usize },
    #[error("creator {index} is listed twice")]
    Repeated { index: usize },
    #[error("the shares sum to {}.{:02}%, not 100%", .total / 100, .total % 100)]
    NotWhole { total: u64 },
    #[error("a royalty rate is at most 100%, not {}.{:02}%", .rate / 100, .rate % 100)]
    RateAboveWhole { rate: u32 },
}

impl SharesError {
    /// A stable code for forms and the API.
    pub fn code(&self) -> &'static str {
        match self {
            SharesError::NoCreator => "shares-none",
            SharesError::ZeroShare { .. } => "shares-zero",
            SharesError::Repeated { .. } => "shares-repeated",
            SharesError::NotWhole { .. } => "shares-not-whole",
            SharesError::RateAboveWhole { .. } => "rate-above-whole",
        }
    }
}

/// The creators of a work and their shares, in basis points summing to
/// [`WHOLE`], in the order the work lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shares<K> {
    parts: Vec<(K, u32)>,
}

impl<K: Copy + Eq> Shares<K> {
    pub fn new(parts: Vec<(K, u32)>) -> Result<Shares<K>, SharesError> {
        if parts.is_empty() {
            return Err(SharesError::NoCreator);
        }
        for (index, (creator, share)) in parts.iter().enumerate() {
            if *share == 0 {
                return Err(SharesError::ZeroShare { index });
            }
            if parts[..index].iter().any(|(c, _)| c == creator) {
                return Err(SharesError::Repeated { index });
            }
        }
        let total: u64 = parts.iter().map(|(_, s)| u64::from(*s)).sum();
        if total != u64::from(WHOLE) {
            return Err(SharesError::NotWhole { total });
        }
        Ok(Shares { parts })
    }

    /// One creator with the whole work.
    pub fn sole(creator: K) -> Shares<K> {
        Shares {
            parts: vec![(creator, WHOLE)],
        }
    }

    pub fn parts(&self) -> &[(K, u32)] {
        &self.parts
    }
}

/// A royalty rate: the creators' part of a sale, in basis points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate(u32);

impl Rate {
    pub fn new(basis_points: u32) -> Result<Rate, SharesError> {
        if basis_points > WHOLE {
            return Err(SharesError::RateAboveWhole { rate: basis_points });
        }
        Ok(Rate(basis_points))
    }

    pub fn basis_points(self) -> u32 {
        self.0
    }
}

/// A sale divided: each creator's part, in the work's order, and the
/// co-op's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split<K> {
    pub creators: Vec<(K, u64)>,
    pub coop: u64,
}

/// Divides a sale of `amount` units between the creators of a work, at
/// `rate`, and the co-op, by the rule in this module's documentation.
pub fn split<K: Copy>(amount: u64, rate: Rate, shares: &Shares<K>) -> Split<K> {
    let whole = u128::from(WHOLE);
    let part = (u128::from(amount) * u128::from(rate.0) + whole / 2) / whole;
    // At most the amount, since the rate is at most the whole.
    let part = u64::try_from(part).unwrap_or(amount);
    let weights: Vec<u64> = shares.parts.iter().map(|(_, s)| u64::from(*s)).collect();
    let creators = shares
        .parts
        .iter()
        .zip(largest_remainder(part, &weights))
        .map(|((creator, _), paid)| (*creator, paid))
        .collect();
    Split {
        creators,
        coop: amount - part,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn shares(parts: &[(u8, u32)]) -> Shares<u8> {
        Shares::new(parts.to_vec()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_photo_licence_pays_half_to_its_photographer() {
        let sold = split(4_900, Rate::new(5_000).unwrap(), &Shares::sole('a'));
        assert_eq!(sold.creators, [('a', 2_450)]);
        assert_eq!(sold.coop, 2_450);
    }

    #[test]
    fn units_left_over_go_to_the_largest_fractions_then_the_first_listed() {
        // 70% of 1,000 is 700; thirds of it are 233.33 each: the first
        // listed takes the unit left over.
        let thirds = shares(&[(1, 3_334), (2, 3_333), (3, 3_333)]);
        let sold = split(1_000, Rate::new(7_000).unwrap(), &thirds);
        assert_eq!(sold.creators, [(1, 234), (2, 233), (3, 233)]);
        assert_eq!(sold.coop, 300);
        // One unit: the larger fraction takes it, wherever it is listed;
        // between equal fractions, the first listed.
        let whole = Rate::new(WHOLE).unwrap();
        let sold = split(1, whole, &shares(&[(1, 2_000), (2, 8_000)]));
        assert_eq!(sold.creators, [(1, 0), (2, 1)]);
        let sold = split(1, whole, &shares(&[(1, 5_000), (2, 5_000)]));
        assert_eq!(sold.creators, [(1, 1), (2, 0)]);
    }

    #[test]
    fn the_creators_part_rounds_to_the_nearest_unit_a_half_to_them() {
        let sole = Shares::sole(1);
        let seventy = Rate::new(7_000).unwrap();
        // The first play of a track: 2 thousandths, 1.4 to the creator.
        assert_eq!(split(2, seventy, &sole).creators, [(1, 1)]);
        assert_eq!(split(4, seventy, &sole).creators, [(1, 3)], "2.8");
        let half = Rate::new(5_000).unwrap();
        assert_eq!(split(1, half, &sole).creators, [(1, 1)], "0.5");
        assert_eq!(split(0, half, &sole).coop, 0);
    }

    #[test]
    fn shares_must_be_whole_positive_and_each_creator_once() {
        assert_eq!(Shares::<u8>::new(vec![]), Err(SharesError::NoCreator));
        let short = Shares::new(vec![(1, 5_000), (2, 2_250)]).unwrap_err();
        assert_eq!(short.to_string(), "the shares sum to 72.50%, not 100%");
        assert_eq!(short.code(), "shares-not-whole");
        assert_eq!(
            Shares::new(vec![(1, 10_000), (2, 0)]),
            Err(SharesError::ZeroShare { index: 1 })
        );
        assert_eq!(
            Shares::new(vec![(1, 5_000), (1, 5_000)]),
            Err(SharesError::Repeated { index: 1 })
        );
        assert_eq!(
            Rate::new(10_001).unwrap_err().to_string(),
            "a royalty rate is at most 100%, not 100.01%"
        );
    }

    fn any_shares() -> impl Strategy<Value = Shares<u8>> {
        // Cut the whole at up to seven distinct points.
        proptest::collection::btree_set(1..WHOLE, 0..7).prop_map(|cuts| {
            let mut bounds: Vec<u32> = Vec::with_capacity(cuts.len() + 2);
            bounds.push(0);
            bounds.extend(cuts);
            bounds.push(WHOLE);
            let parts = bounds
                .windows(2)
                .enumerate()
                .map(|(i, w)| (i as u8, w[1] - w[0]))
                .collect();
            Shares::new(parts).unwrap_or_else(|e| panic!("{e}"))
        })
    }

    proptest! {
        #[test]
        fn a_split_pays_out_the_sale_exactly_and_each_creator_within_a_unit(
            amount in 0u64..=u64::MAX / 2,
            rate in 0..=WHOLE,
            shares in any_shares(),
        ) {
            let rate = Rate::new(rate).unwrap_or_else(|e| panic!("{e}"));
            let sold = split(amount, rate, &shares);
            let paid: u128 = sold.creators.iter().map(|(_, a)| u128::from(*a)).sum::<u128>()
                + u128::from(sold.coop);
            prop_assert_eq!(paid, u128::from(amount));
            let part = u128::from(amount - sold.coop);
            let whole = u128::from(WHOLE);
            for ((_, paid), (_, share)) in sold.creators.iter().zip(shares.parts()) {
                // |paid × WHOLE − part × share| < WHOLE: within one unit.
                let exact = part * u128::from(*share);
                let paid = u128::from(*paid) * whole;
                prop_assert!(paid.abs_diff(exact) < whole);
            }
        }
    }
}
