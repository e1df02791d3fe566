//! Fuzz targets for every parser of outside input. Each target takes any
//! bytes and must neither panic nor break what its parser promises (a
//! file that reads writes back the same, a ledger stays balanced).
//!
//! Two drivers run them. `scripts/fuzz` builds `coopkit-fuzz` with AFL++'s
//! coverage instrumentation and runs `afl-fuzz` on each target for a
//! bounded time; `cargo test` replays the corpus kept under `corpus/`
//! (seeds, and every input that once crashed a target) without it, so a
//! crash found once stays fixed.

mod directory;
mod governance;
mod ledger;
mod uploads;

/// A parser under fuzzing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// BLT ballot files, then every counting method on what they hold.
    Blt,
    /// Ledger journals: the JSON Lines reader, the verifier, and the
    /// ledger's rules on every batch the file holds.
    Journal,
    /// Signed checkpoints, as JSON Lines.
    Checkpoints,
    /// CSV lists through a column mapping: the mapping's TOML, a NUL
    /// byte, then the CSV (no NUL: the Co-operatives UK 2017 mapping).
    Csv,
    GeoJson,
    JsonLd,
    Murmurations,
    /// Multipart forms: the chunk size, then the body (boundary `fuzz`).
    Multipart,
    /// Images as uploaded: header, then thumbnail.
    Image,
}

impl Target {
    pub const ALL: [Target; 9] = [
        Target::Blt,
        Target::Journal,
        Target::Checkpoints,
        Target::Csv,
        Target::GeoJson,
        Target::JsonLd,
        Target::Murmurations,
        Target::Multipart,
        Target::Image,
    ];

    /// The target's name: its corpus folder and the driver's argument.
    pub fn name(self) -> &'static str {
        match self {
            Target::Blt => "blt",
            Target::Journal => "journal",
            Target::Checkpoints => "checkpoints",
            Target::Csv => "csv",
            Target::GeoJson => "geojson",
            Target::JsonLd => "jsonld",
            Target::Murmurations => "murmurations",
            Target::Multipart => "multipart",
            Target::Image => "image",
        }
    }

    pub fn named(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Runs the target on one input; panics on a broken promise. Says
    /// whether the parser read the input (rather than refusing it), so
    /// the corpus can be checked to hold inputs that go past the parser.
    pub fn run(self, input: &[u8]) -> bool {
        match self {
            Target::Blt => governance::blt(input),
            Target::Journal => ledger::journal(input),
            Target::Checkpoints => ledger::checkpoints(input),
            Target::Csv => directory::csv(input),
            Target::GeoJson => directory::geojson(input),
            Target::JsonLd => directory::jsonld(input),
            Target::Murmurations => directory::murmurations(input),
            Target::Multipart => uploads::multipart(input),
            Target::Image => uploads::image(input),
        }
    }
}
