//! The directory's open-data routes, which need no session: downloads,
//! the map's GeoJSON, the DCAT catalogue, the map's scripts and styles.
//! The pages are in `pages::directory`, the search API in `api::directory`.

pub mod opendata;
pub mod params;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open-data/catalog.jsonld", get(opendata::catalog))
        .route("/open-data/{file}", get(opendata::download))
        .route("/directory/map.geojson", get(opendata::map_features))
        .route("/c/{slug}/murmurations.json", get(opendata::coop_profile))
        .route("/static/map/{file}", get(map_asset))
}

/// Leaflet and its marker clusters (from npm, see
/// `scripts/vendor-assets`) and coopkit's map scripts: the directory's,
/// and a place field's point picker.
const MAP_ASSETS: [(&str, &str, &str); 7] = [
    (
        "leaflet.js",
        "text/javascript",
        include_str!("../../static/vendor/leaflet.js"),
    ),
    (
        "leaflet.css",
        "text/css",
        include_str!("../../static/vendor/leaflet.css"),
    ),
    (
        "leaflet.markercluster.js",
        "text/javascript",
        include_str!("../../static/vendor/leaflet.markercluster.js"),
    ),
    (
        "MarkerCluster.css",
        "text/css",
        include_str!("../../static/vendor/MarkerCluster.css"),
    ),
    (
        "MarkerCluster.Default.css",
        "text/css",
        include_str!("../../static/vendor/MarkerCluster.Default.css"),
    ),
    (
        "directory-map.js",
        "text/javascript",
        include_str!("../../static/directory-map.js"),
    ),
    (
        "place-map.js",
        "text/javascript",
        include_str!("../../static/place-map.js"),
    ),
];

async fn map_asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match MAP_ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, media_type, body)) => (
            [
                (CONTENT_TYPE, format!("{media_type}; charset=utf-8")),
                (CACHE_CONTROL, "public, max-age=86400".to_owned()),
            ],
            *body,
        )
            .into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}
