use thiserror::Error;

/// What can go wrong in storage. Callers match on the first variants; the
/// last ones are reported, not handled.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; `what` names the rule's subject
    /// ("email", "slug", "membership") so the caller can say which field.
    #[error("{what} already exists")]
    Conflict { what: &'static str },

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
    pub(crate) fn conflict_as(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { what },
            _ => StoreError::Database(error),
        }
    }

    pub fn corrupt(column: &str, value: &str) -> StoreError {
        StoreError::Corrupt(format!("{column} = {value:?}"))
    }
}
