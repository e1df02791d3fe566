//! Requests for help and the dispatch board over HTTP: a member asks for
//! help at a time and place, the matching engine offers the request to
//! providers, a provider takes it (which books them) or lets it go, and the
//! co-op's coordinators watch the board, as the dispatch pages offer them
//! (`pages/dispatch.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::market::{MyRequest, RequestForm};
use coopkit_app::AppError;
use coopkit_domain::{HelpRequestId, Timestamp};
use coopkit_market::matching::Point;
use coopkit_market::{OpenRequest, Window};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use super::market::SideDto;
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A request for help.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpRequestDto {
    pub id: i64,
    pub category: String,
    pub starts_at: String,
    pub ends_at: String,
    /// Where the help is wanted, in millionths of a degree.
    pub lat_e6: i32,
    pub lon_e6: i32,
    /// A language the provider should speak; empty for any.
    pub language: String,
    pub notes: String,
    /// The booking it became, once a provider took it.
    pub booking: Option<i64>,
}

/// One of the caller's requests, with how many providers it was offered to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyHelpRequestDto {
    #[serde(flatten)]
    pub request: HelpRequestDto,
    pub offered: usize,
}

/// A request offered to the caller, and why the engine chose them
/// (`favourite`, `booked-before`, `near:METRES`, `language`,
/// `needs-work:BALANCE`).
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpOfferDto {
    pub request: HelpRequestDto,
    pub requester: SideDto,
    pub reasons: Vec<String>,
}

/// A request on the dispatch board, with each offer made of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRowDto {
    pub request: HelpRequestDto,
    pub requester: SideDto,
    pub offers: Vec<BoardOfferDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardOfferDto {
    pub provider: SideDto,
    pub reasons: Vec<String>,
    /// `offered`, `accepted` or `declined`.
    pub answer: String,
}

/// Help to ask for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHelpRequestDto {
    /// One of the co-op's categories, by key.
    pub category: String,
    /// RFC 3339 with an offset; in the future.
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    #[schema(minimum = -90_000_000, maximum = 90_000_000)]
    pub lat_e6: i32,
    #[schema(minimum = -180_000_000, maximum = 180_000_000)]
    pub lon_e6: i32,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub notes: String,
}

/// What became of an answer: the booking a taken request became.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredDto {
    pub booking: Option<i64>,
}

/// How many new offers a matching run made.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedDto {
    pub offered: usize,
}

fn request_dto(open: OpenRequest) -> HelpRequestDto {
    let r = open.request;
    HelpRequestDto {
        id: open.id.0,
        category: r.category,
        starts_at: instant(r.window.start),
        ends_at: instant(r.window.end),
        lat_e6: r.place.lat_e6,
        lon_e6: r.place.lon_e6,
        language: r.language,
        notes: r.notes,
        booking: open.booking.map(|b| b.0),
    }
}

fn reasons(codes: &str) -> Vec<String> {
    codes
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

fn mine(request: MyRequest) -> MyHelpRequestDto {
    MyHelpRequestDto {
        offered: request.offered,
        request: request_dto(request.request),
    }
}

/// The caller's open requests for help: members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/help-requests", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<MyHelpRequestDto>)))]
pub async fn my_requests(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<MyHelpRequestDto>>, ApiError> {
    let requests = state.app.my_requests(&person, &slug).await?;
    Ok(Json(requests.into_iter().map(mine).collect()))
}

/// Asks for help at a time and place; the matching engine offers it to
/// providers.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/help-requests", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = NewHelpRequestDto,
    responses(
        (status = 201, body = MyHelpRequestDto),
        (status = 422, description = "A time that cannot be read, is past or ends before it starts; a place off the globe", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ask_for_help(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(ask): ApiJson<NewHelpRequestDto>,
) -> Result<(StatusCode, Json<MyHelpRequestDto>), ApiError> {
    let at = |field: &'static str, text: &str| {
        Timestamp::parse_rfc3339(text).map_err(|code| AppError::invalid(field, code))
    };
    let (start, end) = (
        at("starts_at", &ask.starts_at)?,
        at("ends_at", &ask.ends_at)?,
    );
    let form = RequestForm {
        category: ask.category,
        window: Window::new(start, end)
            .map_err(|refusal| AppError::invalid("ends_at", refusal.code()))?,
        place: Point {
            lat_e6: ask.lat_e6,
            lon_e6: ask.lon_e6,
        },
        language: ask.language,
        notes: ask.notes,
    };
    let id = state.app.post_request(&person, &slug, form).await?;
    let made = state
        .app
        .my_requests(&person, &slug)
        .await?
        .into_iter()
        .find(|r| r.request.id == id)
        .ok_or(AppError::NotFound("request"))?;
    Ok((StatusCode::CREATED, Json(mine(made))))
}

/// The requests offered to the caller that they have not answered.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/offers", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<HelpOfferDto>)))]
pub async fn my_offers(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<HelpOfferDto>>, ApiError> {
    let offers = state.app.my_offers(&person, &slug).await?;
    Ok(Json(
        offers
            .into_iter()
            .map(|o| HelpOfferDto {
                requester: SideDto {
                    id: o.request.request.requester.0,
                    name: o.requester_name,
                },
                reasons: reasons(&o.offer.reasons),
                request: request_dto(o.request),
            })
            .collect(),
    ))
}

/// Takes a request offered to the caller (`accept`, which books them for
/// it) or lets it go (`decline`).
#[utoipa::path(post, path = "/api/v1/coops/{slug}/offers/{request}/{answer}", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("request" = i64, Path),
        ("answer" = String, Path, pattern = "^(accept|decline)$")),
    responses(
        (status = 200, body = AnsweredDto),
        (status = 404, description = "No such request offered to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another provider took it first", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn answer_offer(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, request, answer)): ApiPath<(String, i64, String)>,
) -> Result<Json<AnsweredDto>, ApiError> {
    let accept = match answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::NotFound("answer").into()),
    };
    let booking = state
        .app
        .answer_offer(&person, &slug, HelpRequestId(request), accept)
        .await?;
    Ok(Json(AnsweredDto {
        booking: booking.map(|b| b.id.0),
    }))
}

/// The dispatch board: every open request with the offers made of it.
/// Coordinators only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/dispatch-board", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<BoardRowDto>)))]
pub async fn dispatch_board(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<BoardRowDto>>, ApiError> {
    let board = state.app.dispatch_board(&person, &slug).await?;
    Ok(Json(
        board
            .into_iter()
            .map(|row| BoardRowDto {
                requester: SideDto {
                    id: row.request.request.requester.0,
                    name: row.requester_name,
                },
                offers: row
                    .offers
                    .into_iter()
                    .map(|(name, offer)| BoardOfferDto {
                        provider: SideDto {
                            id: offer.provider.0,
                            name,
                        },
                        reasons: reasons(&offer.reasons),
                        answer: offer.answer.as_str().to_owned(),
                    })
                    .collect(),
                request: request_dto(row.request),
            })
            .collect(),
    ))
}

/// Runs the matching engine now (it also runs on its own every few
/// minutes): each open request is offered to a provider who fits.
/// Coordinators only.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/dispatch-board/matching", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = MatchedDto)))]
pub async fn run_matching(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<MatchedDto>, ApiError> {
    let offered = state.app.run_matching(&person, &slug).await?;
    Ok(Json(MatchedDto { offered }))
}
