//! A directory search as a URL's query string, the same for the search
//! page, the map's GeoJSON, the API and the downloads, so a link to any of
//! them carries the same filters.

use coopkit_app::directory::{Area, Facet, Query};
use coopkit_app::AppError;
use serde::Deserialize;

/// Results per page on the search page.
pub const PER_PAGE: usize = 20;

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find in names, descriptions and places.
    #[serde(default)]
    pub q: String,
    pub country: Option<String>,
    pub region: Option<String>,
    pub legal_form: Option<String>,
    pub activity: Option<String>,
    pub sector: Option<String>,
    pub structure: Option<String>,
    pub source: Option<String>,
    /// A box: `south,west,north,east` in degrees.
    pub bbox: Option<String>,
    /// A circle: `lat,lon,km`.
    pub near: Option<String>,
    /// The first result to give, from 0.
    pub offset: Option<usize>,
    /// How many results to give (at most 200).
    pub limit: Option<usize>,
    /// The page, from 1 (pages of 20), for people.
    pub page: Option<usize>,
}

fn numbers<const N: usize>(text: &str, field: &str) -> Result<[f64; N], AppError> {
    let parts: Vec<Result<f64, _>> = text.split(',').map(|p| p.trim().parse::<f64>()).collect();
    let values: Vec<f64> = parts
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::invalid(field, "area-format"))?;
    let values: [f64; N] = values
        .try_into()
        .map_err(|_| AppError::invalid(field, "area-format"))?;
    if values.iter().any(|v| !v.is_finite()) {
        return Err(AppError::invalid(field, "area-format"));
    }
    Ok(values)
}

fn latitude(v: f64) -> bool {
    (-90.0..=90.0).contains(&v)
}

fn longitude(v: f64) -> bool {
    (-180.0..=180.0).contains(&v)
}

impl SearchParams {
    /// Reads a query string; a value of the wrong type (a `limit` that is
    /// not a number) is refused on that field.
    pub fn parse(raw: Option<&str>) -> Result<SearchParams, AppError> {
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
            let text = e.to_string();
            let field = ["offset", "limit", "page"]
                .into_iter()
                .find(|f| text.contains(f))
                .unwrap_or("query");
            AppError::invalid(field, "invalid-value")
        })
    }

    pub fn filters(&self) -> Vec<(Facet, String)> {
        [
            (Facet::Country, &self.country),
            (Facet::Region, &self.region),
            (Facet::LegalForm, &self.legal_form),
            (Facet::Activity, &self.activity),
            (Facet::Sector, &self.sector),
            (Facet::Structure, &self.structure),
            (Facet::Source, &self.source),
        ]
        .into_iter()
        .filter_map(|(facet, value)| {
            value
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| (facet, v.to_owned()))
        })
        .collect()
    }

    pub fn area(&self) -> Result<Option<Area>, AppError> {
        if let Some(text) = self.bbox.as_deref().filter(|t| !t.is_empty()) {
            let [south, west, north, east] = numbers::<4>(text, "bbox")?;
            if !(latitude(south) && latitude(north) && longitude(west) && longitude(east))
                || south > north
            {
                return Err(AppError::invalid("bbox", "area-range"));
            }
            return Ok(Some(Area::Box {
                south,
                west,
                north,
                east,
            }));
        }
        if let Some(text) = self.near.as_deref().filter(|t| !t.is_empty()) {
            let [lat, lon, km] = numbers::<3>(text, "near")?;
            if !(latitude(lat) && longitude(lon)) || km <= 0.0 || km > 20_000.0 {
                return Err(AppError::invalid("near", "area-range"));
            }
            return Ok(Some(Area::Circle { lat, lon, km }));
        }
        Ok(None)
    }

    /// The search these parameters ask for; `limit` when they name none.
    pub fn query(&self, limit: usize) -> Result<Query, AppError> {
        let limit = self.limit.unwrap_or(limit);
        let offset = match (self.offset, self.page) {
            (Some(offset), _) => offset,
            (None, Some(page)) => page.saturating_sub(1).saturating_mul(limit),
            (None, None) => 0,
        };
        Ok(Query {
            text: self.q.clone(),
            filters: self.filters(),
            area: self.area()?,
            offset,
            limit,
        })
    }

    /// The query string for the same search (without paging), for links
    /// to the map, the downloads and the API.
    pub fn encoded(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        for (facet, value) in self.filters() {
            pairs.push((facet.name(), value));
        }
        for (key, value) in [("bbox", &self.bbox), ("near", &self.near)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                pairs.push((key, value.to_owned()));
            }
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    /// The same search with one facet set to `value`, or cleared when it
    /// already is `value`.
    pub fn toggled(&self, facet: Facet, value: &str) -> SearchParams {
        let mut next = SearchParams {
            offset: None,
            page: None,
            limit: None,
            ..self.clone()
        };
        let slot = match facet {
            Facet::Country => &mut next.country,
            Facet::Region => &mut next.region,
            Facet::LegalForm => &mut next.legal_form,
            Facet::Activity => &mut next.activity,
            Facet::Sector => &mut next.sector,
            Facet::Structure => &mut next.structure,
            Facet::Source => &mut next.source,
        };
        *slot = if slot.as_deref() == Some(value) {
            None
        } else {
            Some(value.to_owned())
        };
        next
    }
}
