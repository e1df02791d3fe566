//! A creator or goods co-op's catalogue: its settings, items (works and
//! goods) with their creators' shares, licences, sellers' badges, and
//! orders. Whether shares sum to the whole or a sale is paid is decided in
//! the app; here an order holds its goods' stock until it is judged.

use std::collections::HashMap;

use coopkit_domain::{CoopId, PersonId, Timestamp};
use coopkit_ledger::CurrencyCode;

use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// What a co-op's sales are paid in, and the creators' part of each kind
/// of sale, in basis points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogueSettings {
    pub currency: CurrencyCode,
    pub licence_rate_bp: u32,
    pub play_rate_bp: u32,
    pub goods_rate_bp: u32,
    /// The most the fund pays an investor a year, as a part of their
    /// pledged capital.
    pub fund_return_cap_bp: u32,
}

/// A file as the item keeps it: its key in the file store, and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub key: String,
    pub name: String,
    pub content_type: String,
    pub bytes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewItem {
    pub coop: CoopId,
    /// `photo`, `track`, `film`, `text` or `good`.
    pub kind: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub file: StoredFile,
    /// The preview's key and type (its name and size are the original's).
    pub preview_key: String,
    pub preview_type: String,
    /// Goods only.
    pub price: Option<u64>,
    pub stock: Option<u64>,
    /// In order, with shares in basis points.
    pub creators: Vec<(PersonId, u32)>,
    pub created_by: PersonId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub item: NewItem,
    /// Each creator's display name, in the creators' order.
    pub creator_names: Vec<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Licence {
    pub kind: String,
    pub name: String,
    pub price: u64,
    pub terms: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrder {
    pub coop: CoopId,
    /// The buyer's form's key: the same key is the same order.
    pub key: String,
    pub item: i64,
    pub buyer: PersonId,
    /// The licence bought; empty for goods.
    pub licence: String,
    pub quantity: u64,
    pub amount: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: i64,
    pub order: NewOrder,
    /// `pending`, `paid`, `refused`, or for goods `sent`.
    pub state: String,
    pub created_at: Timestamp,
}

type ItemRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
);

const ITEM_COLUMNS: &str = "id, coop_id, kind, title, description, tags, file_key, file_name, \
    file_type, file_bytes, preview_key, preview_type, price, stock, created_by, created_at";

type OrderRow = (i64, i64, String, i64, i64, String, i64, i64, String, i64);

const ORDER_COLUMNS: &str =
    "id, coop_id, order_key, item_id, buyer_id, licence, quantity, amount, state, created_at";

fn unsigned(column: &str, value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::corrupt(column, &value.to_string()))
}

fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn order_from(row: OrderRow) -> Result<Order> {
    let (id, coop, key, item, buyer, licence, quantity, amount, state, at) = row;
    Ok(Order {
        id,
        order: NewOrder {
            coop: CoopId(coop),
            key,
            item,
            buyer: PersonId(buyer),
            licence,
            quantity: unsigned("catalogue_order.quantity", quantity)?,
            amount: unsigned("catalogue_order.amount", amount)?,
        },
        state,
        created_at: Timestamp(at),
    })
}

impl Store {
    /// Sets what a co-op's sales are paid in and pay; `download_key` is
    /// kept only the first time (a new key would void every link given).
    pub async fn set_catalogue_settings(
        &self,
        coop: CoopId,
        settings: &CatalogueSettings,
        download_key: &str,
    ) -> Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "INSERT INTO catalogue_settings \
             (coop_id, currency, licence_rate_bp, play_rate_bp, goods_rate_bp, download_key, \
              fund_return_cap_bp) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (coop_id) DO UPDATE SET currency = excluded.currency, \
               licence_rate_bp = excluded.licence_rate_bp, play_rate_bp = excluded.play_rate_bp, \
               goods_rate_bp = excluded.goods_rate_bp, \
               fund_return_cap_bp = excluded.fund_return_cap_bp"
        )
        .bind(coop.0)
        .bind(settings.currency.as_str())
        .bind(i64::from(settings.licence_rate_bp))
        .bind(i64::from(settings.play_rate_bp))
        .bind(i64::from(settings.goods_rate_bp))
        .bind(download_key)
        .bind(i64::from(settings.fund_return_cap_bp))
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// `None` for a co-op that sells nothing.
    pub async fn catalogue_settings(&self, coop: CoopId) -> Result<Option<CatalogueSettings>> {
        let row: Option<(String, i64, i64, i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT currency, licence_rate_bp, play_rate_bp, goods_rate_bp, fund_return_cap_bp \
             FROM catalogue_settings WHERE coop_id = $1"
        )
        .bind(coop.0)
        .fetch_optional(pool)
        .await
        })?;
        let Some((currency, licence, play, goods, returns)) = row else {
            return Ok(None);
        };
        let rate = |column: &str, value: i64| {
            u32::try_from(value).map_err(|_| StoreError::corrupt(column, &value.to_string()))
        };
        Ok(Some(CatalogueSettings {
            currency: CurrencyCode::parse(&currency)
                .map_err(|_| StoreError::corrupt("catalogue_settings.currency", &currency))?,
            licence_rate_bp: rate("catalogue_settings.licence_rate_bp", licence)?,
            play_rate_bp: rate("catalogue_settings.play_rate_bp", play)?,
            goods_rate_bp: rate("catalogue_settings.goods_rate_bp", goods)?,
            fund_return_cap_bp: rate("catalogue_settings.fund_return_cap_bp", returns)?,
        }))
    }

    /// The key a co-op's download links are signed with.
    pub async fn catalogue_download_key(&self, coop: CoopId) -> Result<Option<String>> {
        on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT download_key FROM catalogue_settings WHERE coop_id = $1"
        )
        .bind(coop.0)
        .fetch_optional(pool)
        .await)
        .map_err(StoreError::from)
    }

    /// Adds an item with its creators, both or neither.
    pub async fn add_item(&self, new: &NewItem, now: Timestamp) -> Result<i64> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO catalogue_item (coop_id, kind, title, description, tags, file_key, \
                   file_name, file_type, file_bytes, preview_key, preview_type, price, stock, \
                   created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                 RETURNING id",
            )
            .bind(new.coop.0)
            .bind(&new.kind)
            .bind(&new.title)
            .bind(&new.description)
            .bind(new.tags.join(" "))
            .bind(&new.file.key)
            .bind(&new.file.name)
            .bind(&new.file.content_type)
            .bind(new.file.bytes)
            .bind(&new.preview_key)
            .bind(&new.preview_type)
            .bind(new.price.map(signed))
            .bind(new.stock.map(signed))
            .bind(new.created_by.0)
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            for (position, (person, share)) in new.creators.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO catalogue_creator (item_id, position, person_id, share_bp) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(position as i64)
                .bind(person.0)
                .bind(i64::from(*share))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A co-op's items, newest first; `kind` narrows them when given.
    pub async fn items(&self, coop: CoopId, kind: Option<&str>) -> Result<Vec<Item>> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM catalogue_item \
             WHERE coop_id = $1 AND ($2 IS NULL OR kind = $2) ORDER BY id DESC"
        ))
        .bind(coop.0)
        .bind(kind)
        .fetch_all(pool)
        .await)?;
        self.with_creators(rows).await
    }

    /// One of a co-op's items; `None` for another co-op's.
    pub async fn item(&self, coop: CoopId, id: i64) -> Result<Option<Item>> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM catalogue_item WHERE coop_id = $1 AND id = $2"
        ))
        .bind(coop.0)
        .bind(id)
        .fetch_all(pool)
        .await)?;
        Ok(self.with_creators(rows).await?.pop())
    }

    /// The items of a co-op that `person` is a creator of, newest first.
    pub async fn items_by_creator(&self, coop: CoopId, person: PersonId) -> Result<Vec<Item>> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM catalogue_item WHERE coop_id = $1 AND id IN \
             (SELECT item_id FROM catalogue_creator WHERE person_id = $2) ORDER BY id DESC"
        ))
        .bind(coop.0)
        .bind(person.0)
        .fetch_all(pool)
        .await)?;
        self.with_creators(rows).await
    }

    async fn with_creators(&self, rows: Vec<ItemRow>) -> Result<Vec<Item>> {
        let mut creators: HashMap<i64, Vec<(PersonId, u32, String)>> = HashMap::new();
        for chunk in rows.chunks(500) {
            let found: Vec<(i64, i64, i64, String)> = on_pool!(self, |pool| {
                let mut select = sqlx::QueryBuilder::new(
                    "SELECT c.item_id, c.person_id, c.share_bp, p.display_name \
                     FROM catalogue_creator c JOIN person p ON p.id = c.person_id \
                     WHERE c.item_id IN (",
                );
                let mut ids = select.separated(", ");
                for row in chunk {
                    ids.push_bind(row.0);
                }
                select.push(") ORDER BY c.item_id, c.position");
                select.build_query_as().fetch_all(pool).await
            })?;
            for (item, person, share, name) in found {
                let share = u32::try_from(share).map_err(|_| {
                    StoreError::corrupt("catalogue_creator.share_bp", &share.to_string())
                })?;
                creators
                    .entry(item)
                    .or_default()
                    .push((PersonId(person), share, name));
            }
        }
        rows.into_iter()
            .map(|row| {
                let (id, coop, kind, title, description, tags, file_key, file_name, file_type) = (
                    row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
                );
                let (file_bytes, preview_key, preview_type, price, stock, by, at) =
                    (row.9, row.10, row.11, row.12, row.13, row.14, row.15);
                let (shares, names) = creators
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(person, share, name)| ((person, share), name))
                    .unzip();
                Ok(Item {
                    id,
                    item: NewItem {
                        coop: CoopId(coop),
                        kind,
                        title,
                        description,
                        tags: tags.split_whitespace().map(str::to_owned).collect(),
                        file: StoredFile {
                            key: file_key,
                            name: file_name,
                            content_type: file_type,
                            bytes: file_bytes,
                        },
                        preview_key,
                        preview_type,
                        price: price
                            .map(|p| unsigned("catalogue_item.price", p))
                            .transpose()?,
                        stock: stock
                            .map(|s| unsigned("catalogue_item.stock", s))
                            .transpose()?,
                        creators: shares,
                        created_by: PersonId(by),
                    },
                    creator_names: names,
                    created_at: Timestamp(at),
                })
            })
            .collect()
    }

    pub async fn set_licence(&self, coop: CoopId, licence: &Licence) -> Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "INSERT INTO catalogue_licence (coop_id, kind, name, price, terms) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (coop_id, kind, name) DO UPDATE SET price = excluded.price, \
               terms = excluded.terms"
        )
        .bind(coop.0)
        .bind(&licence.kind)
        .bind(&licence.name)
        .bind(signed(licence.price))
        .bind(&licence.terms)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The licences of a kind of work, cheapest first.
    pub async fn licences(&self, coop: CoopId, kind: &str) -> Result<Vec<Licence>> {
        let rows: Vec<(String, String, i64, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT kind, name, price, terms FROM catalogue_licence \
             WHERE coop_id = $1 AND kind = $2 ORDER BY price, name"
        )
        .bind(coop.0)
        .bind(kind)
        .fetch_all(pool)
        .await)?;
        rows.into_iter()
            .map(|(kind, name, price, terms)| {
                Ok(Licence {
                    kind,
                    name,
                    price: unsigned("catalogue_licence.price", price)?,
                    terms,
                })
            })
            .collect()
    }

    /// Gives or takes a seller's badge.
    pub async fn set_seller_badge(
        &self,
        coop: CoopId,
        person: PersonId,
        badge: &str,
        on: bool,
    ) -> Result<()> {
        let statement = if on {
            "INSERT INTO catalogue_badge (coop_id, person_id, badge) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM catalogue_badge WHERE coop_id = $1 AND person_id = $2 AND badge = $3"
        };
        on_pool!(self, |pool| sqlx::query(statement)
            .bind(coop.0)
            .bind(person.0)
            .bind(badge)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Every seller's badges in a co-op, by seller then badge.
    pub async fn seller_badges(&self, coop: CoopId) -> Result<Vec<(PersonId, String)>> {
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT person_id, badge FROM catalogue_badge WHERE coop_id = $1 \
             ORDER BY person_id, badge"
        )
        .bind(coop.0)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|(p, b)| (PersonId(p), b)).collect())
    }

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
                return order_from(row);
            }
            let taken = sqlx::query(
                "UPDATE catalogue_item SET stock = stock - $3 \
                 WHERE coop_id = $1 AND id = $2 AND stock IS NOT NULL AND stock >= $3",
            )
            .bind(new.coop.0)
            .bind(new.item)
            .bind(signed(new.quantity))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let stocked: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT stock FROM catalogue_item WHERE coop_id = $1 AND id = $2",
            )
            .bind(new.coop.0)
            .bind(new.item)
            .fetch_optional(&mut *tx)
            .await?;
            if matches!(stocked, Some(Some(_))) && taken == 0 {
                return Err(StoreError::Conflict { what: "stock" });
            }
            let row: OrderRow = sqlx::query_as(&format!(
                "INSERT INTO catalogue_order (coop_id, order_key, item_id, buyer_id, licence, \
                   quantity, amount, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING {ORDER_COLUMNS}"
            ))
            .bind(new.coop.0)
            .bind(&new.key)
            .bind(new.item)
            .bind(new.buyer.0)
            .bind(&new.licence)
            .bind(signed(new.quantity))
            .bind(signed(new.amount))
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            order_from(row)
        })
    }

    /// Settles a pending order as paid, or as refused with its goods put
    /// back in stock. An order already settled is left as it is.
    pub async fn settle_order(&self, coop: CoopId, id: i64, paid: bool) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let settled = sqlx::query(
                "UPDATE catalogue_order SET state = $3 \
                 WHERE coop_id = $1 AND id = $2 AND state = 'pending'",
            )
            .bind(coop.0)
            .bind(id)
            .bind(if paid { "paid" } else { "refused" })
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if settled == 1 && !paid {
                sqlx::query(
                    "UPDATE catalogue_item SET stock = stock + \
                       (SELECT quantity FROM catalogue_order WHERE id = $2) \
                     WHERE coop_id = $1 AND stock IS NOT NULL AND \
                       id = (SELECT item_id FROM catalogue_order WHERE id = $2)",
                )
                .bind(coop.0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// One of a co-op's orders; `None` for another co-op's.
    pub async fn order(&self, coop: CoopId, id: i64) -> Result<Option<Order>> {
        let row: Option<OrderRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM catalogue_order WHERE coop_id = $1 AND id = $2"
        ))
        .bind(coop.0)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        row.map(order_from).transpose()
    }

    /// The paid and sent orders of goods `seller` sells, newest first.
    pub async fn orders_to_seller(&self, coop: CoopId, seller: PersonId) -> Result<Vec<Order>> {
        let rows: Vec<OrderRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM catalogue_order WHERE coop_id = $1 \
               AND state IN ('paid', 'sent') AND licence = '' AND item_id IN \
               (SELECT item_id FROM catalogue_creator WHERE person_id = $2) \
             ORDER BY id DESC"
        ))
        .bind(coop.0)
        .bind(seller.0)
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(order_from).collect()
    }

    /// Marks a paid order of goods sent; false unless it was paid, of
    /// goods, and `seller` sells them.
    pub async fn mark_order_sent(&self, coop: CoopId, id: i64, seller: PersonId) -> Result<bool> {
        let done = on_pool!(self, |pool| sqlx::query(
            "UPDATE catalogue_order SET state = 'sent' \
             WHERE coop_id = $1 AND id = $2 AND state = 'paid' AND licence = '' AND item_id IN \
               (SELECT item_id FROM catalogue_creator WHERE person_id = $3)"
        )
        .bind(coop.0)
        .bind(id)
        .bind(seller.0)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }

    /// A buyer's orders in a co-op, newest first.
    pub async fn orders_of(&self, coop: CoopId, buyer: PersonId) -> Result<Vec<Order>> {
        let rows: Vec<OrderRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ORDER_COLUMNS} FROM catalogue_order WHERE coop_id = $1 AND buyer_id = $2 \
             ORDER BY id DESC"
        ))
        .bind(coop.0)
        .bind(buyer.0)
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(order_from).collect()
    }
}
