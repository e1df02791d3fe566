//! coopkit's HTTP face: server-rendered pages for people and a JSON API for
//! programs, over the same use cases. This layer translates requests and
//! responses and decides nothing; see ARCHITECTURE.md for one request
//! traced through it.

mod access;
mod api;
pub mod client;
mod cookies;
mod directory;
mod error;
mod formats;
mod forms;
mod i18n;
pub mod mail;
mod pages;
mod params;
mod places;
mod security;
mod viewer;
mod zones;

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use coopkit_app::App;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use api::openapi;
pub use cookies::CookiePolicy;
pub use error::{FieldProblem, Problem};
pub use i18n::{I18n, Tr};

/// Request bodies past this are refused before they are read: the largest
/// form or JSON body coopkit takes is a co-op's founding document.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    pub cookies: CookiePolicy,
    /// How long the session cookie lives, matching the session's expiry.
    pub session_ttl_s: i64,
    /// Where people reach this server (`https://coop.example.org`), for
    /// links that leave the browser; `None`: from the request's Host.
    pub public_url: Option<String>,
    pub directory: DirectorySettings,
    /// Proxies whose `Forwarded`/`X-Forwarded-For` headers are believed.
    pub trusted_proxies: client::TrustedProxies,
    /// Whether an SMTP server is set: pages tell people when mail is off.
    pub mail_on: bool,
}

/// The directory's map and open-data settings.
#[derive(Clone, Debug)]
pub struct DirectorySettings {
    /// The map's tile server, as a Leaflet URL template.
    pub tiles: String,
    /// The attribution the tile server requires.
    pub tiles_attribution: String,
    /// The licence the directory's data is published under.
    pub licence: OpenLicence,
}

impl Default for DirectorySettings {
    fn default() -> Self {
        DirectorySettings {
            tiles: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".to_owned(),
            tiles_attribution: "© OpenStreetMap contributors".to_owned(),
            licence: OpenLicence::Odbl,
        }
    }
}

/// The open licences the directory can be published under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenLicence {
    /// Open Database Licence 1.0: share-alike, as OpenStreetMap.
    Odbl,
    /// Creative Commons Attribution 4.0.
    CcBy,
}

impl OpenLicence {
    pub fn parse(name: &str) -> Option<OpenLicence> {
        match name {
            "ODbL-1.0" => Some(OpenLicence::Odbl),
            "CC-BY-4.0" => Some(OpenLicence::CcBy),
            _ => None,
        }
    }
}

impl DirectorySettings {
    pub fn licence_name(&self) -> &'static str {
        match self.licence {
            OpenLicence::Odbl => "ODbL-1.0",
            OpenLicence::CcBy => "CC-BY-4.0",
        }
    }

    pub fn licence_url(&self) -> &'static str {
        match self.licence {
            OpenLicence::Odbl => "https://opendatacommons.org/licenses/odbl/1-0/",
            OpenLicence::CcBy => "https://creativecommons.org/licenses/by/4.0/",
        }
    }

    /// The tile server's origin, for the map page's content policy.
    pub fn tiles_origin(&self) -> String {
        let rest = self.tiles.split_once("://").map_or("", |(_, r)| r);
        let scheme = self.tiles.split_once("://").map_or("https", |(s, _)| s);
        let host = rest.split('/').next().unwrap_or_default();
        // Tile templates may spread over subdomains: {s}.tile.example.org.
        let host = host.replace("{s}", "*");
        format!("{scheme}://{host}")
    }
}

/// The whole site: pages, API, health and static files.
pub fn router(state: AppState) -> Router {
    let small_bodies = Router::new()
        .merge(pages::routes(state.clone()))
        .merge(api::routes(&state))
        .merge(directory::routes())
        .route("/healthz", get(health))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES));
    Router::new()
        .merge(small_bodies)
        .merge(pages::upload_routes(state.clone()))
        .layer(axum::middleware::from_fn(api_not_found))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client::identify,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Unknown `/api/` paths answer as the API does, with a problem document,
/// rather than with the HTML page for people.
async fn api_not_found(request: Request, next: axum::middleware::Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let is_page_404 = response.status() == StatusCode::NOT_FOUND
        && response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if is_api && is_page_404 {
        return api::not_found().await.into_response();
    }
    response
}

/// 200 when the database answers, 503 when it does not.
async fn health(State(state): State<AppState>) -> Response {
    match state.app.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

async fn stylesheet() -> Response {
    static_file("text/css", include_str!("../static/app.css"))
}

async fn script() -> Response {
    static_file("text/javascript", include_str!("../static/app.js"))
}

fn static_file(media_type: &str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, format!("{media_type}; charset=utf-8")),
            (CACHE_CONTROL, "public, max-age=3600".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// Serves until `shutdown` completes, then finishes the requests under way.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Where phones reach this server: the configured public address, or the
/// Host the browser used. Loopback hosts are plain HTTP (the demo);
/// others HTTPS whenever cookies are Secure, as they then must be.
pub(crate) fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.clone();
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let loopback = matches!(name, "localhost" | "[::1]") || name.starts_with("127.");
    let scheme = if state.cookies.secure && !loopback {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
