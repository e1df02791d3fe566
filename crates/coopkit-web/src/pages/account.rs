//! A person's own page: their co-ops, their address, their time zone,
//! their password, where they are logged in, and their API tokens.

use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::CONTENT_DISPOSITION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::records::ApiTokenListing;
use coopkit_app::{AppError, SessionView};
use coopkit_domain::{ApiTokenId, Zone};
use serde::Deserialize;

use super::coop::{role_key, status_key};
use super::{render, render_with, FormErrors, PageResult};
use crate::api::personal_data::PersonalDataDto;
use crate::cookies::Cookie;
use crate::error::{PageError, WebError};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

/// The browser's session secret, from its cookie: to mark the session
/// that is asking, and to keep it when the password changes.
pub struct SessionSecret(String);

impl FromRequestParts<AppState> for SessionSecret {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        Cookie::Session
            .read(&parts.headers, state.cookies)
            .map(SessionSecret)
            .ok_or(PageError(WebError::App(AppError::Unauthenticated)))
    }
}

struct MembershipRow {
    coop_slug: String,
    coop_name: String,
    class_name: String,
    role_key: &'static str,
    status_key: &'static str,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountView<'a> {
    v: &'a Viewer,
    memberships: Vec<MembershipRow>,
    /// Their own zone's name; empty for each co-op's.
    time_zone: String,
    zones: &'static [String],
    sessions: Vec<SessionView>,
    tokens: Vec<ApiTokenListing>,
    new_token: Option<String>,
    /// The new address as typed, when it was refused.
    new_email: String,
    /// A message key for what just happened ("account-password-changed").
    notice: &'static str,
    errors: FormErrors,
    /// They run the server: a link to where moderators are appointed.
    operator: bool,
    /// They moderate the directory: a link to its review queue.
    moderator: bool,
}

/// What the page says besides what it lists.
#[derive(Default)]
struct Shown {
    new_token: Option<String>,
    new_email: String,
    notice: &'static str,
    errors: FormErrors,
}

async fn account_view<'a>(
    state: &AppState,
    v: &'a Viewer,
    session: &SessionSecret,
    shown: Shown,
) -> Result<AccountView<'a>, PageError> {
    let person = v.person()?;
    let sessions = state.app.my_sessions(person, Some(&session.0)).await?;
    let tokens = state.app.my_api_tokens(person).await?;
    let memberships = state
        .app
        .my_memberships(person)
        .await?
        .into_iter()
        .map(|m| MembershipRow {
            coop_slug: m.coop_slug.to_string(),
            coop_name: m.coop_name,
            class_name: m.class_name,
            role_key: role_key(m.membership.role),
            status_key: status_key(m.membership.status),
        })
        .collect();
    Ok(AccountView {
        v,
        memberships,
        time_zone: person
            .time_zone
            .as_ref()
            .map(|zone| zone.name().to_owned())
            .unwrap_or_default(),
        zones: zone_names(),
        sessions,
        tokens,
        new_token: shown.new_token,
        new_email: shown.new_email,
        notice: shown.notice,
        errors: shown.errors,
        operator: state.app.is_operator(person).await?,
        moderator: state.app.is_directory_moderator(person.id).await?,
    })
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    session: SessionSecret,
    axum::extract::Query(query): axum::extract::Query<super::DoneQuery>,
) -> PageResult {
    let notice = match query.done.as_str() {
        "password" => "account-password-changed",
        "session" => "account-session-ended",
        "token" => "account-token-revoked",
        _ => "",
    };
    let shown = Shown {
        notice,
        ..Shown::default()
    };
    render(&account_view(&state, &v, &session, shown).await?)
}

/// Shows the page again with the fields that failed, or goes on as a page
/// error.
async fn refused(
    state: &AppState,
    v: &Viewer,
    session: &SessionSecret,
    error: AppError,
) -> PageResult {
    refused_with(state, v, session, error, Shown::default()).await
}

/// As [`refused`], keeping what `shown` says (a value as typed).
async fn refused_with(
    state: &AppState,
    v: &Viewer,
    session: &SessionSecret,
    error: AppError,
    shown: Shown,
) -> PageResult {
    let (status, errors) = FormErrors::from_error(error, &v.tr)?;
    let shown = Shown { errors, ..shown };
    render_with(status, &account_view(state, v, session, shown).await?)
}

/// Every zone's name, listed once.
pub(super) fn zone_names() -> &'static [String] {
    static NAMES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(Zone::names);
    &NAMES
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TimeZoneForm {
    time_zone: String,
}

pub async fn set_time_zone(
    State(state): State<AppState>,
    v: Viewer,
    session: SessionSecret,
    CsrfForm(form): CsrfForm<TimeZoneForm>,
) -> PageResult {
    let person = v.person()?;
    match state.app.set_time_zone(person, &form.time_zone).await {
        Ok(()) => Ok(Redirect::to("/account").into_response()),
        Err(error) => refused(&state, &v, &session, error).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    v: Viewer,
    session: SessionSecret,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> PageResult {
    let person = v.person()?;
    let changed = state
        .app
        .change_password(
            person,
            &session.0,
            &form.current_password,
            &form.new_password,
        )
        .await;
    match changed {
        Ok(_) => Ok(Redirect::to("/account?done=password").into_response()),
        Err(error) => refused(&state, &v, &session, error).await,
    }
}

/// The person's own data as a JSON file to keep: the same document as
/// `GET /api/v1/me/data`.
pub async fn download_data(State(state): State<AppState>, v: Viewer) -> PageResult {
    let data: PersonalDataDto = state.app.personal_data(v.person()?).await?.into();
    let headers = [(
        CONTENT_DISPOSITION,
        "attachment; filename=\"my-coopkit-data.json\"",
    )];
    Ok((headers, axum::Json(data)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    email: String,
    email_password: String,
}

pub async fn change_email(
    State(state): State<AppState>,
    v: Viewer,
    session: SessionSecret,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> PageResult {
    let person = v.person()?;
    match state
        .app
        .change_email(person, &form.email_password, &form.email)
        .await
    {
        Ok(_) => Ok(Redirect::to("/account").into_response()),
        Err(error) => {
            let shown = Shown {
                new_email: form.email,
                ..Shown::default()
            };
            refused_with(&state, &v, &session, error, shown).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    delete_password: String,
}

/// Deletes the account and lets the browser go, its session ended.
pub async fn delete_account(
    State(state): State<AppState>,
    v: Viewer,
    session: SessionSecret,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> PageResult {
    let person = v.person()?;
    match state
        .app
        .delete_account(person, &form.delete_password)
        .await
    {
        Ok(()) => {
            let mut response = Redirect::to("/login?done=deleted").into_response();
            crate::cookies::append(
                response.headers_mut(),
                [Cookie::Session.clear(state.cookies)],
            );
            Ok(response)
        }
        Err(error) => refused(&state, &v, &session, error).await,
    }
}

pub async fn end_session(
    State(state): State<AppState>,
    v: Viewer,
    Path(handle): Path<String>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    state.app.end_my_session(v.person()?, &handle).await?;
    Ok(Redirect::to("/account?done=session").into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let id = id
        .parse()
        .map(ApiTokenId)
        .map_err(|_| AppError::NotFound("token"))?;
    state.app.revoke_my_api_token(v.person()?, id).await?;
    Ok(Redirect::to("/account?done=token").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    v: Viewer,
    session: SessionSecret,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> PageResult {
    let person = v.person()?;
    match state.app.create_api_token(person, &form.name).await {
        Ok(token) => {
            let shown = Shown {
                new_token: Some(token.secret),
                ..Shown::default()
            };
            render(&account_view(&state, &v, &session, shown).await?)
        }
        Err(error) => refused(&state, &v, &session, error).await,
    }
}
