//! People improving the directory: moderators decide the pairs the linker
//! was unsure of (and the linker learns from their decisions), members
//! suggest edits and moderators accept or reject them. Every accepted
//! change goes through survivorship like a list does, and leaves its
//! history.

use coopkit_directory::fields::FIELDS;
use coopkit_directory::records::{
    Decision, DirectoryOrg, Edit, FieldChange, HistoryEntry, NewSource, Review, SourceRecord,
};
use coopkit_directory::{Record, ReviewState, Reviewed, Statement};
use coopkit_domain::{EditId, PersonId, ReviewId};
use coopkit_store::{DirectoryWrite, NewRows, StoreError};
use futures_util::stream;

use super::{json, merge, Organisation};
use crate::{App, AppError, Result};

/// The source accepted edits are kept in, beside the imported lists.
pub const EDITS_SOURCE: &str = "coopkit edits";

/// How many of the latest decisions the linker learns from.
const DECISIONS_LEARNT: i64 = 10_000;

/// A pair in the review queue, with both organisations.
#[derive(Clone, Debug)]
pub struct ReviewView {
    pub review: Review,
    pub left: Organisation,
    pub right: Organisation,
}

/// A suggested edit, with the organisation it is for.
#[derive(Clone, Debug)]
pub struct EditView {
    pub edit: Edit,
    pub org: Organisation,
}

impl App {
    /// The open pairs, most likely first.
    pub async fn review_queue(&self, person: PersonId, limit: i64) -> Result<Vec<ReviewView>> {
        self.require_moderator(person).await?;
        let mut views = Vec::new();
        for review in self
            .store
            .directory_reviews(ReviewState::Open, limit)
            .await?
        {
            let orgs = self
                .store
                .directory_orgs(&[review.left, review.right])
                .await?;
            let find = |id: i64| {
                orgs.iter()
                    .find(|o| o.id == id && o.merged_into.is_none())
                    .map(Organisation::from_stored)
            };
            // A side merged away since (by another decision) leaves
            // nothing to decide; it stays open, out of sight.
            if let (Some(left), Some(right)) = (find(review.left), find(review.right)) {
                views.push(ReviewView {
                    review,
                    left: left?,
                    right: right?,
                });
            }
        }
        Ok(views)
    }

    /// The decided pairs, as examples for the linker.
    pub(crate) async fn reviewed_pairs(&self) -> Result<Vec<Reviewed>> {
        let read = |text: &str| -> Result<Record> {
            serde_json::from_str(text)
                .map_err(|_| StoreError::corrupt("directory_review", "a decided pair").into())
        };
        self.store
            .directory_reviewed_pairs(DECISIONS_LEARNT)
            .await?
            .into_iter()
            .map(|pair| {
                Ok(Reviewed {
                    left: read(&pair.left_record)?,
                    right: read(&pair.right_record)?,
                    same: pair.same,
                })
            })
            .collect()
    }

    /// Accepting merges the right organisation into the left: its sources'
    /// records move over, fields are merged again, and its address leads
    /// to the left one from then on.
    pub async fn decide_review(&self, person: PersonId, id: ReviewId, accept: bool) -> Result<()> {
        self.require_moderator(person).await?;
        let review = self
            .store
            .directory_review(id)
            .await?
            .ok_or(AppError::NotFound("review"))?;
        if review.state != ReviewState::Open {
            return Err(AppError::Conflict {
                field: "review",
                code: "already-decided",
            });
        }
        let decision = Decision::Review {
            id,
            accepted: accept,
        };
        let rows: Option<NewRows> = None;
        let mut write = DirectoryWrite {
            person: Some(person),
            decision: Some(decision),
            ..DirectoryWrite::default()
        };
        if accept {
            let records = self
                .store
                .directory_records_of(&[review.left, review.right])
                .await?;
            let merged = self.merged_org(review.left, &records).await?;
            write.orgs = vec![merged];
            write.merged = vec![(review.right, review.left)];
        }
        self.store
            .write_directory(&write, stream::iter(rows), 0, self.clock.now())
            .await?;
        self.reindex(&[review.left, review.right]).await
    }

    /// Any signed-in person may suggest a value for one field.
    pub async fn suggest_edit(
        &self,
        person: PersonId,
        org: i64,
        field: &str,
        value: &str,
        note: &str,
    ) -> Result<EditId> {
        let shown = self.directory_org(org).await?;
        if field == "id" || !FIELDS.contains(&field) {
            return Err(AppError::invalid("field", "directory-field-unknown"));
        }
        let mut trial = shown.record.clone();
        trial
            .set(field, value)
            .map_err(|_| AppError::invalid("value", "directory-value-invalid"))?;
        if note.chars().count() > 1_000 || value.chars().count() > 2_000 {
            return Err(AppError::invalid("note", "too-long"));
        }
        Ok(self
            .store
            .suggest_directory_edit(
                shown.id,
                field,
                value.trim(),
                note.trim(),
                person,
                self.clock.now(),
            )
            .await?)
    }

    pub async fn open_edits(&self, person: PersonId, limit: i64) -> Result<Vec<EditView>> {
        self.require_moderator(person).await?;
        let mut views = Vec::new();
        for edit in self.store.directory_edits(ReviewState::Open, limit).await? {
            let org = self.directory_org(edit.org).await?;
            views.push(EditView { edit, org });
        }
        Ok(views)
    }

    /// Accepting an edit states its value as of now in the edits source,
    /// so it wins over the lists imported before it.
    pub async fn decide_edit(&self, person: PersonId, id: EditId, accept: bool) -> Result<()> {
        self.require_moderator(person).await?;
        let edit = self
            .store
            .directory_edit(id)
            .await?
            .ok_or(AppError::NotFound("edit"))?;
        let mut rows = None;
        let mut write = DirectoryWrite {
            person: Some(person),
            decision: Some(Decision::Edit {
                id,
                accepted: accept,
            }),
            ..DirectoryWrite::default()
        };
        let org = self.directory_org(edit.org).await?;
        if accept {
            let (_, next_source) = self.store.next_directory_ids().await?;
            let source = self.store.directory_source(EDITS_SOURCE).await?;
            let source_id = source.as_ref().map_or(next_source, |s| s.id);
            let mut records = self.store.directory_records_of(&[org.id]).await?;
            let key = org.id.to_string();
            let mut edited = match records
                .iter()
                .find(|r| r.source == source_id && r.key == key)
            {
                Some(stored) => serde_json::from_str(&stored.record)
                    .map_err(|_| StoreError::corrupt("directory_record.record", &key))?,
                None => Record::default(),
            };
            edited
                .set(&edit.field, &edit.value)
                .map_err(|_| AppError::invalid("value", "directory-value-invalid"))?;
            edited.id = key.clone();
            let record = SourceRecord {
                source: source_id,
                key: key.clone(),
                org: org.id,
                row: 0,
                as_of: self.clock.now(),
                record: json(&edited)?,
            };
            records.retain(|r| !(r.source == source_id && r.key == key));
            records.push(record.clone());
            write.orgs = vec![self.merged_org(org.id, &records).await?];
            write.new_records = 1;
            rows = Some(NewRows {
                orgs: Vec::new(),
                records: vec![record],
            });
            write.source = Some(NewSource {
                id: source_id,
                name: EDITS_SOURCE.to_owned(),
                format: "edits".to_owned(),
                licence: String::new(),
                attribution: String::new(),
            });
            write.report = "[]".to_owned();
            write.rows_read = source.map_or(1, |s| s.rows_read + 1);
        }
        self.store
            .write_directory(&write, stream::iter(rows), 0, self.clock.now())
            .await?;
        self.reindex(&[org.id]).await
    }

    pub async fn directory_history(&self, org: i64) -> Result<Vec<HistoryEntry>> {
        Ok(self.store.directory_history(org).await?)
    }

    /// An organisation shown as every one of `records` says, with the
    /// changes from what it showed.
    async fn merged_org(
        &self,
        id: i64,
        records: &[SourceRecord],
    ) -> Result<(DirectoryOrg, Vec<FieldChange>)> {
        let before = self.directory_org(id).await?;
        let mut read = Vec::with_capacity(records.len());
        for r in records {
            let record: Record = serde_json::from_str(&r.record)
                .map_err(|_| StoreError::corrupt("directory_record.record", &r.key))?;
            read.push(record);
        }
        let said: Vec<Statement<'_>> = records
            .iter()
            .zip(&read)
            .map(|(r, record)| Statement {
                source: r.source,
                as_of: r.as_of.as_millis(),
                record,
            })
            .collect();
        merge(id, &said, Some(&before.record), self.clock.now())
    }
}
