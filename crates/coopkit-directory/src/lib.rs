//! The open-data directory's engine: lists of organisations come in as
//! CSV read through a column mapping, are normalised, and are compared and
//! linked (one list against another) by an unsupervised probabilistic
//! score. Works on plain records, so the same engine serves the command
//! line (`coopkit directory link`) and, later, the server.

pub mod link;
pub mod mapping;
pub mod normalize;

pub use link::{cluster, dedupe, link, LinkConfig, Pair};
pub use mapping::{read_csv, Field, ListFacts, Mapping, ReadError, Record};
