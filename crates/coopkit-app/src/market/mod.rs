//! The marketplace's use cases: categories, provider profiles and search.
//! Bookings and feedback are in [`bookings`].

mod bookings;
mod dispatch;
mod profile;
mod tasks;
mod threads;
mod view;

use coopkit_domain::validation::Collector;
use coopkit_domain::{PersonId, Role};
use coopkit_market::matching::Point;
use coopkit_market::{availability, WeeklySlot, Window};
use coopkit_store::{
    Badge, Category, Feedback, Person, ProviderListing, ProviderProfile, ServiceArea,
};

pub use bookings::{
    BookForm, BookingView, FeedbackForm, MarketTick, MonthOfWork, ProviderDashboard,
};
pub use dispatch::{BoardRow, MyRequest, OfferToMe, RequestForm};
pub use tasks::{TaskForm, TaskView};
pub use threads::ThreadView;
pub(crate) use view::MarketView;

use crate::{App, AppError, Result};

/// The longest bio, in characters.
const BIO_MAX: usize = 2000;

/// A service as a provider enters it.
#[derive(Clone, Debug)]
pub struct ServiceForm {
    pub category: String,
    pub currency: String,
    /// In the currency's minor unit, per `unit_minutes`.
    pub price: u64,
    pub unit_minutes: u32,
}

#[derive(Clone, Debug)]
pub struct ProfileForm {
    pub bio: String,
    /// Language codes separated by commas or spaces: `en, es`.
    pub languages: String,
    pub services: Vec<ServiceForm>,
    pub slots: Vec<WeeklySlot>,
    /// Where they work from and how far they travel; the matching engine
    /// offers work only to providers who give one.
    pub area: Option<ServiceArea>,
    /// Whole days away from their usual week.
    pub days_off: Vec<coopkit_domain::Timestamp>,
}

/// The farthest a provider may say they travel.
const RADIUS_MAX_M: u32 = 100_000;

/// Whether a point is on Earth.
pub(crate) fn valid_point(point: Point) -> bool {
    (-90_000_000..=90_000_000).contains(&point.lat_e6)
        && (-180_000_000..=180_000_000).contains(&point.lon_e6)
}

/// How search orders providers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Name,
    /// Those the searcher booked most often first.
    BookedBefore,
    /// The highest share of "would book again" first.
    Rating,
    /// The nearest to `SearchQuery::near` first; those without an area last.
    Distance,
}

#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    pub words: String,
    pub category: String,
    pub language: String,
    /// Only providers whose week covers this window and who are free then.
    pub available: Option<Window>,
    /// Where the service is wanted: distances are measured from here, and
    /// providers whose area does not reach it are left out.
    pub near: Option<Point>,
    pub sort: SortBy,
}

/// What the public (the co-op's members) sees of a provider's feedback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeedbackSummary {
    pub reviews: u32,
    pub would_book_again: u32,
}

impl FeedbackSummary {
    fn of(feedback: &[Feedback]) -> Self {
        FeedbackSummary {
            reviews: u32::try_from(feedback.len()).unwrap_or(u32::MAX),
            would_book_again: u32::try_from(feedback.iter().filter(|f| f.would_book_again).count())
                .unwrap_or(u32::MAX),
        }
    }

    /// Per thousand, for sorting without floats; `None` without reviews.
    pub fn per_mille(self) -> Option<u32> {
        (self.reviews > 0).then(|| self.would_book_again * 1000 / self.reviews)
    }
}

/// A provider in search results.
#[derive(Clone, Debug)]
pub struct ProviderCard {
    pub listing: ProviderListing,
    pub summary: FeedbackSummary,
    /// How many of the searcher's bookings this provider settled.
    pub booked_before: u32,
    /// Metres from the searcher's place to the provider's, when both are known.
    pub metres: Option<u32>,
}

/// The market page: what [`App::market_page`] reads for it.
#[derive(Clone, Debug)]
pub struct MarketPage {
    pub cards: Vec<ProviderCard>,
    pub categories: Vec<Category>,
    pub currencies: Vec<coopkit_ledger::Currency>,
    pub role: Role,
}

/// A provider's page.
#[derive(Clone, Debug)]
pub struct ProviderPage {
    pub listing: ProviderListing,
    pub badges: Vec<Badge>,
    pub summary: FeedbackSummary,
    pub feedback: Vec<Feedback>,
    pub categories: Vec<Category>,
}

fn valid_key(key: &str) -> bool {
    (2..=40).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        && !key.starts_with('-')
}

impl App {
    /// Adds or renames the co-op's categories: admins only.
    pub async fn set_categories(
        &self,
        actor: &Person,
        slug: &str,
        categories: &[(String, String)],
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let mut errors = Collector::new();
        for (i, (key, name)) in categories.iter().enumerate() {
            if !valid_key(key) {
                errors.push(&format!("categories[{i}].key"), "category-key-format");
            }
            if name.trim().is_empty() || name.chars().count() > 60 {
                errors.push(&format!("categories[{i}].name"), "too-long");
            }
        }
        errors.finish()?;
        let categories: Vec<Category> = categories
            .iter()
            .map(|(key, name)| Category {
                key: key.clone(),
                name: name.trim().to_owned(),
            })
            .collect();
        Ok(self
            .store
            .set_categories(coop.id, &categories, Some(actor.id), self.clock.now())
            .await?)
    }

    /// The co-op's service categories, for its members.
    pub async fn categories(&self, actor: &Person, slug: &str) -> Result<Vec<Category>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.categories(coop.id).await?)
    }

    /// The caller's own provider profile in the co-op, if any.
    pub async fn my_profile(&self, actor: &Person, slug: &str) -> Result<Option<ProviderProfile>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.provider(coop.id, actor.id).await?)
    }

    /// Creates or replaces the caller's provider profile: any active
    /// member may offer services.
    pub async fn save_profile(
        &self,
        actor: &Person,
        slug: &str,
        form: ProfileForm,
    ) -> Result<ProviderProfile> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let categories = self.store.categories(coop.id).await?;
        let currencies = self.store.currencies(coop.id).await?;
        let profile = profile::profile_of(
            actor.id,
            &form,
            &coop.settings.time_zone,
            &categories,
            &currencies,
        )?;
        self.store
            .save_provider(coop.id, &profile, self.clock.now())
            .await?;
        Ok(profile)
    }

    /// What the market page shows a member: the providers found, with the
    /// co-op's categories and currencies and the member's role, the co-op
    /// and the membership read once for all of it and the rest from the
    /// co-op's market view (see [`crate::views`]).
    pub async fn market_page(
        &self,
        actor: &Person,
        slug: &str,
        query: &SearchQuery,
    ) -> Result<MarketPage> {
        let coop = self.coop(slug).await?;
        let membership = self.require_role(&coop, actor, Role::Member).await?;
        let view = self.market_view(coop.id).await?;
        Ok(MarketPage {
            cards: self.provider_cards(&coop, &view, actor, query).await?,
            categories: view.categories.clone(),
            currencies: view.currencies.clone(),
            role: membership.role,
        })
    }

    /// Providers of the co-op that match the query.
    async fn provider_cards(
        &self,
        coop: &coopkit_domain::coop::Coop,
        view: &MarketView,
        actor: &Person,
        query: &SearchQuery,
    ) -> Result<Vec<ProviderCard>> {
        let category = Some(query.category.as_str()).filter(|c| !c.is_empty());
        let words: Vec<String> = query
            .words
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut cards = Vec::new();
        for listing in &view.listings {
            let profile = &listing.profile;
            if category.is_some_and(|c| !profile.services.iter().any(|s| s.category == c)) {
                continue;
            }
            let text = format!("{} {}", listing.display_name, profile.bio).to_lowercase();
            if !words.iter().all(|w| text.contains(w.as_str())) {
                continue;
            }
            if !query.language.is_empty() && !profile.languages.contains(&query.language) {
                continue;
            }
            if let Some(window) = query.available {
                let zone = &coop.settings.time_zone;
                let free = availability::available(&profile.slots, &profile.days_off, zone, window)
                    && self
                        .store
                        .overlapping_bookings(coop.id, profile.person, window)
                        .await?
                        .is_empty();
                if !free {
                    continue;
                }
            }
            let metres = query
                .near
                .zip(profile.area)
                .map(|(near, area)| (near.metres_to(area.place), area.radius_m));
            if metres.is_some_and(|(metres, radius)| metres > radius) {
                continue;
            }
            cards.push(ProviderCard {
                metres: metres.map(|(metres, _)| metres),
                summary: view.feedback(profile.person),
                booked_before: view.settled(actor.id, profile.person),
                listing: listing.clone(),
            });
        }
        match query.sort {
            SortBy::Name => {}
            SortBy::BookedBefore => cards.sort_by_key(|c| std::cmp::Reverse(c.booked_before)),
            SortBy::Rating => cards.sort_by_key(|c| std::cmp::Reverse(c.summary.per_mille())),
            SortBy::Distance => cards.sort_by_key(|c| c.metres.unwrap_or(u32::MAX)),
        }
        Ok(cards)
    }

    /// Records that a check made outside coopkit (a background check, a
    /// first-aid course) was done for a provider on `done_on`
    /// (`YYYY-MM-DD`, not in the future). Coordinators only; the badge
    /// names who confirmed it.
    pub async fn confirm_badge(
        &self,
        actor: &Person,
        slug: &str,
        provider: PersonId,
        label: &str,
        done_on: &str,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        if self.store.provider(coop.id, provider).await?.is_none() {
            return Err(AppError::NotFound("provider"));
        }
        let mut errors = Collector::new();
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 80 {
            errors.push("label", "too-long");
        }
        match coop.settings.time_zone.read_date(done_on) {
            Ok(day) if day.as_millis() > self.clock.now().as_millis() => {
                errors.push("done_on", "date-in-future")
            }
            Ok(_) => {}
            Err(code) => errors.push("done_on", code),
        }
        errors.finish()?;
        self.store
            .set_badge(
                coop.id,
                provider,
                label,
                done_on.trim(),
                actor.id,
                self.clock.now(),
            )
            .await?;
        Ok(())
    }

    /// A provider's profile, services, availability and feedback.
    pub async fn provider_page(
        &self,
        actor: &Person,
        slug: &str,
        provider: PersonId,
    ) -> Result<ProviderPage> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let active = self
            .store
            .membership(coop.id, provider)
            .await?
            .is_some_and(|m| m.status.is_active());
        let (Some(profile), Some(person), true) = (
            self.store.provider(coop.id, provider).await?,
            self.store.person(provider).await?,
            active,
        ) else {
            return Err(AppError::NotFound("provider"));
        };
        let listing = ProviderListing {
            profile,
            display_name: person.display_name,
        };
        let feedback = self.store.feedback_for(coop.id, provider).await?;
        Ok(ProviderPage {
            badges: self.store.badges(coop.id, provider).await?,
            listing,
            summary: FeedbackSummary::of(&feedback),
            feedback,
            categories: self.store.categories(coop.id).await?,
        })
    }
}
