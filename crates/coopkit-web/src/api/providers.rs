//! The marketplace's providers over HTTP: the co-op's categories, search,
//! one provider with their feedback, and the caller's own profile (what
//! they offer, at what price, which hours of the week), as the market's
//! pages offer them (`pages/market.rs`).

use axum::extract::State;
use axum::Json;
use coopkit_app::market::{
    ProfileForm, ProviderCard, ProviderPage, SearchQuery, ServiceForm, SortBy,
};
use coopkit_app::AppError;
use coopkit_domain::{PersonId, Timestamp};
use coopkit_market::matching::Point;
use coopkit_market::provider::{ProviderProfile, ServiceArea};
use coopkit_market::{WeeklySlot, Window};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use super::market::FeedbackDto;
use crate::error::{ApiError, Problem};
use crate::pages::WEEKDAYS;
use crate::AppState;

/// A kind of service the co-op's members offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    /// Lower-case letters and hyphens: `babysitting`.
    pub key: String,
    pub name: String,
}

/// A service at its price.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceDto {
    /// One of the co-op's categories, by key.
    #[schema(pattern = "^[a-z][a-z-]{1,39}$")]
    pub category: String,
    /// One of the co-op's currencies.
    #[schema(pattern = "^[A-Z]{3,8}$")]
    pub currency: String,
    /// In the currency's minor unit, for each `unit_minutes`.
    #[schema(minimum = 1)]
    pub price: u64,
    #[schema(minimum = 1)]
    pub unit_minutes: u32,
}

/// Hours of a week the provider works, in the co-op's time zone.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotDto {
    /// `mon` to `sun`.
    #[schema(pattern = "^(mon|tue|wed|thu|fri|sat|sun)$")]
    pub day: String,
    /// `HH:MM`.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub from: String,
    /// `HH:MM`, after `from`; `24:00` for the end of the day.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub until: String,
}

/// Where a provider works from, and how far they travel.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaDto {
    /// Millionths of a degree.
    #[schema(minimum = -90_000_000, maximum = 90_000_000)]
    pub lat_e6: i32,
    #[schema(minimum = -180_000_000, maximum = 180_000_000)]
    pub lon_e6: i32,
    #[schema(minimum = 1, maximum = 100_000)]
    pub radius_m: u32,
}

/// A provider as the co-op's members see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderDto {
    /// Their person id: the `provider` of a booking.
    pub id: i64,
    pub name: String,
    pub bio: String,
    pub languages: Vec<String>,
    pub services: Vec<ServiceDto>,
    pub slots: Vec<SlotDto>,
    pub area: Option<AreaDto>,
    /// Whole days away, each as its first instant.
    pub days_off: Vec<String>,
    pub reviews: u32,
    /// Of `reviews`, how many would book them again.
    pub would_book_again: u32,
}

/// A provider found: with how often the caller booked them, and how far
/// they are from where the search asked (when both are known).
#[derive(Debug, Serialize, ToSchema)]
pub struct FoundDto {
    #[serde(flatten)]
    pub provider: ProviderDto,
    pub booked_before: u32,
    pub metres: Option<u32>,
}

/// A check a coordinator confirmed for the provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct BadgeDto {
    pub label: String,
    /// `YYYY-MM-DD`.
    pub done_on: String,
    pub confirmed_by: String,
}

/// A provider with their badges and feedback.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderPageDto {
    #[serde(flatten)]
    pub provider: ProviderDto,
    pub badges: Vec<BadgeDto>,
    pub feedback: Vec<FeedbackDto>,
}

/// The caller's profile: what they offer, and when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferDto {
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub bio: String,
    /// ISO 639 codes: `en`, `es`.
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub services: Vec<ServiceDto>,
    #[serde(default)]
    pub slots: Vec<SlotDto>,
    #[serde(default)]
    pub area: Option<AreaDto>,
    /// Any instant of each whole day away (RFC 3339 with an offset).
    #[serde(default)]
    #[schema(value_type = Vec<Instant>)]
    pub days_off: Vec<String>,
}

/// What to search for; every part may be left out.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words in the provider's name or bio.
    pub q: String,
    /// A category's key.
    pub category: String,
    /// An ISO 639 code the provider speaks.
    pub language: String,
    /// With `available_until`: only providers whose week covers this
    /// window and who are not booked in it (RFC 3339 with an offset).
    #[param(format = DateTime)]
    pub available_from: Option<String>,
    #[param(format = DateTime)]
    pub available_until: Option<String>,
    /// Where the service is wanted: a town's name, a ZIP code, or degrees
    /// (`53.48,-2.24`). Providers whose area does not reach it are left out.
    pub near: String,
    /// Most booked by the caller first, the best rated first, or the
    /// nearest first; by name when not given.
    #[param(inline)]
    pub sort: Option<Sort>,
}

/// How search orders the providers it finds.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    Name,
    Booked,
    Rating,
    Distance,
}

/// An instant: RFC 3339 with an offset, such as `2026-12-04T19:00:00Z`.
#[derive(ToSchema)]
#[schema(value_type = String, format = DateTime)]
pub struct Instant(#[allow(dead_code)] String);

fn slot_dto(slot: &WeeklySlot) -> SlotDto {
    let clock = |minute: u16| format!("{:02}:{:02}", minute / 60, minute % 60);
    SlotDto {
        day: WEEKDAYS[usize::from(slot.weekday)].to_owned(),
        from: clock(slot.start_minute),
        until: clock(slot.end_minute),
    }
}

fn provider_dto(profile: ProviderProfile, name: String, card: (u32, u32)) -> ProviderDto {
    ProviderDto {
        id: profile.person.0,
        name,
        bio: profile.bio,
        languages: profile.languages,
        services: profile
            .services
            .into_iter()
            .map(|s| ServiceDto {
                category: s.category,
                currency: s.currency.to_string(),
                price: s.price.amount,
                unit_minutes: s.price.unit_minutes,
            })
            .collect(),
        slots: profile.slots.iter().map(slot_dto).collect(),
        area: profile.area.map(|a| AreaDto {
            lat_e6: a.place.lat_e6,
            lon_e6: a.place.lon_e6,
            radius_m: a.radius_m,
        }),
        days_off: profile.days_off.into_iter().map(instant).collect(),
        reviews: card.0,
        would_book_again: card.1,
    }
}

fn found_dto(card: ProviderCard) -> FoundDto {
    let summary = (card.summary.reviews, card.summary.would_book_again);
    FoundDto {
        provider: provider_dto(card.listing.profile, card.listing.display_name, summary),
        booked_before: card.booked_before,
        metres: card.metres,
    }
}

fn page_dto(page: ProviderPage) -> ProviderPageDto {
    let summary = (page.summary.reviews, page.summary.would_book_again);
    ProviderPageDto {
        provider: provider_dto(page.listing.profile, page.listing.display_name, summary),
        badges: page
            .badges
            .into_iter()
            .map(|b| BadgeDto {
                label: b.label,
                done_on: b.done_on,
                confirmed_by: b.confirmed_by_name,
            })
            .collect(),
        feedback: page.feedback.into_iter().map(Into::into).collect(),
    }
}

fn rfc3339(field: &'static str, text: &str) -> Result<Timestamp, AppError> {
    Timestamp::parse_rfc3339(text).map_err(|code| AppError::invalid(field, code))
}

impl SearchParams {
    fn query(self) -> Result<SearchQuery, AppError> {
        let available = match (self.available_from, self.available_until) {
            (None, None) => None,
            (from, until) => {
                let from = rfc3339("available_from", from.as_deref().unwrap_or_default())?;
                let until = rfc3339("available_until", until.as_deref().unwrap_or_default())?;
                let window = Window::new(from, until)
                    .map_err(|refusal| AppError::invalid("available_until", refusal.code()))?;
                Some(window)
            }
        };
        let near = match self.near.trim() {
            "" => None,
            near => {
                let place = crate::places::read(near, "near")?;
                Some(Point {
                    lat_e6: place.lat_e6,
                    lon_e6: place.lon_e6,
                })
            }
        };
        Ok(SearchQuery {
            words: self.q,
            category: self.category,
            language: self.language.trim().to_ascii_lowercase(),
            available,
            near,
            sort: match self.sort {
                None | Some(Sort::Name) => SortBy::Name,
                Some(Sort::Booked) => SortBy::BookedBefore,
                Some(Sort::Rating) => SortBy::Rating,
                Some(Sort::Distance) => SortBy::Distance,
            },
        })
    }
}

impl OfferDto {
    fn form(self) -> Result<ProfileForm, AppError> {
        let mut slots = Vec::with_capacity(self.slots.len());
        for (i, slot) in self.slots.iter().enumerate() {
            let field = |part: &str| format!("slots[{i}].{part}");
            let weekday = WEEKDAYS
                .iter()
                .position(|d| *d == slot.day)
                .and_then(|d| u8::try_from(d).ok())
                .ok_or_else(|| AppError::invalid(&field("day"), "slot-format"))?;
            let time = |part: &str, text: &str| {
                WeeklySlot::parse_time(text).map_err(|code| AppError::invalid(&field(part), code))
            };
            let (from, until) = (time("from", &slot.from)?, time("until", &slot.until)?);
            let slot = WeeklySlot::new(weekday, from, until)
                .map_err(|code| AppError::invalid(&field("until"), code))?;
            slots.push(slot);
        }
        let mut days_off = Vec::with_capacity(self.days_off.len());
        for day in &self.days_off {
            days_off.push(rfc3339("days_off", day)?);
        }
        Ok(ProfileForm {
            bio: self.bio,
            languages: self.languages.join(","),
            services: self
                .services
                .into_iter()
                .map(|s| ServiceForm {
                    category: s.category,
                    currency: s.currency,
                    price: s.price,
                    unit_minutes: s.unit_minutes,
                })
                .collect(),
            slots,
            area: self.area.map(|a| ServiceArea {
                place: Point {
                    lat_e6: a.lat_e6,
                    lon_e6: a.lon_e6,
                },
                radius_m: a.radius_m,
            }),
            days_off,
        })
    }
}

/// The co-op's categories of service: members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/market/categories", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = Vec<CategoryDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn categories(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<CategoryDto>>, ApiError> {
    let categories = state.app.categories(&person, &slug).await?;
    Ok(Json(
        categories
            .into_iter()
            .map(|c| CategoryDto {
                key: c.key,
                name: c.name,
            })
            .collect(),
    ))
}

/// The co-op's providers that match the search, by name unless sorted
/// otherwise: members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/market/providers", tag = "market",
    operation_id = "search_providers",
    security(("bearer" = [])),
    params(("slug" = String, Path), SearchParams),
    responses(
        (status = 200, body = Vec<FoundDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A window, a place or a sort that cannot be read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<Vec<FoundDto>>, ApiError> {
    let query = params.query()?;
    let page = state.app.market_page(&person, &slug, &query).await?;
    Ok(Json(page.cards.into_iter().map(found_dto).collect()))
}

/// One provider, with the checks confirmed for them and their feedback:
/// members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/market/providers/{id}", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path, description = "The provider's person id")),
    responses(
        (status = 200, body = ProviderPageDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such co-op, or no provider of it by that id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn provider(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<ProviderPageDto>, ApiError> {
    let page = state
        .app
        .provider_page(&person, &slug, PersonId(id))
        .await?;
    Ok(Json(page_dto(page)))
}

/// Sets what the caller offers the co-op's members, and when; it replaces
/// the profile they had; the answer is the provider as the members see
/// them. Any member may offer services.
#[utoipa::path(put, path = "/api/v1/coops/{slug}/market/profile", tag = "market",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = OfferDto,
    responses(
        (status = 200, body = ProviderPageDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Each wrong field by name, such as `services[0].currency`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn save_profile(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(profile): ApiJson<OfferDto>,
) -> Result<Json<ProviderPageDto>, ApiError> {
    state
        .app
        .save_profile(&person, &slug, profile.form()?)
        .await?;
    let page = state.app.provider_page(&person, &slug, person.id).await?;
    Ok(Json(page_dto(page)))
}
