//! Bookings as an iCalendar feed (RFC 5545), for a member's calendar app.
//! Times are the co-op's: each is written as its wall-clock time with the
//! co-op's zone (`DTSTART;TZID=Europe/Madrid:20261024T220000`), and the
//! feed describes that zone in a `VTIMEZONE` (every change of offset over
//! the feed's span, from the tz database), so a calendar elsewhere shows
//! the right moment and a sitting across the night the clocks change
//! lasts its real length. A co-op on UTC gets plain UTC times.

use coopkit_domain::{Timestamp, Zone};

/// One booking as a calendar event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Stable across feeds, so calendars update rather than duplicate.
    pub uid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
    pub description: String,
    pub cancelled: bool,
}

/// How far before the first event the zone's description starts: the
/// offset then is where a calendar begins counting.
const ZONE_LEAD_MS: i64 = 366 * 24 * 3_600_000;

/// The feed: a calendar named `name` holding `events` in `zone`, stamped
/// `now`.
pub fn feed(name: &str, zone: &Zone, events: &[Event], now: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |text: String| fold(&text, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//coopkit//bookings//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    let utc = *zone == Zone::utc();
    let first = events.iter().map(|e| e.start).min();
    let last = events.iter().map(|e| e.end).max();
    if let (false, Some(first), Some(last)) = (utc, first, last) {
        for text in time_zone(zone, first.plus_millis(-ZONE_LEAD_MS), last) {
            line(text);
        }
    }
    let time = |property: &str, at: Timestamp| {
        if utc {
            format!("{property}:{}Z", stamp(&Zone::utc(), at))
        } else {
            format!("{property};TZID={}:{}", zone.name(), stamp(zone, at))
        }
    };
    for event in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&event.uid)));
        line(format!("DTSTAMP:{}Z", stamp(&Zone::utc(), now)));
        line(time("DTSTART", event.start));
        line(time("DTEND", event.end));
        line(format!("SUMMARY:{}", escape(&event.summary)));
        if !event.description.is_empty() {
            line(format!("DESCRIPTION:{}", escape(&event.description)));
        }
        let status = if event.cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        };
        line(format!("STATUS:{status}"));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// The `VTIMEZONE` of `zone` from `from` to `until`: the observance in
/// effect at `from`, then one per change of offset.
fn time_zone(zone: &Zone, from: Timestamp, until: Timestamp) -> Vec<String> {
    let mut lines = vec![
        "BEGIN:VTIMEZONE".to_owned(),
        format!("TZID:{}", zone.name()),
    ];
    let mut observance = |daylight: bool, onset: String, before: i32, after: i32, name: String| {
        let kind = if daylight { "DAYLIGHT" } else { "STANDARD" };
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{onset}"));
        lines.push(format!("TZOFFSETFROM:{}", offset(before)));
        lines.push(format!("TZOFFSETTO:{}", offset(after)));
        if !name.is_empty() {
            lines.push(format!("TZNAME:{}", escape(&name)));
        }
        lines.push(format!("END:{kind}"));
    };
    let changes = zone.transitions(from, until);
    let at_start = zone.offset_seconds(from);
    // What held at the start; a zone that never changes has only this.
    observance(
        zone.is_daylight(from),
        stamp(zone, from),
        at_start,
        at_start,
        zone.abbreviation(from),
    );
    for change in changes {
        // An onset is written in the offset that held before it.
        let onset = change
            .at
            .plus_millis(i64::from(change.offset_before) * 1_000);
        observance(
            change.daylight,
            stamp(&Zone::utc(), onset),
            change.offset_before,
            change.offset_after,
            change.abbreviation,
        );
    }
    lines.push("END:VTIMEZONE".to_owned());
    lines
}

/// `YYYYMMDDTHHMMSS`, the wall-clock time in `zone`.
fn stamp(zone: &Zone, at: Timestamp) -> String {
    zone.civil(at).map_or_else(String::new, |c| {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}00",
            c.year, c.month, c.day, c.hour, c.minute
        )
    })
}

/// An offset as RFC 5545 writes it: `+0100`, `-0330`, `+052045`.
fn offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let total = seconds.unsigned_abs();
    let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60);
    if rest == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{rest:02}")
    }
}

/// Escapes text values: backslash, semicolon, comma and newlines.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Ends the line with CRLF, folding it so that no line passes 75 octets
/// (continuations start with a space), never inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sitting(zone: &Zone, start: &str, hours: i64) -> Event {
        let start = zone.read_wall_clock(start).unwrap();
        Event {
            uid: "booking-7@coopkit".into(),
            start,
            end: start.plus_millis(hours * 3_600_000),
            summary: "Sitting for Ana; two kids, asleep by 8".into(),
            description: "Notes:\nbedtime story ".repeat(6),
            cancelled: false,
        }
    }

    #[test]
    fn a_feed_is_valid_icalendar_with_escaped_folded_lines() {
        let utc = Zone::utc();
        let event = sitting(&utc, "2026-11-27T19:00", 3);
        let text = feed(
            "My bookings",
            &utc,
            std::slice::from_ref(&event),
            event.start,
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.contains("DTSTART:20261127T190000Z\r\n"));
        assert!(text.contains("DTEND:20261127T220000Z\r\n"));
        assert!(!text.contains("VTIMEZONE"));
        assert!(text.contains("SUMMARY:Sitting for Ana\\; two kids\\, asleep by 8\r\n"));
        assert!(text.contains("STATUS:CONFIRMED"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        // Unfolding gives back the description, escaped.
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!(
            "DESCRIPTION:{}",
            "Notes:\\nbedtime story ".repeat(6)
        )));
    }

    #[test]
    fn times_carry_the_coops_zone_described_across_the_change_of_clocks() {
        let madrid = Zone::named("Europe/Madrid").unwrap();
        // From Saturday 22:00 to Sunday 10:00 on the night the clocks go
        // back: thirteen hours, not twelve.
        let event = sitting(&madrid, "2026-10-24T22:00", 13);
        let text = feed(
            "Sittings",
            &madrid,
            std::slice::from_ref(&event),
            event.start,
        );
        assert!(
            text.contains("DTSTART;TZID=Europe/Madrid:20261024T220000\r\n"),
            "{text}"
        );
        assert!(
            text.contains("DTEND;TZID=Europe/Madrid:20261025T100000\r\n"),
            "{text}"
        );
        assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\n"));
        // The change itself: at 03:00 summer time, from +0200 to +0100.
        assert!(
            text.contains(
                "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\n\
                 TZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\n"),
            "{text}"
        );
        assert!(text.find("END:VTIMEZONE") < text.find("BEGIN:VEVENT"));
    }

    #[test]
    fn offsets_are_written_as_the_standard_says() {
        assert_eq!(offset(3600), "+0100");
        assert_eq!(offset(-12_600), "-0330");
        assert_eq!(offset(0), "+0000");
        assert_eq!(offset(19_245), "+052045");
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "é".repeat(80)), &mut out);
        for line in out.split("\r\n") {
            assert!(line.len() <= 75);
        }
        assert_eq!(
            out.replace("\r\n ", "").trim_end(),
            format!("SUMMARY:{}", "é".repeat(80))
        );
    }
}
