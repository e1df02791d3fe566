//! Tasks with a bounty as pages: the list with its steps, and the form to
//! post one.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::market::{TaskForm, TaskView};
use coopkit_app::records::{Currency, TaskId};
use coopkit_app::AppError;
use coopkit_market::{TaskAction, TaskState};
use serde::Deserialize;

use super::{form_currency, render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

struct TaskRow {
    id: i64,
    title: String,
    description: String,
    bounty: String,
    deadline: String,
    poster: String,
    /// Words for where it stands: open, claimed by…, expired…
    standing: String,
    /// (step path segment, label) the viewer may take.
    steps: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage<'a> {
    v: &'a Viewer,
    slug: String,
    rows: Vec<TaskRow>,
    currencies: Vec<Currency>,
    may_use_fund: bool,
    errors: FormErrors,
    error: Option<String>,
}

fn row(view: TaskView, currencies: &[Currency], tr: &crate::Tr) -> TaskRow {
    let task = &view.task;
    let currency = currencies.iter().find(|c| c.code == task.task.currency);
    let scale = currency.map_or(0, |c| u32::from(c.scale));
    let name = currency.map_or(task.task.currency.to_string(), |c| c.name.clone());
    let claimer = view.claimer_name.clone().unwrap_or_default();
    let standing = match task.state {
        TaskState::Accepted => tr.t_args("task-accepted", &[("name", &claimer)]),
        _ if view.expired => tr.t("task-expired"),
        TaskState::Open => tr.t("task-open"),
        TaskState::Delivered => tr.t_args("task-delivered", &[("name", &claimer)]),
        TaskState::Claimed => tr.t_args("task-claimed", &[("name", &claimer)]),
    };
    TaskRow {
        id: task.id.0,
        title: task.task.title.clone(),
        description: task.task.description.clone(),
        bounty: format!("{} {name}", tr.amount(task.task.bounty, scale)),
        deadline: tr.date_time(&task.task.deadline),
        poster: if task.task.from_fund {
            tr.t("task-from-fund")
        } else {
            view.poster_name.clone()
        },
        standing,
        steps: view
            .allowed
            .iter()
            .map(|action| {
                let path = action.as_str();
                (path, tr.t(&format!("task-{path}")))
            })
            .collect(),
    }
}

async fn tasks_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    errors: FormErrors,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let person = v.person()?;
    let coordinator = state
        .app
        .role_in(person, &slug)
        .await?
        .can_decide_applications();
    let currencies = state.app.currencies(&slug).await?;
    let rows = state
        .app
        .tasks(person, &slug)
        .await?
        .into_iter()
        .map(|view| row(view, &currencies, &v.tr))
        .collect();
    render_with(
        status,
        &TasksPage {
            v,
            slug,
            rows,
            currencies,
            may_use_fund: coordinator,
            errors,
            error,
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    tasks_page(
        &state,
        &v,
        slug,
        FormErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskFields {
    title: String,
    description: String,
    currency: String,
    bounty: String,
    deadline: String,
    fund: String,
}

pub async fn post(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<TaskFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let currency = form_currency(&state, &slug, &form.currency).await?;
        let bounty =
            v.tr.parse_amount(&form.bounty, currency.scale)
                .map_err(|code| AppError::invalid("bounty", code))?;
        let deadline = v.tr.zones.read_wall_clock("deadline", &form.deadline)?;
        let task = TaskForm {
            title: form.title.clone(),
            description: form.description.clone(),
            currency: form.currency.clone(),
            bounty,
            deadline,
            from_fund: form.fund == "yes",
        };
        state.app.post_task(person, &slug, task).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/market/tasks")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            tasks_page(&state, &v, slug, errors, None, status).await
        }
    }
}

/// A step on a task: `/c/{slug}/market/tasks/{id}/{step}`.
pub async fn step(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id, step)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let person = v.person()?;
    let step = TaskAction::parse(&step).ok_or(AppError::NotFound("page"))?;
    let id = id
        .parse()
        .map(TaskId)
        .map_err(|_| AppError::NotFound("task"))?;
    match state.app.task_step(person, &slug, id, step).await {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/market/tasks")).into_response()),
        Err(AppError::Conflict { code, .. }) => {
            let error = Some(v.tr.error(code));
            tasks_page(
                &state,
                &v,
                slug,
                FormErrors::default(),
                error,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
