//! Organisations as JSON-LD: schema.org `Organization` with the ESSGlobal
//! vocabulary for what schema.org has no term for (organisational
//! structure, activity, membership type), written and read. A SIC code, a
//! sector in words and an ownership classification have a term in
//! neither, so JSON-LD leaves them out; the CSV and JSON downloads carry
//! them.
//!
//! Reading takes documents in schema.org's terms, as publishers write
//! them: one node, an array of nodes, or a `@graph`, with the terms bare
//! (`name`), prefixed (`schema:name`) or as full IRIs, and values as text,
//! `{"@value": ...}`, `{"@id": ...}` or arrays. It does not fetch remote
//! contexts: a document whose context is not schema.org's is refused with
//! that reason, rather than read with its terms guessed.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::identifiers::{
    registry_identifiers, COMPANIES_HOUSE, MUTUALS_REGISTER, REGISTERED_NUMBER,
};
use crate::mapping::{on_globe, status_ends, ReadError, Reading, Record};

/// The names schema.org's vocabulary goes by, and the prefixes its terms
/// may carry.
const SCHEMA_IRIS: [&str; 2] = ["https://schema.org/", "http://schema.org/"];
const SCHEMA: [&str; 3] = ["schema:", SCHEMA_IRIS[0], SCHEMA_IRIS[1]];
const ESSGLOBAL: [&str; 2] = ["essglobal:", "https://w3id.org/essglobal/V2a/vocab/"];

/// The context every document coopkit publishes uses: schema.org terms
/// bare, ESSGlobal's with the `essglobal:` prefix.
pub fn context() -> Value {
    json!({
        "@vocab": "https://schema.org/",
        "essglobal": "https://w3id.org/essglobal/V2a/vocab/",
    })
}

/// One organisation as a JSON-LD node (without a context: a list of them
/// shares one).
pub fn node(uri: &str, record: &Record) -> Value {
    let mut node = Map::new();
    node.insert("@id".to_owned(), json!(uri));
    node.insert("@type".to_owned(), json!("Organization"));
    let put = |node: &mut Map<String, Value>, key: &str, value: &str| {
        if !value.is_empty() {
            node.insert(key.to_owned(), json!(value));
        }
    };
    put(&mut node, "name", &record.name);
    put(&mut node, "alternateName", &record.other_name);
    put(&mut node, "description", &record.description);
    put(&mut node, "url", &record.website);
    put(&mut node, "email", &record.email);
    put(&mut node, "telephone", &record.phone);
    put(&mut node, "foundingDate", &record.founded);
    put(&mut node, "dissolutionDate", &record.dissolved_on);
    let mut address = Map::new();
    address.insert("@type".to_owned(), json!("PostalAddress"));
    put(&mut address, "streetAddress", &record.street);
    put(&mut address, "addressLocality", &record.locality);
    put(&mut address, "addressRegion", &record.region);
    put(&mut address, "postalCode", &record.postcode);
    put(&mut address, "addressCountry", &record.country);
    if address.len() > 1 {
        node.insert("address".to_owned(), Value::Object(address));
    }
    if let Some((lat, lon)) = record.point {
        node.insert(
            "geo".to_owned(),
            json!({ "@type": "GeoCoordinates", "latitude": lat, "longitude": lon }),
        );
    }
    if !record.social.is_empty() {
        node.insert("sameAs".to_owned(), json!(record.social));
    }
    let identifiers: Vec<Value> = registry_identifiers(record)
        .into_iter()
        .map(|id| json!({ "@type": "PropertyValue", "propertyID": id.scheme, "value": id.value }))
        .collect();
    if !identifiers.is_empty() {
        node.insert("identifier".to_owned(), Value::Array(identifiers));
    }
    for (key, value) in [
        ("essglobal:organisationalStructure", &record.structure),
        ("essglobal:primaryActivity", &record.activity),
        ("essglobal:baseMembershipType", &record.membership_type),
        ("essglobal:legalForm", &record.legal_form),
    ] {
        if value.starts_with("http://") || value.starts_with("https://") {
            node.insert(key.to_owned(), json!({ "@id": value }));
        } else if !value.is_empty() {
            node.insert(key.to_owned(), json!(value));
        }
    }
    Value::Object(node)
}

/// A whole document for one organisation.
pub fn document(uri: &str, record: &Record) -> Value {
    let mut node = node(uri, record);
    if let Value::Object(map) = &mut node {
        map.insert("@context".to_owned(), context());
    }
    node
}

/// Reads a JSON-LD document of organisations (each node a row, from 1).
pub fn read_jsonld(bytes: &[u8]) -> Result<Reading, ReadError> {
    let document: Value = serde_json::from_slice(bytes)?;
    let (nodes, context) = match &document {
        Value::Array(nodes) => (nodes.as_slice(), None),
        Value::Object(top) => match top.get("@graph") {
            Some(Value::Array(nodes)) => (nodes.as_slice(), top.get("@context")),
            Some(_) => return Err(ReadError::Shape("\"@graph\" is not an array".to_owned())),
            None => (std::slice::from_ref(&document), None),
        },
        _ => {
            return Err(ReadError::Shape(
                "a JSON-LD list is a node, an array of nodes or a @graph".to_owned(),
            ))
        }
    };
    if let Some(context) = context {
        schema_context(context).map_err(ReadError::Shape)?;
    }
    let mut reading = Reading::default();
    let mut seen = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let row = i + 1;
        let Some(node) = node.as_object() else {
            reading.problem(row, None, "not a JSON object".to_owned(), true);
            continue;
        };
        if context.is_none() {
            let checked = match node.get("@context") {
                Some(own) => schema_context(own),
                None => Err(NO_CONTEXT.to_owned()),
            };
            if let Err(reason) = checked {
                reading.problem(row, Some("@context"), reason, true);
                continue;
            }
        }
        if let Some(record) = read_node(row, node, &mut reading) {
            reading.keep(row, record, &mut seen);
        }
    }
    Ok(reading)
}

const NO_CONTEXT: &str =
    "no @context: coopkit reads JSON-LD in schema.org's terms (\"@context\": \"https://schema.org\")";

/// Whether a context puts the document in schema.org's terms.
fn schema_context(context: &Value) -> Result<(), String> {
    let is_schema = |iri: &str| {
        SCHEMA_IRIS
            .iter()
            .any(|s| iri.trim_end_matches('/') == s.trim_end_matches('/'))
    };
    let understood = match context {
        Value::String(iri) => is_schema(iri),
        Value::Object(terms) => {
            terms
                .get("@vocab")
                .and_then(Value::as_str)
                .is_some_and(is_schema)
                || terms
                    .get("schema")
                    .and_then(Value::as_str)
                    .is_some_and(is_schema)
        }
        Value::Array(contexts) => contexts.iter().any(|c| schema_context(c).is_ok()),
        _ => false,
    };
    if understood {
        Ok(())
    } else {
        Err(format!(
            "the @context {context} is not schema.org's: coopkit reads JSON-LD in schema.org's terms"
        ))
    }
}

/// A term's value, under any of the names it can go by.
fn term<'a>(node: &'a Map<String, Value>, prefixes: &[&str], name: &str) -> Option<&'a Value> {
    node.get(name).or_else(|| {
        prefixes
            .iter()
            .find_map(|prefix| node.get(&format!("{prefix}{name}")))
    })
}

/// A value as text: the first of an array, the `@value` of a value
/// object, the `@id` of a reference.
fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| text_of(Some(v)))
            .find(|t| !t.is_empty())
            .unwrap_or_default(),
        Some(Value::Object(object)) => text_of(object.get("@value").or_else(|| object.get("@id"))),
        _ => String::new(),
    }
}

fn texts_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| text_of(Some(v)))
            .filter(|t| !t.is_empty())
            .collect(),
        other => Some(text_of(other))
            .filter(|t| !t.is_empty())
            .into_iter()
            .collect(),
    }
}

fn read_node(row: usize, node: &Map<String, Value>, reading: &mut Reading) -> Option<Record> {
    let schema = |name: &str| text_of(term(node, &SCHEMA, name));
    let essglobal = |name: &str| text_of(term(node, &ESSGLOBAL, name));
    let name = schema("name");
    if name.is_empty() {
        reading.problem(row, Some("name"), "no name".to_owned(), true);
        return None;
    }
    // An address is a PostalAddress, or (as some publishers give it) a
    // line of text.
    let address = term(node, &SCHEMA, "address").map(|a| match a {
        Value::Array(all) => all.first().unwrap_or(a),
        one => one,
    });
    let (street, locality, region, postcode, country) = match address {
        Some(Value::Object(address)) => {
            let part = |name: &str| text_of(term(address, &SCHEMA, name));
            // A country may be a Country node with a name.
            let country = match term(address, &SCHEMA, "addressCountry") {
                Some(Value::Object(c)) => text_of(term(c, &SCHEMA, "name")),
                other => text_of(other),
            };
            (
                part("streetAddress"),
                part("addressLocality"),
                part("addressRegion"),
                part("postalCode"),
                country,
            )
        }
        other => (
            text_of(other),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ),
    };
    let country = reading.country(row, &country);
    let point = match term(node, &SCHEMA, "geo") {
        None | Some(Value::Null) => None,
        Some(geo) => {
            let coordinate = |name: &str| {
                let value = geo.as_object().and_then(|g| term(g, &SCHEMA, name));
                text_of(value).parse::<f64>().ok()
            };
            let point = on_globe(coordinate("latitude"), coordinate("longitude"));
            if point.is_none() {
                let reason = "needs a latitude and a longitude on the globe".to_owned();
                reading.problem(row, Some("geo"), reason, false);
            }
            point
        }
    };
    let dissolved_on = schema("dissolutionDate");
    let id = [text_of(node.get("@id")), schema("url")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| row.to_string());
    Some(Record {
        id,
        name,
        other_name: schema("alternateName"),
        description: schema("description"),
        street,
        locality,
        region,
        postcode,
        country,
        website: schema("url"),
        phone: schema("telephone"),
        email: schema("email").trim_start_matches("mailto:").to_owned(),
        company_number: registered_number(term(node, &SCHEMA, "identifier")),
        legal_form: essglobal("legalForm"),
        structure: essglobal("organisationalStructure"),
        activity: essglobal("primaryActivity"),
        membership_type: essglobal("baseMembershipType"),
        founded: schema("foundingDate"),
        social: texts_of(term(node, &SCHEMA, "sameAs")),
        dissolved: !dissolved_on.is_empty() || status_ends(&schema("status")),
        dissolved_on,
        point,
        ..Record::default()
    })
}

/// The registered number among a node's identifiers: a PropertyValue
/// whose scheme is a register (as coopkit writes them, or named a society
/// or company number), or the identifier itself when it is plain text.
fn registered_number(identifier: Option<&Value>) -> String {
    let values = match identifier {
        Some(Value::Array(values)) => values.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    values
        .into_iter()
        .find_map(|value| match value {
            Value::Object(property) => {
                let id = text_of(term(property, &SCHEMA, "propertyID")).replace(' ', "-");
                let named = [
                    COMPANIES_HOUSE,
                    MUTUALS_REGISTER,
                    REGISTERED_NUMBER,
                    "society-number",
                    "company-number",
                ]
                .iter()
                .any(|n| id.eq_ignore_ascii_case(n));
                Some(text_of(term(property, &SCHEMA, "value"))).filter(|v| named && !v.is_empty())
            }
            Value::String(_) | Value::Number(_) => Some(text_of(Some(value))),
            _ => None,
        })
        .unwrap_or_default()
}
