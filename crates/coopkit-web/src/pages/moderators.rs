//! The server's operators appoint and remove the directory's moderators.
//! Operators only: the use cases refuse anyone else before a form is read.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_domain::server_role::RoleHolder;
use serde::Deserialize;

use super::{render_with, DoneQuery, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::params::person_id;
use crate::viewer::Viewer;
use crate::AppState;

#[derive(Template)]
#[template(path = "moderators.html")]
struct ModeratorsView<'a> {
    v: &'a Viewer,
    moderators: Vec<RoleHolder>,
    /// The address as typed, when it was refused.
    email: String,
    /// A message key for what was just done.
    notice: &'static str,
    errors: FormErrors,
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let notice = match query.done.as_str() {
        "appointed" => "moderators-appointed",
        "removed" => "moderators-removed",
        _ => "",
    };
    page(
        &state,
        &v,
        StatusCode::OK,
        String::new(),
        notice,
        FormErrors::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AppointForm {
    email: String,
}

pub async fn appoint(
    State(state): State<AppState>,
    v: Viewer,
    CsrfForm(form): CsrfForm<AppointForm>,
) -> PageResult {
    let person = v.person()?;
    match state.app.appoint_moderator(person, &form.email).await {
        Ok(_) => Ok(Redirect::to("/admin/moderators?done=appointed").into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            page(&state, &v, status, form.email, "", errors).await
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    v: Viewer,
    Path(person): Path<String>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let actor = v.person()?;
    let person = person_id(&person, "moderator")?;
    state.app.remove_moderator(actor, person).await?;
    Ok(Redirect::to("/admin/moderators?done=removed").into_response())
}

async fn page(
    state: &AppState,
    v: &Viewer,
    status: StatusCode,
    email: String,
    notice: &'static str,
    errors: FormErrors,
) -> PageResult {
    let moderators = state.app.moderators(v.person()?).await?;
    render_with(
        status,
        &ModeratorsView {
            v,
            moderators,
            email,
            notice,
            errors,
        },
    )
}
