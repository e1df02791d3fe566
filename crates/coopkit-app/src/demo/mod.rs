//! Believable demo data: a babysitting co-op of about 150 families that
//! trades time tokens, a cleaners' worker co-op with its customers, and a
//! photographers' co-op with artist and staff classes.
//!
//! Loaded through the store in bulk: every demo account shares one
//! argon2id hash (of [`DEMO_PASSWORD`]), so loading takes one hash rather
//! than two hundred.

use coopkit_domain::coop::NewCoop;
use coopkit_domain::{
    ClassKey, CoopName, CoopSettings, DisplayName, DuesPeriod, Email, Locale, MemberClassSpec,
    MembershipStatus, Password, PersonId, Role, Slug, Timestamp,
};
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_market::matching::Point;
use coopkit_market::{Price, WeeklySlot};
use coopkit_store::{
    Category, Currency, CurrencyKind, NewPerson, Person, ProviderProfile, Service, ServiceArea,
};

use crate::ledger::{Instruction, Payment};

mod catalogue;
mod governance;

use crate::auth::hash_password;
use crate::{App, AppError, Result};

/// The password of every demo account. Demo data only: never on a real
/// server.
pub const DEMO_PASSWORD: &str = "cooperate-2026";

/// A demo login to print for people trying coopkit.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub email: String,
    pub who: &'static str,
}

const FIRST_NAMES: [&str; 30] = [
    "Ana", "Ben", "Chloé", "Dmitri", "Esther", "Farid", "Grace", "Hiro", "Imani", "Jonas", "Kavya",
    "Luis", "Maya", "Nadia", "Oren", "Priya", "Quinn", "Rosa", "Samir", "Tamsin", "Uma", "Víctor",
    "Wren", "Xiomara", "Yusuf", "Zofia", "Aoife", "Bongani", "Carmen", "Dev",
];

const SURNAMES: [&str; 25] = [
    "Okafor",
    "Lindqvist",
    "García",
    "Nakamura",
    "Haddad",
    "O'Brien",
    "Kowalski",
    "Mensah",
    "Fernández",
    "Chen",
    "Novak",
    "Adeyemi",
    "Rossi",
    "Brennan",
    "Silva",
    "Petrov",
    "Nguyen",
    "Moreau",
    "Kaur",
    "Jensen",
    "Alvarez",
    "Tanaka",
    "Abara",
    "Dubois",
    "Walsh",
];

/// The i-th demo family: a name and an address, distinct for i < 750.
fn family(i: usize) -> (String, String) {
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let surname = SURNAMES[(i / FIRST_NAMES.len() + i) % SURNAMES.len()];
    let name = format!("{first} {surname}");
    let email = format!(
        "{}.{}.{i}@families.example",
        ascii_slug(first),
        ascii_slug(surname)
    );
    (name, email)
}

fn ascii_slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'á' | 'à' => Some('a'),
            'é' | 'è' => Some('e'),
            'í' => Some('i'),
            'ó' => Some('o'),
            'ú' => Some('u'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn class(
    key: &str,
    name: &str,
    description: &str,
    open: bool,
    approval: bool,
) -> Result<MemberClassSpec> {
    Ok(MemberClassSpec {
        key: ClassKey::parse(key).map_err(|code| AppError::invalid("key", code))?,
        name: name.to_owned(),
        description: description.to_owned(),
        open_to_join: open,
        requires_approval: approval,
    })
}

/// Demo co-ops already present: the demo is loaded once.
pub const SITTERS: &str = "capitol-hill-sitters";

impl App {
    /// Loads the demo co-ops unless they are already there. Returns the
    /// logins to print.
    pub async fn load_demo(&self) -> Result<Vec<DemoLogin>> {
        let logins = vec![
            DemoLogin {
                email: "ana@sitters.example".into(),
                who: "admin of Capitol Hill Sitters; moderates the directory",
            },
            DemoLogin {
                email: "ben@sitters.example".into(),
                who: "coordinator of Capitol Hill Sitters: approves new families",
            },
            DemoLogin {
                email: family(0).1,
                who: "a member family of Capitol Hill Sitters",
            },
            DemoLogin {
                email: "rosa@brighthomes.example".into(),
                who: "admin of Bright Homes Cleaning, also a photographer at Lens Commons",
            },
            DemoLogin {
                email: "lena@harboursound.example".into(),
                who:
                    "a listener at Harbour Sound, with credits to stream tracks until she owns them",
            },
            DemoLogin {
                email: "newcomer@example.org".into(),
                who: "no co-op yet: try joining one",
            },
        ];
        if self.store.coop_by_slug(SITTERS).await?.is_some() {
            return Ok(logins);
        }
        let password =
            Password::parse(DEMO_PASSWORD).map_err(|code| AppError::invalid("password", code))?;
        let hash = hash_password(&password)?;
        let mut clock = DemoClock(self.clock.now().plus_millis(-400 * DAY_MS));
        let person = |name: &str, email: &str, locale: Locale| -> Result<NewPerson> {
            Ok(NewPerson {
                email: Email::parse(email).map_err(|code| AppError::invalid("email", code))?,
                display_name: DisplayName::parse(name)
                    .map_err(|code| AppError::invalid("name", code))?,
                password_hash: hash.clone(),
                locale,
            })
        };

        let ana = self
            .store
            .create_person(
                &person("Ana Ortiz", "ana@sitters.example", Locale::En)?,
                clock.tick(),
            )
            .await?;
        self.store
            .grant_directory_moderator(ana.id, clock.tick())
            .await?;
        let ben = self
            .store
            .create_person(
                &person("Ben Okafor", "ben@sitters.example", Locale::En)?,
                clock.tick(),
            )
            .await?;
        let rosa = self
            .store
            .create_person(
                &person("Rosa Fernández", "rosa@brighthomes.example", Locale::Es)?,
                clock.tick(),
            )
            .await?;
        self.store
            .create_person(
                &person("Sam Newcomer", "newcomer@example.org", Locale::En)?,
                clock.tick(),
            )
            .await?;

        // Capitol Hill Sitters: about 150 families trading half-hour tokens.
        let sitters = NewCoop {
            slug: slug(SITTERS)?,
            name: coop_name("Capitol Hill Sitters")?,
            description: "A babysitting co-op of about 150 families who sit for each other and pay in time tokens.".into(),
            profile: "Families earn one token for each half hour they sit for another family, and spend tokens when they go out. \
                      New families receive 20 tokens on joining and return them on leaving.\n\n\
                      Dues are paid in tokens and keep the co-op's coordinators going. No money changes hands."
                .into(),
            settings: CoopSettings {
                joining_requires_approval: true,
                // Dues are paid in the co-op's own scrip: 8 half-hours a year.
                dues_amount: 8,
                dues_currency: "HALFHOUR".into(),
                dues_period: DuesPeriod::Yearly,
            },
            classes: vec![class("family", "Family", "A household that sits and is sat for.", true, true)?],
        };
        let sitters = self
            .store
            .create_coop(&sitters, ana.id, &class_key("family")?, clock.tick())
            .await?;
        let family_class = self.store.member_classes(sitters.id).await?.remove(0).id;
        let ben_membership = self
            .store
            .apply_for_membership(
                sitters.id,
                ben.id,
                family_class,
                MembershipStatus::Active,
                clock.tick(),
            )
            .await?;
        self.store
            .set_role(
                sitters.id,
                ben_membership.id,
                Role::Coordinator,
                ana.id,
                clock.tick(),
            )
            .await?;
        let mut families = Vec::with_capacity(150);
        for i in 0..150 {
            let (name, email) = family(i);
            let locale = if i % 5 == 4 { Locale::Es } else { Locale::En };
            let member = self
                .store
                .create_person(&person(&name, &email, locale)?, clock.tick())
                .await?;
            // The last few are still waiting for a coordinator.
            let status = if i < 146 {
                MembershipStatus::Active
            } else {
                MembershipStatus::Pending
            };
            self.store
                .apply_for_membership(sitters.id, member.id, family_class, status, clock.tick())
                .await?;
            if status.is_active() {
                families.push(member.id);
            }
        }
        self.demo_sitting_tokens(sitters.id, &families).await?;
        self.demo_market(sitters.id, ben.id, &families, clock.tick())
            .await?;
        self.demo_sitters_votes(ben.id, &families).await?;

        // Bright Homes: cleaners who own their co-op, and the households
        // who book them. Multi-stakeholder: workers and customers.
        let bright = NewCoop {
            slug: slug("bright-homes")?,
            name: coop_name("Bright Homes Cleaning Co-op")?,
            description: "Cleaners who own their co-op. Households book them directly; the co-op takes no commission.".into(),
            profile: "Every cleaner is a worker-owner with one vote. Households who book us can join as customer members and \
                      have a say in how the service runs.\n\nThe co-op lives on members' dues, not on a cut of each booking."
                .into(),
            settings: CoopSettings {
                joining_requires_approval: false,
                dues_amount: 500,
                dues_currency: "GBP".into(),
                dues_period: DuesPeriod::Monthly,
            },
            classes: vec![
                class("worker", "Worker-owner", "Cleaners who work for and own the co-op.", true, true)?,
                class("customer", "Customer member", "Households who book cleaning.", true, false)?,
            ],
        };
        let bright = self
            .store
            .create_coop(&bright, rosa.id, &class_key("worker")?, clock.tick())
            .await?;
        let bright_classes = self.store.member_classes(bright.id).await?;
        let workers = demo_people(self, &person, &mut clock, "brighthomes", 11).await?;
        self.join_many(bright.id, bright_classes[0].id, &workers, &mut clock)
            .await?;
        let households = demo_people(self, &person, &mut clock, "households", 24).await?;
        self.join_many(bright.id, bright_classes[1].id, &households, &mut clock)
            .await?;

        // Lens Commons: photographers selling their work, with staff.
        let lens = NewCoop {
            slug: slug("lens-commons")?,
            name: coop_name("Lens Commons")?,
            description: "An artist-owned stock photography co-op that returns its surplus to its photographers.".into(),
            profile: "Photographers license their work through the co-op and share its surplus in proportion to their sales. \
                      Staff are members too, admitted by the board."
                .into(),
            settings: CoopSettings {
                joining_requires_approval: true,
                dues_amount: 2000,
                dues_currency: "GBP".into(),
                dues_period: DuesPeriod::Yearly,
            },
            classes: vec![
                class("artist", "Artist", "Photographers who license their work through the co-op.", true, true)?,
                class("staff", "Staff", "People who run the co-op day to day; admitted by the board.", false, true)?,
            ],
        };
        let photographer = self
            .store
            .create_person(
                &person("Kwame Mensah", "kwame@lenscommons.example", Locale::En)?,
                clock.tick(),
            )
            .await?;
        let lens = self
            .store
            .create_coop(&lens, photographer.id, &class_key("artist")?, clock.tick())
            .await?;
        let lens_classes = self.store.member_classes(lens.id).await?;
        let artists = demo_people(self, &person, &mut clock, "lenscommons", 18).await?;
        self.join_many(lens.id, lens_classes[0].id, &artists, &mut clock)
            .await?;
        self.join_many(lens.id, lens_classes[0].id, &[rosa.id], &mut clock)
            .await?;
        self.join_many(
            lens.id,
            lens_classes[1].id,
            &demo_people(self, &person, &mut clock, "lensstaff", 3).await?,
            &mut clock,
        )
        .await?;

        // Harbour Sound: musicians and the listeners who own it with them.
        let harbour = NewCoop {
            slug: slug("harbour-sound")?,
            name: coop_name("Harbour Sound")?,
            description: "A music streaming co-op: listen to a track until you own it.".into(),
            profile: "Each play of a track costs twice the last, from two thousandths of a credit, \
                      until the tenth is free and the track is yours; 70% of every play goes to its musicians."
                .into(),
            settings: CoopSettings::default(),
            classes: vec![
                class("musician", "Musician", "Musicians who stream their work through the co-op.", true, false)?,
                class("listener", "Listener", "Listeners who own the co-op with its musicians.", true, false)?,
                class("investor", "Investor", "Members who put capital into the fund; the bylaws cap their returns.", true, true)?,
            ],
        };
        let mae = self
            .store
            .create_person(
                &person("Mae Collins", "mae@harboursound.example", Locale::En)?,
                clock.tick(),
            )
            .await?;
        let harbour = self
            .store
            .create_coop(&harbour, mae.id, &class_key("musician")?, clock.tick())
            .await?;
        let harbour_classes = self.store.member_classes(harbour.id).await?;
        let mut musicians = vec![mae.id];
        musicians.extend(demo_people(self, &person, &mut clock, "harboursound", 2).await?);
        self.join_many(
            harbour.id,
            harbour_classes[0].id,
            &musicians[1..],
            &mut clock,
        )
        .await?;
        let lena = self
            .store
            .create_person(
                &person("Lena Berg", "lena@harboursound.example", Locale::En)?,
                clock.tick(),
            )
            .await?;
        let mut listeners = vec![lena.id];
        listeners.extend(demo_people(self, &person, &mut clock, "listeners", 5).await?);
        self.join_many(harbour.id, harbour_classes[1].id, &listeners, &mut clock)
            .await?;
        let omar = self
            .store
            .create_person(
                &person("Omar Haddad", "omar@harboursound.example", Locale::En)?,
                clock.tick(),
            )
            .await?;
        self.join_many(harbour.id, harbour_classes[2].id, &[omar.id], &mut clock)
            .await?;

        self.demo_bright_year(bright.id, rosa.id, &workers, &households)
            .await?;
        self.demo_lens_votes(photographer.id, &artists).await?;
        self.demo_lens_catalogue(photographer.id, &artists, rosa.id)
            .await?;
        self.demo_harbour_catalogue(harbour.id, &musicians, &listeners, omar.id)
            .await?;

        tracing::info!("demo data loaded");
        Ok(logins)
    }

    /// The historical Capitol Hill rules: scrip with no credit, 20 tokens
    /// (half-hours) to each family on joining; then a year of sittings.
    async fn demo_sitting_tokens(
        &self,
        coop: coopkit_domain::CoopId,
        families: &[PersonId],
    ) -> Result<()> {
        let hour =
            CurrencyCode::parse("HALFHOUR").map_err(|code| AppError::invalid("code", code))?;
        let currency = Currency {
            code: hour.clone(),
            name: "Sitting token (half an hour)".into(),
            kind: CurrencyKind::Time,
            scale: 0,
            default_debit_limit: Some(0),
            default_balance_cap: None,
            policy: Default::default(),
        };
        self.store.create_currency(coop, &currency).await?;
        let payment = |id: u128, from, to, amount, memo: &str, cause: &str| {
            Instruction::Pay(Payment {
                id: TransferId(id),
                currency: hour.clone(),
                from,
                to,
                amount,
                hold: None,
                linked: false,
                memo: memo.to_owned(),
                cause: cause.to_owned(),
            })
        };
        let mut instructions: Vec<_> = families
            .iter()
            .enumerate()
            .map(|(i, family)| {
                let issuance = AccountOwner::Coop(CoopAccount::Issuance);
                payment(
                    i as u128 + 1,
                    issuance,
                    AccountOwner::Member(*family),
                    20,
                    "Tokens on joining",
                    "joining",
                )
            })
            .collect();
        let n = families.len();
        for k in 0..400usize {
            let (from, to) = (families[(k * 37) % n], families[(k * 53 + 1) % n]);
            if from != to {
                let id = 10_000 + k as u128;
                let amount = 2 + (k % 5) as u64;
                instructions.push(payment(
                    id,
                    AccountOwner::Member(from),
                    AccountOwner::Member(to),
                    amount,
                    "Evening sitting",
                    "sitting",
                ));
            }
        }
        self.ledger.submit(coop, instructions).await?;
        Ok(())
    }

    /// Sitters who offer their evenings: Ben every evening, and every
    /// sixth family on a weekday evening and one weekend night each.
    async fn demo_market(
        &self,
        coop: coopkit_domain::CoopId,
        ben: PersonId,
        families: &[PersonId],
        now: Timestamp,
    ) -> Result<()> {
        self.store
            .set_categories(
                coop,
                &[
                    Category {
                        key: "babysitting".into(),
                        name: "Babysitting".into(),
                    },
                    Category {
                        key: "homework-help".into(),
                        name: "Homework help".into(),
                    },
                ],
            )
            .await?;
        let slot = |day: u8, from: u16, to: u16| {
            WeeklySlot::new(day, from * 60, to * 60)
                .map_err(|code| AppError::invalid("slots", code))
        };
        let sitting = |category: &str| -> Result<Service> {
            Ok(Service {
                category: category.into(),
                currency: CurrencyCode::parse("HALFHOUR")
                    .map_err(|code| AppError::invalid("currency", code))?,
                // One token per half hour, the Capitol Hill rule.
                price: Price::new(1, 30).map_err(|code| AppError::invalid("price", code))?,
            })
        };
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

    async fn join_many(
        &self,
        coop: coopkit_domain::CoopId,
        class: coopkit_domain::MemberClassId,
        people: &[PersonId],
        clock: &mut DemoClock,
    ) -> Result<()> {
        for person in people {
            self.store
                .apply_for_membership(coop, *person, class, MembershipStatus::Active, clock.tick())
                .await?;
        }
        Ok(())
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Lincoln Park, Capitol Hill, Washington DC.
const CAPITOL_HILL: Point = Point {
    lat_e6: 38_889_900,
    lon_e6: -76_990_500,
};

/// A home within about a kilometre and a half of Lincoln Park, spread by
/// the family's number.
pub fn near_capitol_hill(i: usize) -> Point {
    // Up to ±13,500 millionths of a degree: ±1.5 km north-south, ±1.2 km
    // east-west at this latitude.
    let spread = |k: usize| ((k * 7_919) % 27_001) as i32 - 13_500;
    Point {
        lat_e6: CAPITOL_HILL.lat_e6 + spread(i),
        lon_e6: CAPITOL_HILL.lon_e6 + spread(i * 31 + 7),
    }
}

/// Spreads the demo's history over the past year, an hour a step.
struct DemoClock(Timestamp);

impl DemoClock {
    fn tick(&mut self) -> Timestamp {
        self.0 = self.0.plus_millis(60 * 60 * 1000);
        self.0
    }
}

async fn demo_people(
    app: &App,
    person: &impl Fn(&str, &str, Locale) -> Result<NewPerson>,
    clock: &mut DemoClock,
    domain: &str,
    count: usize,
) -> Result<Vec<PersonId>> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        // Offset into the name lists so each co-op has its own people.
        let (name, _) = family(i * 7 + domain.len() * 31);
        let email = format!("{}{i}@{domain}.example", ascii_slug(&name));
        let created: Person = app
            .store
            .create_person(&person(&name, &email, Locale::En)?, clock.tick())
            .await?;
        ids.push(created.id);
    }
    Ok(ids)
}

fn slug(raw: &str) -> Result<Slug> {
    Slug::parse(raw).map_err(|code| AppError::invalid("slug", code))
}

fn coop_name(raw: &str) -> Result<CoopName> {
    CoopName::parse(raw).map_err(|code| AppError::invalid("name", code))
}

fn class_key(raw: &str) -> Result<ClassKey> {
    ClassKey::parse(raw).map_err(|code| AppError::invalid("class", code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_families_are_distinct() {
        let emails: std::collections::HashSet<_> = (0..150).map(|i| family(i).1).collect();
        assert_eq!(emails.len(), 150);
        assert!(emails.iter().all(|e| Email::parse(e).is_ok()));
    }
}
