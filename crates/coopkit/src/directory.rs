//! `coopkit directory ...`: comparing lists of co-ops as plain files, for
//! people who only want to know which rows are the same organisation.

use std::path::{Path, PathBuf};

use anyhow::Context;
use coopkit_app::directory::{ImportList, ListFormat, Stage};
use coopkit_app::App;
use coopkit_directory::{dedupe, link, read_csv, LinkConfig, Mapping, Record};
use coopkit_domain::Timestamp;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, clap::Subcommand)]
pub enum DirectoryCommand {
    /// Link one list against another: writes `left_id,right_id,score` for
    /// every pair judged the same organisation.
    Link(LinkArgs),
    /// Find the duplicates within one list: writes `id,cluster` for every
    /// row, rows of one organisation sharing the cluster (the id of its
    /// first row).
    Dedupe(DedupeArgs),
    /// Import a list into the directory's database as a source: rows it
    /// gave before are updated by their ids, new rows are linked to the
    /// organisations other sources list or become new ones.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// csv (with --map), geojson (OpenStreetMap tags), jsonld (schema.org)
    /// or murmurations.
    #[arg(long)]
    format: String,
    /// The CSV's column mapping: a TOML file or a built-in name
    /// (coops-uk-2017, essglobal-standard, ncua-2025, eia-861).
    #[arg(long)]
    map: Option<String>,
    /// A second CSV of websites by the list's ids (first column the id,
    /// second the website), for publishers who give them apart.
    #[arg(long)]
    websites: Option<PathBuf>,
    /// The source's name; importing under it again updates its rows.
    #[arg(long)]
    source: String,
    /// The licence the list is under, as its publisher states it.
    #[arg(long, default_value = "")]
    licence: String,
    /// The attribution the licence requires, shown with every download.
    #[arg(long, default_value = "")]
    attribution: String,
    /// The date the list describes (YYYY-MM-DD); newer lists' values win
    /// [default: today].
    #[arg(long)]
    as_of: Option<String>,
    /// Where to write the report of rows that could not be read (CSV)
    /// [default: FILE's name.report.csv, in the current directory].
    #[arg(long)]
    report: Option<PathBuf>,
    #[command(flatten)]
    pub database: crate::DatabaseArgs,
}

#[derive(Debug, clap::Args)]
pub struct DedupeArgs {
    file: PathBuf,
    /// The list's column mapping (a TOML file or a built-in name).
    #[arg(long)]
    map: String,
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = LinkConfig::default().threshold)]
    threshold: f64,
}

#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    #[arg(long)]
    left: PathBuf,
    /// The left list's column mapping: a TOML file with a [columns]
    /// table, or a built-in name (coops-uk-2017, essglobal-standard,
    /// ncua-2025, eia-861).
    #[arg(long)]
    left_map: Option<String>,
    #[arg(long)]
    right: PathBuf,
    #[arg(long)]
    right_map: Option<String>,
    /// One mapping for both lists, when they share their columns.
    #[arg(long)]
    map: Option<String>,
    #[arg(long)]
    out: PathBuf,
    /// The least score (log2 odds) for a pair to be linked.
    #[arg(long, default_value_t = LinkConfig::default().threshold)]
    threshold: f64,
}

/// A mapping by built-in name or from a TOML file.
pub fn mapping(spec: &str) -> anyhow::Result<Mapping> {
    if let Some(mapping) = Mapping::built_in(spec) {
        return Ok(mapping);
    }
    let text =
        std::fs::read_to_string(spec).with_context(|| format!("cannot read the mapping {spec}"))?;
    Mapping::from_toml(&text).map_err(|e| anyhow::anyhow!("{spec}: {e}"))
}

/// A mapping with the websites of a second file joined in by id.
fn with_websites(mapping: Mapping, websites: &Path) -> anyhow::Result<Mapping> {
    let bytes =
        std::fs::read(websites).with_context(|| format!("cannot read {}", websites.display()))?;
    mapping
        .with_websites(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", websites.display()))
}

/// Reads a list; an error names the file and the row.
pub fn read_list(path: &Path, mapping: &Mapping) -> anyhow::Result<Vec<Record>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    read_csv(&bytes, mapping).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Writes a whole file under a temporary name, then renames it: no
/// half-written file stays behind.
fn write_whole(path: &Path, text: String) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Imports a list, with a progress bar on standard error, and writes the
/// report of the rows that could not be read beside it.
async fn import(app: &App, args: ImportArgs) -> anyhow::Result<String> {
    let format = match args.format.as_str() {
        "csv" => {
            let map = args
                .map
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("a CSV list needs --map"))?;
            match &args.websites {
                Some(websites) => ListFormat::Csv(with_websites(mapping(map)?, websites)?),
                None => ListFormat::Csv(mapping(map)?),
            }
        }
        "geojson" => ListFormat::GeoJson,
        "jsonld" => ListFormat::JsonLd,
        "murmurations" => ListFormat::Murmurations,
        other => anyhow::bail!("--format {other:?}: give csv, geojson, jsonld or murmurations"),
    };
    let as_of = match &args.as_of {
        Some(date) => Timestamp::parse_date(date)
            .map_err(|_| anyhow::anyhow!("--as-of {date:?}: give a date as YYYY-MM-DD"))?,
        None => app.now(),
    };
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let list = ImportList {
        source: args.source.clone(),
        file: args.file.display().to_string(),
        format,
        licence: args.licence,
        attribution: args.attribution,
        as_of,
    };
    let bar = ProgressBar::new(Stage::ALL.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let tell = |stage: Stage| {
        let at = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
        bar.set_position(at as u64);
        bar.set_message(stage.name());
    };
    let report = app.import_list_telling(&list, &bytes, &tell).await;
    bar.finish_and_clear();
    let report = report.map_err(|e| anyhow::anyhow!("nothing was imported: {e}"))?;
    // Beside where it runs, not beside the list: lists are often read
    // from places one cannot write to.
    let report_path = args.report.unwrap_or_else(|| {
        let stem = args.file.file_stem().unwrap_or_default().to_string_lossy();
        PathBuf::from(format!("{stem}.report.csv"))
    });
    write_whole(&report_path, report.problems_csv())?;
    Ok(format!(
        "{}: {} rows read ({} updated, {} linked to known organisations, {} new), \
         {} skipped, {} pairs to review; {} problems written to {}\n",
        report.source,
        report.rows_read,
        report.updated,
        report.linked,
        report.created,
        report.rows_skipped,
        report.to_review,
        report.problems.len(),
        report_path.display()
    ))
}

/// The demo's directory: the real lists in `data/`, imported once, in
/// the order they were made so the newer values win.
pub async fn import_demo_lists(app: &App, data: &Path) -> anyhow::Result<()> {
    if !app.directory_sources().await?.is_empty() {
        return Ok(());
    }
    if !data.is_dir() {
        tracing::warn!(path = %data.display(), "no demo lists there; the directory stays empty");
        return Ok(());
    }
    let uk = "Contains Co-operatives UK open data (ODC-By 1.0)";
    let ncua = with_websites(
        Mapping::ncua_2025(),
        &data.join("us_ncua_credit_union_websites_2025-12.csv"),
    )?;
    let lists = [
        (
            "coopsuk_2017-06_organisations.csv",
            "Co-operatives UK 2017",
            ListFormat::Csv(Mapping::coops_uk_2017()),
            "ODC-By 1.0",
            uk,
            "2017-06-30",
        ),
        (
            "transformap_susy_ssedas_2020.geojson",
            "TransforMap SUSY 2020",
            ListFormat::GeoJson,
            "Public Domain",
            "",
            "2020-01-01",
        ),
        (
            "coopsuk_2023-Q2_essglobal_standard.csv",
            "Co-operatives UK 2023",
            ListFormat::Csv(Mapping::essglobal_standard()),
            "ODC-By 1.0",
            uk,
            "2023-06-30",
        ),
        (
            "us_eia861_2018_electric_cooperatives.csv",
            "EIA-861 electric co-ops 2018",
            ListFormat::Csv(Mapping::eia_861()),
            "Public Domain (US federal government work)",
            "U.S. Energy Information Administration",
            "2018-12-31",
        ),
        (
            "us_ncua_federally_insured_credit_unions_2025q3.csv",
            "NCUA credit unions 2025",
            ListFormat::Csv(ncua),
            "Public Domain (US federal government work)",
            "National Credit Union Administration",
            "2025-09-30",
        ),
    ];
    for (file, source, format, licence, attribution, as_of) in lists {
        let path = data.join(file);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let list = ImportList {
            source: source.to_owned(),
            file: path.display().to_string(),
            format,
            licence: licence.to_owned(),
            attribution: attribution.to_owned(),
            as_of: Timestamp::parse_date(as_of).map_err(|e| anyhow::anyhow!("{as_of}: {e}"))?,
        };
        let report = app.import_list(&list, &bytes).await?;
        tracing::info!(
            source,
            rows = report.rows_read,
            new = report.created,
            linked = report.linked,
            to_review = report.to_review,
            "demo list imported"
        );
    }
    Ok(())
}

pub async fn run(config_file: Option<&Path>, command: DirectoryCommand) -> anyhow::Result<String> {
    match command {
        DirectoryCommand::Import(args) => {
            let config = crate::Config::load(config_file, args.database.clone().into())?;
            crate::init_logging(&config);
            let (app, _) = crate::open_app(&config).await?;
            let said = import(&app, args).await;
            app.close().await;
            said
        }
        DirectoryCommand::Dedupe(args) => {
            let records = read_list(&args.file, &mapping(&args.map)?)?;
            let config = LinkConfig {
                threshold: args.threshold,
                ..LinkConfig::default()
            };
            let clusters = dedupe(&records, &config);
            let mut out = String::from("id,cluster\n");
            for (record, &first) in records.iter().zip(&clusters) {
                out.push_str(&format!(
                    "{},{}\n",
                    csv_field(&record.id),
                    csv_field(&records[first].id)
                ));
            }
            write_whole(&args.out, out)?;
            let groups = clusters
                .iter()
                .enumerate()
                .filter(|(row, first)| row != *first)
                .count();
            Ok(format!(
                "{} rows, {} of them duplicates of an earlier row; written to {}\n",
                records.len(),
                groups,
                args.out.display()
            ))
        }
        DirectoryCommand::Link(args) => {
            let pick = |own: &Option<String>| {
                own.as_deref()
                    .or(args.map.as_deref())
                    .ok_or_else(|| anyhow::anyhow!("give --left-map and --right-map, or --map"))
                    .and_then(mapping)
            };
            let (left_map, right_map) = (pick(&args.left_map)?, pick(&args.right_map)?);
            let left = read_list(&args.left, &left_map)?;
            let right = read_list(&args.right, &right_map)?;
            let config = LinkConfig {
                threshold: args.threshold,
                left: left_map.list,
                right: right_map.list,
                ..LinkConfig::default()
            };
            let pairs = link(&left, &right, &config);
            let mut out = String::from("left_id,right_id,score\n");
            for pair in &pairs {
                out.push_str(&format!(
                    "{},{},{:.2}\n",
                    csv_field(&left[pair.left].id),
                    csv_field(&right[pair.right].id),
                    pair.score
                ));
            }
            write_whole(&args.out, out)?;
            Ok(format!(
                "{} pairs linked between {} and {} rows; written to {}\n",
                pairs.len(),
                left.len(),
                right.len(),
                args.out.display()
            ))
        }
    }
}
