//! Reading the tables compiled into coopkit (built from npm packages by
//! `scripts/gazetteer.py`): gzipped, tab-separated, coordinates in
//! hundred-thousandths of a degree.

use std::io::Read;

use rustc_hash::FxHashMap;

use crate::names::key;
use crate::{Centre, Gazetteer, Town};

const TOWNS: &[u8] = include_bytes!("../data/towns.tsv.gz");
const ADMIN1: &[u8] = include_bytes!("../data/admin1.tsv.gz");
const ADMIN2: &[u8] = include_bytes!("../data/admin2.tsv.gz");
const US_ZIPS: &[u8] = include_bytes!("../data/us_zips.tsv.gz");

/// A table's text. The tables are part of the build, not input: one that
/// does not read (a broken checkout) leaves the gazetteer without it, and
/// the crate's tests, which find places in every table, fail.
fn text(gzipped: &[u8]) -> String {
    let mut text = String::new();
    if flate2::read::GzDecoder::new(gzipped)
        .read_to_string(&mut text)
        .is_err()
    {
        text.clear();
    }
    text
}

fn rows<const N: usize>(text: &str) -> impl Iterator<Item = [&str; N]> {
    text.lines().map(|line| {
        let mut fields = line.split('\t');
        std::array::from_fn(|_| fields.next().unwrap_or_default())
    })
}

fn number<T: std::str::FromStr + Default>(field: &str) -> T {
    field.parse().unwrap_or_default()
}

/// Hundred-thousandths of a degree to millionths.
fn e6(field: &str) -> i32 {
    number::<i32>(field).saturating_mul(10)
}

/// A running sum of points, for the middle of a division's towns.
#[derive(Default)]
struct Sum {
    lat: i64,
    lon: i64,
    count: i64,
}

impl Sum {
    fn add(&mut self, town: &Town) {
        self.lat += i64::from(town.lat_e6);
        self.lon += i64::from(town.lon_e6);
        self.count += 1;
    }

    fn centre(&self, name: String) -> Centre {
        let count = self.count.max(1);
        Centre {
            name,
            lat_e6: i32::try_from(self.lat / count).unwrap_or_default(),
            lon_e6: i32::try_from(self.lon / count).unwrap_or_default(),
        }
    }
}

pub fn gazetteer() -> Gazetteer {
    let admin1_text = text(ADMIN1);
    let admin1_names: FxHashMap<&str, &str> = rows::<2>(&admin1_text)
        .map(|[code, name]| (code, name))
        .collect();
    let admin2_text = text(ADMIN2);
    let county_names: FxHashMap<&str, &str> = rows::<2>(&admin2_text)
        .map(|[code, name]| (code, name))
        .collect();

    let towns_text = text(TOWNS);
    let mut divisions: Vec<Box<str>> = Vec::new();
    let mut division_index: FxHashMap<String, u16> = FxHashMap::default();
    let mut division_sums: Vec<Sum> = Vec::new();
    let mut county_sums: FxHashMap<(u16, &str), Sum> = FxHashMap::default();
    let mut towns = Vec::with_capacity(towns_text.len() / 40);
    for [name, country, admin1, admin2, lat, lon, population] in rows::<7>(&towns_text) {
        let code = format!("{country}.{admin1}");
        let division = *division_index.entry(code.clone()).or_insert_with(|| {
            divisions.push(code.into());
            division_sums.push(Sum::default());
            u16::try_from(divisions.len() - 1).unwrap_or(u16::MAX)
        });
        let town = Town {
            name: name.into(),
            division,
            lat_e6: e6(lat),
            lon_e6: e6(lon),
            population: number(population),
        };
        if let Some(sum) = division_sums.get_mut(usize::from(division)) {
            sum.add(&town);
        }
        if country == "US" && !admin2.is_empty() {
            county_sums
                .entry((division, admin2))
                .or_default()
                .add(&town);
        }
        towns.push(town);
    }

    let mut by_name: Vec<u32> = (0..u32::try_from(towns.len()).unwrap_or(u32::MAX)).collect();
    by_name.sort_by_cached_key(|&i| key(&towns[i as usize].name));

    let division_centres = divisions
        .iter()
        .zip(&division_sums)
        .map(|(code, sum)| {
            let name = admin1_names.get(&**code).copied().unwrap_or_default();
            sum.centre(name.to_owned())
        })
        .collect();
    let counties = county_sums
        .into_iter()
        .filter_map(|((division, admin2), sum)| {
            let state = divisions.get(usize::from(division))?;
            let name = county_names.get(format!("{state}.{admin2}").as_str())?;
            Some(((division, key(name)), sum.centre((*name).to_owned())))
        })
        .collect();
    let zips_text = text(US_ZIPS);
    let zips = rows::<3>(&zips_text)
        .filter_map(|[zip, lat, lon]| Some((zip.parse().ok()?, (e6(lat), e6(lon)))))
        .collect();
    Gazetteer {
        towns,
        by_name,
        divisions,
        division_index: division_index
            .into_iter()
            .map(|(code, index)| (code.into_boxed_str(), index))
            .collect(),
        division_centres,
        counties,
        zips,
    }
}
