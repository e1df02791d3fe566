//! Co-ops: listing, founding, their public page and their settings.

use coopkit_domain::coop::{Founders, NewCoop};
use coopkit_domain::validation::{Collector, Invalid};
use coopkit_domain::{
    ClassKey, CoopName, CoopSettings, MemberClassSpec, MembershipStatus, Role, Slug, Zone,
};
use coopkit_store::{Coop, CoopSummary, MemberClass, Membership, Person};

use crate::ledger::CurrencyForm;
use crate::{App, AppError, Result};

/// What founders describe when they start a co-op on this server.
#[derive(Debug, Clone)]
pub struct FoundCoop {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub profile: String,
    pub settings: CoopSettings,
    pub classes: Vec<MemberClassSpec>,
    /// The class the founder joins, as its first admin.
    pub founder_class: String,
    /// The ledger's first currency, defined with the co-op.
    pub currency: Option<CurrencyForm>,
}

/// A co-op's page as one viewer sees it.
#[derive(Debug, Clone)]
pub struct CoopPage {
    pub coop: Coop,
    pub classes: Vec<MemberClass>,
    pub active_members: i64,
    /// The viewer's own membership, in whatever standing.
    pub viewer_membership: Option<Membership>,
    /// Whether the co-op sells works or goods (has a catalogue).
    pub has_catalogue: bool,
    /// Its currencies, so amounts are named by them.
    pub currencies: Vec<coopkit_ledger::Currency>,
}

impl CoopPage {
    /// Whether the viewer may see the member list.
    pub fn viewer_is_member(&self) -> bool {
        self.viewer_membership
            .as_ref()
            .is_some_and(|m| m.status.is_active())
    }

    /// Whether the viewer changes settings and roles (an active admin).
    pub fn viewer_changes_settings(&self) -> bool {
        self.viewer_membership
            .as_ref()
            .is_some_and(|m| m.status.is_active() && m.role.can_change_settings())
    }

    /// Whether the viewer admits and declines applicants.
    pub fn viewer_decides_applications(&self) -> bool {
        self.viewer_membership
            .as_ref()
            .is_some_and(|m| m.status.is_active() && m.role.can_decide_applications())
    }
}

impl App {
    /// Every co-op hosted here, listed or not: for the operator's
    /// commands.
    pub async fn all_coops(&self) -> Result<Vec<CoopSummary>> {
        Ok(self.store.list_coops().await?)
    }

    /// The co-ops hosted here that are listed publicly
    /// ([`Coop::is_listed`]).
    pub async fn list_coops(&self) -> Result<Vec<CoopSummary>> {
        let mut coops = self.store.list_coops().await?;
        coops.retain(|summary| summary.coop.is_listed());
        Ok(coops)
    }

    /// A co-op's public page, with the viewer's own standing if logged in.
    pub async fn coop_page(&self, viewer: Option<&Person>, slug: &str) -> Result<CoopPage> {
        let coop = self.coop(slug).await?;
        let classes = self.store.member_classes(coop.id).await?;
        let viewer_membership = match viewer {
            Some(person) => self.store.membership(coop.id, person.id).await?,
            None => None,
        };
        let active_members = self
            .store
            .count_members(coop.id, MembershipStatus::Active)
            .await?;
        let has_catalogue = self.store.catalogue_settings(coop.id).await?.is_some();
        let currencies = self.store.currencies(coop.id).await?;
        Ok(CoopPage {
            coop,
            classes,
            active_members,
            viewer_membership,
            has_catalogue,
            currencies,
        })
    }

    /// Starts a co-op with `founder` as its first admin.
    pub async fn found_coop(&self, founder: &Person, form: FoundCoop) -> Result<Coop> {
        self.may_found(founder).await?;
        let mut errors = Collector::new();
        let slug = errors.check("slug", Slug::parse(&form.slug));
        let name = errors.check("name", CoopName::parse(&form.name));
        let founder_class = errors.check("founder_class", ClassKey::parse(&form.founder_class));
        let currency = match form.currency {
            None => None,
            Some(currency) => match currency.checked() {
                Ok(currency) => Some(currency),
                // Named apart from the co-op's own fields: `currency.name`.
                Err(AppError::Invalid(Invalid(mut wrong))) => {
                    for error in &mut wrong {
                        error.field = format!("currency.{}", error.field);
                    }
                    errors.push_all(&mut wrong);
                    None
                }
                Err(other) => return Err(other),
            },
        };
        let (slug, name) = errors.finish_with(slug.zip(name))?;
        let new = NewCoop {
            slug,
            name,
            description: form.description.trim().to_owned(),
            profile: form.profile.trim().to_owned(),
            settings: form.settings,
            classes: form.classes,
        };
        new.validate()?;
        let founder_class = founder_class
            .filter(|key| new.classes.iter().any(|class| &class.key == key))
            .ok_or_else(|| AppError::absent("founder_class", "class-unknown"))?;
        let coop = self
            .store
            .create_coop(
                &new,
                founder.id,
                &founder_class,
                currency.as_ref(),
                self.clock.now(),
            )
            .await?;
        tracing::info!(coop = %coop.slug, founder = %founder.id, "co-op founded");
        Ok(coop)
    }

    /// Refuses `founder` unless the operator's setting lets them found one
    /// more co-op: operators always; others when anyone (or anyone whose
    /// address is verified) may, up to the limit per account.
    async fn may_found(&self, founder: &Person) -> Result<()> {
        let config = &self.config;
        if self.is_operator(founder).await? {
            return Ok(());
        }
        match config.founders {
            Founders::Operators => return Err(AppError::Forbidden("founding-operators-only")),
            Founders::Verified if founder.email_verified_at.is_none() => {
                return Err(AppError::Forbidden("founding-verified-only"))
            }
            Founders::Verified | Founders::Anyone => {}
        }
        let founded = self.store.coops_founded_by(founder.id).await?;
        if founded >= u64::from(config.founded_per_account) {
            return Err(AppError::Forbidden("founding-limit"));
        }
        Ok(())
    }

    /// Changes the bylaws' settings: admins only.
    pub async fn update_coop_settings(
        &self,
        actor: &Person,
        slug: &str,
        settings: CoopSettings,
    ) -> Result<Coop> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        settings.validate()?;
        self.store
            .update_coop_settings(coop.id, &settings, actor.id, self.clock.now())
            .await?;
        self.coop(slug).await
    }

    /// The co-op, for its settings page: admins only.
    pub async fn coop_settings(&self, actor: &Person, slug: &str) -> Result<Coop> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        Ok(coop)
    }

    /// The time zone of the co-op `slug`, if there is such a co-op: for
    /// pages, which show its times there.
    pub async fn coop_zone(&self, slug: &str) -> Result<Option<Zone>> {
        Ok(self.store.coop_zone(slug).await?)
    }

    pub(crate) async fn coop(&self, slug: &str) -> Result<Coop> {
        self.store
            .coop_by_slug(slug)
            .await?
            .ok_or(AppError::NotFound("co-op"))
    }

    /// Refuses `actor` unless they are an active member of the co-op `slug`
    /// with at least `role`: what the web layer asks before it reads a
    /// request. The use cases check again; this only refuses early.
    pub async fn authorize(&self, actor: &Person, slug: &str, role: Role) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, role).await.map(drop)
    }

    /// The actor's role in the co-op `slug`, if they are an active member.
    pub async fn role_in(&self, actor: &Person, slug: &str) -> Result<Role> {
        let coop = self.coop(slug).await?;
        Ok(self.require_role(&coop, actor, Role::Member).await?.role)
    }

    /// The actor's active membership, if their role is at least `role`.
    pub(crate) async fn require_role(
        &self,
        coop: &Coop,
        actor: &Person,
        role: Role,
    ) -> Result<Membership> {
        let membership = self
            .store
            .membership(coop.id, actor.id)
            .await?
            .filter(|m| m.status.is_active())
            .ok_or(AppError::Forbidden("members-only"))?;
        if membership.role < role {
            return Err(AppError::Forbidden(match role {
                Role::Admin => "admins-only",
                Role::Coordinator => "coordinators-only",
                Role::Member => "members-only",
            }));
        }
        Ok(membership)
    }
}
