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

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

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
    /// The area it serves, as the list names it: the counties an electric
    /// co-op serves, "Accomack; Northampton".
    Area,
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
    Description,
    /// Its organisational structure (an ESSGlobal term or free text).
    Structure,
    /// Its main activity (an ICA or ESSGlobal term, or free text).
    Activity,
    /// Its sector in words, as the list names it ("Housing", "Retail").
    Sector,
    /// Who its members are (an ESSGlobal base membership type).
    MembershipType,
    /// The date it was founded or registered.
    Founded,
    Twitter,
    Facebook,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::OtherName => "other_name",
            Field::Street => "street",
            Field::Locality => "locality",
            Field::Region => "region",
            Field::Postcode => "postcode",
            Field::Country => "country",
            Field::Area => "area",
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
            Field::Description => "description",
            Field::Structure => "structure",
            Field::Activity => "activity",
            Field::Sector => "sector",
            Field::MembershipType => "membership_type",
            Field::Founded => "founded",
            Field::Twitter => "twitter",
            Field::Facebook => "facebook",
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ListFacts {
    /// It lists only organisations that were alive when it was made, so
    /// none of its rows is an organisation dissolved before then.
    #[serde(default)]
    pub current: bool,
    /// The country (ISO 3166 alpha-2) of rows that name none: a national
    /// register does not repeat it on every row.
    #[serde(default)]
    pub country: Option<String>,
    /// The sector of every row that names none: a list of one kind of
    /// co-op ("Credit union") says so once, not on every row.
    #[serde(default)]
    pub sector: Option<String>,
    /// Postcodes written as numbers shorter than this are padded with
    /// the zeros a spreadsheet took off (`6114` is the ZIP code 06114).
    #[serde(default)]
    pub postcode_digits: Option<usize>,
    /// Websites by the list's ids, from a second file when the publisher
    /// gives them apart (NCUA does): a row's own website comes first.
    #[serde(skip)]
    pub websites: BTreeMap<String, String>,
    /// Legal forms the list writes as codes, by code.
    #[serde(default)]
    pub legal_forms: BTreeMap<String, LegalFormCode>,
}

/// A legal form a list writes as a code: its words, and what the names of
/// organisations of that form end with when the list leaves it off (NCUA
/// names "WOODMEN" the Woodmen Federal Credit Union).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct LegalFormCode {
    pub words: String,
    #[serde(default)]
    pub name_ends: String,
}

/// One organisation as a list gives it. Missing fields are empty, and are
/// left out of its JSON (most lists fill a few of these fields).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    /// The list's own identifier for the row (its row number if it has
    /// none).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub street: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub locality: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub postcode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub country: String,
    /// The area it serves, as the list names it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub area: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub website: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub company_number: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub legal_form: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ownership: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sic: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub structure: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub activity: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sector: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub membership_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub founded: String,
    /// Twitter, Facebook and other profiles, as links or handles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub social: Vec<String>,
    /// The list says it was dissolved.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dissolved: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dissolved_on: String,
    /// Latitude and longitude in degrees: a list's valid point, or where
    /// the gazetteer placed it (then `placed` says how).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<(f64, f64)>,
    /// How the gazetteer placed it, when no list gives a point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placed: Option<crate::Placed>,
}

/// A list read as far as it could be: the rows that were read (with their
/// row numbers) and every problem met, so nothing is dropped silently.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    pub rows: Vec<(usize, Record)>,
    pub problems: Vec<Problem>,
}

/// Something wrong with one row. A row with a `skipped` problem was not
/// read; otherwise the row was read without the field named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Counting data rows (or features) from 1.
    pub row: usize,
    pub field: Option<String>,
    pub reason: String,
    pub skipped: bool,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(
            f,
            ": {}{}",
            self.reason,
            if self.skipped { " (row skipped)" } else { "" }
        )
    }
}

impl Reading {
    /// Notes a problem with a row.
    pub fn problem(&mut self, row: usize, field: Option<&str>, reason: String, skipped: bool) {
        self.problems.push(Problem {
            row,
            field: field.map(str::to_owned),
            reason,
            skipped,
        });
    }

    /// A country as an ISO 3166 code; one that names no country known is
    /// reported and left out rather than guessed.
    pub fn country(&mut self, row: usize, text: &str) -> String {
        if text.trim().is_empty() {
            return String::new();
        }
        match crate::normalize::country(text) {
            Some(code) => code,
            None => {
                let reason = format!(
                    "{:?} is not a country coopkit knows (ISO 3166)",
                    text.trim()
                );
                self.problem(row, Some("country"), reason, false);
                String::new()
            }
        }
    }

    /// Keeps a row read, unless an earlier row has its id: a list names
    /// each organisation once, and its id is how a re-import finds it.
    pub fn keep(&mut self, row: usize, record: Record, seen: &mut HashMap<String, usize>) {
        if let Some(first) = seen.get(&record.id) {
            let reason = format!("repeats the id {:?} of row {first}", record.id);
            self.problem(row, Some("id"), reason, true);
            return;
        }
        seen.insert(record.id.clone(), row);
        self.rows.push((row, record));
    }

    /// The rows read, or the first problem that skipped a row.
    pub fn whole(self) -> Result<Vec<Record>, ReadError> {
        match self.problems.into_iter().find(|p| p.skipped) {
            Some(p) => Err(ReadError::Row {
                row: p.row,
                reason: match p.field {
                    Some(field) => format!("{field}: {}", p.reason),
                    None => p.reason,
                },
            }),
            None => Ok(self.rows.into_iter().map(|(_, r)| r).collect()),
        }
    }
}

/// A latitude and longitude if both are numbers on the globe.
pub fn point(lat: &str, lon: &str) -> Result<Option<(f64, f64)>, String> {
    let (lat, lon) = (lat.trim(), lon.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    match (lat.parse::<f64>(), lon.parse::<f64>()) {
        (Ok(la), Ok(lo)) => on_globe(Some(la), Some(lo)).map(Some),
        _ => None,
    }
    .ok_or_else(|| format!("({lat}, {lon}) is not a latitude and longitude on the globe"))
}

/// A latitude and longitude, if both are given and on the globe.
pub fn on_globe(lat: Option<f64>, lon: Option<f64>) -> Option<(f64, f64)> {
    let (lat, lon) = (lat?, lon?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// Whether a status names an end: "Dead", "Dissolved", "Struck off"…
pub fn status_ends(status: &str) -> bool {
    let status = status.to_lowercase();
    [
        "dead",
        "dissolved",
        "closed",
        "inactive",
        "struck",
        "deregistered",
    ]
    .iter()
    .any(|word| status.contains(word))
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
    #[error("not valid JSON at line {line}, column {column}: {reason}")]
    Json {
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("{0}")]
    Shape(String),
}

impl From<serde_json::Error> for ReadError {
    fn from(e: serde_json::Error) -> Self {
        ReadError::Json {
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        }
    }
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
            (Field::Sector, "Sector - Simplified, High Level"),
            (Field::Status, "Registered Status"),
            (Field::Founded, "Incorporation Date"),
            (Field::Dissolved, "Dissolved Date"),
        ])
        .in_country("GB")
    }

    /// The built-in mappings, by the names the command line and the
    /// import page give them.
    pub const BUILT_IN: [&'static str; 4] = [
        "coops-uk-2017",
        "essglobal-standard",
        "ncua-2025",
        "eia-861",
    ];

    /// A built-in mapping by name.
    pub fn built_in(name: &str) -> Option<Mapping> {
        match name {
            "coops-uk-2017" => Some(Mapping::coops_uk_2017()),
            "essglobal-standard" => Some(Mapping::essglobal_standard()),
            "ncua-2025" => Some(Mapping::ncua_2025()),
            "eia-861" => Some(Mapping::eia_861()),
            _ => None,
        }
    }

    /// NCUA's list of active federally insured credit unions, as converted
    /// to CSV by credit-union-datasets: its header cells break over lines,
    /// which [`read_csv_rows`] reads as spaces, and its ZIP codes lost
    /// their leading zeros. Websites come in a second file
    /// ([`Mapping::with_websites`]).
    pub fn ncua_2025() -> Mapping {
        let mut mapping = Mapping::of(&[
            (Field::Id, "Charter number"),
            (Field::Name, "Credit Union name"),
            (Field::Street, "Street (Mailing address)"),
            (Field::Locality, "City (Mailing address)"),
            (Field::Region, "State (Mailing address)"),
            (Field::Postcode, "Zip code (Mailing address)"),
            (Field::LegalForm, "Credit Union type"),
        ])
        .in_country("US")
        .current();
        mapping.list.sector = Some("Credit union".to_owned());
        mapping.list.postcode_digits = Some(5);
        for (code, words, name_ends) in [
            ("1", "Federal credit union", "Federal Credit Union"),
            ("2", "State-chartered credit union", "Credit Union"),
        ] {
            let form = LegalFormCode {
                words: words.to_owned(),
                name_ends: name_ends.to_owned(),
            };
            mapping.list.legal_forms.insert(code.to_owned(), form);
        }
        mapping
    }

    /// The electric utilities EIA-861 lists as owned by a cooperative,
    /// with the counties each serves.
    pub fn eia_861() -> Mapping {
        let mut mapping = Mapping::of(&[
            (Field::Id, "Utility Number"),
            (Field::Name, "Utility Name"),
            (Field::Region, "State"),
            (Field::Area, "Counties Served"),
        ])
        .in_country("US");
        mapping.list.sector = Some("Electric co-op".to_owned());
        mapping
    }

    /// The same mapping with websites by id from a second CSV, whose first
    /// column is the list's id and second the website ("UNKNOWN" and
    /// empty cells are no website).
    pub fn with_websites(mut self, bytes: &[u8]) -> Result<Mapping, ReadError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        for (at, row) in reader.records().enumerate() {
            let row = row.map_err(|e| ReadError::Row {
                row: at + 1,
                reason: format!("websites: {}", csv_reason(&e)),
            })?;
            let (id, website) = (
                row.get(0).unwrap_or("").trim(),
                row.get(1).unwrap_or("").trim(),
            );
            if !id.is_empty() && !website.is_empty() && !website.eq_ignore_ascii_case("unknown") {
                self.list.websites.insert(id.to_owned(), website.to_owned());
            }
        }
        Ok(self)
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
            // The pipeline leaves the precise point empty and gives the
            // postcode's centroid.
            (Field::Lat, "Geo Container Latitude"),
            (Field::Lon, "Geo Container Longitude"),
            (Field::CompanyNumber, "Companies House Number"),
            (Field::LegalForm, "Legal Form"),
            (Field::Ownership, "Ownership Classification"),
            (Field::Sic, "SIC Code"),
            (Field::Description, "Description"),
            (Field::Structure, "Organisational Structure"),
            (Field::Activity, "Primary Activity"),
            (Field::Sector, "Sector"),
            (Field::MembershipType, "Membership Type"),
            (Field::Twitter, "Twitter"),
            (Field::Facebook, "Facebook"),
        ])
        .current()
    }

    /// Marks the list as one of organisations alive when it was made (the
    /// ESSGlobal pipeline publishes current members only).
    pub fn current(mut self) -> Mapping {
        self.list.current = true;
        self
    }

    /// Rows that name no country are in this one.
    pub fn in_country(mut self, country: &str) -> Mapping {
        self.list.country = Some(country.to_owned());
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
    read_csv_rows(bytes, mapping)?.whole()
}

/// Reads a CSV list as far as it can: a row that cannot be read (wrong
/// number of fields, bad UTF-8, no name, an id met before) is skipped and
/// reported; a bad point is reported and left out. Only a file whose
/// header or mapping is wrong is refused whole.
pub fn read_csv_rows(bytes: &[u8], mapping: &Mapping) -> Result<Reading, ReadError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| ReadError::Row {
            row: 0,
            reason: csv_reason(&e),
        })?
        .clone();
    if !mapping.columns.contains_key(&Field::Name) {
        return Err(ReadError::Unmapped("name"));
    }
    // Header cells that break over lines ("City\n(Mailing address)") are
    // named by their words, as a mapping writes them.
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut index = BTreeMap::new();
    for (field, column) in &mapping.columns {
        let at = headers
            .iter()
            .position(|h| words(h) == words(column))
            .ok_or_else(|| ReadError::MissingColumn {
                field: field.name(),
                column: column.clone(),
            })?;
        index.insert(*field, at);
    }
    let mut reading = Reading::default();
    let mut seen = HashMap::new();
    let mut row = csv::ByteRecord::new();
    let mut row_number = 0;
    loop {
        row_number += 1;
        match reader.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                reading.problem(row_number, None, csv_reason(&e), true);
                // An unbalanced quote runs to the end of the file: the
                // reader cannot find the next row, so stop here.
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
                continue;
            }
        }
        // An unbalanced quote swallows the rows after it, to the end of
        // the file: the row comes out short, or (when the quote opened
        // its last field) ends the file without closing. Nothing after
        // that point can be trusted, so the file is refused.
        let multi_line = row.iter().position(|field| field.contains(&b'\n'));
        let start = row.position().map_or(0, |p| p.byte() as usize);
        let end = reader.position().byte() as usize;
        let unclosed_at_end = end >= bytes.len()
            && multi_line == Some(row.len().saturating_sub(1))
            && !bytes
                .get(start..end)
                .unwrap_or_default()
                .trim_ascii_end()
                .ends_with(b"\"");
        if let Some(column) = multi_line.filter(|_| row.len() != headers.len() || unclosed_at_end) {
            return Err(ReadError::Row {
                row: row_number,
                reason: format!(
                    "unbalanced quote: field {} runs on to line {} of the file",
                    headers.get(column).unwrap_or("?"),
                    reader.position().line()
                ),
            });
        }
        if row.len() != headers.len() {
            let reason = format!(
                "{} fields where the header has {}",
                row.len(),
                headers.len()
            );
            reading.problem(row_number, None, reason, true);
            continue;
        }
        let mut text = BTreeMap::new();
        let mut bad_utf8 = None;
        for (field, &at) in &index {
            let raw = row.get(at).unwrap_or_default();
            match std::str::from_utf8(raw) {
                Ok(value) => {
                    text.insert(*field, value.trim().to_owned());
                }
                Err(_) => bad_utf8 = Some(*field),
            }
        }
        if let Some(field) = bad_utf8 {
            let reason = "not valid UTF-8".to_owned();
            reading.problem(row_number, Some(field.name()), reason, true);
            continue;
        }
        let mut get = |field: Field| text.remove(&field).unwrap_or_default();
        let mut name = get(Field::Name);
        let mut legal_form = get(Field::LegalForm);
        if let Some(form) = mapping.list.legal_forms.get(&legal_form) {
            name = named_in_full(name, &form.name_ends);
            legal_form.clone_from(&form.words);
        }
        if name.is_empty() {
            reading.problem(row_number, Some("name"), "no name".to_owned(), true);
            continue;
        }
        let point = match point(&get(Field::Lat), &get(Field::Lon)) {
            Ok(point) => point,
            Err(reason) => {
                reading.problem(row_number, Some("lat/lon"), reason, false);
                None
            }
        };
        let dissolved_on = get(Field::Dissolved);
        let dissolved = !dissolved_on.is_empty() || status_ends(&get(Field::Status));
        let id = get(Field::Id);
        let website = match get(Field::Website) {
            w if w.is_empty() => mapping.list.websites.get(&id).cloned().unwrap_or_default(),
            w => w,
        };
        let sector = match get(Field::Sector) {
            s if s.is_empty() => mapping.list.sector.clone().unwrap_or_default(),
            s => s,
        };
        let postcode = padded(get(Field::Postcode), mapping.list.postcode_digits);
        let country = match get(Field::Country) {
            c if c.is_empty() => mapping.list.country.clone().unwrap_or_default(),
            c => reading.country(row_number, &c),
        };
        let social = [get(Field::Twitter), get(Field::Facebook)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let record = Record {
            id: if id.is_empty() {
                row_number.to_string()
            } else {
                id
            },
            name,
            other_name: get(Field::OtherName),
            description: get(Field::Description),
            street: get(Field::Street),
            locality: get(Field::Locality),
            region: get(Field::Region),
            postcode,
            country,
            area: get(Field::Area),
            website,
            phone: get(Field::Phone),
            email: get(Field::Email),
            company_number: get(Field::CompanyNumber),
            legal_form,
            ownership: get(Field::Ownership),
            sic: get(Field::Sic),
            structure: get(Field::Structure),
            activity: get(Field::Activity),
            sector,
            membership_type: get(Field::MembershipType),
            founded: get(Field::Founded),
            social,
            dissolved,
            dissolved_on,
            point,
            placed: None,
        };
        reading.keep(row_number, record, &mut seen);
    }
    Ok(reading)
}

/// A name with the words its legal form ends with, where the list left
/// them off, in capitals when the name is.
fn named_in_full(name: String, ends: &str) -> String {
    let has_them = name.to_lowercase().ends_with(&ends.to_lowercase());
    if ends.is_empty() || name.is_empty() || has_them {
        return name;
    }
    if name.chars().any(char::is_lowercase) {
        format!("{name} {ends}")
    } else {
        format!("{name} {}", ends.to_uppercase())
    }
}

/// A postcode written as a number, padded back to `digits` digits.
fn padded(postcode: String, digits: Option<usize>) -> String {
    match digits {
        Some(digits)
            if !postcode.is_empty()
                && postcode.len() < digits
                && postcode.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{postcode:0>digits$}")
        }
        _ => postcode,
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        _ => e.to_string(),
    }
}
