//! A creator or goods co-op's catalogue: works and goods listed with their
//! creators' shares, licences and orders paid as linked ledger transfers,
//! signed expiring download links, stream-to-own plays that stream the
//! whole track, and what each
//! creator has earned.
//!
//! Every sale is divided by `coopkit_market::royalty::split`: the
//! creators' part at the co-op's rate for that kind of sale, rounded to the
//! nearest unit (a half to the creators), shared by largest remainder; the
//! co-op's sales account takes the rest. The transfers of one sale are one
//! linked chain, so an order is paid whole or not at all.

mod browse;
mod files;
mod fund;
mod orders;
mod plays;
mod stream;

use coopkit_domain::validation::Collector;
use coopkit_domain::{ItemId, OrderId, PersonId, Role};
use coopkit_ledger::Refusal;
use coopkit_market::royalty::{Rate, Shares};
use coopkit_market::stream::Standing;
use coopkit_market::ItemKind;
use coopkit_store::{Coop, NewItem, Person, StoredFile};

pub use coopkit_market::{CatalogueSettings, Item, Licence, Order, OrderLine};
pub use coopkit_uploads::{
    image_header, sniff, thumbnail, DecodeBudget, DecodePermit, ImageHeader, ImageRefusal,
    Incoming, StagedFile, Staging, Upload, PIXELS_MAX, THUMBNAIL_SIDE,
};
pub use files::{DataDirFiles, FileStore, SWEEP_GRACE};
pub use fund::{FundReturn, FundView, Project, ProjectForm, INVESTOR_CLASS};
pub use orders::Quote;
pub use stream::{StreamLink, TrackStream, STREAM_LINK_MS, STREAM_PART_MAX};

use crate::{App, AppError, Result};

/// How long a download link works.
pub const DOWNLOAD_LINK_MS: i64 = 60 * 60 * 1000;

/// Seller badges coordinators may give; `featured` sellers show first.
pub const BADGES: [&str; 4] = ["fair-trade", "organic", "member-coop", "featured"];

/// The largest file any kind of item takes. Uploads stream to the file
/// store, so a large one costs disk, not memory.
pub const UPLOAD_MAX_BYTES: u64 = 1024 * 1024 * 1024;

/// The media types a kind of item takes for its original, and the most
/// bytes it may have.
pub fn accepted(kind: ItemKind) -> (&'static [&'static str], u64) {
    const MIB: u64 = 1024 * 1024;
    match kind {
        ItemKind::Photo | ItemKind::Good => (&["image/jpeg", "image/png"], 25 * MIB),
        ItemKind::Track => (
            &["audio/mpeg", "audio/ogg", "audio/flac", "audio/wav"],
            200 * MIB,
        ),
        ItemKind::Film => (&["video/mp4", "video/webm"], UPLOAD_MAX_BYTES),
        ItemKind::Text => (&["application/pdf"], 20 * MIB),
    }
}

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
#[derive(Debug)]
pub struct ItemForm {
    pub kind: String,
    pub title: String,
    pub description: String,
    /// Words, separated by spaces or commas.
    pub tags: String,
    /// `None` when the form came without one (it is required).
    pub file: Option<Upload>,
    /// A track's or film's preview clip; images make their own.
    pub preview: Option<Upload>,
    /// In order, with shares in basis points.
    pub creators: Vec<(PersonId, u32)>,
    /// Goods only.
    pub price: Option<u64>,
    pub stock: Option<u64>,
}

/// A licence of a kind of work as an admin sets it.
#[derive(Clone, Debug)]
pub struct LicenceForm {
    pub kind: String,
    pub name: String,
    pub price: u64,
    pub terms: String,
}

/// Which items to show.
#[derive(Clone, Debug, Default)]
pub struct CatalogueQuery {
    pub text: String,
    pub kind: Option<ItemKind>,
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
    pub item: ItemId,
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
    pub item: ItemId,
    pub title: String,
    pub sales: u64,
    pub plays: u64,
}

/// Causes reserved for the catalogue's own transfers: counts and earnings
/// are read back from them.
pub const SALE_CAUSE_PREFIX: &str = "sale:";

fn sale_cause(item: ItemId, order: OrderId) -> String {
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
            _ => errors.push_absent("currency", "currency-unknown"),
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
            currency: currency.map_err(AppError::because("currency"))?,
            licence_rate_bp: setup.licence_rate_bp,
            play_rate_bp: setup.play_rate_bp,
            goods_rate_bp: setup.goods_rate_bp,
            fund_return_cap_bp: setup.fund_return_cap_bp,
        };
        self.store
            .set_catalogue_settings(
                coop.id,
                &settings,
                &crate::new_secret(),
                Some(actor.id),
                self.clock.now(),
            )
            .await?;
        Ok(())
    }

    /// The currency a co-op's catalogue sells in, with its scale: what a
    /// page needs to write and read its amounts.
    pub async fn catalogue_currency(&self, slug: &str) -> Result<coopkit_store::Currency> {
        let coop = self.coop(slug).await?;
        let settings = self.catalogue_of(&coop).await?;
        self.coop_currency(&coop, &settings.currency).await
    }

    pub(crate) async fn catalogue_of(&self, coop: &Coop) -> Result<CatalogueSettings> {
        self.store
            .catalogue_settings(coop.id)
            .await?
            .ok_or(AppError::NotFound("catalogue"))
    }

    /// Sets what a licence of a kind of work costs: admins only.
    pub async fn set_licence(
        &self,
        actor: &Person,
        slug: &str,
        licence: LicenceForm,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        self.catalogue_of(&coop).await?;
        let mut errors = Collector::new();
        let kind = ItemKind::parse(licence.kind.trim()).filter(|k| k.is_work());
        if kind.is_none() {
            errors.push("kind", "kind-unknown");
        }
        let name = licence.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            errors.push("name", "required");
        }
        if licence.price == 0 || licence.price > coopkit_ledger::AMOUNT_MAX {
            errors.push("price", "amount-zero");
        }
        let kind = errors.finish_with(kind)?;
        let licence = Licence {
            kind,
            name: name.to_owned(),
            price: licence.price,
            terms: licence.terms,
        };
        Ok(self
            .store
            .set_licence(coop.id, &licence, Some(actor.id), self.clock.now())
            .await?)
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
            return Err(AppError::absent("badge", "badge-unknown"));
        }
        if !self.is_active_member(&coop, seller).await? {
            return Err(AppError::invalid("seller", "not-a-member"));
        }
        Ok(self
            .store
            .set_seller_badge(coop.id, seller, badge, on, Some(actor.id), self.clock.now())
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
    pub async fn add_item(&self, actor: &Person, slug: &str, form: ItemForm) -> Result<ItemId> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        self.catalogue_of(&coop).await?;
        let mut errors = Collector::new();
        let (kind, file_type) = check_item(&form, actor.id, &mut errors);
        for (person, _) in &form.creators {
            if !self.is_active_member(&coop, *person).await? {
                errors.push("creators", "not-a-member");
            }
        }
        let kind = errors.finish_with(kind)?;
        let (Some(file_type), Some(upload)) = (file_type, form.file) else {
            return Err(AppError::internal("validated upload"));
        };

        // An image's thumbnail is made before anything is kept, within
        // the decoding budget: a refused image leaves no file behind.
        let permit = if file_type.starts_with("image/") {
            // Opening is one system call; reading the header may not be.
            let reader = upload
                .file
                .open()
                .map_err(|_| image_refused(ImageRefusal::Unreadable))?;
            let header = tokio::task::spawn_blocking(move || image_header(reader))
                .await
                .map_err(AppError::because("reading an image's header"))?
                .map_err(image_refused)?;
            Some(
                self.decode_budget
                    .reserve(&header)
                    .await
                    .map_err(image_refused)?,
            )
        } else {
            None
        };
        let files = self.files.clone();
        let original = upload.file;
        let preview = form.preview.map(|p| p.file);
        let bytes = i64::try_from(original.len()).unwrap_or(i64::MAX);
        let (key, preview_key, preview_type) = tokio::task::spawn_blocking(move || {
            store_upload(files.as_ref(), &original, preview, permit.as_ref())
        })
        .await
        .map_err(AppError::because("storing an upload"))??;
        let name = file_name(&upload.name);
        let new = NewItem {
            coop: coop.id,
            kind,
            title: form.title.trim().to_owned(),
            description: form.description.trim().to_owned(),
            tags: tags_of(&form.tags),
            file: StoredFile {
                key,
                name,
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
}

/// What is wrong with a listing, but whether its creators are members:
/// the kind, title and description, the file and preview by their sniffed
/// types, the shares, and a good's one seller, price and stock. Evaluates
/// to the kind and the file's type, when they are known.
fn check_item(
    form: &ItemForm,
    lister: PersonId,
    errors: &mut Collector,
) -> (Option<ItemKind>, Option<&'static str>) {
    let kind = ItemKind::parse(form.kind.trim());
    let (types, max_bytes) = kind.map_or((&[][..], 0), accepted);
    if kind.is_none() {
        errors.push("kind", "kind-unknown");
    }
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push("title", "required");
    }
    if form.description.chars().count() > 5_000 {
        errors.push("description", "too-long");
    }
    let original = form
        .file
        .as_ref()
        .map(|f| &f.file)
        .filter(|f| !f.is_empty());
    let file_type = original.and_then(|f| sniff(f.head()));
    if original.is_none() {
        errors.push("file", "required");
    } else if original.is_some_and(|f| f.len() > max_bytes) {
        errors.push("file", "file-too-large");
    } else if !file_type.is_some_and(|t| types.contains(&t)) {
        errors.push("file", "file-type-wrong");
    }
    let preview_type = form.preview.as_ref().map(|p| sniff(p.file.head()));
    if let Some(found) = preview_type {
        let previewable = matches!(kind, Some(ItemKind::Track | ItemKind::Film));
        if !previewable || !found.is_some_and(|t| types.contains(&t)) {
            errors.push("preview", "file-type-wrong");
        }
    }
    if let Err(error) = Shares::new(form.creators.clone()) {
        errors.push("creators", error.code());
    }
    if !form.creators.iter().any(|(p, _)| *p == lister) {
        errors.push("creators", "lister-not-creator");
    }
    let is_good = kind == Some(ItemKind::Good);
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
    (kind, file_type)
}

/// Keeps an upload and its preview in the file store: for an image, a
/// thumbnail made first (decoding within `permit`), so that an image that
/// cannot be read is refused before anything is kept; for a track or a
/// film, the clip given. Evaluates to the keys and the preview's type.
/// Blocking: decoding and writing.
fn store_upload(
    files: &dyn FileStore,
    original: &StagedFile,
    preview: Option<StagedFile>,
    permit: Option<&DecodePermit>,
) -> Result<(String, String, &'static str)> {
    let kept =
        |error: std::io::Error| AppError::because("the file store could not keep a file")(error);
    // The thumbnail first: an image that will not decode keeps nothing.
    let thumbnail = match permit {
        Some(permit) => {
            let source = original.open().map_err(kept)?;
            Some(thumbnail(source, permit.max_alloc).map_err(image_refused)?)
        }
        None => None,
    };
    let key = files.put_staged(original).map_err(kept)?;
    let (preview_key, preview_type) = match (thumbnail, preview) {
        (Some(small), _) => (files.put(&small).map_err(kept)?, "image/png"),
        (None, Some(clip)) => (
            files.put_staged(&clip).map_err(kept)?,
            sniff(clip.head()).unwrap_or("application/octet-stream"),
        ),
        (None, None) => (String::new(), ""),
    };
    Ok((key, preview_key, preview_type))
}

fn image_refused(refusal: ImageRefusal) -> AppError {
    AppError::invalid("file", refusal.code())
}

/// An upload's name as downloads give it: the last part of whatever path
/// the browser sent, without control characters or quotes, at most 120
/// characters; "file" when nothing is left.
fn file_name(sent: &str) -> String {
    let name: String = sent
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if name.is_empty() {
        "file".into()
    } else {
        name
    }
}
