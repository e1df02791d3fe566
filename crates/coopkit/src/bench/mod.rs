//! `coopkit bench ...`: measurements as commands, each printing what it
//! measured (as JSON with `--json`). Results go in BENCHMARKS.md.

pub mod count;
pub mod directory;
pub mod events;
pub mod ledger;
pub mod link;
pub mod matching;
pub mod places;
pub mod plays;
pub mod synthetic;

use std::path::PathBuf;

use anyhow::Context;
use coopkit_domain::coop::NewCoop;
use coopkit_domain::{
    ClassKey, Clock, CoopName, CoopSettings, DisplayName, Email, Locale, MemberClassSpec, Slug,
    SystemClock,
};
use coopkit_store::{DatabaseLocation, NewPerson, Store};

/// SplitMix64: a small, well-mixed generator, so the benchmarks need no
/// dependency and a seed always makes the same data.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + self.below(u64::try_from(high - low).unwrap_or(0)) as i64
    }
}

/// The most memory this process has held, in MiB, where Linux says
/// (`VmHWM` in /proc/self/status); `None` elsewhere.
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// A temporary SQLite directory, removed when the benchmark ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The benchmark's store, migrated: PostgreSQL at `database_url` (a
/// scratch database), or a temporary SQLite file removed with the
/// returned guard.
async fn open_store(database_url: Option<&str>) -> anyhow::Result<(Store, Option<Scratch>)> {
    let (location, scratch) = match database_url {
        Some(url) => (DatabaseLocation::Postgres(url.to_owned()), None),
        None => {
            let dir = std::env::temp_dir().join(format!("coopkit-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            (
                DatabaseLocation::SqliteFile(dir.join("bench.sqlite")),
                Some(Scratch(dir)),
            )
        }
    };
    Ok((Store::open(&location).await?, scratch))
}

/// A co-op of its own for each run, so runs on one database do not mix.
async fn bench_coop(store: &Store) -> anyhow::Result<coopkit_domain::CoopId> {
    let tag = coopkit_app::new_secret()[..10].to_owned();
    let bad = |what: &str| anyhow::anyhow!("invalid benchmark {what}");
    let founder = store
        .create_person(
            &NewPerson {
                email: Email::parse(&format!("bench-{tag}@example.org"))
                    .map_err(|_| bad("email"))?,
                display_name: DisplayName::parse("Benchmark").map_err(|_| bad("name"))?,
                password_hash: "!".into(),
                locale: Locale::En,
                verified: true,
            },
            SystemClock.now(),
        )
        .await?;
    let class = ClassKey::parse("member").map_err(|_| bad("class"))?;
    let coop = NewCoop {
        slug: Slug::parse(&format!("bench-{tag}")).map_err(|_| bad("slug"))?,
        name: CoopName::parse("Benchmark co-op").map_err(|_| bad("name"))?,
        description: String::new(),
        profile: String::new(),
        settings: CoopSettings::default(),
        classes: vec![MemberClassSpec {
            key: class.clone(),
            name: "Member".into(),
            description: String::new(),
            open_to_join: false,
            requires_approval: true,
        }],
    };
    Ok(store
        .create_coop(&coop, founder.id, &class, None, SystemClock.now())
        .await?
        .id)
}
