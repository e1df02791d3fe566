//! Which time zone a page shows its times in, and which its forms read
//! them in.
//!
//! A co-op's forms are read in the co-op's zone: a sitting typed as 19:00
//! in Washington is 19:00 in Washington whoever types it. Times are shown
//! in the viewer's own zone when they have chosen one, else in the zone of
//! the co-op whose page it is, else in UTC; where the zone shown is not
//! the co-op's, each time carries its abbreviation ("19:00 EST").

use coopkit_app::AppError;
use coopkit_domain::{Timestamp, Zone};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zones {
    shown: Zone,
    /// The zone of the co-op whose page this is.
    coop: Option<Zone>,
}

impl Zones {
    /// For a viewer with their own zone (or none), on a page of a co-op in
    /// `coop` (or of none).
    pub fn new(own: Option<&Zone>, coop: Option<Zone>) -> Zones {
        let shown = own.or(coop.as_ref()).cloned().unwrap_or_default();
        Zones { shown, coop }
    }

    /// Where the page's times are shown.
    pub fn shown(&self) -> &Zone {
        &self.shown
    }

    /// Where the page's forms read times: the co-op's zone.
    pub fn forms(&self) -> &Zone {
        self.coop.as_ref().unwrap_or(&self.shown)
    }

    /// The abbreviation to write after a time, where the zone shown is not
    /// the co-op's: " EST".
    pub fn label(&self, at: Timestamp) -> String {
        if self.coop.as_ref() == Some(&self.shown) {
            String::new()
        } else {
            format!(" {}", self.shown.abbreviation(at))
        }
    }

    /// Reads a form's `datetime-local` field in the co-op's zone; the error
    /// names the field.
    pub fn read_wall_clock(&self, field: &str, text: &str) -> Result<Timestamp, AppError> {
        self.forms()
            .read_wall_clock(text)
            .map_err(|code| AppError::invalid(field, code))
    }

    /// Reads a form's date field as the first instant of that day in the
    /// co-op's zone.
    pub fn read_date(&self, field: &str, text: &str) -> Result<Timestamp, AppError> {
        self.forms()
            .read_date(text)
            .map_err(|code| AppError::invalid(field, code))
    }
}

/// The slug of the co-op a page belongs to, from its path (`/c/{slug}/…`).
pub(crate) fn coop_of_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/c/")?;
    let slug = rest.split('/').next()?;
    (!slug.is_empty()).then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_viewers_zone_and_labelled_when_not_the_coops() {
        let new_york = Zone::named("America/New_York").unwrap();
        let madrid = Zone::named("Europe/Madrid").unwrap();
        let at = new_york.read_wall_clock("2026-11-27T19:00").unwrap();

        let member = Zones::new(None, Some(new_york.clone()));
        assert_eq!(member.shown(), &new_york);
        assert_eq!(member.label(at), "");

        let abroad = Zones::new(Some(&madrid), Some(new_york.clone()));
        assert_eq!(abroad.shown(), &madrid);
        assert_eq!(abroad.label(at), " CET");
        assert_eq!(abroad.forms(), &new_york, "forms stay in the co-op's zone");
        assert_eq!(
            abroad
                .read_wall_clock("closes", "2026-11-27T19:00")
                .unwrap(),
            at
        );

        let nowhere = Zones::new(None, None);
        assert_eq!(nowhere.shown(), &Zone::utc());
        assert_eq!(nowhere.label(at), " UTC");
    }

    #[test]
    fn a_bad_time_is_an_error_on_its_field() {
        let madrid = Zones::new(None, Some(Zone::named("Europe/Madrid").unwrap()));
        let error = madrid
            .read_wall_clock("from", "2026-03-29T02:30")
            .unwrap_err();
        assert!(
            matches!(
                &error,
                AppError::Invalid(invalid) if invalid.0[0].field == "from" && invalid.0[0].code == "datetime-skipped"
            ),
            "{error:?}"
        );
    }

    #[test]
    fn the_coop_is_read_off_the_path() {
        assert_eq!(coop_of_path("/c/sitters/market"), Some("sitters"));
        assert_eq!(coop_of_path("/c/sitters"), Some("sitters"));
        assert_eq!(coop_of_path("/c/"), None);
        assert_eq!(coop_of_path("/directory"), None);
    }
}
