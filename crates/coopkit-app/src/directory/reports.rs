//! Reports people can act on: a source's rows that look like duplicates
//! (of each other, or of rows in other lists), and the difference between
//! two lists. Public, like the lists.

use std::collections::{BTreeMap, BTreeSet};

use coopkit_directory::fields::diff;
use coopkit_directory::records::{DirectorySource, SourceRecord};
use coopkit_directory::{dedupe, LinkConfig, Record};
use coopkit_store::StoreError;

use crate::governance::Download;
use crate::{App, AppError, Result};

fn csv_download(name: String, rows: Vec<Vec<String>>) -> Download {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in rows {
        let _ = out.write_record(row);
    }
    Download {
        name,
        content_type: "text/csv; charset=utf-8",
        body: String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default(),
    }
}

/// A source's name as part of a file name.
pub(super) fn file_name(source: &str) -> String {
    source
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// A source's records, by organisation, with every other source's records
/// of the same organisations.
struct Listed {
    source: DirectorySource,
    own: Vec<(SourceRecord, Record)>,
    others: Vec<(SourceRecord, Record)>,
}

impl App {
    async fn listed(&self, name: &str) -> Result<Listed> {
        let source = self
            .store
            .directory_source(name)
            .await?
            .ok_or(AppError::NotFound("source"))?;
        let orgs: Vec<i64> = self
            .store
            .directory_source_keys(source.id)
            .await?
            .into_iter()
            .map(|(_, org)| org)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (mut own, mut others) = (Vec::new(), Vec::new());
        for stored in self.store.directory_records_of(&orgs).await? {
            let record: Record = serde_json::from_str(&stored.record)
                .map_err(|_| StoreError::corrupt("directory_record.record", &stored.key))?;
            if stored.source == source.id {
                own.push((stored, record));
            } else {
                others.push((stored, record));
            }
        }
        Ok(Listed {
            source,
            own,
            others,
        })
    }

    /// The rows of a source that look like duplicates: of an earlier row
    /// of the same list (by the linker, within the list), or of a row of
    /// another list (the organisations they were merged into).
    pub async fn source_duplicates(&self, name: &str) -> Result<Download> {
        let listed = self.listed(name).await?;
        let names: BTreeMap<i64, String> = self
            .store
            .directory_sources()
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let mut rows = vec![vec![
            "id".to_owned(),
            "duplicate_list".to_owned(),
            "duplicate_id".to_owned(),
            "organisation".to_owned(),
        ]];
        let records: Vec<Record> = listed.own.iter().map(|(_, r)| r.clone()).collect();
        let clusters = dedupe(&records, &LinkConfig::default());
        for (row, &first) in clusters.iter().enumerate() {
            if first != row {
                let (mine, original) = (&listed.own[row].0, &listed.own[first].0);
                rows.push(vec![
                    mine.key.clone(),
                    listed.source.name.clone(),
                    original.key.clone(),
                    mine.org.to_string(),
                ]);
            }
        }
        for (mine, _) in &listed.own {
            for (other, _) in listed.others.iter().filter(|(o, _)| o.org == mine.org) {
                rows.push(vec![
                    mine.key.clone(),
                    names.get(&other.source).cloned().unwrap_or_default(),
                    other.key.clone(),
                    mine.org.to_string(),
                ]);
            }
        }
        Ok(csv_download(
            format!("{}.duplicates.csv", file_name(name)),
            rows,
        ))
    }

    /// Two lists compared: organisations only in `a`, only in `b`, and in
    /// both with the fields whose values differ (one line per field).
    pub async fn sources_diff(&self, a: &str, b: &str) -> Result<Download> {
        let left = self.listed(a).await?;
        let right = self.listed(b).await?;
        let by_org = |records: &[(SourceRecord, Record)]| -> BTreeMap<i64, (String, Record)> {
            records
                .iter()
                .map(|(s, r)| (s.org, (s.key.clone(), r.clone())))
                .collect()
        };
        let (in_a, in_b) = (by_org(&left.own), by_org(&right.own));
        let mut rows = vec![vec![
            "status".to_owned(),
            "organisation".to_owned(),
            format!("{a} id"),
            format!("{b} id"),
            "field".to_owned(),
            format!("{a} value"),
            format!("{b} value"),
        ]];
        let line = |status: &str, org: i64, ka: &str, kb: &str, field: &str, va: &str, vb: &str| {
            [status, &org.to_string(), ka, kb, field, va, vb]
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>()
        };
        for (org, (key, _)) in &in_a {
            if !in_b.contains_key(org) {
                rows.push(line("only in a", *org, key, "", "", "", ""));
            }
        }
        for (org, (key, _)) in &in_b {
            if !in_a.contains_key(org) {
                rows.push(line("only in b", *org, "", key, "", "", ""));
            }
        }
        for (org, (key_a, record_a)) in &in_a {
            if let Some((key_b, record_b)) = in_b.get(org) {
                for (field, va, vb) in diff(record_a, record_b) {
                    // A field one list does not have is not a difference.
                    if !va.is_empty() && !vb.is_empty() {
                        rows.push(line("changed", *org, key_a, key_b, field, &va, &vb));
                    }
                }
            }
        }
        Ok(csv_download(
            format!("{}-vs-{}.diff.csv", file_name(a), file_name(b)),
            rows,
        ))
    }
}
