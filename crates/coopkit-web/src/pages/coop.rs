//! A co-op's page, joining and leaving, its member list and approvals.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::records::MemberListing;
use coopkit_app::{AppError, CoopPage};
use coopkit_domain::{Joining, MembershipId, MembershipStatus, Role, Timestamp};
use serde::Deserialize;

use super::{render, render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::params::membership_id;
use crate::viewer::Viewer;
use crate::AppState;

#[derive(Template)]
#[template(path = "coop.html")]
struct CoopView<'a> {
    v: &'a Viewer,
    page: CoopPage,
    status_message: Option<String>,
    dues: String,
    /// How the co-op admits applicants, in a sentence.
    joining: String,
    can_apply: bool,
    can_leave: bool,
    errors: FormErrors,
    /// The member whose invitation brought the visitor here, if any.
    referrer: String,
}

impl<'a> CoopView<'a> {
    fn new(v: &'a Viewer, page: CoopPage, errors: FormErrors) -> Self {
        let status = page.viewer_membership.as_ref().map(|m| m.status);
        let status_message = page.viewer_membership.as_ref().map(|m| {
            let key = format!("coop-{}", status_key(m.status));
            v.tr.t_str(&key, "reason", &m.reason)
        });
        let any_open_class = page.classes.iter().any(|c| c.spec.open_to_join);
        let can_apply = any_open_class && status.is_none_or(MembershipStatus::may_apply_again);
        let can_leave = status.is_some_and(MembershipStatus::belongs);
        let settings = &page.coop.settings;
        let dues = match settings.dues_display() {
            None => v.tr.t("coop-dues-none"),
            Some(amount) => {
                let key = format!("coop-dues-{}", settings.dues_period.as_str());
                // By the currency's name: its code is for programs.
                let currency = page
                    .currencies
                    .iter()
                    .find(|c| c.code.as_str() == settings.dues_currency)
                    .map_or(settings.dues_currency.as_str(), |c| c.name.as_str());
                v.tr.t_args(&key, &[("amount", &amount), ("currency", currency)])
            }
        };
        let joining = Joining::of(settings, page.classes.iter().map(|c| &c.spec));
        let joining = v.tr.t(&format!("coop-joining-{}", joining.as_str()));
        Self {
            v,
            page,
            status_message,
            dues,
            joining,
            can_apply,
            can_leave,
            errors,
            referrer: String::new(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InvitationQuery {
    #[serde(rename = "ref")]
    referrer: String,
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(invitation): Query<InvitationQuery>,
) -> PageResult {
    let page = state.app.coop_page(v.person.as_ref(), &slug).await?;
    let mut view = CoopView::new(&v, page, FormErrors::default());
    // Only digits pass into the page: the invitation is a member's id.
    if invitation.referrer.bytes().all(|b| b.is_ascii_digit()) {
        view.referrer = invitation.referrer;
    }
    render(&view)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JoinForm {
    class: String,
    /// The inviting member's id, from an invitation link.
    #[serde(rename = "ref")]
    referrer: String,
}

pub async fn join(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<JoinForm>,
) -> PageResult {
    let person = v.person()?;
    match state.app.join(person, &slug, &form.class).await {
        Ok(_) => {
            if let Ok(referrer) = form.referrer.parse() {
                state
                    .app
                    .record_referral(person, &slug, coopkit_domain::PersonId(referrer))
                    .await?;
            }
            Ok(Redirect::to(&format!("/c/{slug}")).into_response())
        }
        Err(error) => show_with_errors(&state, &v, &slug, error).await,
    }
}

pub async fn leave(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let person = v.person()?;
    match state.app.leave(person, &slug).await {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}")).into_response()),
        Err(error) => show_with_errors(&state, &v, &slug, error).await,
    }
}

/// The co-op page again, with what was wrong with the form sent from it.
async fn show_with_errors(state: &AppState, v: &Viewer, slug: &str, error: AppError) -> PageResult {
    let (status, errors) = FormErrors::from_error(error, &v.tr)?;
    let page = state.app.coop_page(v.person.as_ref(), slug).await?;
    render_with(status, &CoopView::new(v, page, errors))
}

/// A row of the member or applications table, ready to show.
struct MemberRow {
    membership_id: MembershipId,
    display_name: String,
    class_name: String,
    role_key: &'static str,
    date: Timestamp,
    /// Why they are suspended; empty otherwise.
    reason: String,
}

impl From<MemberListing> for MemberRow {
    fn from(listing: MemberListing) -> Self {
        let m = &listing.membership;
        let since = m.decided_at.unwrap_or(m.applied_at);
        MemberRow {
            membership_id: m.id,
            role_key: role_key(m.role),
            date: since,
            reason: m.reason.clone(),
            display_name: listing.display_name,
            class_name: listing.class_name,
        }
    }
}

/// The message key of a standing: `status-suspended`.
pub(super) fn status_key(status: MembershipStatus) -> &'static str {
    match status {
        MembershipStatus::Pending => "status-pending",
        MembershipStatus::Active => "status-active",
        MembershipStatus::Suspended => "status-suspended",
        MembershipStatus::Declined => "status-declined",
        MembershipStatus::Left => "status-left",
        MembershipStatus::Expelled => "status-expelled",
    }
}

pub(super) fn role_key(role: Role) -> &'static str {
    match role {
        Role::Member => "role-member",
        Role::Coordinator => "role-coordinator",
        Role::Admin => "role-admin",
    }
}

/// The roles an admin can give, with their message keys, in order.
const ROLES: [(&str, &str); 3] = [
    ("member", "role-member"),
    ("coordinator", "role-coordinator"),
    ("admin", "role-admin"),
];

#[derive(Template)]
#[template(path = "members.html")]
struct MembersView<'a> {
    v: &'a Viewer,
    title: String,
    coop_slug: String,
    coop_name: String,
    members: Vec<MemberRow>,
    /// Coordinators see the suspended members too, and each member's own
    /// page.
    suspended: Option<Vec<MemberRow>>,
    can_change_roles: bool,
    roles: [(&'static str, &'static str); 3],
    error: Option<String>,
}

pub async fn members(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    members_page(&state, &v, slug, StatusCode::OK, None).await
}

async fn members_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    status: StatusCode,
    error: Option<String>,
) -> PageResult {
    let person = v.person()?;
    let listings = state.app.member_list(person, &slug).await?;
    let page = state.app.coop_page(Some(person), &slug).await?;
    let suspended = if page.viewer_decides_applications() {
        let listings = state.app.suspended_members(person, &slug).await?;
        Some(listings.into_iter().map(MemberRow::from).collect())
    } else {
        None
    };
    render_with(
        status,
        &MembersView {
            title: v.tr.t_str("members-title", "coop", &page.coop.name),
            v,
            can_change_roles: page.viewer_changes_settings(),
            coop_slug: slug,
            coop_name: page.coop.name,
            members: listings.into_iter().map(MemberRow::from).collect(),
            suspended,
            roles: ROLES,
            error,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, membership)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> PageResult {
    let person = v.person()?;
    let membership = membership_id(&membership, "membership")?;
    let role = Role::parse(&form.role).map_err(|code| AppError::invalid("role", code))?;
    match state.app.change_role(person, &slug, membership, role).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/members")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let message = errors.get("role").map(str::to_owned);
            members_page(&state, &v, slug, status, message).await
        }
    }
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsView<'a> {
    v: &'a Viewer,
    title: String,
    coop_slug: String,
    coop_name: String,
    applications: Vec<MemberRow>,
    /// What the last decision did, in words.
    notice: Option<String>,
}

pub async fn approvals(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<super::DoneQuery>,
) -> PageResult {
    let notice = match query.done.as_str() {
        "admitted" => Some(v.tr.t("approvals-admitted")),
        "declined" => Some(v.tr.t("approvals-declined")),
        _ => None,
    };
    let person = v.person()?;
    let pending = state.app.pending_applications(person, &slug).await?;
    let page = state.app.coop_page(Some(person), &slug).await?;
    render(&ApprovalsView {
        title: v.tr.t_str("approvals-title", "coop", &page.coop.name),
        v: &v,
        coop_slug: slug,
        coop_name: page.coop.name,
        applications: pending.into_iter().map(MemberRow::from).collect(),
        notice,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
}

pub async fn decide(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, membership)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> PageResult {
    let person = v.person()?;
    let membership = membership_id(&membership, "application")?;
    let admit = match form.decision.as_str() {
        "admit" => true,
        "decline" => false,
        _ => return Err(AppError::invalid("decision", "invalid-value").into()),
    };
    state
        .app
        .decide_application(person, &slug, membership, admit)
        .await?;
    let done = if admit { "admitted" } else { "declined" };
    Ok(Redirect::to(&format!("/c/{slug}/approvals?done={done}")).into_response())
}
