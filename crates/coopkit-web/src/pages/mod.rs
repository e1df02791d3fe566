//! Server-rendered pages. Handlers call one use case each and render its
//! result; failures go back as [`PageError`] and the viewer middleware
//! renders them.

mod account;
mod accounts;
mod audit_log;
mod availability;
pub(crate) use availability::WEEKDAYS;
mod bookings;
mod catalogue;
mod coop;
mod coop_profile;
mod directory;
mod directory_import;
mod dispatch;
mod forecasts;
mod found;
mod fund;
mod home;
mod languages;
mod ledger;
mod mail;
mod market;
mod moderators;
mod password_reset;
mod patronage;
mod proposals;
mod requests;
mod session;
mod settings;
mod standing;
mod tasks;
mod webhooks;

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use coopkit_app::records::CoopSummary;
use coopkit_app::AppError;
use coopkit_domain::Role;
use serde::Deserialize;

use crate::access::{self, Access};
use crate::error::{PageError, WebError};
use crate::i18n::Tr;
use crate::viewer::{self, Viewer};
use crate::AppState;

pub type PageResult = Result<Response, PageError>;

/// Every page route, each group behind the check of who may use it; the
/// use cases still check roles, but a request from someone without the
/// role is refused before its form is read.
pub fn routes(state: AppState) -> Router<AppState> {
    let member = Access::Coop(Role::Member);
    let coordinator = Access::Coop(Role::Coordinator);
    let admin = Access::Coop(Role::Admin);
    Router::new()
        .merge(open_pages())
        .merge(access::pages(account_actions(), &state, Access::Account))
        .merge(access::pages(member_actions(), &state, member))
        .merge(access::pages(coordinator_pages(), &state, coordinator))
        .merge(access::pages(admin_actions(), &state, admin))
        .merge(access::pages(moderator_pages(), &state, Access::Moderator))
        .merge(access::pages(operator_pages(), &state, Access::Operator))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state, viewer::resolve))
}

/// Pages anyone may read (those with members' business check it in their
/// use case), and the forms of people not yet logged in.
fn open_pages() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/signup", get(session::signup_form).post(session::signup))
        .route("/login", get(session::login_form).post(session::login))
        .route("/lang", post(session::switch_language))
        .route("/account", get(account::show))
        .route("/account/data", get(account::download_data))
        .route("/verify-email/{token}", get(mail::verify))
        .route(
            "/password-reset",
            get(password_reset::ask_form).post(password_reset::ask),
        )
        .route(
            "/password-reset/{token}",
            get(password_reset::choose_form).post(password_reset::choose),
        )
        .route(
            "/unsubscribe/{token}",
            get(mail::unsubscribe_form).post(mail::unsubscribe),
        )
        .route("/calendar/{file}", get(dispatch::calendar_feed))
        .route("/c/{slug}", get(coop::show))
        .route("/c/{slug}/members", get(coop::members))
        .route("/c/{slug}/log", get(audit_log::show))
        .route("/c/{slug}/ledger", get(ledger::show))
        .route("/c/{slug}/ledger/journal", get(ledger::journal))
        .route("/c/{slug}/ledger/checkpoints", get(ledger::checkpoints))
        .route("/c/{slug}/ledger/accounts", get(accounts::show))
        .route("/c/{slug}/requests", get(requests::index))
        .route("/c/{slug}/requests/{id}", get(requests::show))
        .route("/c/{slug}/market", get(market::search))
        .route("/c/{slug}/market/dashboard", get(market::dashboard))
        .route("/c/{slug}/market/tasks", get(tasks::list))
        .route("/c/{slug}/market/profile", get(market::profile))
        .route("/c/{slug}/market/providers/{person}", get(market::provider))
        .route("/c/{slug}/market/help", get(dispatch::help_form))
        .route("/c/{slug}/market/bookings", get(bookings::list))
        .route("/c/{slug}/market/bookings/{id}", get(bookings::show))
        .route("/c/{slug}/proposals", get(proposals::list))
        .route("/c/{slug}/proposals/{id}", get(proposals::show))
        .route("/c/{slug}/proposals/{id}/ballots", get(proposals::ballots))
        .route("/c/{slug}/proposals/{id}/result", get(proposals::result))
        .route("/c/{slug}/forecasts/{id}", get(forecasts::show))
        .route("/c/{slug}/catalogue", get(catalogue::show))
        .route("/c/{slug}/catalogue/new", get(catalogue::new_form))
        .route("/c/{slug}/catalogue/{id}", get(catalogue::item))
        .route("/c/{slug}/catalogue/{id}/preview", get(catalogue::preview))
        .route("/c/{slug}/catalogue/{id}/stream", get(catalogue::stream))
        .route("/c/{slug}/catalogue/{id}/buy", get(catalogue::confirm))
        .route("/c/{slug}/orders", get(catalogue::orders))
        .route("/c/{slug}/orders/{id}/download", get(catalogue::download))
        .route("/c/{slug}/earnings", get(catalogue::earnings))
        .route("/c/{slug}/fund", get(fund::fund))
        .route("/c/{slug}/patronage", get(patronage::show))
        .route("/c/{slug}/patronage/{id}", get(patronage::allocation))
        .route(
            "/c/{slug}/patronage/{id}/statement.csv",
            get(patronage::statement),
        )
        .route("/directory", get(directory::search))
        .route("/directory/map", get(directory::map))
        .route("/directory/org/{id}", get(directory::org))
        .route("/directory/org/{id}/jsonld", get(directory::org_jsonld))
        .route("/directory/import", get(directory_import::import_form))
        .route(
            "/directory/sources/{name}/report.csv",
            get(directory::source_report),
        )
        .route(
            "/directory/sources/{name}/duplicates.csv",
            get(directory::source_duplicates),
        )
        .route("/directory/diff.csv", get(directory::diff))
}

/// What anyone logged in may do, member of a co-op or not.
fn account_actions() -> Router<AppState> {
    Router::new()
        .route("/logout", post(session::logout))
        .route("/account/tokens", post(account::create_token))
        .route("/account/time-zone", post(account::set_time_zone))
        .route("/account/password", post(account::change_password))
        .route("/account/email", post(account::change_email))
        .route("/coops/new", get(found::form).post(found::found))
        .route("/account/delete", post(account::delete_account))
        .route("/account/sessions/{handle}/end", post(account::end_session))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/notifications", get(mail::show).post(mail::save))
        .route("/account/verification", post(mail::resend_verification))
        .route("/c/{slug}/join", post(coop::join))
        .route("/directory/org/{id}/edits", post(directory::suggest))
}

/// What any active member of the co-op may do.
fn member_actions() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/leave", post(coop::leave))
        .route("/c/{slug}/ledger/pay", post(ledger::pay))
        .route("/c/{slug}/requests", post(requests::create))
        .route("/c/{slug}/requests/{id}/pay", post(requests::pay))
        .route("/c/{slug}/market/calendar", post(dispatch::calendar_link))
        .route("/c/{slug}/market/tasks", post(tasks::post))
        .route("/c/{slug}/market/tasks/{id}/{step}", post(tasks::step))
        .route("/c/{slug}/market/profile", post(market::save_profile))
        .route(
            "/c/{slug}/market/providers/{person}/favourite",
            post(dispatch::favourite),
        )
        .route("/c/{slug}/market/help", post(dispatch::post_help))
        .route(
            "/c/{slug}/market/offers/{request}/{answer}",
            post(dispatch::answer),
        )
        .route("/c/{slug}/market/bookings", post(bookings::book))
        .route(
            "/c/{slug}/market/bookings/{id}/feedback",
            post(bookings::feedback),
        )
        .route(
            "/c/{slug}/market/bookings/{id}/messages",
            post(bookings::write),
        )
        .route(
            "/c/{slug}/market/bookings/{id}/answer",
            post(bookings::answer),
        )
        .route("/c/{slug}/market/bookings/{id}/{step}", post(bookings::act))
        .route("/c/{slug}/proposals", post(proposals::create))
        .route("/c/{slug}/proposals/{id}/vote", post(proposals::vote))
        .route(
            "/c/{slug}/proposals/{id}/comments",
            post(proposals::comment),
        )
        .route(
            "/c/{slug}/proposals/{id}/receipt",
            post(proposals::check_receipt),
        )
        .route("/c/{slug}/catalogue/{id}/buy", post(catalogue::buy))
        .route("/c/{slug}/catalogue/{id}/play", post(catalogue::play))
        .route("/c/{slug}/orders/{id}/sent", post(catalogue::mark_sent))
        .route("/c/{slug}/fund/pledges", post(fund::pledge))
        .route("/c/{slug}/fund/projects", post(fund::propose_project))
}

/// What coordinators (and admins) see and do.
fn coordinator_pages() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/approvals", get(coop::approvals))
        .route("/c/{slug}/outbox", get(mail::outbox))
        .route("/c/{slug}/approvals/{membership}", post(coop::decide))
        .route("/c/{slug}/members/{membership}", get(standing::show))
        .route(
            "/c/{slug}/members/{membership}/standing",
            post(standing::change),
        )
        .route("/c/{slug}/ledger/cash-dues", post(accounts::cash_dues))
        .route(
            "/c/{slug}/market/providers/{person}/badges",
            post(market::add_badge),
        )
        .route(
            "/c/{slug}/market/dispatch",
            get(dispatch::board).post(dispatch::run),
        )
        .route("/c/{slug}/forecasts/new", get(forecasts::new_form))
        .route("/c/{slug}/forecasts", post(forecasts::run))
        .route("/c/{slug}/forecasts/{id}/propose", post(forecasts::propose))
        .route("/c/{slug}/catalogue/badges", post(catalogue::save_badge))
        .route("/c/{slug}/fund/returns", post(fund::pay_returns))
        .route("/c/{slug}/patronage/close", post(patronage::close_year))
}

/// What only admins do: the co-op's rules.
fn admin_actions() -> Router<AppState> {
    Router::new()
        .route(
            "/c/{slug}/members/{membership}/role",
            post(coop::change_role),
        )
        .route(
            "/c/{slug}/settings",
            get(settings::show).post(settings::save),
        )
        .route(
            "/c/{slug}/webhooks",
            get(webhooks::show).post(webhooks::add),
        )
        .route("/c/{slug}/webhooks/{id}/{action}", post(webhooks::change))
        .route(
            "/c/{slug}/settings/profile",
            post(coop_profile::save_profile),
        )
        .route(
            "/c/{slug}/settings/classes",
            post(coop_profile::save_classes),
        )
        .route("/c/{slug}/ledger/currencies", post(ledger::define_currency))
        .route("/c/{slug}/ledger/limits", post(accounts::set_limits))
        .route("/c/{slug}/ledger/referral-bonus", post(accounts::set_bonus))
        .route("/c/{slug}/market/categories", post(market::add_category))
        .route("/c/{slug}/proposals/rules", post(proposals::set_rules))
        .route(
            "/c/{slug}/catalogue/settings",
            post(catalogue::save_settings),
        )
        .route(
            "/c/{slug}/catalogue/licences",
            post(catalogue::save_licence),
        )
        .route(
            "/c/{slug}/patronage/settings",
            post(patronage::save_settings),
        )
}

/// The directory's review queue.
fn moderator_pages() -> Router<AppState> {
    Router::new()
        .route("/directory/review", get(directory::review))
        .route("/directory/review/{id}", post(directory::decide_review))
        .route("/directory/edits/{id}", post(directory::decide_edit))
}

/// Running the server.
fn operator_pages() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/moderators",
            get(moderators::show).post(moderators::appoint),
        )
        .route(
            "/admin/moderators/{person}/remove",
            post(moderators::remove),
        )
}

/// Uploaded lists, which are parsed whole: the largest real list coopkit
/// knows is 4 MB.
const LIST_UPLOAD_LIMIT_BYTES: usize = 64 * 1024 * 1024;
/// Uploaded works stream to disk: the largest file a kind of item takes,
/// and room for the form's fields.
const WORK_UPLOAD_LIMIT_BYTES: usize =
    coopkit_app::catalogue::UPLOAD_MAX_BYTES as usize + (1 << 20);

/// Routes that take large bodies: uploads of whole lists and of works. The
/// server's small body limit does not apply to them; each has its own. Who
/// may upload is checked before a byte of the upload is read.
pub fn upload_routes(state: AppState) -> Router<AppState> {
    // The limit wraps the body itself: the form reader streams it, so no
    // extractor's default limit would apply.
    let limited = |routes: Router<AppState>, limit: usize| {
        routes.layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
    };
    let works = Router::new().route("/c/{slug}/catalogue/items", post(catalogue::create));
    let lists = Router::new().route("/directory/import", post(directory_import::import));
    Router::new()
        .merge(limited(
            access::pages(works, &state, Access::Coop(Role::Member)),
            WORK_UPLOAD_LIMIT_BYTES,
        ))
        .merge(limited(
            access::pages(lists, &state, Access::Moderator),
            LIST_UPLOAD_LIMIT_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(state, viewer::resolve))
}

/// A page with a map, whose tiles the page's policy allows.
fn with_map(page: PageResult, state: &AppState) -> PageResult {
    let mut response = page?;
    crate::security::allow_tiles(&mut response, &state.directory.tiles_origin());
    Ok(response)
}

/// A file to save, such as published ballots or a statement.
fn download(file: coopkit_app::governance::Download) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                file.content_type.to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.name),
            ),
        ],
        file.body,
    )
        .into_response()
}

/// Renders a template as a 200 page.
fn render(template: &impl Template) -> PageResult {
    render_with(StatusCode::OK, template)
}

fn render_with(status: StatusCode, template: &impl Template) -> PageResult {
    match template.render() {
        Ok(html) => Ok((status, Html(html)).into_response()),
        Err(error) => {
            tracing::error!(%error, "template failed to render");
            Err(PageError(WebError::App(AppError::internal(
                "template failed",
            ))))
        }
    }
}

/// `?done=…`: what a form just did, for the page it leads back to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

/// The translated message of each field that failed, for a form shown
/// again.
#[derive(Debug, Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    /// The same errors, each shown on the field `rename` says: a form
    /// whose fields are named apart from the use case's.
    fn renamed(self, rename: impl Fn(&str) -> String) -> FormErrors {
        FormErrors(
            self.0
                .into_iter()
                .map(|(field, message)| (rename(&field), message))
                .collect(),
        )
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
    }

    /// Field errors to show on the form, with the status to show them
    /// with; any other failure goes on as a page error.
    fn from_error(error: AppError, tr: &Tr) -> Result<(StatusCode, FormErrors), PageError> {
        // A form sent back with its fields marked is 422, whatever they
        // name; only the API tells apart a well-formed name of what the
        // co-op lacks (409).
        let marked = matches!(error, AppError::Invalid(_));
        let failure = WebError::App(error);
        let details = failure.failure();
        if details.fields.is_empty() {
            return Err(PageError(failure));
        }
        let messages = details
            .fields
            .iter()
            .map(|e| (e.field.clone(), tr.error(e.code)))
            .collect();
        let status = if marked {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            details.status
        };
        Ok((status, FormErrors(messages)))
    }
}

/// The co-op's currency a form names, or an error on its `currency` field.
async fn form_currency(
    state: &AppState,
    slug: &str,
    code: &str,
) -> Result<coopkit_app::records::Currency, AppError> {
    state
        .app
        .currencies(slug)
        .await?
        .into_iter()
        .find(|c| c.code.as_str() == code)
        .ok_or_else(|| AppError::absent("currency", "currency-unknown"))
}

/// The client's address, for per-client login limits: the socket's peer,
/// or behind a trusted proxy the address it forwarded (`client::identify`).
#[derive(Debug)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<crate::client::Client>()
            .map_or_else(|| "unknown".to_owned(), |client| client.addr.to_string());
        Ok(ClientAddr(addr))
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    v: &'a Viewer,
    /// What waits on the person logged in, and their co-ops.
    agenda: Option<home::AgendaView>,
    coops: Vec<CoopSummary>,
    /// The co-ops' headings sit one level below the person's own sections.
    card_level: u8,
}

async fn home(State(state): State<AppState>, v: Viewer) -> PageResult {
    let agenda = match &v.person {
        Some(person) => Some(home::agenda_view(state.app.agenda(person).await?, &v.tr)),
        None => None,
    };
    let coops = state.app.list_coops().await?;
    render(&Home {
        card_level: if agenda.is_some() { 3 } else { 2 },
        v: &v,
        agenda,
        coops,
    })
}

async fn not_found() -> PageError {
    PageError(WebError::App(AppError::NotFound("page")))
}
