//! Time zones: each co-op keeps its clocks in one (an IANA name such as
//! `America/New_York`), and each person may read times in their own.
//!
//! Instants are stored as [`Timestamp`]s; a zone turns the wall-clock time
//! a form sends into an instant and back. The rules come from the tz
//! database compiled into jiff (no file is read, and no offset is written
//! here by hand), so a sitting across the night the clocks change lasts its
//! real length.

use std::fmt;

use jiff::civil;
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::{CivilTime, Timestamp};

/// An IANA time zone, by its canonical name.
#[derive(Clone)]
pub struct Zone {
    tz: TimeZone,
}

impl Zone {
    /// Coordinated Universal Time: the zone of a co-op that has not chosen
    /// one, and of pages that belong to no co-op.
    pub fn utc() -> Zone {
        Zone { tz: TimeZone::UTC }
    }

    /// The zone of this IANA name, as the tz database spells it (matched
    /// without regard to case). The error is a validation code.
    pub fn named(name: &str) -> Result<Zone, &'static str> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err("time-zone-unknown");
        }
        jiff::tz::db()
            .get(name)
            .map(|tz| Zone { tz })
            .map_err(|_| "time-zone-unknown")
    }

    /// Every zone's name the tz database knows, sorted: for a form's list.
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
        names.sort_unstable();
        names
    }

    /// The IANA name (`Europe/Madrid`, `UTC`).
    pub fn name(&self) -> &str {
        self.tz.iana_name().unwrap_or("UTC")
    }

    /// Reads a wall-clock time as a form's `datetime-local` field sends it,
    /// `YYYY-MM-DDTHH:MM` (seconds, if sent, are kept), in this zone. A
    /// time the clocks skip ("datetime-skipped") or pass twice
    /// ("datetime-repeated") is refused rather than guessed at: the
    /// page says why and the person chooses.
    pub fn read_wall_clock(&self, text: &str) -> Result<Timestamp, &'static str> {
        let text = text.trim();
        let at: civil::DateTime = text.parse().map_err(|_| "datetime-format")?;
        // A date alone parses as midnight; a form's time field sends both.
        if !text.contains('T') {
            return Err("datetime-format");
        }
        let ambiguous = self.tz.to_ambiguous_timestamp(at);
        match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } => {}
            AmbiguousOffset::Gap { .. } => return Err("datetime-skipped"),
            AmbiguousOffset::Fold { .. } => return Err("datetime-repeated"),
        }
        let instant = ambiguous.unambiguous().map_err(|_| "datetime-format")?;
        Ok(Timestamp::from_millis(instant.as_millisecond()))
    }

    /// Reads a calendar day, `YYYY-MM-DD`, as the first instant of that day
    /// in this zone (midnight, or the first time after it on a day whose
    /// midnight the clocks skip).
    pub fn read_date(&self, text: &str) -> Result<Timestamp, &'static str> {
        let day: civil::Date = text.trim().parse().map_err(|_| "date-format")?;
        let start = day
            .to_zoned_datetime(self.tz.clone())
            .and_then(|zoned| zoned.start_of_day())
            .map_err(|_| "date-format")?;
        Ok(Timestamp::from_millis(start.timestamp().as_millisecond()))
    }

    /// The calendar day and clock time here; `None` past the calendar's
    /// range (beyond the years -9999 to 9999).
    pub fn civil(&self, at: Timestamp) -> Option<CivilTime> {
        let local = self.tz.to_datetime(instant(at)?);
        Some(CivilTime {
            year: i32::from(local.year()),
            month: u8::try_from(local.month()).ok()?,
            day: u8::try_from(local.day()).ok()?,
            hour: u8::try_from(local.hour()).ok()?,
            minute: u8::try_from(local.minute()).ok()?,
        })
    }

    /// Where the instant falls in this zone's week: the weekday (0 for
    /// Monday) and the minutes since the local midnight.
    pub fn week_position(&self, at: Timestamp) -> (u8, u16) {
        let Some(at) = instant(at) else {
            return (0, 0);
        };
        let local = self.tz.to_datetime(at);
        let weekday = local.weekday().to_monday_zero_offset();
        let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
        (
            u8::try_from(weekday).unwrap_or(0),
            u16::try_from(minute).unwrap_or(0),
        )
    }

    /// The instant `minute` minutes after midnight (1440: the next
    /// midnight) on the local day that holds `at`, counted on the clock
    /// on the wall: on the night the clocks go back, 04:00 comes five hours
    /// after midnight. A time the clocks skip is taken as the moment after
    /// the gap.
    pub fn on_same_day(&self, at: Timestamp, minute: u16) -> Timestamp {
        let Some(instant) = instant(at) else {
            return at;
        };
        let day = self.tz.to_datetime(instant).date();
        let local = day
            .to_datetime(civil::Time::midnight())
            .checked_add(jiff::Span::new().minutes(i64::from(minute)));
        local
            .and_then(|local| self.tz.to_ambiguous_timestamp(local).compatible())
            .map_or(at, |found| Timestamp::from_millis(found.as_millisecond()))
    }

    /// The zone's abbreviation at that instant (`EST`, `CEST`), or its
    /// offset (`-03`) where the database has no letters for it.
    pub fn abbreviation(&self, at: Timestamp) -> String {
        match instant(at) {
            Some(at) => self.tz.to_offset_info(at).abbreviation().to_owned(),
            None => String::new(),
        }
    }

    /// Whether summer (daylight saving) time holds at that instant.
    pub fn is_daylight(&self, at: Timestamp) -> bool {
        instant(at).is_some_and(|at| self.tz.to_offset_info(at).dst().is_dst())
    }

    /// The offset from UTC at that instant, in seconds east.
    pub fn offset_seconds(&self, at: Timestamp) -> i32 {
        instant(at).map_or(0, |at| self.tz.to_offset(at).seconds())
    }

    /// The wall-clock time as `YYYY-MM-DD HH:MM`.
    pub fn wall_clock(&self, at: Timestamp) -> String {
        self.civil(at).map_or_else(String::new, |c| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                c.year, c.month, c.day, c.hour, c.minute
            )
        })
    }

    /// As a `datetime-local` field's value, `YYYY-MM-DDTHH:MM`: what
    /// [`Zone::read_wall_clock`] reads back.
    pub fn wall_clock_field(&self, at: Timestamp) -> String {
        self.wall_clock(at).replacen(' ', "T", 1)
    }

    /// The instant as RFC 3339 with this zone's offset at that moment
    /// (`2026-11-27T19:00:00-05:00`; UTC ends in `Z`), to the millisecond
    /// where it has one.
    pub fn rfc3339(&self, at: Timestamp) -> String {
        let Some(instant) = instant(at) else {
            return String::new();
        };
        if *self == Zone::utc() {
            return instant.to_string();
        }
        let offset = self.tz.to_offset(instant);
        instant.display_with_offset(offset).to_string()
    }

    /// The calendar day here, as `YYYY-MM-DD`.
    pub fn date(&self, at: Timestamp) -> String {
        self.civil(at).map_or_else(String::new, |c| {
            format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
        })
    }

    /// The instants at which the offset changes, from `from` (exclusive)
    /// up to `until`: for a calendar file's description of the zone.
    pub fn transitions(&self, from: Timestamp, until: Timestamp) -> Vec<Transition> {
        let Some(start) = instant(from) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut before = self.tz.to_offset(start);
        for transition in self.tz.following(start) {
            let at = Timestamp::from_millis(transition.timestamp().as_millisecond());
            if at > until {
                break;
            }
            found.push(Transition {
                at,
                offset_before: before.seconds(),
                offset_after: transition.offset().seconds(),
                abbreviation: transition.abbreviation().to_owned(),
                daylight: transition.dst().is_dst(),
            });
            before = transition.offset();
        }
        found
    }
}

/// A change of a zone's offset: the clocks going forward or back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub at: Timestamp,
    pub offset_before: i32,
    pub offset_after: i32,
    pub abbreviation: String,
    /// Whether the offset after it is summer (daylight saving) time.
    pub daylight: bool,
}

fn instant(at: Timestamp) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_millisecond(at.as_millis()).ok()
}

impl Default for Zone {
    fn default() -> Self {
        Zone::utc()
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Zone").field(&self.name()).finish()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Zone::named(&name).map_err(|_| {
            serde::de::Error::custom(format!("{name:?} is not a time zone the tz database knows"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> Zone {
        Zone::named(name).unwrap()
    }

    #[test]
    fn names_are_read_as_the_database_spells_them() {
        assert_eq!(zone("america/new_york").name(), "America/New_York");
        assert_eq!(Zone::utc().name(), "UTC");
        for bad in ["", "Mars/Olympus_Mons", "+05:00", "../../etc/passwd"] {
            assert_eq!(
                Zone::named(bad).unwrap_err(),
                "time-zone-unknown",
                "{bad:?}"
            );
        }
        let names = Zone::names();
        assert!(names.len() > 300, "{}", names.len());
        assert!(names.iter().any(|n| n == "Europe/Madrid"));
    }

    #[test]
    fn a_wall_clock_time_is_read_in_the_zone() {
        let new_york = zone("America/New_York");
        let at = new_york.read_wall_clock("2026-11-27T19:00").unwrap();
        let utc = Zone::utc().read_wall_clock("2026-11-28T00:00").unwrap();
        assert_eq!(at, utc, "19:00 in New York in November is midnight UTC");
        assert_eq!(new_york.wall_clock(at), "2026-11-27 19:00");
        assert_eq!(new_york.wall_clock_field(at), "2026-11-27T19:00");
        assert_eq!(new_york.abbreviation(at), "EST");
        assert_eq!(new_york.offset_seconds(at), -5 * 3600);
        assert_eq!(Zone::utc().wall_clock(at), "2026-11-28 00:00");
        for bad in [
            "",
            "2026-11-27",
            "27/11/2026 19:00",
            "2026-13-01T10:00",
            "2026-11-27T25:00",
        ] {
            assert_eq!(
                new_york.read_wall_clock(bad),
                Err("datetime-format"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn times_the_clocks_skip_or_pass_twice_are_refused() {
        let madrid = zone("Europe/Madrid");
        // 2026-03-29: 02:00 becomes 03:00. 2026-10-25: 03:00 becomes 02:00.
        assert_eq!(
            madrid.read_wall_clock("2026-03-29T02:30"),
            Err("datetime-skipped")
        );
        assert_eq!(
            madrid.read_wall_clock("2026-10-25T02:30"),
            Err("datetime-repeated")
        );
        let before = madrid.read_wall_clock("2026-10-25T01:00").unwrap();
        let after = madrid.read_wall_clock("2026-10-25T04:00").unwrap();
        assert_eq!(
            after.as_millis() - before.as_millis(),
            4 * 3_600_000,
            "from 01:00 to 04:00 on the night the clocks go back is four hours"
        );
        assert_eq!(madrid.abbreviation(before), "CEST");
        assert!(madrid.is_daylight(before) && !madrid.is_daylight(after));
        assert_eq!(madrid.abbreviation(after), "CET");
    }

    #[test]
    fn a_local_day_is_counted_on_the_clock_on_the_wall() {
        let madrid = zone("Europe/Madrid");
        let night = madrid.read_wall_clock("2026-10-25T01:30").unwrap();
        assert_eq!(madrid.week_position(night), (6, 90), "Sunday, 01:30");
        let midnight = madrid.on_same_day(night, 0);
        let four = madrid.on_same_day(night, 4 * 60);
        assert_eq!(four.as_millis() - midnight.as_millis(), 5 * 3_600_000);
        let next = madrid.on_same_day(night, 24 * 60);
        assert_eq!(madrid.wall_clock(next), "2026-10-26 00:00");
        assert_eq!(next.as_millis() - midnight.as_millis(), 25 * 3_600_000);
        // In spring, 02:30 does not happen: the moment after the gap.
        let spring = madrid.read_wall_clock("2026-03-29T01:00").unwrap();
        assert_eq!(
            madrid.wall_clock(madrid.on_same_day(spring, 150)),
            "2026-03-29 03:30"
        );
    }

    #[test]
    fn a_day_starts_at_the_zones_midnight() {
        let madrid = zone("Europe/Madrid");
        let day = madrid.read_date("2026-07-01").unwrap();
        assert_eq!(madrid.wall_clock(day), "2026-07-01 00:00");
        assert_eq!(Zone::utc().wall_clock(day), "2026-06-30 22:00");
        assert_eq!(madrid.date(day), "2026-07-01");
        assert_eq!(madrid.read_date("2026-02-30"), Err("date-format"));
        // Havana skips midnight itself when summer time starts.
        let havana = zone("America/Havana");
        let skipped = havana.read_date("2026-03-08").unwrap();
        assert_eq!(havana.wall_clock(skipped), "2026-03-08 01:00");
    }

    #[test]
    fn transitions_are_listed_between_two_instants() {
        let madrid = zone("Europe/Madrid");
        let from = madrid.read_date("2026-01-01").unwrap();
        let until = madrid.read_date("2027-01-01").unwrap();
        let changes = madrid.transitions(from, until);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(Zone::utc().wall_clock(changes[0].at), "2026-03-29 01:00");
        assert_eq!(
            (changes[0].offset_before, changes[0].offset_after),
            (3600, 7200)
        );
        assert!(changes[0].daylight && !changes[1].daylight);
        assert_eq!(changes[1].abbreviation, "CET");
        assert!(Zone::utc().transitions(from, until).is_empty());
    }

    #[test]
    fn instants_are_written_as_rfc_3339_with_the_zones_offset() {
        let new_york = zone("America/New_York");
        let at = new_york.read_wall_clock("2026-11-27T19:00").unwrap();
        assert_eq!(new_york.rfc3339(at), "2026-11-27T19:00:00-05:00");
        assert_eq!(Zone::utc().rfc3339(at), "2026-11-28T00:00:00Z");
        assert_eq!(
            Zone::utc().rfc3339(at.plus_millis(5)),
            "2026-11-28T00:00:00.005Z"
        );
    }

    #[test]
    fn zones_travel_as_their_names() {
        let json = serde_json::to_string(&zone("Europe/Madrid")).unwrap();
        assert_eq!(json, "\"Europe/Madrid\"");
        let back: Zone = serde_json::from_str(&json).unwrap();
        assert_eq!(back, zone("Europe/Madrid"));
        let error = serde_json::from_str::<Zone>("\"Nowhere/Else\"").unwrap_err();
        assert!(error.to_string().contains("Nowhere/Else"), "{error}");
    }
}
