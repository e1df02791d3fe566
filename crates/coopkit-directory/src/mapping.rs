//! Reading a CSV list through a column mapping: which of the file's
//! columns holds each of coopkit's fields. A mapping is a TOML file with a
//! `[columns]` table:
//!
//! ```toml
//! [columns]
//! id = "Identifier"
//! name = "Name"
//! postcode = "Postcode"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

/// coopkit's fields a list can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Id,
    Name,
    /// A second name: a trading name beside the registered one.
    OtherName,
    Street,
    Locality,
    Region,
    Postcode,
    Country,
    Website,
    Phone,
    Email,
    Lat,
    Lon,
    /// A company registry number (Companies House and the like).
    CompanyNumber,
    /// Society, company, partnership…
    LegalForm,
    /// Who owns it: workers, consumers, producers, a multi-stakeholder mix…
    Ownership,
    /// An industry code (UK SIC 2007 and the like); the first four
    /// digits are compared.
    Sic,
    /// Live, dead, dissolved…: a value naming an end marks the
    /// organisation dissolved.
    Status,
    /// The date it was dissolved, if it was.
    Dissolved,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::OtherName => "other_name",
            Field::Street => "street",
            Field::Locality => "locality",
            Field::Region => "region",
            Field::Postcode => "postcode",
            Field::Country => "country",
            Field::Website => "website",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Lat => "lat",
            Field::Lon => "lon",
            Field::CompanyNumber => "company_number",
            Field::LegalForm => "legal_form",
            Field::Ownership => "ownership",
            Field::Sic => "sic",
            Field::Status => "status",
            Field::Dissolved => "dissolved",
        }
    }
}

/// Which column holds each field, and what the list is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Mapping {
    pub columns: BTreeMap<Field, String>,
    #[serde(default)]
    pub list: ListFacts,
}

/// What is known of a list as a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ListFacts {
    /// It lists only organisations that were alive when it was made, so
    /// none of its rows is an organisation dissolved before then.
    #[serde(default)]
    pub current: bool,
}

/// One organisation as a list gives it. Missing fields are empty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    pub id: String,
    pub name: String,
    pub other_name: String,
    pub street: String,
    pub locality: String,
    pub region: String,
    pub postcode: String,
    pub country: String,
    pub website: String,
    pub phone: String,
    pub email: String,
    pub company_number: String,
    pub legal_form: String,
    pub ownership: String,
    pub sic: String,
    /// The list says it was dissolved.
    pub dissolved: bool,
    /// Degrees, when the list has a valid point.
    pub point: Option<(f64, f64)>,
}

/// Why a list cannot be read, and where: `row` counts data rows from 1
/// (the header is row 0).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the mapping is not valid TOML with a [columns] table: {0}")]
    Mapping(String),
    #[error("the mapping names column {column:?} for {field}, but the file has no such column")]
    MissingColumn { field: &'static str, column: String },
    #[error("the mapping has no column for `{0}`")]
    Unmapped(&'static str),
    #[error("row {row}: {reason}")]
    Row { row: usize, reason: String },
}

impl Mapping {
    pub fn from_toml(text: &str) -> Result<Mapping, ReadError> {
        toml::from_str(text).map_err(|e| ReadError::Mapping(e.message().to_owned()))
    }

    /// The Co-operatives UK 2017 organisations export.
    pub fn coops_uk_2017() -> Mapping {
        Mapping::of(&[
            (Field::Id, "CUK Organisation ID"),
            (Field::Name, "Registered Name"),
            (Field::OtherName, "Trading Name"),
            (Field::Street, "Registered Street"),
            (Field::Locality, "Registered City"),
            (Field::Region, "Registered State/Province"),
            (Field::Postcode, "Registered Postcode"),
            (Field::CompanyNumber, "Registered Number"),
            (Field::LegalForm, "Legal Form"),
            (Field::Ownership, "Ownership Classification"),
            (Field::Sic, "SIC Code"),
            (Field::Status, "Registered Status"),
            (Field::Dissolved, "Dissolved Date"),
        ])
    }

    /// The ESSGlobal "standard CSV" of the Digital Commons Co-op pipeline.
    pub fn essglobal_standard() -> Mapping {
        Mapping::of(&[
            (Field::Id, "Identifier"),
            (Field::Name, "Name"),
            (Field::Street, "Street Address"),
            (Field::Locality, "Locality"),
            (Field::Region, "Region"),
            (Field::Postcode, "Postcode"),
            (Field::Country, "Country ID"),
            (Field::Website, "Website"),
            (Field::Phone, "Phone"),
            (Field::Email, "Email"),
            (Field::Lat, "Latitude"),
            (Field::Lon, "Longitude"),
            (Field::CompanyNumber, "Companies House Number"),
            (Field::LegalForm, "Legal Form"),
            (Field::Ownership, "Ownership Classification"),
            (Field::Sic, "SIC Code"),
        ])
        .current()
    }

    /// Marks the list as one of organisations alive when it was made (the
    /// ESSGlobal pipeline publishes current members only).
    pub fn current(mut self) -> Mapping {
        self.list.current = true;
        self
    }

    fn of(pairs: &[(Field, &str)]) -> Mapping {
        Mapping {
            columns: pairs.iter().map(|(f, c)| (*f, (*c).to_owned())).collect(),
            list: ListFacts::default(),
        }
    }

    /// The same mapping without a field: a measured linker must not see
    /// the identifiers it is scored against.
    pub fn without(mut self, field: Field) -> Mapping {
        self.columns.remove(&field);
        self
    }
}

/// Reads a whole CSV list. A file that cannot be read whole is refused
/// with the first row and reason; rows without a name are refused too.
pub fn read_csv(bytes: &[u8], mapping: &Mapping) -> Result<Vec<Record>, ReadError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| ReadError::Row {
            row: 0,
            reason: e.to_string(),
        })?
        .clone();
    if !mapping.columns.contains_key(&Field::Name) {
        return Err(ReadError::Unmapped("name"));
    }
    let mut index = BTreeMap::new();
    for (field, column) in &mapping.columns {
        let at = headers
            .iter()
            .position(|h| h.trim() == column.trim())
            .ok_or_else(|| ReadError::MissingColumn {
                field: field.name(),
                column: column.clone(),
            })?;
        index.insert(*field, at);
    }
    let mut records = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row_number = i + 1;
        let row = row.map_err(|e| ReadError::Row {
            row: row_number,
            reason: match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!("{len} fields where the header has {expected_len}"),
                _ => e.to_string(),
            },
        })?;
        let get = |field: Field| {
            index
                .get(&field)
                .and_then(|&at| row.get(at))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let name = get(Field::Name);
        if name.is_empty() {
            return Err(ReadError::Row {
                row: row_number,
                reason: "no name".to_owned(),
            });
        }
        let point = match (
            get(Field::Lat).parse::<f64>(),
            get(Field::Lon).parse::<f64>(),
        ) {
            (Ok(lat), Ok(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                Some((lat, lon))
            }
            _ => None,
        };
        let status = get(Field::Status).to_lowercase();
        let dissolved = !get(Field::Dissolved).is_empty()
            || [
                "dead",
                "dissolved",
                "closed",
                "inactive",
                "struck",
                "deregistered",
            ]
            .iter()
            .any(|word| status.contains(word));
        let id = get(Field::Id);
        records.push(Record {
            id: if id.is_empty() {
                row_number.to_string()
            } else {
                id
            },
            name,
            other_name: get(Field::OtherName),
            street: get(Field::Street),
            locality: get(Field::Locality),
            region: get(Field::Region),
            postcode: get(Field::Postcode),
            country: get(Field::Country),
            website: get(Field::Website),
            phone: get(Field::Phone),
            email: get(Field::Email),
            company_number: get(Field::CompanyNumber),
            legal_form: get(Field::LegalForm),
            ownership: get(Field::Ownership),
            sic: get(Field::Sic),
            dissolved,
            point,
        });
    }
    Ok(records)
}
