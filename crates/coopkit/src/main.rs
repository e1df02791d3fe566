//! The `coopkit` command.

mod admin;
mod bench;
mod config;
mod directory;
mod ledger;
mod mail;
mod periodic;
mod simulate;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use coopkit_app::{App, AppConfig};
use coopkit_domain::SystemClock;
use coopkit_store::{DatabaseLocation, Store};
use coopkit_web::{AppState, CookiePolicy};

use crate::config::{Config, Overrides};

/// mimalloc, not glibc's malloc. A page's request allocates and frees many
/// short-lived buffers on whichever worker thread runs it, and glibc's
/// per-thread arenas spent a third of the server's CPU in malloc, free and
/// consolidation under load; with mimalloc the directory search and the
/// market page served 20 to 40% more requests a second and the demo server
/// held 100 MB instead of 340 MB (BENCHMARKS.md, "Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Software for platform co-operatives: members and governance, a
/// verifiable ledger, a services marketplace, and an open-data directory.
#[derive(Debug, Parser)]
#[command(name = "coopkit", version)]
struct Cli {
    /// A TOML configuration file (see `coopkit config`).
    #[arg(long, global = true, env = "COOPKIT_CONFIG")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the co-ops in a data directory, or in PostgreSQL.
    Serve(ServeArgs),
    /// Load the demo co-ops into the data directory's SQLite database (once) and serve them.
    Demo(DemoArgs),
    /// Bring the database schema up to date, and exit.
    Migrate(DatabaseArgs),
    /// Print every configuration key with its default, as TOML.
    Config,
    /// Export or verify a co-op's ledger journal.
    #[command(subcommand)]
    Ledger(ledger::LedgerCommand),
    /// Count a BLT ballot file and print the result, round by round.
    Count(CountArgs),
    /// Compare lists of co-ops: which rows are the same organisation.
    #[command(subcommand)]
    Directory(directory::DirectoryCommand),
    /// Try token policies on a simulated co-op before its members live them.
    #[command(subcommand)]
    Simulate(simulate::SimulateCommand),
    /// Check that mail reaches people.
    #[command(subcommand)]
    Mail(mail::MailCommand),
    /// Give or take the roles that run the server: operator, moderator.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Measure how fast coopkit does its work (build with --release).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Durable transfers per second through the ledger writer, against one
    /// database transaction per transfer.
    Ledger(bench::ledger::LedgerBench),
    /// The matching engine on a generated city, against first-come asking.
    Match(bench::matching::MatchBench),
    /// A counting method on a large generated election.
    Count(bench::count::CountBench),
    /// The linker on the Co-operatives UK 2017 and 2023 lists, scored
    /// against their withheld ids.
    Link(bench::link::LinkBench),
    /// Import, index and search a generated directory.
    Directory(bench::directory::DirectoryBench),
    /// Stream-to-own plays through the ledger, with their royalties.
    Plays(bench::plays::PlaysBench),
    /// Changes of state with their events per second, and the event
    /// log read back through a consumer's cursor.
    Events(bench::events::EventsBench),
    /// The bundled gazetteer: reading it, its memory, and its lookups.
    Places(bench::places::PlacesBench),
}

#[derive(Debug, clap::Args)]
struct CountArgs {
    /// plurality, approval, irv, scottish-stv or meek-stv.
    #[arg(long, value_parser = ["plurality", "approval", "irv", "scottish-stv", "meek-stv"])]
    method: String,
    /// Seats to fill [default: the file's].
    #[arg(long)]
    seats: Option<usize>,
    /// The seed of any draw to break a tie; it is printed with the result.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print JSON: `elected`, `rounds`, `quota` and the rest.
    #[arg(long)]
    json: bool,
    /// The ballots, in BLT format.
    file: PathBuf,
}

#[derive(Clone, Debug, clap::Args)]
pub(crate) struct DatabaseArgs {
    /// Data directory holding the SQLite database [default: ./coopkit-data].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Use PostgreSQL at this URL instead of SQLite.
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    addr: Option<SocketAddr>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// Data directory holding the SQLite database [default: ./coopkit-data].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Where the real co-op lists for the demo's directory are.
    #[arg(long, default_value = "data")]
    lists: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One sentence: what we were doing, then why it failed.
            eprintln!("coopkit: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config_file = cli.config.as_deref();
    match cli.command {
        Command::Config => {
            print(&Config::defaults_toml())?;
            Ok(())
        }
        Command::Migrate(args) => {
            let config = Config::load(config_file, args.into())?;
            init_logging(&config);
            let location = database_location(&config)?;
            let store = Store::open(&location).await?;
            let version = store.schema_version().await?.unwrap_or(0);
            print(&format!(
                "{} is at schema version {version}\n",
                location.redacted()
            ))?;
            store.close().await;
            Ok(())
        }
        Command::Serve(args) => {
            let config = Config::load(config_file, args.into())?;
            init_logging(&config);
            let (app, location) = open_app(&config).await?;
            tracing::info!(database = %location.redacted(), "serving");
            serve(&config, app, &[]).await
        }
        Command::Ledger(command) => ledger::run(config_file, command).await,
        Command::Bench(BenchCommand::Ledger(args)) => {
            let report = bench::ledger::run(args).await?;
            print(&report)
        }
        Command::Bench(BenchCommand::Match(args)) => print(&bench::matching::run(args)?),
        Command::Bench(BenchCommand::Count(args)) => print(&bench::count::run(args)?),
        Command::Bench(BenchCommand::Places(args)) => print(&bench::places::run(args)?),
        Command::Bench(BenchCommand::Link(args)) => print(&bench::link::run(args)?),
        Command::Bench(BenchCommand::Directory(args)) => print(&bench::directory::run(args).await?),
        Command::Bench(BenchCommand::Plays(args)) => print(&bench::plays::run(args).await?),
        Command::Bench(BenchCommand::Events(args)) => print(&bench::events::run(args).await?),
        Command::Directory(command) => print(&directory::run(config_file, command).await?),
        Command::Count(args) => print(&count(args)?),
        Command::Mail(command) => print(&mail::run(config_file, command).await?),
        Command::Admin(command) => print(&admin::run(config_file, command).await?),
        Command::Simulate(command) => print(&simulate::run(command)?),
        Command::Demo(args) => {
            let overrides = Overrides {
                addr: args.addr,
                data_dir: args.data,
                url: None,
            };
            let mut config = Config::load(config_file, overrides)?;
            // The demo is the embedded database, whatever the config says.
            config.database.url = None;
            init_logging(&config);
            let (app, _) = open_app(&config).await?;
            let logins = app.load_demo().await.context("cannot load the demo data")?;
            directory::import_demo_lists(&app, &args.lists)
                .await
                .context("cannot load the demo's directory")?;
            let mut lines = vec![
                String::from("Demo logins (password for all: ")
                    + coopkit_app::demo::DEMO_PASSWORD
                    + "):",
            ];
            lines.extend(
                logins
                    .iter()
                    .map(|l| format!("  {:<40} {}", l.email, l.who)),
            );
            serve(&config, app, &lines).await
        }
    }
}

/// Counts a ballot file; nothing is counted from a file that did not
/// parse whole.
fn count(args: CountArgs) -> anyhow::Result<String> {
    use coopkit_governance::count::{count, Action, Method};
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let election = coopkit_governance::blt::parse(&text)
        .map_err(|error| anyhow::anyhow!("{}: {error}", args.file.display()))?;
    let method = Method::parse(&args.method)
        .ok_or_else(|| anyhow::anyhow!("unknown method {:?}", args.method))?;
    let seats = args.seats.unwrap_or(election.seats);
    anyhow::ensure!(
        (1..=election.candidates.len()).contains(&seats),
        "--seats must be from 1 to the {} candidates",
        election.candidates.len()
    );
    let outcome = count(&election, method, seats, args.seed);
    if args.json {
        return Ok(format!("{}\n", serde_json::to_string(&outcome)?));
    }
    let mut text = format!(
        "{}: elected {}\n",
        election.title,
        outcome.elected.join(", ")
    );
    for round in &outcome.rounds {
        let votes: Vec<String> = round
            .votes
            .iter()
            .map(|(name, v)| format!("{name} {v}"))
            .collect();
        let (verb, who) = match &round.action {
            Action::Elected(who) => ("elected", who),
            Action::Excluded(who) => ("excluded", who),
            Action::SurplusTransferred(who) => ("transferred the surplus of", who),
        };
        text.push_str(&format!(
            "round {}: {}; {verb} {}\n",
            round.number,
            votes.join(", "),
            who.join(", ")
        ));
    }
    Ok(text)
}

impl From<DatabaseArgs> for Overrides {
    fn from(args: DatabaseArgs) -> Self {
        Overrides {
            addr: None,
            data_dir: args.data,
            url: args.database_url,
        }
    }
}

impl From<ServeArgs> for Overrides {
    fn from(args: ServeArgs) -> Self {
        Overrides {
            addr: args.addr,
            ..args.database.into()
        }
    }
}

fn print(text: &str) -> anyhow::Result<()> {
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn database_location(config: &Config) -> anyhow::Result<DatabaseLocation> {
    if let Some(url) = &config.database.url {
        return Ok(DatabaseLocation::Postgres(url.clone()));
    }
    let dir = &config.database.data_dir;
    ensure_writable(dir)?;
    Ok(DatabaseLocation::SqliteFile(dir.join("coopkit.sqlite")))
}

/// Fails with one sentence if `dir` cannot be created or written, before
/// SQLite gives a vaguer message.
fn ensure_writable(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let probe = dir.join(".coopkit-write-test");
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write to the data directory {}", dir.display()))?;
    std::fs::remove_file(&probe)
        .with_context(|| format!("cannot write to the data directory {}", dir.display()))?;
    Ok(())
}

pub(crate) async fn open_app(config: &Config) -> anyhow::Result<(App, DatabaseLocation)> {
    let location = database_location(config)?;
    let store = Store::open(&location).await?;
    let minutes_ms = 60 * 1000;
    let app_config = AppConfig {
        session_ttl_ms: config.security.session_days * 24 * 60 * minutes_ms,
        login_window_ms: config.security.login_window_minutes * minutes_ms,
        login_failures_per_email_max: config.security.login_failures_per_email_max,
        login_failures_per_client_max: config.security.login_failures_per_client_max,
        // Uploads sit beside the SQLite file, whichever database is used.
        files_dir: config.database.data_dir.join("files"),
        decode_memory_mib: config.uploads.decode_memory_mib,
        founders: config.coops.founders,
        // Each was checked when the configuration was read.
        operators: config
            .coops
            .operators
            .iter()
            .filter_map(|email| coopkit_domain::Email::parse(email).ok())
            .collect(),
        founded_per_account: config.coops.founded_per_account,
        geocoding_url: config.geocoding.url.clone(),
        ledger: coopkit_app::ledger::LedgerLimits {
            snapshot_every: config.ledger.snapshot_every,
            idle_after: Duration::from_secs(config.ledger.idle_seconds),
        },
        webhooks_on_loopback: config.webhooks.loopback,
    };
    Ok((App::new(store, Arc::new(SystemClock), app_config), location))
}

async fn serve(config: &Config, app: App, banner: &[String]) -> anyhow::Result<()> {
    let addr = config.server.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    let mut message = format!("coopkit is serving at http://{bound}/\n");
    for line in banner {
        message.push_str(line);
        message.push('\n');
    }
    print(&message)?;

    let licence = coopkit_web::OpenLicence::parse(&config.directory.licence).ok_or_else(|| {
        anyhow::anyhow!(
            "directory.licence = {:?}: give ODbL-1.0 or CC-BY-4.0",
            config.directory.licence
        )
    })?;
    let organisations = app
        .rebuild_directory_index()
        .await
        .context("cannot build the directory's search index")?;
    tracing::info!(organisations, "directory indexed");
    let purge = tokio::spawn(periodic::purge_expired(app.clone()));
    // Where the hosted co-ops' profiles say they are.
    let base = Some(config.server.public_url.trim_end_matches('/').to_owned())
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| format!("http://{bound}"));
    let postman = mail::postman(config)?;
    let mail_on = postman.is_some();
    let mail = tokio::spawn(coopkit_web::mail::deliver_periodically(
        app.clone(),
        postman,
        coopkit_web::mail::WebComposer::new(&base),
        Duration::from_secs(config.mail.every_seconds),
    ));
    let market = tokio::spawn(periodic::tick_every_minute(app.clone(), base));
    let webhooks = tokio::spawn(periodic::deliver_webhooks(
        app.clone(),
        Duration::from_secs(config.webhooks.send_every_seconds),
    ));
    let trusted_proxies =
        coopkit_web::client::TrustedProxies::parse(&config.server.trusted_proxies)
            .map_err(|problem| anyhow::anyhow!("server.trusted_proxies: {problem}"))?;
    let state = AppState {
        trusted_proxies,
        session_ttl_s: config.security.session_days * 24 * 60 * 60,
        app: app.clone(),
        cookies: CookiePolicy {
            secure: config.server.secure_cookies,
        },
        public_url: Some(config.server.public_url.trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty()),
        directory: coopkit_web::DirectorySettings {
            tiles: config.directory.tiles.clone(),
            tiles_attribution: config.directory.tiles_attribution.clone(),
            licence,
        },
        mail_on,
    };
    coopkit_web::serve(listener, state, shutdown_signal())
        .await
        .context("the server stopped")?;
    purge.abort();
    market.abort();
    mail.abort();
    webhooks.abort();
    app.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM; the server then finishes what it is
/// doing and stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
