//! Patronage over HTTP: a co-op's closed years, each year's allocation
//! line by line, a member's own statement, and closing a year, as the
//! patronage pages offer them (`pages/patronage.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::patronage::{AllocationView, CloseYearForm, NamedLine};
use coopkit_app::AppError;
use coopkit_domain::{AllocationId, Timestamp};
use coopkit_patronage::records::AllocationRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A closed year: its result, and where the members' vote on it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearDto {
    /// The allocation's id, for `…/patronage/years/{id}`.
    pub id: i64,
    pub year: String,
    pub period_start: String,
    pub period_end: String,
    /// The year's net result in the currency's minor unit; negative for a
    /// loss.
    pub net: i64,
    pub currency: String,
    /// Where retained allocations are credited.
    pub capital_currency: String,
    /// `proposed` (the members are voting), `posted` or `rejected`.
    pub state: String,
    /// The proposal the members vote on (`…/proposals/{id}`).
    pub proposal: Option<i64>,
}

/// One member's part of a year's surplus. Amounts are in the currency's
/// minor unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineDto {
    pub member: i64,
    pub name: String,
    /// The class whose pool the member shares.
    pub class: String,
    /// What the member did: minutes worked, or minor units sold or bought,
    /// as the class's pool measures it.
    pub patronage: u64,
    /// The member's share of the pool, in parts per million.
    pub share_ppm: u64,
    pub amount: u64,
    /// Paid out.
    pub cash: u64,
    /// Credited to the member's capital account.
    pub retained: u64,
}

/// A class's pool: the part of the surplus its members share.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolDto {
    pub class: String,
    /// `hours`, `sales` or `purchases`.
    pub measure: String,
    pub amount: u64,
    /// The class's patronage over the year, in the measure's unit.
    pub total_patronage: u64,
}

/// A year's allocation: the reserve, each pool and each member's line.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationDto {
    #[serde(flatten)]
    pub year: YearDto,
    /// To the indivisible reserve.
    pub reserve: u64,
    /// A loss charged to the reserve.
    pub loss_to_reserve: u64,
    /// A loss carried forward.
    pub loss_carried: u64,
    pub pools: Vec<PoolDto>,
    pub lines: Vec<LineDto>,
    /// `cash-below-qualified` when the cash part is under 20%.
    pub warnings: Vec<String>,
}

/// The caller's statement for a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearStatementDto {
    #[serde(flatten)]
    pub year: YearDto,
    pub line: LineDto,
}

/// A year to close: its period and result, and the members' vote on it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseYearDto {
    /// Names the year, such as `2026`; a year is closed once.
    #[schema(min_length = 1, max_length = 40)]
    pub year: String,
    /// RFC 3339 with an offset: the bookings settled from here …
    #[schema(format = DateTime)]
    pub period_start: String,
    /// … to here count as the year's patronage.
    #[schema(format = DateTime)]
    pub period_end: String,
    /// In the currency's minor unit; negative for a loss.
    pub net: i64,
    /// When the members' vote closes: RFC 3339 with an offset.
    #[schema(format = DateTime)]
    pub vote_closes_at: String,
    #[serde(default = "half")]
    #[schema(default = 50, minimum = 1, maximum = 100)]
    pub quorum_percent: u32,
}

fn half() -> u32 {
    50
}

/// The new allocation and the proposal the members vote on.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosedDto {
    pub allocation: i64,
    pub proposal: i64,
}

fn year_dto(record: AllocationRecord) -> YearDto {
    let a = record.allocation;
    YearDto {
        id: record.id.0,
        year: a.year,
        period_start: instant(a.period_start),
        period_end: instant(a.period_end),
        net: a.net,
        currency: a.currency,
        capital_currency: a.capital_currency,
        state: record.state.as_str().to_owned(),
        proposal: record.proposal.map(|p| p.0),
    }
}

fn line_dto(named: NamedLine) -> LineDto {
    let line = named.line;
    LineDto {
        member: line.person.0,
        name: named.name,
        class: line.class_key,
        patronage: line.patronage,
        share_ppm: line.share_ppm,
        amount: line.amount,
        cash: line.cash,
        retained: line.retained,
    }
}

fn allocation_dto(view: AllocationView) -> AllocationDto {
    let a = view.allocation;
    AllocationDto {
        year: year_dto(view.record),
        reserve: a.reserve,
        loss_to_reserve: a.loss_to_reserve,
        loss_carried: a.loss_carried,
        pools: a
            .pools
            .into_iter()
            .map(|p| PoolDto {
                class: p.class,
                measure: p.measure.as_str().to_owned(),
                amount: p.amount,
                total_patronage: p.total_patronage,
            })
            .collect(),
        lines: view.lines.into_iter().map(line_dto).collect(),
        warnings: a.warnings,
    }
}

/// The co-op's closed years, newest first: members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/patronage/years", tag = "patronage",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = Vec<YearDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_years(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<YearDto>>, ApiError> {
    let years = state.app.allocations(&person, &slug).await?;
    Ok(Json(years.into_iter().map(year_dto).collect()))
}

/// Closes a year (coordinators): its allocation is computed from the
/// period's settled bookings by the bylaws' rules and put to the members'
/// vote; nothing reaches the ledger until they approve it.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/patronage/years", tag = "patronage",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = CloseYearDto,
    responses(
        (status = 201, body = ClosedDto),
        (status = 403, description = "Not a coordinator", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The year is closed already, or the bylaws set no rules for patronage", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn close_year(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(close): ApiJson<CloseYearDto>,
) -> Result<(StatusCode, Json<ClosedDto>), ApiError> {
    let at = |field: &'static str, text: &str| {
        Timestamp::parse_rfc3339(text).map_err(|code| AppError::invalid(field, code))
    };
    let form = CloseYearForm {
        period_start: at("period_start", &close.period_start)?,
        period_end: at("period_end", &close.period_end)?,
        vote_closes_at: at("vote_closes_at", &close.vote_closes_at)?,
        year: close.year,
        net: close.net,
        quorum_percent: close.quorum_percent,
    };
    let (allocation, proposal) = state.app.propose_allocation(&person, &slug, form).await?;
    let closed = ClosedDto {
        allocation: allocation.0,
        proposal: proposal.0,
    };
    Ok((StatusCode::CREATED, Json(closed)))
}

/// A year's allocation, every member's line in it: members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/patronage/years/{id}", tag = "patronage",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = AllocationDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_year(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<AllocationDto>, ApiError> {
    let view = state
        .app
        .allocation(&person, &slug, AllocationId(id))
        .await?;
    Ok(Json(allocation_dto(view)))
}

/// The caller's own statement for a year: what they were allocated, in
/// cash and retained.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/patronage/years/{id}/statement", tag = "patronage",
    operation_id = "my_year_statement",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = YearStatementDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such year, or the caller has no part in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn my_statement(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<YearStatementDto>, ApiError> {
    let mut view = state
        .app
        .allocation(&person, &slug, AllocationId(id))
        .await?;
    let position = view
        .lines
        .iter()
        .position(|l| l.line.person == person.id)
        .ok_or(AppError::NotFound("statement"))?;
    let line = line_dto(view.lines.swap_remove(position));
    Ok(Json(YearStatementDto {
        year: year_dto(view.record),
        line,
    }))
}
