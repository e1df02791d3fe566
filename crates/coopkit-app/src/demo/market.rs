//! The demo's marketplaces: Capitol Hill's sitters, who offer their
//! evenings for time tokens, and Bright Homes' cleaners, who offer their
//! working week for pounds.

use coopkit_domain::{CoopId, PersonId, Timestamp};
use coopkit_ledger::CurrencyCode;
use coopkit_market::{Price, WeeklySlot};
use coopkit_store::{Category, ProviderProfile, Service, ServiceArea};

use super::{near_capitol_hill, CAPITOL_HILL};
use crate::{App, AppError, Result};

fn slot(day: u8, from: u16, to: u16) -> Result<WeeklySlot> {
    WeeklySlot::new(day, from * 60, to * 60).map_err(|code| AppError::invalid("slots", code))
}

fn service(category: &str, currency: &str, price: (u64, u32)) -> Result<Service> {
    Ok(Service {
        category: category.into(),
        currency: CurrencyCode::parse(currency)
            .map_err(|code| AppError::invalid("currency", code))?,
        price: Price::new(price.0, price.1).map_err(|code| AppError::invalid("price", code))?,
    })
}

fn category(key: &str, name: &str) -> Category {
    Category {
        key: key.into(),
        name: name.into(),
    }
}

impl App {
    /// Sitters who offer their evenings: Ben every evening, and every
    /// sixth family on a weekday evening and one weekend night each.
    pub(super) async fn demo_market(
        &self,
        coop: CoopId,
        ben: PersonId,
        families: &[PersonId],
        now: Timestamp,
    ) -> Result<()> {
        self.store
            .set_categories(
                coop,
                &[
                    category("babysitting", "Babysitting"),
                    category("homework-help", "Homework help"),
                ],
                None,
                now,
            )
            .await?;
        // One token per half hour, the Capitol Hill rule.
        let sitting = |category: &str| service(category, "HALFHOUR", (1, 30));
        let bios = [
            "Two kids of our own; happy to read bedtime stories.",
            "Nurse on day shifts, free most evenings. First-aid trained.",
            "Retired teacher. Board games, homework, early nights.",
            "Student at the university nearby; bilingual household.",
        ];
        let mut profiles = vec![ProviderProfile {
            person: ben,
            bio: "Coordinator and father of three. Evenings are my sitting time.".into(),
            languages: vec!["en".into()],
            services: vec![sitting("babysitting")?, sitting("homework-help")?],
            slots: (0..7).map(|day| slot(day, 17, 24)).collect::<Result<_>>()?,
            area: Some(ServiceArea {
                place: CAPITOL_HILL,
                radius_m: 3_000,
            }),
            days_off: Vec::new(),
        }];
        for (i, family) in families.iter().enumerate().filter(|(i, _)| i % 6 == 3) {
            let weekday = (i % 5) as u8;
            let weekend = 4 + (i % 2) as u8;
            profiles.push(ProviderProfile {
                person: *family,
                bio: bios[i % bios.len()].into(),
                languages: if i % 5 == 0 {
                    vec!["en".into(), "es".into()]
                } else {
                    vec!["en".into()]
                },
                services: vec![sitting("babysitting")?],
                slots: vec![slot(weekday, 18, 23)?, slot(weekend, 18, 24)?],
                area: Some(ServiceArea {
                    place: near_capitol_hill(i),
                    radius_m: 1_500 + (i % 4) as u32 * 500,
                }),
                days_off: Vec::new(),
            });
        }
        for profile in &profiles {
            self.store.save_provider(coop, profile, now).await?;
        }
        Ok(())
    }

    /// Bright Homes' worker-owners offer home cleaning at £18 an hour
    /// (and every third a deep clean at £24), on weekdays from 9 to 5 and,
    /// for every other one, Saturday mornings too. Households book them
    /// and pay in cash, as the co-op takes payment.
    pub(super) async fn demo_bright_market(
        &self,
        coop: CoopId,
        workers: &[PersonId],
        now: Timestamp,
    ) -> Result<()> {
        self.store
            .set_categories(
                coop,
                &[
                    category("cleaning", "Home cleaning"),
                    category("deep-clean", "Deep clean"),
                ],
                None,
                now,
            )
            .await?;
        let bios = [
            "Ten years of cleaning homes; I bring my own eco products.",
            "Careful with pets and plants. Keys kept safe.",
            "Ovens, windows, the lot. Happy to work around your day.",
        ];
        for (i, worker) in workers.iter().enumerate() {
            let mut services = vec![service("cleaning", "GBP", (1_800, 60))?];
            if i % 3 == 0 {
                services.push(service("deep-clean", "GBP", (2_400, 60))?);
            }
            let mut slots: Vec<WeeklySlot> =
                (0..5).map(|day| slot(day, 9, 17)).collect::<Result<_>>()?;
            if i % 2 == 0 {
                slots.push(slot(5, 9, 13)?);
            }
            let profile = ProviderProfile {
                person: *worker,
                bio: bios[i % bios.len()].into(),
                languages: if i % 4 == 1 {
                    vec!["en".into(), "es".into()]
                } else {
                    vec!["en".into()]
                },
                services,
                slots,
                area: None,
                days_off: Vec::new(),
            };
            self.store.save_provider(coop, &profile, now).await?;
        }
        Ok(())
    }
}
