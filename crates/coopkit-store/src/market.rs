//! The marketplace's records: categories, provider profiles and their
//! badges. Bookings and their feedback are in `bookings.rs`.

use std::collections::HashMap;

use coopkit_domain::{
    CoopId, Event, Happened, MembershipStatus, PersonId, SettingsPart, Timestamp,
};
use coopkit_ledger::CurrencyCode;
use coopkit_market::matching::Point;
use coopkit_market::{Price, WeeklySlot};

use crate::error::Conflict;
use crate::events::{compare_and_set, record_events};
use crate::{on_pool, sql_words, BeginWrite, Result, Store, StoreError};

pub use coopkit_market::{Badge, Category, ProviderListing, ProviderProfile, Service, ServiceArea};

/// A provider row: person, bio, languages, latitude, longitude, radius.
#[derive(sqlx::FromRow)]
struct ProviderRow {
    person_id: i64,
    bio: String,
    /// Comma-separated language codes.
    languages: String,
    lat_e6: Option<i64>,
    lon_e6: Option<i64>,
    radius_m: i64,
}

/// A provider row and the provider's display name.
#[derive(sqlx::FromRow)]
struct ListingRow {
    #[sqlx(flatten)]
    provider: ProviderRow,
    display_name: String,
}

pub(crate) fn to_i64(value: u64, column: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} {value} exceeds i64")))
}

/// Inserts a profile's services, weekly slots and days away, inside the
/// transaction that replaced the profile; one text for both engines.
macro_rules! insert_provider_details {
    ($tx:ident, $coop:expr, $person:expr, $profile:expr) => {
    for service in &$profile.services {
        sqlx::query(
            "INSERT INTO provider_service (coop_id, person_id, category, currency, price, unit_minutes) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($coop.0)
        .bind($person)
        .bind(&service.category)
        .bind(service.currency.as_str())
        .bind(to_i64(service.price.amount, "price")?)
        .bind(i64::from(service.price.unit_minutes))
        .execute(&mut *$tx)
        .await
        .map_err(StoreError::conflict_as(Conflict::Service))?;
    }
    for slot in &$profile.slots {
        sqlx::query(
            "INSERT INTO provider_slot (coop_id, person_id, weekday, start_minute, end_minute) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($coop.0)
        .bind($person)
        .bind(i64::from(slot.weekday))
        .bind(i64::from(slot.start_minute))
        .bind(i64::from(slot.end_minute))
        .execute(&mut *$tx)
        .await
        .map_err(StoreError::conflict_as(Conflict::Slot))?;
    }
    for day in &$profile.days_off {
        sqlx::query(
            "INSERT INTO provider_day_off (coop_id, person_id, day) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind($coop.0)
        .bind($person)
        .bind(day.as_millis())
        .execute(&mut *$tx)
        .await?;
    }
    };
}

impl Store {
    /// Adds the categories, renaming those whose key exists.
    pub async fn set_categories(
        &self,
        coop: CoopId,
        categories: &[Category],
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<()> {
        let changed = Event::SettingsChanged {
            coop,
            part: SettingsPart::Categories,
        };
        let happened = [Happened::new(coop, by, now, changed)];
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for category in categories {
                sqlx::query(
                    "INSERT INTO market_category (coop_id, key, name) VALUES ($1, $2, $3) \
                     ON CONFLICT (coop_id, key) DO UPDATE SET name = excluded.name",
                )
                .bind(coop.0)
                .bind(&category.key)
                .bind(&category.name)
                .execute(&mut *tx)
                .await?;
            }
            record_events!(tx, &happened);
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn categories(&self, coop: CoopId) -> Result<Vec<Category>> {
        let rows: Vec<CategoryRow> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT key, name FROM market_category WHERE coop_id = $1 ORDER BY name")
                .bind(coop.0)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| Category {
                key: row.key,
                name: row.name,
            })
            .collect())
    }

    /// Creates or replaces a member's provider profile, services and
    /// availability in one transaction.
    pub async fn save_provider(
        &self,
        coop: CoopId,
        profile: &ProviderProfile,
        now: Timestamp,
    ) -> Result<()> {
        let person = profile.person.0;
        let saved = Event::ProviderProfileSaved {
            provider: profile.person,
        };
        let happened = [Happened::new(coop, Some(profile.person), now, saved)];
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO provider (coop_id, person_id, bio, languages, updated_at, lat_e6, lon_e6, radius_m) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (coop_id, person_id) DO UPDATE SET bio = excluded.bio, \
                 languages = excluded.languages, updated_at = excluded.updated_at, \
                 lat_e6 = excluded.lat_e6, lon_e6 = excluded.lon_e6, radius_m = excluded.radius_m",
            )
            .bind(coop.0)
            .bind(person)
            .bind(&profile.bio)
            .bind(profile.languages.join(","))
            .bind(now.as_millis())
            .bind(profile.area.map(|a| i64::from(a.place.lat_e6)))
            .bind(profile.area.map(|a| i64::from(a.place.lon_e6)))
            .bind(profile.area.map_or(0, |a| i64::from(a.radius_m)))
            .execute(&mut *tx)
            .await?;
            for table in ["provider_service", "provider_slot", "provider_day_off"] {
                sqlx::query(&format!(
                    "DELETE FROM {table} WHERE coop_id = $1 AND person_id = $2"
                ))
                .bind(coop.0)
                .bind(person)
                .execute(&mut *tx)
                .await?;
            }
            insert_provider_details!(tx, coop, person, profile);
            record_events!(tx, &happened);
            tx.commit().await?;
            Ok(())
        })
    }

    /// The active providers of a co-op, with their services and slots, by
    /// name. Search narrows these further, in memory.
    pub async fn providers(&self, coop: CoopId) -> Result<Vec<ProviderListing>> {
        let rows: Vec<ListingRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                    "SELECT p.person_id, p.bio, p.languages, p.lat_e6, p.lon_e6, p.radius_m, person.display_name \
                     FROM provider p JOIN person ON person.id = p.person_id \
                     JOIN membership m ON m.coop_id = p.coop_id AND m.person_id = p.person_id AND m.status = {active} \
                     WHERE p.coop_id = $1 \
                     ORDER BY person.display_name, p.person_id",
                    active = sql_words([MembershipStatus::Active.as_str()])
                ))
                .bind(coop.0)
                .fetch_all(pool)
                .await
        })?;
        let mut details = self.provider_details(coop, None).await?;
        Ok(rows
            .into_iter()
            .map(|row| ProviderListing {
                profile: profile_from(row.provider, &mut details),
                display_name: row.display_name,
            })
            .collect())
    }

    /// One member's provider profile in a co-op, if they have one.
    pub async fn provider(
        &self,
        coop: CoopId,
        person: PersonId,
    ) -> Result<Option<ProviderProfile>> {
        let row: Option<ProviderRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, bio, languages, lat_e6, lon_e6, radius_m FROM provider \
                 WHERE coop_id = $1 AND person_id = $2",
            )
            .bind(coop.0)
            .bind(person.0)
            .fetch_optional(pool)
            .await
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut details = self.provider_details(coop, Some(person)).await?;
        Ok(Some(profile_from(row, &mut details)))
    }

    /// Each provider's services and slots, by person.
    async fn provider_details(&self, coop: CoopId, person: Option<PersonId>) -> Result<Details> {
        let who = person.map_or(0, |p| p.0);
        let services: Vec<ServiceRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, category, currency, price, unit_minutes FROM provider_service \
                 WHERE coop_id = $1 AND ($2 = 0 OR person_id = $2) ORDER BY person_id, category",
            )
            .bind(coop.0)
            .bind(who)
            .fetch_all(pool)
            .await
        })?;
        let slots: Vec<SlotRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, weekday, start_minute, end_minute FROM provider_slot \
                 WHERE coop_id = $1 AND ($2 = 0 OR person_id = $2) ORDER BY person_id, weekday, start_minute",
            )
            .bind(coop.0)
            .bind(who)
            .fetch_all(pool)
            .await
        })?;
        let days_off: Vec<DayOffRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, day FROM provider_day_off \
                 WHERE coop_id = $1 AND ($2 = 0 OR person_id = $2) ORDER BY person_id, day",
            )
            .bind(coop.0)
            .bind(who)
            .fetch_all(pool)
            .await
        })?;
        let mut details = Details::new();
        for row in services {
            let (person, service) = row.decode()?;
            details.entry(person).or_default().services.push(service);
        }
        for row in slots {
            let (person, slot) = row.decode()?;
            details.entry(person).or_default().slots.push(slot);
        }
        for off in days_off {
            details
                .entry(PersonId(off.person_id))
                .or_default()
                .days_off
                .push(Timestamp(off.day));
        }
        Ok(details)
    }
}

#[derive(sqlx::FromRow)]
struct CategoryRow {
    key: String,
    name: String,
}

#[derive(sqlx::FromRow)]
struct ServiceRow {
    person_id: i64,
    category: String,
    currency: String,
    price: i64,
    unit_minutes: i64,
}

#[derive(sqlx::FromRow)]
struct SlotRow {
    person_id: i64,
    weekday: i64,
    start_minute: i64,
    end_minute: i64,
}

impl ServiceRow {
    fn decode(self) -> Result<(PersonId, Service)> {
        let corrupt = || StoreError::corrupt("provider_service.price", &self.price.to_string());
        let price = Price::new(
            u64::try_from(self.price).map_err(|_| corrupt())?,
            u32::try_from(self.unit_minutes).map_err(|_| corrupt())?,
        )
        .map_err(|_| corrupt())?;
        let currency = CurrencyCode::parse(&self.currency)
            .map_err(|_| StoreError::corrupt("provider_service.currency", &self.currency))?;
        let service = Service {
            currency,
            category: self.category,
            price,
        };
        Ok((PersonId(self.person_id), service))
    }
}

impl SlotRow {
    fn decode(self) -> Result<(PersonId, WeeklySlot)> {
        let SlotRow {
            person_id,
            weekday,
            start_minute: start,
            end_minute: end,
        } = self;
        let slot = u8::try_from(weekday)
            .ok()
            .zip(u16::try_from(start).ok().zip(u16::try_from(end).ok()))
            .and_then(|(d, (s, e))| WeeklySlot::new(d, s, e).ok())
            .ok_or_else(|| {
                StoreError::corrupt("provider_slot", &format!("{weekday} {start}-{end}"))
            })?;
        Ok((PersonId(person_id), slot))
    }
}

#[derive(sqlx::FromRow)]
struct DayOffRow {
    person_id: i64,
    day: i64,
}

#[derive(sqlx::FromRow)]
struct BadgeRow {
    label: String,
    done_on: String,
    confirmed_by: i64,
    confirmed_by_name: String,
}

/// A provider's services, slots and days off.
#[derive(Default)]
struct ProviderDetails {
    services: Vec<Service>,
    slots: Vec<WeeklySlot>,
    days_off: Vec<Timestamp>,
}

type Details = HashMap<PersonId, ProviderDetails>;

fn profile_from(row: ProviderRow, details: &mut Details) -> ProviderProfile {
    let person = PersonId(row.person_id);
    let ProviderDetails {
        services,
        slots,
        days_off,
    } = details.remove(&person).unwrap_or_default();
    let area = match (row.lat_e6, row.lon_e6) {
        (Some(lat), Some(lon)) => Some(ServiceArea {
            place: Point {
                lat_e6: i32::try_from(lat).unwrap_or_default(),
                lon_e6: i32::try_from(lon).unwrap_or_default(),
            },
            radius_m: u32::try_from(row.radius_m).unwrap_or_default(),
        }),
        _ => None,
    };
    ProviderProfile {
        person,
        bio: row.bio,
        languages: split_languages(&row.languages),
        services,
        slots,
        area,
        days_off,
    }
}

fn split_languages(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Store {
    /// Records a badge, replacing one with the same label.
    pub async fn set_badge(
        &self,
        coop: CoopId,
        provider: PersonId,
        label: &str,
        done_on: &str,
        confirmed_by: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let given = Event::SettingsChanged {
            coop,
            part: SettingsPart::Badge,
        };
        let happened = [Happened::new(coop, Some(confirmed_by), now, given)];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "INSERT INTO provider_badge (coop_id, person_id, label, done_on, confirmed_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (coop_id, person_id, label) DO UPDATE SET \
                 done_on = excluded.done_on, confirmed_by = excluded.confirmed_by, created_at = excluded.created_at",
            )
            .bind(coop.0)
            .bind(provider.0)
            .bind(label)
            .bind(done_on)
            .bind(confirmed_by.0)
            .bind(now.as_millis()),
            &happened
        )
        })?;
        Ok(())
    }

    /// A provider's badges in a co-op, by label.
    pub async fn badges(&self, coop: CoopId, provider: PersonId) -> Result<Vec<Badge>> {
        let rows: Vec<BadgeRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT b.label, b.done_on, b.confirmed_by, p.display_name AS confirmed_by_name \
                 FROM provider_badge b \
                 JOIN person p ON p.id = b.confirmed_by WHERE b.coop_id = $1 AND b.person_id = $2 ORDER BY b.label",
            )
            .bind(coop.0)
            .bind(provider.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| Badge {
                label: row.label,
                done_on: row.done_on,
                confirmed_by: PersonId(row.confirmed_by),
                confirmed_by_name: row.confirmed_by_name,
            })
            .collect())
    }
}
