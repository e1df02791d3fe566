//! Organisations as JSON-LD: schema.org `Organization` with the ESSGlobal
//! vocabulary for what schema.org has no term for (organisational
//! structure, activity, membership type).

use serde_json::{json, Map, Value};

use crate::mapping::Record;

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
    if !record.company_number.is_empty() {
        node.insert(
            "identifier".to_owned(),
            json!({ "@type": "PropertyValue", "propertyID": "registered-number", "value": record.company_number }),
        );
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
