//! Believable demo data: a babysitting co-op of about 150 families that
//! trades time tokens, a cleaners' worker co-op with its customers, a
//! photographers' co-op with artist and staff classes, and a music co-op
//! of musicians, listeners and an investor (each founded in `coops.rs`).
//!
//! Loaded through the store in bulk: every demo account shares one
//! argon2id hash (of [`DEMO_PASSWORD`]), so loading takes one hash rather
//! than two hundred.

use coopkit_domain::{
    ClassKey, CoopName, DisplayName, Email, Locale, MemberClassSpec, MembershipStatus, Password,
    PersonId, ServerRole, Slug, Timestamp, Zone,
};
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_market::matching::Point;
use coopkit_store::{Currency, CurrencyKind, NewPerson};

use crate::ledger::{Instruction, Payment};

mod catalogue;
mod coops;
mod governance;
mod market;

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
        let mut seed = Seed {
            hash: hash_password(&password)?,
            clock: DemoClock(self.clock.now().plus_millis(-400 * DAY_MS)),
        };
        let ana = self
            .demo_person(&mut seed, "Ana Ortiz", "ana@sitters.example", Locale::En)
            .await?;
        // Ana runs the demo server too: she appoints moderators.
        for role in [ServerRole::Operator, ServerRole::Moderator] {
            self.store
                .grant_server_role(ana, role, None, seed.clock.tick())
                .await?;
        }
        let ben = self
            .demo_person(&mut seed, "Ben Okafor", "ben@sitters.example", Locale::En)
            .await?;
        let rosa = self
            .demo_person(
                &mut seed,
                "Rosa Fernández",
                "rosa@brighthomes.example",
                Locale::Es,
            )
            .await?;
        self.demo_person(
            &mut seed,
            "Sam Newcomer",
            "newcomer@example.org",
            Locale::En,
        )
        .await?;

        self.demo_sitters(&mut seed, ana, ben).await?;
        let bright = self.demo_bright_homes(&mut seed, rosa).await?;
        let lens = self.demo_lens_commons(&mut seed, rosa).await?;
        let harbour = self.demo_harbour_sound(&mut seed).await?;

        self.demo_bright_year(bright.coop, rosa, &bright.workers, &bright.households)
            .await?;
        self.demo_bright_market(bright.coop, &bright.workers, seed.clock.tick())
            .await?;
        self.demo_lens_votes(lens.founder, &lens.artists).await?;
        self.demo_lens_catalogue(lens.founder, &lens.artists, rosa)
            .await?;
        self.demo_harbour_catalogue(
            harbour.coop,
            &harbour.musicians,
            &harbour.listeners,
            harbour.investor,
        )
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
            // What the co-op's page promises a new family.
            policy: coopkit_ledger::policy::Policy {
                joining_grant: 20,
                ..Default::default()
            },
        };
        self.store
            .create_currency(coop, &currency, None, self.clock.now())
            .await?;
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

    async fn join_many(
        &self,
        coop: coopkit_domain::CoopId,
        class: coopkit_domain::MemberClassId,
        people: &[PersonId],
        seed: &mut Seed,
    ) -> Result<()> {
        for person in people {
            let at = seed.clock.tick();
            self.store
                .apply_for_membership(coop, *person, class, MembershipStatus::Active, at)
                .await?;
        }
        Ok(())
    }

    /// One demo person, with the demo's password.
    async fn demo_person(
        &self,
        seed: &mut Seed,
        name: &str,
        email: &str,
        locale: Locale,
    ) -> Result<PersonId> {
        let new = NewPerson {
            email: Email::parse(email).map_err(|code| AppError::invalid("email", code))?,
            display_name: DisplayName::parse(name)
                .map_err(|code| AppError::invalid("name", code))?,
            password_hash: seed.hash.clone(),
            locale,
            // The demo's addresses are its own.
            verified: true,
        };
        Ok(self.store.create_person(&new, seed.clock.tick()).await?.id)
    }

    /// `count` people with addresses at `domain`, named so that each co-op
    /// has its own.
    async fn demo_people(
        &self,
        seed: &mut Seed,
        domain: &str,
        count: usize,
    ) -> Result<Vec<PersonId>> {
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let (name, email) = demo_person_at(domain, i);
            ids.push(self.demo_person(seed, &name, &email, Locale::En).await?);
        }
        Ok(ids)
    }
}

/// The name and address of the demo's `i`th person at `domain` (such as
/// `brighthomes` for Bright Homes' worker-owners), who signs in with
/// [`DEMO_PASSWORD`].
pub fn demo_person_at(domain: &str, i: usize) -> (String, String) {
    // Offset into the name lists so each co-op has its own people.
    let (name, _) = family(i * 7 + domain.len() * 31);
    let email = format!("{}{i}@{domain}.example", ascii_slug(&name));
    (name, email)
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Lincoln Park, Capitol Hill, Washington DC.
pub(super) const CAPITOL_HILL: Point = Point {
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

/// What every part of the demo shares: the one password's hash, and the
/// clock that spreads its history over the past year.
struct Seed {
    hash: String,
    clock: DemoClock,
}

/// Spreads the demo's history over the past year, an hour a step.
struct DemoClock(Timestamp);

impl DemoClock {
    fn tick(&mut self) -> Timestamp {
        self.0 = self.0.plus_millis(60 * 60 * 1000);
        self.0
    }
}

fn slug(raw: &str) -> Result<Slug> {
    Slug::parse(raw).map_err(|code| AppError::invalid("slug", code))
}

fn zone(name: &str) -> Result<Zone> {
    Zone::named(name).map_err(|code| AppError::invalid("time_zone", code))
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
