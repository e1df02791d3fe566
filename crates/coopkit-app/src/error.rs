use coopkit_domain::{FieldError, Invalid};
use coopkit_store::StoreError;
use thiserror::Error;

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

    /// A failure inside the server, not caused by the request.
    #[error("internal error: {0}")]
    Internal(&'static str),

    #[error(transparent)]
    Store(StoreError),
}

impl AppError {
    pub fn invalid(field: &str, code: &'static str) -> Self {
        AppError::Invalid(Invalid(vec![FieldError::new(field, code)]))
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { what: "email" } => AppError::Conflict {
                field: "email",
                code: "email-taken",
            },
            StoreError::Conflict { what: "slug" } => AppError::Conflict {
                field: "slug",
                code: "slug-taken",
            },
            StoreError::Conflict { what: "membership" } => AppError::Conflict {
                field: "class",
                code: "already-member",
            },
            other => AppError::Store(other),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
