//! Places as people type them into a form or a search: a town's name,
//! with its state or country after a comma when namesakes must be told
//! apart ("Capitol Hill, Washington"), a US ZIP code, or a latitude and
//! longitude in degrees. Names are found in the gazetteer coopkit ships,
//! so no network is needed; where the operator sets a geocoding service,
//! a form's street address the gazetteer does not know is asked of it
//! ([`locate`]).

use coopkit_app::{App, AppError};
use coopkit_domain::parse_minor_units;
use coopkit_places::{Gazetteer, Place};

/// Matches offered beside the one chosen, for a name several towns bear.
pub const OTHERS: usize = 5;

/// A place read from a field: where it is, what it was taken to be, and
/// the namesakes it might have meant instead.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    pub lat_e6: i32,
    pub lon_e6: i32,
    /// "Manchester, England, GB", or the degrees as typed.
    pub label: String,
    pub others: Vec<Place>,
}

impl Located {
    /// Latitude and longitude in degrees.
    pub fn degrees(&self) -> (f64, f64) {
        (f64::from(self.lat_e6) / 1e6, f64::from(self.lon_e6) / 1e6)
    }
}

/// Degrees as a form gives them (`38.8899`, `-76.9905`), exactly, in
/// millionths: no floating point between the form and the database.
pub fn degrees_e6(text: &str, field: &str) -> Result<i32, AppError> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = parse_minor_units(digits, 6)
        .ok()
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| AppError::invalid(field, "place-range"))?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Whether a text is written as numbers (degrees), not as a name.
fn is_degrees(text: &str) -> bool {
    text.contains(',')
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | ' '))
}

/// Reads a place `field`: "lat, lon" in degrees, or a name the gazetteer
/// knows. An empty field is `place-missing`; a name nobody knows,
/// `place-unknown`; degrees off the globe, `place-range`.
pub fn read(text: &str, field: &str) -> Result<Located, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(field, "place-missing"));
    }
    if is_degrees(text) {
        let (lat, lon) = text.split_once(',').unwrap_or((text, ""));
        let (lat_e6, lon_e6) = (degrees_e6(lat, field)?, degrees_e6(lon, field)?);
        if lat_e6.abs() > 90_000_000 || lon_e6.abs() > 180_000_000 {
            return Err(AppError::absent(field, "place-range"));
        }
        return Ok(Located {
            lat_e6,
            lon_e6,
            label: text.to_owned(),
            others: Vec::new(),
        });
    }
    let mut found = Gazetteer::bundled()
        .find(text, OTHERS + 1, false)
        .into_iter();
    let place = found
        .next()
        .ok_or_else(|| AppError::absent(field, "place-unknown"))?;
    Ok(Located {
        lat_e6: place.lat_e6,
        lon_e6: place.lon_e6,
        label: place.label,
        others: found.collect(),
    })
}

/// Reads a place `field` as [`read`] does, and what the gazetteer does
/// not know (a street address) is asked of the operator's geocoding
/// service, where one is set.
pub async fn locate(app: &App, text: &str, field: &str) -> Result<Located, AppError> {
    match read(text, field) {
        Err(AppError::Invalid(invalid)) if invalid.0.iter().any(|e| e.code == "place-unknown") => {
            match app.geocode(text.trim()).await {
                Some(found) => Ok(Located {
                    lat_e6: found.lat_e6,
                    lon_e6: found.lon_e6,
                    label: found.label,
                    others: Vec::new(),
                }),
                None => Err(AppError::Invalid(invalid)),
            }
        }
        read => read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: AppError) -> &'static str {
        match error {
            AppError::Invalid(invalid) => invalid.0[0].code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_degrees_and_zip_codes_are_places() {
        let dc = read("Capitol Hill, Washington", "place").unwrap();
        assert_eq!(dc.label, "Capitol Hill, District of Columbia, US");
        assert_eq!(dc.lat_e6 / 100_000, 388);
        let manchester = read(" manchester ", "near").unwrap();
        assert_eq!(manchester.label, "Manchester, England, GB");
        assert!(manchester
            .others
            .iter()
            .any(|p| p.label.contains("New Hampshire")));
        let degrees = read("38.8899, -76.9905", "place").unwrap();
        assert_eq!((degrees.lat_e6, degrees.lon_e6), (38_889_900, -76_990_500));
        assert_eq!(read("06114", "place").unwrap().label, "06114, US");
    }

    #[test]
    fn what_is_not_a_place_says_why() {
        assert_eq!(code(read("  ", "place").unwrap_err()), "place-missing");
        assert_eq!(
            code(read("Atlantis, Narnia", "place").unwrap_err()),
            "place-unknown"
        );
        assert_eq!(code(read("91, 0", "place").unwrap_err()), "place-range");
        assert_eq!(
            code(read("38.8, -77.0, 5", "place").unwrap_err()),
            "place-range"
        );
    }
}
