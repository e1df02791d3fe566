//! GeoJSON lists (RFC 7946) whose features carry OpenStreetMap-style tags
//! (`name`, `addr:*`, `contact:*`), as TransforMap and OSM exports do, and
//! the GeoJSON coopkit publishes.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::mapping::{on_globe, status_ends, ReadError, Reading, Record};

/// Reads a FeatureCollection. Each feature is a row, counted from 1: one
/// without a name is skipped and reported, one whose geometry is not a
/// point on the globe is read without its point and reported.
pub fn read_geojson(bytes: &[u8]) -> Result<Reading, ReadError> {
    let document: Value = serde_json::from_slice(bytes)?;
    if document.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(ReadError::Shape(
            "not a GeoJSON FeatureCollection: \"type\" must be \"FeatureCollection\"".to_owned(),
        ));
    }
    let Some(features) = document.get("features").and_then(Value::as_array) else {
        return Err(ReadError::Shape(
            "the FeatureCollection has no \"features\" array".to_owned(),
        ));
    };
    let mut reading = Reading::default();
    let mut seen = HashMap::new();
    for (i, feature) in features.iter().enumerate() {
        let row = i + 1;
        let Some(tags) = feature.get("properties").and_then(Value::as_object) else {
            let reason = "the feature has no \"properties\" object".to_owned();
            reading.problem(row, Some("properties"), reason, true);
            continue;
        };
        let tag = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| text(tags.get(*k)))
                .unwrap_or_default()
        };
        let name = tag(&["name", "official_name"]);
        if name.is_empty() {
            reading.problem(row, Some("name"), "no name".to_owned(), true);
            continue;
        }
        let point = match feature.get("geometry") {
            None | Some(Value::Null) => None,
            Some(geometry) => match geometry_point(geometry) {
                Ok(point) => Some(point),
                Err(reason) => {
                    reading.problem(row, Some("geometry"), reason, false);
                    None
                }
            },
        };
        let id = [tags.get("_id"), tags.get("id"), feature.get("id")]
            .into_iter()
            .find_map(text)
            .unwrap_or_else(|| row.to_string());
        let street = [tag(&["addr:street"]), tag(&["addr:housenumber"])]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let social = ["contact:facebook", "contact:twitter", "contact:instagram"]
            .iter()
            .filter_map(|k| text(tags.get(*k)))
            .collect();
        let dissolved_on = tag(&["end_date"]);
        let country = reading.country(row, &tag(&["addr:country"]));
        let record = Record {
            id,
            name,
            other_name: tag(&["alt_name", "short_name"]),
            description: tag(&["description", "description:en"]),
            street,
            locality: tag(&["addr:city", "addr:place"]),
            region: tag(&["addr:state", "addr:province", "addr:county"]),
            postcode: tag(&["addr:postcode"]),
            country,
            website: tag(&["contact:website", "website", "url"]),
            phone: tag(&["contact:phone", "phone"]),
            email: tag(&["contact:email", "email"]),
            legal_form: tag(&["legal_form"]),
            activity: tag(&["type_of_initiative", "POI_TYPE", "shop", "craft", "amenity"]),
            founded: tag(&["start_date"]),
            social,
            dissolved: !dissolved_on.is_empty() || status_ends(&tag(&["status"])),
            dissolved_on,
            point,
            ..Record::default()
        };
        reading.keep(row, record, &mut seen);
    }
    Ok(reading)
}

/// A JSON string or number as trimmed text; anything else is nothing.
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn geometry_point(geometry: &Value) -> Result<(f64, f64), String> {
    if geometry.get("type").and_then(Value::as_str) != Some("Point") {
        return Err("not a Point geometry".to_owned());
    }
    let coordinates = geometry
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("a Point without coordinates")?;
    // RFC 7946: longitude first.
    match coordinates.as_slice() {
        [lon, lat, ..] => on_globe(lat.as_f64(), lon.as_f64()).ok_or_else(|| {
            format!("coordinates [{lon}, {lat}] are not a longitude and latitude on the globe")
        }),
        _ => Err("a Point needs [longitude, latitude]".to_owned()),
    }
}

/// A GeoJSON Feature for an organisation, with coopkit's fields as
/// properties; its geometry is null when it has no point (RFC 7946 §3.2).
pub fn feature(uri: &str, record: &Record) -> Value {
    let mut properties = Map::new();
    properties.insert("id".to_owned(), json!(uri));
    for (key, value) in [
        ("name", &record.name),
        ("locality", &record.locality),
        ("region", &record.region),
        ("postcode", &record.postcode),
        ("country", &record.country),
        ("legal_form", &record.legal_form),
        ("website", &record.website),
    ] {
        if !value.is_empty() {
            properties.insert(key.to_owned(), json!(value));
        }
    }
    let geometry = match record.point {
        Some((lat, lon)) => json!({ "type": "Point", "coordinates": [round6(lon), round6(lat)] }),
        None => Value::Null,
    };
    // A point the gazetteer gave is a town's or a county's middle, not the
    // organisation's door: a map should know which.
    if let Some(placed) = &record.placed {
        properties.insert("placed_by".to_owned(), json!(placed.precision));
        properties.insert("placed_at".to_owned(), json!(placed.by));
    }
    json!({
        "type": "Feature",
        "id": uri,
        "geometry": geometry,
        "properties": properties,
    })
}

/// RFC 7946 §11.2: six decimal places (about 10 cm) are plenty.
fn round6(degrees: f64) -> f64 {
    (degrees * 1e6).round() / 1e6
}
