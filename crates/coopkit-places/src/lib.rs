//! The bundled gazetteer: the world's towns of a thousand people or more
//! and the seats of their divisions (GeoNames, CC BY 4.0), the divisions
//! they lie in, and the centres of US ZIP codes (US Census Bureau, public
//! domain), compiled into coopkit so that a place typed by name, or a list
//! that names only a town, a ZIP code or a county, is placed without a
//! network. The tables are read once, on first use, and take a fixed
//! amount of memory (`coopkit bench places` measures it).

mod countries;
mod load;
mod names;

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use countries::country;
pub use names::key;
use names::starts_with_words;

/// How closely a place found stands for where something is: a point in
/// the list is exact; these are the gazetteer's, from closest to widest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// The centre of a postal code's area (a US ZIP code).
    Postcode,
    /// The centre of a town.
    Town,
    /// The middle of a county's towns.
    County,
    /// The middle of a state's or region's towns.
    Region,
}

impl Precision {
    pub const ALL: [Precision; 4] = [
        Precision::Postcode,
        Precision::Town,
        Precision::County,
        Precision::Region,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Precision::Postcode => "postcode",
            Precision::Town => "town",
            Precision::County => "county",
            Precision::Region => "region",
        }
    }
}

/// A place the gazetteer found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// Its name with the division and country it lies in, as people tell
    /// namesakes apart: "Manchester, England, GB".
    pub label: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Millionths of a degree.
    pub lat_e6: i32,
    pub lon_e6: i32,
    pub precision: Precision,
}

impl Place {
    /// Latitude and longitude in degrees.
    pub fn degrees(&self) -> (f64, f64) {
        (f64::from(self.lat_e6) / 1e6, f64::from(self.lon_e6) / 1e6)
    }
}

struct Town {
    name: Box<str>,
    /// Index into [`Gazetteer::divisions`].
    division: u16,
    lat_e6: i32,
    lon_e6: i32,
    population: u32,
}

/// A division's name and the middle of its towns.
struct Centre {
    name: String,
    lat_e6: i32,
    lon_e6: i32,
}

/// The gazetteer's tables. [`Gazetteer::bundled`] is the one coopkit uses.
pub struct Gazetteer {
    towns: Vec<Town>,
    /// Town indices in the order of their names' keys: a name, and every
    /// name it begins, is a range found by binary search.
    by_name: Vec<u32>,
    /// First-level divisions as `CC.A1` ("GB.ENG", "US.WA").
    divisions: Vec<Box<str>>,
    division_index: FxHashMap<Box<str>, u16>,
    division_centres: Vec<Centre>,
    /// US counties by state and the key of their name ("accomack county").
    counties: FxHashMap<(u16, String), Centre>,
    zips: FxHashMap<u32, (i32, i32)>,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer")
            .field("towns", &self.towns.len())
            .field("divisions", &self.divisions.len())
            .field("counties", &self.counties.len())
            .field("zips", &self.zips.len())
            .finish()
    }
}

/// How far a part of a town may lie from the town it is named with.
const NEIGHBOURS_KM: i64 = 30;

/// Millionths of a degree of latitude per kilometre.
const PER_KM: i64 = 8_993;

/// The square of the distance between two towns in millionths of a degree
/// of latitude, on a flat map around them (near enough at tens of
/// kilometres).
fn squared_distance(a: &Town, b: &Town) -> i64 {
    let north = i64::from(a.lat_e6) - i64::from(b.lat_e6);
    let cos = (f64::from(a.lat_e6) / 1e6).to_radians().cos();
    // Rounded to whole millionths: a comparison, not a measurement.
    #[allow(clippy::cast_possible_truncation)]
    let east = ((i64::from(a.lon_e6) - i64::from(b.lon_e6)) as f64 * cos) as i64;
    north * north + east * east
}

/// Whether two towns are within `km` of each other.
fn within_km(a: &Town, b: &Town, km: i64) -> bool {
    squared_distance(a, b) <= (km * PER_KM) * (km * PER_KM)
}

/// Most matches a search gives.
pub const MAX_MATCHES: usize = 20;

/// The words a county's name may end with after the name lists use
/// ("Accomack" for "Accomack County").
const COUNTY_WORDS: [&str; 6] = [
    "county",
    "parish",
    "borough",
    "census area",
    "city and borough",
    "municipality",
];

impl Gazetteer {
    /// The tables compiled into coopkit, read on first use.
    pub fn bundled() -> &'static Gazetteer {
        static BUNDLED: OnceLock<Gazetteer> = OnceLock::new();
        BUNDLED.get_or_init(load::gazetteer)
    }

    /// How many towns it knows.
    pub fn towns(&self) -> usize {
        self.towns.len()
    }

    /// The places a typed text may mean, best first, at most `limit`:
    /// "Manchester" (the most populous first), "Capitol Hill, Washington"
    /// (a town, then its state, region or country, in any order), a US
    /// ZIP code. With `partial`, the last word may be unfinished
    /// ("Manch"), as while someone types; whole names still come first.
    pub fn find(&self, text: &str, limit: usize, partial: bool) -> Vec<Place> {
        let limit = limit.min(MAX_MATCHES);
        let text = text.trim();
        if let Some(place) = self.zip(text) {
            return vec![place];
        }
        let mut parts = text.split(',');
        let name = key(parts.next().unwrap_or_default());
        let qualifiers: Vec<&str> = parts.map(str::trim).filter(|q| !q.is_empty()).collect();
        if name.is_empty() || limit == 0 {
            return Vec::new();
        }
        // What is being typed is the last word: the name when it stands
        // alone, else the last qualifier ("Capitol Hill, Wash").
        let name_partial = partial && qualifiers.is_empty() && name.chars().count() >= 2;
        let last = qualifiers.len().saturating_sub(1);
        let mut found: Vec<(bool, u32, u32)> = self
            .named(&name, name_partial)
            .filter(|&i| {
                let town = &self.towns[i as usize];
                qualifiers
                    .iter()
                    .enumerate()
                    .all(|(at, q)| self.lies_in(town, q, partial && at == last))
            })
            .map(|i| {
                let town = &self.towns[i as usize];
                (key(&town.name) != name, town.population, i)
            })
            .collect();
        found.sort_unstable_by_key(|&(prefix, population, i)| {
            (prefix, std::cmp::Reverse(population), i)
        });
        found
            .into_iter()
            .take(limit)
            .map(|(_, _, i)| self.town_place(&self.towns[i as usize]))
            .collect()
    }

    /// The best place a text means, if any.
    pub fn place(&self, text: &str) -> Option<Place> {
        self.find(text, 1, false).into_iter().next()
    }

    /// A town by name in a country, and in a region if one is given and
    /// the gazetteer knows it; the most populous of namesakes.
    pub fn town(&self, country: &str, region: &str, name: &str) -> Option<Place> {
        let name = key(name);
        if name.is_empty() {
            return None;
        }
        let best = |in_region: bool| {
            self.named(&name, false)
                .map(|i| &self.towns[i as usize])
                .filter(|town| self.country_of(town) == country)
                .filter(|town| !in_region || self.lies_in(town, region, false))
                .max_by_key(|town| town.population)
        };
        let town = if region.trim().is_empty() {
            best(false)
        } else {
            best(true).or_else(|| best(false))
        };
        town.map(|town| self.town_place(town))
    }

    /// The centre of a US ZIP code's area, written with or without the
    /// leading zeros some lists lose ("6114" for 06114).
    pub fn zip(&self, text: &str) -> Option<Place> {
        let digits = text.trim().split('-').next().unwrap_or_default();
        if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let zip: u32 = digits.parse().ok()?;
        let &(lat_e6, lon_e6) = self.zips.get(&zip)?;
        Some(Place {
            label: format!("{zip:05}, US"),
            country: "US".to_owned(),
            lat_e6,
            lon_e6,
            precision: Precision::Postcode,
        })
    }

    /// The middle of a US county's towns, by the state's code and the
    /// county's name ("VA", "Accomack").
    pub fn county(&self, state: &str, name: &str) -> Option<Place> {
        let division = *self
            .division_index
            .get(format!("US.{}", state.trim().to_ascii_uppercase()).as_str())?;
        let name = key(name);
        let centre = std::iter::once(name.clone())
            .chain(COUNTY_WORDS.iter().map(|word| format!("{name} {word}")))
            .find_map(|k| self.counties.get(&(division, k)))?;
        let state = &self.division_centres.get(usize::from(division))?.name;
        Some(Place {
            label: format!("{}, {state}, US", centre.name),
            country: "US".to_owned(),
            lat_e6: centre.lat_e6,
            lon_e6: centre.lon_e6,
            precision: Precision::County,
        })
    }

    /// The middle of a first-level division's towns, by country and the
    /// division's code or name ("US", "VA"; "GB", "Scotland").
    pub fn region(&self, country: &str, region: &str) -> Option<Place> {
        let wanted = key(region);
        let index = self
            .divisions
            .iter()
            .enumerate()
            .filter(|(_, code)| code.split('.').next() == Some(country))
            .find(|(i, code)| {
                let name = self.division_centres.get(*i).map(|c| key(&c.name));
                code.split('.').nth(1).map(key).as_deref() == Some(wanted.as_str())
                    || name.as_deref() == Some(wanted.as_str())
            })
            .map(|(i, _)| i)?;
        let centre = self.division_centres.get(index)?;
        Some(Place {
            label: format!("{}, {country}", centre.name),
            country: country.to_owned(),
            lat_e6: centre.lat_e6,
            lon_e6: centre.lon_e6,
            precision: Precision::Region,
        })
    }

    /// The town nearest a point, within `km`: where a point typed or
    /// saved as degrees is, in words.
    pub fn nearest(&self, lat_e6: i32, lon_e6: i32, km: i64) -> Option<Place> {
        let here = Town {
            name: "".into(),
            division: 0,
            lat_e6,
            lon_e6,
            population: 0,
        };
        self.towns
            .iter()
            .filter(|town| within_km(town, &here, km))
            .min_by_key(|town| squared_distance(town, &here))
            .map(|town| self.town_place(town))
    }

    /// The towns whose names are `name` or, with `partial`, begin with it.
    fn named<'a>(&'a self, name: &'a str, partial: bool) -> impl Iterator<Item = u32> + 'a {
        let start = self
            .by_name
            .partition_point(|&i| key(&self.towns[i as usize].name).as_str() < name);
        self.by_name[start..].iter().copied().take_while(move |&i| {
            let k = key(&self.towns[i as usize].name);
            if partial {
                k.starts_with(name)
            } else {
                k == name
            }
        })
    }

    fn country_of(&self, town: &Town) -> &str {
        self.divisions
            .get(usize::from(town.division))
            .and_then(|code| code.split('.').next())
            .unwrap_or_default()
    }

    /// Whether a town lies in what a qualifier names: its country (by
    /// code or name), its first-level division (by code, or by the first
    /// words of its name), or a bigger town within [`NEIGHBOURS_KM`] of it
    /// in the same division: "Capitol Hill, Washington" is the part of
    /// Washington, D.C., of that name, though its division is called the
    /// District of Columbia. With `partial`, the qualifier's last word may
    /// be unfinished.
    fn lies_in(&self, town: &Town, qualifier: &str, partial: bool) -> bool {
        let country = self.country_of(town);
        if countries::country(qualifier).as_deref() == Some(country) {
            return true;
        }
        let Some(code) = self.divisions.get(usize::from(town.division)) else {
            return false;
        };
        let wanted = key(qualifier);
        let division_code = code.split('.').nth(1).unwrap_or_default();
        let division_name = self
            .division_centres
            .get(usize::from(town.division))
            .map(|c| key(&c.name))
            .unwrap_or_default();
        !wanted.is_empty()
            && (key(division_code) == wanted
                || starts_with_words(&division_name, &wanted, partial)
                || self.named(&wanted, partial).any(|i| {
                    let other = &self.towns[i as usize];
                    other.division == town.division
                        && other.population >= town.population
                        && within_km(other, town, NEIGHBOURS_KM)
                }))
    }

    fn town_place(&self, town: &Town) -> Place {
        let country = self.country_of(town).to_owned();
        let division = self
            .division_centres
            .get(usize::from(town.division))
            .map(|c| c.name.as_str())
            .filter(|name| !name.is_empty() && *name != &*town.name);
        let label = match division {
            Some(division) => format!("{}, {division}, {country}", town.name),
            None => format!("{}, {country}", town.name),
        };
        Place {
            label,
            country,
            lat_e6: town.lat_e6,
            lon_e6: town.lon_e6,
            precision: Precision::Town,
        }
    }
}
