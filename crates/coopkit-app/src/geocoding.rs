//! Street addresses, through a geocoding service the operator names
//! (`geocoding.url`): Nominatim's `/search`, or Photon's `/api` (a URL
//! whose path ends in `api`). The bundled gazetteer knows towns and ZIP
//! codes; only what it does not know is sent, one match asked for, with a
//! time limit, so a slow or absent service costs a form a few seconds and
//! a clear "not found", never a failure.

use std::time::Duration;

use coopkit_domain::parse_minor_units;
use serde::Deserialize;

use crate::App;

/// How long a form waits for the service.
const TIMEOUT: Duration = Duration::from_secs(5);

/// A place the service found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Geocoded {
    pub lat_e6: i32,
    pub lon_e6: i32,
    /// How the service names it: "1600 Pennsylvania Avenue NW, Washington…".
    pub label: String,
}

/// The client of the operator's geocoding service.
#[derive(Clone, Debug)]
pub struct Geocoder {
    http: reqwest::Client,
    url: String,
    photon: bool,
}

/// Nominatim's answer (`format=jsonv2`): matches with degrees as text.
#[derive(Deserialize)]
struct NominatimMatch {
    lat: String,
    lon: String,
    display_name: String,
}

/// Photon's answer: GeoJSON features, coordinates as numbers.
#[derive(Deserialize)]
struct PhotonAnswer {
    features: Vec<PhotonFeature>,
}

#[derive(Deserialize)]
struct PhotonFeature {
    geometry: PhotonPoint,
    #[serde(default)]
    properties: PhotonProperties,
}

#[derive(Deserialize)]
struct PhotonPoint {
    /// Longitude, then latitude.
    coordinates: (serde_json::Number, serde_json::Number),
}

#[derive(Default, Deserialize)]
struct PhotonProperties {
    name: Option<String>,
    housenumber: Option<String>,
    street: Option<String>,
    city: Option<String>,
    country: Option<String>,
}

impl PhotonProperties {
    /// "12 Baker Street, London, United Kingdom", from what it has.
    fn label(self) -> String {
        let street = match (self.housenumber, self.street) {
            (Some(number), Some(street)) => Some(format!("{number} {street}")),
            (None, street) => street,
            (Some(number), None) => Some(number),
        };
        [self.name, street, self.city, self.country]
            .into_iter()
            .flatten()
            .filter(|part| !part.trim().is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Degrees written as a decimal ("38.8976633", "-77.0365"), in
/// millionths: places past the sixth (under 11 cm) are dropped, and no
/// floating point is involved.
fn millionths(text: &str) -> Option<i32> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = match digits.split_once('.') {
        Some((whole, fraction)) => format!("{whole}.{}", &fraction[..fraction.len().min(6)]),
        None => digits.to_owned(),
    };
    let magnitude = i32::try_from(parse_minor_units(&digits, 6).ok()?).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

fn on_earth(lat: &str, lon: &str, label: String) -> Option<Geocoded> {
    let (lat_e6, lon_e6) = (millionths(lat)?, millionths(lon)?);
    (lat_e6.abs() <= 90_000_000 && lon_e6.abs() <= 180_000_000).then_some(Geocoded {
        lat_e6,
        lon_e6,
        label,
    })
}

impl Geocoder {
    /// A client of the service at `url`; `None` when `url` is empty.
    pub fn new(url: &str) -> Option<Geocoder> {
        let url = url.trim().trim_end_matches('/');
        if url.is_empty() {
            return None;
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // Nominatim's usage policy asks every client to say who it is.
            .user_agent(concat!("coopkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .ok()?;
        Some(Geocoder {
            http,
            photon: url.rsplit('/').next() == Some("api"),
            url: url.to_owned(),
        })
    }

    /// The service's best match for `text`, if it has one. A service that
    /// fails or answers what cannot be read finds nothing; the failure is
    /// logged for the operator.
    pub async fn find(&self, text: &str) -> Option<Geocoded> {
        let mut query = vec![("q", text), ("limit", "1")];
        if !self.photon {
            query.push(("format", "jsonv2"));
        }
        let answer = match self.http.get(&self.url).query(&query).send().await {
            Ok(answer) if answer.status().is_success() => answer,
            Ok(answer) => {
                tracing::warn!(status = %answer.status(), "the geocoding service refused a search");
                return None;
            }
            Err(error) => {
                tracing::warn!(%error, "the geocoding service did not answer");
                return None;
            }
        };
        let found = if self.photon {
            answer.json::<PhotonAnswer>().await.map(|a| {
                a.features.into_iter().next().and_then(|f| {
                    let (lon, lat) = f.geometry.coordinates;
                    on_earth(&lat.to_string(), &lon.to_string(), f.properties.label())
                })
            })
        } else {
            answer.json::<Vec<NominatimMatch>>().await.map(|matches| {
                matches
                    .into_iter()
                    .next()
                    .and_then(|m| on_earth(&m.lat, &m.lon, m.display_name))
            })
        };
        found.unwrap_or_else(|error| {
            tracing::warn!(%error, "the geocoding service's answer could not be read");
            None
        })
    }
}

impl App {
    /// Where the operator's geocoding service puts `text`; `None` when no
    /// service is set or it finds nothing.
    pub async fn geocode(&self, text: &str) -> Option<Geocoded> {
        self.geocoder.as_ref()?.find(text).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_are_read_exactly_to_millionths() {
        assert_eq!(millionths("38.8976633"), Some(38_897_663));
        assert_eq!(millionths("-77.0365"), Some(-77_036_500));
        assert_eq!(millionths("0"), Some(0));
        assert_eq!(millionths("1e5"), None);
        assert_eq!(on_earth("91", "0", String::new()), None);
    }

    #[test]
    fn photon_places_are_named_from_their_parts() {
        let props = PhotonProperties {
            name: None,
            housenumber: Some("221b".into()),
            street: Some("Baker Street".into()),
            city: Some("London".into()),
            country: Some("United Kingdom".into()),
        };
        assert_eq!(props.label(), "221b Baker Street, London, United Kingdom");
    }
}
