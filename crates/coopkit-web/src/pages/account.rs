//! A person's own page: their co-ops, their time zone and their API
//! tokens.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use coopkit_domain::{MembershipStatus, Zone};
use serde::Deserialize;

use super::coop::role_key;
use super::{render, render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

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
    new_token: Option<String>,
    errors: FormErrors,
}

async fn account_view<'a>(
    state: &AppState,
    v: &'a Viewer,
    new_token: Option<String>,
    errors: FormErrors,
) -> Result<AccountView<'a>, crate::error::PageError> {
    let person = v.person()?;
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
            status_key: match m.membership.status {
                MembershipStatus::Pending => "status-pending",
                MembershipStatus::Active => "status-active",
                MembershipStatus::Declined => "status-declined",
                MembershipStatus::Left => "status-left",
            },
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
        new_token,
        errors,
    })
}

pub async fn show(State(state): State<AppState>, v: Viewer) -> PageResult {
    render(&account_view(&state, &v, None, FormErrors::default()).await?)
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
    CsrfForm(form): CsrfForm<TimeZoneForm>,
) -> PageResult {
    let person = v.person()?;
    match state.app.set_time_zone(person, &form.time_zone).await {
        Ok(()) => Ok(Redirect::to("/account").into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            render_with(status, &account_view(&state, &v, None, errors).await?)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    v: Viewer,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> PageResult {
    let person = v.person()?;
    match state.app.create_api_token(person, &form.name).await {
        Ok(token) => {
            render(&account_view(&state, &v, Some(token.secret), FormErrors::default()).await?)
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            render_with(status, &account_view(&state, &v, None, errors).await?)
        }
    }
}
