//! Searching the directory, for programs: the same search as the page.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use coopkit_app::directory::{DirectoryHit, PAGE_MAX};
use serde::Serialize;
use utoipa::ToSchema;

use crate::directory::opendata::org_uri;
use crate::directory::params::SearchParams;
use crate::error::{ApiError, Problem};
use crate::{public_base, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectorySearchDto {
    /// How many organisations match in all.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub results: Vec<OrganisationDto>,
    /// For each facet, its values among all the matches, most common first.
    pub facets: BTreeMap<String, Vec<FacetCountDto>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCountDto {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationDto {
    /// The organisation's stable address.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub locality: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub postcode: String,
    /// ISO 3166-1 alpha-2.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub legal_form: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub website: String,
    /// Latitude and longitude in degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<[f64; 2]>,
}

impl OrganisationDto {
    fn new(base: &str, org: &DirectoryHit) -> Self {
        let r = &org.record;
        OrganisationDto {
            id: org_uri(base, org.id),
            name: r.name.clone(),
            locality: r.locality.clone(),
            region: r.region.clone(),
            postcode: r.postcode.clone(),
            country: r.country.clone(),
            legal_form: r.legal_form.clone(),
            website: r.website.clone(),
            point: r.point.map(|(lat, lon)| [lat, lon]),
        }
    }
}

/// Finds organisations by words, facets and area. Pages never lose a
/// result: the area is part of the search, so `total` and every page
/// agree whatever the `limit`.
#[utoipa::path(get, path = "/api/v1/directory/search", tag = "directory",
    params(SearchParams),
    responses(
        (status = 200, body = DirectorySearchDto),
        (status = 422, description = "A bbox, near or paging value that cannot be read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<DirectorySearchDto>, ApiError> {
    let params = SearchParams::parse_strictly(raw.as_deref())?;
    let page = state
        .app
        .search_directory(&params.query(PAGE_MAX.min(50))?)
        .await?;
    let base = public_base(&state, &headers);
    Ok(Json(DirectorySearchDto {
        total: page.total,
        offset: page.offset,
        limit: page.limit,
        results: page
            .hits
            .iter()
            .map(|o| OrganisationDto::new(&base, o))
            .collect(),
        facets: page
            .facets
            .into_iter()
            .map(|(facet, values)| {
                let counts = values
                    .into_iter()
                    .map(|(value, count)| FacetCountDto { value, count })
                    .collect();
                (facet.name().to_owned(), counts)
            })
            .collect(),
    }))
}
