//! Tasks with bounties over HTTP: a co-op's tasks, posting one, and each
//! step of one (claim, deliver, accept, release), as the tasks page offers
//! them (`pages/tasks.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::market::{TaskForm, TaskView};
use coopkit_app::records::Person;
use coopkit_app::AppError;
use coopkit_domain::TaskId;
use coopkit_domain::Timestamp;
use coopkit_market::TaskAction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use super::market::SideDto;
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A task as the co-op's members see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub currency: String,
    /// In the currency's minor unit: held from the poster (or the fund)
    /// when claimed, paid on acceptance.
    pub bounty: u64,
    pub deadline: String,
    /// Paid from the co-op's fund rather than the poster's account.
    pub from_fund: bool,
    pub poster: SideDto,
    /// `open`, `claimed`, `delivered` or `accepted`.
    pub state: String,
    pub claimant: Option<SideDto>,
    /// Past its deadline without being accepted.
    pub expired: bool,
    /// The steps the caller may take now, as `…/tasks/{id}/{step}` names
    /// them.
    pub steps: Vec<String>,
}

/// A task to post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTaskDto {
    #[schema(max_length = 120)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    /// One of the co-op's currencies.
    pub currency: String,
    /// In the currency's minor unit.
    #[schema(minimum = 1)]
    pub bounty: u64,
    /// RFC 3339 with an offset.
    #[schema(format = DateTime)]
    pub deadline: String,
    /// Paid from the co-op's fund (coordinators only).
    #[serde(default)]
    pub from_fund: bool,
}

fn dto(view: TaskView) -> TaskDto {
    let task = view.task;
    TaskDto {
        id: task.id.0,
        title: task.task.title,
        description: task.task.description,
        currency: task.task.currency.to_string(),
        bounty: task.task.bounty,
        deadline: instant(task.task.deadline),
        from_fund: task.task.from_fund,
        poster: SideDto {
            id: task.task.posted_by.0,
            name: view.poster_name,
        },
        state: task.state.as_str().to_owned(),
        claimant: task
            .claimed_by
            .zip(view.claimer_name)
            .map(|(id, name)| SideDto { id: id.0, name }),
        expired: view.expired,
        steps: view.allowed.iter().map(|a| a.as_str().to_owned()).collect(),
    }
}

/// The task `id` as the caller sees it now.
async fn task_view(
    state: &AppState,
    person: &Person,
    slug: &str,
    id: TaskId,
) -> Result<TaskDto, ApiError> {
    let task = state
        .app
        .tasks(person, slug)
        .await?
        .into_iter()
        .find(|t| t.task.id == id)
        .ok_or(AppError::NotFound("task"))?;
    Ok(dto(task))
}

/// The co-op's tasks: members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/tasks", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = Vec<TaskDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_tasks(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<TaskDto>>, ApiError> {
    let tasks = state.app.tasks(&person, &slug).await?;
    Ok(Json(tasks.into_iter().map(dto).collect()))
}

/// Posts a task with a bounty; nothing is held until someone claims it.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/tasks", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = NewTaskDto,
    responses(
        (status = 201, body = TaskDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_task(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(task): ApiJson<NewTaskDto>,
) -> Result<(StatusCode, Json<TaskDto>), ApiError> {
    let deadline = Timestamp::parse_rfc3339(&task.deadline)
        .map_err(|code| AppError::invalid("deadline", code))?;
    let form = TaskForm {
        title: task.title,
        description: task.description,
        currency: task.currency,
        bounty: task.bounty,
        deadline,
        from_fund: task.from_fund,
    };
    let id = state.app.post_task(&person, &slug, form).await?;
    Ok((
        StatusCode::CREATED,
        Json(task_view(&state, &person, &slug, id).await?),
    ))
}

/// A step on a task by whoever it belongs to: anyone's `claim` of an open
/// task, the claimant's `deliver`, the poster's `accept` (which pays the
/// bounty), a coordinator's `release` of a claim.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/tasks/{id}/{step}", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path),
        ("step" = String, Path, pattern = "^(claim|deliver|accept|release)$")),
    responses(
        (status = 200, body = TaskDto),
        (status = 403, description = "Not the caller's step to take", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a step the task can take now, or its bounty cannot be held", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn step_task(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id, step)): ApiPath<(String, i64, String)>,
) -> Result<Json<TaskDto>, ApiError> {
    let action = TaskAction::parse(&step).ok_or(AppError::NotFound("step"))?;
    state
        .app
        .task_step(&person, &slug, TaskId(id), action)
        .await?;
    Ok(Json(task_view(&state, &person, &slug, TaskId(id)).await?))
}
