//! The open-data directory: lists come in (each a source), are linked to
//! the organisations already known, merged field by field, searched, and
//! go out again as open data.
//!
//! An import is decided in memory and written in one transaction: either
//! the whole list is in, with its report, or the directory is as it was.
//! Its new organisations and records, the bulk of it, are turned to JSON a
//! batch at a time while the batches before them are written.

mod hosted;
mod moderation;
mod provenance;
mod reports;
mod search;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use coopkit_directory::cores::map_across_cores;
use coopkit_directory::records::{DirectoryOrg, FieldChange, NewReview, NewSource, SourceRecord};
use coopkit_directory::{
    fields, link, place, read_csv_rows, read_geojson, read_jsonld, read_murmurations, survive,
    LinkConfig, ListFacts, Mapping, Problem, ReadError, Reading, Record, Statement,
};
use coopkit_domain::{PersonId, Timestamp};
use coopkit_places::Gazetteer;
use coopkit_search::SearchIndex;
use coopkit_store::{DirectoryWrite, NewRows, Person, StoreError};
use futures_util::{stream, Stream};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use coopkit_search::{Area, Facet, Query};
pub use hosted::HOSTED_SOURCE;
pub use moderation::{EditView, ReviewView, EDITS_SOURCE};
pub use provenance::Provenance;
pub use search::{DirectoryHit, DirectoryPage, PAGE_MAX};

use crate::{App, AppError, Result};

/// Pairs the linker gives at least these log2 odds (4 to 1) are merged
/// without asking.
pub const MERGE_SCORE: f64 = 2.0;
/// Pairs between this (1 to 4) and [`MERGE_SCORE`] wait for a person.
pub const REVIEW_SCORE: f64 = -2.0;

/// The formats a list can come in.
#[derive(Clone, Debug)]
pub enum ListFormat {
    Csv(Mapping),
    GeoJson,
    /// schema.org terms, with ESSGlobal's.
    JsonLd,
    Murmurations,
}

impl ListFormat {
    /// What the list says of itself as a whole (a CSV's mapping may say
    /// its rows are all current, or all of one sector).
    fn facts(&self) -> ListFacts {
        match self {
            ListFormat::Csv(mapping) => mapping.list.clone(),
            _ => ListFacts::default(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            ListFormat::Csv(_) => "csv",
            ListFormat::GeoJson => "geojson",
            ListFormat::JsonLd => "jsonld",
            ListFormat::Murmurations => "murmurations",
        }
    }
}

/// A list to import.
#[derive(Clone, Debug)]
pub struct ImportList {
    /// The source's name: importing under the same name again updates
    /// its rows by their ids.
    pub source: String,
    /// The file's name, for messages.
    pub file: String,
    pub format: ListFormat,
    pub licence: String,
    pub attribution: String,
    /// The date the list describes: newer lists' values win.
    pub as_of: Timestamp,
}

/// The steps of an import, in order, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Linking,
    Merging,
    Writing,
    Indexing,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Reading,
        Stage::Linking,
        Stage::Merging,
        Stage::Writing,
        Stage::Indexing,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Reading => "reading",
            Stage::Linking => "linking to the organisations known",
            Stage::Merging => "merging field by field",
            Stage::Writing => "writing",
            Stage::Indexing => "indexing",
        }
    }
}

/// Told each stage as an import reaches it.
pub type Progress<'a> = &'a (dyn Fn(Stage) + Send + Sync);

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub source: String,
    pub rows_read: usize,
    pub rows_skipped: usize,
    /// Rows that became new organisations.
    pub created: usize,
    /// Rows linked to an organisation another source lists.
    pub linked: usize,
    /// Rows the source had already given, read again.
    pub updated: usize,
    /// Pairs put in the review queue.
    pub to_review: usize,
    pub problems: Vec<Problem>,
}

impl ImportReport {
    /// The report as CSV: one line per problem.
    pub fn problems_csv(&self) -> String {
        problems_csv(&self.problems)
    }
}

fn problems_csv(problems: &[Problem]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(["row", "field", "reason", "skipped"]);
    for p in problems {
        let row = p.row.to_string();
        let skipped = if p.skipped { "yes" } else { "no" };
        let _ = out.write_record([&row, p.field.as_deref().unwrap_or(""), &p.reason, skipped]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// An organisation as the directory shows it.
#[derive(Clone, Debug)]
pub struct Organisation {
    pub id: i64,
    pub record: Record,
    pub provenance: Provenance,
    pub merged_into: Option<i64>,
}

impl Organisation {
    pub(crate) fn from_stored(org: &DirectoryOrg) -> Result<Organisation> {
        let record = serde_json::from_str(&org.record)
            .map_err(|_| StoreError::corrupt("directory_org.record", &org.id.to_string()))?;
        let provenance = serde_json::from_str(&org.provenance)
            .map_err(|_| StoreError::corrupt("directory_org.provenance", &org.id.to_string()))?;
        Ok(Organisation {
            id: org.id,
            record,
            provenance,
            merged_into: org.merged_into,
        })
    }
}

/// An organisation as `said` shows it, placed by the gazetteer if no
/// statement gives a point, with the changes from what it showed `before`
/// (nothing for a new one).
fn merge(
    id: i64,
    said: &[Statement<'_>],
    before: Option<&Record>,
    now: Timestamp,
) -> Result<(DirectoryOrg, Vec<FieldChange>)> {
    let merged = survive(said);
    let mut record = merged.record;
    record.id = id.to_string();
    place(&mut record, Gazetteer::bundled());
    let provenance = Provenance {
        fields: merged.provenance,
        sources: said.iter().map(|s| s.source).collect(),
    };
    let changes = before
        .map(|before| {
            fields::diff(before, &record)
                .into_iter()
                .map(|(field, old, new)| FieldChange {
                    field: field.to_owned(),
                    old,
                    new,
                })
                .collect()
        })
        .unwrap_or_default();
    let org = DirectoryOrg {
        id,
        record: json(&record)?,
        provenance: json(&provenance)?,
        merged_into: None,
        updated_at: now,
    };
    Ok((org, changes))
}

/// What an import's new organisations and its records are made from.
struct NewRowsPlan {
    reading: Arc<Reading>,
    /// The organisation of each row.
    target: Vec<i64>,
    /// The rows in the order of their keys: the order they are written in.
    by_key: Vec<usize>,
    first_new_id: i64,
    source: i64,
    as_of: Timestamp,
    now: Timestamp,
}

/// Rows made and sent to the database at a time; the channel holds two
/// such batches, so at most three are in memory at once.
const ROWS_PER_BATCH: usize = 8_192;

impl NewRowsPlan {
    /// Makes the rows a batch at a time on the other cores while the
    /// database writes the batches before: a fresh import's new
    /// organisations need nothing from each other. The task ends early,
    /// without error, when the write stops taking batches.
    fn start(
        self,
    ) -> (
        impl Stream<Item = NewRows> + Unpin + Send,
        JoinHandle<Result<()>>,
    ) {
        let (sender, mut receiver) = mpsc::channel(2);
        let making = tokio::task::spawn_blocking(move || {
            for rows in self.by_key.chunks(ROWS_PER_BATCH) {
                let mut batch = NewRows::default();
                for made in map_across_cores(rows, |&row| self.row(row)) {
                    let (org, record) = made?;
                    batch.orgs.extend(org);
                    batch.records.push(record);
                }
                if sender.blocking_send(batch).is_err() {
                    break;
                }
            }
            Ok(())
        });
        (stream::poll_fn(move |cx| receiver.poll_recv(cx)), making)
    }

    /// A row's record, and its organisation when the row makes a new one.
    fn row(&self, row: usize) -> Result<(Option<DirectoryOrg>, SourceRecord)> {
        let (number, record) = &self.reading.rows[row];
        let org = self.target[row];
        let shown = if org >= self.first_new_id {
            let said = Statement {
                source: self.source,
                as_of: self.as_of.as_millis(),
                record,
            };
            Some(merge(org, &[said], None, self.now)?.0)
        } else {
            None
        };
        let record = SourceRecord {
            source: self.source,
            key: record.id.clone(),
            org,
            row: *number as i64,
            as_of: self.as_of,
            record: json(record)?,
        };
        Ok((shown, record))
    }
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(AppError::because("a record that is not JSON"))
}

/// Where an import's rows go: each row's organisation, the rows in key
/// order, the organisations made new, and the reviews to queue.
struct Linked {
    target: Vec<i64>,
    by_key: Vec<usize>,
    new_orgs: BTreeSet<i64>,
    reviews: Vec<NewReview>,
}

/// The rows that describe organisations known before (ids below
/// `first_new_id`), each with its organisation, and those organisations
/// once each, in order.
fn touched_by<'r>(
    target: &[i64],
    reading: &'r Reading,
    first_new_id: i64,
) -> (Vec<(i64, &'r Record)>, Vec<i64>) {
    let incoming: Vec<(i64, &Record)> = target
        .iter()
        .zip(&reading.rows)
        .filter(|(org, _)| **org < first_new_id)
        .map(|(org, (_, record))| (*org, record))
        .collect();
    let touched = incoming
        .iter()
        .map(|(org, _)| *org)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    (incoming, touched)
}

/// The source an import comes from, as the directory records it.
fn new_source(list: &ImportList, id: i64) -> NewSource {
    NewSource {
        id,
        name: list.source.clone(),
        format: list.format.name().to_owned(),
        licence: list.licence.clone(),
        attribution: list.attribution.clone(),
    }
}

impl App {
    /// Reads a list and merges it into the directory. Whoever may call
    /// this is decided by the caller: the operator at the command line, or
    /// [`App::import_list_as`] for a moderator.
    pub async fn import_list(&self, list: &ImportList, bytes: &[u8]) -> Result<ImportReport> {
        self.import_list_telling(list, bytes, &|_| {}).await
    }

    /// [`App::import_list`], telling `progress` each stage it reaches.
    pub async fn import_list_telling(
        &self,
        list: &ImportList,
        bytes: &[u8],
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        progress(Stage::Reading);
        let unreadable = |e: ReadError| AppError::Unreadable {
            file: list.file.clone(),
            reason: e.to_string(),
        };
        let reading: Reading = match &list.format {
            ListFormat::Csv(mapping) => read_csv_rows(bytes, mapping).map_err(unreadable)?,
            ListFormat::GeoJson => read_geojson(bytes).map_err(unreadable)?,
            ListFormat::JsonLd => read_jsonld(bytes).map_err(unreadable)?,
            ListFormat::Murmurations => read_murmurations(bytes).map_err(unreadable)?,
        };
        if list.source.trim().is_empty() {
            return Err(AppError::invalid("source", "required"));
        }
        let reading = Arc::new(reading);
        // Another import may take the new ids first; plan again then.
        for _ in 0..3 {
            match self.plan_and_write_import(list, &reading, progress).await {
                Err(AppError::Overtaken(_)) => continue,
                done => return done,
            }
        }
        Err(AppError::Conflict {
            field: "source",
            code: "busy",
        })
    }

    /// The report of a source's last import, as CSV: public, like the
    /// list it describes.
    pub async fn source_report(&self, source: &str) -> Result<crate::governance::Download> {
        let found = self
            .store
            .directory_source(source)
            .await?
            .ok_or(AppError::NotFound("source"))?;
        let problems: Vec<Problem> = serde_json::from_str(&found.report)
            .map_err(|_| StoreError::corrupt("directory_source.report", &found.name))?;
        Ok(crate::governance::Download {
            name: format!("{}.report.csv", reports::file_name(&found.name)),
            content_type: "text/csv; charset=utf-8",
            body: problems_csv(&problems),
        })
    }

    /// [`App::import_list`] for a person, who must be a moderator.
    pub async fn import_list_as(
        &self,
        person: PersonId,
        list: &ImportList,
        bytes: &[u8],
    ) -> Result<ImportReport> {
        self.require_moderator(person).await?;
        self.import_list(list, bytes).await
    }

    /// Refuses `actor` unless they moderate the directory, as
    /// [`App::authorize`] does for a co-op's roles.
    pub async fn authorize_moderator(&self, actor: &Person) -> Result<()> {
        self.require_moderator(actor.id).await
    }

    pub(crate) async fn require_moderator(&self, person: PersonId) -> Result<()> {
        if self.is_directory_moderator(person).await? {
            Ok(())
        } else {
            Err(AppError::Forbidden("not-moderator"))
        }
    }

    async fn plan_and_write_import(
        &self,
        list: &ImportList,
        reading: &Arc<Reading>,
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        progress(Stage::Linking);
        let now = self.clock.now();
        let (first_new_id, next_source) = self.store.next_directory_ids().await?;
        let source = self.store.directory_source(&list.source).await?;
        let mut report = ImportReport {
            source: list.source.clone(),
            rows_read: reading.rows.len(),
            rows_skipped: reading.problems.iter().filter(|p| p.skipped).count(),
            problems: reading.problems.clone(),
            ..ImportReport::default()
        };
        let known: HashMap<String, i64> = match &source {
            Some(source) => self.store.directory_source_keys(source.id).await?,
            None => Vec::new(),
        }
        .into_iter()
        .collect();
        let Linked {
            target,
            by_key,
            new_orgs,
            reviews,
        } = self
            .link_import(
                reading,
                &known,
                first_new_id,
                &list.format.facts(),
                &mut report,
            )
            .await?;

        // The organisations known before that this source's rows touch are
        // merged again now, from every record of them; new ones are made
        // while the database writes (below).
        progress(Stage::Merging);
        let source_id = source.as_ref().map_or(next_source, |s| s.id);
        let (incoming, touched) = touched_by(&target, reading, first_new_id);
        let write = DirectoryWrite {
            source: Some(new_source(list, source_id)),
            rows_read: reading.rows.len() as i64,
            report: json(&report.problems)?,
            orgs: self
                .remerge(&touched, &incoming, source_id, list.as_of, now)
                .await?,
            new_orgs: new_orgs.len(),
            new_records: reading.rows.len(),
            reviews,
            ..DirectoryWrite::default()
        };
        progress(Stage::Writing);
        let made = NewRowsPlan {
            reading: Arc::clone(reading),
            target,
            by_key,
            first_new_id,
            source: source_id,
            as_of: list.as_of,
            now,
        };
        self.write_import(&write, made).await?;
        progress(Stage::Indexing);
        let changed: Vec<i64> = touched.into_iter().chain(new_orgs).collect();
        self.reindex(&changed).await?;
        Ok(report)
    }

    /// Writes an import: the new rows are made on a thread of their own
    /// while the database takes them.
    async fn write_import(&self, write: &DirectoryWrite, made: NewRowsPlan) -> Result<()> {
        let (first_new_id, now) = (made.first_new_id, made.now);
        let (rows, making) = made.start();
        let written = self
            .store
            .write_directory(write, rows, first_new_id, now)
            .await;
        // When making the rows failed, that is why the write was cut short.
        making
            .await
            .map_err(AppError::because("making an import's rows"))??;
        written?;
        Ok(())
    }

    /// Which organisation each row describes: the one it named before,
    /// one another source lists, or a new one; with the pairs left for
    /// moderators to review.
    async fn link_import(
        &self,
        reading: &Reading,
        known: &HashMap<String, i64>,
        first_new_id: i64,
        facts: &ListFacts,
        report: &mut ImportReport,
    ) -> Result<Linked> {
        let mut target: Vec<Option<i64>> = reading
            .rows
            .iter()
            .map(|(_, r)| known.get(&r.id).copied())
            .collect();
        report.updated = target.iter().filter(|t| t.is_some()).count();
        let taken: BTreeSet<i64> = known.values().copied().collect();
        let reviews = self
            .link_new_rows(reading, &taken, &mut target, facts, report)
            .await?;
        let (by_key, new_orgs) = number_new_orgs(reading, &mut target, first_new_id);
        report.created = new_orgs.len();
        let target: Vec<i64> = target.into_iter().map(|t| t.unwrap_or(0)).collect();
        let reviews: Vec<NewReview> = reviews
            .into_iter()
            .map(|(row, review)| NewReview {
                right: target[row],
                ..review
            })
            .collect();
        report.to_review = reviews.len();

        Ok(Linked {
            target,
            by_key,
            new_orgs,
            reviews,
        })
    }

    /// Links the rows no organisation claims yet to the organisations
    /// other sources list (`taken` are this source's own): a sure match
    /// places the row there, a doubtful one goes to the review queue,
    /// returned with its row (its right side is numbered later).
    async fn link_new_rows(
        &self,
        reading: &Reading,
        taken: &BTreeSet<i64>,
        target: &mut [Option<i64>],
        facts: &ListFacts,
        report: &mut ImportReport,
    ) -> Result<Vec<(usize, NewReview)>> {
        let fresh: Vec<usize> = (0..target.len()).filter(|&i| target[i].is_none()).collect();
        if fresh.is_empty() {
            return Ok(Vec::new());
        }
        let others: Vec<Organisation> = self
            .directory_everything()
            .await?
            .into_iter()
            .filter(|o| !taken.contains(&o.id))
            .collect();
        if others.is_empty() {
            return Ok(Vec::new());
        }
        let left: Vec<Record> = fresh.iter().map(|&i| reading.rows[i].1.clone()).collect();
        let right: Vec<Record> = others.iter().map(|o| o.record.clone()).collect();
        let config = LinkConfig {
            threshold: REVIEW_SCORE,
            reviewed: self.reviewed_pairs().await?,
            left: facts.clone(),
            ..LinkConfig::default()
        };
        let mut reviews = Vec::new();
        for pair in link(&left, &right, &config) {
            let row = fresh[pair.left];
            let org = &others[pair.right];
            if pair.score >= MERGE_SCORE {
                target[row] = Some(org.id);
                report.linked += 1;
            } else {
                let review = NewReview {
                    left: org.id,
                    right: 0,
                    score_milli: (pair.score * 1000.0).round() as i64,
                    left_record: json(&org.record)?,
                    right_record: json(&left[pair.left])?,
                };
                reviews.push((row, review));
            }
        }
        Ok(reviews)
    }

    /// The shown record of each organisation known before after
    /// `incoming` records (of source `source`) replace what that source
    /// said before, with the changes to its fields.
    async fn remerge(
        &self,
        existing: &[i64],
        incoming: &[(i64, &Record)],
        source: i64,
        as_of: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<(DirectoryOrg, Vec<FieldChange>)>> {
        let mut stored = Vec::new();
        for record in self.store.directory_records_of(existing).await? {
            if record.source == source {
                continue;
            }
            let said: Record = serde_json::from_str(&record.record)
                .map_err(|_| StoreError::corrupt("directory_record.record", &record.key))?;
            stored.push((record.org, record.source, record.as_of.as_millis(), said));
        }
        let shown: HashMap<i64, Organisation> = self
            .store
            .directory_orgs(existing)
            .await?
            .iter()
            .map(Organisation::from_stored)
            .map(|o| o.map(|o| (o.id, o)))
            .collect::<Result<_>>()?;
        let mut said: Vec<(i64, Statement<'_>)> = stored
            .iter()
            .map(|(org, source, as_of, record)| (*org, *source, *as_of, record))
            .chain(
                incoming
                    .iter()
                    .map(|(org, record)| (*org, source, as_of.as_millis(), *record)),
            )
            .map(|(org, source, as_of, record)| {
                let statement = Statement {
                    source,
                    as_of,
                    record,
                };
                (org, statement)
            })
            .collect();
        said.sort_by_key(|(org, _)| *org);
        let by_org: Vec<&[(i64, Statement<'_>)]> = said.chunk_by(|a, b| a.0 == b.0).collect();
        map_across_cores(&by_org, |statements| {
            let id = statements[0].0;
            let statements: Vec<Statement<'_>> = statements.iter().map(|(_, s)| *s).collect();
            merge(id, &statements, shown.get(&id).map(|o| &o.record), now)
        })
        .into_iter()
        .collect()
    }

    /// Every organisation shown, read a page at a time.
    pub(crate) async fn directory_everything(&self) -> Result<Vec<Organisation>> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.directory_orgs_after(after, 5_000).await?;
            let Some(last) = page.last() else {
                return Ok(all);
            };
            after = last.id;
            for org in map_across_cores(&page, Organisation::from_stored) {
                all.push(org?);
            }
        }
    }

    /// The names of the sources, by id.
    async fn source_names(&self) -> Result<HashMap<i64, String>> {
        Ok(self
            .store
            .directory_sources()
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect())
    }

    /// Brings the search index up to date for these organisations.
    async fn reindex(&self, ids: &[i64]) -> Result<()> {
        let names = self.source_names().await?;
        let mut upsert = Vec::new();
        let mut remove = Vec::new();
        for stored in self.store.directory_orgs(ids).await? {
            let org = Organisation::from_stored(&stored)?;
            if org.merged_into.is_some() {
                remove.push(org.id);
            } else {
                upsert.push(org);
            }
        }
        let index = self.search_index()?;
        tokio::task::spawn_blocking(move || index_orgs(&index, &upsert, &names, &remove))
            .await
            .map_err(AppError::because("the search index task stopped"))?
    }

    /// Builds the search index from the database: the server does this
    /// when it starts.
    pub async fn rebuild_directory_index(&self) -> Result<u64> {
        let names = self.source_names().await?;
        let all = self.directory_everything().await?;
        let index = self.search_index()?;
        tokio::task::spawn_blocking(move || {
            index_orgs(&index, &all, &names, &[])?;
            index
                .compact()
                .map_err(|_| AppError::internal("the search index refused a merge"))?;
            Ok(index.len())
        })
        .await
        .map_err(AppError::because("the search index task stopped"))?
    }
}

fn index_orgs(
    index: &Arc<SearchIndex>,
    orgs: &[Organisation],
    names: &HashMap<i64, String>,
    remove: &[i64],
) -> Result<()> {
    let sources: Vec<Vec<String>> = orgs
        .iter()
        .map(|o| {
            o.provenance
                .sources
                .iter()
                .filter_map(|s| names.get(s).cloned())
                .collect()
        })
        .collect();
    let failed = |_| AppError::internal("the search index refused a write");
    index
        .upsert(
            orgs.iter()
                .zip(&sources)
                .map(|(o, s)| (o.id, &o.record, s.as_slice())),
        )
        .map_err(failed)?;
    if !remove.is_empty() {
        index.remove(remove).map_err(failed)?;
    }
    Ok(())
}

/// Numbers the rows still without an organisation as new ones, from
/// `first_new_id`, in the order of their keys; returns that order (every
/// row's) and the new ids. The rows are written in it too, so both of the
/// record table's indexes, by key and by organisation, grow at their ends
/// instead of taking a million rows in scattered places.
fn number_new_orgs(
    reading: &Reading,
    target: &mut [Option<i64>],
    first_new_id: i64,
) -> (Vec<usize>, BTreeSet<i64>) {
    let mut by_key: Vec<usize> = (0..target.len()).collect();
    by_key.sort_unstable_by(|&a, &b| reading.rows[a].1.id.cmp(&reading.rows[b].1.id));
    let unplaced: Vec<usize> = by_key
        .iter()
        .copied()
        .filter(|&row| target[row].is_none())
        .collect();
    let mut new_orgs = BTreeSet::new();
    for (id, row) in (first_new_id..).zip(unplaced) {
        target[row] = Some(id);
        new_orgs.insert(id);
    }
    (by_key, new_orgs)
}
