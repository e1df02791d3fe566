//! Time is a parameter: code asks a [`Clock`], so tests can set the time.
//!
//! This is the only module allowed to read the system clock (see
//! `clippy.toml`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::zone::Zone;

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

    /// The calendar date in UTC, as `YYYY-MM-DD`: for the data commons,
    /// whose dates belong to no co-op's zone.
    pub fn date_utc(self) -> String {
        Zone::utc().date(self)
    }

    /// Reads an instant written as RFC 3339 with its offset
    /// (`2026-12-04T19:00:00Z`, `2026-12-04T20:00:00+01:00`), as the API
    /// takes them.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, &'static str> {
        let at: jiff::Timestamp = text.trim().parse().map_err(|_| "instant-format")?;
        Ok(Timestamp(at.as_millisecond()))
    }

    /// Reads a calendar day in UTC, `YYYY-MM-DD`, as its first millisecond.
    pub fn parse_date(text: &str) -> Result<Timestamp, &'static str> {
        Zone::utc().read_date(text)
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
}
