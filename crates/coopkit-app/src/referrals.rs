//! Referrals: a member's invitation link, who came in through whose, and
//! the co-op's optional bonus in tokens for the member who invited, paid
//! once the invited member is in.

use coopkit_domain::{PersonId, Role};
use coopkit_ledger::{AccountOwner, Applied, CoopAccount, CurrencyCode, TransferId};
use coopkit_store::{Coop, Person};

use crate::ledger::{Instruction, Payment};
use crate::{App, AppError, Result};

/// A referral as coordinators see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralRow {
    pub person: String,
    pub referrer: String,
    pub rewarded: bool,
}

impl App {
    /// Records that the caller, who has just applied to join, came through
    /// `referrer`'s invitation. An invitation from someone who is not an
    /// active member (or from oneself) is ignored: the link is only a hint.
    pub async fn record_referral(
        &self,
        actor: &Person,
        slug: &str,
        referrer: PersonId,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        if referrer == actor.id || self.store.membership(coop.id, actor.id).await?.is_none() {
            return Ok(());
        }
        let referrer_active = self
            .store
            .membership(coop.id, referrer)
            .await?
            .is_some_and(|m| m.status.is_active());
        if !referrer_active {
            return Ok(());
        }
        self.store
            .add_referral(coop.id, actor.id, referrer, self.clock.now())
            .await?;
        self.reward_referral(&coop, actor.id).await
    }

    /// Pays the co-op's referral bonus for `person` to whoever invited
    /// them, once they are an active member, once. The transfer's id is
    /// derived from the co-op and the person, so paying twice pays once.
    pub(crate) async fn reward_referral(&self, coop: &Coop, person: PersonId) -> Result<()> {
        let Some(bonus) = self.store.referral_bonus(coop.id).await? else {
            return Ok(());
        };
        let Some(referral) = self
            .store
            .referrals(coop.id)
            .await?
            .into_iter()
            .find(|r| r.person == person && !r.rewarded)
        else {
            return Ok(());
        };
        let active = self
            .store
            .membership(coop.id, person)
            .await?
            .is_some_and(|m| m.status.is_active());
        if !active {
            return Ok(());
        }
        let (currency, amount) = bonus;
        let pay = Instruction::Pay(Payment {
            id: TransferId::derived(&format!("coopkit-referral|{}|{}", coop.id, person)),
            currency,
            from: AccountOwner::Coop(CoopAccount::Issuance),
            to: AccountOwner::Member(referral.referrer),
            amount,
            hold: None,
            linked: false,
            memo: "Referral bonus".into(),
            cause: format!("referral:{person}"),
        });
        match self.ledger.submit(coop.id, vec![pay]).await?.pop() {
            Some(Ok(Applied::New | Applied::Replayed)) => {
                self.store
                    .mark_referral_rewarded(coop.id, person, self.clock.now())
                    .await?;
            }
            Some(Err(refusal)) => {
                tracing::warn!(coop = %coop.slug, %person, %refusal, "referral bonus refused")
            }
            None => {}
        }
        Ok(())
    }

    /// Sets the co-op's referral bonus (admins); an amount of zero removes it.
    pub async fn set_referral_bonus(
        &self,
        actor: &Person,
        slug: &str,
        currency: &str,
        amount: u64,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        if amount == 0 {
            return Ok(self
                .store
                .set_referral_bonus(coop.id, None, actor.id, self.clock.now())
                .await?);
        }
        if amount > coopkit_ledger::AMOUNT_MAX {
            return Err(AppError::invalid("bonus", "amount-too-large"));
        }
        let code =
            CurrencyCode::parse(currency).map_err(|code| AppError::invalid("currency", code))?;
        self.coop_currency(&coop, &code).await?;
        Ok(self
            .store
            .set_referral_bonus(coop.id, Some((&code, amount)), actor.id, self.clock.now())
            .await?)
    }

    /// The co-op's bonus, if any: (currency, amount).
    pub async fn referral_bonus(
        &self,
        actor: &Person,
        slug: &str,
    ) -> Result<Option<(CurrencyCode, u64)>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.referral_bonus(coop.id).await?)
    }

    /// Who invited whom: coordinators.
    pub async fn referrals(&self, actor: &Person, slug: &str) -> Result<Vec<ReferralRow>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let mut rows = Vec::new();
        for referral in self.store.referrals(coop.id).await? {
            rows.push(ReferralRow {
                person: self.name_of(referral.person).await?,
                referrer: self.name_of(referral.referrer).await?,
                rewarded: referral.rewarded,
            });
        }
        Ok(rows)
    }
}
