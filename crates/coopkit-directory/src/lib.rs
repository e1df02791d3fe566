//! The open-data directory's engine: lists of organisations come in (CSV
//! through a column mapping, GeoJSON with OpenStreetMap tags, JSON-LD in
//! schema.org's terms, Murmurations profiles), are normalised, compared and linked by an unsupervised
//! probabilistic score, merged field by field, and go out again as CSV,
//! GeoJSON, JSON-LD and Murmurations profiles. Works on plain records, so
//! the same engine serves the command line and the server.

pub mod cores;
pub mod fields;
pub mod geojson;
pub mod identifiers;
pub mod jsonld;
pub mod link;
pub mod mapping;
pub mod merge;
pub mod moderation;
pub mod murmurations;
pub mod normalize;
pub mod placing;
pub mod records;

pub use geojson::read_geojson;
pub use jsonld::read_jsonld;
pub use link::{cluster, dedupe, link, LinkConfig, Pair, Reviewed};
pub use mapping::{
    read_csv, read_csv_rows, Field, LegalFormCode, ListFacts, Mapping, Problem, ReadError, Reading,
    Record,
};
pub use merge::{survive, Merged, Statement};
pub use moderation::ReviewState;
pub use murmurations::read_murmurations;
pub use placing::{place, Placed};
