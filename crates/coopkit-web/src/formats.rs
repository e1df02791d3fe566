//! Numbers, amounts and dates as a reader of each language writes them
//! (`1,234.50` and `December 2, 2026` in English; `1234,50` and `2 de
//! diciembre de 2026` in Spanish), from ICU4X and the CLDR data compiled
//! into it. Nothing here is written by hand: the separators a form reads
//! back are the ones ICU4X writes, so a form accepts what its page shows.
//!
//! Times are shown in the zone the caller gives: see `Zones` in `i18n`.

use coopkit_domain::{parse_written_amount, CivilTime, Locale, Separators, Timestamp, Zone};
use fixed_decimal::Decimal;
use icu_calendar::Iso;
use icu_datetime::fieldsets::{T, YMD, YMDT};
use icu_datetime::input::{Date, DateTime, Time};
use icu_datetime::DateTimeFormatter;
use icu_decimal::DecimalFormatter;

/// One language's formatters, made once at start-up.
pub(crate) struct Formats {
    decimal: DecimalFormatter,
    date: DateTimeFormatter<YMD>,
    date_time: DateTimeFormatter<YMDT>,
    time: DateTimeFormatter<T>,
    marks: Separators,
}

impl std::fmt::Debug for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Formats")
            .field("marks", &self.marks)
            .finish_non_exhaustive()
    }
}

impl Formats {
    pub(crate) fn load(locale: Locale) -> Result<Self, String> {
        let language: icu_locale_core::Locale =
            locale.code().parse().map_err(|e| format!("{e:?}"))?;
        let decimal = DecimalFormatter::try_new((&language).into(), Default::default())
            .map_err(|e| e.to_string())?;
        let date = DateTimeFormatter::try_new((&language).into(), YMD::long())
            .map_err(|e| e.to_string())?;
        let date_time =
            DateTimeFormatter::try_new((&language).into(), YMD::medium().with_time_hm())
                .map_err(|e| e.to_string())?;
        let time =
            DateTimeFormatter::try_new((&language).into(), T::hm()).map_err(|e| e.to_string())?;
        let marks = marks_of(&decimal)?;
        Ok(Self {
            decimal,
            date,
            date_time,
            time,
            marks,
        })
    }

    /// `minor` units of a currency with `scale` decimal places, with the
    /// language's decimal and group marks: all the places, always.
    pub(crate) fn amount(&self, minor: i128, scale: u32) -> String {
        let places = i16::try_from(scale).unwrap_or(i16::MAX);
        let mut value = Decimal::from(minor);
        value.multiply_pow10(-places);
        // A decimal keeps only its significant digits: 500 pence would be
        // written "5"; money shows every place of its minor unit.
        value.absolute.pad_end(-places);
        self.decimal.format(&value).to_string()
    }

    /// A count, grouped as the language groups it.
    pub(crate) fn number(&self, n: i128) -> String {
        self.decimal.format(&Decimal::from(n)).to_string()
    }

    /// The calendar day in `zone`, written out.
    pub(crate) fn date(&self, at: Timestamp, zone: &Zone) -> String {
        match zone.civil(at).and_then(date_of) {
            Some(date) => self.date.format(&date).to_string(),
            None => zone.date(at),
        }
    }

    /// The day and the time to the minute in `zone`.
    pub(crate) fn date_time(&self, at: Timestamp, zone: &Zone) -> String {
        let civil = zone.civil(at);
        let time = civil.and_then(time_of);
        match (civil.and_then(date_of), time) {
            (Some(date), Some(time)) => self.date_time.format(&DateTime { date, time }).to_string(),
            _ => zone.wall_clock(at),
        }
    }

    /// From one time to another in `zone`, the day written once when both
    /// fall on it ("2 dic 2026, 19:00 – 23:00").
    pub(crate) fn span(&self, start: Timestamp, end: Timestamp, zone: &Zone) -> String {
        let (from, to) = (zone.civil(start), zone.civil(end));
        let same_day = from
            .zip(to)
            .is_some_and(|(a, b)| (a.year, a.month, a.day) == (b.year, b.month, b.day));
        let end_time = to.and_then(time_of);
        match end_time {
            Some(time) if same_day => {
                format!(
                    "{} – {}",
                    self.date_time(start, zone),
                    self.time.format(&time)
                )
            }
            _ => format!(
                "{} – {}",
                self.date_time(start, zone),
                self.date_time(end, zone)
            ),
        }
    }

    /// Reads an amount typed in this language's notation.
    pub(crate) fn parse_amount(&self, text: &str, scale: u32) -> Result<u64, &'static str> {
        parse_written_amount(text, scale, self.marks)
    }
}

fn date_of(civil: CivilTime) -> Option<Date<Iso>> {
    Date::try_new_iso(civil.year, civil.month, civil.day).ok()
}

fn time_of(civil: CivilTime) -> Option<Time> {
    Time::try_new(civil.hour, civil.minute, 0, 0).ok()
}

/// The decimal and group marks, read off how ICU4X writes 1234567.8 (the
/// first mark between digits groups, the last one is the decimal point).
fn marks_of(decimal: &DecimalFormatter) -> Result<Separators, String> {
    let mut sample = Decimal::from(12_345_678);
    sample.multiply_pow10(-1);
    let written = decimal.format(&sample).to_string();
    let marks: Vec<char> = written.chars().filter(|c| !c.is_ascii_digit()).collect();
    match (marks.first(), marks.last()) {
        (Some(&group), Some(&decimal)) if group != decimal => Ok(Separators { decimal, group }),
        _ => Err(format!("cannot read the number marks from {written:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats(locale: Locale) -> Formats {
        Formats::load(locale).unwrap()
    }

    #[test]
    fn amounts_are_written_in_each_language() {
        let (en, es) = (formats(Locale::En), formats(Locale::Es));
        assert_eq!(en.amount(123_450, 2), "1,234.50");
        assert_eq!(es.amount(123_450, 2), "1234,50");
        assert_eq!(es.amount(1_234_550, 2), "12.345,50");
        assert_eq!(en.amount(5, 2), "0.05");
        assert_eq!(en.amount(500, 2), "5.00");
        assert_eq!(es.amount(-1250, 2), "-12,50");
        assert_eq!(en.amount(20, 0), "20");
        assert_eq!(en.number(12_000), "12,000");
        assert_eq!(
            es.marks,
            Separators {
                decimal: ',',
                group: '.'
            }
        );
    }

    #[test]
    fn dates_are_written_in_each_language() {
        let utc = Zone::utc();
        let at = utc.read_wall_clock("2026-12-02T19:05").unwrap();
        assert_eq!(formats(Locale::En).date(at, &utc), "December 2, 2026");
        assert_eq!(formats(Locale::Es).date(at, &utc), "2 de diciembre de 2026");
        assert_eq!(formats(Locale::Es).date_time(at, &utc), "2 dic 2026, 19:05");
        assert_eq!(
            formats(Locale::En).date_time(at, &utc),
            "Dec 2, 2026, 7:05\u{202f}PM"
        );
        let later = at.plus_millis(3 * 3_600_000);
        let next_day = at.plus_millis(24 * 3_600_000);
        assert_eq!(
            formats(Locale::Es).span(at, later, &utc),
            "2 dic 2026, 19:05 – 22:05"
        );
        assert_eq!(
            formats(Locale::Es).span(at, next_day, &utc),
            "2 dic 2026, 19:05 – 3 dic 2026, 19:05"
        );
    }

    #[test]
    fn dates_and_times_are_those_of_the_zone() {
        let tokyo = Zone::named("Asia/Tokyo").unwrap();
        let at = Zone::utc().read_wall_clock("2026-12-02T19:05").unwrap();
        assert_eq!(
            formats(Locale::Es).date_time(at, &tokyo),
            "3 dic 2026, 04:05"
        );
        assert_eq!(formats(Locale::En).date(at, &tokyo), "December 3, 2026");
        let later = at.plus_millis(3 * 3_600_000);
        assert_eq!(
            formats(Locale::Es).span(at, later, &tokyo),
            "3 dic 2026, 04:05 – 07:05"
        );
    }

    proptest::proptest! {
        /// A form accepts what its page shows, in every language.
        #[test]
        fn what_is_shown_is_read_back(amount in 0i64..=i64::MAX, scale in 0u32..=6) {
            for locale in Locale::ALL {
                let formats = formats(locale);
                let shown = formats.amount(i128::from(amount), scale);
                proptest::prop_assert_eq!(formats.parse_amount(&shown, scale), Ok(amount as u64), "{}", shown);
            }
        }
    }
}
