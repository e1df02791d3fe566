//! Prices: an integer amount per unit of time, in one currency.

use serde::{Deserialize, Serialize};

use crate::availability::Window;
use crate::booking::Refusal;

/// So much per so many minutes: 1 HALFHOUR token per 30 minutes, 1500
/// pence per 60 minutes. A started unit counts whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// In the currency's minor unit.
    pub amount: u64,
    pub unit_minutes: u32,
}

impl Price {
    pub fn new(amount: u64, unit_minutes: u32) -> Result<Price, &'static str> {
        if amount == 0 {
            return Err("amount-zero");
        }
        if unit_minutes == 0 || unit_minutes > 24 * 60 {
            return Err("unit-minutes-range");
        }
        Ok(Price {
            amount,
            unit_minutes,
        })
    }

    /// What a booking over `window` costs: the price times the units it
    /// spans, a started unit counting whole.
    pub fn for_window(self, window: Window) -> Result<u64, Refusal> {
        let minutes = window.minutes();
        let unit = u64::from(self.unit_minutes);
        let units = minutes.div_ceil(unit);
        self.amount
            .checked_mul(units)
            .filter(|total| *total <= i64::MAX as u64)
            .ok_or(Refusal::AmountTooLarge)
    }
}

#[cfg(test)]
mod tests {
    use coopkit_domain::Timestamp;

    use super::*;

    const MINUTE: i64 = 60_000;

    fn window(minutes: i64) -> Window {
        Window::new(Timestamp(0), Timestamp(minutes * MINUTE)).unwrap()
    }

    #[test]
    fn a_started_unit_counts_whole() {
        let half_hour = Price::new(1, 30).unwrap();
        assert_eq!(
            half_hour.for_window(window(240)),
            Ok(8),
            "four hours of sitting"
        );
        assert_eq!(half_hour.for_window(window(241)), Ok(9));
        let hourly = Price::new(1_500, 60).unwrap();
        assert_eq!(hourly.for_window(window(90)), Ok(3_000));
        let absurd = Price::new(u64::MAX / 2, 1).unwrap();
        assert_eq!(absurd.for_window(window(60)), Err(Refusal::AmountTooLarge));
        assert_eq!(Price::new(0, 30), Err("amount-zero"));
        assert_eq!(Price::new(1, 0), Err("unit-minutes-range"));
    }
}
