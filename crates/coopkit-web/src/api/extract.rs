//! Reading API requests: JSON bodies with the failing field named, and the
//! bearer token that says who is calling.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use coopkit_app::records::Person;
use coopkit_app::AppError;
use coopkit_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, WebError};
use crate::AppState;

/// A JSON body. Unlike axum's `Json`, a body that does not fit says which
/// field was wrong, as a problem document.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError(WebError::UnsupportedMediaType));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError(WebError::BadRequest))?;
        parse_json(&body).map(ApiJson).map_err(ApiError)
    }
}

/// Deserialises `body`, naming the field that failed.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let syntax = |error: &serde_json::Error| WebError::Json {
        syntax: true,
        errors: Vec::new(),
        detail: error.to_string(),
    };
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let detail = inner.to_string();
        if inner.is_syntax() || inner.is_eof() {
            return syntax(&inner);
        }
        // serde reports a missing field at its parent's path, with the
        // field's name in the message: put the two together. (An unknown
        // field's path already ends with its name.)
        let named = |prefix: &str| {
            detail
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(|name| {
                    if path == "." {
                        name.to_owned()
                    } else {
                        format!("{path}.{name}")
                    }
                })
        };
        let (field, code) = if let Some(field) = named("missing field `") {
            (field, "missing-field")
        } else if detail.starts_with("unknown field `") {
            (path, "unknown-field")
        } else {
            (path, "invalid-value")
        };
        WebError::Json {
            syntax: false,
            errors: vec![FieldError::new(field, code)],
            detail,
        }
    })?;
    // Anything after the value (`{...} trailing`) is malformed too.
    deserializer.end().map_err(|error| syntax(&error))?;
    Ok(value)
}

/// The person calling, from `Authorization: Bearer <token>` (looked up
/// once: the access check leaves it on the request for the handler).
#[derive(Clone, Debug)]
pub struct ApiCaller(pub Person);

impl<S> FromRequestParts<S> for ApiCaller
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<ApiCaller>() {
            return Ok(caller.clone());
        }
        let state = AppState::from_ref(state);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError(WebError::App(AppError::Unauthenticated)))?;
        match state.app.api_token_person(token).await? {
            Some(person) => Ok(ApiCaller(person)),
            None => Err(ApiError(WebError::App(AppError::Unauthenticated))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        classes: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        key: String,
        open: bool,
    }

    fn field_of(body: &str) -> (bool, String, &'static str) {
        match parse_json::<Outer>(body.as_bytes()) {
            Err(WebError::Json { syntax, errors, .. }) => match errors.first() {
                Some(e) => (syntax, e.field.clone(), e.code),
                None => (syntax, String::new(), ""),
            },
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            field_of(r#"{"classes": []}"#),
            (false, "name".into(), "missing-field")
        );
        assert_eq!(
            field_of(
                r#"{"name": "x", "classes": [{"key": "a", "open": true}, {"key": "b", "open": "yes"}]}"#
            ),
            (false, "classes[1].open".into(), "invalid-value")
        );
        assert_eq!(
            field_of(r#"{"name": "x", "classes": [{"key": "a", "open": true, "colour": 1}]}"#),
            (false, "classes[0].colour".into(), "unknown-field")
        );
        assert_eq!(field_of(r#"{"name": "#), (true, String::new(), ""));
        assert_eq!(
            field_of(r#"{"name": "x", "classes": []} trailing"#),
            (true, String::new(), "")
        );
    }
}
