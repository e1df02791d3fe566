//! Admins change how the co-op presents itself and its member classes
//! after founding (the rules are `coop::profile`'s).

use coopkit_domain::coop::profile::{class_changes, ClassEdit, CoopProfile};
use coopkit_domain::Role;
use coopkit_store::{Coop, MemberClass, Person};

use crate::{App, Result};

impl App {
    /// Replaces the co-op's name, description and profile: admins only.
    pub async fn save_coop_profile(
        &self,
        actor: &Person,
        slug: &str,
        name: &str,
        description: &str,
        profile: &str,
    ) -> Result<Coop> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let profile = CoopProfile::parse(name, description, profile)?;
        self.store
            .update_coop_profile(coop.id, &profile, actor.id, self.clock.now())
            .await?;
        self.coop(slug).await
    }

    /// Saves the class form (every class, changed or not, and any new
    /// ones): admins only. Classes are never removed: members belong to
    /// them; a class nobody should join any more is closed.
    pub async fn save_member_classes(
        &self,
        actor: &Person,
        slug: &str,
        edits: &[ClassEdit],
    ) -> Result<Vec<MemberClass>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let current = self.store.member_classes(coop.id).await?;
        let changes = class_changes(&current, edits)?;
        self.store
            .save_member_classes(coop.id, &changes, actor.id, self.clock.now())
            .await?;
        Ok(self.store.member_classes(coop.id).await?)
    }
}
