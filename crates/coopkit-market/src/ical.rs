//! Bookings as an iCalendar feed (RFC 5545), for a member's calendar app.
//! Times are the co-op's wall-clock times, written as "floating" local
//! times (no zone), which calendars show as given.

use coopkit_domain::Timestamp;

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

/// The feed: a calendar named `name` holding `events`, stamped `now`.
pub fn feed(name: &str, events: &[Event], now: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |text: String| fold(&text, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//coopkit//bookings//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    for event in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&event.uid)));
        line(format!("DTSTAMP:{}Z", stamp(now)));
        line(format!("DTSTART:{}", stamp(event.start)));
        line(format!("DTEND:{}", stamp(event.end)));
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

/// `YYYYMMDDTHHMMSS`.
fn stamp(at: Timestamp) -> String {
    at.wall_clock_field()
        .replace(['-', ':'], "")
        .chars()
        .chain("00".chars())
        .collect()
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

    #[test]
    fn a_feed_is_valid_icalendar_with_escaped_folded_lines() {
        let friday = Timestamp::parse_wall_clock("2026-11-27T19:00").unwrap();
        let event = Event {
            uid: "booking-7@coopkit".into(),
            start: friday,
            end: friday.plus_millis(3 * 3_600_000),
            summary: "Sitting for Ana; two kids, asleep by 8".into(),
            description: "Notes:\nbedtime story ".repeat(6),
            cancelled: false,
        };
        let text = feed("My bookings", &[event], friday);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.contains("DTSTART:20261127T190000\r\n"));
        assert!(text.contains("DTEND:20261127T220000\r\n"));
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
