//! A creator or goods co-op's catalogue: its settings, items (works and
//! goods) with their creators' shares, licences and sellers' badges.
//! Whether shares sum to the whole or a sale is paid is decided in the
//! app; orders are in `orders.rs`.

use std::collections::HashMap;

use coopkit_domain::{CoopId, Event, Happened, ItemId, PersonId, SettingsPart, Timestamp};
use coopkit_ledger::CurrencyCode;
use coopkit_market::ItemKind;

use crate::events::{compare_and_set, record_events};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

pub use coopkit_market::{CatalogueSettings, Item, Licence, NewItem, StoredFile};

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    coop_id: i64,
    kind: String,
    title: String,
    description: String,
    tags: String,
    file_key: String,
    file_name: String,
    file_type: String,
    file_bytes: i64,
    preview_key: String,
    preview_type: String,
    price: Option<i64>,
    stock: Option<i64>,
    created_by: i64,
    created_at: i64,
}

const ITEM_COLUMNS: &str = "id, coop_id, kind, title, description, tags, file_key, file_name, \
    file_type, file_bytes, preview_key, preview_type, price, stock, created_by, created_at";

#[derive(sqlx::FromRow)]
struct LicenceRow {
    kind: String,
    name: String,
    price: i64,
    terms: String,
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    currency: String,
    licence_rate_bp: i64,
    play_rate_bp: i64,
    goods_rate_bp: i64,
    fund_return_cap_bp: i64,
}

pub(crate) fn unsigned(column: &str, value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::corrupt(column, &value.to_string()))
}

pub(crate) fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn item_kind(column: &str, text: &str) -> Result<ItemKind> {
    ItemKind::parse(text).ok_or_else(|| StoreError::corrupt(column, text))
}

impl ItemRow {
    /// The item, with its creators and their names in order.
    fn into_item(self, creators: Vec<(PersonId, u32, String)>) -> Result<Item> {
        let (shares, names) = creators
            .into_iter()
            .map(|(person, share, name)| ((person, share), name))
            .unzip();
        Ok(Item {
            id: ItemId(self.id),
            item: NewItem {
                coop: CoopId(self.coop_id),
                kind: item_kind("catalogue_item.kind", &self.kind)?,
                title: self.title,
                description: self.description,
                tags: self.tags.split_whitespace().map(str::to_owned).collect(),
                file: StoredFile {
                    key: self.file_key,
                    name: self.file_name,
                    content_type: self.file_type,
                    bytes: self.file_bytes,
                },
                preview_key: self.preview_key,
                preview_type: self.preview_type,
                price: self
                    .price
                    .map(|p| unsigned("catalogue_item.price", p))
                    .transpose()?,
                stock: self
                    .stock
                    .map(|s| unsigned("catalogue_item.stock", s))
                    .transpose()?,
                creators: shares,
                created_by: PersonId(self.created_by),
            },
            creator_names: names,
            created_at: Timestamp(self.created_at),
        })
    }
}

/// An item's creator with their share, as the lists show them.
#[derive(sqlx::FromRow)]
struct CreatorRow {
    item_id: i64,
    person_id: i64,
    share_bp: i64,
    display_name: String,
}

#[derive(sqlx::FromRow)]
struct SellerBadgeRow {
    person_id: i64,
    badge: String,
}

impl Store {
    /// Sets what a co-op's sales are paid in and pay; `download_key` is
    /// kept only the first time (a new key would void every link given).
    pub async fn set_catalogue_settings(
        &self,
        coop: CoopId,
        settings: &CatalogueSettings,
        download_key: &str,
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<()> {
        let changed = Event::SettingsChanged {
            coop,
            part: SettingsPart::Catalogue,
        };
        let happened = [Happened::new(coop, by, now, changed)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
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
            .bind(i64::from(settings.fund_return_cap_bp)),
            &happened
        ))?;
        Ok(())
    }

    /// `None` for a co-op that sells nothing.
    pub async fn catalogue_settings(&self, coop: CoopId) -> Result<Option<CatalogueSettings>> {
        let row: Option<SettingsRow> = on_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT currency, licence_rate_bp, play_rate_bp, goods_rate_bp, fund_return_cap_bp \
             FROM catalogue_settings WHERE coop_id = $1"
        )
        .bind(coop.0)
        .fetch_optional(pool)
        .await
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let rate = |column: &str, value: i64| {
            u32::try_from(value).map_err(|_| StoreError::corrupt(column, &value.to_string()))
        };
        Ok(Some(CatalogueSettings {
            currency: CurrencyCode::parse(&row.currency)
                .map_err(|_| StoreError::corrupt("catalogue_settings.currency", &row.currency))?,
            licence_rate_bp: rate("catalogue_settings.licence_rate_bp", row.licence_rate_bp)?,
            play_rate_bp: rate("catalogue_settings.play_rate_bp", row.play_rate_bp)?,
            goods_rate_bp: rate("catalogue_settings.goods_rate_bp", row.goods_rate_bp)?,
            fund_return_cap_bp: rate(
                "catalogue_settings.fund_return_cap_bp",
                row.fund_return_cap_bp,
            )?,
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
    pub async fn add_item(&self, new: &NewItem, now: Timestamp) -> Result<ItemId> {
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
            .bind(new.kind.as_str())
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
            let listed = Event::ItemListed { item: ItemId(id) };
            record_events!(
                tx,
                &[Happened::new(new.coop, Some(new.created_by), now, listed)]
            );
            tx.commit().await?;
            Ok(ItemId(id))
        })
    }

    /// A co-op's items, newest first; `kind` narrows them when given.
    pub async fn items(&self, coop: CoopId, kind: Option<ItemKind>) -> Result<Vec<Item>> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM catalogue_item \
             WHERE coop_id = $1 AND ($2 IS NULL OR kind = $2) ORDER BY id DESC"
        ))
        .bind(coop.0)
        .bind(kind.map(ItemKind::as_str))
        .fetch_all(pool)
        .await)?;
        self.with_creators(rows).await
    }

    /// Every file key an item names, as its original or its preview, in
    /// any co-op: the files a sweep must keep. Read whole: a key is 64
    /// bytes, so a million items take about 128 MB here.
    pub async fn referenced_file_keys(&self) -> Result<std::collections::BTreeSet<String>> {
        let keys: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT file_key FROM catalogue_item \
                 UNION SELECT preview_key FROM catalogue_item WHERE preview_key <> ''",
            )
            .fetch_all(pool)
            .await
        })?;
        Ok(keys.into_iter().collect())
    }

    /// One of a co-op's items; `None` for another co-op's.
    pub async fn item(&self, coop: CoopId, id: ItemId) -> Result<Option<Item>> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM catalogue_item WHERE coop_id = $1 AND id = $2"
        ))
        .bind(coop.0)
        .bind(id.0)
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
            let found: Vec<CreatorRow> = on_pool!(self, |pool| {
                let mut select = sqlx::QueryBuilder::new(
                    "SELECT c.item_id, c.person_id, c.share_bp, p.display_name \
                     FROM catalogue_creator c JOIN person p ON p.id = c.person_id \
                     WHERE c.item_id IN (",
                );
                let mut ids = select.separated(", ");
                for row in chunk {
                    ids.push_bind(row.id);
                }
                select.push(") ORDER BY c.item_id, c.position");
                select.build_query_as().fetch_all(pool).await
            })?;
            for found in found {
                let share = u32::try_from(found.share_bp).map_err(|_| {
                    StoreError::corrupt("catalogue_creator.share_bp", &found.share_bp.to_string())
                })?;
                creators.entry(found.item_id).or_default().push((
                    PersonId(found.person_id),
                    share,
                    found.display_name,
                ));
            }
        }
        rows.into_iter()
            .map(|row| {
                let creators = creators.remove(&row.id).unwrap_or_default();
                row.into_item(creators)
            })
            .collect()
    }

    pub async fn set_licence(
        &self,
        coop: CoopId,
        licence: &Licence,
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<()> {
        let changed = Event::SettingsChanged {
            coop,
            part: SettingsPart::Licence,
        };
        let happened = [Happened::new(coop, by, now, changed)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "INSERT INTO catalogue_licence (coop_id, kind, name, price, terms) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (coop_id, kind, name) DO UPDATE SET price = excluded.price, \
               terms = excluded.terms"
            )
            .bind(coop.0)
            .bind(licence.kind.as_str())
            .bind(&licence.name)
            .bind(signed(licence.price))
            .bind(&licence.terms),
            &happened
        ))?;
        Ok(())
    }

    /// The licences of a kind of work, cheapest first.
    pub async fn licences(&self, coop: CoopId, kind: ItemKind) -> Result<Vec<Licence>> {
        let rows: Vec<LicenceRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT kind, name, price, terms FROM catalogue_licence \
             WHERE coop_id = $1 AND kind = $2 ORDER BY price, name"
        )
        .bind(coop.0)
        .bind(kind.as_str())
        .fetch_all(pool)
        .await)?;
        rows.into_iter()
            .map(|row| {
                Ok(Licence {
                    kind: item_kind("catalogue_licence.kind", &row.kind)?,
                    name: row.name,
                    price: unsigned("catalogue_licence.price", row.price)?,
                    terms: row.terms,
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
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<()> {
        let changed = Event::SettingsChanged {
            coop,
            part: SettingsPart::Badge,
        };
        let happened = [Happened::new(coop, by, now, changed)];
        let statement = if on {
            "INSERT INTO catalogue_badge (coop_id, person_id, badge) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM catalogue_badge WHERE coop_id = $1 AND person_id = $2 AND badge = $3"
        };
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(statement)
                .bind(coop.0)
                .bind(person.0)
                .bind(badge),
            &happened
        ))?;
        Ok(())
    }

    /// Every seller's badges in a co-op, by seller then badge.
    pub async fn seller_badges(&self, coop: CoopId) -> Result<Vec<(PersonId, String)>> {
        let rows: Vec<SellerBadgeRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT person_id, badge FROM catalogue_badge WHERE coop_id = $1 \
             ORDER BY person_id, badge"
        )
        .bind(coop.0)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|row| (PersonId(row.person_id), row.badge))
            .collect())
    }
}
