//! Suspending, reinstating and expelling members: the rules are the
//! domain's ([`membership::step`], [`membership::may_sanction`]); this
//! reads both memberships inside the transaction that changes one, so a
//! role taken away a moment before counts.

use coopkit_domain::membership::{self, MembershipAction};
use coopkit_domain::{CoopId, MembershipId, PersonId, Timestamp};

use crate::events::record_events;
use crate::memberships::{happened, MEMBERSHIP_COLUMNS};
use crate::records::{maybe, Membership, MembershipRow, Sanctioned};
use crate::{on_pool, BeginWrite, Result, Store};

impl Store {
    /// Takes `action` (a suspension, a reinstatement or an expulsion) on
    /// membership `target` of this co-op, by `by`, who must be an active
    /// member that outranks it. The reason of a suspension or expulsion is
    /// kept on the membership; reinstating clears it.
    pub async fn sanction(
        &self,
        coop: CoopId,
        target: MembershipId,
        action: &MembershipAction,
        by: PersonId,
        now: Timestamp,
    ) -> Result<Sanctioned> {
        let reason = match action {
            MembershipAction::Suspend { reason } | MembershipAction::Expel { reason } => {
                reason.as_str()
            }
            _ => "",
        };
        let by_id =
            format!("SELECT {MEMBERSHIP_COLUMNS} FROM membership WHERE coop_id = $1 AND id = $2");
        let by_person = format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM membership WHERE coop_id = $1 AND person_id = $2"
        );
        let update = format!(
            "UPDATE membership SET status = $1, reason = $2 WHERE id = $3 AND status = $4 \
             RETURNING {MEMBERSHIP_COLUMNS}"
        );
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<MembershipRow> = sqlx::query_as(&by_id)
                .bind(coop.0)
                .bind(target.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(current): Option<Membership> = maybe(row)? else {
                return Ok(Sanctioned::NotFound);
            };
            let row: Option<MembershipRow> = sqlx::query_as(&by_person)
                .bind(coop.0)
                .bind(by.0)
                .fetch_optional(&mut *tx)
                .await?;
            let actor: Option<Membership> = maybe(row)?;
            let Some(actor) = actor.filter(|m| m.status.is_active()) else {
                return Ok(Sanctioned::Refused("members-only"));
            };
            if actor.id == current.id {
                return Ok(Sanctioned::Refused("sanction-self"));
            }
            if let Err(code) = membership::may_sanction(actor.role, current.role, action) {
                return Ok(Sanctioned::Refused(code));
            }
            let after = match membership::step(Some(current.status), action) {
                Ok(after) => after,
                Err(code) => return Ok(Sanctioned::Refused(code)),
            };
            // The standing read above is checked again as it is written.
            let row: Option<MembershipRow> = sqlx::query_as(&update)
                .bind(after.as_str())
                .bind(reason)
                .bind(current.id.0)
                .bind(current.status.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let Some(changed) = maybe(row)? else {
                return Ok(Sanctioned::Refused("membership-changed"));
            };
            record_events!(tx, &[happened(&changed, action, by, now)]);
            tx.commit().await?;
            Ok(Sanctioned::Done(changed))
        })
    }
}
