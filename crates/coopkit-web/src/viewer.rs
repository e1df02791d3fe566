//! Who is looking at a page, in which language, with which CSRF token; and
//! the rendering of failed pages in that language.

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, REFERER};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use coopkit_app::records::Person;

use crate::cookies::{self, Cookie};
use crate::error::{Failure, PageError, WebError};
use crate::i18n::{negotiate, I18n, Tr};
use crate::zones::{self, Zones};
use crate::AppState;

/// The person behind a page request (if logged in) and what every page
/// needs to render for them.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub person: Option<Person>,
    /// The CSRF token every form on the page must send back: derived from
    /// the session when logged in, the CSRF cookie's value before.
    pub csrf: String,
    pub tr: Tr,
    /// The page to come back to after logging in or changing language:
    /// this request's path and query, or for a POST the form's page
    /// (`page_shown`).
    pub here: String,
}

impl Viewer {
    /// The logged-in person, or a failure that sends the visitor to log in.
    pub fn person(&self) -> Result<&Person, PageError> {
        self.person.as_ref().ok_or(PageError(WebError::App(
            coopkit_app::AppError::Unauthenticated,
        )))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .ok_or(PageError(WebError::App(coopkit_app::AppError::internal(
                "page route without the viewer middleware",
            ))))
    }
}

fn is_token(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Middleware for every page route: resolves the viewer before the handler
/// and renders failures after it.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let policy = state.cookies;
    let headers = request.headers();
    let session = Cookie::Session
        .read(headers, policy)
        .filter(|s| is_token(s));
    let person = match &session {
        Some(secret) => match state.app.session_person(secret).await {
            Ok(person) => person,
            Err(error) => return PageError::from(error).into_response(),
        },
        None => None,
    };
    let stale_session = session.is_some() && person.is_none();
    let existing_csrf = Cookie::Csrf.read(headers, policy).filter(|t| is_token(t));
    // Logged in, forms carry a token derived from the session, which a
    // cookie planted by a sibling host cannot match; before logging in,
    // the double-submit cookie's own value.
    let csrf = match (&session, &person) {
        (Some(secret), Some(_)) => match coopkit_app::session_form_token(secret) {
            Ok(token) => token,
            Err(error) => return PageError::from(error).into_response(),
        },
        _ => existing_csrf
            .clone()
            .unwrap_or_else(coopkit_app::new_secret),
    };
    let locale = negotiate(
        person.as_ref().map(|p| p.locale),
        Cookie::Lang.read(headers, policy).as_deref(),
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let here = page_shown(&request);
    let coop_zone = match zones::coop_of_path(request.uri().path()) {
        Some(slug) => match state.app.coop_zone(slug).await {
            Ok(zone) => zone,
            Err(error) => return PageError::from(error).into_response(),
        },
        None => None,
    };
    let own_zone = person.as_ref().and_then(|p| p.time_zone.as_ref());
    let viewer = Viewer {
        tr: I18n::global()
            .tr(locale)
            .in_zones(Zones::new(own_zone, coop_zone)),
        person,
        csrf,
        here,
    };
    request.extensions_mut().insert(viewer.clone());

    let mut response = next.run(request).await;
    if let Some(failure) = response.extensions_mut().remove::<Failure>() {
        response = render_failure(&viewer, &failure, response);
    }
    let headers = response.headers_mut();
    if existing_csrf.is_none() {
        cookies::append(headers, [Cookie::Csrf.set(&viewer.csrf, None, policy)]);
    }
    if stale_session {
        cookies::append(headers, [Cookie::Session.clear(policy)]);
    }
    response
}

/// The page to come back to: the request's own for a GET; for a form's
/// POST, whose answer may be a page with no GET of its own (a vote's
/// receipt at `…/vote`), the page the form was on, as the browser's
/// same-origin `Referer` says, else the home page.
fn page_shown(request: &Request) -> String {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return request
            .uri()
            .path_and_query()
            .map_or("/".to_owned(), |pq| pq.as_str().to_owned());
    }
    request
        .headers()
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<Uri>().ok())
        .and_then(|uri| uri.path_and_query().map(|pq| pq.as_str().to_owned()))
        .filter(|path| local_path(path).is_some())
        .unwrap_or_else(|| "/".to_owned())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    v: &'a Viewer,
    message: String,
}

fn render_failure(viewer: &Viewer, failure: &Failure, original: Response) -> Response {
    if failure.status == StatusCode::UNAUTHORIZED && viewer.person.is_none() {
        return Redirect::to(&login_redirect(&viewer.here)).into_response();
    }
    let page = ErrorPage {
        v: viewer,
        message: failure.message(&viewer.tr),
    };
    let (mut parts, _) = original.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    match page.render() {
        Ok(html) => (parts, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "error page failed to render");
            (parts, failure.message(&viewer.tr)).into_response()
        }
    }
}

/// Where to send someone who must log in to see `here`.
pub fn login_redirect(here: &str) -> String {
    let query: String = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
    format!("/login?{query}")
}

/// Whether `target` is safe to redirect to after a form: a path on this
/// site, not `//evil.example` or an absolute URL.
pub fn local_path(target: &str) -> Option<&str> {
    let safe = target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(char::is_control);
    safe.then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(local_path("/c/sitters"), Some("/c/sitters"));
        assert_eq!(local_path("//evil.example"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("https://evil.example"), None);
        assert_eq!(local_path("/a\nb"), None);
    }

    #[test]
    fn login_redirect_keeps_the_page_to_return_to() {
        assert_eq!(
            login_redirect("/c/x/members?a=1"),
            "/login?next=%2Fc%2Fx%2Fmembers%3Fa%3D1"
        );
    }
}
