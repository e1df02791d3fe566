//! When a provider works: a booking's time window and the weekly slots it
//! must fall within.

use coopkit_domain::{Timestamp, Zone};
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

/// The weekday in `zone` of `at`, 0 for Monday.
pub fn weekday(zone: &Zone, at: Timestamp) -> u8 {
    zone.week_position(at).0
}

/// Whether the slots, repeated every week in the co-op's `zone`, cover the
/// whole window. Slots that touch join up: Friday 18:00–24:00 and Saturday
/// 00:00–02:00 cover a sitting from 19:00 to 01:00. Slots are times on the
/// wall, so on the night the clocks change a slot lasts an hour more or
/// less.
pub fn covers(slots: &[WeeklySlot], zone: &Zone, window: Window) -> bool {
    let mut at = window.start;
    while at < window.end {
        let (day, minute) = zone.week_position(at);
        let Some(slot) = slots.iter().find(|s| s.contains(day, minute)) else {
            return false;
        };
        // Jump to the end of this slot: at least a minute on.
        let end = zone.on_same_day(at, slot.end_minute);
        at = end.max(at.plus_millis(MINUTE_MS));
    }
    true
}

/// Whether the provider works through the whole window: their week
/// covers it and it touches none of their days off (each given as the
/// first instant of the day in `zone`, and lasting until the next).
pub fn available(
    slots: &[WeeklySlot],
    days_off: &[Timestamp],
    zone: &Zone,
    window: Window,
) -> bool {
    covers(slots, zone, window)
        && days_off.iter().all(|day| {
            let away = Window {
                start: *day,
                end: zone.on_same_day(*day, DAY_MINUTES),
            };
            !away.overlaps(window)
        })
}

/// The day away in `zone` that holds `at`, as its first instant.
pub fn day_of(zone: &Zone, at: Timestamp) -> Timestamp {
    zone.on_same_day(at, 0)
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

    fn utc() -> Zone {
        Zone::utc()
    }

    #[test]
    fn weekdays_count_from_monday() {
        assert_eq!(weekday(&utc(), at(0, 12, 0)), 0);
        assert_eq!(weekday(&utc(), at(4, 23, 59)), 4, "Friday");
        assert_eq!(weekday(&utc(), at(6, 0, 0)), 6, "Sunday");
        assert_eq!(
            weekday(&utc(), Timestamp(0)),
            3,
            "1 January 1970 was a Thursday"
        );
        assert_eq!(
            weekday(&utc(), Timestamp(-1)),
            2,
            "and the millisecond before, a Wednesday"
        );
    }

    #[test]
    fn slots_cover_windows_and_join_across_midnight() {
        let friday_evening = WeeklySlot::new(4, 18 * 60, 24 * 60).unwrap();
        let saturday_small_hours = WeeklySlot::new(5, 0, 2 * 60).unwrap();
        let slots = [friday_evening, saturday_small_hours];
        assert!(covers(&slots, &utc(), window(at(4, 19, 0), at(4, 23, 0))));
        assert!(
            covers(&slots, &utc(), window(at(4, 19, 0), at(5, 1, 0))),
            "past midnight"
        );
        assert!(
            covers(&slots, &utc(), window(at(11, 19, 0), at(11, 23, 0))),
            "next week too"
        );
        assert!(
            !covers(&slots, &utc(), window(at(4, 17, 30), at(4, 19, 0))),
            "starts too early"
        );
        assert!(
            !covers(&slots, &utc(), window(at(4, 19, 0), at(5, 3, 0))),
            "ends too late"
        );
        assert!(!covers(
            &[friday_evening],
            &utc(),
            window(at(4, 19, 0), at(5, 1, 0))
        ));
        assert!(!covers(&[], &utc(), window(at(4, 19, 0), at(4, 20, 0))));
    }

    #[test]
    fn a_day_off_takes_the_whole_day_out_of_the_week() {
        let friday_evening = [WeeklySlot::new(4, 18 * 60, 24 * 60).unwrap()];
        let evening = window(at(4, 19, 0), at(4, 22, 0));
        assert!(available(&friday_evening, &[], &utc(), evening));
        assert!(!available(
            &friday_evening,
            &[day_of(&utc(), at(4, 12, 0))],
            &utc(),
            evening
        ));
        assert!(
            available(
                &friday_evening,
                &[day_of(&utc(), at(3, 12, 0))],
                &utc(),
                evening
            ),
            "the day before"
        );
        let next_week = window(at(11, 19, 0), at(11, 22, 0));
        assert!(available(
            &friday_evening,
            &[day_of(&utc(), at(4, 0, 0))],
            &utc(),
            next_week
        ));
    }

    #[test]
    fn slots_are_wall_clock_times_in_the_coops_zone() {
        let new_york = Zone::named("America/New_York").unwrap();
        let friday_evening = [WeeklySlot::new(4, 18 * 60, 24 * 60).unwrap()];
        let read = |text: &str| new_york.read_wall_clock(text).unwrap();
        // Friday 27 November 2026, 19:00 to 23:00 in Washington: Saturday
        // 00:00 to 04:00 UTC.
        let sitting = window(read("2026-11-27T19:00"), read("2026-11-27T23:00"));
        assert!(covers(&friday_evening, &new_york, sitting));
        assert!(
            !covers(&friday_evening, &utc(), sitting),
            "UTC would read it as Saturday"
        );
        assert_eq!(weekday(&new_york, sitting.start), 4);
        // A day off is the whole local day, and only it.
        let friday = new_york.read_date("2026-11-27").unwrap();
        assert!(!available(&friday_evening, &[friday], &new_york, sitting));
        let thursday = new_york.read_date("2026-11-26").unwrap();
        assert!(available(&friday_evening, &[thursday], &new_york, sitting));
        assert_eq!(day_of(&new_york, sitting.end), friday);
    }

    #[test]
    fn a_night_the_clocks_go_back_is_covered_by_its_wall_clock_slots() {
        let madrid = Zone::named("Europe/Madrid").unwrap();
        let read = |text: &str| madrid.read_wall_clock(text).unwrap();
        let night = [
            WeeklySlot::new(5, 20 * 60, 24 * 60).unwrap(),
            WeeklySlot::new(6, 0, 4 * 60).unwrap(),
        ];
        // Saturday 22:00 to Sunday 04:00: seven hours that night.
        let sitting = window(read("2026-10-24T22:00"), read("2026-10-25T04:00"));
        assert_eq!(sitting.minutes(), 7 * 60);
        assert!(covers(&night, &madrid, sitting));
        let too_late = window(read("2026-10-24T22:00"), read("2026-10-25T04:30"));
        assert!(!covers(&night, &madrid, too_late));
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
