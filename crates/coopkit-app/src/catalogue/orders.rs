//! Buying from a catalogue: orders paid whole as one linked chain of
//! ledger transfers, goods sent by their seller, and licences downloaded
//! by a link signed for their buyer that expires.

use coopkit_domain::{OrderId, Role};
use coopkit_ledger::{AccountOwner, CoopAccount, Limit, TransferId};
use coopkit_market::catalogue::{self, OrderAction};
use coopkit_market::royalty::{split, Rate, Shares};
use coopkit_market::{ItemKind, OrderState};
use coopkit_store::{Coop, Currency, NewOrder, OrderLine, Person, StoreError};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{
    refused, sale_cause, CatalogueSettings, FileDownload, Item, Licence, Order, OrderForm,
    DOWNLOAD_LINK_MS,
};
use crate::ledger::{linked_chain, Instruction, Payment};
use crate::{App, AppError, Result};

fn signature(key: &str, coop: &Coop, order: &Order, expires: i64) -> Result<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .map_err(AppError::because("download key"))?;
    mac.update(
        format!(
            "download:{}:{}:{}:{expires}",
            coop.id.0, order.id, order.order.buyer.0
        )
        .as_bytes(),
    );
    Ok(mac)
}

/// The payments of one order, as one linked chain: the buyer to each
/// creator their share and to the co-op its rate, leaving out nothing-legs
/// and a creator buying their own work.
fn sale_payments(
    coop: &Coop,
    item: &Item,
    order: &Order,
    settings: &CatalogueSettings,
    rate_bp: u32,
) -> Result<Vec<Instruction>> {
    let buyer = AccountOwner::Member(order.order.buyer);
    let shares = Shares::new(item.item.creators.clone())
        .map_err(|_| StoreError::corrupt("catalogue_creator.share_bp", &item.id.to_string()))?;
    let rate = Rate::new(rate_bp).map_err(AppError::because("rate"))?;
    let divided = split(order.order.amount, rate, &shares);
    let legs: Vec<(AccountOwner, u64)> = divided
        .creators
        .iter()
        .map(|(creator, paid)| (AccountOwner::Member(*creator), *paid))
        .chain([(AccountOwner::Coop(CoopAccount::Sales), divided.coop)])
        .filter(|(owner, paid)| *paid > 0 && *owner != buyer)
        .collect();
    let payments = legs
        .into_iter()
        .enumerate()
        .map(|(leg, (to, paid))| Payment {
            id: TransferId::derived(&format!("sale:{}:{}:{leg}", coop.id.0, order.id)),
            currency: settings.currency.clone(),
            from: buyer,
            to,
            amount: paid,
            hold: None,
            linked: true,
            memo: item.item.title.chars().take(100).collect(),
            cause: sale_cause(item.id, order.id),
        });
    Ok(linked_chain(payments))
}

/// What one order buys and at what price: the licence (none for goods),
/// how many, each one's price and the co-op's rate on the sale.
struct Terms {
    licence: Option<Licence>,
    quantity: u64,
    unit_price: u64,
    rate_bp: u32,
}

/// What an order would cost, checked as [`App::buy`] checks it: what a
/// page asks the buyer to confirm before anything is paid.
#[derive(Clone, Debug)]
pub struct Quote {
    pub item: Item,
    /// The licence a work is bought under; `None` for goods.
    pub licence: Option<Licence>,
    pub quantity: u64,
    /// The whole price, in the catalogue's currency.
    pub amount: u64,
    pub currency: Currency,
    /// The buyer's balance in that currency now; `None` before their
    /// first payment in it.
    pub balance: Option<i128>,
    /// The most the buyer may spend now (what is not held, and their
    /// credit line); `None` when their credit is unlimited.
    pub spendable: Option<i128>,
}

impl App {
    /// Buys a licence of a work, or goods: the order is recorded (taking
    /// the goods from stock), then paid as one linked chain, buyer to each
    /// creator and to the co-op; if the payment is refused the order is
    /// too, and the goods go back. The same form sent twice is one order.
    pub async fn buy(&self, actor: &Person, slug: &str, form: OrderForm) -> Result<Order> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let settings = self.catalogue_of(&coop).await?;
        let key = form.key.trim();
        if key.is_empty() || key.len() > 64 {
            return Err(AppError::invalid("key", "required"));
        }
        let (item, terms, amount) = self.priced(&coop, &settings, &form).await?;
        let new_order = NewOrder {
            coop: coop.id,
            key: format!("{}:{key}", actor.id.0),
            item: item.id,
            buyer: actor.id,
            licence: terms.licence.map(|l| l.name),
            quantity: terms.quantity,
            amount,
        };
        let order = self.store.place_order(&new_order, self.clock.now()).await?;
        if order.state != OrderState::Pending {
            return Ok(order);
        }
        let instructions = sale_payments(&coop, &item, &order, &settings, terms.rate_bp)?;
        let results = if instructions.is_empty() {
            Vec::new()
        } else {
            self.ledger.submit(coop.id, instructions).await?
        };
        let refusal = results.iter().find_map(|r| r.err());
        self.store
            .settle_order(&order, refusal.is_none(), self.clock.now())
            .await?;
        if let Some(refusal) = refusal {
            return Err(refused(refusal));
        }
        self.store
            .order(coop.id, order.id)
            .await?
            .ok_or(AppError::internal("an order vanished"))
    }

    /// What buying as `form` asks would cost the actor, and their balance
    /// in the catalogue's currency now.
    pub async fn quote(&self, actor: &Person, slug: &str, form: &OrderForm) -> Result<Quote> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let settings = self.catalogue_of(&coop).await?;
        let (item, terms, amount) = self.priced(&coop, &settings, form).await?;
        let currencies = self.store.currencies(coop.id).await?;
        let currency = currencies
            .iter()
            .find(|c| c.code == settings.currency)
            .cloned()
            .ok_or(AppError::internal("a catalogue without its currency"))?;
        let holding = self
            .holdings_of(&coop, actor, std::slice::from_ref(&currency))
            .await?
            .into_iter()
            .next();
        let balance = holding.as_ref().map(|h| h.view.balances.balance());
        // Before a first payment the account opens with the currency's
        // default credit line.
        let (available, limit) = match &holding {
            Some(h) => (h.view.balances.available(), h.view.account.debit_limit),
            None => (
                0,
                currency
                    .default_debit_limit
                    .map_or(Limit::Unlimited, Limit::AtMost),
            ),
        };
        let spendable = match limit {
            Limit::Unlimited => None,
            Limit::AtMost(line) => Some(available + i128::from(line)),
        };
        Ok(Quote {
            item,
            licence: terms.licence,
            quantity: terms.quantity,
            amount,
            currency,
            balance,
            spendable,
        })
    }

    /// The item an order names, its terms, and its whole price.
    async fn priced(
        &self,
        coop: &Coop,
        settings: &CatalogueSettings,
        form: &OrderForm,
    ) -> Result<(Item, Terms, u64)> {
        let item = self
            .store
            .item(coop.id, form.item)
            .await?
            .ok_or(AppError::NotFound("item"))?;
        let terms = self.terms(coop, &item, settings, form).await?;
        let amount = terms
            .unit_price
            .checked_mul(terms.quantity)
            .filter(|a| *a <= coopkit_ledger::AMOUNT_MAX)
            .ok_or_else(|| AppError::invalid("quantity", "amount-too-large"))?;
        Ok((item, terms, amount))
    }

    /// The terms of buying `item` as the form asks: goods by the quantity
    /// at their price, a work by the licence named.
    async fn terms(
        &self,
        coop: &Coop,
        item: &Item,
        settings: &CatalogueSettings,
        form: &OrderForm,
    ) -> Result<Terms> {
        if item.item.kind == ItemKind::Good {
            if form.quantity == 0 || form.quantity > 1_000 {
                return Err(AppError::invalid("quantity", "quantity-out-of-range"));
            }
            let unit_price = item
                .item
                .price
                .ok_or(AppError::internal("a good without a price"))?;
            return Ok(Terms {
                licence: None,
                quantity: form.quantity,
                unit_price,
                rate_bp: settings.goods_rate_bp,
            });
        }
        let licence = self
            .store
            .licences(coop.id, item.item.kind)
            .await?
            .into_iter()
            .find(|l| l.name == form.licence.trim())
            .ok_or_else(|| AppError::absent("licence", "licence-unknown"))?;
        Ok(Terms {
            quantity: 1,
            unit_price: licence.price,
            rate_bp: settings.licence_rate_bp,
            licence: Some(licence),
        })
    }

    /// The actor's orders in the co-op, newest first.
    pub async fn my_orders(&self, actor: &Person, slug: &str) -> Result<Vec<OrderLine>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.orders_of(coop.id, actor.id).await?)
    }

    /// The orders of goods the actor sells that are paid (to send) or sent.
    pub async fn orders_to_send(&self, actor: &Person, slug: &str) -> Result<Vec<OrderLine>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.orders_to_seller(coop.id, actor.id).await?)
    }

    /// The seller says a paid order of their goods has been sent.
    pub async fn mark_sent(&self, actor: &Person, slug: &str, order: OrderId) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let found = self
            .store
            .order(coop.id, order)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        if found.state == OrderState::Sent {
            return Ok(());
        }
        catalogue::step(found.state, found.is_goods(), OrderAction::Send).map_err(|refusal| {
            AppError::Conflict {
                field: "order",
                code: refusal.code(),
            }
        })?;
        // The store sends it only for its seller, under the write lock.
        if self
            .store
            .mark_order_sent(coop.id, order, actor.id, self.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(AppError::Forbidden("not-your-sale"))
        }
    }

    /// A link to download what a paid licence bought, good for
    /// [`DOWNLOAD_LINK_MS`]: its expiry and signature, as query
    /// parameters. Only the buyer gets one.
    pub async fn download_link(
        &self,
        actor: &Person,
        slug: &str,
        order: OrderId,
    ) -> Result<(i64, String)> {
        let coop = self.coop(slug).await?;
        let order = self.downloadable(&coop, actor, order).await?;
        let key = self.download_key(&coop).await?;
        let expires = self.clock.now().as_millis() + DOWNLOAD_LINK_MS;
        let mac = signature(&key, &coop, &order, expires)?;
        Ok((expires, hex::encode(mac.finalize().into_bytes())))
    }

    /// The original a download link names, if the link is the co-op's,
    /// has not expired, and the actor is the buyer it was made for.
    pub async fn download(
        &self,
        actor: &Person,
        slug: &str,
        order: OrderId,
        expires: i64,
        sig: &str,
    ) -> Result<FileDownload> {
        let coop = self.coop(slug).await?;
        let key = self.download_key(&coop).await?;
        let found = self
            .store
            .order(coop.id, order)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        self.check_link(signature(&key, &coop, &found, expires)?, sig, expires)?;
        let found = self.downloadable(&coop, actor, found.id).await?;
        let item = self
            .store
            .item(coop.id, found.order.item)
            .await?
            .ok_or(AppError::NotFound("item"))?;
        let bytes = self.read_file(item.item.file.key.clone()).await?;
        Ok(FileDownload {
            name: item.item.file.name,
            content_type: item.item.file.content_type,
            bytes,
        })
    }

    /// A paid order of a work, if it is the actor's.
    async fn downloadable(&self, coop: &Coop, actor: &Person, order: OrderId) -> Result<Order> {
        let order = self
            .store
            .order(coop.id, order)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        if order.order.buyer != actor.id {
            return Err(AppError::Forbidden("not-your-order"));
        }
        if !order.downloadable() {
            return Err(AppError::Conflict {
                field: "order",
                code: "nothing-to-download",
            });
        }
        Ok(order)
    }
}
