//! Placing on the map an organisation no list gives a point for, from
//! the bundled gazetteer: by its US ZIP code, its town, the first county
//! it serves or its state, the first of these found, and saying which, so
//! its page can tell a street's point from a county's middle.

use coopkit_places::{Gazetteer, Place, Precision};
use serde::{Deserialize, Serialize};

use crate::mapping::Record;

/// How the gazetteer placed an organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placed {
    pub precision: Precision,
    /// The place it stands at: "Hartford, Connecticut, US".
    pub by: String,
}

/// Gives a record without a point the gazetteer's, and says how it was
/// found; a record with a point of its own keeps it (and is not marked
/// placed, whatever it carried before).
pub fn place(record: &mut Record, gazetteer: &Gazetteer) {
    if record.point.is_some() && record.placed.is_none() {
        return;
    }
    let found = placement(record, gazetteer);
    record.point = found.as_ref().map(Place::degrees);
    record.placed = found.map(|place| Placed {
        precision: place.precision,
        by: place.label,
    });
}

fn placement(record: &Record, gazetteer: &Gazetteer) -> Option<Place> {
    let country = record.country.as_str();
    if country.is_empty() {
        return None;
    }
    let us = country == "US";
    let first_county = record
        .area
        .split([';', ','])
        .map(str::trim)
        .find(|c| !c.is_empty());
    us.then(|| gazetteer.zip(&record.postcode))
        .flatten()
        .or_else(|| gazetteer.town(country, &record.region, &record.locality))
        .or_else(|| {
            first_county
                .filter(|_| us)
                .and_then(|county| gazetteer.county(&record.region, county))
        })
        .or_else(|| gazetteer.region(country, &record.region))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(record: Record) -> Record {
        let mut record = record;
        place(&mut record, Gazetteer::bundled());
        record
    }

    fn precision(record: &Record) -> Option<Precision> {
        record.placed.as_ref().map(|p| p.precision)
    }

    #[test]
    fn a_list_s_own_point_is_kept() {
        let record = placed(Record {
            locality: "Manchester".into(),
            country: "GB".into(),
            point: Some((53.0, -2.0)),
            ..Record::default()
        });
        assert_eq!(record.point, Some((53.0, -2.0)));
        assert_eq!(record.placed, None);
    }

    #[test]
    fn the_closest_place_known_wins() {
        let zip = placed(Record {
            locality: "Hartford".into(),
            region: "CT".into(),
            postcode: "06114".into(),
            country: "US".into(),
            ..Record::default()
        });
        assert_eq!(precision(&zip), Some(Precision::Postcode));
        let town = placed(Record {
            locality: "HARTFORD".into(),
            region: "CT".into(),
            postcode: "99999".into(),
            country: "US".into(),
            ..Record::default()
        });
        assert_eq!(precision(&town), Some(Precision::Town));
        assert!(town.placed.unwrap().by.starts_with("Hartford, Connecticut"));
        let county = placed(Record {
            region: "VA".into(),
            area: "Accomack; Northampton".into(),
            country: "US".into(),
            ..Record::default()
        });
        assert_eq!(precision(&county), Some(Precision::County));
        let state = placed(Record {
            region: "VA".into(),
            country: "US".into(),
            ..Record::default()
        });
        assert_eq!(precision(&state), Some(Precision::Region));
        let nowhere = placed(Record {
            locality: "Atlantis".into(),
            ..Record::default()
        });
        assert_eq!((nowhere.point, nowhere.placed), (None, None));
    }

    #[test]
    fn a_placed_record_is_placed_again_when_its_address_changes() {
        let mut record = placed(Record {
            locality: "Hartford".into(),
            region: "CT".into(),
            country: "US".into(),
            ..Record::default()
        });
        "Texarkana".clone_into(&mut record.locality);
        "TX".clone_into(&mut record.region);
        let moved = placed(record);
        assert!(moved.placed.unwrap().by.starts_with("Texarkana, Texas"));
    }
}
