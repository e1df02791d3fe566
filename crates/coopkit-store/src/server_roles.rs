//! Who holds a role on the whole server: operators and directory
//! moderators ([`ServerRole`]).

use coopkit_domain::server_role::RoleHolder;
use coopkit_domain::{Email, PersonId, ServerRole, Timestamp};

use crate::records::parsed;
use crate::{on_pool, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct HolderRow {
    person_id: i64,
    display_name: String,
    email: String,
    role: String,
    granted_at: i64,
    granted_by: Option<String>,
}

impl TryFrom<HolderRow> for RoleHolder {
    type Error = StoreError;
    fn try_from(row: HolderRow) -> Result<Self> {
        Ok(RoleHolder {
            person: PersonId(row.person_id),
            display_name: row.display_name,
            email: parsed("person.email", &row.email, Email::parse)?,
            role: parsed("server_role.role", &row.role, ServerRole::parse)?,
            granted_at: Timestamp(row.granted_at),
            granted_by: row.granted_by,
        })
    }
}

impl Store {
    pub async fn has_server_role(&self, person: PersonId, role: ServerRole) -> Result<bool> {
        let found: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT person_id FROM server_role WHERE person_id = $1 AND role = $2"
        )
        .bind(person.0)
        .bind(role.as_str())
        .fetch_optional(pool)
        .await)?;
        Ok(found.is_some())
    }

    /// Gives `person` `role`, by `by` (`None`: at the command line).
    /// False when they held it already (and nothing changes).
    pub async fn grant_server_role(
        &self,
        person: PersonId,
        role: ServerRole,
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<bool> {
        let granted: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
            "INSERT INTO server_role (person_id, role, granted_at, granted_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (person_id, role) DO NOTHING RETURNING person_id"
        )
        .bind(person.0)
        .bind(role.as_str())
        .bind(now.as_millis())
        .bind(by.map(|p| p.0))
        .fetch_optional(pool)
        .await
        })?;
        Ok(granted.is_some())
    }

    /// Takes `role` from `person`. False when they did not hold it.
    pub async fn revoke_server_role(&self, person: PersonId, role: ServerRole) -> Result<bool> {
        let revoked: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(
            "DELETE FROM server_role WHERE person_id = $1 AND role = $2 RETURNING person_id"
        )
        .bind(person.0)
        .bind(role.as_str())
        .fetch_optional(pool)
        .await)?;
        Ok(revoked.is_some())
    }

    /// Everyone holding `role`, by name.
    pub async fn server_role_holders(&self, role: ServerRole) -> Result<Vec<RoleHolder>> {
        let rows: Vec<HolderRow> = on_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT person.id AS person_id, person.display_name, person.email, server_role.role, \
                    server_role.granted_at, granter.display_name AS granted_by \
             FROM server_role \
             JOIN person ON person.id = server_role.person_id \
             LEFT JOIN person granter ON granter.id = server_role.granted_by \
             WHERE server_role.role = $1 \
             ORDER BY lower(person.display_name), person.id"
        )
        .bind(role.as_str())
        .fetch_all(pool)
        .await
        })?;
        rows.into_iter().map(RoleHolder::try_from).collect()
    }
}
