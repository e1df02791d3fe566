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
    // Read whole first, so that anything after the value (`{...} trailing`)
    // is malformed too, and integers written as `2.0` can be read as 2.
    let mut json: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| WebError::Json {
            syntax: true,
            errors: Vec::new(),
            detail: error.to_string(),
        })?;
    whole_numbers_as_integers(&mut json);
    // Every body the API takes is an object. serde would read a struct
    // from an array of its fields too, and one whose fields all have
    // defaults from `[]`: the document allows neither.
    if !json.is_object() {
        return Err(WebError::Json {
            syntax: false,
            errors: vec![FieldError::new("body", "invalid-value")],
            detail: "the body must be a JSON object".to_owned(),
        });
    }
    serde_path_to_error::deserialize(json).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let detail = inner.to_string();
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
    })
}

/// JSON has one kind of number, and JSON Schema counts `2.0` an integer as
/// much as `2`; serde does not. So a whole number written with a point is
/// made an integer before the body is read into its type (which reads a
/// number it wants as a fraction from either, so loses nothing).
fn whole_numbers_as_integers(json: &mut serde_json::Value) {
    use serde_json::Value;
    match json {
        Value::Number(number) => {
            let whole = number
                .as_f64()
                .filter(|f| number.is_f64() && f.fract() == 0.0);
            // Only where the integer is exact: beyond 2^53 a float's value
            // is not the number written.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if let Some(f) = whole.filter(|f| f.abs() <= EXACT) {
                #[allow(clippy::cast_possible_truncation)]
                let integer = f as i64;
                *number = integer.into();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        Value::String(_) | Value::Bool(_) | Value::Null => {}
    }
}

/// A path's parts. Unlike axum's `Path`, one of the wrong form is answered
/// as a problem document, as every API failure is.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError(WebError::Unreadable(rejection.body_text()))),
        }
    }
}

/// A query string, answered as [`ApiPath`] is when it cannot be read.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError(WebError::Unreadable(rejection.body_text()))),
        }
    }
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
        // A struct is read from an object only, not from its fields in a row.
        assert_eq!(
            field_of(r#"["x", []]"#),
            (false, "body".into(), "invalid-value")
        );
        assert_eq!(
            field_of(r#"{"name": "x", "classes": []} trailing"#),
            (true, String::new(), "")
        );
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Amounts {
        amount: u64,
        ids: Vec<i64>,
    }

    #[test]
    fn whole_numbers_written_with_a_point_are_integers() {
        let read = parse_json::<Amounts>(br#"{"amount": 287.0, "ids": [-3.0, 4, 1e3]}"#);
        assert_eq!(
            read.ok(),
            Some(Amounts {
                amount: 287,
                ids: vec![-3, 4, 1_000]
            })
        );
        let fraction = parse_json::<Amounts>(br#"{"amount": 287.5, "ids": []}"#);
        assert!(
            matches!(&fraction, Err(WebError::Json { errors, .. }) if errors[0].field == "amount"),
            "{fraction:?}"
        );
        // Past 2^53 a float is not the number written: refused, not rounded.
        let vast = parse_json::<Amounts>(br#"{"amount": 1e19, "ids": []}"#);
        assert!(vast.is_err(), "{vast:?}");
    }
}
