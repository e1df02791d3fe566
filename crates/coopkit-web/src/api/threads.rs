//! The thread on a booking over HTTP: its two sides write to each other,
//! as on the booking's page (`pages/bookings.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::market::ThreadView;
use coopkit_market::BookingId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use super::market::SideDto;
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A message in a booking's thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDto {
    pub id: i64,
    pub author: SideDto,
    /// Plain text, as written (line breaks kept).
    pub body: String,
    pub written_at: String,
}

/// A booking's thread, oldest message first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadDto {
    pub messages: Vec<MessageDto>,
    /// Whether the caller may write in it: its two sides may; a
    /// coordinator reading a dispute may not.
    pub may_write: bool,
}

/// A message to the other side.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessageDto {
    /// Plain text, at most 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub body: String,
}

fn dto(thread: ThreadView) -> ThreadDto {
    ThreadDto {
        messages: thread
            .messages
            .into_iter()
            .map(|m| MessageDto {
                id: m.id.0,
                author: SideDto {
                    id: m.author.0,
                    name: m.author_name,
                },
                body: m.body,
                written_at: instant(m.written_at),
            })
            .collect(),
        may_write: thread.may_write,
    }
}

/// The thread on a booking: its two sides read it, and the co-op's
/// coordinators while it is disputed.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/bookings/{id}/messages", tag = "market",
    operation_id = "booking_thread",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = ThreadDto),
        (status = 403, description = "Not a side of the booking, nor a coordinator reading a dispute", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn thread(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<ThreadDto>, ApiError> {
    let thread = state
        .app
        .booking_thread(&person, &slug, BookingId(id))
        .await?;
    Ok(Json(dto(thread)))
}

/// Writes to the other side of a booking, who is told by mail; the answer
/// is the thread after it.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/bookings/{id}/messages", tag = "market",
    operation_id = "write_on_booking",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    request_body = NewMessageDto,
    responses(
        (status = 201, body = ThreadDto),
        (status = 403, description = "Not a side of the booking", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty, too long, or with control characters", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn write(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(message): ApiJson<NewMessageDto>,
) -> Result<(StatusCode, Json<ThreadDto>), ApiError> {
    let thread = state
        .app
        .write_on_booking(&person, &slug, BookingId(id), &message.body)
        .await?;
    Ok((StatusCode::CREATED, Json(dto(thread))))
}
