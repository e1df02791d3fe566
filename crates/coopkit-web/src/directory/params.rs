//! A directory search as a URL's query string, the same for the search
//! page, the map's GeoJSON, the API and the downloads, so a link to any of
//! them carries the same filters.

use coopkit_app::directory::{Area, Facet, Query};
use coopkit_app::AppError;
use serde::Deserialize;

/// The parameters that are counts, each a whole number from 0.
const NUMBERS: [&str; 3] = ["offset", "limit", "page"];

/// The radius of a search near a place when none is given, in km: a town
/// and its surroundings.
pub const NEAR_KM: f64 = 25.0;

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
    /// A circle's centre: a place's name ("Manchester", "Capitol Hill,
    /// Washington"), a US ZIP code, `lat,lon`, or `lat,lon,km`.
    pub near: Option<String>,
    /// The circle's radius in km, up to 20,000 (25 when not given).
    pub km: Option<String>,
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
        match Self::parse_keeping_the_rest(raw) {
            (params, None) => Ok(params),
            (_, Some(error)) => Err(error),
        }
    }

    /// Reads a query string for a program, which gets no number left
    /// empty (`offset=`) as the pages' forms send them: each is refused.
    pub fn parse_strictly(raw: Option<&str>) -> Result<SearchParams, AppError> {
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
            .map_err(|_| AppError::invalid("query", "invalid-value"))?;
        if let Some((key, _)) = pairs
            .iter()
            .find(|(key, value)| NUMBERS.contains(&key.as_str()) && value.is_empty())
        {
            return Err(AppError::invalid(key, "invalid-value"));
        }
        Self::parse(raw)
    }

    /// Reads a query string for a page: a number that is not one (a
    /// `page=abc`) is left out and reported, and the rest of the search
    /// kept, so the page can show it again with what was wrong.
    pub fn parse_keeping_the_rest(raw: Option<&str>) -> (SearchParams, Option<AppError>) {
        let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        else {
            return (
                SearchParams::default(),
                Some(AppError::invalid("query", "invalid-value")),
            );
        };
        let mut error = None;
        let kept: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(key, value)| {
                let number = NUMBERS.contains(&key.as_str());
                let fine = !number || value.is_empty() || value.parse::<usize>().is_ok();
                if !fine && error.is_none() {
                    let code = if key == "page" {
                        "page-number"
                    } else {
                        "invalid-value"
                    };
                    let field = NUMBERS.into_iter().find(|n| n == key).unwrap_or("query");
                    error = Some(AppError::invalid(field, code));
                }
                fine && !(number && value.is_empty())
            })
            .collect();
        let encoded = serde_urlencoded::to_string(&kept).unwrap_or_default();
        match serde_urlencoded::from_str(&encoded) {
            Ok(params) => (params, error),
            Err(_) => (
                SearchParams::default(),
                Some(AppError::invalid("query", "invalid-value")),
            ),
        }
    }

    pub fn filters(&self) -> Vec<(Facet, String)> {
        self.facet_values()
            .into_iter()
            .filter_map(|(facet, value)| {
                value
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
        if let Some(text) = self.near.as_deref().filter(|t| !t.trim().is_empty()) {
            // The older form gives the radius inside `near`.
            if let Ok([lat, lon, km]) = numbers::<3>(text, "near") {
                if !(latitude(lat) && longitude(lon)) || km <= 0.0 || km > 20_000.0 {
                    return Err(AppError::invalid("near", "area-range"));
                }
                return Ok(Some(Area::Circle { lat, lon, km }));
            }
            let (lat, lon) = crate::places::read(text, "near")?.degrees();
            return Ok(Some(Area::Circle {
                lat,
                lon,
                km: self.radius_km()?,
            }));
        }
        Ok(None)
    }

    /// The place `near` names, with its namesakes, unless it gives the
    /// older `lat,lon,km`.
    pub fn near_place(&self) -> Option<crate::places::Located> {
        let text = self.near.as_deref()?;
        if numbers::<3>(text, "near").is_ok() {
            return None;
        }
        crate::places::read(text, "near").ok()
    }

    /// The radius `km` gives, or [`NEAR_KM`].
    fn radius_km(&self) -> Result<f64, AppError> {
        match self.km.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(NEAR_KM),
            Some(text) => text
                .parse::<f64>()
                .ok()
                .filter(|km| km.is_finite() && *km > 0.0 && *km <= 20_000.0)
                .ok_or_else(|| AppError::invalid("km", "area-range")),
        }
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
            facet_values: None,
        })
    }

    /// The query string for the same search (without paging), for links
    /// to the map, the downloads and the API.
    pub fn encoded(&self) -> String {
        self.links().query(None)
    }

    /// The search's parts, each encoded once, for the links of a results
    /// page: dozens of facet values, each a link to this search with that
    /// value set or cleared.
    pub fn links(&self) -> SearchLinks {
        let facets = self.facet_values();
        let encode = |key: &str, value: Option<&String>| {
            value
                .filter(|v| !v.is_empty())
                .map(|v| serde_urlencoded::to_string([(key, v)]).unwrap_or_default())
        };
        let mut parts = Vec::with_capacity(facets.len() + 4);
        parts.push(encode("q", Some(&self.q)));
        for (facet, value) in facets {
            parts.push(encode(facet.name(), value));
        }
        parts.push(encode("bbox", self.bbox.as_ref()));
        parts.push(encode("near", self.near.as_ref()));
        parts.push(encode("km", self.km.as_ref()));
        SearchLinks {
            parts,
            filters: self.filters(),
        }
    }

    /// Each facet's value, in [`Facet::ALL`]'s order.
    fn facet_values(&self) -> [(Facet, Option<&String>); 7] {
        Facet::ALL.map(|facet| {
            let value = match facet {
                Facet::Country => &self.country,
                Facet::Region => &self.region,
                Facet::LegalForm => &self.legal_form,
                Facet::Activity => &self.activity,
                Facet::Sector => &self.sector,
                Facet::Structure => &self.structure,
                Facet::Source => &self.source,
            };
            (facet, value.as_ref())
        })
    }
}

/// A search's query string in parts: `q`, each facet in [`Facet::ALL`]'s
/// order, `bbox`, `near`, `km`; each encoded, or `None` when not given.
#[derive(Debug)]
pub struct SearchLinks {
    parts: Vec<Option<String>>,
    filters: Vec<(Facet, String)>,
}

impl SearchLinks {
    /// The query string, with `facet` set to a value or cleared when
    /// given.
    fn query(&self, facet: Option<(Facet, Option<&str>)>) -> String {
        let at = facet.and_then(|(f, _)| Facet::ALL.iter().position(|g| *g == f).map(|i| i + 1));
        let replaced = facet.and_then(|(f, value)| {
            value.map(|v| serde_urlencoded::to_string([(f.name(), v)]).unwrap_or_default())
        });
        let mut query = String::new();
        for (i, part) in self.parts.iter().enumerate() {
            let part = if Some(i) == at {
                replaced.as_ref()
            } else {
                part.as_ref()
            };
            if let Some(part) = part {
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(part);
            }
        }
        query
    }

    /// Whether the search holds `facet` = `value`.
    pub fn selected(&self, facet: Facet, value: &str) -> bool {
        self.filters.iter().any(|(f, v)| *f == facet && v == value)
    }

    /// The first page of the same search with `facet` set to `value`, or
    /// cleared when it already is `value`.
    pub fn toggled(&self, facet: Facet, value: &str) -> String {
        let value = (!self.selected(facet, value)).then_some(value);
        let query = self.query(Some((facet, value)));
        if query.is_empty() {
            "/directory".to_owned()
        } else {
            format!("/directory?{query}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain way: the whole search cloned, the facet changed, the
    /// whole query string encoded again.
    fn toggled_plainly(params: &SearchParams, facet: Facet, value: &str) -> String {
        let mut next = params.clone();
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
        let query = next.encoded();
        if query.is_empty() {
            "/directory".to_owned()
        } else {
            format!("/directory?{query}")
        }
    }

    #[test]
    fn facet_links_set_or_clear_one_facet_and_keep_the_rest_in_order() {
        for raw in [
            "",
            "q=housing",
            "q=caf%C3%A9+&region=North+West&page=3",
            "country=GB&source=Co-operatives+UK&near=51.5,-0.1,10",
            "bbox=50,-5,55,2&activity=http%3A%2F%2Fexample.org%2Fa%26b",
        ] {
            let params = SearchParams::parse(Some(raw)).unwrap();
            let links = params.links();
            for facet in Facet::ALL {
                for value in ["North West", "GB", "Co-operatives UK", "a&b=c", "é"] {
                    assert_eq!(
                        links.toggled(facet, value),
                        toggled_plainly(&params, facet, value),
                        "{raw}: {facet:?} = {value}"
                    );
                }
            }
        }
        let links = SearchParams::parse(Some("region=North+West"))
            .unwrap()
            .links();
        assert_eq!(links.toggled(Facet::Region, "North West"), "/directory");
        assert_eq!(
            links.toggled(Facet::Country, "GB"),
            "/directory?country=GB&region=North+West"
        );
    }
}
