//! Plays of tracks and sellers' sales over HTTP: a listener's play,
//! charged at its stream-to-own price until the track is owned; and the
//! orders of a seller's goods, marked sent, as the catalogue's pages offer
//! them (`pages/catalogue`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_domain::{ItemId, OrderId};
use coopkit_market::stream::Standing;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::catalogue::{order_dto, OrderDto};
use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A play, named by the listener's program.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayDto {
    /// Names the play: sent again with the same key, it is one play.
    #[schema(min_length = 1, max_length = 64)]
    pub key: String,
}

/// Where the listener stands with a track after a play. Amounts are in
/// thousandths of the catalogue currency's minor unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingDto {
    pub plays: u32,
    pub paid: u64,
    /// Still to pay to own it; zero once owned.
    pub left_to_own: u64,
    /// What the next play costs.
    pub next_price: u64,
    pub owned: bool,
}

impl From<Standing> for StandingDto {
    fn from(s: Standing) -> Self {
        StandingDto {
            plays: s.plays,
            paid: s.paid,
            left_to_own: s.left_to_own,
            next_price: s.next_price,
            owned: s.owned,
        }
    }
}

/// Plays a track: charged at its stream-to-own price and shared between
/// its creators and the co-op, until the listener owns it. Members only.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/catalogue/{id}/plays", tag = "catalogue",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path, description = "A track of the catalogue")),
    request_body = PlayDto,
    responses(
        (status = 201, body = StandingDto),
        (status = 404, description = "No such track", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "More than the listener's account allows", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn play(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(play): ApiJson<PlayDto>,
) -> Result<(StatusCode, Json<StandingDto>), ApiError> {
    let standing = state
        .app
        .play(&person, &slug, ItemId(id), &play.key)
        .await?;
    Ok((StatusCode::CREATED, Json(standing.into())))
}

/// The orders of the caller's goods: those `paid` are still to send.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/sales", tag = "catalogue",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = [OrderDto])))]
pub async fn to_send(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<OrderDto>>, ApiError> {
    let orders = state.app.orders_to_send(&person, &slug).await?;
    Ok(Json(orders.into_iter().map(order_dto).collect()))
}

/// Marks an order of the caller's goods sent; the buyer is told. Marked
/// again, nothing changes.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/sales/{id}/sent", tag = "catalogue",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 204, description = "Marked sent"),
        (status = 403, description = "Not the caller's sale", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paid, or not goods", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mark_sent(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state.app.mark_sent(&person, &slug, OrderId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
