//! One member as coordinators see them: their standing, and suspending,
//! reinstating or expelling them with a reason the member reads. What the
//! page offers is what the rules allow the viewer
//! ([`membership::open_sanctions`]); the use case checks it again.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::records::MemberListing;
use coopkit_app::AppError;
use coopkit_domain::membership::{self, MembershipAction, OpenSanctions};
use coopkit_domain::{MembershipId, Reason};
use serde::Deserialize;

use super::coop::{role_key, status_key};
use super::{render_with, DoneQuery, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::params::membership_id;
use crate::viewer::Viewer;
use crate::AppState;

#[derive(Template)]
#[template(path = "member.html")]
struct MemberView<'a> {
    v: &'a Viewer,
    slug: String,
    coop_name: String,
    member: MemberListing,
    role_key: &'static str,
    status_key: &'static str,
    open: OpenSanctions,
    done: bool,
    /// The form sent, shown again with its reason and errors.
    sent: StandingForm,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StandingForm {
    /// `suspend`, `reinstate` or `expel`.
    action: String,
    reason: String,
}

impl StandingForm {
    fn action(&self) -> Result<MembershipAction, AppError> {
        let reason =
            || Reason::parse(&self.reason).map_err(|code| AppError::invalid("reason", code));
        match self.action.as_str() {
            "suspend" => Ok(MembershipAction::Suspend { reason: reason()? }),
            "reinstate" => Ok(MembershipAction::Reinstate),
            "expel" => Ok(MembershipAction::Expel { reason: reason()? }),
            _ => Err(AppError::invalid("action", "invalid-value")),
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, membership)): Path<(String, String)>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let membership = membership_id(&membership, "membership")?;
    let view = Shown {
        done: !query.done.is_empty(),
        sent: StandingForm::default(),
        errors: FormErrors::default(),
    };
    page(&state, &v, slug, membership, StatusCode::OK, view).await
}

pub async fn change(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<StandingForm>,
) -> PageResult {
    let person = v.person()?;
    let membership = membership_id(&id, "membership")?;
    let outcome = match form.action() {
        Ok(action) => state.app.sanction(person, &slug, membership, action).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/members/{id}?done=1")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let view = Shown {
                done: false,
                sent: form,
                errors,
            };
            page(&state, &v, slug, membership, status, view).await
        }
    }
}

/// What the page shows beyond the member: a note that it was saved, or
/// the form sent with what was wrong.
struct Shown {
    done: bool,
    sent: StandingForm,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    membership: MembershipId,
    status: StatusCode,
    shown: Shown,
) -> PageResult {
    let person = v.person()?;
    let member = state.app.member(person, &slug, membership).await?;
    let page = state.app.coop_page(Some(person), &slug).await?;
    let open = page
        .viewer_membership
        .as_ref()
        .map(|viewer| membership::open_sanctions(viewer, &member.membership))
        .unwrap_or_default();
    render_with(
        status,
        &MemberView {
            v,
            slug,
            coop_name: page.coop.name,
            role_key: role_key(member.membership.role),
            status_key: status_key(member.membership.status),
            member,
            open,
            done: shown.done,
            sent: shown.sent,
            errors: shown.errors,
        },
    )
}
