//! A forgotten password: ask for a link by email, then choose a new
//! password on the page it opens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::AppError;
use serde::Deserialize;

use super::mail::LinkPage;
use super::{render, render_with, ClientAddr, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage<'a> {
    v: &'a Viewer,
    /// The form's action: asking for a link, or setting the password.
    action: String,
    /// Setting the password (a link's page), rather than asking.
    choosing: bool,
    email: String,
    sent: bool,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

pub async fn ask_form(v: Viewer, Query(done): Query<Done>) -> PageResult {
    render(&ResetPage {
        v: &v,
        action: "/password-reset".to_owned(),
        choosing: false,
        email: String::new(),
        sent: done.done == "sent",
        errors: FormErrors::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AskForm {
    email: String,
}

/// Asks for a link. The page says the same whether or not the address has
/// an account.
pub async fn ask(
    State(state): State<AppState>,
    v: Viewer,
    ClientAddr(client): ClientAddr,
    CsrfForm(form): CsrfForm<AskForm>,
) -> PageResult {
    match state.app.request_password_reset(&form.email, &client).await {
        Ok(()) => Ok(Redirect::to("/password-reset?done=sent").into_response()),
        Err(error @ AppError::Invalid(_)) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            render_with(
                status,
                &ResetPage {
                    v: &v,
                    action: "/password-reset".to_owned(),
                    choosing: false,
                    email: form.email,
                    sent: false,
                    errors,
                },
            )
        }
        Err(error) => Err(error.into()),
    }
}

fn dead_link(v: &Viewer) -> PageResult {
    render(&LinkPage {
        title: v.tr.t("verify-failed-title"),
        lines: vec![v.tr.t("reset-failed")],
        confirm: None,
        onward: ("/password-reset", v.tr.t("reset-ask-again")),
        v,
    })
}

/// The page a reset link opens: the new password's form, while the link
/// works.
pub async fn choose_form(
    State(state): State<AppState>,
    v: Viewer,
    Path(token): Path<String>,
) -> PageResult {
    if !state.app.reset_link_works(&token).await? {
        return dead_link(&v);
    }
    render(&choosing(&v, &token, FormErrors::default()))
}

/// The new password's form, on the page of the link `token`.
fn choosing<'a>(v: &'a Viewer, token: &str, errors: FormErrors) -> ResetPage<'a> {
    ResetPage {
        v,
        action: format!("/password-reset/{token}"),
        choosing: true,
        email: String::new(),
        sent: false,
        errors,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChooseForm {
    password: String,
}

pub async fn choose(
    State(state): State<AppState>,
    v: Viewer,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<ChooseForm>,
) -> PageResult {
    match state.app.reset_password(&token, &form.password).await {
        Ok(_) => Ok(Redirect::to("/login?done=reset").into_response()),
        Err(AppError::NotFound(_)) => dead_link(&v),
        Err(error @ AppError::Invalid(_)) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            render_with(status, &choosing(&v, &token, errors))
        }
        Err(error) => Err(error.into()),
    }
}
