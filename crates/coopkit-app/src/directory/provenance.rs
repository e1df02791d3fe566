//! Where each field an organisation shows came from, and how that is kept
//! beside it.
//!
//! Stored grouped by statement (`[source, as_of, [field, ...]]`): most
//! organisations take every field from one or two sources, so naming each
//! source and date once keeps a million rows' provenance a third of the
//! size of a map from field to source.

use std::collections::{BTreeMap, BTreeSet};

use coopkit_directory::fields::FIELDS;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// What is kept beside each organisation's shown record.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(from = "Stored")]
pub struct Provenance {
    /// Each field's source id and date.
    pub fields: BTreeMap<&'static str, (i64, i64)>,
    /// Every source that lists it.
    pub sources: BTreeSet<i64>,
}

impl Serialize for Provenance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut by_statement: BTreeMap<(i64, i64), Vec<&str>> = BTreeMap::new();
        for (field, statement) in &self.fields {
            by_statement.entry(*statement).or_default().push(field);
        }
        let grouped: Vec<(i64, i64, Vec<&str>)> = by_statement
            .into_iter()
            .map(|((source, as_of), fields)| (source, as_of, fields))
            .collect();
        let mut out = serializer.serialize_struct("Provenance", 2)?;
        out.serialize_field("fields", &grouped)?;
        out.serialize_field("sources", &self.sources)?;
        out.end()
    }
}

#[derive(Deserialize)]
struct Stored {
    fields: StoredFields,
    sources: BTreeSet<i64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StoredFields {
    ByStatement(Vec<(i64, i64, Vec<String>)>),
    /// As databases written before the grouping hold it.
    ByField(BTreeMap<String, (i64, i64)>),
}

impl From<Stored> for Provenance {
    fn from(stored: Stored) -> Provenance {
        // Field names are the engine's own; one it no longer has is dropped.
        let known = |name: &str| FIELDS.iter().copied().find(|f| *f == name);
        let fields = match stored.fields {
            StoredFields::ByStatement(groups) => groups
                .into_iter()
                .flat_map(|(source, as_of, names)| {
                    names
                        .into_iter()
                        .filter_map(move |name| known(&name).map(|f| (f, (source, as_of))))
                })
                .collect(),
            StoredFields::ByField(map) => map
                .into_iter()
                .filter_map(|(name, statement)| known(&name).map(|f| (f, statement)))
                .collect(),
        };
        Provenance {
            fields,
            sources: stored.sources,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Provenance {
        Provenance {
            fields: [
                ("name", (2, 2023)),
                ("phone", (1, 2017)),
                ("street", (2, 2023)),
            ]
            .into_iter()
            .collect(),
            sources: [1, 2].into_iter().collect(),
        }
    }

    #[test]
    fn grouped_by_statement_and_read_back() {
        let text = serde_json::to_string(&sample()).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"fields":[[1,2017,["phone"]],[2,2023,["name","street"]]],"sources":[1,2]}"#
        );
        let read: Provenance = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(read, sample());
    }

    #[test]
    fn reads_the_map_of_earlier_databases() {
        let old = r#"{"fields":{"name":[2,2023],"phone":[1,2017],"street":[2,2023],"gone":[1,1]},"sources":[1,2]}"#;
        let read: Provenance = serde_json::from_str(old).unwrap_or_default();
        assert_eq!(read, sample());
    }
}
