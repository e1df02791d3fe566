//! Listening to a track: the Play button charges the play and comes back
//! to the track's page with a player, whose signed link streams the whole
//! track in the parts the player asks for (HTTP range requests), so
//! seeking works and no answer holds the whole track in memory.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use coopkit_app::catalogue::{StreamLink, TrackStream, STREAM_PART_MAX};
use coopkit_domain::ItemId;
use serde::Deserialize;

use super::{item_page, Shown};
use crate::error::PageError;
use crate::forms::CsrfForm;
use crate::pages::{FormErrors, PageResult};
use crate::viewer::Viewer;
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct PlayFields {
    key: String,
}

/// Plays the track (paid, or free once owned) and shows its page with the
/// player; a refusal (not enough credit) comes back on the page, in words.
pub async fn play(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, ItemId)>,
    CsrfForm(fields): CsrfForm<PlayFields>,
) -> PageResult {
    let person = v.person()?;
    match state.app.listen(person, &slug, id, &fields.key).await {
        Ok((_, link)) => Ok(Redirect::to(&format!(
            "/c/{slug}/catalogue/{id}?expires={}&sig={}#track-player",
            link.expires, link.sig
        ))
        .into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let shown = Shown {
                errors,
                ..Shown::default()
            };
            item_page(&state, &v, slug, id, shown, status).await
        }
    }
}

/// A stream link's query, on the track's page and on its stream.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkQuery {
    expires: Option<i64>,
    sig: Option<String>,
}

impl LinkQuery {
    pub fn into_link(self) -> Option<StreamLink> {
        Some(StreamLink {
            expires: self.expires?,
            sig: self.sig?,
        })
    }
}

/// The track a valid link names, whole (200) or the one range the player
/// asked for (206); a range past its end is refused (416), as HTTP says.
/// Several ranges at once are answered with the whole track.
pub async fn stream(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, ItemId)>,
    Query(query): Query<LinkQuery>,
    headers: HeaderMap,
) -> PageResult {
    let person = v.person()?;
    let link = query
        .into_link()
        .ok_or(PageError::from(coopkit_app::AppError::Forbidden(
            "link-invalid",
        )))?;
    let track = state.app.open_stream(person, &slug, id, &link).await?;
    let asked = headers.get(RANGE).and_then(|h| h.to_str().ok());
    let range = match asked
        .map(|text| http_range_header::parse_range_header(text).and_then(|r| r.validate(track.len)))
    {
        None => None,
        Some(Ok(ranges)) if ranges.len() == 1 => ranges.into_iter().next(),
        Some(Ok(_)) => None,
        Some(Err(_)) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(CONTENT_RANGE, format!("bytes */{}", track.len))],
            )
                .into_response())
        }
    };
    let (status, start, end) = match range {
        Some(range) => (StatusCode::PARTIAL_CONTENT, *range.start(), *range.end()),
        None => (StatusCode::OK, 0, track.len.saturating_sub(1)),
    };
    let len = if track.len == 0 { 0 } else { end - start + 1 };
    let mut response = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, &track.content_type)
        .header(CONTENT_LENGTH, len)
        .header(ACCEPT_RANGES, "bytes")
        .header(CACHE_CONTROL, "private, no-store");
    if status == StatusCode::PARTIAL_CONTENT {
        response = response.header(CONTENT_RANGE, format!("bytes {start}-{end}/{}", track.len));
    }
    let body = Body::from_stream(parts(state, track, start, len));
    response
        .body(body)
        .map_err(|e| PageError::from(coopkit_app::AppError::because("a stream")(e)))
}

/// `len` bytes of the track from `start`, a part of at most
/// [`STREAM_PART_MAX`] at a time, read as the answer is sent.
fn parts(
    state: AppState,
    track: TrackStream,
    start: u64,
    len: u64,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, coopkit_app::AppError>> {
    futures_util::stream::try_unfold(
        (state, track, start, start + len),
        |(state, track, at, end)| async move {
            if at >= end {
                return Ok(None);
            }
            let part = state
                .app
                .read_stream(&track, at, (end - at).min(STREAM_PART_MAX))
                .await?;
            if part.is_empty() {
                return Ok(None);
            }
            let next = at + part.len() as u64;
            Ok(Some((part, (state, track, next, end))))
        },
    )
}
