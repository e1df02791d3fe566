//! Stream-to-own: a listener pays for each play of a track twice what the
//! last cost, until the track is theirs.
//!
//! Prices are in thousandths of a credit. A listener's play number `n`
//! of a track, counting from zero, costs 2^(n+1): 2, 4, 8, … 512 for the
//! first nine plays, 1,022 in all, the price of owning it; from the tenth
//! play on the track is owned and plays free.

use serde::Serialize;

/// Plays that cost something; after these the track is owned.
pub const PAID_PLAYS: u32 = 9;
/// What owning a track costs, in thousandths of a credit: the sum of the
/// paid plays' prices.
pub const PRICE_TO_OWN: u64 = (2 << PAID_PLAYS) - 2;

/// The price of play number `n` (from zero) of a track by one listener.
pub fn play_price(n: u32) -> u64 {
    if n < PAID_PLAYS {
        2 << n
    } else {
        0
    }
}

/// Where a listener stands with a track after `plays` plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub plays: u32,
    /// Paid so far, in thousandths of a credit.
    pub paid: u64,
    /// Still to pay to own it; zero once owned.
    pub left_to_own: u64,
    /// What the next play costs.
    pub next_price: u64,
    pub owned: bool,
}

impl Standing {
    pub fn after(plays: u32) -> Standing {
        let paid_plays = plays.min(PAID_PLAYS);
        let paid = (2 << paid_plays) - 2;
        Standing {
            plays,
            paid,
            left_to_own: PRICE_TO_OWN - paid,
            next_price: play_price(plays),
            owned: plays >= PAID_PLAYS,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn nine_plays_doubling_from_two_thousandths_own_the_track() {
        let prices: Vec<u64> = (0..11).map(play_price).collect();
        assert_eq!(prices, [2, 4, 8, 16, 32, 64, 128, 256, 512, 0, 0]);
        assert_eq!(PRICE_TO_OWN, 1_022);
        assert_eq!(prices.iter().sum::<u64>(), PRICE_TO_OWN);
        assert_eq!(
            Standing::after(3),
            Standing {
                plays: 3,
                paid: 14,
                left_to_own: 1_008,
                next_price: 16,
                owned: false
            }
        );
        let owned = Standing::after(9);
        assert!(owned.owned);
        assert_eq!(
            (owned.paid, owned.left_to_own, owned.next_price),
            (1_022, 0, 0)
        );
        assert!(!Standing::after(8).owned);
        assert_eq!(Standing::after(u32::MAX).paid, PRICE_TO_OWN);
    }

    proptest! {
        #[test]
        fn what_is_paid_is_the_sum_of_the_plays_and_never_passes_the_price_to_own(plays in 0u32..1_000) {
            let standing = Standing::after(plays);
            let summed: u64 = (0..plays).map(play_price).sum();
            prop_assert_eq!(standing.paid, summed);
            prop_assert_eq!(standing.paid + standing.left_to_own, PRICE_TO_OWN);
            let next = Standing::after(plays + 1);
            prop_assert_eq!(next.paid, standing.paid + standing.next_price);
        }
    }
}
