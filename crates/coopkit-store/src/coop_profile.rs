//! What admins change after founding: the co-op's profile and its member
//! classes, each with its `coop.settings_changed` event.

use coopkit_domain::coop::profile::{ClassChanges, CoopProfile};
use coopkit_domain::{CoopId, Event, Happened, PersonId, SettingsPart, Timestamp};

use crate::error::Conflict;
use crate::events::{compare_and_set, record_events};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

fn changed(coop: CoopId, part: SettingsPart, by: PersonId, now: Timestamp) -> [Happened; 1] {
    [Happened::new(
        coop,
        Some(by),
        now,
        Event::SettingsChanged { coop, part },
    )]
}

impl Store {
    /// Replaces the co-op's name, description and profile.
    pub async fn update_coop_profile(
        &self,
        coop: CoopId,
        profile: &CoopProfile,
        by: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let happened = changed(coop, SettingsPart::Profile, by, now);
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query("UPDATE coop SET name = $1, description = $2, profile = $3 WHERE id = $4")
                .bind(profile.name.as_str())
                .bind(&profile.description)
                .bind(&profile.profile)
                .bind(coop.0),
            &happened
        ))?;
        Ok(())
    }

    /// Saves the class form in one transaction: the classes there change
    /// in place (keys stay), new ones go after them. A new class whose key
    /// another took a moment before is [`StoreError::Conflict`]
    /// (`ClassKey`), and nothing is saved.
    pub async fn save_member_classes(
        &self,
        coop: CoopId,
        changes: &ClassChanges,
        by: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let happened = changed(coop, SettingsPart::Classes, by, now);
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for class in &changes.changed {
                sqlx::query(
                    "UPDATE member_class SET name = $1, description = $2, open_to_join = $3, \
                     requires_approval = $4 WHERE id = $5 AND coop_id = $6",
                )
                .bind(&class.spec.name)
                .bind(&class.spec.description)
                .bind(class.spec.open_to_join)
                .bind(class.spec.requires_approval)
                .bind(class.id.0)
                .bind(coop.0)
                .execute(&mut *tx)
                .await?;
            }
            let last: Option<i64> =
                sqlx::query_scalar("SELECT MAX(position) FROM member_class WHERE coop_id = $1")
                    .bind(coop.0)
                    .fetch_one(&mut *tx)
                    .await?;
            let mut position = last.unwrap_or(-1);
            for class in &changes.added {
                position += 1;
                sqlx::query(
                    "INSERT INTO member_class \
                     (coop_id, key, name, description, open_to_join, requires_approval, position) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(coop.0)
                .bind(class.key.as_str())
                .bind(&class.name)
                .bind(&class.description)
                .bind(class.open_to_join)
                .bind(class.requires_approval)
                .bind(position)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::conflict_as(Conflict::ClassKey))?;
            }
            record_events!(tx, &happened);
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }
}
