//! Form bodies, accepted only with the CSRF token of the page they came
//! from. Logged in, the token is an HMAC of the session secret, which only
//! the session's browser can know; before logging in (the login and sign-up
//! forms) it is the double-submit pattern: the token is in a
//! SameSite=Strict, host-only cookie and in a hidden field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

pub use coopkit_uploads::Fields;
use coopkit_uploads::{read_form, Form, FormRefusal, Upload};

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

/// A `multipart/form-data` form (one with a file), accepted only with the
/// page's CSRF token like [`CsrfForm`]. Files stream to the app's staging
/// directory as they arrive, never held whole; the token must come before
/// them (every upload form puts it first), so a forged request stages
/// nothing. A staged file nobody keeps is removed when the form is dropped.
#[derive(Debug)]
pub struct CsrfUpload(Form);

impl CsrfUpload {
    pub fn field(&self, name: &str) -> &str {
        self.0.field(name)
    }

    /// The file sent under `name`, taken out of the form.
    pub fn take_file(&mut self, name: &str) -> Option<Upload> {
        self.0.take_file(name)
    }
}

impl FromRequest<AppState> for CsrfUpload {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let viewer = viewer_of(&request)?;
        let path = request.uri().path().to_owned();
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // The route's body limit wraps the stream: a body past it ends
        // the form as unreadable.
        let body = request.into_body().into_data_stream();
        let guard = |form: &Form| token_matches(form.field("csrf").as_bytes(), &viewer);
        match read_form(&content_type, body, state.app.staging(), guard).await {
            Ok(form) => Ok(CsrfUpload(form)),
            Err(FormRefusal::NotMultipart) => Err(PageError(WebError::UnsupportedMediaType)),
            Err(FormRefusal::Unreadable) => Err(PageError(WebError::BadRequest)),
            Err(FormRefusal::Unguarded) => {
                tracing::warn!(%path, "upload refused: CSRF token missing, wrong or after a file");
                Err(PageError(WebError::Csrf))
            }
            Err(FormRefusal::Staging(error)) => Err(PageError(WebError::App(
                coopkit_app::AppError::because("staging an upload")(error),
            ))),
        }
    }
}
