//! What the directory keeps: the lists imported (sources) and their
//! records, the organisations those describe with each shown field's
//! history, and what waits for a moderator (pairs the linker doubts and
//! edits people suggest). Records and provenance are JSON this crate
//! reads; these types carry them whole.

use coopkit_domain::{EditId, PersonId, ReviewId, Timestamp};

use crate::moderation::ReviewState;

/// A list as imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectorySource {
    pub id: i64,
    pub name: String,
    pub format: String,
    pub licence: String,
    pub attribution: String,
    pub imported_at: Timestamp,
    pub rows_read: i64,
    /// JSON: the problems the last import met.
    pub report: String,
}

/// What an import says of its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSource {
    /// The source's id if it exists, else the next free one (the store
    /// checks it again as it writes).
    pub id: i64,
    pub name: String,
    pub format: String,
    pub licence: String,
    pub attribution: String,
}

/// An organisation as shown: its merged record and each field's
/// provenance, both JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryOrg {
    pub id: i64,
    pub record: String,
    pub provenance: String,
    pub merged_into: Option<i64>,
    pub updated_at: Timestamp,
}

/// An organisation's merged record alone (JSON), as a search lists it:
/// the provenance, which only its own page shows, stays unread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedOrg {
    pub id: i64,
    pub record: String,
}

/// One source's record of an organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRecord {
    pub source: i64,
    pub key: String,
    pub org: i64,
    pub row: i64,
    pub as_of: Timestamp,
    pub record: String,
}

/// A change to a shown field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// A recorded change, with who made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub change: FieldChange,
    pub source: Option<String>,
    pub person: Option<String>,
    pub at: Timestamp,
}

/// A pair the linker doubts, for the review queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewReview {
    pub left: i64,
    pub right: i64,
    /// The linker's log2 odds that they are one, in thousandths.
    pub score_milli: i64,
    /// The two records as the linker compared them (JSON).
    pub left_record: String,
    pub right_record: String,
}

/// A decided pair from the review queue: the two records as the linker
/// compared them (JSON) and whether they were found to be one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewedPair {
    pub left_record: String,
    pub right_record: String,
    pub same: bool,
}

/// A moderator's answer to a pair in the review queue or a suggested edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Review { id: ReviewId, accepted: bool },
    Edit { id: EditId, accepted: bool },
}

/// A pair waiting for, or given, a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub id: ReviewId,
    pub left: i64,
    pub right: i64,
    pub score_milli: i64,
    pub state: ReviewState,
}

/// A suggested edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub id: EditId,
    pub org: i64,
    pub field: String,
    pub value: String,
    pub note: String,
    pub person: PersonId,
    pub state: ReviewState,
    pub created_at: Timestamp,
}
