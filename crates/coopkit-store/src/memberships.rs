//! Memberships: applying, deciding, leaving, and who belongs.
//!
//! Every statement names the co-op it acts in, so an id from another co-op
//! matches nothing.

use coopkit_domain::membership::{self, MembershipAction};
use coopkit_domain::{
    CoopId, Event, Happened, MemberClassId, MembershipId, MembershipStatus, PersonId, Role,
    Timestamp,
};

use crate::error::Conflict;
use crate::events::record_events;
use crate::records::{
    all, maybe, LeaveOutcome, MemberListing, MemberListingRow, Membership, MembershipRow,
    PersonalMembership, PersonalMembershipRow, RoleChange,
};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// The event of `action` on the membership as it now stands, by `actor`.
pub(crate) fn happened(
    m: &Membership,
    action: &MembershipAction,
    actor: PersonId,
    at: Timestamp,
) -> Happened {
    let event = membership::event(m.id, m.person_id, m.class_id, action);
    Happened::new(m.coop_id, Some(actor), at, event)
}

pub(crate) const MEMBERSHIP_COLUMNS: &str =
    "membership.id, membership.coop_id, membership.person_id, \
     membership.class_id, membership.role, membership.status, membership.applied_at, \
     membership.decided_at, membership.reason";

/// Memberships with the names a member list shows beside them.
fn listing() -> String {
    format!(
        "SELECT {MEMBERSHIP_COLUMNS}, person.display_name, \
                member_class.key AS class_key, member_class.name AS class_name \
         FROM membership \
         JOIN person ON person.id = membership.person_id \
         JOIN member_class ON member_class.id = membership.class_id"
    )
}

/// Active admins of co-op $1 other than membership $2 ($3 = 'admin',
/// $4 = 'active'): a co-op must keep at least one.
pub(crate) const OTHER_ACTIVE_ADMINS: &str =
    "SELECT count(*) FROM membership WHERE coop_id = $1 AND id <> $2 AND role = $3 AND status = $4";

/// Ends, inside the open transaction `$tx`, the pending, active or
/// suspended membership `$current` (a [`Membership`]), by `$actor`, with its event;
/// unless it is the co-op's last active admin: a co-op must always have
/// someone who can run it. Evaluates to the [`LeaveOutcome`].
macro_rules! leave_membership {
    ($tx:expr, $current:expr, $actor:expr, $now:expr) => {{
        use coopkit_domain::membership::{step, MembershipAction};
        use coopkit_domain::{MembershipStatus, Role};
        use $crate::records::{LeaveOutcome, Membership};
        let current: &Membership = $current;
        let now: coopkit_domain::Timestamp = $now;
        match step(Some(current.status), &MembershipAction::Leave) {
            Err(_) => LeaveOutcome::NotAMember,
            Ok(after) => {
                let last_admin = current.status.is_active() && current.role == Role::Admin && {
                    let others: i64 = sqlx::query_scalar($crate::memberships::OTHER_ACTIVE_ADMINS)
                        .bind(current.coop_id.0)
                        .bind(current.id.0)
                        .bind(Role::Admin.as_str())
                        .bind(MembershipStatus::Active.as_str())
                        .fetch_one(&mut *$tx)
                        .await?;
                    others == 0
                };
                if last_admin {
                    LeaveOutcome::LastAdmin
                } else {
                    sqlx::query(
                        "UPDATE membership SET status = $1, decided_at = $2, reason = '' WHERE id = $3",
                    )
                        .bind(after.as_str())
                        .bind(now.as_millis())
                        .bind(current.id.0)
                        .execute(&mut *$tx)
                        .await?;
                    let left = $crate::memberships::happened(
                        current,
                        &MembershipAction::Leave,
                        $actor,
                        now,
                    );
                    $crate::events::record_events!($tx, &[left]);
                    LeaveOutcome::Left
                }
            }
        }
    }};
}
pub(crate) use leave_membership;

impl Store {
    /// This person's membership of this co-op, in whatever standing.
    pub async fn membership(&self, coop: CoopId, person: PersonId) -> Result<Option<Membership>> {
        let sql = format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM membership WHERE coop_id = $1 AND person_id = $2"
        );
        let row: Option<MembershipRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(person.0)
                .fetch_optional(pool)
                .await
        })?;
        maybe(row)
    }

    /// Records an application as `status` (pending, or active when the
    /// bylaws admit without approval), as an ordinary member of `class`.
    ///
    /// Someone who was declined, left or was expelled applies again on the
    /// same row; for someone who belongs this is [`StoreError::Conflict`]
    /// on `membership`. One statement, so two racing applications cannot
    /// both succeed.
    pub async fn apply_for_membership(
        &self,
        coop: CoopId,
        person: PersonId,
        class: MemberClassId,
        status: MembershipStatus,
        now: Timestamp,
    ) -> Result<Membership> {
        let sql = format!(
            "INSERT INTO membership (coop_id, person_id, class_id, role, status, applied_at, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (coop_id, person_id) DO UPDATE \
               SET class_id = excluded.class_id, role = excluded.role, status = excluded.status, \
                   applied_at = excluded.applied_at, decided_at = excluded.decided_at, decided_by = NULL, \
                   reason = '' \
               WHERE membership.status IN ($8, $9, $10) \
             RETURNING {MEMBERSHIP_COLUMNS}"
        );
        let decided_at = status.is_active().then_some(now.as_millis());
        let action = MembershipAction::Apply {
            admitted_at_once: status.is_active(),
        };
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<MembershipRow> = sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(person.0)
                .bind(class.0)
                .bind(Role::Member.as_str())
                .bind(status.as_str())
                .bind(now.as_millis())
                .bind(decided_at)
                .bind(MembershipStatus::Declined.as_str())
                .bind(MembershipStatus::Left.as_str())
                .bind(MembershipStatus::Expelled.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(StoreError::Conflict(Conflict::Membership));
            };
            let applied: Membership = row.try_into()?;
            record_events!(tx, &[happened(&applied, &action, person, now)]);
            tx.commit().await?;
            Ok(applied)
        })
    }

    /// Admits (`Active`) or declines a pending application in this co-op.
    /// `None` when there is no such pending application here.
    pub async fn decide_application(
        &self,
        coop: CoopId,
        membership: MembershipId,
        decision: MembershipStatus,
        decided_by: PersonId,
        now: Timestamp,
    ) -> Result<Option<Membership>> {
        let sql = format!(
            "UPDATE membership SET status = $1, decided_at = $2, decided_by = $3 \
             WHERE id = $4 AND coop_id = $5 AND status = $6 \
             RETURNING {MEMBERSHIP_COLUMNS}"
        );
        let action = if decision.is_active() {
            MembershipAction::Admit
        } else {
            MembershipAction::Decline
        };
        // Only a pending application is decided (the statement checks it
        // as it writes); the rule says where the decision takes it.
        let decision = membership::step(Some(MembershipStatus::Pending), &action)
            .map_err(|_| StoreError::Corrupt(format!("{decision:?} is no decision")))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<MembershipRow> = sqlx::query_as(&sql)
                .bind(decision.as_str())
                .bind(now.as_millis())
                .bind(decided_by.0)
                .bind(membership.0)
                .bind(coop.0)
                .bind(MembershipStatus::Pending.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let Some(decided) = maybe(row)? else {
                return Ok(None);
            };
            record_events!(tx, &[happened(&decided, &action, decided_by, now)]);
            tx.commit().await?;
            Ok(Some(decided))
        })
    }

    /// Ends a pending or active membership, unless it is the co-op's last
    /// active admin: a co-op must always have someone who can run it.
    pub async fn leave_coop(
        &self,
        coop: CoopId,
        person: PersonId,
        now: Timestamp,
    ) -> Result<LeaveOutcome> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let sql = format!(
                "SELECT {MEMBERSHIP_COLUMNS} FROM membership WHERE coop_id = $1 AND person_id = $2"
            );
            let current: Option<MembershipRow> = sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(person.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(current): Option<Membership> = maybe(current)? else {
                return Ok(LeaveOutcome::NotAMember);
            };
            let outcome = leave_membership!(tx, &current, person, now);
            if outcome != LeaveOutcome::Left {
                return Ok(outcome);
            }
            tx.commit().await?;
            Ok(LeaveOutcome::Left)
        })
    }

    /// Gives an active member of this co-op a role, unless that would leave
    /// the co-op without an active admin.
    pub async fn set_role(
        &self,
        coop: CoopId,
        membership: MembershipId,
        role: Role,
        by: PersonId,
        now: Timestamp,
    ) -> Result<RoleChange> {
        let sql = format!(
            "UPDATE membership SET role = $1 WHERE id = $2 AND coop_id = $3 AND status = $4 \
             RETURNING {MEMBERSHIP_COLUMNS}"
        );
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let current: Option<String> = sqlx::query_scalar(
                "SELECT role FROM membership WHERE id = $1 AND coop_id = $2 AND status = $3",
            )
            .bind(membership.0)
            .bind(coop.0)
            .bind(MembershipStatus::Active.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(current) = current else {
                return Ok(RoleChange::NotFound);
            };
            if current == Role::Admin.as_str() && role != Role::Admin {
                let other_admins: i64 = sqlx::query_scalar(OTHER_ACTIVE_ADMINS)
                    .bind(coop.0)
                    .bind(membership.0)
                    .bind(Role::Admin.as_str())
                    .bind(MembershipStatus::Active.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                if other_admins == 0 {
                    return Ok(RoleChange::LastAdmin);
                }
            }
            let row: MembershipRow = sqlx::query_as(&sql)
                .bind(role.as_str())
                .bind(membership.0)
                .bind(coop.0)
                .bind(MembershipStatus::Active.as_str())
                .fetch_one(&mut *tx)
                .await?;
            let changed: Membership = row.try_into()?;
            let event = Event::RoleChanged {
                membership,
                person: changed.person_id,
                role,
            };
            record_events!(tx, &[Happened::new(coop, Some(by), now, event)]);
            tx.commit().await?;
            Ok(RoleChange::Changed(changed))
        })
    }

    /// Memberships of this co-op in this standing, by name.
    pub async fn members(
        &self,
        coop: CoopId,
        status: MembershipStatus,
    ) -> Result<Vec<MemberListing>> {
        let sql = format!(
            "{} WHERE membership.coop_id = $1 AND membership.status = $2 \
             ORDER BY lower(person.display_name), membership.id",
            listing()
        );
        let rows: Vec<MemberListingRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(status.as_str())
                .fetch_all(pool)
                .await
        })?;
        all(rows)
    }

    /// One membership of this co-op, in whatever standing, as a member
    /// list shows it.
    pub async fn member(
        &self,
        coop: CoopId,
        membership: MembershipId,
    ) -> Result<Option<MemberListing>> {
        let sql = format!(
            "{} WHERE membership.coop_id = $1 AND membership.id = $2",
            listing()
        );
        let row: Option<MemberListingRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(membership.0)
                .fetch_optional(pool)
                .await
        })?;
        maybe(row)
    }

    /// How many memberships of this co-op are in this standing.
    pub async fn count_members(&self, coop: CoopId, status: MembershipStatus) -> Result<i64> {
        let count: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT count(*) FROM membership WHERE coop_id = $1 AND status = $2")
                .bind(coop.0)
                .bind(status.as_str())
                .fetch_one(pool)
                .await
        })?;
        Ok(count)
    }

    /// Every membership a person holds or held, by co-op name.
    pub async fn memberships_of(&self, person: PersonId) -> Result<Vec<PersonalMembership>> {
        let sql = format!(
            "SELECT {MEMBERSHIP_COLUMNS}, coop.slug AS coop_slug, coop.name AS coop_name, \
                    member_class.key AS class_key, member_class.name AS class_name \
             FROM membership \
             JOIN coop ON coop.id = membership.coop_id \
             JOIN member_class ON member_class.id = membership.class_id \
             WHERE membership.person_id = $1 \
             ORDER BY lower(coop.name), coop.id"
        );
        let rows: Vec<PersonalMembershipRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql).bind(person.0).fetch_all(pool).await
        })?;
        all(rows)
    }
}
