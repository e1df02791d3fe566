//! The marketplace over HTTP: a member's bookings through their whole
//! life, as the pages offer them (`pages/bookings.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::market::{BookForm, BookingView, FeedbackForm};
use coopkit_app::AppError;
use coopkit_domain::{PersonId, Timestamp};
use coopkit_market::availability::Window;
use coopkit_market::{Action, BookingId, Party, Payment};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A booking to ask for: whom, for what, and when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBookingDto {
    /// The provider's person id.
    pub provider: i64,
    /// One of the co-op's categories of service, by key.
    pub category: String,
    /// RFC 3339 with an offset, such as `2026-12-04T19:00:00Z`.
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// `ledger` (held on acceptance, paid on settlement) or `cash`.
    #[serde(default = "ledger")]
    #[schema(default = "ledger")]
    pub payment: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub notes: String,
}

fn ledger() -> String {
    "ledger".to_owned()
}

/// One side of a booking.
#[derive(Debug, Serialize, ToSchema)]
pub struct SideDto {
    pub id: i64,
    pub name: String,
}

/// A booking as one of its sides (or a coordinator) sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingDto {
    pub id: i64,
    pub requester: SideDto,
    pub provider: SideDto,
    pub category: String,
    /// `requested`, `declined`, `confirmed`, `cancelled`, `disputed`,
    /// `settled` or `refunded`.
    pub state: String,
    pub starts_at: String,
    pub ends_at: String,
    pub currency: String,
    /// In the currency's minor unit.
    pub amount: u64,
    /// `ledger` or `cash`.
    pub payment: String,
    pub notes: String,
    /// The caller's side: `requester`, `provider` or `coordinator`.
    pub side: String,
    /// The steps the caller may take now, as `…/bookings/{id}/{step}` names
    /// them.
    pub steps: Vec<String>,
    /// What the requester wrote once it settled, with the provider's
    /// answer.
    pub feedback: Option<FeedbackDto>,
}

/// What a requester wrote after a settled booking.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackDto {
    pub booking: i64,
    pub went_well: String,
    pub could_be_better: String,
    pub would_book_again: bool,
    /// The provider's answer; empty until they give one.
    pub answer: String,
    pub written_at: String,
}

impl From<coopkit_market::Feedback> for FeedbackDto {
    fn from(f: coopkit_market::Feedback) -> Self {
        FeedbackDto {
            booking: f.booking.0,
            went_well: f.went_well,
            could_be_better: f.could_be_better,
            would_book_again: f.would_book_again,
            answer: f.answer,
            written_at: instant(f.created_at),
        }
    }
}

/// The requester's feedback on a settled booking, given once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeedbackDto {
    #[schema(min_length = 1, max_length = 2000)]
    pub went_well: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub could_be_better: String,
    pub would_book_again: bool,
}

/// The provider's answer to the feedback on their booking.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackAnswerDto {
    #[schema(max_length = 2000)]
    pub answer: String,
}

fn side_name(party: Party) -> &'static str {
    match party {
        Party::Requester => "requester",
        Party::Provider => "provider",
        Party::Coordinator => "coordinator",
        // The server's own steps: never a caller's side.
        Party::Clock => "server",
    }
}

fn dto(view: BookingView, now: Timestamp) -> BookingDto {
    let b = view.booking;
    let steps = coopkit_market::booking::allowed(b.facts, view.party, now)
        .into_iter()
        .filter(|a| *a != Action::AutoComplete)
        .map(|a| a.as_str().to_owned())
        .collect();
    BookingDto {
        id: b.id.0,
        requester: SideDto {
            id: b.requester.0,
            name: view.requester_name,
        },
        provider: SideDto {
            id: b.provider.0,
            name: view.provider_name,
        },
        category: b.category,
        state: b.facts.state.as_str().to_owned(),
        starts_at: instant(b.facts.window.start),
        ends_at: instant(b.facts.window.end),
        currency: b.currency.to_string(),
        amount: b.amount,
        payment: b.facts.payment.as_str().to_owned(),
        notes: b.notes,
        side: side_name(view.party).to_owned(),
        steps,
        feedback: view.feedback.map(Into::into),
    }
}

impl NewBookingDto {
    fn form(self) -> Result<BookForm, AppError> {
        let at = |field: &'static str, text: &str| {
            Timestamp::parse_rfc3339(text).map_err(|code| AppError::invalid(field, code))
        };
        let (start, end) = (
            at("starts_at", &self.starts_at)?,
            at("ends_at", &self.ends_at)?,
        );
        let window = Window::new(start, end)
            .map_err(|refusal| AppError::invalid("ends_at", refusal.code()))?;
        let payment = Payment::parse(&self.payment)
            .ok_or_else(|| AppError::invalid("payment", "payment-kind"))?;
        Ok(BookForm {
            provider: PersonId(self.provider),
            category: self.category,
            window,
            payment,
            notes: self.notes,
        })
    }
}

/// The caller's bookings in the co-op, as requester or provider, newest
/// first.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/bookings", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = [BookingDto]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_bookings(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<BookingDto>>, ApiError> {
    let now = state.app.now();
    let views = state.app.my_bookings(&person, &slug).await?;
    Ok(Json(views.into_iter().map(|v| dto(v, now)).collect()))
}

/// Asks a provider for their time: refused when the time has begun, is
/// outside the provider's week or on top of their confirmed bookings, or
/// costs more than the caller's limit allows.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/bookings", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = NewBookingDto,
    responses(
        (status = 201, body = BookingDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The provider is not free then, or the caller cannot pay", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_booking(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<NewBookingDto>,
) -> Result<(StatusCode, Json<BookingDto>), ApiError> {
    let booking = state.app.book(&person, &slug, request.form()?).await?;
    let view = state.app.booking(&person, &slug, booking.id).await?;
    Ok((StatusCode::CREATED, Json(dto(view, state.app.now()))))
}

/// One booking: its sides, coordinators, and nobody else.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/bookings/{id}", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = BookingDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_booking(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<BookingDto>, ApiError> {
    let view = state.app.booking(&person, &slug, BookingId(id)).await?;
    Ok(Json(dto(view, state.app.now())))
}

/// A step on a booking, by the side it belongs to: the provider's
/// `accept` or `decline`, either side's `cancel`, `done` or `dispute`,
/// a coordinator's `pay` or `refund` of a dispute.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/bookings/{id}/{step}", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path),
        ("step" = String, Path, description = "accept, decline, cancel, done, dispute, pay or refund")),
    responses(
        (status = 200, body = BookingDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not the caller's step, or not now", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn step_booking(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id, step)): ApiPath<(String, i64, String)>,
) -> Result<Json<BookingDto>, ApiError> {
    // The clock's own step is not a person's to take.
    let action = Action::parse(&step)
        .filter(|a| *a != Action::AutoComplete)
        .ok_or(AppError::NotFound("step"))?;
    let view = state
        .app
        .act_on_booking(&person, &slug, BookingId(id), action)
        .await?;
    Ok(Json(dto(view, state.app.now())))
}

/// The requester's feedback on their settled booking, once: what went
/// well, what could be better, and whether they would book again.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/bookings/{id}/feedback", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    request_body = NewFeedbackDto,
    responses(
        (status = 201, body = BookingDto),
        (status = 403, description = "Not the booking's requester", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not settled, or feedback given already", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn give_feedback(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(feedback): ApiJson<NewFeedbackDto>,
) -> Result<(StatusCode, Json<BookingDto>), ApiError> {
    let form = FeedbackForm {
        went_well: feedback.went_well,
        could_be_better: feedback.could_be_better,
        would_book_again: feedback.would_book_again,
    };
    let view = state
        .app
        .leave_feedback(&person, &slug, BookingId(id), form)
        .await?;
    Ok((StatusCode::CREATED, Json(dto(view, state.app.now()))))
}

/// The provider's answer to the feedback on their booking (given again,
/// it replaces the first).
#[utoipa::path(put, path = "/api/v1/coops/{slug}/bookings/{id}/feedback/answer", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    request_body = FeedbackAnswerDto,
    responses(
        (status = 200, body = BookingDto),
        (status = 403, description = "Not the booking's provider", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such booking, or no feedback on it yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn answer_feedback(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(answer): ApiJson<FeedbackAnswerDto>,
) -> Result<Json<BookingDto>, ApiError> {
    let view = state
        .app
        .answer_feedback(&person, &slug, BookingId(id), &answer.answer)
        .await?;
    Ok(Json(dto(view, state.app.now())))
}
