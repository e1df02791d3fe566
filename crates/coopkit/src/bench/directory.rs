//! `coopkit bench directory --orgs N`: a directory of N generated
//! organisations shaped like the real lists (a CSV with names, streets,
//! towns, regions, postcodes, countries, points, legal forms, activities),
//! imported through the real import into a fresh database, indexed, then
//! searched with a fixed mix of text, facet and geographic queries.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use coopkit_app::directory::{Area, Facet, ImportList, ListFormat, Query, Stage};
use coopkit_app::{App, AppConfig};
use coopkit_directory::Mapping;
use coopkit_domain::{Clock, SystemClock};
use coopkit_store::{DatabaseLocation, Store};
use serde::Serialize;

use super::{peak_memory_mib, Random};

#[derive(Debug, clap::Args)]
pub struct DirectoryBench {
    /// How many organisations to generate and import.
    #[arg(long, default_value_t = 100_000)]
    orgs: usize,
    /// Searches to time (the fixed mix, repeated).
    #[arg(long, default_value_t = 1_000)]
    queries: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Use PostgreSQL at this URL (a database for the benchmark alone)
    /// instead of a scratch SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Print one JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    backend: &'static str,
    orgs: usize,
    csv_mib: f64,
    /// Reading, writing and merging, until the import starts indexing.
    import_seconds: f64,
    import_rows_per_s: f64,
    /// Where the import's time went.
    import_stages: Vec<StageTime>,
    /// Building the search index from the database, as a server does when
    /// it starts.
    index_seconds: f64,
    queries: usize,
    query_p50_ms: f64,
    query_p99_ms: f64,
    query_max_ms: f64,
    /// Each kind of query timed apart.
    kinds: Vec<KindLatency>,
    peak_memory_mib: Option<u64>,
}

#[derive(Debug, Serialize)]
struct StageTime {
    stage: &'static str,
    seconds: f64,
}

#[derive(Debug, Serialize)]
struct KindLatency {
    kind: &'static str,
    p50_ms: f64,
    max_ms: f64,
}

const KINDS: [(&str, &str); 8] = [
    (
        "Housing Co-operative Limited",
        "Homes owned and run by their tenants",
    ),
    (
        "Community Energy Limited",
        "Solar panels and wind turbines owned by the community",
    ),
    (
        "Bakery Co-operative Ltd",
        "Bread and cakes baked by a workers' co-operative",
    ),
    ("Food Co-op", "Wholefoods bought together at fair prices"),
    ("Credit Union Limited", "Savings and loans for members"),
    (
        "Community Shop Limited",
        "The village shop, owned by the village",
    ),
    (
        "Workers Co-operative Limited",
        "Owned and controlled by the people who work in it",
    ),
    (
        "Football Supporters Society Limited",
        "Supporters owning their club",
    ),
];
const LEGAL_FORMS: [&str; 5] = [
    "Society",
    "Company",
    "Community Interest Company",
    "Unincorporated",
    "Partnership",
];
const COUNTRIES: [&str; 10] = ["GB", "GB", "GB", "GB", "GB", "GB", "DE", "FR", "ES", "IT"];
const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "nu", "pe", "ra", "si", "tu", "ven", "dor", "bel", "gar", "hol", "mar",
    "tin", "wy",
];

fn word(random: &mut Random) -> String {
    let mut word = String::new();
    for s in 0..2 + random.below(2) {
        let syllable = SYLLABLES[random.below(SYLLABLES.len() as u64) as usize];
        if s == 0 {
            word.push_str(&syllable[..1].to_uppercase());
            word.push_str(&syllable[1..]);
        } else {
            word.push_str(syllable);
        }
    }
    word
}

struct Town {
    name: String,
    region: usize,
    lat: f64,
    lon: f64,
}

const MAPPING: &str = "[columns]\nid = \"Id\"\nname = \"Name\"\ndescription = \"Description\"\n\
    street = \"Street\"\nlocality = \"Town\"\nregion = \"Region\"\npostcode = \"Postcode\"\n\
    country = \"Country\"\nwebsite = \"Website\"\nlat = \"Lat\"\nlon = \"Lon\"\n\
    legal_form = \"Legal form\"\nactivity = \"Activity\"\n";

/// The list as a CSV file, and the towns its points are around.
fn generate(orgs: usize, random: &mut Random) -> (Vec<u8>, Vec<Town>) {
    let towns: Vec<Town> = (0..2_000)
        .map(|_| Town {
            name: word(random),
            region: random.below(40) as usize,
            lat: 50.0 + random.below(8_000) as f64 / 1_000.0,
            lon: -5.0 + random.below(7_000) as f64 / 1_000.0,
        })
        .collect();
    let mut out = csv::Writer::from_writer(Vec::with_capacity(orgs * 220));
    let _ = out.write_record([
        "Id",
        "Name",
        "Description",
        "Street",
        "Town",
        "Region",
        "Postcode",
        "Country",
        "Website",
        "Lat",
        "Lon",
        "Legal form",
        "Activity",
    ]);
    for id in 0..orgs {
        let town = &towns[random.below(towns.len() as u64) as usize];
        let (kind, description) = KINDS[random.below(KINDS.len() as u64) as usize];
        let own = word(random);
        let website = if random.below(3) == 0 {
            format!("https://{}.coop", own.to_lowercase())
        } else {
            String::new()
        };
        let _ = out.write_record([
            id.to_string(),
            format!("{} {own} {kind}", town.name),
            description.to_owned(),
            format!("{} {} Street", 1 + random.below(200), word(random)),
            town.name.clone(),
            format!("Region {}", town.region),
            format!(
                "{}{} {}AB",
                &town.name[..2].to_uppercase(),
                1 + random.below(30),
                random.below(10)
            ),
            COUNTRIES[random.below(COUNTRIES.len() as u64) as usize].to_owned(),
            website,
            format!(
                "{:.5}",
                town.lat + random.between(-200, 200) as f64 / 10_000.0
            ),
            format!(
                "{:.5}",
                town.lon + random.between(-200, 200) as f64 / 10_000.0
            ),
            LEGAL_FORMS[random.below(LEGAL_FORMS.len() as u64) as usize].to_owned(),
            format!("ICA{}", 10 * (1 + random.below(30))),
        ]);
    }
    (out.into_inner().unwrap_or_default(), towns)
}

/// The fixed mix: words alone, words and facets, facets alone, a box, a
/// radius, words in a radius, a deep page.
/// The kinds of query in [`mix`], in its order.
const QUERY_KINDS: [&str; 10] = [
    "a word",
    "two words",
    "a word and a country",
    "a legal form",
    "a country and an activity",
    "a 0.5° box",
    "a 10 km radius",
    "a word, a 25 km radius and a legal form",
    "a town's name",
    "everything, at offset 1,000",
];

fn mix(towns: &[Town]) -> Vec<Query> {
    let near = |i: usize| &towns[i % towns.len()];
    let mut queries = Vec::new();
    for i in 0..10 {
        let town = near(i * 37);
        let base = Query {
            limit: 20,
            ..Query::default()
        };
        queries.extend([
            Query {
                text: "housing".to_owned(),
                ..base.clone()
            },
            Query {
                text: "community energy".to_owned(),
                ..base.clone()
            },
            Query {
                text: "bakery".to_owned(),
                filters: vec![(Facet::Country, "GB".to_owned())],
                ..base.clone()
            },
            Query {
                filters: vec![(Facet::LegalForm, "Society".to_owned())],
                ..base.clone()
            },
            Query {
                filters: vec![
                    (Facet::Country, "DE".to_owned()),
                    (Facet::Activity, format!("ICA{}", 10 * (1 + i))),
                ],
                ..base.clone()
            },
            Query {
                area: Some(Area::Box {
                    south: town.lat - 0.25,
                    west: town.lon - 0.25,
                    north: town.lat + 0.25,
                    east: town.lon + 0.25,
                }),
                ..base.clone()
            },
            Query {
                area: Some(Area::Circle {
                    lat: town.lat,
                    lon: town.lon,
                    km: 10.0,
                }),
                ..base.clone()
            },
            Query {
                text: "food".to_owned(),
                area: Some(Area::Circle {
                    lat: town.lat,
                    lon: town.lon,
                    km: 25.0,
                }),
                filters: vec![(Facet::LegalForm, "Society".to_owned())],
                ..base.clone()
            },
            Query {
                text: town.name.clone(),
                ..base.clone()
            },
            Query {
                offset: 1_000,
                ..base.clone()
            },
        ]);
    }
    queries
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

pub async fn run(args: DirectoryBench) -> anyhow::Result<String> {
    anyhow::ensure!(args.orgs >= 1_000, "--orgs must be at least 1000");
    let mut random = Random(args.seed);
    let (csv, towns) = generate(args.orgs, &mut random);

    let scratch = std::env::temp_dir().join(format!("coopkit-bench-dir-{}", std::process::id()));
    let location = match &args.database_url {
        Some(url) => DatabaseLocation::Postgres(url.clone()),
        None => {
            std::fs::create_dir_all(&scratch)
                .with_context(|| format!("cannot create {}", scratch.display()))?;
            DatabaseLocation::SqliteFile(scratch.join("bench.sqlite"))
        }
    };
    let report = measure(&args, &location, &csv, &towns).await;
    let _ = std::fs::remove_dir_all(&scratch);
    let report = report?;
    if args.json {
        return Ok(serde_json::to_string(&report)? + "\n");
    }
    let stages: String = report
        .import_stages
        .iter()
        .map(|s| format!("  import, {}: {:.1} s\n", s.stage, s.seconds))
        .collect();
    let kinds: String = report
        .kinds
        .iter()
        .map(|k| {
            format!(
                "  {}: p50 {:.2} ms, max {:.2} ms\n",
                k.kind, k.p50_ms, k.max_ms
            )
        })
        .collect();
    Ok(format!(
        "{} organisations ({:.0} MiB of CSV) on {}: imported in {:.1} s ({:.0} rows/s), indexed in {:.1} s; \
         {} searches: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; peak memory {} MiB\n{stages}{kinds}",
        report.orgs,
        report.csv_mib,
        report.backend,
        report.import_seconds,
        report.import_rows_per_s,
        report.index_seconds,
        report.queries,
        report.query_p50_ms,
        report.query_p99_ms,
        report.query_max_ms,
        report
            .peak_memory_mib
            .map_or_else(|| "unknown".to_owned(), |m| m.to_string())
    ))
}

async fn measure(
    args: &DirectoryBench,
    location: &DatabaseLocation,
    csv: &[u8],
    towns: &[Town],
) -> anyhow::Result<Report> {
    let store = Store::open(location).await?;
    let backend = store.backend().as_str();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let list = ImportList {
        source: "generated".to_owned(),
        file: "generated.csv".to_owned(),
        format: ListFormat::Csv(Mapping::from_toml(MAPPING)?),
        licence: String::new(),
        attribution: String::new(),
        as_of: clock.now(),
    };
    let app = App::new(store.clone(), clock, AppConfig::default());
    let started = Instant::now();
    let stages = std::sync::Mutex::new(Vec::new());
    let tell = |stage: Stage| {
        if let Ok(mut stages) = stages.lock() {
            stages.push((stage, started.elapsed().as_secs_f64()));
        }
    };
    let imported = app.import_list_telling(&list, csv, &tell).await?;
    let finished = started.elapsed().as_secs_f64();
    anyhow::ensure!(imported.created == args.orgs, "imported {imported:?}");
    let stages = stages.into_inner().unwrap_or_default();
    // Each stage lasts until the next begins; the import, until indexing.
    let import_seconds = stages
        .iter()
        .find(|(stage, _)| *stage == Stage::Indexing)
        .map_or(finished, |(_, at)| *at);
    let import_stages = stages
        .iter()
        .zip(stages.iter().skip(1).map(|(_, at)| *at).chain([finished]))
        .filter(|((stage, _), _)| *stage != Stage::Indexing)
        .map(|((stage, from), to)| StageTime {
            stage: stage.name(),
            seconds: to - from,
        })
        .collect();

    // A fresh app, as a server starting on this database.
    let fresh = App::new(store.clone(), Arc::new(SystemClock), AppConfig::default());
    let started = Instant::now();
    let indexed = fresh.rebuild_directory_index().await?;
    let index_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(indexed as usize == args.orgs, "indexed {indexed}");

    let queries = mix(towns);
    let mut latencies = Vec::with_capacity(args.queries);
    let mut by_kind: Vec<Vec<f64>> = vec![Vec::new(); QUERY_KINDS.len()];
    for (n, query) in queries.iter().cycle().take(args.queries).enumerate() {
        let started = Instant::now();
        fresh.search_directory(query).await?;
        let ms = started.elapsed().as_secs_f64() * 1_000.0;
        latencies.push(ms);
        by_kind[n % QUERY_KINDS.len()].push(ms);
    }
    latencies.sort_by(f64::total_cmp);
    let kinds = QUERY_KINDS
        .iter()
        .zip(by_kind)
        .map(|(kind, mut ms)| {
            ms.sort_by(f64::total_cmp);
            KindLatency {
                kind,
                p50_ms: percentile(&ms, 0.50),
                max_ms: ms.last().copied().unwrap_or(0.0),
            }
        })
        .collect();
    store.close().await;
    Ok(Report {
        backend,
        orgs: args.orgs,
        csv_mib: csv.len() as f64 / (1024.0 * 1024.0),
        import_seconds,
        import_rows_per_s: args.orgs as f64 / import_seconds,
        import_stages,
        index_seconds,
        queries: latencies.len(),
        query_p50_ms: percentile(&latencies, 0.50),
        query_p99_ms: percentile(&latencies, 0.99),
        query_max_ms: latencies.last().copied().unwrap_or(0.0),
        kinds,
        peak_memory_mib: peak_memory_mib(),
    })
}
