//! Finding places by name, for the pages' place fields (which offer the
//! matches as someone types) and for programs.

use axum::Json;
use coopkit_places::{Gazetteer, MAX_MATCHES};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiQuery;
use crate::error::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacesQuery {
    /// What has been typed: a town's name or its beginning, with its
    /// state or country after a comma ("Capitol Hill, Wash"), or a US ZIP
    /// code.
    #[serde(default)]
    pub q: String,
    /// How many matches to give (at most 20; 8 when not given).
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceDto {
    /// The place with its division and country: "Manchester, England, GB".
    pub label: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Degrees.
    pub lat: f64,
    pub lon: f64,
    /// `postcode`, `town`, `county` or `region`.
    pub precision: String,
}

/// Places whose names are, or begin with, what was typed: whole names
/// first, then the most populous. From the gazetteer coopkit ships
/// (GeoNames' towns, CC BY 4.0; US Census ZIP codes), so no network is
/// asked.
#[utoipa::path(get, path = "/api/v1/places", tag = "places",
    params(PlacesQuery),
    responses((status = 200, body = [PlaceDto])))]
pub async fn find(ApiQuery(query): ApiQuery<PlacesQuery>) -> Result<Json<Vec<PlaceDto>>, ApiError> {
    let limit = query.limit.unwrap_or(8).min(MAX_MATCHES);
    let found = Gazetteer::bundled().find(&query.q, limit, true);
    Ok(Json(
        found
            .into_iter()
            .map(|place| {
                let (lat, lon) = place.degrees();
                PlaceDto {
                    label: place.label,
                    country: place.country,
                    lat,
                    lon,
                    precision: place.precision.name().to_owned(),
                }
            })
            .collect(),
    ))
}
