//! The open-data directory's tables: sources (the lists imported), their
//! records, the organisations those describe, each shown field's history,
//! the review queue and suggested edits. Records are JSON the directory
//! crate reads; the store keeps them whole and decides nothing about them.

use coopkit_domain::{EditId, PersonId, ReviewId, Timestamp};
use futures_util::{Stream, StreamExt};

use coopkit_directory::moderation::{self, ReviewState};
use coopkit_directory::records::{
    Decision, DirectoryOrg, DirectorySource, Edit, FieldChange, HistoryEntry, ListedOrg, NewReview,
    NewSource, Review, ReviewedPair, SourceRecord,
};

use crate::error::Conflict;
use crate::{on_pool, BeginWrite, Pool, Result, Store, StoreError};

/// Everything one import, merge or edit writes but its new rows, decided
/// before the transaction opens. Organisations it creates take the ids
/// `first_new_id..`, which [`Store::next_directory_ids`] gave under no
/// lock, so the store checks them (and a new source's id) again under its
/// write lock.
#[derive(Clone, Debug, Default)]
pub struct DirectoryWrite {
    pub source: Option<NewSource>,
    pub rows_read: i64,
    pub report: String,
    /// Organisations already shown that changed, with the changes to
    /// record.
    pub orgs: Vec<(DirectoryOrg, Vec<FieldChange>)>,
    /// How many new organisations, and how many records, the write's
    /// [`NewRows`] carry in all: a write that gets fewer was cut short and
    /// is abandoned.
    pub new_orgs: usize,
    pub new_records: usize,
    /// Pairs of organisations for a person to look at.
    pub reviews: Vec<NewReview>,
    /// Organisations found to be another (merged away).
    pub merged: Vec<(i64, i64)>,
    /// The person whose decision this is, for the history.
    pub person: Option<PersonId>,
    /// The decision this write carries out, taken only if still open.
    pub decision: Option<Decision>,
}

/// New organisations and records (to insert or replace) for a write, a
/// batch of them: an import's are made while the batches before them are
/// written. A record's `source` is ignored when the write names a source:
/// it belongs to that one.
#[derive(Clone, Debug, Default)]
pub struct NewRows {
    pub orgs: Vec<DirectoryOrg>,
    pub records: Vec<SourceRecord>,
}

#[derive(sqlx::FromRow)]
struct SourceRow {
    id: i64,
    name: String,
    format: String,
    licence: String,
    attribution: String,
    imported_at: i64,
    rows_read: i64,
    report: String,
}

fn source_from(row: SourceRow) -> DirectorySource {
    DirectorySource {
        id: row.id,
        name: row.name,
        format: row.format,
        licence: row.licence,
        attribution: row.attribution,
        imported_at: Timestamp(row.imported_at),
        rows_read: row.rows_read,
        report: row.report,
    }
}

const SOURCE_COLUMNS: &str =
    "id, name, format, licence, attribution, imported_at, rows_read, report";

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    record: String,
    provenance: String,
    merged_into: Option<i64>,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    id: i64,
    record: String,
}

/// `select` for the organisations `ids` (one chunk of at most `BATCH`),
/// in id order.
fn orgs_by_id<'a, DB: sqlx::Database>(select: &str, ids: &[i64]) -> sqlx::QueryBuilder<'a, DB>
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut query = sqlx::QueryBuilder::new(select);
    query.push(" WHERE id IN (");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(") ORDER BY id");
    query
}

fn org_from(row: OrgRow) -> DirectoryOrg {
    DirectoryOrg {
        id: row.id,
        record: row.record,
        provenance: row.provenance,
        merged_into: row.merged_into,
        updated_at: Timestamp(row.updated_at),
    }
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    source_id: i64,
    source_key: String,
    org_id: i64,
    row_number: i64,
    as_of: i64,
    record: String,
}

fn record_from(row: RecordRow) -> SourceRecord {
    SourceRecord {
        source: row.source_id,
        key: row.source_key,
        org: row.org_id,
        row: row.row_number,
        as_of: Timestamp(row.as_of),
        record: row.record,
    }
}

/// Rows per multi-row INSERT: well under SQLite's limit of bound values.
const BATCH: usize = 2_000;

/// A source by name, if it is known, and the highest source id so far.
#[derive(sqlx::FromRow)]
struct KnownSource {
    found: Option<i64>,
    highest: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ReviewedPairRow {
    left_record: String,
    right_record: String,
    state: String,
}

// The parts of `Store::write_directory`, each a macro like
// `record_events!` so one text serves both engines inside its transaction.

/// Queues, inside the open transaction `$tx`, the message telling whoever
/// suggested edit `$edit` that it was decided (unless they decided it
/// themselves): the decision and its message commit together.
macro_rules! tell_suggester {
    ($tx:expr, $edit:expr, $decided_by:expr, $now:expr) => {{
        let edit: i64 = $edit;
        let decided_by: Option<PersonId> = $decided_by;
        let now: Timestamp = $now;
        let suggester: i64 =
            sqlx::query_scalar("SELECT person_id FROM directory_edit WHERE id = $1")
                .bind(edit)
                .fetch_one(&mut *$tx)
                .await?;
        let suggester = PersonId(suggester);
        let kind = coopkit_domain::NoticeKind::DirectoryEditDecided;
        let utc = coopkit_domain::Zone::utc();
        let due = if decided_by == Some(suggester) {
            None
        } else {
            crate::mail::notice_due!($tx, suggester, kind, &utc, now)
        };
        if let Some((digest, due_at)) = due {
            sqlx::query(
                "INSERT INTO mail_outbox (person_id, kind, directory_edit_id, digest, \
                 state, attempts, queued_at, due_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
            )
            .bind(suggester.0)
            .bind(kind.as_str())
            .bind(edit)
            .bind(digest)
            .bind(coopkit_domain::MailState::Queued.as_str())
            .bind(now.as_millis())
            .bind(due_at.as_millis())
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Carries out a moderator's decision if it is still open; a conflict if
/// another moderator decided it first.
macro_rules! decide {
    ($tx:expr, $decision:expr, $person:expr, $now:expr) => {{
        let (table, id, accepted) = match $decision {
            Decision::Review { id, accepted } => ("directory_review", id.0, accepted),
            Decision::Edit { id, accepted } => ("directory_edit", id.0, accepted),
        };
        let decide = format!(
            "UPDATE {table} SET state = $2, decided_by = $3, decided_at = $4 \
             WHERE id = $1 AND state = $5"
        );
        // Only an open one is decided: the UPDATE's `state = $5` is
        // `moderation::decide`'s rule, taken under the lock.
        let person: Option<PersonId> = $person;
        let done = sqlx::query(&decide)
            .bind(id)
            .bind(moderation::decided(accepted).as_str())
            .bind(person.map(|p| p.0))
            .bind($now.as_millis())
            .bind(ReviewState::Open.as_str())
            .execute(&mut *$tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(Conflict::Decision));
        }
        if table == "directory_edit" {
            tell_suggester!($tx, id, person, $now);
        }
    }};
}

/// Creates or refreshes the write's source, checking under the lock that
/// its id is still the one the plan gave; evaluates to the id.
macro_rules! upsert_source {
    ($tx:expr, $source:expr, $write:expr, $now:expr) => {{
        let source: &NewSource = $source;
        let known: KnownSource = sqlx::query_as(
            "SELECT (SELECT id FROM directory_source WHERE name = $1) AS found, \
                    (SELECT MAX(id) FROM directory_source) AS highest",
        )
        .bind(&source.name)
        .fetch_one(&mut *$tx)
        .await?;
        if known.found.unwrap_or(known.highest.unwrap_or(0) + 1) != source.id {
            return Err(StoreError::Conflict(Conflict::DirectoryIds));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO directory_source \
             (id, name, format, licence, attribution, imported_at, rows_read, report) \
             VALUES ($8, $1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (name) DO UPDATE SET format = excluded.format, \
               licence = excluded.licence, attribution = excluded.attribution, \
               imported_at = excluded.imported_at, rows_read = excluded.rows_read, \
               report = excluded.report \
             RETURNING id",
        )
        .bind(&source.name)
        .bind(&source.format)
        .bind(&source.licence)
        .bind(&source.attribution)
        .bind($now.as_millis())
        .bind($write.rows_read)
        .bind(&$write.report)
        .bind(source.id)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}

/// Inserts new organisations and records as the stream yields them,
/// organisations first (records refer to them); evaluates to how many of
/// each came. A record goes to the write's source when it names one.
macro_rules! insert_new_rows {
    ($tx:expr, $rows:expr, $source:expr, $now:expr) => {{
        let source: Option<i64> = $source;
        let (mut new_orgs, mut new_records) = (0, 0);
        while let Some(batch) = $rows.next().await {
            new_orgs += batch.orgs.len();
            new_records += batch.records.len();
            for chunk in batch.orgs.chunks(BATCH) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO directory_org (id, record, provenance, merged_into, updated_at) ",
                );
                insert.push_values(chunk, |mut row, org| {
                    row.push_bind(org.id)
                        .push_bind(&org.record)
                        .push_bind(&org.provenance)
                        .push_bind(org.merged_into)
                        .push_bind($now.as_millis());
                });
                insert.build().execute(&mut *$tx).await?;
            }
            for chunk in batch.records.chunks(BATCH) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO directory_record (source_id, source_key, org_id, row_number, as_of, record) ",
                );
                insert.push_values(chunk, |mut row, record| {
                    row.push_bind(source.unwrap_or(record.source))
                        .push_bind(&record.key)
                        .push_bind(record.org)
                        .push_bind(record.row)
                        .push_bind(record.as_of.as_millis())
                        .push_bind(&record.record);
                });
                insert.push(
                    " ON CONFLICT (source_id, source_key) DO UPDATE SET org_id = excluded.org_id, \
                     row_number = excluded.row_number, as_of = excluded.as_of, record = excluded.record",
                );
                insert.build().execute(&mut *$tx).await?;
            }
        }
        (new_orgs, new_records)
    }};
}

/// Records each change to a shown field, with the write's source or
/// person.
macro_rules! insert_history {
    ($tx:expr, $write:expr, $source:expr, $now:expr) => {{
        let write: &DirectoryWrite = $write;
        let source: Option<i64> = $source;
        let history: Vec<(i64, &FieldChange)> = write
            .orgs
            .iter()
            .flat_map(|(org, changes)| changes.iter().map(move |c| (org.id, c)))
            .collect();
        for chunk in history.chunks(BATCH) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO directory_history (org_id, field, old_value, new_value, source_id, person_id, at) ",
            );
            insert.push_values(chunk, |mut row, (org, change)| {
                row.push_bind(*org)
                    .push_bind(&change.field)
                    .push_bind(&change.old)
                    .push_bind(&change.new)
                    .push_bind(source)
                    .push_bind(write.person.map(|p| p.0))
                    .push_bind($now.as_millis());
            });
            insert.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Puts the pairs the linker doubts in the review queue, once each.
macro_rules! insert_reviews {
    ($tx:expr, $write:expr, $now:expr) => {{
        let write: &DirectoryWrite = $write;
        for review in &write.reviews {
            sqlx::query(
                "INSERT INTO directory_review \
                 (left_org, right_org, score_milli, state, created_at, left_record, right_record) \
                 VALUES ($1, $2, $3, $7, $4, $5, $6) ON CONFLICT (left_org, right_org) DO NOTHING",
            )
            .bind(review.left)
            .bind(review.right)
            .bind(review.score_milli)
            .bind($now.as_millis())
            .bind(&review.left_record)
            .bind(&review.right_record)
            .bind(ReviewState::Open.as_str())
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

impl Store {
    pub async fn directory_sources(&self) -> Result<Vec<DirectorySource>> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM directory_source ORDER BY name");
        let rows: Vec<SourceRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(source_from).collect())
    }

    pub async fn directory_source(&self, name: &str) -> Result<Option<DirectorySource>> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM directory_source WHERE name = $1");
        let row: Option<SourceRow> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(name)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(source_from))
    }

    /// The keys a source already has, and the organisation each names.
    pub async fn directory_source_keys(&self, source: i64) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT source_key, org_id FROM directory_record WHERE source_id = $1"
        )
        .bind(source)
        .fetch_all(pool)
        .await)?)
    }

    /// The organisations shown (not merged away), `limit` at a time after
    /// id `after`, in id order: for downloads and index builds that must
    /// not hold a million rows at once.
    pub async fn directory_orgs_after(&self, after: i64, limit: i64) -> Result<Vec<DirectoryOrg>> {
        let rows: Vec<OrgRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT id, record, provenance, merged_into, updated_at FROM directory_org \
             WHERE id > $1 AND merged_into IS NULL ORDER BY id LIMIT $2"
        )
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(org_from).collect())
    }

    /// Organisations by id, merged or not, in id order.
    pub async fn directory_orgs(&self, ids: &[i64]) -> Result<Vec<DirectoryOrg>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH) {
            let rows: Vec<OrgRow> = on_pool!(self, |pool| {
                orgs_by_id(
                    "SELECT id, record, provenance, merged_into, updated_at FROM directory_org",
                    chunk,
                )
                .build_query_as()
                .fetch_all(pool)
                .await
            })?;
            found.extend(rows.into_iter().map(org_from));
        }
        found.sort_by_key(|o| o.id);
        Ok(found)
    }

    /// The merged records of these organisations, in id order, for a
    /// page of search results.
    pub async fn listed_orgs(&self, ids: &[i64]) -> Result<Vec<ListedOrg>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH) {
            let rows: Vec<ListedRow> = on_pool!(self, |pool| {
                orgs_by_id("SELECT id, record FROM directory_org", chunk)
                    .build_query_as()
                    .fetch_all(pool)
                    .await
            })?;
            found.extend(rows.into_iter().map(|row| ListedOrg {
                id: row.id,
                record: row.record,
            }));
        }
        found.sort_by_key(|o| o.id);
        Ok(found)
    }

    /// Every source's record of these organisations.
    pub async fn directory_records_of(&self, orgs: &[i64]) -> Result<Vec<SourceRecord>> {
        let mut found = Vec::new();
        for chunk in orgs.chunks(BATCH) {
            let rows: Vec<RecordRow> = on_pool!(self, |pool| {
                let mut select = sqlx::QueryBuilder::new(
                    "SELECT source_id, source_key, org_id, row_number, as_of, record \
                     FROM directory_record WHERE org_id IN (",
                );
                let mut list = select.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                select.push(") ORDER BY org_id, source_id, source_key");
                select.build_query_as().fetch_all(pool).await
            })?;
            found.extend(rows.into_iter().map(record_from));
        }
        Ok(found)
    }

    /// The ids the next new organisation and the next new source would
    /// take. A hint: the write checks them again under the lock.
    pub async fn next_directory_ids(&self) -> Result<(i64, i64)> {
        #[derive(sqlx::FromRow)]
        struct Highest {
            org: Option<i64>,
            source: Option<i64>,
        }
        let highest: Highest = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT (SELECT MAX(id) FROM directory_org) AS org, \
                        (SELECT MAX(id) FROM directory_source) AS source",
            )
            .fetch_one(pool)
            .await
        })?;
        Ok((
            highest.org.unwrap_or(0) + 1,
            highest.source.unwrap_or(0) + 1,
        ))
    }

    /// Writes an import, a merge or an accepted edit whole with the new
    /// rows `rows` yields, or nothing. Fails with a conflict when another
    /// write took the new ids first.
    pub async fn write_directory(
        &self,
        write: &DirectoryWrite,
        mut rows: impl Stream<Item = NewRows> + Unpin + Send,
        first_new_id: i64,
        now: Timestamp,
    ) -> Result<i64> {
        // SQLite's BEGIN IMMEDIATE already holds the only write lock.
        let lock = match self.pool {
            Pool::Sqlite(_) => None,
            Pool::Postgres(_) => Some("LOCK TABLE directory_org IN EXCLUSIVE MODE"),
        };
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM directory_org")
                .fetch_one(&mut *tx)
                .await?;
            if write.new_orgs > 0 && max.unwrap_or(0) + 1 != first_new_id {
                return Err(StoreError::Conflict(Conflict::DirectoryIds));
            }
            if let Some(decision) = write.decision {
                decide!(tx, decision, write.person, now);
            }
            let source: Option<i64> = match &write.source {
                None => None,
                Some(source) => Some(upsert_source!(tx, source, write, now)),
            };
            for (org, _) in &write.orgs {
                sqlx::query(
                    "UPDATE directory_org SET record = $2, provenance = $3, updated_at = $4 WHERE id = $1",
                )
                .bind(org.id)
                .bind(&org.record)
                .bind(&org.provenance)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await?;
            }
            for (gone, into) in &write.merged {
                sqlx::query("UPDATE directory_record SET org_id = $2 WHERE org_id = $1")
                    .bind(gone)
                    .bind(into)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE directory_org SET merged_into = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(gone)
                .bind(into)
                .bind(now.as_millis())
                .execute(&mut *tx)
                .await?;
            }
            let made = insert_new_rows!(tx, rows, source, now);
            if made != (write.new_orgs, write.new_records) {
                return Err(StoreError::CutShort {
                    what: "directory write",
                });
            }
            insert_history!(tx, write, source, now);
            insert_reviews!(tx, write, now);
            tx.commit().await?;
            Ok(source.unwrap_or(0))
        })
    }

    pub async fn directory_history(&self, org: i64) -> Result<Vec<HistoryEntry>> {
        let rows: Vec<HistoryRow> = on_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT h.field, h.old_value, h.new_value, s.name AS source, p.display_name AS person, h.at \
                 FROM directory_history h \
                 LEFT JOIN directory_source s ON s.id = h.source_id \
                 LEFT JOIN person p ON p.id = h.person_id \
                 WHERE h.org_id = $1 ORDER BY h.id DESC"
        )
        .bind(org)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| HistoryEntry {
                change: FieldChange {
                    field: row.field,
                    old: row.old_value,
                    new: row.new_value,
                },
                source: row.source,
                person: row.person,
                at: Timestamp(row.at),
            })
            .collect())
    }

    pub async fn directory_reviews(&self, state: ReviewState, limit: i64) -> Result<Vec<Review>> {
        let rows: Vec<ReviewRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT id, left_org, right_org, score_milli, state FROM directory_review \
             WHERE state = $1 ORDER BY score_milli DESC, id LIMIT $2"
        )
        .bind(state.as_str())
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(review_from).collect()
    }

    /// The most recently decided pairs that kept their records, newest
    /// first: what the linker learns from.
    pub async fn directory_reviewed_pairs(&self, limit: i64) -> Result<Vec<ReviewedPair>> {
        let rows: Vec<ReviewedPairRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT left_record, right_record, state FROM directory_review \
             WHERE state <> $2 AND left_record IS NOT NULL AND right_record IS NOT NULL \
             ORDER BY decided_at DESC, id DESC LIMIT $1"
        )
        .bind(limit)
        .bind(ReviewState::Open.as_str())
        .fetch_all(pool)
        .await)?;
        rows.into_iter()
            .map(|row| {
                let state = review_state("directory_review.state", &row.state)?;
                Ok(ReviewedPair {
                    left_record: row.left_record,
                    right_record: row.right_record,
                    same: state == ReviewState::Accepted,
                })
            })
            .collect()
    }

    pub async fn directory_review(&self, id: ReviewId) -> Result<Option<Review>> {
        let row: Option<ReviewRow> = on_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT id, left_org, right_org, score_milli, state FROM directory_review WHERE id = $1"
        )
        .bind(id.0)
        .fetch_optional(pool)
        .await
        })?;
        row.map(review_from).transpose()
    }

    pub async fn suggest_directory_edit(
        &self,
        org: i64,
        field: &str,
        value: &str,
        note: &str,
        person: PersonId,
        now: Timestamp,
    ) -> Result<EditId> {
        let id: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "INSERT INTO directory_edit (org_id, field, value, note, person_id, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $7, $6) RETURNING id",
            )
            .bind(org)
            .bind(field)
            .bind(value)
            .bind(note)
            .bind(person.0)
            .bind(now.as_millis())
            .bind(ReviewState::Open.as_str())
            .fetch_one(pool)
            .await
        })?;
        Ok(EditId(id))
    }

    pub async fn directory_edits(&self, state: ReviewState, limit: i64) -> Result<Vec<Edit>> {
        let rows: Vec<EditRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT id, org_id, field, value, note, person_id, state, created_at \
             FROM directory_edit WHERE state = $1 ORDER BY id LIMIT $2"
        )
        .bind(state.as_str())
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(edit_from).collect()
    }

    pub async fn directory_edit(&self, id: EditId) -> Result<Option<Edit>> {
        let row: Option<EditRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT id, org_id, field, value, note, person_id, state, created_at \
             FROM directory_edit WHERE id = $1"
        )
        .bind(id.0)
        .fetch_optional(pool)
        .await)?;
        row.map(edit_from).transpose()
    }
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    field: String,
    old_value: String,
    new_value: String,
    /// The source that said it, or none for a moderator's edit.
    source: Option<String>,
    /// The moderator who accepted it, for an edit.
    person: Option<String>,
    at: i64,
}

#[derive(sqlx::FromRow)]
struct EditRow {
    id: i64,
    org_id: i64,
    field: String,
    value: String,
    note: String,
    person_id: i64,
    state: String,
    created_at: i64,
}

fn edit_from(row: EditRow) -> Result<Edit> {
    Ok(Edit {
        id: EditId(row.id),
        org: row.org_id,
        field: row.field,
        value: row.value,
        note: row.note,
        person: PersonId(row.person_id),
        state: review_state("directory_edit.state", &row.state)?,
        created_at: Timestamp(row.created_at),
    })
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    left_org: i64,
    right_org: i64,
    score_milli: i64,
    state: String,
}

fn review_from(row: ReviewRow) -> Result<Review> {
    Ok(Review {
        id: ReviewId(row.id),
        left: row.left_org,
        right: row.right_org,
        score_milli: row.score_milli,
        state: review_state("directory_review.state", &row.state)?,
    })
}

fn review_state(column: &str, text: &str) -> Result<ReviewState> {
    ReviewState::parse(text).ok_or_else(|| StoreError::corrupt(column, text))
}
