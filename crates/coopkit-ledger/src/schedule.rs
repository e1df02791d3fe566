//! Which months' policies are due: the server applies each co-op's month
//! (issuance, demurrage, dues) once it has begun in the co-op's own zone,
//! and after downtime catches up the months it missed, in order.
//!
//! Pure: the store says which month was last applied, the clock says when
//! it is, and [`months_due`] says what to apply. Applying a month is
//! idempotent (see [`crate::policy`]), so two servers that both find a
//! month due pay it once.

use coopkit_domain::{Timestamp, Zone};

use crate::policy::Period;

/// The most months one pass applies; a server down for longer catches up
/// the rest on its next passes, still in order.
pub const CATCH_UP_MAX: usize = 24;

impl Period {
    /// The month in `zone` that holds `at`; `None` outside the years
    /// 2000 to 9999 that periods cover.
    pub fn holding(zone: &Zone, at: Timestamp) -> Option<Period> {
        let civil = zone.civil(at)?;
        let year = u16::try_from(civil.year).ok()?;
        (2000..=9999).contains(&year).then_some(Period {
            year,
            month: civil.month,
        })
    }

    /// The month after this one.
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year.saturating_add(1),
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

/// The months to apply now, oldest first: each month after `last` (the
/// last one applied) up to and including `now`, and never the month the
/// co-op was `founded` in or one before it. A co-op with none applied
/// yet starts with the month after the one it was `founded` in (it did not
/// exist when its first month began) or, if later, with `now` itself: a
/// co-op that was run by hand before the server kept time is not charged
/// again for months long past. At most [`CATCH_UP_MAX`] at a time.
pub fn months_due(founded: Period, last: Option<Period>, now: Period) -> Vec<Period> {
    let start = match last {
        Some(last) => last.next().max(founded.next()),
        None => founded.next().max(now),
    };
    let mut due = Vec::new();
    let mut month = start;
    while month <= now && due.len() < CATCH_UP_MAX {
        due.push(month);
        month = month.next();
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn month(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    #[test]
    fn a_month_begins_at_midnight_in_the_coops_zone() {
        let new_york = Zone::named("America/New_York").unwrap();
        // 1 December, 02:00 UTC is still 30 November, 21:00 in New York.
        let at = Zone::utc().read_wall_clock("2026-12-01T02:00").unwrap();
        assert_eq!(Period::holding(&new_york, at), Some(month("2026-11")));
        assert_eq!(Period::holding(&Zone::utc(), at), Some(month("2026-12")));
        assert_eq!(
            Period::holding(&Zone::utc(), Timestamp::from_millis(0)),
            None
        );
        assert_eq!(month("2026-12").next(), month("2027-01"));
    }

    #[test]
    fn a_new_coop_waits_for_its_first_whole_month_and_an_old_one_starts_now() {
        let due = months_due(month("2026-11"), None, month("2026-11"));
        assert!(due.is_empty(), "founded this month: {due:?}");
        let due = months_due(month("2026-11"), None, month("2026-12"));
        assert_eq!(due, [month("2026-12")]);
        let due = months_due(month("2024-03"), None, month("2026-12"));
        assert_eq!(due, [month("2026-12")], "no months long past");
    }

    #[test]
    fn missed_months_are_caught_up_in_order() {
        let due = months_due(month("2025-01"), Some(month("2026-09")), month("2026-12"));
        assert_eq!(due, [month("2026-10"), month("2026-11"), month("2026-12")]);
        assert!(months_due(month("2025-01"), Some(month("2026-12")), month("2026-12")).is_empty());
    }

    fn any_month() -> impl Strategy<Value = Period> {
        (2000u16..2100, 1u8..=12).prop_map(|(year, month)| Period { year, month })
    }

    proptest! {
        /// Whatever was applied last, the months due run one after another
        /// from just after it, never reach past now, and once applied
        /// leave nothing due.
        #[test]
        fn months_due_follow_each_other_up_to_now(
            founded in any_month(),
            last in proptest::option::of(any_month()),
            now in any_month(),
        ) {
            let due = months_due(founded, last, now);
            prop_assert!(due.len() <= CATCH_UP_MAX);
            for pair in due.windows(2) {
                prop_assert_eq!(pair[0].next(), pair[1]);
            }
            if let Some(first) = due.first() {
                prop_assert!(last.is_none_or(|last| *first == last.next().max(founded.next())));
                prop_assert!(*first > founded);
            }
            prop_assert!(due.iter().all(|m| *m <= now));
            if let Some(applied) = due.last().copied() {
                let rest = months_due(founded, Some(applied), now);
                prop_assert!(rest.is_empty() || due.len() == CATCH_UP_MAX);
            }
        }
    }
}
