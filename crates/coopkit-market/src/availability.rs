//! When a provider works: a booking's time window and the weekly slots it
//! must fall within.

use coopkit_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::booking::Refusal;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;
const DAY_MINUTES: u16 = 24 * 60;

/// The longest booking: two weeks. Longer arrangements are several
/// bookings (or a recurring one).
pub const WINDOW_MAX_MS: i64 = 14 * DAY_MS;

/// A span of time, start included, end excluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Window, Refusal> {
        let length = end.as_millis().saturating_sub(start.as_millis());
        if length <= 0 {
            return Err(Refusal::WindowEmpty);
        }
        if length > WINDOW_MAX_MS {
            return Err(Refusal::WindowTooLong);
        }
        Ok(Window { start, end })
    }

    /// Whole minutes, a started minute counting whole.
    pub fn minutes(self) -> u64 {
        let ms = self.end.as_millis() - self.start.as_millis();
        u64::try_from(ms).unwrap_or(0).div_ceil(MINUTE_MS as u64)
    }

    pub fn overlaps(self, other: Window) -> bool {
        self.start.as_millis() < other.end.as_millis()
            && other.start.as_millis() < self.end.as_millis()
    }
}

/// A weekly stretch of availability: Friday 18:00 to 24:00, say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklySlot {
    /// 0 is Monday, 6 Sunday.
    pub weekday: u8,
    /// Minutes after midnight.
    pub start_minute: u16,
    /// Minutes after midnight, up to 1440 (midnight at the end of the day).
    pub end_minute: u16,
}

impl WeeklySlot {
    pub fn new(
        weekday: u8,
        start_minute: u16,
        end_minute: u16,
    ) -> Result<WeeklySlot, &'static str> {
        if weekday > 6 {
            return Err("weekday-range");
        }
        if start_minute >= end_minute || end_minute > DAY_MINUTES {
            return Err("slot-range");
        }
        Ok(WeeklySlot {
            weekday,
            start_minute,
            end_minute,
        })
    }

    /// Reads `HH:MM`, or `24:00` for the end of the day.
    pub fn parse_time(text: &str) -> Result<u16, &'static str> {
        let (hours, minutes) = text.trim().split_once(':').ok_or("time-format")?;
        let hours: u16 = hours.parse().map_err(|_| "time-format")?;
        let minutes: u16 = minutes.parse().map_err(|_| "time-format")?;
        let total = hours * 60 + minutes;
        if minutes >= 60 || total > DAY_MINUTES || hours > 24 {
            return Err("time-format");
        }
        Ok(total)
    }

    fn contains(self, weekday: u8, minute: u16) -> bool {
        self.weekday == weekday && self.start_minute <= minute && minute < self.end_minute
    }
}

/// 0 for Monday: 1 January 1970 was a Thursday.
pub fn weekday(at: Timestamp) -> u8 {
    let days = at.as_millis().div_euclid(DAY_MS);
    // In 0..7, so the cast cannot truncate.
    (days + 3).rem_euclid(7) as u8
}

fn minute_of_day(at: Timestamp) -> u16 {
    // In 0..1440, so the cast cannot truncate.
    (at.as_millis().rem_euclid(DAY_MS) / MINUTE_MS) as u16
}

/// Whether the slots, repeated every week, cover the whole window. Slots
/// that touch join up: Friday 18:00–24:00 and Saturday 00:00–02:00 cover
/// a sitting from 19:00 to 01:00.
pub fn covers(slots: &[WeeklySlot], window: Window) -> bool {
    let mut at = window.start.as_millis();
    while at < window.end.as_millis() {
        let t = Timestamp(at);
        let (day, minute) = (weekday(t), minute_of_day(t));
        let Some(slot) = slots.iter().find(|s| s.contains(day, minute)) else {
            return false;
        };
        // Jump to the end of this slot: at least a minute on.
        at = at - at.rem_euclid(DAY_MS) + i64::from(slot.end_minute) * MINUTE_MS;
    }
    true
}

/// Whether the provider works through the whole window: their week
/// covers it and it touches none of their days off (each given as the
/// first millisecond of the day).
pub fn available(slots: &[WeeklySlot], days_off: &[Timestamp], window: Window) -> bool {
    covers(slots, window)
        && days_off.iter().all(|day| {
            let away = Window {
                start: *day,
                end: day.plus_millis(DAY_MS),
            };
            !away.overlaps(window)
        })
}

/// The day away that holds `at`, as its first millisecond.
pub fn day_of(at: Timestamp) -> Timestamp {
    Timestamp(at.as_millis() - at.as_millis().rem_euclid(DAY_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 5 January 2026, 00:00.
    const MONDAY: i64 = 1_767_571_200_000;

    fn at(day: i64, hour: i64, minute: i64) -> Timestamp {
        Timestamp(MONDAY + day * DAY_MS + (hour * 60 + minute) * MINUTE_MS)
    }

    fn window(from: Timestamp, to: Timestamp) -> Window {
        Window::new(from, to).unwrap()
    }

    #[test]
    fn weekdays_count_from_monday() {
        assert_eq!(weekday(at(0, 12, 0)), 0);
        assert_eq!(weekday(at(4, 23, 59)), 4, "Friday");
        assert_eq!(weekday(at(6, 0, 0)), 6, "Sunday");
        assert_eq!(weekday(Timestamp(0)), 3, "1 January 1970 was a Thursday");
        assert_eq!(
            weekday(Timestamp(-1)),
            2,
            "and the millisecond before, a Wednesday"
        );
    }

    #[test]
    fn slots_cover_windows_and_join_across_midnight() {
        let friday_evening = WeeklySlot::new(4, 18 * 60, 24 * 60).unwrap();
        let saturday_small_hours = WeeklySlot::new(5, 0, 2 * 60).unwrap();
        let slots = [friday_evening, saturday_small_hours];
        assert!(covers(&slots, window(at(4, 19, 0), at(4, 23, 0))));
        assert!(
            covers(&slots, window(at(4, 19, 0), at(5, 1, 0))),
            "past midnight"
        );
        assert!(
            covers(&slots, window(at(11, 19, 0), at(11, 23, 0))),
            "next week too"
        );
        assert!(
            !covers(&slots, window(at(4, 17, 30), at(4, 19, 0))),
            "starts too early"
        );
        assert!(
            !covers(&slots, window(at(4, 19, 0), at(5, 3, 0))),
            "ends too late"
        );
        assert!(!covers(
            &[friday_evening],
            window(at(4, 19, 0), at(5, 1, 0))
        ));
        assert!(!covers(&[], window(at(4, 19, 0), at(4, 20, 0))));
    }

    #[test]
    fn a_day_off_takes_the_whole_day_out_of_the_week() {
        let friday_evening = [WeeklySlot::new(4, 18 * 60, 24 * 60).unwrap()];
        let evening = window(at(4, 19, 0), at(4, 22, 0));
        assert!(available(&friday_evening, &[], evening));
        assert!(!available(
            &friday_evening,
            &[day_of(at(4, 12, 0))],
            evening
        ));
        assert!(
            available(&friday_evening, &[day_of(at(3, 12, 0))], evening),
            "the day before"
        );
        let next_week = window(at(11, 19, 0), at(11, 22, 0));
        assert!(available(
            &friday_evening,
            &[day_of(at(4, 0, 0))],
            next_week
        ));
    }

    #[test]
    fn windows_and_slots_refuse_nonsense() {
        assert_eq!(
            Window::new(at(0, 10, 0), at(0, 10, 0)),
            Err(Refusal::WindowEmpty)
        );
        assert_eq!(
            Window::new(at(0, 10, 0), at(15, 10, 0)),
            Err(Refusal::WindowTooLong)
        );
        assert!(window(at(0, 10, 0), at(0, 11, 0)).overlaps(window(at(0, 10, 30), at(0, 12, 0))));
        assert!(!window(at(0, 10, 0), at(0, 11, 0)).overlaps(window(at(0, 11, 0), at(0, 12, 0))));
        assert_eq!(WeeklySlot::new(7, 0, 60), Err("weekday-range"));
        assert_eq!(WeeklySlot::new(0, 60, 60), Err("slot-range"));
        assert_eq!(WeeklySlot::parse_time("18:30"), Ok(1110));
        assert_eq!(WeeklySlot::parse_time("24:00"), Ok(1440));
        for bad in ["24:30", "7", "ab:cd", "12:60", "25:00"] {
            assert_eq!(WeeklySlot::parse_time(bad), Err("time-format"), "{bad}");
        }
    }
}
