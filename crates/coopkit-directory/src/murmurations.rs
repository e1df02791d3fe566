//! Murmurations organisation profiles (`organizations_schema-v1.0.0`):
//! read one profile or an array of them, and write one for each
//! organisation, so a co-op's profile can be indexed by the Murmurations
//! network.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::geojson::text;
use crate::mapping::{on_globe, ReadError, Reading, Record};

pub const SCHEMA: &str = "organizations_schema-v1.0.0";

/// Reads a profile, or an array of profiles (each a row, from 1).
pub fn read_murmurations(bytes: &[u8]) -> Result<Reading, ReadError> {
    let document: Value = serde_json::from_slice(bytes)?;
    let profiles = match &document {
        Value::Array(profiles) => profiles.as_slice(),
        Value::Object(_) => std::slice::from_ref(&document),
        _ => {
            return Err(ReadError::Shape(
                "a Murmurations file holds a profile object or an array of them".to_owned(),
            ))
        }
    };
    let mut reading = Reading::default();
    let mut seen = HashMap::new();
    for (i, profile) in profiles.iter().enumerate() {
        let row = i + 1;
        let Some(profile) = profile.as_object() else {
            reading.problem(row, None, "not a JSON object".to_owned(), true);
            continue;
        };
        let field = |key: &str| text(profile.get(key)).unwrap_or_default();
        let name = field("name");
        if name.is_empty() {
            reading.problem(row, Some("name"), "no name".to_owned(), true);
            continue;
        }
        let point = match profile.get("geolocation") {
            None | Some(Value::Null) => None,
            Some(geo) => {
                let coordinate = |key| geo.get(key).and_then(Value::as_f64);
                let point = on_globe(coordinate("lat"), coordinate("lon"));
                if point.is_none() {
                    let reason = "needs \"lat\" and \"lon\" on the globe".to_owned();
                    reading.problem(row, Some("geolocation"), reason, false);
                }
                point
            }
        };
        let contact = |key: &str| {
            text(profile.get("contact_details").and_then(|c| c.get(key))).unwrap_or_default()
        };
        let social = profile
            .get("urls")
            .and_then(Value::as_array)
            .map(|urls| {
                urls.iter()
                    .filter_map(|u| text(u.get("url")))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let website = field("primary_url");
        let id = [field("unique_id"), website.clone()]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| row.to_string());
        let status = field("status");
        let country = reading.country(row, &field("country_iso_3166"));
        let record = Record {
            id,
            name,
            other_name: field("nickname"),
            description: field("description"),
            street: field("full_address"),
            locality: field("locality"),
            region: field("region"),
            postcode: field("postal_code"),
            country,
            website,
            phone: field("telephone"),
            email: contact("email"),
            activity: profile
                .get("tags")
                .and_then(Value::as_array)
                .map(|tags| {
                    tags.iter()
                        .filter_map(|t| text(Some(t)))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
            social,
            dissolved: status == "completed" || status == "cancelled",
            point,
            ..Record::default()
        };
        reading.keep(row, record, &mut seen);
    }
    Ok(reading)
}

/// An organisation's Murmurations profile.
pub fn profile(record: &Record) -> Value {
    let mut profile = Map::new();
    profile.insert("linked_schemas".to_owned(), json!([SCHEMA]));
    let mut put = |key: &str, value: &str| {
        if !value.is_empty() {
            profile.insert(key.to_owned(), json!(value));
        }
    };
    put("name", &record.name);
    put("nickname", &record.other_name);
    put("primary_url", &record.website);
    put("description", &record.description);
    put("country_iso_3166", &record.country);
    put("telephone", &record.phone);
    let address = [
        &record.street,
        &record.locality,
        &record.region,
        &record.postcode,
        &record.country,
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join(", ");
    put("full_address", &address);
    if !record.email.is_empty() {
        profile.insert(
            "contact_details".to_owned(),
            json!({ "email": record.email }),
        );
    }
    if let Some((lat, lon)) = record.point {
        profile.insert("geolocation".to_owned(), json!({ "lat": lat, "lon": lon }));
    }
    let tags: Vec<&str> = [&record.activity, &record.legal_form, &record.ownership]
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(String::as_str)
        .collect();
    if !tags.is_empty() {
        profile.insert("tags".to_owned(), json!(tags));
    }
    if !record.social.is_empty() {
        let urls: Vec<Value> = record
            .social
            .iter()
            .map(|url| json!({ "name": url, "url": url }))
            .collect();
        profile.insert("urls".to_owned(), Value::Array(urls));
    }
    profile.insert(
        "status".to_owned(),
        json!(if record.dissolved {
            "completed"
        } else {
            "active"
        }),
    );
    Value::Object(profile)
}
