//! The directory as open data: downloads of the whole directory or of a
//! search (CSV, JSON, GeoJSON, JSON-LD), streamed a thousand organisations
//! at a time so a million never sit in memory; the GeoJSON the map reads;
//! and the DCAT catalogue that lists the datasets with their licence and
//! the attributions their sources require.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LINK};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use coopkit_app::directory::Organisation;
use coopkit_app::AppError;
use coopkit_directory::fields::FIELDS;
use coopkit_directory::{geojson, jsonld};
use futures_util::stream;
use serde_json::{json, Value};

use super::params::SearchParams;
use crate::error::ApiError;
use crate::{public_base, AppState, DirectorySettings};

/// Organisations read from the database per step of a download.
const CHUNK: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    GeoJson,
    JsonLd,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Json, Format::GeoJson, Format::JsonLd];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::GeoJson => "geojson",
            Format::JsonLd => "jsonld",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::GeoJson => "application/geo+json",
            Format::JsonLd => "application/ld+json",
        }
    }

    fn from_file(file: &str) -> Option<Format> {
        let extension = file.strip_prefix("directory.")?;
        Format::ALL.into_iter().find(|f| f.extension() == extension)
    }

    /// What comes before the first organisation.
    fn opening(self, licence: &Value) -> String {
        match self {
            Format::Csv => {
                let mut header = csv_line(FIELDS.iter().flat_map(|f| match *f {
                    "id" => vec!["uri".to_owned()],
                    "point" => vec!["lat".to_owned(), "lon".to_owned()],
                    f => vec![f.to_owned()],
                }));
                // A byte-order mark, so spreadsheets read the file as UTF-8.
                header.insert(0, '\u{feff}');
                header
            }
            Format::Json => format!("{{\"licence\":{licence},\"organisations\":["),
            Format::GeoJson => {
                format!("{{\"type\":\"FeatureCollection\",\"licence\":{licence},\"features\":[")
            }
            Format::JsonLd => format!("{{\"@context\":{},\"@graph\":[", jsonld::context()),
        }
    }

    fn closing(self) -> &'static str {
        match self {
            Format::Csv => "",
            Format::Json | Format::GeoJson | Format::JsonLd => "]}",
        }
    }

    fn item(self, uri: &str, org: &Organisation) -> String {
        match self {
            Format::Csv => csv_line(FIELDS.iter().flat_map(|f| match *f {
                "id" => vec![uri.to_owned()],
                "point" => match org.record.point {
                    Some((lat, lon)) => vec![lat.to_string(), lon.to_string()],
                    None => vec![String::new(), String::new()],
                },
                f => vec![org.record.get(f)],
            })),
            Format::Json => {
                let mut object = serde_json::Map::new();
                object.insert("id".to_owned(), json!(uri));
                for field in FIELDS.iter().filter(|f| **f != "id") {
                    let value = org.record.get(field);
                    if !value.is_empty() {
                        object.insert((*field).to_owned(), json!(value));
                    }
                }
                Value::Object(object).to_string()
            }
            Format::GeoJson => geojson::feature(uri, &org.record).to_string(),
            Format::JsonLd => jsonld::node(uri, &org.record).to_string(),
        }
    }
}

fn csv_line(values: impl Iterator<Item = String>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(values.collect::<Vec<_>>());
    writer
        .into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// An organisation's address: its stable id.
pub fn org_uri(base: &str, id: i64) -> String {
    format!("{base}/directory/org/{id}")
}

/// The licence and attributions every download carries.
async fn licence(state: &AppState) -> Result<Value, AppError> {
    let settings = &state.directory;
    let attributions: std::collections::BTreeSet<String> = state
        .app
        .directory_sources()
        .await?
        .into_iter()
        .filter(|s| !s.attribution.is_empty())
        .map(|s| s.attribution)
        .collect();
    Ok(json!({
        "name": settings.licence_name(),
        "url": settings.licence_url(),
        "attribution": attributions,
    }))
}

/// `GET /open-data/directory.{csv,json,geojson,jsonld}`, with the search
/// page's filters.
pub async fn download(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = SearchParams::parse(raw.as_deref())?;
    let format = Format::from_file(&file).ok_or(AppError::NotFound("download"))?;
    let ids = state
        .app
        .directory_matches(&params.query(usize::MAX / 2)?)
        .await?;
    let base = public_base(&state, &headers);
    let opening = format.opening(&licence(&state).await?);
    Ok(streamed(state, ids, format, base, opening, |_| true, &file))
}

/// `GET /directory/map.geojson`: the organisations with a point that the
/// search finds, for the map's markers.
pub async fn map_features(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = SearchParams::parse(raw.as_deref())?;
    let ids = state
        .app
        .directory_matches(&params.query(usize::MAX / 2)?)
        .await?;
    let base = public_base(&state, &headers);
    let opening = Format::GeoJson.opening(&licence(&state).await?);
    Ok(streamed(
        state,
        ids,
        Format::GeoJson,
        base,
        opening,
        |org| org.record.point.is_some(),
        "directory.geojson",
    ))
}

/// The body, written as the organisations are read.
fn streamed(
    state: AppState,
    ids: Vec<i64>,
    format: Format,
    base: String,
    opening: String,
    keep: fn(&Organisation) -> bool,
    file: &str,
) -> Response {
    struct Cursor {
        opening: Option<String>,
        state: AppState,
        ids: Vec<i64>,
        at: usize,
        first: bool,
        done: bool,
    }
    let cursor = Cursor {
        opening: Some(opening),
        state,
        ids,
        at: 0,
        first: true,
        done: false,
    };
    let body = stream::unfold(cursor, move |mut c| {
        let base = base.clone();
        async move {
            if let Some(opening) = c.opening.take() {
                return Some((Ok(Bytes::from(opening)), c));
            }
            if c.done {
                return None;
            }
            if c.at >= c.ids.len() {
                c.done = true;
                return Some((Ok(Bytes::from_static(format.closing().as_bytes())), c));
            }
            let chunk = &c.ids[c.at..(c.at + CHUNK).min(c.ids.len())];
            c.at += chunk.len();
            let orgs = match c.state.app.directory_orgs(chunk).await {
                Ok(orgs) => orgs,
                Err(error) => {
                    // Headers are gone: all that is left is to cut the
                    // body short, which clients see as a failed download.
                    tracing::error!(%error, "a download failed part way");
                    c.done = true;
                    return Some((Err(std::io::Error::other("the download failed")), c));
                }
            };
            let mut text = String::new();
            for org in orgs.iter().filter(|o| keep(o)) {
                if format != Format::Csv && !c.first {
                    text.push(',');
                }
                c.first = false;
                text.push_str(&format.item(&org_uri(&base, org.id), org));
            }
            Some((Ok::<_, std::io::Error>(Bytes::from(text)), c))
        }
    });
    (
        [
            (CONTENT_TYPE, format.media_type().to_owned()),
            (CONTENT_DISPOSITION, format!("inline; filename=\"{file}\"")),
            (
                LINK,
                "</open-data/catalog.jsonld>; rel=\"describedby\"".to_owned(),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// `GET /open-data/catalog.jsonld`: a DCAT catalogue of the directory's
/// datasets, each download a distribution.
pub async fn catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let base = public_base(&state, &headers);
    let settings: &DirectorySettings = &state.directory;
    let sources = state.app.directory_sources().await?;
    let distributions: Vec<Value> = Format::ALL
        .iter()
        .map(|f| {
            json!({
                "@type": "dcat:Distribution",
                "dcat:downloadURL": { "@id": format!("{base}/open-data/directory.{}", f.extension()) },
                "dcat:mediaType": f.media_type().split(';').next().unwrap_or_default(),
                "dct:license": { "@id": settings.licence_url() },
            })
        })
        .collect();
    let provenance: Vec<Value> = sources
        .iter()
        .map(|s| {
            json!({
                "@type": "dct:ProvenanceStatement",
                "rdfs:label": s.name,
                "dct:license": s.licence,
                "dct:rights": s.attribution,
                "dct:modified": { "@value": s.imported_at.date_utc(), "@type": "xsd:date" },
            })
        })
        .collect();
    let document = json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": format!("{base}/open-data/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": "coopkit directory of co-operatives",
        "dcat:dataset": [{
            "@id": format!("{base}/open-data/directory"),
            "@type": "dcat:Dataset",
            "dct:title": "Co-operatives and solidarity-economy organisations",
            "dct:description": "Every organisation the directory lists, merged from the sources below, field by field.",
            "dct:license": { "@id": settings.licence_url() },
            "dcat:landingPage": { "@id": format!("{base}/directory") },
            "dcat:keyword": ["co-operatives", "social and solidarity economy", "open data"],
            "dct:provenance": provenance,
            "dcat:distribution": distributions,
        }],
    });
    Ok((
        [(CONTENT_TYPE, "application/ld+json")],
        document.to_string(),
    )
        .into_response())
}

/// `GET /c/{slug}/murmurations.json`: a hosted co-op's profile, for the
/// Murmurations index.
pub async fn coop_profile(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let base = public_base(&state, &headers);
    let profile = state.app.coop_profile(&slug, &base).await?;
    Ok(([(CONTENT_TYPE, "application/json")], profile.to_string()).into_response())
}
