//! What was wrong with an input, said so that every layer can use it: the
//! API names the field, the pages translate the message.

use serde::Serialize;

/// One field that failed validation.
///
/// `code` is a stable, machine-readable reason; it doubles as the key of
/// the translated message (`error-<code>` in the Fluent files), so the
/// domain decides *what* is wrong and the web layer only decides *how to
/// say it*.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    /// The field is well formed but names what the co-op does not have (a
    /// class, a currency, a licence): wrong for the co-op as it is now, not
    /// in itself. The API answers such errors alone with 409, not 422, so
    /// that what its document allows is refused only by the co-op's state.
    #[serde(skip)]
    pub absent: bool,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            field: field.into(),
            code,
            absent: false,
        }
    }

    /// A well-formed field naming what the co-op does not have.
    pub fn absent(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            absent: true,
            ..Self::new(field, code)
        }
    }
}

/// One or more fields were invalid; nothing was done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{} ({})", e.field, e.code)).collect::<Vec<_>>().join(", "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, code: &'static str) -> Self {
        Self(vec![FieldError::new(field, code)])
    }

    /// Whether every field is well formed, and only names what the co-op
    /// does not have.
    pub fn only_absent(&self) -> bool {
        !self.0.is_empty() && self.0.iter().all(|e| e.absent)
    }
}

/// Gathers every field's error before failing, so a form shows all of its
/// mistakes at once rather than one per submission.
#[derive(Debug, Default)]
pub struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value if it parsed, or records which field failed.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, &'static str>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(code) => {
                self.errors.push(FieldError::new(field, code));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, code: &'static str) {
        self.errors.push(FieldError::new(field, code));
    }

    /// Records a well-formed field that names what the co-op does not have.
    pub fn push_absent(&mut self, field: &str, code: &'static str) {
        self.errors.push(FieldError::absent(field, code));
    }

    pub fn push_all(&mut self, errors: &mut Vec<FieldError>) {
        self.errors.append(errors);
    }

    /// The checked values when nothing failed. `values` is what the
    /// [`Collector::check`] calls returned, combined (with `Option::zip`).
    pub fn finish_with<T>(self, values: Option<T>) -> Result<T, Invalid> {
        match values {
            Some(values) if self.errors.is_empty() => Ok(values),
            _ => Err(Invalid(self.errors)),
        }
    }

    /// `Ok(())` when nothing failed.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.errors))
        }
    }
}
