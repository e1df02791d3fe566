//! Form bodies, accepted only with the CSRF token of the page they came
//! from. Logged in, the token is an HMAC of the session secret, which only
//! the session's browser can know; before logging in (the login and sign-up
//! forms) it is the double-submit pattern: the token is in a
//! SameSite=Strict, host-only cookie and in a hidden field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use coopkit_app::catalogue::Upload;

use crate::error::{PageError, WebError};
use crate::viewer::Viewer;
use crate::AppState;

/// The viewer the page middleware put on the request: the token to match.
fn viewer_of(request: &Request) -> Result<Viewer, PageError> {
    request
        .extensions()
        .get::<Viewer>()
        .cloned()
        .ok_or(PageError(WebError::BadRequest))
}

/// Whether the token sent matches the page's, in constant time.
fn token_matches(sent: &[u8], viewer: &Viewer) -> bool {
    bool::from(sent.ct_eq(viewer.csrf.as_bytes()))
}

/// A form whose CSRF token matched.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let viewer = viewer_of(&request)?;
        let path = request.uri().path().to_owned();
        let is_form = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError(WebError::UnsupportedMediaType));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| PageError(WebError::BadRequest))?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&body).map_err(|_| PageError(WebError::BadRequest))?;
        let sent = pairs
            .iter()
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.as_bytes())
            .unwrap_or_default();
        if !token_matches(sent, &viewer) {
            tracing::warn!(%path, "form refused: CSRF token missing or wrong");
            return Err(PageError(WebError::Csrf));
        }
        serde_urlencoded::from_bytes(&body)
            .map(CsrfForm)
            .map_err(|_| PageError(WebError::BadRequest))
    }
}

/// A form's fields in the order sent, for forms whose names are made
/// from data (`price_babysitting`), which no struct can name ahead.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value sent under `name`, or nothing.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A `multipart/form-data` form (one with a file), accepted only with the
/// page's CSRF token like [`CsrfForm`]. Files stream to the app's staging
/// directory as they arrive, never held whole; the token must come before
/// them (every upload form puts it first), so a forged request stages
/// nothing. A staged file nobody keeps is removed when the form is dropped.
#[derive(Debug, Default)]
pub struct CsrfUpload {
    pub fields: Fields,
    files: Vec<(String, Upload)>,
}

/// The most bytes a text field of an upload form may have: the longest is
/// a column mapping's TOML.
const UPLOAD_FIELD_MAX: usize = 1024 * 1024;

impl CsrfUpload {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name)
    }

    /// The file sent under `name`, taken out of the form.
    pub fn take_file(&mut self, name: &str) -> Option<Upload> {
        let at = self.files.iter().position(|(n, _)| n == name)?;
        Some(self.files.swap_remove(at).1)
    }
}

impl FromRequest<AppState> for CsrfUpload {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let viewer = viewer_of(&request)?;
        let path = request.uri().path().to_owned();
        let mut multipart = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(|_| PageError(WebError::UnsupportedMediaType))?;
        let mut upload = CsrfUpload::default();
        while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    if !token_matches(upload.field("csrf").as_bytes(), &viewer) {
                        tracing::warn!(%path, "upload refused: no CSRF token before the file");
                        return Err(PageError(WebError::Csrf));
                    }
                    let staging = state.app.staging();
                    let mut incoming = staging.begin().await.map_err(staging_failed)?;
                    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                        incoming.write(&chunk).await.map_err(staging_failed)?;
                    }
                    let file = incoming.finish().await.map_err(staging_failed)?;
                    upload.files.push((
                        name,
                        Upload {
                            name: file_name,
                            file,
                        },
                    ));
                }
                None => {
                    let mut text = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                        if text.len() + chunk.len() > UPLOAD_FIELD_MAX {
                            return Err(PageError(WebError::BadRequest));
                        }
                        text.extend_from_slice(&chunk);
                    }
                    let text = String::from_utf8(text).map_err(unreadable)?;
                    upload.fields.0.push((name, text));
                }
            }
        }
        if !token_matches(upload.field("csrf").as_bytes(), &viewer) {
            tracing::warn!(%path, "upload refused: CSRF token missing or wrong");
            return Err(PageError(WebError::Csrf));
        }
        Ok(upload)
    }
}

fn unreadable<E>(_: E) -> PageError {
    PageError(WebError::BadRequest)
}

fn staging_failed(error: std::io::Error) -> PageError {
    PageError(WebError::App(coopkit_app::AppError::because(
        "staging an upload",
    )(error)))
}
