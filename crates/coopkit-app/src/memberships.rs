//! Joining, admitting, leaving, and seeing who belongs.

use coopkit_domain::membership::{self, MembershipAction};
use coopkit_domain::{join_outcome, MembershipId, MembershipStatus, Role};
use coopkit_store::{
    LeaveOutcome, MemberListing, Membership, Person, PersonalMembership, RoleChange, Sanctioned,
};

use crate::{App, AppError, Result};

/// The result of applying to join.
#[derive(Debug, Clone)]
pub struct JoinOutcome {
    pub membership: Membership,
    /// True when the bylaws admitted the applicant at once.
    pub admitted: bool,
}

impl App {
    /// Applies to join a co-op in a class. Depending on the bylaws the
    /// applicant is in at once or waits for a coordinator.
    pub async fn join(&self, actor: &Person, slug: &str, class_key: &str) -> Result<JoinOutcome> {
        let coop = self.coop(slug).await?;
        let classes = self.store.member_classes(coop.id).await?;
        let class = classes
            .iter()
            .find(|class| class.spec.key.as_str() == class_key.trim())
            .ok_or_else(|| AppError::absent("class", "class-unknown"))?;
        let admitted_at_once = join_outcome(&coop.settings, &class.spec)
            .map_err(|code| AppError::invalid("class", code))?
            .is_active();
        let before = self
            .store
            .membership(coop.id, actor.id)
            .await?
            .map(|m| m.status);
        // The store checks the standing again as it writes, so two
        // applications at once cannot both get in.
        let status = membership::step(before, &MembershipAction::Apply { admitted_at_once })
            .map_err(|_| AppError::Conflict {
                field: "class",
                code: "already-member",
            })?;
        let membership = self
            .store
            .apply_for_membership(coop.id, actor.id, class.id, status, self.clock.now())
            .await?;
        tracing::info!(coop = %coop.slug, person = %actor.id, status = status.as_str(), "applied to join");
        if membership.status.is_active() {
            self.grant_joining_tokens(&coop, actor.id).await?;
        }
        Ok(JoinOutcome {
            admitted: membership.status.is_active(),
            membership,
        })
    }

    /// Admits or declines a pending application: coordinators and admins.
    pub async fn decide_application(
        &self,
        actor: &Person,
        slug: &str,
        membership: MembershipId,
        admit: bool,
    ) -> Result<Membership> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let decision = if admit {
            MembershipStatus::Active
        } else {
            MembershipStatus::Declined
        };
        let decided = self
            .store
            .decide_application(coop.id, membership, decision, actor.id, self.clock.now())
            .await?
            .ok_or(AppError::NotFound("application"))?;
        tracing::info!(coop = %coop.slug, membership = %membership, by = %actor.id, decision = decision.as_str(), "application decided");
        if admit {
            self.grant_joining_tokens(&coop, decided.person_id).await?;
            self.reward_referral(&coop, decided.person_id).await?;
        }
        Ok(decided)
    }

    /// Leaves a co-op (or withdraws an application).
    pub async fn leave(&self, actor: &Person, slug: &str) -> Result<()> {
        let coop = self.coop(slug).await?;
        match self
            .store
            .leave_coop(coop.id, actor.id, self.clock.now())
            .await?
        {
            LeaveOutcome::Left => Ok(()),
            LeaveOutcome::NotAMember => Err(AppError::NotFound("membership")),
            LeaveOutcome::LastAdmin => Err(AppError::Conflict {
                field: "membership",
                code: "last-admin",
            }),
        }
    }

    /// Gives a member a role: admins only. The last admin cannot be
    /// demoted, so a co-op always has someone who can run it.
    pub async fn change_role(
        &self,
        actor: &Person,
        slug: &str,
        membership: MembershipId,
        role: Role,
    ) -> Result<Membership> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        match self
            .store
            .set_role(coop.id, membership, role, actor.id, self.clock.now())
            .await?
        {
            RoleChange::Changed(changed) => {
                tracing::info!(coop = %coop.slug, membership = %membership, by = %actor.id, role = role.as_str(), "role changed");
                Ok(changed)
            }
            RoleChange::NotFound => Err(AppError::NotFound("membership")),
            RoleChange::LastAdmin => Err(AppError::Conflict {
                field: "role",
                code: "last-admin",
            }),
        }
    }

    /// The active members: visible to active members only.
    pub async fn member_list(&self, actor: &Person, slug: &str) -> Result<Vec<MemberListing>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self
            .store
            .members(coop.id, MembershipStatus::Active)
            .await?)
    }

    /// Suspends, reinstates or expels a member: coordinators suspend and
    /// reinstate those below them, admins expel (see
    /// [`membership::may_sanction`]). The member is told by email.
    pub async fn sanction(
        &self,
        actor: &Person,
        slug: &str,
        membership: MembershipId,
        action: MembershipAction,
    ) -> Result<Membership> {
        let coop = self.coop(slug).await?;
        let needed = match action {
            MembershipAction::Expel { .. } => Role::Admin,
            _ => Role::Coordinator,
        };
        self.require_role(&coop, actor, needed).await?;
        match self
            .store
            .sanction(coop.id, membership, &action, actor.id, self.clock.now())
            .await?
        {
            Sanctioned::Done(changed) => {
                tracing::info!(coop = %coop.slug, membership = %membership, by = %actor.id, status = changed.status.as_str(), "standing changed");
                Ok(changed)
            }
            Sanctioned::NotFound => Err(AppError::NotFound("membership")),
            Sanctioned::Refused(code) => Err(AppError::Conflict {
                field: "membership",
                code,
            }),
        }
    }

    /// One member, in whatever standing, as coordinators see them on the
    /// page where they are suspended or expelled.
    pub async fn member(
        &self,
        actor: &Person,
        slug: &str,
        membership: MembershipId,
    ) -> Result<MemberListing> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        self.store
            .member(coop.id, membership)
            .await?
            .ok_or(AppError::NotFound("membership"))
    }

    /// Applications waiting for a decision: coordinators and admins.
    pub async fn pending_applications(
        &self,
        actor: &Person,
        slug: &str,
    ) -> Result<Vec<MemberListing>> {
        self.members_for_coordinators(actor, slug, MembershipStatus::Pending)
            .await
    }

    /// Members who are suspended: coordinators and admins.
    pub async fn suspended_members(
        &self,
        actor: &Person,
        slug: &str,
    ) -> Result<Vec<MemberListing>> {
        self.members_for_coordinators(actor, slug, MembershipStatus::Suspended)
            .await
    }

    async fn members_for_coordinators(
        &self,
        actor: &Person,
        slug: &str,
        status: MembershipStatus,
    ) -> Result<Vec<MemberListing>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        Ok(self.store.members(coop.id, status).await?)
    }

    /// Every co-op the actor belongs to, applied to, or left.
    pub async fn my_memberships(&self, actor: &Person) -> Result<Vec<PersonalMembership>> {
        Ok(self.store.memberships_of(actor.id).await?)
    }
}
