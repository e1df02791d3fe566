use thiserror::Error;

/// Which rule a write ran into: what already exists, or has run out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// Two member classes of one co-op with the same key.
    ClassKey,
    Currency,
    /// A moderator's decision on a review or edit already taken.
    Decision,
    /// Another import took the ids this one planned: plan again.
    DirectoryIds,
    Email,
    Feedback,
    /// Another writer committed a ledger batch with the same number.
    LedgerBatch,
    /// A pending or active membership of the same person.
    Membership,
    /// A payment request with the same id.
    PaymentRequest,
    Service,
    Slot,
    Slug,
    /// Too few goods left in stock.
    Stock,
    Token,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// What can go wrong in storage. Callers match on the first variants; the
/// last ones are reported, not handled.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule (or a stock count) refused the write, so the
    /// caller can say which field.
    #[error("conflict: {0}")]
    Conflict(Conflict),

    /// The rows a write was to carry stopped coming before they were all
    /// there (whoever made them failed); nothing was written.
    #[error("the {what} was cut short; nothing was written")]
    CutShort { what: &'static str },

    #[error("cannot open the database at {location}: {reason}")]
    Unreachable { location: String, reason: String },

    #[error(
        "the database at {location} was written by a newer coopkit (schema version {found}, \
         this build knows up to {known}); run a newer coopkit or restore a backup"
    )]
    SchemaTooNew {
        location: String,
        found: i64,
        known: i64,
    },

    /// A stored value no longer decodes (a role the code does not know):
    /// the database and the code disagree, which is a bug, not bad input.
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),

    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Turns a unique-constraint violation into [`StoreError::Conflict`],
    /// leaving other errors as they are.
    pub(crate) fn conflict_as(what: Conflict) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(error),
        }
    }

    pub fn corrupt(column: &str, value: &str) -> StoreError {
        StoreError::Corrupt(format!("{column} = {value:?}"))
    }
}
