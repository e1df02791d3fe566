//! `coopkit bench ...`: measurements as commands, each printing what it
//! measured (as JSON with `--json`). Results go in BENCHMARKS.md.

pub mod count;
pub mod directory;
pub mod ledger;
pub mod link;
pub mod matching;
pub mod synthetic;

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
