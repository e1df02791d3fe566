//! A creator or goods co-op's catalogue: works and goods listed with their
//! creators' shares, licences and orders paid as linked ledger transfers,
//! signed expiring download links, stream-to-own plays, and what each
//! creator has earned.
//!
//! Every sale is divided by `coopkit_market::royalty::split`: the
//! creators' part at the co-op's rate for that kind of sale, rounded to the
//! nearest unit (a half to the creators), shared by largest remainder; the
//! co-op's sales account takes the rest. The transfers of one sale are one
//! linked chain, so an order is paid whole or not at all.

mod files;
mod fund;
mod uploads;

use std::collections::BTreeMap;

use coopkit_domain::validation::Collector;
use coopkit_domain::{PersonId, Role};
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::{AccountOwner, CoopAccount, Refusal, TransferId};
use coopkit_market::royalty::{split, Rate, Shares};
use coopkit_market::stream::Standing;
use coopkit_store::{Coop, NewItem, NewOrder, Person, StoreError, StoredFile};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use coopkit_store::{CatalogueSettings, Item, Licence, Order};
pub use files::{DataDirFiles, FileStore};
pub use fund::{FundReturn, FundView, Project, ProjectForm, INVESTOR_CLASS};
pub use uploads::{accepted, sniff, thumbnail, Upload, KINDS, THUMBNAIL_SIDE};

use crate::ledger::{Instruction, Payment, Play};
use crate::{App, AppError, Result};

/// How long a download link works.
pub const DOWNLOAD_LINK_MS: i64 = 60 * 60 * 1000;

/// Seller badges coordinators may give; `featured` sellers show first.
pub const BADGES: [&str; 4] = ["fair-trade", "organic", "member-coop", "featured"];

/// What an admin sets for a catalogue.
#[derive(Clone, Debug)]
pub struct CatalogueSetup {
    pub currency: String,
    pub licence_rate_bp: u32,
    pub play_rate_bp: u32,
    pub goods_rate_bp: u32,
    /// The bylaws' cap on an investor's yearly return from the fund, as a
    /// part of their pledged capital.
    pub fund_return_cap_bp: u32,
}

/// A work or good as its creator lists it.
#[derive(Clone, Debug)]
pub struct ItemForm {
    pub kind: String,
    pub title: String,
    pub description: String,
    /// Words, separated by spaces or commas.
    pub tags: String,
    pub file: Upload,
    /// A track's or film's preview clip; images make their own.
    pub preview: Option<Upload>,
    /// In order, with shares in basis points.
    pub creators: Vec<(PersonId, u32)>,
    /// Goods only.
    pub price: Option<u64>,
    pub stock: Option<u64>,
}

/// Which items to show.
#[derive(Clone, Debug, Default)]
pub struct CatalogueQuery {
    pub text: String,
    pub kind: Option<String>,
    pub tag: Option<String>,
    pub badge: Option<String>,
}

/// An item with its sellers' badges.
#[derive(Clone, Debug)]
pub struct Listing {
    pub item: Item,
    pub badges: Vec<String>,
}

/// A page of the catalogue: the matching items (featured sellers first)
/// and, for each facet, how many of them have each value.
#[derive(Clone, Debug)]
pub struct CataloguePage {
    pub currency: String,
    pub listings: Vec<Listing>,
    pub kinds: Vec<(String, usize)>,
    pub tags: Vec<(String, usize)>,
    pub badges: Vec<(String, usize)>,
}

/// One item as its page shows it.
#[derive(Clone, Debug)]
pub struct ItemView {
    pub listing: Listing,
    pub settings: CatalogueSettings,
    pub licences: Vec<Licence>,
    /// A track's standing for the person looking, when signed in.
    pub standing: Option<Standing>,
}

/// What a buyer asks for.
#[derive(Clone, Debug)]
pub struct OrderForm {
    /// The form's own key: submitting it twice is one order.
    pub key: String,
    pub item: i64,
    /// A work's licence; empty for goods.
    pub licence: String,
    pub quantity: u64,
}

/// A file to send, with the name to save it under.
#[derive(Clone, Debug)]
pub struct FileDownload {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What a creator has earned from one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Earning {
    pub item: i64,
    pub title: String,
    pub sales: u64,
    pub plays: u64,
}

/// Causes reserved for the catalogue's own transfers: counts and earnings
/// are read back from them.
pub const SALE_CAUSE_PREFIX: &str = "sale:";

fn sale_cause(item: i64, order: i64) -> String {
    format!("{SALE_CAUSE_PREFIX}{item}:{order}")
}

fn not_enough_credit() -> AppError {
    AppError::Conflict {
        field: "credit",
        code: "not-enough-credit",
    }
}

/// The refusal a payment met, as the person should hear it.
fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::ExceedsDebitLimit | Refusal::DebitAccountUnknown => not_enough_credit(),
        _ => AppError::Conflict {
            field: "credit",
            code: refusal.code(),
        },
    }
}

fn tags_of(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

fn signature(key: &str, coop: &Coop, order: &Order, expires: i64) -> Result<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .map_err(|_| AppError::Internal("download key"))?;
    mac.update(
        format!(
            "download:{}:{}:{}:{expires}",
            coop.id.0, order.id, order.order.buyer.0
        )
        .as_bytes(),
    );
    Ok(mac)
}

impl App {
    /// Opens or changes the co-op's catalogue: admins only.
    pub async fn set_up_catalogue(
        &self,
        actor: &Person,
        slug: &str,
        setup: CatalogueSetup,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let mut errors = Collector::new();
        let currency = coopkit_ledger::CurrencyCode::parse(setup.currency.trim());
        match &currency {
            Ok(code) if self.coop_currency(&coop, code).await.is_ok() => {}
            _ => errors.push("currency", "currency-unknown"),
        }
        for (field, rate) in [
            ("licence_rate_bp", setup.licence_rate_bp),
            ("play_rate_bp", setup.play_rate_bp),
            ("goods_rate_bp", setup.goods_rate_bp),
            ("fund_return_cap_bp", setup.fund_return_cap_bp),
        ] {
            if Rate::new(rate).is_err() {
                errors.push(field, "rate-above-whole");
            }
        }
        errors.finish()?;
        let settings = CatalogueSettings {
            currency: currency.map_err(|_| AppError::Internal("currency"))?,
            licence_rate_bp: setup.licence_rate_bp,
            play_rate_bp: setup.play_rate_bp,
            goods_rate_bp: setup.goods_rate_bp,
            fund_return_cap_bp: setup.fund_return_cap_bp,
        };
        self.store
            .set_catalogue_settings(coop.id, &settings, &crate::new_secret())
            .await?;
        Ok(())
    }

    pub(crate) async fn catalogue_of(&self, coop: &Coop) -> Result<CatalogueSettings> {
        self.store
            .catalogue_settings(coop.id)
            .await?
            .ok_or(AppError::NotFound("catalogue"))
    }

    /// Sets what a licence of a kind of work costs: admins only.
    pub async fn set_licence(&self, actor: &Person, slug: &str, licence: Licence) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        self.catalogue_of(&coop).await?;
        let mut errors = Collector::new();
        if !KINDS.contains(&licence.kind.as_str()) || licence.kind == "good" {
            errors.push("kind", "kind-unknown");
        }
        let name = licence.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            errors.push("name", "required");
        }
        if licence.price == 0 || licence.price > coopkit_ledger::AMOUNT_MAX {
            errors.push("price", "amount-zero");
        }
        errors.finish()?;
        let licence = Licence {
            name: name.to_owned(),
            ..licence
        };
        Ok(self.store.set_licence(coop.id, &licence).await?)
    }

    /// Gives or takes a seller's badge: coordinators only.
    pub async fn set_seller_badge(
        &self,
        actor: &Person,
        slug: &str,
        seller: PersonId,
        badge: &str,
        on: bool,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        if !BADGES.contains(&badge) {
            return Err(AppError::invalid("badge", "badge-unknown"));
        }
        if !self.is_active_member(&coop, seller).await? {
            return Err(AppError::invalid("seller", "not-a-member"));
        }
        Ok(self
            .store
            .set_seller_badge(coop.id, seller, badge, on)
            .await?)
    }

    async fn is_active_member(&self, coop: &Coop, person: PersonId) -> Result<bool> {
        Ok(self
            .store
            .membership(coop.id, person)
            .await?
            .is_some_and(|m| m.status.is_active()))
    }

    /// Lists a work or good. The lister must be one of its creators (a
    /// good's seller is its only one), every creator an active member, the
    /// shares whole, and the file of a type the kind takes.
    pub async fn add_item(&self, actor: &Person, slug: &str, form: ItemForm) -> Result<i64> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        self.catalogue_of(&coop).await?;
        let mut errors = Collector::new();
        let kind = form.kind.trim();
        let (types, max_bytes) = accepted(kind);
        if types.is_empty() {
            errors.push("kind", "kind-unknown");
        }
        let title = form.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            errors.push("title", "required");
        }
        if form.description.chars().count() > 5_000 {
            errors.push("description", "too-long");
        }
        let file_type = sniff(&form.file.bytes);
        if form.file.bytes.is_empty() {
            errors.push("file", "required");
        } else if form.file.bytes.len() > max_bytes {
            errors.push("file", "file-too-large");
        } else if !file_type.is_some_and(|t| types.contains(&t)) {
            errors.push("file", "file-type-wrong");
        }
        let preview_type = form.preview.as_ref().map(|p| sniff(&p.bytes));
        if let Some(found) = preview_type {
            let previewable = matches!(kind, "track" | "film");
            if !previewable || !found.is_some_and(|t| types.contains(&t)) {
                errors.push("preview", "file-type-wrong");
            }
        }
        let shares = match Shares::new(form.creators.clone()) {
            Ok(shares) => Some(shares),
            Err(error) => {
                errors.push("creators", error.code());
                None
            }
        };
        if !form.creators.iter().any(|(p, _)| *p == actor.id) {
            errors.push("creators", "lister-not-creator");
        }
        for (person, _) in &form.creators {
            if !self.is_active_member(&coop, *person).await? {
                errors.push("creators", "not-a-member");
            }
        }
        let is_good = kind == "good";
        if is_good {
            if form.creators.len() != 1 {
                errors.push("creators", "one-seller");
            }
            if !form
                .price
                .is_some_and(|p| p > 0 && p <= coopkit_ledger::AMOUNT_MAX)
            {
                errors.push("price", "amount-zero");
            }
            if form.stock.is_none() {
                errors.push("stock", "required");
            }
        } else if form.price.is_some() || form.stock.is_some() {
            errors.push("price", "works-are-licensed");
        }
        errors.finish()?;
        let (Some(file_type), Some(_shares)) = (file_type, shares) else {
            return Err(AppError::Internal("validated upload"));
        };

        let files = self.files.clone();
        let original = form.file.bytes;
        let preview = form.preview.map(|p| p.bytes);
        let image = file_type.starts_with("image/");
        let bytes = original.len() as i64;
        let stored = tokio::task::spawn_blocking(move || -> Result<(String, String, &str)> {
            let stored = |bytes: &[u8]| {
                files
                    .put(bytes)
                    .map_err(|_| AppError::Internal("the file store could not keep a file"))
            };
            let key = stored(&original)?;
            let (preview_key, preview_type) = match (image, preview) {
                (true, _) => {
                    let small = thumbnail(&original)
                        .ok_or_else(|| AppError::invalid("file", "image-unreadable"))?;
                    (stored(&small)?, "image/png")
                }
                (false, Some(clip)) => {
                    let clip_type = sniff(&clip).unwrap_or("application/octet-stream");
                    (stored(&clip)?, clip_type)
                }
                (false, None) => (String::new(), ""),
            };
            Ok((key, preview_key, preview_type))
        })
        .await
        .map_err(|_| AppError::Internal("storing an upload"))??;
        let (key, preview_key, preview_type) = stored;
        let name: String = form
            .file
            .name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control() && *c != '"')
            .take(120)
            .collect();
        let new = NewItem {
            coop: coop.id,
            kind: kind.to_owned(),
            title: title.to_owned(),
            description: form.description.trim().to_owned(),
            tags: tags_of(&form.tags),
            file: StoredFile {
                key,
                name: if name.is_empty() { "file".into() } else { name },
                content_type: file_type.to_owned(),
                bytes,
            },
            preview_key,
            preview_type: preview_type.to_owned(),
            price: form.price,
            stock: form.stock,
            creators: form.creators,
            created_by: actor.id,
        };
        Ok(self.store.add_item(&new, self.clock.now()).await?)
    }

    /// The co-op's catalogue, searched and counted by facet: public, like
    /// a shop's window.
    pub async fn catalogue(&self, slug: &str, query: &CatalogueQuery) -> Result<CataloguePage> {
        let coop = self.coop(slug).await?;
        let settings = self.catalogue_of(&coop).await?;
        let mut badges: BTreeMap<PersonId, Vec<String>> = BTreeMap::new();
        for (person, badge) in self.store.seller_badges(coop.id).await? {
            badges.entry(person).or_default().push(badge);
        }
        let words: Vec<String> = query
            .text
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let listings: Vec<Listing> = self
            .store
            .items(coop.id, None)
            .await?
            .into_iter()
            .filter(|item| {
                let text = format!(
                    "{} {} {} {}",
                    item.item.title,
                    item.item.description,
                    item.item.tags.join(" "),
                    item.creator_names.join(" ")
                )
                .to_lowercase();
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .map(|item| {
                let mut of: Vec<String> = item
                    .item
                    .creators
                    .iter()
                    .flat_map(|(p, _)| badges.get(p).cloned().unwrap_or_default())
                    .collect();
                of.sort();
                of.dedup();
                Listing { item, badges: of }
            })
            .collect();
        // Facets count what the other filters leave, as the directory's do.
        let count = |values: &mut dyn Iterator<Item = String>| {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for value in values {
                *counts.entry(value).or_default() += 1;
            }
            let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts
        };
        let keeps = |l: &Listing, skip: &str| {
            (skip == "kind" || query.kind.as_ref().is_none_or(|k| &l.item.item.kind == k))
                && (skip == "tag"
                    || query
                        .tag
                        .as_ref()
                        .is_none_or(|t| l.item.item.tags.contains(t)))
                && (skip == "badge" || query.badge.as_ref().is_none_or(|b| l.badges.contains(b)))
        };
        let kinds = count(
            &mut listings
                .iter()
                .filter(|l| keeps(l, "kind"))
                .map(|l| l.item.item.kind.clone()),
        );
        let tags = count(
            &mut listings
                .iter()
                .filter(|l| keeps(l, "tag"))
                .flat_map(|l| l.item.item.tags.clone()),
        );
        let badge_counts = count(
            &mut listings
                .iter()
                .filter(|l| keeps(l, "badge"))
                .flat_map(|l| l.badges.clone()),
        );
        let mut shown: Vec<Listing> = listings.into_iter().filter(|l| keeps(l, "")).collect();
        // Featured sellers first; newest first within each.
        shown.sort_by_key(|l| !l.badges.iter().any(|b| b == "featured"));
        Ok(CataloguePage {
            currency: settings.currency.as_str().to_owned(),
            listings: shown,
            kinds,
            tags,
            badges: badge_counts,
        })
    }

    /// One item, with its licences and, for a signed-in listener of a
    /// track, where they stand with it.
    pub async fn item(&self, viewer: Option<&Person>, slug: &str, id: i64) -> Result<ItemView> {
        let coop = self.coop(slug).await?;
        let settings = self.catalogue_of(&coop).await?;
        let item = self
            .store
            .item(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("item"))?;
        let licences = self.store.licences(coop.id, &item.item.kind).await?;
        let standing = match viewer {
            Some(viewer) if item.item.kind == "track" => {
                let counts = self
                    .ledger
                    .play_counts(coop.id, settings.currency.clone(), viewer.id, vec![id])
                    .await?;
                Some(Standing::after(counts.first().copied().unwrap_or(0)))
            }
            _ => None,
        };
        let mut badges: Vec<String> = self
            .store
            .seller_badges(coop.id)
            .await?
            .into_iter()
            .filter(|(p, _)| item.item.creators.iter().any(|(c, _)| c == p))
            .map(|(_, b)| b)
            .collect();
        badges.dedup();
        Ok(ItemView {
            listing: Listing { item, badges },
            settings,
            licences,
            standing,
        })
    }

    /// An item's preview: public.
    pub async fn item_preview(&self, slug: &str, id: i64) -> Result<FileDownload> {
        let coop = self.coop(slug).await?;
        let item = self
            .store
            .item(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("item"))?;
        if item.item.preview_key.is_empty() {
            return Err(AppError::NotFound("preview"));
        }
        let bytes = self.read_file(item.item.preview_key.clone()).await?;
        Ok(FileDownload {
            name: format!("preview-{id}"),
            content_type: item.item.preview_type,
            bytes,
        })
    }

    async fn read_file(&self, key: String) -> Result<Vec<u8>> {
        let files = self.files.clone();
        tokio::task::spawn_blocking(move || files.get(&key))
            .await
            .map_err(|_| AppError::Internal("reading a file"))?
            .map_err(|_| AppError::Internal("the file store could not read a file"))?
            .ok_or(AppError::Internal("a file the catalogue names is missing"))
    }

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
        let (licence, quantity, unit_price, rate) = if item.item.kind == "good" {
            if form.quantity == 0 || form.quantity > 1_000 {
                return Err(AppError::invalid("quantity", "quantity-out-of-range"));
            }
            let price = item
                .item
                .price
                .ok_or(AppError::Internal("a good without a price"))?;
            (String::new(), form.quantity, price, settings.goods_rate_bp)
        } else {
            let licence = self
                .store
                .licences(coop.id, &item.item.kind)
                .await?
                .into_iter()
                .find(|l| l.name == form.licence.trim())
                .ok_or_else(|| AppError::invalid("licence", "licence-unknown"))?;
            (licence.name, 1, licence.price, settings.licence_rate_bp)
        };
        let amount = unit_price
            .checked_mul(quantity)
            .filter(|a| *a <= coopkit_ledger::AMOUNT_MAX)
            .ok_or_else(|| AppError::invalid("quantity", "amount-too-large"))?;
        let order = self
            .store
            .place_order(
                &NewOrder {
                    coop: coop.id,
                    key: format!("{}:{key}", actor.id.0),
                    item: item.id,
                    buyer: actor.id,
                    licence,
                    quantity,
                    amount,
                },
                self.clock.now(),
            )
            .await
            .map_err(|error| match error {
                StoreError::Conflict { what: "stock" } => AppError::Conflict {
                    field: "quantity",
                    code: "out-of-stock",
                },
                other => other.into(),
            })?;
        if order.state != "pending" {
            return Ok(order);
        }
        let shares = Shares::new(item.item.creators.clone())
            .map_err(|_| StoreError::corrupt("catalogue_creator.share_bp", &item.id.to_string()))?;
        let divided = split(
            amount,
            Rate::new(rate).map_err(|_| AppError::Internal("rate"))?,
            &shares,
        );
        let legs: Vec<(AccountOwner, u64)> = divided
            .creators
            .iter()
            .map(|(creator, paid)| (AccountOwner::Member(*creator), *paid))
            .chain([(AccountOwner::Coop(CoopAccount::Sales), divided.coop)])
            .filter(|(owner, paid)| *paid > 0 && *owner != AccountOwner::Member(actor.id))
            .collect();
        let last = legs.len().saturating_sub(1);
        let instructions: Vec<Instruction> = legs
            .into_iter()
            .enumerate()
            .map(|(leg, (to, paid))| {
                Instruction::Pay(Payment {
                    id: TransferId::derived(&format!("sale:{}:{}:{leg}", coop.id.0, order.id)),
                    currency: settings.currency.clone(),
                    from: AccountOwner::Member(actor.id),
                    to,
                    amount: paid,
                    hold: None,
                    linked: leg < last,
                    memo: item.item.title.chars().take(100).collect(),
                    cause: sale_cause(item.id, order.id),
                })
            })
            .collect();
        let results = if instructions.is_empty() {
            Vec::new()
        } else {
            self.ledger.submit(coop.id, instructions).await?
        };
        let refusal = results.iter().find_map(|r| r.err());
        self.store
            .settle_order(coop.id, order.id, refusal.is_none())
            .await?;
        if let Some(refusal) = refusal {
            return Err(refused(refusal));
        }
        self.store
            .order(coop.id, order.id)
            .await?
            .ok_or(AppError::Internal("an order vanished"))
    }

    /// The actor's orders in the co-op, newest first.
    pub async fn my_orders(&self, actor: &Person, slug: &str) -> Result<Vec<Order>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.orders_of(coop.id, actor.id).await?)
    }

    /// The orders of goods the actor sells that are paid (to send) or sent.
    pub async fn orders_to_send(&self, actor: &Person, slug: &str) -> Result<Vec<Order>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.orders_to_seller(coop.id, actor.id).await?)
    }

    /// The seller says a paid order of their goods has been sent.
    pub async fn mark_sent(&self, actor: &Person, slug: &str, order: i64) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        if self.store.mark_order_sent(coop.id, order, actor.id).await? {
            return Ok(());
        }
        match self.store.order(coop.id, order).await? {
            None => Err(AppError::NotFound("order")),
            Some(o) if o.state == "sent" => Ok(()),
            Some(o) if o.state == "paid" => Err(AppError::Forbidden("not-your-sale")),
            Some(_) => Err(AppError::Conflict {
                field: "order",
                code: "not-paid",
            }),
        }
    }

    /// A link to download what a paid licence bought, good for
    /// [`DOWNLOAD_LINK_MS`]: its expiry and signature, as query
    /// parameters. Only the buyer gets one.
    pub async fn download_link(
        &self,
        actor: &Person,
        slug: &str,
        order: i64,
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
        order: i64,
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
    async fn downloadable(&self, coop: &Coop, actor: &Person, order: i64) -> Result<Order> {
        let order = self
            .store
            .order(coop.id, order)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        if order.order.buyer != actor.id {
            return Err(AppError::Forbidden("not-your-order"));
        }
        if order.state != "paid" || order.order.licence.is_empty() {
            return Err(AppError::Conflict {
                field: "order",
                code: "nothing-to-download",
            });
        }
        Ok(order)
    }

    /// Plays a track: the listener's next play is charged at its
    /// stream-to-own price and divided between the creators and the co-op
    /// (nothing, once owned). `key` names the play, so a repeated request
    /// is one play. Returns where the listener now stands.
    pub async fn play(
        &self,
        actor: &Person,
        slug: &str,
        track: i64,
        key: &str,
    ) -> Result<Standing> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let settings = self.catalogue_of(&coop).await?;
        let item = self
            .store
            .item(coop.id, track)
            .await?
            .filter(|i| i.item.kind == "track")
            .ok_or(AppError::NotFound("track"))?;
        let key = key.trim();
        if key.is_empty() || key.len() > 64 {
            return Err(AppError::invalid("key", "required"));
        }
        let play = Play {
            id: TransferId::derived(&format!("play:{}:{}:{key}", coop.id.0, actor.id.0)),
            currency: settings.currency.clone(),
            listener: actor.id,
            track,
            creators: Shares::new(item.item.creators.clone()).map_err(|_| {
                StoreError::corrupt("catalogue_creator.share_bp", &track.to_string())
            })?,
            rate: Rate::new(settings.play_rate_bp).map_err(|_| AppError::Internal("rate"))?,
        };
        let result = self
            .ledger
            .submit(coop.id, vec![Instruction::Play(play)])
            .await?;
        match result.first() {
            Some(Ok(Applied::New | Applied::Replayed)) => {}
            Some(Err(refusal)) => return Err(refused(*refusal)),
            None => return Err(AppError::Internal("a play without an answer")),
        }
        let counts = self
            .ledger
            .play_counts(coop.id, settings.currency, actor.id, vec![track])
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
        let mut earnings: BTreeMap<i64, Earning> = items
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
                for line in lines.iter().filter(|l| l.credit == account.account.id) {
                    let cause = &line.transfer.cause;
                    let (of_plays, rest) = if let Some(rest) = cause.strip_prefix("play:") {
                        (true, rest)
                    } else if let Some(rest) = cause.strip_prefix(SALE_CAUSE_PREFIX) {
                        (false, rest)
                    } else {
                        continue;
                    };
                    let item = rest.split(':').next().and_then(|i| i.parse::<i64>().ok());
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
