//! The demo's four co-ops, founded one by one with their people: the
//! babysitters, the cleaners and their customers, the photographers and
//! their staff, the musicians and their listeners and investor.

use coopkit_domain::coop::NewCoop;
use coopkit_domain::{CoopId, CoopSettings, DuesPeriod, Locale, MembershipStatus, PersonId, Role};

use super::{class, class_key, coop_name, family, slug, zone, Seed, SITTERS};
use crate::{App, Result};

/// A co-op of workers and the customers who book them.
pub(super) struct BrightHomes {
    pub coop: CoopId,
    pub workers: Vec<PersonId>,
    pub households: Vec<PersonId>,
}

/// A photographers' co-op: its founder and artists.
pub(super) struct LensCommons {
    pub founder: PersonId,
    pub artists: Vec<PersonId>,
}

/// A music co-op: its musicians (the founder first), listeners and one
/// investor.
pub(super) struct HarbourSound {
    pub coop: CoopId,
    pub musicians: Vec<PersonId>,
    pub listeners: Vec<PersonId>,
    pub investor: PersonId,
}

impl App {
    /// Capitol Hill Sitters: about 150 families trading half-hour tokens,
    /// founded by Ana, with Ben as coordinator and a few families still
    /// waiting for him.
    pub(super) async fn demo_sitters(
        &self,
        seed: &mut Seed,
        ana: PersonId,
        ben: PersonId,
    ) -> Result<()> {
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
                // Capitol Hill, Washington DC.
                time_zone: zone("America/New_York")?,
            },
            classes: vec![class("family", "Family", "A household that sits and is sat for.", true, true)?],
        };
        let sitters = self
            .store
            .create_coop(
                &sitters,
                ana,
                &class_key("family")?,
                None,
                seed.clock.tick(),
            )
            .await?;
        let family_class = self.store.member_classes(sitters.id).await?.remove(0).id;
        let ben_membership = self
            .store
            .apply_for_membership(
                sitters.id,
                ben,
                family_class,
                MembershipStatus::Active,
                seed.clock.tick(),
            )
            .await?;
        self.store
            .set_role(
                sitters.id,
                ben_membership.id,
                Role::Coordinator,
                ana,
                seed.clock.tick(),
            )
            .await?;
        let mut families = Vec::with_capacity(150);
        for i in 0..150 {
            let (name, email) = family(i);
            let locale = if i % 5 == 4 { Locale::Es } else { Locale::En };
            let member = self.demo_person(seed, &name, &email, locale).await?;
            // The last few are still waiting for a coordinator.
            let status = if i < 146 {
                MembershipStatus::Active
            } else {
                MembershipStatus::Pending
            };
            self.store
                .apply_for_membership(sitters.id, member, family_class, status, seed.clock.tick())
                .await?;
            if status.is_active() {
                families.push(member);
            }
        }
        self.demo_sitting_tokens(sitters.id, &families).await?;
        self.demo_market(sitters.id, ben, &families, seed.clock.tick())
            .await?;
        self.demo_sitters_votes(ben, &families).await
    }

    /// Bright Homes: cleaners who own their co-op, and the households who
    /// book them. Multi-stakeholder: workers and customers.
    pub(super) async fn demo_bright_homes(
        &self,
        seed: &mut Seed,
        rosa: PersonId,
    ) -> Result<BrightHomes> {
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
                time_zone: zone("Europe/London")?,
            },
            classes: vec![
                class("worker", "Worker-owner", "Cleaners who work for and own the co-op.", true, true)?,
                class("customer", "Customer member", "Households who book cleaning.", true, false)?,
            ],
        };
        let bright = self
            .store
            .create_coop(
                &bright,
                rosa,
                &class_key("worker")?,
                None,
                seed.clock.tick(),
            )
            .await?;
        let classes = self.store.member_classes(bright.id).await?;
        let workers = self.demo_people(seed, "brighthomes", 11).await?;
        self.join_many(bright.id, classes[0].id, &workers, seed)
            .await?;
        let households = self.demo_people(seed, "households", 24).await?;
        self.join_many(bright.id, classes[1].id, &households, seed)
            .await?;
        Ok(BrightHomes {
            coop: bright.id,
            workers,
            households,
        })
    }

    /// Lens Commons: photographers selling their work, with staff; Rosa
    /// photographs here too.
    pub(super) async fn demo_lens_commons(
        &self,
        seed: &mut Seed,
        rosa: PersonId,
    ) -> Result<LensCommons> {
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
                time_zone: zone("Europe/London")?,
            },
            classes: vec![
                class("artist", "Artist", "Photographers who license their work through the co-op.", true, true)?,
                class("staff", "Staff", "People who run the co-op day to day; admitted by the board.", false, true)?,
            ],
        };
        let founder = self
            .demo_person(
                seed,
                "Kwame Mensah",
                "kwame@lenscommons.example",
                Locale::En,
            )
            .await?;
        let lens = self
            .store
            .create_coop(
                &lens,
                founder,
                &class_key("artist")?,
                None,
                seed.clock.tick(),
            )
            .await?;
        let classes = self.store.member_classes(lens.id).await?;
        let artists = self.demo_people(seed, "lenscommons", 18).await?;
        self.join_many(lens.id, classes[0].id, &artists, seed)
            .await?;
        self.join_many(lens.id, classes[0].id, &[rosa], seed)
            .await?;
        let staff = self.demo_people(seed, "lensstaff", 3).await?;
        self.join_many(lens.id, classes[1].id, &staff, seed).await?;
        Ok(LensCommons { founder, artists })
    }

    /// Harbour Sound: musicians and the listeners who own it with them,
    /// and an investor with capital in its fund.
    pub(super) async fn demo_harbour_sound(&self, seed: &mut Seed) -> Result<HarbourSound> {
        let harbour = NewCoop {
            slug: slug("harbour-sound")?,
            name: coop_name("Harbour Sound")?,
            description: "A music streaming co-op: listen to a track until you own it.".into(),
            profile: "Each play of a track costs twice the last, from two thousandths of a credit, \
                      until the tenth is free and the track is yours; 70% of every play goes to its musicians."
                .into(),
            settings: CoopSettings {
                time_zone: zone("America/Halifax")?,
                ..CoopSettings::default()
            },
            classes: vec![
                class("musician", "Musician", "Musicians who stream their work through the co-op.", true, false)?,
                class("listener", "Listener", "Listeners who own the co-op with its musicians.", true, false)?,
                class("investor", "Investor", "Members who put capital into the fund; the bylaws cap their returns.", true, true)?,
            ],
        };
        let mae = self
            .demo_person(seed, "Mae Collins", "mae@harboursound.example", Locale::En)
            .await?;
        let harbour = self
            .store
            .create_coop(
                &harbour,
                mae,
                &class_key("musician")?,
                None,
                seed.clock.tick(),
            )
            .await?;
        let classes = self.store.member_classes(harbour.id).await?;
        let mut musicians = vec![mae];
        musicians.extend(self.demo_people(seed, "harboursound", 2).await?);
        self.join_many(harbour.id, classes[0].id, &musicians[1..], seed)
            .await?;
        let lena = self
            .demo_person(seed, "Lena Berg", "lena@harboursound.example", Locale::En)
            .await?;
        let mut listeners = vec![lena];
        listeners.extend(self.demo_people(seed, "listeners", 5).await?);
        self.join_many(harbour.id, classes[1].id, &listeners, seed)
            .await?;
        let investor = self
            .demo_person(seed, "Omar Haddad", "omar@harboursound.example", Locale::En)
            .await?;
        self.join_many(harbour.id, classes[2].id, &[investor], seed)
            .await?;
        Ok(HarbourSound {
            coop: harbour.id,
            musicians,
            listeners,
            investor,
        })
    }
}
