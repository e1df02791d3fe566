//! Webhooks over HTTP: a co-op's admins register endpoints for kinds of
//! event, pause, resume and remove them, and read their deliveries.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::records::Person;
use coopkit_app::webhooks::WebhookForm;
use coopkit_domain::webhook::{DeliveryListing, Endpoint, EndpointChange};
use coopkit_domain::WebhookId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::error::{ApiError, Problem};
use crate::AppState;

/// An endpoint to register: where, and for which kinds of event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookDto {
    /// `https://`; `http://127.0.0.1`, `localhost` or `[::1]` only where
    /// the server's operator allows it.
    #[schema(max_length = 2000, example = "https://hooks.example.org/coopkit")]
    pub url: String,
    /// Kinds of event, as the log names them (`booking.accepted`); any
    /// but `webhook.*`.
    #[schema(min_items = 1, example = json!(["booking.accepted"]))]
    pub kinds: Vec<String>,
}

/// A registered endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: i64,
    pub url: String,
    pub kinds: Vec<String>,
    /// `active`, or `paused` (by an admin, or after a delivery failed for a
    /// day); deliveries wait while it is paused.
    pub state: String,
    pub created_at: String,
}

/// A new endpoint, with the secret its deliveries are signed with: shown
/// this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedWebhookDto {
    #[serde(flatten)]
    pub webhook: WebhookDto,
    /// `whsec_` and 32 bytes in base64, as Standard Webhooks writes it.
    pub secret: String,
}

/// One event's delivery to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: i64,
    /// The event's number in the log: the `webhook-id` header.
    pub event: i64,
    pub kind: String,
    /// `queued`, `failing`, `delivered` or `failed`.
    pub state: String,
    pub attempts: u32,
    /// When it is tried next, while it is queued or failing.
    pub due_at: String,
    /// The receiver's last answer, or why it could not be reached.
    pub answer: Option<String>,
    pub delivered_at: Option<String>,
}

impl From<Endpoint> for WebhookDto {
    fn from(e: Endpoint) -> Self {
        WebhookDto {
            id: e.id.0,
            url: e.url.to_string(),
            kinds: e.kinds,
            state: e.state.as_str().to_owned(),
            created_at: instant(e.created_at),
        }
    }
}

impl From<DeliveryListing> for DeliveryDto {
    fn from(d: DeliveryListing) -> Self {
        DeliveryDto {
            id: d.id.0,
            event: d.event.0,
            kind: d.kind,
            state: d.status.state.as_str().to_owned(),
            attempts: d.status.attempts,
            due_at: instant(d.status.due_at),
            answer: d.status.answer,
            delivered_at: d.delivered_at.map(instant),
        }
    }
}

/// Registers an endpoint: admins only. The answer holds its secret, which
/// is not shown again.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = NewWebhookDto,
    responses(
        (status = 201, body = AddedWebhookDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The co-op has 20 webhooks already", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<NewWebhookDto>,
) -> Result<(StatusCode, Json<AddedWebhookDto>), ApiError> {
    let form = WebhookForm {
        url: request.url,
        kinds: request.kinds,
    };
    let added = state.app.add_webhook(&person, &slug, &form).await?;
    let answer = AddedWebhookDto {
        webhook: added.endpoint.into(),
        secret: added.secret,
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The co-op's endpoints: admins only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = [WebhookDto]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<WebhookDto>>, ApiError> {
    let endpoints = state.app.webhooks(&person, &slug).await?;
    Ok(Json(endpoints.into_iter().map(Into::into).collect()))
}

/// Removes an endpoint and its deliveries: admins only.
#[utoipa::path(delete, path = "/api/v1/coops/{slug}/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .remove_webhook(&person, &slug, WebhookId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pauses an endpoint: its deliveries wait until it is resumed.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/webhooks/{id}/pause", tag = "webhooks",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = WebhookDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Paused already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pause(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<WebhookDto>, ApiError> {
    change(&state, &person, &slug, id, EndpointChange::Pause).await
}

/// Resumes an endpoint: its waiting deliveries are tried again, in order.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/webhooks/{id}/resume", tag = "webhooks",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = WebhookDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Active already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resume(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<WebhookDto>, ApiError> {
    change(&state, &person, &slug, id, EndpointChange::Resume).await
}

async fn change(
    state: &AppState,
    person: &Person,
    slug: &str,
    id: i64,
    change: EndpointChange,
) -> Result<Json<WebhookDto>, ApiError> {
    let changed = state
        .app
        .change_webhook(person, slug, WebhookId(id), change)
        .await?;
    Ok(Json(changed.into()))
}

/// An endpoint's latest deliveries, newest first, with the receiver's
/// answers: admins only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/webhooks/{id}/deliveries", tag = "webhooks",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = [DeliveryDto]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn deliveries(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<Vec<DeliveryDto>>, ApiError> {
    let (_, deliveries) = state
        .app
        .webhook_deliveries(&person, &slug, WebhookId(id))
        .await?;
    Ok(Json(deliveries.into_iter().map(Into::into).collect()))
}
