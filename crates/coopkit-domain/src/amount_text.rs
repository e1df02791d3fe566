//! Amounts as text. Stored amounts are integers of a currency's minor
//! unit; these turn them into the canonical decimal the API, exports and
//! notices use ("12.50"), and read back what people type in their own
//! language's notation ("12,50" in Spanish), given that language's
//! separators. Pages format through ICU4X in the web crate; it has no
//! parser, so reading is here, pure and property-tested.

/// `amount` minor units as a decimal with `digits` places: 1234, 2 → "12.34".
pub fn format_minor_units(amount: i64, digits: u32) -> String {
    if digits == 0 {
        return amount.to_string();
    }
    let scale = 10_u64.pow(digits);
    let sign = if amount < 0 { "-" } else { "" };
    let magnitude = amount.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        magnitude / scale,
        magnitude % scale,
        width = digits as usize
    )
}

/// Reads an amount as people type it ("12.5", "12.50", "12") into minor
/// units with `digits` decimal places: exact, integer-only, positive.
/// Refuses more decimals than the currency has rather than rounding.
pub fn parse_minor_units(text: &str, digits: u32) -> Result<u64, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("required");
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || (text.contains('.') && fraction.is_empty())
    {
        return Err("amount-format");
    }
    if fraction.len() > digits as usize {
        return Err("amount-too-precise");
    }
    let scale = 10_u64.pow(digits);
    let whole: u64 = whole.parse().map_err(|_| "amount-too-large")?;
    let fraction_value: u64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<u64>().map_err(|_| "amount-format")?
            * 10_u64.pow(digits - fraction.len() as u32)
    };
    whole
        .checked_mul(scale)
        .and_then(|minor| minor.checked_add(fraction_value))
        .filter(|minor| *minor <= i64::MAX as u64)
        .ok_or("amount-too-large")
}

/// The marks a language writes numbers with: `.` and `,` in English,
/// `,` and `.` in Spanish. The web crate reads them from ICU4X's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Separators {
    pub decimal: char,
    pub group: char,
}

impl Separators {
    /// The notation of [`format_minor_units`] and the API.
    pub const CANONICAL: Separators = Separators {
        decimal: '.',
        group: ',',
    };
}

/// Reads an amount as a reader of some language writes it ("1.234,50"
/// in Spanish) into minor units, as [`parse_minor_units`] does.
///
/// Group marks are accepted only where they belong (between groups of
/// three digits), so a Spanish "12.50" is refused as "amount-format"
/// rather than read as 1250: with money, a clear refusal beats a guess.
pub fn parse_written_amount(
    text: &str,
    digits: u32,
    marks: Separators,
) -> Result<u64, &'static str> {
    let text = text.trim();
    let (whole, fraction) = match text.split_once(marks.decimal) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let whole = ungrouped(whole, marks.group).ok_or("amount-format")?;
    if fraction.is_some_and(|f| f.contains(marks.group) || f.contains('.')) {
        return Err("amount-format");
    }
    if whole.contains(['.', ',']) {
        return Err("amount-format");
    }
    let canonical = match fraction {
        Some(fraction) => format!("{whole}.{fraction}"),
        None => whole,
    };
    parse_minor_units(&canonical, digits)
}

/// `whole` without its group marks, if they stand between groups of three
/// digits after a first group of one to three.
fn ungrouped(whole: &str, group: char) -> Option<String> {
    if !whole.contains(group) {
        return Some(whole.to_owned());
    }
    let mut groups = whole.split(group);
    let first = groups.next()?;
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if first.is_empty() || first.len() > 3 || !digits(first) {
        return None;
    }
    let mut joined = first.to_owned();
    for g in groups {
        if g.len() != 3 || !digits(g) {
            return None;
        }
        joined.push_str(g);
    }
    Some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_format_exactly() {
        assert_eq!(format_minor_units(500, 2), "5.00");
        assert_eq!(format_minor_units(7, 2), "0.07");
        assert_eq!(format_minor_units(-1234, 2), "-12.34");
        assert_eq!(format_minor_units(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(format_minor_units(4, 0), "4");
    }

    #[test]
    fn typed_amounts_become_exact_minor_units() {
        assert_eq!(parse_minor_units("12.5", 2), Ok(1250));
        assert_eq!(parse_minor_units(" 12 ", 2), Ok(1200));
        assert_eq!(parse_minor_units("0.07", 2), Ok(7));
        assert_eq!(parse_minor_units("3", 0), Ok(3));
        assert_eq!(parse_minor_units("12.345", 2), Err("amount-too-precise"));
        assert_eq!(parse_minor_units("1.5", 0), Err("amount-too-precise"));
        for bad in ["-1", "1,5", "1.", ".5", "abc", "1e3", "1.2.3"] {
            assert_eq!(parse_minor_units(bad, 2), Err("amount-format"), "{bad}");
        }
        assert_eq!(parse_minor_units("", 2), Err("required"));
        assert_eq!(
            parse_minor_units("92233720368547758.08", 2),
            Err("amount-too-large")
        );
        assert_eq!(
            parse_minor_units("92233720368547758.07", 2),
            Ok(i64::MAX as u64)
        );
    }

    proptest::proptest! {
        #[test]
        fn formatting_and_parsing_round_trip(amount in 0i64..=i64::MAX, digits in 0u32..=6) {
            let text = format_minor_units(amount, digits);
            proptest::prop_assert_eq!(parse_minor_units(&text, digits), Ok(amount as u64));
        }
    }

    #[test]
    fn each_language_reads_its_own_notation() {
        let spanish = Separators {
            decimal: ',',
            group: '.',
        };
        assert_eq!(parse_written_amount("12,50", 2, spanish), Ok(1250));
        assert_eq!(parse_written_amount("1.234,5", 2, spanish), Ok(123_450));
        assert_eq!(
            parse_written_amount("12.345.678", 0, spanish),
            Ok(12_345_678)
        );
        assert_eq!(
            parse_written_amount("1,234.50", 2, Separators::CANONICAL),
            Ok(123_450)
        );
        assert_eq!(
            parse_written_amount("12.50", 2, Separators::CANONICAL),
            Ok(1250)
        );
        // A Spanish reader's "12.50" is not a number they wrote; neither is
        // a group mark out of place in English.
        for bad in [
            "12.50", "1.23,4", "1,2,3", ".5", "1.234.5", "12,5.0", "1..234",
        ] {
            assert_eq!(
                parse_written_amount(bad, 2, spanish),
                Err("amount-format"),
                "{bad}"
            );
        }
        for bad in ["1,23.4", ",123", "12,50", "1,234,5"] {
            assert_eq!(
                parse_written_amount(bad, 2, Separators::CANONICAL),
                Err("amount-format"),
                "{bad}"
            );
        }
        assert_eq!(
            parse_written_amount("12,505", 2, spanish),
            Err("amount-too-precise")
        );
        assert_eq!(parse_written_amount(" ", 2, spanish), Err("required"));
    }

    proptest::proptest! {
        #[test]
        fn spanish_notation_round_trips(amount in 0i64..=i64::MAX, digits in 0u32..=6) {
            let canonical = format_minor_units(amount, digits);
            let (whole, fraction) = canonical.split_once('.').unwrap_or((&canonical, ""));
            let mut grouped = String::new();
            for (i, digit) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    grouped.push('.');
                }
                grouped.push(digit);
            }
            let written = if fraction.is_empty() { grouped } else { format!("{grouped},{fraction}") };
            let spanish = Separators { decimal: ',', group: '.' };
            proptest::prop_assert_eq!(parse_written_amount(&written, digits, spanish), Ok(amount as u64));
        }
    }
}
