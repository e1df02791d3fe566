//! Weekly availability on the pages: a provider picks a day and the hours
//! in rows (a day, from, until), and readers read the days in their
//! language. The use case keeps [`WeeklySlot`]s; these are its two faces.

use coopkit_app::AppError;
use coopkit_market::WeeklySlot;

use crate::forms::Fields;

/// The days as the form's values, Monday first (`WeeklySlot::weekday` 0),
/// and with `weekday-` in front, the keys of their names.
pub(crate) const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Blank rows offered below the saved ones, to add more.
const BLANK_ROWS: usize = 2;

/// One row of the picker, as the form shows it or as it was sent.
pub(super) struct SlotRow {
    /// A value of [`WEEKDAYS`], or empty for a row left blank.
    pub day: String,
    /// `HH:MM`, as a time field writes it.
    pub from: String,
    pub until: String,
}

/// The days for the picker's lists: (value, name in the reader's language).
pub(super) fn weekdays(tr: &crate::Tr) -> Vec<(&'static str, String)> {
    WEEKDAYS
        .iter()
        .map(|day| (*day, tr.t(&format!("weekday-{day}"))))
        .collect()
}

fn clock(minute: u16) -> String {
    // A time field has no 24:00: a slot to the end of the day ends at 00:00.
    let minute = minute % (24 * 60);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The picker's rows for saved slots, and blank rows to add more.
pub(super) fn rows_of(slots: &[WeeklySlot]) -> Vec<SlotRow> {
    let saved = slots.iter().map(|s| SlotRow {
        day: WEEKDAYS[usize::from(s.weekday)].to_owned(),
        from: clock(s.start_minute),
        until: clock(s.end_minute),
    });
    let blank = std::iter::repeat_with(|| SlotRow {
        day: String::new(),
        from: String::new(),
        until: String::new(),
    });
    saved.chain(blank.take(BLANK_ROWS)).collect()
}

fn field(row: usize, part: &str) -> String {
    format!("slot_{row}_{part}")
}

/// The rows as sent, to read them or to show a refused form again as it
/// was filled in (with blank rows still below).
pub(super) fn rows_sent(fields: &Fields) -> Vec<SlotRow> {
    let sent = (0..)
        .map(|row| SlotRow {
            day: fields.get(&field(row, "day")).to_owned(),
            from: fields.get(&field(row, "from")).to_owned(),
            until: fields.get(&field(row, "until")).to_owned(),
        })
        .take_while(|row| !(row.day.is_empty() && row.from.is_empty() && row.until.is_empty()));
    let mut rows: Vec<SlotRow> = sent.collect();
    rows.extend(rows_of(&[]));
    rows
}

/// The slots the rows describe; a row with no day is skipped. A row that
/// ends at or before it starts runs past midnight ("Friday 18:00 until
/// 02:00" is Friday evening and the small hours of Saturday); one that
/// ends at 00:00 ends at the end of its day, and 00:00 to 00:00 is the
/// whole day. A problem names its row.
pub(super) fn slots_of(rows: &[SlotRow]) -> Result<Vec<WeeklySlot>, AppError> {
    let mut slots = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.day.is_empty() {
            continue;
        }
        let weekday = WEEKDAYS
            .iter()
            .position(|d| *d == row.day)
            .and_then(|d| u8::try_from(d).ok())
            .ok_or_else(|| AppError::invalid(&field(i, "day"), "slot-format"))?;
        let time = |part: &str, text: &str| {
            WeeklySlot::parse_time(text).map_err(|code| AppError::invalid(&field(i, part), code))
        };
        let (from, until) = (time("from", &row.from)?, time("until", &row.until)?);
        let refused = |code| AppError::invalid(&field(i, "until"), code);
        if until > from {
            slots.push(WeeklySlot::new(weekday, from, until).map_err(refused)?);
        } else if until == from && from != 0 {
            // No time at all, or all day from a time: said some other way.
            return Err(refused("slot-range"));
        } else {
            slots.push(WeeklySlot::new(weekday, from, 24 * 60).map_err(refused)?);
            if until > 0 {
                let next = (weekday + 1) % 7;
                slots.push(WeeklySlot::new(next, 0, until).map_err(refused)?);
            }
        }
    }
    Ok(slots)
}

/// Weekly slots as a reader reads them, in their language: "Friday
/// 18:00–24:00", one a line.
pub(super) fn slot_text(slots: &[WeeklySlot], tr: &crate::Tr) -> String {
    let time = |minute: u16| format!("{:02}:{:02}", minute / 60, minute % 60);
    slots
        .iter()
        .map(|s| {
            format!(
                "{} {}–{}",
                tr.t(&format!("weekday-{}", WEEKDAYS[usize::from(s.weekday)])),
                time(s.start_minute),
                time(s.end_minute)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: &str, from: &str, until: &str) -> SlotRow {
        SlotRow {
            day: day.into(),
            from: from.into(),
            until: until.into(),
        }
    }

    #[test]
    fn rows_read_as_slots_past_midnight_too() {
        let slot = |d, s, e| WeeklySlot::new(d, s, e).unwrap();
        let read = slots_of(&[
            row("fri", "18:00", "00:00"),
            row("", "", ""),
            row("sun", "22:00", "02:30"),
            row("tue", "09:00", "12:00"),
        ])
        .unwrap();
        assert_eq!(
            read,
            [
                slot(4, 18 * 60, 1440),
                slot(6, 22 * 60, 1440),
                slot(0, 0, 150),
                slot(1, 9 * 60, 12 * 60)
            ]
        );
        // And back: each saved slot is a row, then two blank ones.
        let rows = rows_of(&read);
        assert_eq!(rows.len(), read.len() + BLANK_ROWS);
        assert_eq!(
            (rows[0].from.as_str(), rows[0].until.as_str()),
            ("18:00", "00:00")
        );
        assert_eq!(slots_of(&rows).unwrap(), read);
    }

    #[test]
    fn a_bad_row_is_named() {
        let problem = |rows: &[SlotRow]| match slots_of(rows) {
            Err(AppError::Invalid(invalid)) => (invalid.0[0].field.clone(), invalid.0[0].code),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            problem(&[row("mon", "09:00", "10:00"), row("fri", "25:00", "26:00")]),
            ("slot_1_from".to_owned(), "time-format")
        );
        assert_eq!(
            problem(&[row("someday", "09:00", "10:00")]),
            ("slot_0_day".to_owned(), "slot-format")
        );
        assert_eq!(
            problem(&[row("mon", "09:00", "09:00")]).0,
            "slot_0_until",
            "a slot of no time"
        );
    }
}
