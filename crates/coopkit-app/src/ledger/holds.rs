//! Settling holds: a payer's hold is posted (in full or part) when the work
//! is done, or voided when it is called off. The ledger decides whether a
//! hold can still be settled; this decides who may settle it.

use coopkit_domain::Role;
use coopkit_ledger::{AccountOwner, Applied, Refusal, TransferId};
use coopkit_store::{Coop, Person};

use super::{Instruction, TransferView};
use crate::{App, AppError, Result};

/// What to do with a hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Move the held amount, or part of it, releasing the rest.
    Post { amount: Option<u64> },
    /// Release it all.
    Void,
}

impl App {
    /// A transfer of the co-op by id, for a party to it or a coordinator.
    pub async fn transfer_view(
        &self,
        actor: &Person,
        slug: &str,
        id: TransferId,
    ) -> Result<TransferView> {
        let coop = self.coop(slug).await?;
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        self.visible_transfer(&coop, role, actor, id).await
    }

    async fn visible_transfer(
        &self,
        coop: &Coop,
        role: Role,
        actor: &Person,
        id: TransferId,
    ) -> Result<TransferView> {
        let view = self
            .ledger
            .transfer(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("transfer"))?;
        let me = AccountOwner::Member(actor.id);
        if view.debit_owner != me && view.credit_owner != me && !role.can_decide_applications() {
            // Other members' transfers stay private, as their statements do.
            return Err(AppError::NotFound("transfer"));
        }
        Ok(view)
    }

    /// Posts or voids hold `pending` with a new transfer `id`. The payer
    /// may post or void; the payee may only void (decline the payment);
    /// coordinators may do either. Returns the ledger's answer: settling
    /// twice with the same id replays, with another id is refused.
    pub async fn settle_hold(
        &self,
        actor: &Person,
        slug: &str,
        pending: TransferId,
        id: TransferId,
        settlement: Settlement,
    ) -> Result<Result<Applied, Refusal>> {
        let coop = self.coop(slug).await?;
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        let hold = self.visible_transfer(&coop, role, actor, pending).await?;
        if hold.hold.is_none() {
            return Ok(Err(Refusal::NotPending));
        }
        let me = AccountOwner::Member(actor.id);
        let allowed = role.can_decide_applications()
            || hold.debit_owner == me
            || (settlement == Settlement::Void && hold.credit_owner == me);
        if !allowed {
            return Err(AppError::Forbidden("payer-settles-hold"));
        }
        let instruction = match settlement {
            Settlement::Post { amount } => Instruction::Post {
                id,
                pending,
                amount,
            },
            Settlement::Void => Instruction::Void { id, pending },
        };
        let mut results = self.ledger.submit(coop.id, vec![instruction]).await?;
        results
            .pop()
            .ok_or(AppError::internal("the ledger answered an empty batch"))
    }
}
