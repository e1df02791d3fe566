//! What a co-op gives a member on joining: each currency's joining grant
//! (the Capitol Hill co-op's 20 tokens), paid from the co-op's issuance
//! account once the member is in, and once only.

use coopkit_domain::PersonId;
use coopkit_ledger::{AccountOwner, CoopAccount, TransferId};
use coopkit_store::Coop;

use crate::ledger::{Instruction, Payment};
use crate::{App, Result};

/// What a joining grant's transfer is for, as its statement line tells it
/// (`joining:` and the member's id).
pub const JOINING_CAUSE: &str = "joining";

impl App {
    /// Pays each of the co-op's joining grants to a member just admitted.
    /// A transfer's id is derived from the co-op, the currency and the
    /// person, so a member who leaves and joins again is not paid twice.
    pub(crate) async fn grant_joining_tokens(&self, coop: &Coop, person: PersonId) -> Result<()> {
        let grants: Vec<Instruction> = self
            .store
            .currencies(coop.id)
            .await?
            .into_iter()
            .filter(|currency| currency.policy.joining_grant > 0)
            .map(|currency| {
                Instruction::Pay(Payment {
                    id: TransferId::derived(&format!(
                        "coopkit-joining|{}|{}|{}",
                        coop.id, currency.code, person
                    )),
                    amount: currency.policy.joining_grant,
                    currency: currency.code,
                    from: AccountOwner::Coop(CoopAccount::Issuance),
                    to: AccountOwner::Member(person),
                    hold: None,
                    linked: false,
                    memo: "Tokens for joining".into(),
                    cause: format!("{JOINING_CAUSE}:{person}"),
                })
            })
            .collect();
        if grants.is_empty() {
            return Ok(());
        }
        for result in self.ledger.submit(coop.id, grants).await? {
            if let Err(refusal) = result {
                // A cap below the grant, say: the member is in all the same.
                tracing::warn!(coop = %coop.slug, %person, %refusal, "joining grant refused");
            }
        }
        Ok(())
    }
}
