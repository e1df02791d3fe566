//! Orders of a catalogue: placed pending (holding their goods' stock),
//! then settled once, paid or refused, and for goods marked sent. Which
//! step is allowed is `coopkit_market::catalogue::step`'s to say; each is
//! written with its event.

use coopkit_domain::{CoopId, Event, Happened, ItemId, OrderId, PersonId, Timestamp};
use coopkit_market::catalogue::{self, OrderAction};
use coopkit_market::OrderState;

use crate::catalogue::{signed, unsigned};
use crate::error::Conflict;
use crate::events::{compare_and_set, record_events};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

pub use coopkit_market::{NewOrder, Order, OrderLine};

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    coop_id: i64,
    order_key: String,
    item_id: i64,
    buyer_id: i64,
    /// Empty for goods.
    licence: String,
    quantity: i64,
    amount: i64,
    state: String,
    created_at: i64,
}

const ORDER_COLUMNS: &str =
    "id, coop_id, order_key, item_id, buyer_id, licence, quantity, amount, state, created_at";

#[derive(sqlx::FromRow)]
struct OrderLineRow {
    #[sqlx(flatten)]
    order: OrderRow,
    title: String,
}

const ORDER_LINE_COLUMNS: &str = "o.id, o.coop_id, o.order_key, o.item_id, o.buyer_id, \
    o.licence, o.quantity, o.amount, o.state, o.created_at, i.title";

impl TryFrom<OrderRow> for Order {
    type Error = StoreError;

    fn try_from(row: OrderRow) -> Result<Self> {
        Ok(Order {
            id: OrderId(row.id),
            order: NewOrder {
                coop: CoopId(row.coop_id),
                key: row.order_key,
                item: ItemId(row.item_id),
                buyer: PersonId(row.buyer_id),
                licence: Some(row.licence).filter(|l| !l.is_empty()),
                quantity: unsigned("catalogue_order.quantity", row.quantity)?,
                amount: unsigned("catalogue_order.amount", row.amount)?,
            },
            state: OrderState::parse(&row.state)
                .ok_or_else(|| StoreError::corrupt("catalogue_order.state", &row.state))?,
            created_at: Timestamp(row.created_at),
        })
    }
}

fn lines(rows: Vec<OrderLineRow>) -> Result<Vec<OrderLine>> {
    rows.into_iter()
        .map(|row| {
            Ok(OrderLine {
                order: Order::try_from(row.order)?,
                title: row.title,
            })
        })
        .collect()
}

impl Store {
    /// Records an order as pending, taking its goods from stock; the same
    /// key gives back the order it made before. Fails with a conflict on
    /// `stock` when too few are left.
    pub async fn place_order(&self, new: &NewOrder, now: Timestamp) -> Result<Order> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let found: Option<OrderRow> = sqlx::query_as(&format!(
                "SELECT {ORDER_COLUMNS} FROM catalogue_order WHERE coop_id = $1 AND order_key = $2"
            ))
            .bind(new.coop.0)
            .bind(&new.key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = found {
                return Order::try_from(row);
            }
            let taken = sqlx::query(
                "UPDATE catalogue_item SET stock = stock - $3 \
                 WHERE coop_id = $1 AND id = $2 AND stock IS NOT NULL AND stock >= $3",
            )
            .bind(new.coop.0)
            .bind(new.item.0)
            .bind(signed(new.quantity))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let stocked: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT stock FROM catalogue_item WHERE coop_id = $1 AND id = $2",
            )
            .bind(new.coop.0)
            .bind(new.item.0)
            .fetch_optional(&mut *tx)
            .await?;
            if matches!(stocked, Some(Some(_))) && taken == 0 {
                return Err(StoreError::Conflict(Conflict::Stock));
            }
            let row: OrderRow = sqlx::query_as(&format!(
                "INSERT INTO catalogue_order (coop_id, order_key, item_id, buyer_id, licence, \
                   quantity, amount, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {ORDER_COLUMNS}"
            ))
            .bind(new.coop.0)
            .bind(&new.key)
            .bind(new.item.0)
            .bind(new.buyer.0)
            .bind(new.licence.as_deref().unwrap_or(""))
            .bind(signed(new.quantity))
            .bind(signed(new.amount))
            .bind(OrderState::Pending.as_str())
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            let order = Order::try_from(row)?;
            let event = Event::OrderPlaced {
                order: order.id,
                item: new.item,
                amount: new.amount,
            };
            record_events!(tx, &[Happened::new(new.coop, Some(new.buyer), now, event)]);
            tx.commit().await?;
            Ok(order)
        })
    }

    /// Settles a pending order as paid, or as refused with its goods put
    /// back in stock, recording which. An order already settled is left as
    /// it is.
    pub async fn settle_order(&self, order: &Order, paid: bool, now: Timestamp) -> Result<()> {
        let action = if paid {
            OrderAction::Pay
        } else {
            OrderAction::Refuse
        };
        let Ok(after) = catalogue::step(order.state, order.is_goods(), action) else {
            return Ok(());
        };
        let event = catalogue::event(order.id, after);
        let happened = Happened::each(order.order.coop, Some(order.order.buyer), now, event);
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let settled = sqlx::query(
                "UPDATE catalogue_order SET state = $3 WHERE coop_id = $1 AND id = $2 AND state = $4",
            )
            .bind(order.order.coop.0)
            .bind(order.id.0)
            .bind(after.as_str())
            .bind(OrderState::Pending.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if settled == 0 {
                return Ok(());
            }
            if !paid {
                sqlx::query(
                    "UPDATE catalogue_item SET stock = stock + $3 \
                     WHERE coop_id = $1 AND id = $2 AND stock IS NOT NULL",
                )
                .bind(order.order.coop.0)
                .bind(order.order.item.0)
                .bind(signed(order.order.quantity))
                .execute(&mut *tx)
                .await?;
            }
            record_events!(tx, &happened);
            tx.commit().await?;
            Ok(())
        })
    }

    /// One of a co-op's orders; `None` for another co-op's.
    pub async fn order(&self, coop: CoopId, id: OrderId) -> Result<Option<Order>> {
        let row: Option<OrderRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM catalogue_order WHERE coop_id = $1 AND id = $2"
        ))
        .bind(coop.0)
        .bind(id.0)
        .fetch_optional(pool)
        .await)?;
        row.map(Order::try_from).transpose()
    }

    /// The paid and sent orders of goods `seller` sells, newest first.
    pub async fn orders_to_seller(&self, coop: CoopId, seller: PersonId) -> Result<Vec<OrderLine>> {
        let rows: Vec<OrderLineRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ORDER_LINE_COLUMNS} FROM catalogue_order o \
             JOIN catalogue_item i ON i.id = o.item_id \
             WHERE o.coop_id = $1 AND o.state IN ($3, $4) AND o.licence = '' AND o.item_id IN \
               (SELECT item_id FROM catalogue_creator WHERE person_id = $2) \
             ORDER BY o.id DESC"
        ))
        .bind(coop.0)
        .bind(seller.0)
        .bind(OrderState::Paid.as_str())
        .bind(OrderState::Sent.as_str())
        .fetch_all(pool)
        .await)?;
        lines(rows)
    }

    /// Marks a paid order of goods sent, recording it; false unless it was
    /// paid, of goods, and `seller` sells them.
    pub async fn mark_order_sent(
        &self,
        coop: CoopId,
        id: OrderId,
        seller: PersonId,
        now: Timestamp,
    ) -> Result<bool> {
        let event = Event::OrderSent { order: id };
        let happened = [Happened::new(coop, Some(seller), now, event)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE catalogue_order SET state = $4 \
                 WHERE coop_id = $1 AND id = $2 AND state = $5 AND licence = '' AND item_id IN \
                   (SELECT item_id FROM catalogue_creator WHERE person_id = $3)",
            )
            .bind(coop.0)
            .bind(id.0)
            .bind(seller.0)
            .bind(OrderState::Sent.as_str())
            .bind(OrderState::Paid.as_str()),
            &happened
        ))
    }

    /// A buyer's orders in a co-op, newest first.
    pub async fn orders_of(&self, coop: CoopId, buyer: PersonId) -> Result<Vec<OrderLine>> {
        let rows: Vec<OrderLineRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ORDER_LINE_COLUMNS} FROM catalogue_order o \
             JOIN catalogue_item i ON i.id = o.item_id \
             WHERE o.coop_id = $1 AND o.buyer_id = $2 ORDER BY o.id DESC"
        ))
        .bind(coop.0)
        .bind(buyer.0)
        .fetch_all(pool)
        .await)?;
        lines(rows)
    }
}
