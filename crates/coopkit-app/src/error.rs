use coopkit_domain::{FieldError, Invalid};
use coopkit_store::{Conflict, StoreError};
use thiserror::Error;

/// A failure's cause, kept for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a use case did not happen. The web layer maps each variant to one
/// status code, in one place.
#[derive(Debug, Error)]
pub enum AppError {
    /// Input failed validation; nothing changed.
    #[error(transparent)]
    Invalid(#[from] Invalid),

    /// The thing does not exist, or the caller may not know it exists.
    #[error("{0} not found")]
    NotFound(&'static str),

    /// The caller must log in first.
    #[error("authentication required")]
    Unauthenticated,

    /// Logged in, but not allowed.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),

    /// The request clashes with the current state (already a member, the
    /// last admin leaving). `code` is stable and translatable.
    #[error("conflict on {field}: {code}")]
    Conflict {
        field: &'static str,
        code: &'static str,
    },

    /// Too many failed logins; try again later.
    #[error("too many attempts; retry after {retry_after_s} s")]
    RateLimited { retry_after_s: i64 },

    /// A file could not be read; `reason` says where (row, field).
    #[error("{file}: {reason}")]
    Unreadable { file: String, reason: String },

    /// Another server's write got there first (the ids an import planned,
    /// a ledger batch's number): planning again may succeed.
    #[error("overtaken by another write")]
    Overtaken(#[source] StoreError),

    /// The database cannot be reached: the request may work later.
    #[error("the database is unavailable")]
    Unavailable(#[source] StoreError),

    /// A failure inside the server, not caused by the request: `what` was
    /// being done, `source` what went wrong, logged where it becomes a 500.
    #[error("internal error: {what}")]
    Internal {
        what: &'static str,
        #[source]
        source: Option<Cause>,
    },
}

impl AppError {
    pub fn invalid(field: &str, code: &'static str) -> Self {
        AppError::Invalid(Invalid(vec![FieldError::new(field, code)]))
    }

    /// A well-formed field naming what the co-op does not have.
    pub fn absent(field: &str, code: &'static str) -> Self {
        AppError::Invalid(Invalid(vec![FieldError::absent(field, code)]))
    }

    /// A failure inside the server with no further cause.
    pub fn internal(what: &'static str) -> Self {
        AppError::Internal { what, source: None }
    }

    /// For `map_err`: a failure inside the server while doing `what`,
    /// keeping the error that caused it.
    pub fn because<E: Into<Cause>>(what: &'static str) -> impl FnOnce(E) -> AppError {
        move |error| AppError::Internal {
            what,
            source: Some(error.into()),
        }
    }

    /// The failure and every cause under it, as one line for the log.
    pub fn chain(&self) -> String {
        let mut line = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            line.push_str(": ");
            line.push_str(&error.to_string());
            cause = error.source();
        }
        line
    }
}

/// The field and code a person is told for each rule a write ran into.
fn conflict(rule: Conflict) -> Option<(&'static str, &'static str)> {
    Some(match rule {
        Conflict::Email => ("email", "email-taken"),
        Conflict::Slug => ("slug", "slug-taken"),
        Conflict::Membership => ("class", "already-member"),
        Conflict::Currency => ("code", "currency-taken"),
        Conflict::Feedback => ("feedback", "feedback-given"),
        Conflict::Stock => ("quantity", "out-of-stock"),
        Conflict::Decision => ("decision", "already-decided"),
        // Two admins adding a class of the same name at once.
        Conflict::ClassKey => ("classes", "duplicate"),
        // Rules the use cases keep from being broken: one reaching a
        // person is a bug.
        Conflict::DirectoryIds
        | Conflict::LedgerBatch
        | Conflict::PaymentRequest
        | Conflict::Service
        | Conflict::Slot
        | Conflict::Token => return None,
    })
}

/// The one mapping from the store's errors to the use cases'.
impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(Conflict::DirectoryIds | Conflict::LedgerBatch) => {
                AppError::Overtaken(error)
            }
            StoreError::Conflict(rule) => match conflict(rule) {
                Some((field, code)) => AppError::Conflict { field, code },
                None => AppError::because("a write the rules should have allowed")(error),
            },
            StoreError::Unreachable { .. } => AppError::Unavailable(error),
            other => AppError::because("storage")(other),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_failure_keeps_its_cause() {
        let cause = std::io::Error::other("disk full");
        let error = AppError::because("keeping a file")(cause);
        assert_eq!(error.chain(), "internal error: keeping a file: disk full");
        assert_eq!(
            AppError::internal("a play without an answer").chain(),
            "internal error: a play without an answer"
        );
    }

    #[test]
    fn each_conflict_is_mapped_in_one_place() {
        let told = |rule| match AppError::from(StoreError::Conflict(rule)) {
            AppError::Conflict { field, code } => Some((field, code)),
            _ => None,
        };
        assert_eq!(told(Conflict::Email), Some(("email", "email-taken")));
        assert_eq!(told(Conflict::Stock), Some(("quantity", "out-of-stock")));
        assert_eq!(
            told(Conflict::Decision),
            Some(("decision", "already-decided"))
        );
        assert!(matches!(
            AppError::from(StoreError::Conflict(Conflict::LedgerBatch)),
            AppError::Overtaken(_)
        ));
        // A rule no person should meet is a bug, reported with its cause.
        let token = AppError::from(StoreError::Conflict(Conflict::Token));
        assert!(matches!(token, AppError::Internal { .. }));
        assert!(
            token.chain().ends_with("conflict: Token"),
            "{}",
            token.chain()
        );
    }
}
