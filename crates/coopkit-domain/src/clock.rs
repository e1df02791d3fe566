//! Time is a parameter: code asks a [`Clock`], so tests can set the time.
//!
//! This is the only module allowed to read the system clock (see
//! `clippy.toml`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, UTC. An integer, like every amount in
/// coopkit, so it stores and compares the same on every backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// This instant moved by `ms` milliseconds (negative moves back),
    /// saturating rather than wrapping at the ends of time.
    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// The calendar day and clock time in UTC, for formatting in a
    /// reader's language; `None` past the calendar's range.
    pub fn civil_utc(self) -> Option<CivilTime> {
        let nanos = i128::from(self.0) * 1_000_000;
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
        Some(CivilTime {
            year: at.year(),
            month: u8::from(at.month()),
            day: at.day(),
            hour: at.hour(),
            minute: at.minute(),
        })
    }

    /// The calendar date in UTC, as `YYYY-MM-DD`.
    pub fn date_utc(self) -> String {
        self.formatted(time::macros::format_description!("[year]-[month]-[day]"))
    }
}

/// A calendar day and a time of day to the minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
}

impl Timestamp {
    /// Reads a wall-clock time as a form's `datetime-local` field sends
    /// it, `YYYY-MM-DDTHH:MM`, taken as UTC: coopkit keeps a co-op's
    /// bookings in the co-op's own wall-clock time.
    pub fn parse_wall_clock(text: &str) -> Result<Timestamp, &'static str> {
        let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
        let at =
            time::PrimitiveDateTime::parse(text.trim(), format).map_err(|_| "datetime-format")?;
        let nanos = at.assume_utc().unix_timestamp_nanos();
        i64::try_from(nanos / 1_000_000)
            .map(Timestamp)
            .map_err(|_| "datetime-format")
    }

    /// Reads a calendar day, `YYYY-MM-DD`, as its first millisecond.
    pub fn parse_date(text: &str) -> Result<Timestamp, &'static str> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let day = time::Date::parse(text.trim(), format).map_err(|_| "date-format")?;
        let nanos = day.midnight().assume_utc().unix_timestamp_nanos();
        i64::try_from(nanos / 1_000_000)
            .map(Timestamp)
            .map_err(|_| "date-format")
    }

    /// The wall-clock time as `YYYY-MM-DD HH:MM`.
    pub fn wall_clock(self) -> String {
        self.formatted(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]"
        ))
    }

    /// As a `datetime-local` field's value: `YYYY-MM-DDTHH:MM`.
    pub fn wall_clock_field(self) -> String {
        self.formatted(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]"
        ))
    }

    fn formatted(self, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|at| at.format(format).ok())
            .unwrap_or_default()
    }
}

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The wall clock, for the running server.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the wall clock
    fn now(&self) -> Timestamp {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told to, for tests and the simulator.
#[derive(Clone, Debug)]
pub struct ManualClock {
    now_ms: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn at(start: Timestamp) -> Self {
        Self {
            now_ms: Arc::new(AtomicI64::new(start.0)),
        }
    }

    pub fn advance_ms(&self, ms: i64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.now_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::at(Timestamp(1_000));
        assert_eq!(clock.now(), Timestamp(1_000));
        clock.advance_ms(500);
        assert_eq!(clock.now(), Timestamp(1_500));
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        // 2026-11-21T23:59:59.999Z and one millisecond later.
        let before_midnight = Timestamp(1_795_305_599_999);
        assert_eq!(before_midnight.date_utc(), "2026-11-21");
        assert_eq!(before_midnight.plus_millis(1).date_utc(), "2026-11-22");
    }

    #[test]
    fn wall_clock_times_round_trip_through_forms() {
        let friday = Timestamp::parse_wall_clock("2026-11-27T19:00").unwrap();
        assert_eq!(friday.wall_clock(), "2026-11-27 19:00");
        assert_eq!(friday.wall_clock_field(), "2026-11-27T19:00");
        let day = Timestamp::parse_date("2026-11-27").unwrap();
        assert_eq!(day.wall_clock(), "2026-11-27 00:00");
        assert_eq!(
            friday.civil_utc(),
            Some(CivilTime {
                year: 2026,
                month: 11,
                day: 27,
                hour: 19,
                minute: 0
            })
        );
        assert_eq!(Timestamp(i64::MAX).civil_utc(), None);
        assert_eq!(Timestamp::parse_date("2026-02-30"), Err("date-format"));
        for bad in [
            "",
            "2026-11-27",
            "2026-13-01T10:00",
            "2026-11-27T25:00",
            "tomorrow",
        ] {
            assert_eq!(
                Timestamp::parse_wall_clock(bad),
                Err("datetime-format"),
                "{bad}"
            );
        }
    }
}
