//! Headers that tell browsers to refuse what coopkit never does: inline
//! scripts, framing, guessing content types, and, over HTTPS, plain HTTP.

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; \
                   img-src 'self' data:; media-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Lets a page with a map show its tiles: the usual policy, with the tile
/// server's origin allowed for images.
pub fn allow_tiles(response: &mut Response, tiles_origin: &str) {
    let policy = CSP.replace(
        "img-src 'self' data:",
        &format!("img-src 'self' data: {tiles_origin}"),
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, value);
    }
}

pub async fn headers(request: Request, next: Next) -> Response {
    let https = request
        .extensions()
        .get::<crate::client::Client>()
        .is_some_and(|client| client.https);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if https {
        // Only when a trusted proxy says the browser came over HTTPS: HSTS
        // over plain HTTP (the demo, a private network) would lock it out.
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    // A page that needs more (the map's tiles and scripts) sets its own.
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
