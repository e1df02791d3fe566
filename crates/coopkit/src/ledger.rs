//! `coopkit ledger ...`: a co-op's journal exported, verified, signed
//! and ticked from the command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use coopkit_app::ledger::LedgerProblem;
use coopkit_ledger::auditor::{AuditorKey, AuditorSecret};

use crate::config::Config;
use crate::{open_app, print, DatabaseArgs};

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Write a co-op's journal as JSON Lines (to standard output, or --out).
    Export {
        /// The co-op's slug.
        #[arg(long)]
        coop: String,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write the co-op's signed checkpoints here, as JSON Lines.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Apply one month's policies to a co-op (issuance, demurrage, dues).
    /// Running it twice for the same month changes nothing the second time.
    Tick {
        /// The co-op's slug.
        #[arg(long)]
        coop: String,
        /// The month, as YYYY-MM.
        #[arg(long)]
        period: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Check a journal: every hash in the chain, every event against the
    /// ledger's rules, every currency summing to zero, and the signed
    /// checkpoints against it. Give a file, or a database to check every
    /// co-op in it.
    Verify {
        /// A JSON Lines journal from `coopkit ledger export` or a co-op's
        /// ledger page.
        #[arg(long, conflicts_with_all = ["data", "database_url"])]
        file: Option<PathBuf>,
        /// The co-op's signed checkpoints (JSON Lines) to check against
        /// the journal file.
        #[arg(long, requires = "file")]
        checkpoints: Option<PathBuf>,
        /// Accept only checkpoints signed by this key (64 hex digits), as
        /// the co-op publishes it.
        #[arg(long, requires = "checkpoints")]
        public_key: Option<String>,
        /// The auditor's secret key (from `coopkit ledger keygen
        /// --auditor`): opens and checks every memo and owner the journal
        /// file carries sealed for the auditor.
        #[arg(long, requires = "file")]
        auditor_key: Option<PathBuf>,
        /// When a co-op's index disagrees with its journal, rebuild the
        /// index from the journal. Stop the servers first.
        #[arg(long, conflicts_with = "file")]
        repair: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Make a co-op signing key (or with --auditor, an auditor's key): the
    /// secret goes to --out (readable by you only), the public key to
    /// standard output, to publish.
    Keygen {
        /// Where to write the secret key; an existing file is not replaced.
        #[arg(long)]
        out: PathBuf,
        /// An auditor's key, which opens the memos and owners sealed in
        /// the journal members download, instead of a signing key.
        #[arg(long)]
        auditor: bool,
    },
    /// Register a co-op's auditor: each member's journal download then
    /// carries every memo and owner sealed to this key, which `coopkit
    /// ledger verify --auditor-key` opens.
    Auditor {
        /// The co-op's slug.
        #[arg(long)]
        coop: String,
        /// The auditor's public key, from `coopkit ledger keygen --auditor`.
        #[arg(long, required_unless_present = "remove")]
        public_key: Option<String>,
        /// Stop sealing anything for an auditor.
        #[arg(long, conflicts_with = "public_key")]
        remove: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Sign the head of a co-op's journal with its key and store the
    /// checkpoint, which members can then check their copy against.
    Checkpoint {
        /// The co-op's slug.
        #[arg(long)]
        coop: String,
        /// The secret key file from `coopkit ledger keygen`.
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn run(config_file: Option<&Path>, command: LedgerCommand) -> anyhow::Result<()> {
    use coopkit_ledger::checkpoint;
    use coopkit_ledger::journal::{to_json_lines, Broken};
    use coopkit_ledger::offline::{Batches, Replay, Suspects};
    use std::fs::File;
    use std::io::BufReader;
    match command {
        LedgerCommand::Export {
            coop,
            out,
            checkpoints,
            database,
        } => {
            let config = Config::load(config_file, database.into())?;
            let (app, _) = open_app(&config).await?;
            let mut journal = app
                .publishing_for_operator(&coop)
                .await
                .with_context(|| format!("cannot read the journal of {coop}"))?;
            if let Some(path) = checkpoints {
                let signed = app.checkpoints_for_operator(&coop).await?;
                std::fs::write(&path, checkpoint::to_json_lines(&signed))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            // Written a few batches at a time as they are read; to a file,
            // under a temporary name until the last, so that a failure
            // leaves no journal cut short behind.
            let mut file = match &out {
                Some(path) => {
                    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
                    let file = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))
                        .with_context(|| format!("cannot write beside {}", path.display()))?;
                    Some(file)
                }
                None => None,
            };
            loop {
                let batches = journal
                    .next_batches()
                    .await
                    .with_context(|| format!("cannot read the journal of {coop}"))?;
                if batches.is_empty() {
                    break;
                }
                let text = to_json_lines(&batches);
                match &mut file {
                    Some(file) => file.write_all(text.as_bytes())?,
                    None => print(&text)?,
                }
            }
            if let (Some(file), Some(path)) = (file, &out) {
                file.persist(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        }
        LedgerCommand::Keygen {
            out,
            auditor: false,
        } => {
            let key = coopkit_app::ledger::new_coop_key();
            write_secret(&out, &format!("{}\n", key.secret_hex()))?;
            print(&format!(
                "secret key written to {}; keep it safe and offline\npublic key: {}\n",
                out.display(),
                key.public_key()
            ))
        }
        LedgerCommand::Keygen { out, auditor: true } => {
            let key = coopkit_app::ledger::new_auditor_key();
            write_secret(&out, &format!("{}\n", key.secret_hex()))?;
            print(&format!(
                "auditor's secret key written to {}; give it to the auditor only\npublic key: {}\n\
                 register it with: coopkit ledger auditor --coop SLUG --public-key {}\n",
                out.display(),
                key.public_key(),
                key.public_key()
            ))
        }
        LedgerCommand::Auditor {
            coop,
            public_key,
            remove,
            database,
        } => {
            let auditor = match (public_key, remove) {
                (Some(key), false) => Some(key.parse::<AuditorKey>().map_err(|_| {
                    anyhow::anyhow!("--public-key: not an auditor's public key (64 hex digits)")
                })?),
                _ => None,
            };
            let config = Config::load(config_file, database.into())?;
            let (app, _) = open_app(&config).await?;
            app.set_auditor(&coop, auditor)
                .await
                .with_context(|| format!("cannot set the auditor of {coop}"))?;
            print(&match auditor {
                Some(key) => format!(
                    "{coop}: members' journal downloads now carry every memo and owner sealed for auditor {key}\n"
                ),
                None => format!("{coop}: members' journal downloads carry nothing for an auditor\n"),
            })
        }
        LedgerCommand::Checkpoint {
            coop,
            key,
            database,
        } => {
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("cannot read {}", key.display()))?;
            let key = checkpoint::CoopKey::parse(&text).map_err(|_| {
                anyhow::anyhow!(
                    "{}: not a coopkit secret key (64 hex digits)",
                    key.display()
                )
            })?;
            let config = Config::load(config_file, database.into())?;
            let (app, _) = open_app(&config).await?;
            let signed = app
                .sign_checkpoint(&coop, &key)
                .await
                .with_context(|| format!("cannot sign the journal of {coop}"))?;
            print(&checkpoint::to_json_lines(&[signed]))
        }
        LedgerCommand::Tick {
            coop,
            period,
            database,
        } => {
            let config = Config::load(config_file, database.into())?;
            let (app, _) = open_app(&config).await?;
            let report = app
                .tick(&coop, &period)
                .await
                .with_context(|| format!("cannot apply {period} to {coop}"))?;
            let mut text = format!(
                "{coop} {period}: {} transfers made, {} already made, {} refused, {} dues paid in cash\n",
                report.applied,
                report.already,
                report.refused.len(),
                report.paid_in_cash
            );
            for (person, reason) in &report.refused {
                text.push_str(&format!("  person {person}: {reason}\n"));
            }
            print(&text)
        }
        LedgerCommand::Verify {
            file: Some(file),
            checkpoints,
            public_key,
            auditor_key,
            ..
        } => {
            let auditor = auditor_key
                .as_deref()
                .map(read_auditor_secret)
                .transpose()?;
            let name = file.display();
            let broken = |broken: Broken| anyhow::anyhow!("{name}: {broken}");
            // Read twice, so that memory follows the ledger's accounts and
            // open holds, not its history (`coopkit_ledger::offline`).
            let batches = || -> anyhow::Result<_> {
                let opened = File::open(&file).with_context(|| format!("cannot read {name}"))?;
                Ok(Batches::new(BufReader::new(opened)))
            };
            let mut replay = Replay::new(Suspects::find(batches()?).map_err(broken)?);
            let (mut sealed, mut opened) = (0, 0);
            // Each batch's hash, for the checkpoints: 32 bytes a batch.
            let mut hashes = Vec::new();
            for batch in batches()? {
                let (line, mut batch) = batch.map_err(broken)?;
                // Its openings: those it carries, and for the auditor those
                // sealed for them.
                let mut openings = std::mem::take(&mut batch.openings);
                if let (Some(secret), Some(envelope)) = (&auditor, &batch.for_auditor) {
                    let more = envelope
                        .open(secret)
                        .map_err(|error| anyhow::anyhow!("{name}: line {line}: {error}"))?;
                    openings.extend(more);
                }
                replay.batch(line, &batch, &openings).map_err(broken)?;
                sealed += batch
                    .events
                    .iter()
                    .filter(|e| e.commitment().is_some())
                    .count();
                opened += openings.len();
                if checkpoints.is_some() {
                    hashes.push(batch.hash);
                }
            }
            let mut report = verified(&name.to_string(), replay.ledger());
            report.push_str(&match opened {
                0 => format!("{name}: {sealed} memos and owners sealed, none opened\n"),
                _ => format!(
                    "{name}: {opened} of {sealed} sealed memos and owners opened, each matching its commitment\n"
                ),
            });
            if let Some(path) = checkpoints {
                let trusted = public_key
                    .map(|key| {
                        key.parse::<checkpoint::PublicKey>().map_err(|_| {
                            anyhow::anyhow!("--public-key: not a public key (64 hex digits)")
                        })
                    })
                    .transpose()?;
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let signed = checkpoint::from_json_lines(&text)
                    .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
                let coop = signed.first().map_or("", |c| c.coop.as_str());
                checkpoint::check(&signed, coop, &hashes, trusted.as_ref())
                    .map_err(|broken| anyhow::anyhow!("{}: {broken}", path.display()))?;
                report.push_str(&checkpoints_held(coop, &signed, trusted.is_some()));
            }
            print(&report)
        }
        LedgerCommand::Verify {
            file: None,
            database,
            repair,
            ..
        } => {
            let config = Config::load(config_file, database.into())?;
            let (app, location) = open_app(&config).await?;
            let mut report = String::new();
            for summary in app.all_coops().await? {
                let slug = summary.coop.slug.to_string();
                let mut verified_ledger = app.verify_ledger(&slug).await?;
                if repair && matches!(verified_ledger, Err(LedgerProblem::Index(_))) {
                    app.rebuild_ledger_index(&slug).await?;
                    report.push_str(&format!("{slug}: the index was rebuilt from the journal\n"));
                    verified_ledger = app.verify_ledger(&slug).await?;
                }
                let ledger = verified_ledger.map_err(|problem| {
                    anyhow::anyhow!("the ledger of {slug} in {}: {problem}", location.redacted())
                })?;
                report.push_str(&verified(&slug, &ledger));
                let signed = app.checkpoints_for_operator(&slug).await?;
                if !signed.is_empty() {
                    let hashes = app.journal_hashes_for_operator(&slug).await?;
                    checkpoint::check(&signed, &slug, &hashes, None).map_err(|broken| {
                        anyhow::anyhow!("the checkpoints of {slug} do not hold: {broken}")
                    })?;
                    report.push_str(&checkpoints_held(&slug, &signed, false));
                }
            }
            print(&report)?;
            Ok(())
        }
    }
}

/// An auditor's secret key file.
fn read_auditor_secret(path: &Path) -> anyhow::Result<AuditorSecret> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    AuditorSecret::parse(&text).map_err(|_| {
        anyhow::anyhow!(
            "{}: not an auditor's secret key (64 hex digits)",
            path.display()
        )
    })
}

/// One line saying which checkpoints held.
fn checkpoints_held(
    coop: &str,
    signed: &[coopkit_ledger::checkpoint::Checkpoint],
    trusted: bool,
) -> String {
    let keys: std::collections::BTreeSet<String> =
        signed.iter().map(|c| c.public_key.to_string()).collect();
    format!(
        "{coop}: {} signed checkpoint(s) hold, up to batch {}, signed by {}{}\n",
        signed.len(),
        signed.iter().map(|c| c.seq).max().unwrap_or(0),
        keys.into_iter().collect::<Vec<_>>().join(", "),
        if trusted { " (the trusted key)" } else { "" }
    )
}

/// Writes a secret readable by its owner only, refusing to replace a file.
fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| {
            format!(
                "cannot create {} (an existing key is never replaced)",
                path.display()
            )
        })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// One line saying what was checked.
fn verified(name: &str, ledger: &coopkit_ledger::Ledger) -> String {
    let currencies: Vec<String> = ledger
        .totals()
        .keys()
        .map(|c| format!("{c} sums to 0"))
        .collect();
    format!(
        "{name}: verified {} journal batch(es), head {}{}{}\n",
        ledger.next_seq(),
        ledger.head(),
        if currencies.is_empty() { "" } else { "; " },
        currencies.join(", ")
    )
}
