//! The co-op's fund over HTTP: its balance and projects, pledging into
//! it, and proposing a project to the members' vote, as the fund's page
//! offers them (`pages/fund.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::catalogue::{FundView, ProjectForm};
use coopkit_app::AppError;
use coopkit_domain::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A project asking the fund for a budget, decided by the members' vote.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDto {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub creator: String,
    /// In the catalogue currency's minor unit.
    pub budget: u64,
    /// `proposed`, `approved`, `rejected` or `funded`.
    pub state: String,
    /// The proposal the members vote on (`/proposals/{id}`).
    pub proposal: i64,
}

/// The fund: what its account holds, and its projects, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FundDto {
    pub currency: String,
    /// In the currency's minor unit.
    pub balance: i64,
    pub projects: Vec<ProjectDto>,
}

/// Money into the fund from the caller's account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PledgeDto {
    /// In the catalogue currency's minor unit.
    #[schema(minimum = 1)]
    pub amount: u64,
    /// Names the pledge: sent again with the same key, it is made once.
    #[schema(min_length = 1, max_length = 64)]
    pub key: String,
}

/// A project to put to the members.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProjectDto {
    #[schema(max_length = 120)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// In the catalogue currency's minor unit.
    #[schema(minimum = 1)]
    pub budget: u64,
    /// When the members' vote closes: RFC 3339 with an offset.
    #[schema(format = DateTime)]
    pub closes_at: String,
}

/// The new project and the proposal the members vote on.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposedDto {
    pub project: i64,
    pub proposal: i64,
}

fn dto(view: FundView) -> FundDto {
    FundDto {
        currency: view.currency,
        balance: i64::try_from(view.balance).unwrap_or(i64::MAX),
        projects: view
            .projects
            .into_iter()
            .map(|p| ProjectDto {
                id: p.id.0,
                title: p.project.title,
                description: p.project.description,
                creator: p.creator_name,
                budget: p.project.budget,
                state: p.state.as_str().to_owned(),
                proposal: p.project.proposal.0,
            })
            .collect(),
    }
}

/// The fund: members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/fund", tag = "fund",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = FundDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such co-op, or it keeps no catalogue", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_fund(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<FundDto>, ApiError> {
    Ok(Json(dto(state.app.fund(&person, &slug).await?)))
}

/// Pledges into the fund; the answer is the fund after it.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/fund/pledges", tag = "fund",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = PledgeDto,
    responses(
        (status = 201, body = FundDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "More than the caller's account allows", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pledge(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(pledge): ApiJson<PledgeDto>,
) -> Result<(StatusCode, Json<FundDto>), ApiError> {
    state
        .app
        .pledge(&person, &slug, pledge.amount, &pledge.key)
        .await?;
    let fund = state.app.fund(&person, &slug).await?;
    Ok((StatusCode::CREATED, Json(dto(fund))))
}

/// Proposes a project: a motion to the members, and the budget paid from
/// the fund if they approve it.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/fund/projects", tag = "fund",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = NewProjectDto,
    responses(
        (status = 201, body = ProposedDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn propose_project(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(project): ApiJson<NewProjectDto>,
) -> Result<(StatusCode, Json<ProposedDto>), ApiError> {
    let closes_at = Timestamp::parse_rfc3339(&project.closes_at)
        .map_err(|code| AppError::invalid("closes_at", code))?;
    let form = ProjectForm {
        title: project.title,
        description: project.description,
        budget: project.budget,
        closes_at,
    };
    let (project, proposal) = state.app.propose_project(&person, &slug, form).await?;
    let proposed = ProposedDto {
        project: project.0,
        proposal: proposal.0,
    };
    Ok((StatusCode::CREATED, Json(proposed)))
}
