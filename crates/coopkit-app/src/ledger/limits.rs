//! Per-account limits: an admin gives one member more credit (a higher
//! debit limit) or a different balance cap than the currency's defaults.

use coopkit_domain::validation::Collector;
use coopkit_domain::{PersonId, Role};
use coopkit_ledger::{AccountOwner, Applied, CurrencyCode, Limit};
use coopkit_store::Person;

use super::{AccountView, Instruction};
use crate::{App, AppError, Result};

impl App {
    /// Sets a member's limits in one currency, opening their account if
    /// they have none yet. Admins only. New limits bind the next transfer;
    /// a balance already past a lowered limit stays as it is (the member
    /// can only move back towards it).
    pub async fn set_limits(
        &self,
        actor: &Person,
        slug: &str,
        member: PersonId,
        currency: &str,
        debit_limit: Limit,
        balance_cap: Limit,
    ) -> Result<AccountView> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let mut errors = Collector::new();
        for (field, limit) in [("debit_limit", debit_limit), ("balance_cap", balance_cap)] {
            if !limit.is_within_bounds() {
                errors.push(field, "limit-too-large");
            }
        }
        errors.finish()?;
        let code =
            CurrencyCode::parse(currency).map_err(|code| AppError::invalid("currency", code))?;
        self.coop_currency(&coop, &code).await?;
        if !self
            .store
            .membership(coop.id, member)
            .await?
            .is_some_and(|m| m.status.is_active())
        {
            return Err(AppError::NotFound("member"));
        }
        let owner = AccountOwner::Member(member);
        let instruction = Instruction::SetLimits {
            currency: code.clone(),
            owner,
            debit_limit,
            balance_cap,
        };
        match self.ledger.submit(coop.id, vec![instruction]).await?.pop() {
            Some(Ok(Applied::New | Applied::Replayed)) => {}
            Some(Err(refusal)) => {
                return Err(AppError::Conflict {
                    field: "limits",
                    code: refusal.code(),
                })
            }
            None => return Err(AppError::internal("the ledger answered an empty batch")),
        }
        self.ledger
            .accounts(coop.id)
            .await?
            .into_iter()
            .find(|v| v.account.currency == code && v.account.owner == owner)
            .ok_or(AppError::internal(
                "the account vanished after its limits were set",
            ))
    }
}
