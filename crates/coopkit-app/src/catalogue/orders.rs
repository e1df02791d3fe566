//! Buying from a catalogue: orders paid whole as one linked chain of
//! ledger transfers, goods sent by their seller, and licences downloaded
//! by a link signed for their buyer that expires.

use coopkit_domain::{OrderId, Role};
use coopkit_ledger::{AccountOwner, CoopAccount, TransferId};
use coopkit_market::catalogue::{self, OrderAction};
use coopkit_market::royalty::{split, Rate, Shares};
use coopkit_market::{ItemKind, OrderState};
use coopkit_store::{Coop, NewOrder, OrderLine, Person, StoreError};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{
    refused, sale_cause, CatalogueSettings, FileDownload, Item, Order, OrderForm, DOWNLOAD_LINK_MS,
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
    licence: Option<String>,
    quantity: u64,
    unit_price: u64,
    rate_bp: u32,
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
        let item = self
            .store
            .item(coop.id, form.item)
            .await?
            .ok_or(AppError::NotFound("item"))?;
        let key = form.key.trim();
        if key.is_empty() || key.len() > 64 {
            return Err(AppError::invalid("key", "required"));
        }
        let terms = self.terms(&coop, &item, &settings, &form).await?;
        let amount = terms
            .unit_price
            .checked_mul(terms.quantity)
            .filter(|a| *a <= coopkit_ledger::AMOUNT_MAX)
            .ok_or_else(|| AppError::invalid("quantity", "amount-too-large"))?;
        let new_order = NewOrder {
            coop: coop.id,
            key: format!("{}:{key}", actor.id.0),
            item: item.id,
            buyer: actor.id,
            licence: terms.licence,
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
            .ok_or_else(|| AppError::invalid("licence", "licence-unknown"))?;
        Ok(Terms {
            licence: Some(licence.name),
            quantity: 1,
            unit_price: licence.price,
            rate_bp: settings.licence_rate_bp,
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
        let key = self
            .store
            .catalogue_download_key(coop.id)
            .await?
            .ok_or(AppError::NotFound("catalogue"))?;
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
        let key = self
            .store
            .catalogue_download_key(coop.id)
            .await?
            .ok_or(AppError::NotFound("catalogue"))?;
        let found = self
            .store
            .order(coop.id, order)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let given = hex::decode(sig).map_err(|_| AppError::Forbidden("link-invalid"))?;
        signature(&key, &coop, &found, expires)?
            .verify_slice(&given)
            .map_err(|_| AppError::Forbidden("link-invalid"))?;
        if self.clock.now().as_millis() > expires {
            return Err(AppError::Forbidden("link-expired"));
        }
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
