//! The one place where failures become HTTP responses: RFC 9457
//! problem+json for the API, a translated page for people.

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use coopkit_app::AppError;
use coopkit_domain::{FieldError, Locale};
use serde::Serialize;

use crate::i18n::{I18n, Tr};

/// Why a request failed, from either face.
#[derive(Debug)]
pub enum WebError {
    App(AppError),
    /// A form came without the token that proves it came from our page.
    Csrf,
    /// The request could not be read at all.
    BadRequest,
    /// A path or query of the wrong form, with what was wrong.
    Unreadable(String),
    UnsupportedMediaType,
    /// The JSON body parsed but did not fit (422), or did not parse (400).
    Json {
        syntax: bool,
        errors: Vec<FieldError>,
        detail: String,
    },
}

impl From<AppError> for WebError {
    fn from(error: AppError) -> Self {
        WebError::App(error)
    }
}

/// What every response for a failure needs to know.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub status: StatusCode,
    /// A stable code: the problem type's last segment, and with `error-`
    /// in front, the key of the sentence shown to people.
    pub code: &'static str,
    pub fields: Vec<FieldError>,
    pub retry_after_s: Option<i64>,
    pub detail: Option<String>,
}

impl Failure {
    fn new(status: StatusCode, code: &'static str) -> Self {
        Self {
            status,
            code,
            fields: Vec::new(),
            retry_after_s: None,
            detail: None,
        }
    }

    /// The sentence for people, in their language.
    pub fn message(&self, tr: &Tr) -> String {
        match self.retry_after_s {
            Some(seconds) => tr.t_num("error-rate-limited", "minutes", (seconds + 59) / 60),
            // A page with no form to show the field's error beside (a
            // download's link) says what was wrong with the field itself.
            None => match self.fields.first() {
                Some(field) if ["invalid-value", "not-in-coop"].contains(&self.code) => {
                    tr.error(field.code)
                }
                _ => tr.error(self.code),
            },
        }
    }
}

impl WebError {
    pub(crate) fn failure(&self) -> Failure {
        match self {
            WebError::App(error) => match error {
                AppError::Invalid(invalid) if invalid.only_absent() => Failure {
                    fields: invalid.0.clone(),
                    ..Failure::new(StatusCode::CONFLICT, "not-in-coop")
                },
                AppError::Invalid(invalid) => Failure {
                    fields: invalid.0.clone(),
                    ..Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-value")
                },
                AppError::NotFound(_) => Failure::new(StatusCode::NOT_FOUND, "not-found"),
                AppError::Unauthenticated => {
                    Failure::new(StatusCode::UNAUTHORIZED, "unauthenticated")
                }
                AppError::Forbidden(code) => Failure::new(StatusCode::FORBIDDEN, code),
                AppError::Conflict { field, code } => Failure {
                    fields: vec![FieldError::new(*field, code)],
                    ..Failure::new(StatusCode::CONFLICT, code)
                },
                AppError::RateLimited { retry_after_s } => Failure {
                    retry_after_s: Some(*retry_after_s),
                    ..Failure::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited")
                },
                AppError::Unreadable { .. } => Failure {
                    detail: Some(error.to_string()),
                    ..Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable-file")
                },
                AppError::Overtaken(_) => Failure::new(StatusCode::CONFLICT, "busy"),
                // Logged here, once, with every cause under it.
                AppError::Unavailable(_) => {
                    tracing::error!(error = %error.chain(), "database unreachable");
                    Failure::new(StatusCode::SERVICE_UNAVAILABLE, "internal")
                }
                AppError::Internal { .. } => {
                    tracing::error!(error = %error.chain(), "request failed");
                    Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
                }
            },
            WebError::Csrf => Failure::new(StatusCode::FORBIDDEN, "csrf"),
            WebError::BadRequest => Failure::new(StatusCode::BAD_REQUEST, "bad-request"),
            WebError::Unreadable(detail) => Failure {
                detail: Some(detail.clone()),
                ..Failure::new(StatusCode::BAD_REQUEST, "bad-request")
            },
            WebError::UnsupportedMediaType => {
                Failure::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type")
            }
            WebError::Json {
                syntax,
                errors,
                detail,
            } => Failure {
                fields: errors.clone(),
                detail: Some(detail.clone()),
                ..if *syntax {
                    Failure::new(StatusCode::BAD_REQUEST, "malformed-json")
                } else {
                    Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-value")
                }
            },
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:coopkit:problem:<code>`; the code is stable.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// One entry per field that was wrong.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The field's path in the request body, such as `email` or `classes[1].key`.
    pub field: String,
    pub code: String,
    pub message: String,
}

/// A failure answered as problem+json.
#[derive(Debug)]
pub struct ApiError(pub WebError);

macro_rules! wraps_web_error {
    ($($face:ident),*) => {$(
        impl From<WebError> for $face {
            fn from(error: WebError) -> Self {
                $face(error)
            }
        }

        impl From<AppError> for $face {
            fn from(error: AppError) -> Self {
                $face(WebError::App(error))
            }
        }
    )*};
}

wraps_web_error!(ApiError, PageError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let failure = self.0.failure();
        // The API speaks English; codes are there for programs to translate.
        let tr = I18n::global().tr(Locale::En);
        let problem = Problem {
            kind: format!("urn:coopkit:problem:{}", failure.code),
            title: failure
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_owned(),
            status: failure.status.as_u16(),
            detail: failure
                .detail
                .clone()
                .or_else(|| Some(failure.message(&tr))),
            errors: failure
                .fields
                .iter()
                .map(|e| FieldProblem {
                    field: e.field.clone(),
                    code: e.code.to_owned(),
                    message: tr.error(e.code),
                })
                .collect(),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (failure.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = failure.retry_after_s {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if failure.status == StatusCode::UNAUTHORIZED {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A failure answered as a page. The response carries the [`Failure`];
/// the viewer middleware renders it in the viewer's language (or sends an
/// anonymous visitor to the login page).
#[derive(Debug)]
pub struct PageError(pub WebError);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let failure = self.0.failure();
        let mut response = failure.status.into_response();
        if let Some(seconds) = failure.retry_after_s {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(failure);
        response
    }
}
