//! A record's fields by name, as text: what merging, history, suggested
//! edits and the CSV download share.

use crate::mapping::{point, Record};

/// Every field an organisation shows, in the order downloads list them.
pub const FIELDS: [&str; 26] = [
    "id",
    "name",
    "other_name",
    "description",
    "street",
    "locality",
    "region",
    "postcode",
    "country",
    "area",
    "point",
    "website",
    "phone",
    "email",
    "social",
    "company_number",
    "legal_form",
    "structure",
    "activity",
    "sector",
    "membership_type",
    "ownership",
    "sic",
    "founded",
    "dissolved_on",
    "status",
];

macro_rules! text_fields {
    ($($name:ident),*) => {
        fn text<'a>(record: &'a Record, field: &str) -> Option<&'a String> {
            match field {
                $(stringify!($name) => Some(&record.$name),)*
                _ => None,
            }
        }
        fn text_mut<'a>(record: &'a mut Record, field: &str) -> Option<&'a mut String> {
            match field {
                $(stringify!($name) => Some(&mut record.$name),)*
                _ => None,
            }
        }
    };
}

text_fields!(
    id,
    name,
    other_name,
    description,
    street,
    locality,
    region,
    postcode,
    country,
    area,
    website,
    phone,
    email,
    company_number,
    legal_form,
    structure,
    activity,
    sector,
    membership_type,
    ownership,
    sic,
    founded,
    dissolved_on
);

impl Record {
    /// A field as text: a point as "lat, lon", social links one per
    /// space, the status as "dissolved" or "". Unknown fields are empty.
    pub fn get(&self, field: &str) -> String {
        match field {
            "point" => self
                .point
                .map(|(lat, lon)| format!("{lat}, {lon}"))
                .unwrap_or_default(),
            "social" => self.social.join(" "),
            "status" => if self.dissolved { "dissolved" } else { "" }.to_owned(),
            _ => text(self, field).cloned().unwrap_or_default(),
        }
    }

    /// Whether a field has a value: [`Record::get`] without building it.
    pub fn has(&self, field: &str) -> bool {
        match field {
            "point" => self.point.is_some(),
            "social" => !self.social.is_empty(),
            "status" => self.dissolved,
            _ => text(self, field).is_some_and(|v| !v.is_empty()),
        }
    }

    /// Sets a field from text, or says why it cannot be.
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), String> {
        let value = value.trim();
        match field {
            "point" => {
                let (lat, lon) = value.split_once(',').unwrap_or((value, ""));
                self.point = point(lat, lon)?;
            }
            "social" => self.social = value.split_whitespace().map(str::to_owned).collect(),
            "status" => self.dissolved = !value.is_empty(),
            "name" if value.is_empty() => return Err("an organisation needs a name".to_owned()),
            _ => match text_mut(self, field) {
                Some(slot) => {
                    value.clone_into(slot);
                    if field == "dissolved_on" && !value.is_empty() {
                        self.dissolved = true;
                    }
                }
                None => return Err(format!("there is no field {field:?}")),
            },
        }
        Ok(())
    }
}

/// The fields whose value differs, with the old and the new value.
pub fn diff(old: &Record, new: &Record) -> Vec<(&'static str, String, String)> {
    FIELDS
        .iter()
        .filter(|f| **f != "id")
        .filter_map(|f| {
            let (a, b) = (old.get(f), new.get(f));
            (a != b).then_some((*f, a, b))
        })
        .collect()
}
