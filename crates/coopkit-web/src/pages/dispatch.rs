//! Requests for help, offers to providers, the coordinators' dispatch
//! board, and favourites.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::market::{BoardRow, OfferToMe, RequestForm};
use coopkit_app::records::{Category, Person};
use coopkit_app::AppError;
use coopkit_market::matching::Point;
use coopkit_places::Gazetteer;
use serde::Deserialize;

use super::languages::{self, LanguageChoice};
use super::market::window_of;
use super::{render_with, DoneQuery, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::params::person_id;
use crate::places;
use crate::viewer::Viewer;
use crate::AppState;

/// Reasons as the engine stored them (`favourite,near:800`), in words.
pub(super) fn reasons_text(codes: &str, tr: &crate::Tr) -> String {
    codes
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| match code.split_once(':') {
            Some(("near", metres)) => tr.distance(metres.parse::<u64>().unwrap_or_default()),
            Some(("needs-work", balance)) => {
                tr.t_args("reason-needs-work", &[("balance", balance)])
            }
            _ => tr.t(&format!("reason-{code}")),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn when(request: &coopkit_app::records::OpenRequest, tr: &crate::Tr) -> String {
    tr.span(&request.request.window.start, &request.request.window.end)
}

#[derive(Template)]
#[template(path = "request_help.html")]
struct HelpPage<'a> {
    v: &'a Viewer,
    slug: String,
    categories: Vec<Category>,
    errors: FormErrors,
    form: HelpFields,
    notice: Option<String>,
    /// The person's own requests still open.
    mine: Vec<MyRequestRow>,
    languages: Vec<LanguageChoice>,
    /// The tiles of the map the place is picked on.
    map: &'a crate::DirectorySettings,
}

/// One of the person's open requests, as the help page lists it.
struct MyRequestRow {
    category: String,
    when: String,
    /// The town nearest the place asked for, so the asker sees what
    /// their words were taken to mean.
    near: Option<String>,
    offered: String,
}

/// The person's open requests: what, when, and how far matching got.
async fn my_request_rows(
    state: &AppState,
    v: &Viewer,
    person: &Person,
    slug: &str,
    categories: &[Category],
) -> Result<Vec<MyRequestRow>, AppError> {
    Ok(state
        .app
        .my_requests(person, slug)
        .await?
        .iter()
        .map(|mine| {
            let key = &mine.request.request.category;
            MyRequestRow {
                category: categories
                    .iter()
                    .find(|c| &c.key == key)
                    .map_or_else(|| key.clone(), |c| c.name.clone()),
                when: when(&mine.request, &v.tr),
                near: {
                    let place = mine.request.request.place;
                    Gazetteer::bundled()
                        .nearest(place.lat_e6, place.lon_e6, 5)
                        .map(|town| town.label)
                },
                offered: v.tr.t_num(
                    "help-offered",
                    "count",
                    i64::try_from(mine.offered).unwrap_or(i64::MAX),
                ),
            }
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HelpFields {
    category: String,
    from: String,
    to: String,
    /// Where: a town's name, a ZIP code, or degrees.
    place: String,
    language: String,
    notes: String,
}

pub async fn help_form(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let person = v.person()?;
    let categories = state.app.categories(person, &slug).await?;
    let page = HelpPage {
        mine: my_request_rows(&state, &v, person, &slug, &categories).await?,
        categories,
        languages: languages::every(),
        notice: (query.done == "posted").then(|| v.tr.t("help-posted")),
        v: &v,
        slug,
        errors: FormErrors::default(),
        form: HelpFields::default(),
        map: &state.directory,
    };
    super::with_map(render_with(StatusCode::OK, &page), &state)
}

pub async fn post_help(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<HelpFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let request = RequestForm {
            category: form.category.clone(),
            window: window_of(&v.tr.zones, &form.from, &form.to)?,
            place: {
                let place = places::locate(&state.app, &form.place, "place").await?;
                Point {
                    lat_e6: place.lat_e6,
                    lon_e6: place.lon_e6,
                }
            },
            language: form.language.clone(),
            notes: form.notes.clone(),
        };
        state.app.post_request(person, &slug, request).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/market/help?done=posted")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let categories = state.app.categories(person, &slug).await?;
            let page = HelpPage {
                mine: my_request_rows(&state, &v, person, &slug, &categories).await?,
                categories,
                languages: languages::every(),
                v: &v,
                slug,
                errors,
                form,
                notice: None,
                map: &state.directory,
            };
            super::with_map(render_with(status, &page), &state)
        }
    }
}

/// An offer as the provider's page shows it.
pub(super) struct OfferRow {
    pub request: i64,
    pub requester: String,
    pub when: String,
    pub category: String,
    pub notes: String,
    pub reasons: String,
}

pub(super) fn offer_rows(offers: Vec<OfferToMe>, tr: &crate::Tr) -> Vec<OfferRow> {
    offers
        .into_iter()
        .map(|o| OfferRow {
            request: o.request.id.0,
            when: when(&o.request, tr),
            requester: o.requester_name,
            category: o.request.request.category.clone(),
            notes: o.request.request.notes.clone(),
            reasons: reasons_text(&o.offer.reasons, tr),
        })
        .collect()
}

/// A provider's answer to an offer: `/c/{slug}/market/offers/{request}/{yes|no}`.
pub async fn answer(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, request, answer)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let person = v.person()?;
    let accept = match answer.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::NotFound("page").into()),
    };
    let request = request
        .parse()
        .map(coopkit_app::records::HelpRequestId)
        .map_err(|_| AppError::NotFound("offer"))?;
    match state
        .app
        .answer_offer(person, &slug, request, accept)
        .await?
    {
        Some(booking) => {
            Ok(Redirect::to(&format!("/c/{slug}/market/bookings/{}", booking.id)).into_response())
        }
        None => Ok(Redirect::to(&format!("/c/{slug}/market/bookings")).into_response()),
    }
}

struct BoardView {
    requester: String,
    when: String,
    category: String,
    /// (provider, reasons in words, answer in words).
    offers: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage<'a> {
    v: &'a Viewer,
    slug: String,
    rows: Vec<BoardView>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    offered: Option<usize>,
}

pub async fn board(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<BoardQuery>,
) -> PageResult {
    let person = v.person()?;
    let rows = state
        .app
        .dispatch_board(person, &slug)
        .await?
        .into_iter()
        .map(|row: BoardRow| BoardView {
            when: when(&row.request, &v.tr),
            category: row.request.request.category.clone(),
            requester: row.requester_name,
            offers: row
                .offers
                .into_iter()
                .map(|(name, offer)| {
                    (
                        name,
                        reasons_text(&offer.reasons, &v.tr),
                        v.tr.t(&format!("offer-{}", offer.answer.as_str())),
                    )
                })
                .collect(),
        })
        .collect();
    let notice = query.offered.map(|count| {
        v.tr.t_num(
            "dispatch-offered",
            "count",
            i64::try_from(count).unwrap_or(i64::MAX),
        )
    });
    render_with(
        StatusCode::OK,
        &DispatchPage {
            v: &v,
            slug,
            rows,
            notice,
        },
    )
}

pub async fn run(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let person = v.person()?;
    let offered = state.app.run_matching(person, &slug).await?;
    Ok(Redirect::to(&format!("/c/{slug}/market/dispatch?offered={offered}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FavouriteForm {
    favourite: String,
}

pub async fn favourite(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, provider)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<FavouriteForm>,
) -> PageResult {
    let person = v.person()?;
    let id = person_id(&provider, "provider")?;
    state
        .app
        .set_favourite(person, &slug, id, form.favourite == "yes")
        .await?;
    Ok(Redirect::to(&format!("/c/{slug}/market/providers/{provider}")).into_response())
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage<'a> {
    v: &'a Viewer,
    slug: String,
    link: String,
}

/// Makes the caller a new private calendar link and shows it, once.
pub async fn calendar_link(
    State(state): State<AppState>,
    v: Viewer,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let person = v.person()?;
    let secret = state.app.new_calendar_secret(person, &slug).await?;
    let link = format!(
        "{}/calendar/{secret}.ics",
        crate::public_base(&state, &headers)
    );
    render_with(StatusCode::OK, &CalendarPage { v: &v, slug, link })
}

/// The feed behind a calendar link.
pub async fn calendar_feed(State(state): State<AppState>, Path(file): Path<String>) -> PageResult {
    let secret = file
        .strip_suffix(".ics")
        .ok_or(AppError::NotFound("calendar"))?;
    let body = state.app.calendar_feed(secret).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response())
}
