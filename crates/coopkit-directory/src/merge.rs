//! Survivorship: which of the values several sources give for one
//! organisation it shows. The newest statement that says something wins,
//! field by field: a list as of 2023 beats one as of 2017, a moderator's
//! accepted edit beats the lists before it, and an empty field never
//! erases a value another source gives.

use std::collections::BTreeMap;

use crate::fields::FIELDS;
use crate::mapping::Record;

/// What one source says of an organisation, and as of when (the date the
/// list describes, or the time an edit was accepted).
#[derive(Clone, Copy, Debug)]
pub struct Statement<'a> {
    pub source: i64,
    pub as_of: i64,
    pub record: &'a Record,
}

/// The organisation as shown, and for each field the source it came
/// from and as of when.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Merged {
    pub record: Record,
    pub provenance: BTreeMap<&'static str, (i64, i64)>,
}

/// Merges statements field by field; among equally new statements, the
/// lower source id wins, so the result never depends on their order.
pub fn survive(statements: &[Statement<'_>]) -> Merged {
    // One source (most organisations, and every one of a first import):
    // it says everything shown.
    if let [only] = statements {
        let provenance = FIELDS
            .iter()
            .filter(|f| **f != "id" && only.record.has(f))
            .map(|f| (*f, (only.source, only.as_of)))
            .collect();
        let record = Record {
            id: String::new(),
            ..only.record.clone()
        };
        return Merged { record, provenance };
    }
    let mut order: Vec<&Statement> = statements.iter().collect();
    order.sort_by_key(|s| (std::cmp::Reverse(s.as_of), s.source));
    let mut merged = Merged::default();
    for field in FIELDS.iter().filter(|f| **f != "id") {
        if let Some(winner) = order.iter().find(|s| s.record.has(field)) {
            // Values come from a record already read, so they set back
            // without complaint.
            let _ = merged.record.set(field, &winner.record.get(field));
            merged
                .provenance
                .insert(*field, (winner.source, winner.as_of));
        }
    }
    merged
}
