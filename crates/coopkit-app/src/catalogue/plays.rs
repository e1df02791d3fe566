//! Stream-to-own plays through the ledger, and what each creator has
//! earned from plays and sales, read back from the ledger's causes.

use std::collections::BTreeMap;

use coopkit_domain::{ItemId, Role};
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::transfer::TEXT_MAX_BYTES;
use coopkit_ledger::{AccountOwner, TransferId};
use coopkit_market::royalty::{Rate, Shares};
use coopkit_market::stream::Standing;
use coopkit_market::ItemKind;
use coopkit_store::{Person, StoreError};

use super::{refused, Earning, SALE_CAUSE_PREFIX};
use crate::ledger::{Instruction, Play};
use crate::{App, AppError, Result};

/// A title as a transfer's memo: whole when it fits the ledger's limit
/// (a title may have 200 characters of up to four bytes), else cut at the
/// last whole character that does.
fn memo_of(title: &str) -> String {
    title[..title.floor_char_boundary(TEXT_MAX_BYTES)].to_owned()
}

impl App {
    /// Plays a track: the listener's next play is charged at its
    /// stream-to-own price and divided between the creators and the co-op
    /// (nothing, once owned). `key` names the play, so a repeated request
    /// is one play. Returns where the listener now stands.
    pub async fn play(
        &self,
        actor: &Person,
        slug: &str,
        track: ItemId,
        key: &str,
    ) -> Result<Standing> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let settings = self.catalogue_of(&coop).await?;
        let item = self
            .store
            .item(coop.id, track)
            .await?
            .filter(|i| i.item.kind == ItemKind::Track)
            .ok_or(AppError::NotFound("track"))?;
        let key = key.trim();
        if key.is_empty() || key.len() > 64 {
            return Err(AppError::invalid("key", "required"));
        }
        let play = Play {
            id: TransferId::derived(&format!("play:{}:{}:{key}", coop.id.0, actor.id.0)),
            currency: settings.currency.clone(),
            listener: actor.id,
            track: track.0,
            creators: Shares::new(item.item.creators.clone()).map_err(|_| {
                StoreError::corrupt("catalogue_creator.share_bp", &track.to_string())
            })?,
            rate: Rate::new(settings.play_rate_bp).map_err(AppError::because("rate"))?,
            title: memo_of(&item.item.title),
        };
        let result = self
            .ledger
            .submit(coop.id, vec![Instruction::Play(play)])
            .await?;
        match result.first() {
            Some(Ok(Applied::New | Applied::Replayed)) => {}
            Some(Err(refusal)) => return Err(refused(*refusal)),
            None => return Err(AppError::internal("a play without an answer")),
        }
        let counts = self
            .ledger
            .play_counts(coop.id, settings.currency, actor.id, vec![track.0])
            .await?;
        Ok(Standing::after(counts.first().copied().unwrap_or(0)))
    }

    /// What the actor has earned from each item they are a creator of,
    /// read from the credits to their account whose cause names the item.
    pub async fn my_earnings(&self, actor: &Person, slug: &str) -> Result<Vec<Earning>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let settings = self.catalogue_of(&coop).await?;
        let items = self.store.items_by_creator(coop.id, actor.id).await?;
        let mut earnings: BTreeMap<ItemId, Earning> = items
            .iter()
            .map(|i| {
                let earning = Earning {
                    item: i.id,
                    title: i.item.title.clone(),
                    sales: 0,
                    plays: 0,
                };
                (i.id, earning)
            })
            .collect();
        let account = self.ledger.accounts(coop.id).await?.into_iter().find(|v| {
            v.account.owner == AccountOwner::Member(actor.id)
                && v.account.currency == settings.currency
        });
        if let Some(account) = account {
            let mut before = None;
            loop {
                let (lines, next) = self
                    .ledger
                    .statement(coop.id, account.account.id, before, 1_000)
                    .await?;
                let credited = lines.iter().map(|l| &l.record);
                for line in credited.filter(|l| l.credit == account.account.id) {
                    let cause = &line.transfer.cause;
                    let (of_plays, rest) = if let Some(rest) = cause.strip_prefix("play:") {
                        (true, rest)
                    } else if let Some(rest) = cause.strip_prefix(SALE_CAUSE_PREFIX) {
                        (false, rest)
                    } else {
                        continue;
                    };
                    let item = rest
                        .split(':')
                        .next()
                        .and_then(|i| i.parse::<i64>().ok())
                        .map(ItemId);
                    if let Some(earning) = item.and_then(|i| earnings.get_mut(&i)) {
                        if of_plays {
                            earning.plays += line.amount;
                        } else {
                            earning.sales += line.amount;
                        }
                    }
                }
                match next {
                    Some(next) => before = Some(next),
                    None => break,
                }
            }
        }
        Ok(earnings.into_values().collect())
    }
}
