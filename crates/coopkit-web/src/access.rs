//! Who may use a route, declared where the route is, and checked before
//! its handler reads anything the caller sent: a member posting to a
//! coordinators' form gets 403 whatever the form holds, never a field error
//! that tells them what the form wants. The use cases check the same roles
//! again; this layer refuses early, they stay the authority.
//!
//! The API's OpenAPI document says each operation's access in
//! `x-coopkit-access`, written from the same declaration as the check, so
//! the two cannot disagree.

use std::collections::HashMap;

use axum::extract::{FromRef, FromRequestParts, Path, Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use coopkit_domain::Role;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa_axum::router::OpenApiRouter;

use crate::api::extract::ApiCaller;
use crate::error::{ApiError, PageError, WebError};
use crate::viewer::Viewer;
use crate::AppState;

/// Who may use a group of routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Anyone,
    /// Anyone with an account.
    Account,
    /// An active member of the co-op named by the route's `{slug}`, with
    /// at least this role.
    Coop(Role),
    /// A moderator of the directory.
    Moderator,
    /// An operator of the server.
    Operator,
}

impl Access {
    /// The value of `x-coopkit-access` in the OpenAPI document.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Anyone => "anyone",
            Access::Account => "account",
            Access::Coop(role) => role.as_str(),
            Access::Moderator => "moderator",
            Access::Operator => "operator",
        }
    }
}

/// What the check needs: the app, and whom to let through.
#[derive(Clone)]
struct Gate {
    state: AppState,
    access: Access,
}

impl FromRef<Gate> for AppState {
    fn from_ref(gate: &Gate) -> AppState {
        gate.state.clone()
    }
}

/// Page routes open only to `access`.
pub fn pages(router: Router<AppState>, state: &AppState, access: Access) -> Router<AppState> {
    let gate = Gate {
        state: state.clone(),
        access,
    };
    router.route_layer(from_fn_with_state(gate, page_gate))
}

/// API routes open only to `access`, documented as such. Without a state,
/// only the document is written (for [`crate::openapi`]).
pub fn api(
    router: OpenApiRouter<AppState>,
    state: Option<&AppState>,
    access: Access,
) -> OpenApiRouter<AppState> {
    let mut router = match state {
        Some(state) if access != Access::Anyone => {
            let gate = Gate {
                state: state.clone(),
                access,
            };
            router.route_layer(from_fn_with_state(gate, api_gate))
        }
        _ => router,
    };
    for operation in crate::api::operations_mut(&mut router.get_openapi_mut().paths) {
        let declared = ExtensionsBuilder::new()
            .add("x-coopkit-access", access.as_str())
            .build();
        operation
            .extensions
            .get_or_insert_with(Default::default)
            .merge(declared);
    }
    router
}

/// The co-op a route names, if it names one.
type RouteParams = Option<Path<HashMap<String, String>>>;

async fn page_gate(
    State(gate): State<Gate>,
    params: RouteParams,
    viewer: Viewer,
    request: Request,
    next: Next,
) -> Response {
    let admitted = match viewer.person() {
        Ok(person) => admit(&gate, person, params).await.map_err(PageError),
        Err(error) => Err(error),
    };
    match admitted {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

async fn api_gate(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let caller = match ApiCaller::from_request_parts(&mut parts, &gate).await {
        Ok(ApiCaller(person)) => person,
        Err(refusal) => return refusal.into_response(),
    };
    let params = match RouteParams::from_request_parts(&mut parts, &gate).await {
        Ok(params) => params,
        Err(_) => return ApiError(WebError::BadRequest).into_response(),
    };
    if let Err(refusal) = admit(&gate, &caller, params).await {
        return ApiError(refusal).into_response();
    }
    // The handler reads its caller from here rather than look the token
    // up a second time.
    parts.extensions.insert(ApiCaller(caller));
    next.run(Request::from_parts(parts, body)).await
}

/// Whether `person` may use a route of `gate`'s access, the co-op's being
/// the one the route names.
async fn admit(
    gate: &Gate,
    person: &coopkit_app::records::Person,
    params: RouteParams,
) -> Result<(), WebError> {
    let slug = params.as_ref().and_then(|Path(params)| params.get("slug"));
    match (gate.access, slug) {
        (Access::Anyone | Access::Account, _) => Ok(()),
        (Access::Moderator, _) => Ok(gate.state.app.authorize_moderator(person).await?),
        (Access::Operator, _) => Ok(gate.state.app.authorize_operator(person).await?),
        (Access::Coop(role), Some(slug)) => {
            Ok(gate.state.app.authorize(person, slug, role).await?)
        }
        (Access::Coop(_), None) => Err(WebError::App(coopkit_app::AppError::internal(
            "a co-op's route without {slug}",
        ))),
    }
}
