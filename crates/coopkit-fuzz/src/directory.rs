//! Lists of co-ops in the formats the directory imports, and the
//! normalising the linker does on every record read.

use coopkit_directory::mapping::{ReadError, Reading, Record};
use coopkit_directory::{
    geojson, jsonld, murmurations, normalize, read_csv_rows, read_geojson, read_jsonld,
    read_murmurations, Mapping,
};

pub fn csv(input: &[u8]) -> bool {
    let (mapping, list) = match input.iter().position(|b| *b == 0) {
        Some(nul) => {
            let Ok(toml) = std::str::from_utf8(&input[..nul]) else {
                return false;
            };
            let Ok(mapping) = Mapping::from_toml(toml) else {
                return false;
            };
            (mapping, &input[nul + 1..])
        }
        None => (Mapping::coops_uk_2017(), input),
    };
    let Ok(reading) = read_csv_rows(list, &mapping) else {
        return false;
    };
    normalise(&reading);
    true
}

pub fn geojson(input: &[u8]) -> bool {
    let Ok(reading) = read_geojson(input) else {
        return false;
    };
    normalise(&reading);
    let features: Vec<_> = reading
        .rows
        .iter()
        .enumerate()
        .map(|(n, (_, record))| geojson::feature(&format!("https://example.org/o/{n}"), record))
        .collect();
    let written = serde_json::json!({"type": "FeatureCollection", "features": features});
    reads_back(
        "GeoJSON",
        &reading,
        read_geojson(written.to_string().as_bytes()),
    );
    true
}

pub fn jsonld(input: &[u8]) -> bool {
    each_reads_back("JSON-LD", input, read_jsonld, |record| {
        jsonld::document("https://example.org/o/1", record)
    })
}

pub fn murmurations(input: &[u8]) -> bool {
    each_reads_back(
        "Murmurations",
        input,
        read_murmurations,
        murmurations::profile,
    )
}

/// Reads a file of one format, then writes each record read in that
/// format on its own and reads it back.
fn each_reads_back(
    format: &str,
    input: &[u8],
    read: fn(&[u8]) -> Result<Reading, ReadError>,
    write: impl Fn(&Record) -> serde_json::Value,
) -> bool {
    let Ok(reading) = read(input) else {
        return false;
    };
    normalise(&reading);
    for (_, record) in &reading.rows {
        let back = read(write(record).to_string().as_bytes());
        reads_back(format, &one(record), back);
    }
    true
}

fn one(record: &Record) -> Reading {
    Reading {
        rows: vec![(1, record.clone())],
        problems: Vec::new(),
    }
}

/// What coopkit writes from records it read, it reads again: the same
/// organisations, by the same names.
fn reads_back<E: std::fmt::Debug>(format: &str, read: &Reading, back: Result<Reading, E>) {
    let back = match back {
        Ok(back) => back,
        Err(error) => panic!("{format} written from a record read does not read: {error:?}"),
    };
    let names = |r: &Reading| {
        r.rows
            .iter()
            .map(|(_, x)| x.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&back), names(read), "{format} read back other names");
}

fn normalise(reading: &Reading) {
    for (_, record) in &reading.rows {
        normalize::name(&record.name);
        normalize::tokens(&record.name);
        normalize::postcode(&record.postcode);
        normalize::outward(&normalize::postcode(&record.postcode));
        normalize::domain(&record.website);
        normalize::phone(&record.phone);
        normalize::company_number(&record.company_number);
        normalize::country(&record.country);
    }
}
