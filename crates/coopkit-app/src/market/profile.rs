//! A provider's profile as their form gives it, checked field by field
//! against the co-op's categories and currencies.

use coopkit_domain::validation::Collector;
use coopkit_domain::{Invalid, PersonId, Zone};
use coopkit_ledger::CurrencyCode;
use coopkit_market::{availability, Price, WeeklySlot};
use coopkit_store::{Category, Currency, ProviderProfile, Service};

use super::{valid_point, ProfileForm, ServiceForm, BIO_MAX, RADIUS_MAX_M};

/// The profile `form` describes for `person`, or every field that is wrong;
/// days off are whole days in the co-op's `zone`.
pub(super) fn profile_of(
    person: PersonId,
    form: &ProfileForm,
    zone: &Zone,
    categories: &[Category],
    currencies: &[Currency],
) -> Result<ProviderProfile, Invalid> {
    let mut errors = Collector::new();
    let bio = form.bio.trim();
    if bio.chars().count() > BIO_MAX {
        errors.push("bio", "too-long");
    }
    let languages = languages_of(&form.languages, &mut errors);
    let services = services_of(&form.services, categories, currencies, &mut errors);
    let slots = slots_of(&form.slots, &mut errors);
    if let Some(area) = form.area {
        if !valid_point(area.place) {
            errors.push("area", "place-range");
        }
        if area.radius_m == 0 || area.radius_m > RADIUS_MAX_M {
            errors.push("radius", "radius-range");
        }
    }
    errors.finish()?;
    let mut days_off: Vec<_> = form
        .days_off
        .iter()
        .map(|d| availability::day_of(zone, *d))
        .collect();
    days_off.sort();
    days_off.dedup();
    Ok(ProviderProfile {
        person,
        bio: bio.to_owned(),
        languages,
        services,
        slots,
        area: form.area,
        days_off,
    })
}

/// Language codes separated by commas or spaces, lower-cased: two or
/// three letters each (ISO 639-1 or -3).
fn languages_of(raw: &str, errors: &mut Collector) -> Vec<String> {
    let languages: Vec<String> = raw
        .split([',', ' '])
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    if languages
        .iter()
        .any(|l| !(2..=3).contains(&l.len()) || !l.bytes().all(|b| b.is_ascii_lowercase()))
    {
        errors.push("languages", "language-code-format");
    }
    languages
}

/// Each service in a category and a currency of the co-op, one per
/// category, at a valid price; errors are named by the service's place.
fn services_of(
    forms: &[ServiceForm],
    categories: &[Category],
    currencies: &[Currency],
    errors: &mut Collector,
) -> Vec<Service> {
    let mut services: Vec<Service> = Vec::with_capacity(forms.len());
    for (i, service) in forms.iter().enumerate() {
        let field = |name: &str| format!("services[{i}].{name}");
        if !categories.iter().any(|c| c.key == service.category) {
            errors.push_absent(&field("category"), "category-unknown");
        }
        if services.iter().any(|s| s.category == service.category) {
            errors.push(&field("category"), "duplicate");
        }
        let currency = CurrencyCode::parse(&service.currency)
            .ok()
            .filter(|code| currencies.iter().any(|c| c.code == *code));
        if currency.is_none() {
            errors.push_absent(&field("currency"), "currency-unknown");
        }
        let price = Price::new(service.price, service.unit_minutes);
        let price = errors.check(&field("price"), price);
        if let (Some(currency), Some(price)) = (currency, price) {
            services.push(Service {
                category: service.category.clone(),
                currency,
                price,
            });
        }
    }
    services
}

/// The weekly slots in order, none overlapping another on its day.
fn slots_of(slots: &[WeeklySlot], errors: &mut Collector) -> Vec<WeeklySlot> {
    let mut slots = slots.to_vec();
    slots.sort_by_key(|s| (s.weekday, s.start_minute));
    if slots
        .windows(2)
        .any(|w| w[0].weekday == w[1].weekday && w[1].start_minute < w[0].end_minute)
    {
        errors.push("slots", "slots-overlap");
    }
    slots
}
