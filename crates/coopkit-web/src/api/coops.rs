//! Co-ops and memberships.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::{AppError, FoundCoop};
use coopkit_domain::validation::Collector;
use coopkit_domain::{ClassKey, CoopSettings, DuesPeriod, MemberClassSpec, Role, Zone};
use serde::Deserialize;
use utoipa::ToSchema;

use super::dto::{
    CoopDto, CoopSummaryDto, DuesDto, FoundCoopRequest, JoinRequest, MemberDto, MembershipStateDto,
};
use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::error::{ApiError, Problem};
use crate::params::membership_id;
use crate::AppState;

/// Every co-op hosted on this server.
#[utoipa::path(get, path = "/api/v1/coops", tag = "coops",
    responses((status = 200, body = [CoopSummaryDto])))]
pub async fn list_coops(
    State(state): State<AppState>,
) -> Result<Json<Vec<CoopSummaryDto>>, ApiError> {
    let coops = state.app.list_coops().await?;
    Ok(Json(coops.into_iter().map(Into::into).collect()))
}

/// Founds a co-op; the caller becomes its first admin.
#[utoipa::path(post, path = "/api/v1/coops", tag = "coops",
    security(("bearer" = [])),
    request_body = FoundCoopRequest,
    responses(
        (status = 201, body = CoopDto),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn found_coop(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiJson(request): ApiJson<FoundCoopRequest>,
) -> Result<(StatusCode, Json<CoopDto>), ApiError> {
    let form = found_coop_form(request)?;
    let coop = state.app.found_coop(&person, form).await?;
    let page = state
        .app
        .coop_page(Some(&person), coop.slug.as_str())
        .await?;
    Ok((StatusCode::CREATED, Json(page.into())))
}

/// Checks the parts of a founding request that are not plain text, naming
/// each field that is wrong.
fn found_coop_form(request: FoundCoopRequest) -> Result<FoundCoop, AppError> {
    let mut errors = Collector::new();
    let mut classes = Vec::with_capacity(request.classes.len());
    for (i, class) in request.classes.into_iter().enumerate() {
        if let Some(key) = errors.check(&format!("classes[{i}].key"), ClassKey::parse(&class.key)) {
            classes.push(MemberClassSpec {
                key,
                name: class.name,
                description: class.description,
                open_to_join: class.open_to_join,
                requires_approval: class.requires_approval,
            });
        }
    }
    let mut settings = CoopSettings {
        joining_requires_approval: request.joining_requires_approval,
        dues_amount: 0,
        ..CoopSettings::default()
    };
    if let Some(dues) = request.dues {
        if let Some(period) = errors.check("dues.period", DuesPeriod::parse(&dues.period)) {
            settings.dues_period = period;
        }
        settings.dues_amount = dues.amount;
        settings.dues_currency = dues.currency;
    }
    if let Some(name) = &request.time_zone {
        if let Some(zone) = errors.check("time_zone", Zone::named(name)) {
            settings.time_zone = zone;
        }
    }
    errors.finish()?;
    Ok(FoundCoop {
        slug: request.slug,
        name: request.name,
        description: request.description,
        profile: request.profile,
        settings,
        classes,
        founder_class: request.founder_class,
        currency: request.currency.map(Into::into),
    })
}

/// A co-op's public profile, classes and bylaws' settings.
#[utoipa::path(get, path = "/api/v1/coops/{slug}", tag = "coops",
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = CoopDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_coop(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<CoopDto>, ApiError> {
    let page = state.app.coop_page(None, &slug).await?;
    Ok(Json(page.into()))
}

/// The co-op's active members: for its members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/members", tag = "memberships",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = [MemberDto]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of this co-op", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_members(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<MemberDto>>, ApiError> {
    let members = state.app.member_list(&person, &slug).await?;
    Ok(Json(members.into_iter().map(Into::into).collect()))
}

/// Applies to join in a class. `status` in the answer is `active` when
/// the bylaws admit at once, `pending` when a coordinator must decide.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/membership", tag = "memberships",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = JoinRequest,
    responses(
        (status = 201, body = MembershipStateDto),
        (status = 409, description = "Already a member or applicant", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn join(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<(StatusCode, Json<MembershipStateDto>), ApiError> {
    let outcome = state.app.join(&person, &slug, &request.class).await?;
    Ok((StatusCode::CREATED, Json(outcome.membership.into())))
}

/// Leaves the co-op, or withdraws an application.
#[utoipa::path(delete, path = "/api/v1/coops/{slug}/membership", tag = "memberships",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 204),
        (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last admin cannot leave", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn leave(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.app.leave(&person, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applications waiting for a decision: coordinators and admins.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/applications", tag = "memberships",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = [MemberDto]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_applications(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<MemberDto>>, ApiError> {
    let pending = state.app.pending_applications(&person, &slug).await?;
    Ok(Json(pending.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Admit,
    Decline,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: Decision,
}

/// Admits or declines an application: coordinators and admins.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/applications/{id}", tag = "memberships",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path, description = "The membership id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, body = MembershipStateDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pending application in this co-op", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide_application(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> Result<Json<MembershipStateDto>, ApiError> {
    let id = membership_id(&id, "application")?;
    let admit = matches!(request.decision, Decision::Admit);
    let decided = state
        .app
        .decide_application(&person, &slug, id, admit)
        .await?;
    Ok(Json(decided.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// `member`, `coordinator` or `admin`.
    pub role: String,
}

/// Changes a member's role: admins only. The last admin cannot be demoted.
#[utoipa::path(put, path = "/api/v1/coops/{slug}/members/{id}/role", tag = "memberships",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path, description = "The membership id")),
    request_body = RoleRequest,
    responses(
        (status = 200, body = MembershipStateDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such active member in this co-op", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last admin cannot be demoted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_role(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<RoleRequest>,
) -> Result<Json<MembershipStateDto>, ApiError> {
    let id = membership_id(&id, "membership")?;
    let role = Role::parse(&request.role).map_err(|code| AppError::invalid("role", code))?;
    let changed = state.app.change_role(&person, &slug, id, role).await?;
    Ok(Json(changed.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsRequest {
    pub joining_requires_approval: bool,
    pub dues: DuesDto,
    /// The IANA time zone; the co-op's own if absent.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Replaces the co-op's bylaws' settings: admins only.
#[utoipa::path(put, path = "/api/v1/coops/{slug}/settings", tag = "coops",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = SettingsRequest,
    responses(
        (status = 200, body = CoopDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_settings(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<SettingsRequest>,
) -> Result<Json<CoopDto>, ApiError> {
    let period = DuesPeriod::parse(&request.dues.period)
        .map_err(|code| AppError::invalid("dues.period", code))?;
    let time_zone = match &request.time_zone {
        Some(name) => Zone::named(name).map_err(|code| AppError::invalid("time_zone", code))?,
        None => state
            .app
            .coop_zone(&slug)
            .await?
            .ok_or(AppError::NotFound("co-op"))?,
    };
    let settings = CoopSettings {
        joining_requires_approval: request.joining_requires_approval,
        dues_amount: request.dues.amount,
        dues_currency: request.dues.currency,
        dues_period: period,
        time_zone,
    };
    state
        .app
        .update_coop_settings(&person, &slug, settings)
        .await?;
    let page = state.app.coop_page(Some(&person), &slug).await?;
    Ok(Json(page.into()))
}
