//! The marketplace's pages: search, a provider's page with the booking
//! form, the member's own provider profile, and the co-op's categories.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::market::{ProfileForm, ProviderCard, SearchQuery, ServiceForm, SortBy};
use coopkit_app::records::{Category, Currency, Person, ProviderProfile, ServiceArea};
use coopkit_app::AppError;
use coopkit_domain::{format_minor_units, parse_minor_units};
use coopkit_market::matching::Point;
use coopkit_market::Window;
use coopkit_places::Gazetteer;
use serde::Deserialize;

use super::availability::{rows_of, rows_sent, slot_text, slots_of, weekdays, SlotRow};
use super::languages::{self, LanguageChoice, LanguagePicker};
use super::{render_with, FormErrors, PageResult};
use crate::forms::{CsrfForm, Fields};
use crate::params::person_id;
use crate::places;
use crate::viewer::Viewer;
use crate::zones::Zones;
use crate::AppState;

/// A service as a page shows it: "Babysitting · 1 Half hour per 30 min".
pub(super) struct ServiceRow {
    pub category: String,
    pub category_name: String,
    pub price: String,
}

pub(super) fn service_rows(
    profile: &ProviderProfile,
    categories: &[Category],
    currencies: &[Currency],
    tr: &crate::Tr,
) -> Vec<ServiceRow> {
    profile
        .services
        .iter()
        .map(|s| {
            let currency = currencies.iter().find(|c| c.code == s.currency);
            let scale = currency.map_or(0, |c| u32::from(c.scale));
            ServiceRow {
                category: s.category.clone(),
                category_name: categories
                    .iter()
                    .find(|c| c.key == s.category)
                    .map_or_else(|| s.category.clone(), |c| c.name.clone()),
                price: tr.t_args(
                    "market-price",
                    &[
                        ("amount", &tr.amount(s.price.amount, scale)),
                        (
                            "currency",
                            &currency.map_or(s.currency.to_string(), |c| c.name.clone()),
                        ),
                        ("minutes", &s.price.unit_minutes.to_string()),
                    ],
                ),
            }
        })
        .collect()
}

/// A provider as the search lists them.
struct CardRow {
    card: ProviderCard,
    services: Vec<ServiceRow>,
    /// The languages they speak, by their own names.
    languages: String,
    /// How far they are from the place searched near, in words.
    distance: Option<String>,
}

#[derive(Template)]
#[template(path = "market.html")]
struct MarketPage<'a> {
    v: &'a Viewer,
    slug: String,
    categories: Vec<Category>,
    cards: Vec<CardRow>,
    languages: Vec<LanguageChoice>,
    query: MarketQuery,
    is_admin: bool,
    is_coordinator: bool,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MarketQuery {
    pub q: String,
    pub category: String,
    pub language: String,
    pub from: String,
    pub to: String,
    pub sort: String,
    /// Near where: a town's name, a ZIP code, or degrees.
    pub near: String,
}

pub async fn search(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<MarketQuery>,
) -> PageResult {
    let person = v.person()?;
    let mut errors = FormErrors::default();
    let available = if query.from.is_empty() && query.to.is_empty() {
        None
    } else {
        match window_of(&v.tr.zones, &query.from, &query.to) {
            Ok(window) => Some(window),
            Err(error) => {
                errors = FormErrors::from_error(error, &v.tr)?.1;
                None
            }
        }
    };
    let near = if query.near.trim().is_empty() {
        None
    } else {
        match places::read(&query.near, "near") {
            Ok(place) => Some(Point {
                lat_e6: place.lat_e6,
                lon_e6: place.lon_e6,
            }),
            Err(error) => {
                errors = FormErrors::from_error(error, &v.tr)?.1;
                None
            }
        }
    };
    let search = SearchQuery {
        near,
        words: query.q.clone(),
        category: query.category.clone(),
        language: query.language.trim().to_ascii_lowercase(),
        available,
        sort: match query.sort.as_str() {
            "booked" => SortBy::BookedBefore,
            "rating" => SortBy::Rating,
            "distance" => SortBy::Distance,
            _ => SortBy::Name,
        },
    };
    let coopkit_app::market::MarketPage {
        cards,
        categories,
        currencies,
        role,
    } = state.app.market_page(person, &slug, &search).await?;
    let cards = cards
        .into_iter()
        .map(|card| CardRow {
            services: service_rows(&card.listing.profile, &categories, &currencies, &v.tr),
            languages: languages::names(&card.listing.profile.languages),
            distance: card.metres.map(|m| v.tr.distance(u64::from(m))),
            card,
        })
        .collect();
    render_with(
        StatusCode::OK,
        &MarketPage {
            v: &v,
            slug,
            categories,
            cards,
            languages: languages::every(),
            query,
            is_admin: role.can_change_settings(),
            is_coordinator: role.can_decide_applications(),
            errors,
        },
    )
}

/// A booking window from two `datetime-local` fields, read in the
/// co-op's zone.
pub(super) fn window_of(zones: &Zones, from: &str, to: &str) -> Result<Window, AppError> {
    let start = zones.read_wall_clock("from", from)?;
    let end = zones.read_wall_clock("to", to)?;
    Window::new(start, end).map_err(|refusal| AppError::invalid("to", refusal.code()))
}

#[derive(Template)]
#[template(path = "provider.html")]
struct ProviderView<'a> {
    v: &'a Viewer,
    slug: String,
    page: coopkit_app::market::ProviderPage,
    services: Vec<ServiceRow>,
    /// The languages they speak, by their own names.
    languages: String,
    slots: String,
    is_self: bool,
    is_favourite: bool,
    is_coordinator: bool,
    errors: FormErrors,
    from: String,
    to: String,
}

pub async fn provider(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, provider)): Path<(String, String)>,
) -> PageResult {
    let view = provider_view(&state, &v, slug, &provider, FormErrors::default(), "", "").await?;
    render_with(StatusCode::OK, &view)
}

pub(super) async fn provider_view<'a>(
    state: &AppState,
    v: &'a Viewer,
    slug: String,
    provider: &str,
    errors: FormErrors,
    from: &str,
    to: &str,
) -> Result<impl Template + 'a, crate::error::PageError> {
    let person = v.person()?;
    let provider = person_id(provider, "provider")?;
    let page = state.app.provider_page(person, &slug, provider).await?;
    let currencies = state.app.currencies(&slug).await?;
    Ok(ProviderView {
        services: service_rows(&page.listing.profile, &page.categories, &currencies, &v.tr),
        languages: languages::names(&page.listing.profile.languages),
        slots: slot_text(&page.listing.profile.slots, &v.tr),
        is_self: provider == person.id,
        is_coordinator: state
            .app
            .role_in(person, &slug)
            .await?
            .can_decide_applications(),
        is_favourite: state
            .app
            .my_favourites(person, &slug)
            .await?
            .contains(&provider),
        v,
        slug,
        page,
        errors,
        from: from.to_owned(),
        to: to.to_owned(),
    })
}

#[derive(Template)]
#[template(path = "market_profile.html")]
struct ProfilePage<'a> {
    v: &'a Viewer,
    slug: String,
    rows: Vec<ServiceLine>,
    currencies: Vec<Currency>,
    bio: String,
    languages: LanguagePicker,
    /// The weekly availability picker's rows, and the days it offers.
    slot_rows: Vec<SlotRow>,
    weekdays: Vec<(&'static str, String)>,
    /// The area's place (a town's name or degrees) and radius (km), as
    /// typed.
    area: (String, String),
    /// One `YYYY-MM-DD` a line.
    days_off: String,
    errors: FormErrors,
    notice: Option<String>,
    /// The tiles of the map the area's place is picked on.
    map: &'a crate::DirectorySettings,
}

/// A category's line of the profile form, as shown or as typed.
struct ServiceLine {
    key: String,
    name: String,
    price: String,
    /// The currency's code.
    currency: String,
    unit_minutes: String,
}

/// A service area as the form shows it: its place by the town's name when
/// it was saved as that town (so saving again keeps it), else as degrees.
fn area_fields(area: Option<ServiceArea>) -> (String, String) {
    let degrees = |e6: i32| {
        let sign = if e6 < 0 { "-" } else { "" };
        format!(
            "{sign}{}",
            format_minor_units(i64::from(e6.unsigned_abs()), 6)
        )
    };
    area.map_or_else(Default::default, |a| {
        let Point { lat_e6, lon_e6 } = a.place;
        let place = Gazetteer::bundled()
            .nearest(lat_e6, lon_e6, 1)
            .filter(|town| (town.lat_e6, town.lon_e6) == (lat_e6, lon_e6))
            .map_or_else(
                || format!("{}, {}", degrees(lat_e6), degrees(lon_e6)),
                |town| town.label,
            );
        (place, format_minor_units(i64::from(a.radius_m), 3))
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileQuery {
    done: String,
}

pub async fn profile(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<ProfileQuery>,
) -> PageResult {
    let person = v.person()?;
    let mine = state.app.my_profile(person, &slug).await?;
    let categories = state.app.categories(person, &slug).await?;
    let currencies = state.app.currencies(&slug).await?;
    let rows = categories
        .iter()
        .map(|c| {
            let service = mine
                .as_ref()
                .and_then(|p| p.services.iter().find(|s| s.category == c.key));
            let scale = |code: &coopkit_ledger::CurrencyCode| {
                currencies
                    .iter()
                    .find(|x| x.code == *code)
                    .map_or(0, |x| u32::from(x.scale))
            };
            ServiceLine {
                key: c.key.clone(),
                name: c.name.clone(),
                price: service.map_or_else(String::new, |s| {
                    v.tr.amount(s.price.amount, scale(&s.currency))
                }),
                currency: service.map_or_else(String::new, |s| s.currency.to_string()),
                unit_minutes: service
                    .map_or_else(|| "60".to_owned(), |s| s.price.unit_minutes.to_string()),
            }
        })
        .collect();
    let page = ProfilePage {
        v: &v,
        slug,
        rows,
        currencies,
        bio: mine.as_ref().map(|p| p.bio.clone()).unwrap_or_default(),
        languages: LanguagePicker::new(mine.as_ref().map_or(&[][..], |p| &p.languages)),
        slot_rows: rows_of(mine.as_ref().map_or(&[][..], |p| &p.slots)),
        weekdays: weekdays(&v.tr),
        area: area_fields(mine.as_ref().and_then(|p| p.area)),
        days_off: mine
            .as_ref()
            .map(|p| {
                p.days_off
                    .iter()
                    .map(|d| v.tr.zones.forms().date(*d))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        errors: FormErrors::default(),
        notice: (query.done == "saved").then(|| v.tr.t("market-profile-saved")),
        map: &state.directory,
    };
    super::with_map(render_with(StatusCode::OK, &page), &state)
}

pub async fn save_profile(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let form = profile_form(&state, &v, person, &slug, &fields).await?;
        state.app.save_profile(person, &slug, form).await
    }
    .await;
    let error = match outcome {
        Ok(_) => {
            let saved = format!("/c/{slug}/market/profile?done=saved");
            return Ok(Redirect::to(&saved).into_response());
        }
        Err(error) => error,
    };
    let (status, errors) = FormErrors::from_error(error, &v.tr)?;
    let field = |name: &str| fields.get(name).to_owned();
    let rows = state
        .app
        .categories(person, &slug)
        .await?
        .into_iter()
        .map(|c| ServiceLine {
            price: field(&format!("price_{}", c.key)),
            currency: field(&format!("currency_{}", c.key)),
            unit_minutes: field(&format!("unit_{}", c.key)),
            key: c.key,
            name: c.name,
        })
        .collect();
    let page = ProfilePage {
        v: &v,
        currencies: state.app.currencies(&slug).await?,
        slug,
        rows,
        bio: field("bio"),
        languages: LanguagePicker::new(&languages::sent(&fields)),
        slot_rows: rows_sent(&fields),
        weekdays: weekdays(&v.tr),
        area: (field("place"), field("radius_km")),
        days_off: field("days_off"),
        errors,
        notice: None,
        map: &state.directory,
    };
    super::with_map(render_with(status, &page), &state)
}

/// The profile form as the use case takes it: a service for each
/// category given a price, amounts in the reader's notation, slots and
/// days away one a line.
async fn profile_form(
    state: &AppState,
    v: &Viewer,
    person: &Person,
    slug: &str,
    fields: &Fields,
) -> Result<ProfileForm, AppError> {
    let categories = state.app.categories(person, slug).await?;
    let currencies = state.app.currencies(slug).await?;
    let mut services = Vec::new();
    for category in &categories {
        let name = |part: &str| format!("{part}_{}", category.key);
        let price = fields.get(&name("price"));
        if price.trim().is_empty() {
            continue;
        }
        let code = fields.get(&name("currency"));
        let currency = currencies
            .iter()
            .find(|c| c.code.as_str() == code)
            .ok_or_else(|| AppError::absent(&name("currency"), "currency-unknown"))?;
        let amount =
            v.tr.parse_amount(price, currency.scale)
                .map_err(|code| AppError::invalid(&name("price"), code))?;
        let unit_minutes = fields
            .get(&name("unit"))
            .trim()
            .parse()
            .map_err(|_| AppError::invalid(&name("unit"), "unit-minutes-range"))?;
        services.push(ServiceForm {
            category: category.key.clone(),
            currency: code.to_owned(),
            price: amount,
            unit_minutes,
        });
    }
    Ok(ProfileForm {
        bio: fields.get("bio").to_owned(),
        languages: languages::sent(fields).join(", "),
        services,
        slots: slots_of(&rows_sent(fields))?,
        area: area_of(&state.app, fields.get("place"), fields.get("radius_km")).await?,
        days_off: fields
            .get("days_off")
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|day| v.tr.zones.read_date("days_off", day))
            .collect::<Result<_, _>>()?,
    })
}

/// A service area from its two fields; both empty: none.
async fn area_of(
    app: &coopkit_app::App,
    place: &str,
    radius_km: &str,
) -> Result<Option<ServiceArea>, AppError> {
    if [place, radius_km].iter().all(|f| f.trim().is_empty()) {
        return Ok(None);
    }
    let place = places::locate(app, place, "place").await?;
    let radius_m = parse_minor_units(radius_km, 3)
        .ok()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| AppError::invalid("radius_km", "radius-range"))?;
    Ok(Some(ServiceArea {
        place: Point {
            lat_e6: place.lat_e6,
            lon_e6: place.lon_e6,
        },
        radius_m,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BadgeForm {
    label: String,
    done_on: String,
}

/// A coordinator confirms a check for a provider.
pub async fn add_badge(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, provider)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<BadgeForm>,
) -> PageResult {
    let person = v.person()?;
    let id = person_id(&provider, "provider")?;
    match state
        .app
        .confirm_badge(person, &slug, id, &form.label, &form.done_on)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/c/{slug}/market/providers/{provider}")).into_response())
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let view = provider_view(&state, &v, slug, &provider, errors, "", "").await?;
            render_with(status, &view)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CategoryForm {
    key: String,
    name: String,
}

/// Adds a category (admins), from the market page.
pub async fn add_category(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> PageResult {
    let person = v.person()?;
    let key = form.key.trim().to_ascii_lowercase();
    state
        .app
        .set_categories(person, &slug, &[(key, form.name)])
        .await
        .map_err(|error| match error {
            // Name the form's fields, not the list's.
            AppError::Invalid(invalid) => AppError::Invalid(coopkit_domain::Invalid(
                invalid
                    .0
                    .into_iter()
                    .map(|e| {
                        let field = if e.field.ends_with(".key") {
                            "key"
                        } else {
                            "name"
                        };
                        coopkit_domain::FieldError::new(field, e.code)
                    })
                    .collect(),
            )),
            other => other,
        })?;
    Ok(Redirect::to(&format!("/c/{slug}/market")).into_response())
}

/// A bar of the hours chart: its month, height and place, in SVG units.
struct Bar {
    month: String,
    hours: String,
    x: usize,
    y: u64,
    height: u64,
}

/// A month of work as the table shows it.
struct MonthRow {
    month: String,
    hours: String,
    earned: String,
    cash: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    v: &'a Viewer,
    slug: String,
    months: Vec<MonthRow>,
    bars: Vec<Bar>,
    chart_width: usize,
    repeat_clients: Vec<(String, u32)>,
}

/// The chart's drawing height, in SVG units.
const CHART_HEIGHT: u64 = 120;
const BAR_STEP: usize = 48;

/// The caller's work as a provider: hours and earnings by month, with a
/// chart, and the clients who came back.
pub async fn dashboard(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let person = v.person()?;
    let dashboard = state.app.provider_dashboard(person, &slug).await?;
    let currencies = state.app.currencies(&slug).await?;
    let amounts = |totals: &[(String, u64)]| {
        totals
            .iter()
            .map(|(code, amount)| {
                let currency = currencies.iter().find(|c| c.code.as_str() == code);
                let scale = currency.map_or(0, |c| u32::from(c.scale));
                let name = currency.map_or(code.as_str(), |c| c.name.as_str());
                format!("{} {name}", v.tr.amount(*amount, scale))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hours = |minutes: u64| v.tr.amount(minutes * 100 / 60, 2_u32);
    let most = dashboard
        .months
        .iter()
        .map(|m| m.minutes)
        .max()
        .unwrap_or(0)
        .max(1);
    let bars = dashboard
        .months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let height = m.minutes * CHART_HEIGHT / most;
            Bar {
                month: m.month.clone(),
                hours: hours(m.minutes),
                x: i * BAR_STEP + 8,
                y: CHART_HEIGHT - height + 10,
                height,
            }
        })
        .collect::<Vec<_>>();
    let months = dashboard
        .months
        .iter()
        .map(|m| MonthRow {
            month: m.month.clone(),
            hours: hours(m.minutes),
            earned: amounts(&m.earned),
            cash: amounts(&m.cash),
        })
        .collect();
    render_with(
        StatusCode::OK,
        &DashboardPage {
            v: &v,
            slug,
            months,
            chart_width: bars.len() * BAR_STEP + 16,
            bars,
            repeat_clients: dashboard.repeat_clients,
        },
    )
}
