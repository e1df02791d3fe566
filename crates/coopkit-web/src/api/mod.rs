//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document at
//! `/api/openapi.json`. Routes are registered through utoipa-axum, so a
//! route cannot exist without its entry in the document.

mod catalogue;
mod contract;
pub(crate) use contract::operations_mut;
mod coops;
mod directory;
pub mod dto;
pub mod extract;
mod fund;
mod governance;
mod help;
mod holds;
mod ledger;
mod market;
pub(crate) use ledger::{journal_download, json_lines};
mod patronage;
mod payment_requests;
mod people;
pub(crate) mod personal_data;
mod places;
mod plays;
mod providers;
mod tasks;
mod threads;
mod webhooks;

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use coopkit_domain::Role;

use crate::access::{self, Access};
use crate::error::{ApiError, WebError};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coopkit",
        description = "Co-ops, members and memberships. Errors are RFC 9457 problem documents.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "coops", description = "Co-ops hosted on this server"),
        (name = "memberships", description = "Joining, leaving, admitting"),
        (name = "people", description = "Accounts and API tokens"),
        (name = "ledger", description = "Currencies, transfers, balances and the verifiable journal"),
        (name = "market", description = "Providers, their services and hours, and bookings of them through their whole life"),
        (name = "governance", description = "Proposals, ballots with receipts, and their counts"),
        (name = "fund", description = "The co-op's fund: pledges, and projects the members vote on"),
        (name = "patronage", description = "Closed years: each member's share of the surplus, and their statements"),
        (name = "catalogue", description = "Works and goods, licences and orders, creators' earnings"),
        (name = "directory", description = "The open-data directory of co-ops"),
        (name = "places", description = "Towns and ZIP codes by name, from the gazetteer coopkit ships"),
        (name = "webhooks", description = "A co-op's events posted to its endpoints, signed as Standard Webhooks says"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's operations, grouped by who may call them.
fn groups() -> [(Access, OpenApiRouter<AppState>); 5] {
    let anyone = OpenApiRouter::new()
        .routes(routes!(coops::list_coops))
        .routes(routes!(coops::get_coop))
        .routes(routes!(people::sign_up))
        .routes(routes!(people::create_token))
        .routes(routes!(people::request_password_reset))
        .routes(routes!(people::reset_password))
        .routes(routes!(ledger::list_currencies))
        .routes(routes!(catalogue::list_items))
        .routes(routes!(catalogue::get_item))
        .routes(routes!(directory::search))
        .routes(routes!(places::find));
    let account = OpenApiRouter::new()
        .routes(routes!(coops::found_coop))
        .routes(routes!(coops::join, coops::leave))
        .routes(routes!(people::me))
        .routes(routes!(personal_data::my_data));
    let members = OpenApiRouter::new()
        .routes(routes!(coops::list_members))
        .routes(routes!(ledger::submit_transfers))
        .routes(routes!(ledger::my_balances))
        .routes(routes!(ledger::my_statement))
        .routes(routes!(ledger::journal))
        .routes(routes!(ledger::checkpoints))
        .routes(routes!(holds::get))
        .routes(routes!(holds::post))
        .routes(routes!(holds::void))
        .routes(routes!(payment_requests::create))
        .routes(routes!(payment_requests::get))
        .routes(routes!(payment_requests::pay))
        .routes(routes!(providers::categories))
        .routes(routes!(providers::search))
        .routes(routes!(providers::provider))
        .routes(routes!(providers::save_profile))
        .routes(routes!(market::list_bookings, market::request_booking))
        .routes(routes!(market::get_booking))
        .routes(routes!(market::step_booking))
        .routes(routes!(market::give_feedback))
        .routes(routes!(market::answer_feedback))
        .routes(routes!(threads::thread, threads::write))
        .routes(routes!(tasks::list_tasks, tasks::post_task))
        .routes(routes!(tasks::step_task))
        .routes(routes!(help::my_requests, help::ask_for_help))
        .routes(routes!(help::my_offers))
        .routes(routes!(help::answer_offer))
        .routes(routes!(governance::list_proposals, governance::propose))
        .routes(routes!(governance::comment))
        .routes(routes!(governance::get_proposal))
        .routes(routes!(governance::cast_ballot))
        .routes(routes!(governance::check_receipt))
        .routes(routes!(fund::get_fund))
        .routes(routes!(fund::pledge))
        .routes(routes!(fund::propose_project))
        .routes(routes!(catalogue::buy, catalogue::my_orders))
        .routes(routes!(catalogue::my_earnings))
        .routes(routes!(plays::play))
        .routes(routes!(plays::to_send))
        .routes(routes!(plays::mark_sent))
        .routes(routes!(patronage::list_years, patronage::close_year))
        .routes(routes!(patronage::get_year))
        .routes(routes!(patronage::my_statement));
    let coordinators = OpenApiRouter::new()
        .routes(routes!(coops::list_applications))
        .routes(routes!(coops::decide_application))
        .routes(routes!(ledger::coop_accounts))
        .routes(routes!(help::dispatch_board))
        .routes(routes!(help::run_matching));
    let admins = OpenApiRouter::new()
        .routes(routes!(coops::update_settings))
        .routes(routes!(coops::change_role))
        .routes(routes!(ledger::define_currency))
        .routes(routes!(ledger::set_limits))
        .routes(routes!(webhooks::add, webhooks::list))
        .routes(routes!(webhooks::remove))
        .routes(routes!(webhooks::pause))
        .routes(routes!(webhooks::resume))
        .routes(routes!(webhooks::deliveries));
    [
        (Access::Anyone, anyone),
        (Access::Account, account),
        (Access::Coop(Role::Member), members),
        (Access::Coop(Role::Coordinator), coordinators),
        (Access::Coop(Role::Admin), admins),
    ]
}

/// Every operation, each group behind its access check (with `state`),
/// and the document describing them all.
fn documented_routes(state: Option<&AppState>) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = groups()
        .into_iter()
        .fold(
            OpenApiRouter::with_openapi(ApiDoc::openapi()),
            |all, (access, group)| all.merge(access::api(group, state, access)),
        )
        .split_for_parts();
    contract::add_common_answers(&mut doc);
    contract::link_created_ids(&mut doc);
    (router, doc)
}

/// The API routes and `/api/openapi.json`.
pub fn routes(state: &AppState) -> Router<AppState> {
    let (router, doc) = documented_routes(Some(state));
    let doc = contract::to_json(&doc);
    router.route("/api/openapi.json", get(move || async move { Json(doc) }))
}

/// The OpenAPI document, generated from the routes' annotations, as JSON.
pub fn openapi() -> serde_json::Value {
    contract::to_json(&documented_routes(None).1)
}

/// The answer for an `/api/` path that matches no route.
pub async fn not_found() -> ApiError {
    ApiError(WebError::App(coopkit_app::AppError::NotFound("route")))
}
