//! A creator or goods co-op's catalogue as pages: the catalogue with its
//! facets, listing a work or good, and an item's page (preview, licences,
//! goods, plays). Orders, downloads and earnings are in `orders.rs`; an
//! admin's settings in `settings.rs`; the fund in `pages/fund.rs`.

mod buying;
mod listening;
mod orders;
mod settings;

pub use buying::{buy, confirm};
pub use listening::{play, stream};
pub use orders::{download, earnings, mark_sent, orders};
pub use settings::{save_badge, save_licence, save_settings};
use settings::{LicenceFields, SettingsFields};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use coopkit_app::catalogue::{
    CatalogueQuery, FileDownload, ItemForm, ItemView, Licence, Listing, StreamLink, BADGES,
};
use coopkit_app::records::Currency;
use coopkit_app::AppError;
use coopkit_domain::{ItemId, PersonId};
use coopkit_market::stream::Standing;
use coopkit_market::ItemKind;
use serde::Deserialize;

use super::{render, render_with, FormErrors, PageResult};
use crate::forms::CsrfUpload;
use crate::viewer::Viewer;
use crate::AppState;

/// Amounts in the catalogue's currency, as the reader writes them.
pub(crate) struct Money {
    scale: u32,
    code: String,
    tr: crate::Tr,
}

impl Money {
    /// The catalogue's own currency.
    pub(crate) async fn of_catalogue(
        state: &AppState,
        slug: &str,
        tr: &crate::Tr,
    ) -> Result<Money, AppError> {
        let currency = state.app.catalogue_currency(slug).await?;
        Ok(Money {
            scale: u32::from(currency.scale),
            code: currency.code.as_str().to_owned(),
            tr: tr.clone(),
        })
    }

    pub(crate) async fn of(
        state: &AppState,
        slug: &str,
        code: &str,
        tr: &crate::Tr,
    ) -> Result<Money, AppError> {
        let scale = state
            .app
            .currencies(slug)
            .await?
            .into_iter()
            .find(|c: &Currency| c.code.as_str() == code)
            .map_or(0, |c| u32::from(c.scale));
        Ok(Money {
            scale,
            code: code.to_owned(),
            tr: tr.clone(),
        })
    }

    pub(crate) fn show(&self, amount: u64) -> String {
        format!("{} {}", self.tr.amount(amount, self.scale), self.code)
    }

    /// An amount as typed in the reader's notation; `field` names it in
    /// the refusal.
    pub(crate) fn read(&self, field: &'static str, text: &str) -> Result<u64, AppError> {
        self.tr
            .parse_amount(text, self.scale)
            .map_err(|_| AppError::invalid(field, "amount-invalid"))
    }
}

/// An item as a list shows it.
struct Card {
    id: ItemId,
    kind: ItemKind,
    kind_label: String,
    title: String,
    creators: String,
    tags: Vec<String>,
    /// Their labels, in the reader's language.
    badges: Vec<String>,
    price: Option<String>,
    has_preview: bool,
}

fn card_of(listing: &Listing, money: &Money, tr: &crate::Tr) -> Card {
    let item = &listing.item;
    Card {
        id: item.id,
        kind: item.item.kind,
        kind_label: tr.t(&format!("catalogue-kind-{}", item.item.kind.as_str())),
        title: item.item.title.clone(),
        creators: item.creator_names.join(", "),
        tags: item.item.tags.clone(),
        badges: listing
            .badges
            .iter()
            .map(|b| tr.t(&format!("catalogue-badge-{b}")))
            .collect(),
        price: item.item.price.map(|p| money.show(p)),
        has_preview: !item.item.preview_key.is_empty(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    q: String,
    kind: String,
    tag: String,
    badge: String,
}

/// A facet's values with their counts and the link that chooses each.
struct Facet {
    name: &'static str,
    values: Vec<(String, usize, String, bool)>,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage<'a> {
    v: &'a Viewer,
    slug: String,
    filters: Filters,
    cards: Vec<Card>,
    facets: Vec<Facet>,
    member: bool,
    admin: bool,
    coordinator: bool,
    kinds: Vec<&'static str>,
    badges: &'static [&'static str],
    /// The admin's forms as typed, with what was wrong with them.
    settings: SettingsFields,
    licence: LicenceFields,
    errors: FormErrors,
}

/// Every kind's name, for the forms' choices.
fn kind_names() -> Vec<&'static str> {
    ItemKind::ALL.iter().map(|k| k.as_str()).collect()
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(filters): Query<Filters>,
) -> PageResult {
    let forms = AdminForms::default();
    catalogue_page(&state, &v, slug, filters, forms, StatusCode::OK).await
}

/// The settings and licence forms as an admin typed them, and what was
/// wrong with them: shown again on the catalogue's page.
#[derive(Default)]
pub(super) struct AdminForms {
    pub settings: SettingsFields,
    pub licence: LicenceFields,
    pub errors: FormErrors,
}

pub(super) async fn catalogue_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    filters: Filters,
    forms: AdminForms,
    status: StatusCode,
) -> PageResult {
    let chosen = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    let query = CatalogueQuery {
        text: filters.q.clone(),
        kind: ItemKind::parse(&filters.kind),
        tag: chosen(&filters.tag),
        badge: chosen(&filters.badge),
    };
    let page = state.app.catalogue(&slug, &query).await?;
    let money = Money::of(state, &slug, &page.currency, &v.tr).await?;
    let coop = state.app.coop_page(v.person.as_ref(), &slug).await?;
    // A facet's link keeps the other filters and toggles its own value.
    let link = |facet: &str, value: &str| {
        let mut pairs = vec![
            ("q", filters.q.as_str()),
            ("kind", filters.kind.as_str()),
            ("tag", filters.tag.as_str()),
            ("badge", filters.badge.as_str()),
        ];
        for pair in &mut pairs {
            if pair.0 == facet {
                pair.1 = if pair.1 == value { "" } else { value };
            }
        }
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|p| !p.1.is_empty()).collect();
        let query = serde_urlencoded::to_string(kept).unwrap_or_default();
        format!("/c/{slug}/catalogue?{query}")
    };
    let facet = |name: &'static str, counts: &[(String, usize)], current: &str| Facet {
        name,
        values: counts
            .iter()
            .map(|(value, n)| (value.clone(), *n, link(name, value), value == current))
            .collect(),
    };
    let facets = vec![
        facet("kind", &page.kinds, &filters.kind),
        facet("tag", &page.tags, &filters.tag),
        facet("badge", &page.badges, &filters.badge),
    ];
    render_with(
        status,
        &CataloguePage {
            v,
            cards: page
                .listings
                .iter()
                .map(|l| card_of(l, &money, &v.tr))
                .collect(),
            facets,
            member: coop.viewer_is_member(),
            admin: coop.viewer_changes_settings(),
            coordinator: coop.viewer_decides_applications(),
            kinds: kind_names(),
            badges: &BADGES,
            slug,
            filters,
            settings: forms.settings,
            licence: forms.licence,
            errors: forms.errors,
        },
    )
}

#[derive(Template)]
#[template(path = "catalogue_new.html")]
struct NewItemPage<'a> {
    v: &'a Viewer,
    slug: String,
    kinds: Vec<&'static str>,
    typed: Typed,
    errors: FormErrors,
}

/// What the person typed, shown again with the errors.
#[derive(Default)]
struct Typed {
    kind: String,
    title: String,
    description: String,
    tags: String,
    creators: String,
    price: String,
    stock: String,
}

pub async fn new_form(v: Viewer, Path(slug): Path<String>) -> PageResult {
    v.person()?;
    render(&NewItemPage {
        v: &v,
        slug,
        kinds: kind_names(),
        typed: Typed {
            kind: "photo".into(),
            ..Typed::default()
        },
        errors: FormErrors::default(),
    })
}

/// `creators` as typed: one `person-id share%` per line; empty is the
/// lister alone.
fn creators_of(
    text: &str,
    lister: PersonId,
    tr: &crate::Tr,
) -> Result<Vec<(PersonId, u32)>, AppError> {
    if text.trim().is_empty() {
        return Ok(vec![(lister, 10_000)]);
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut parts = line.split_whitespace();
            let person = parts.next().and_then(|p| p.parse::<i64>().ok());
            let share = parts
                .next()
                .map(|s| s.trim_end_matches('%'))
                .and_then(|s| tr.parse_amount(s, 2_u32).ok())
                .and_then(|s| u32::try_from(s).ok());
            match (person, share, parts.next()) {
                (Some(person), Some(share), None) => Ok((PersonId(person), share)),
                _ => Err(AppError::invalid("creators", "creators-line")),
            }
        })
        .collect()
}

pub async fn create(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    mut upload: CsrfUpload,
) -> PageResult {
    let person = v.person()?;
    let typed = Typed {
        kind: upload.field("kind").to_owned(),
        title: upload.field("title").to_owned(),
        description: upload.field("description").to_owned(),
        tags: upload.field("tags").to_owned(),
        creators: upload.field("creators").to_owned(),
        price: upload.field("price").to_owned(),
        stock: upload.field("stock").to_owned(),
    };
    let outcome = async {
        let money = Money::of_catalogue(&state, &slug, &v.tr).await?;
        let optional = |text: &str, read: &dyn Fn(&str) -> Result<u64, AppError>| match text.trim()
        {
            "" => Ok(None),
            text => read(text).map(Some),
        };
        // A file input left empty sends a part with no bytes.
        let mut file = |name: &str| upload.take_file(name).filter(|u| !u.file.is_empty());
        let form = ItemForm {
            kind: typed.kind.clone(),
            title: typed.title.clone(),
            description: typed.description.clone(),
            tags: typed.tags.clone(),
            file: file("file"),
            preview: file("preview"),
            creators: creators_of(&typed.creators, person.id, &v.tr)?,
            price: optional(&typed.price, &|t| money.read("price", t))?,
            stock: optional(&typed.stock, &|t| {
                v.tr.parse_amount(t, 0_u32)
                    .map_err(|_| AppError::invalid("stock", "amount-invalid"))
            })?,
        };
        state.app.add_item(person, &slug, form).await
    }
    .await;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/c/{slug}/catalogue/{id}")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            render_with(
                status,
                &NewItemPage {
                    v: &v,
                    slug,
                    kinds: kind_names(),
                    typed,
                    errors,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "catalogue_item.html")]
struct ItemPage<'a> {
    v: &'a Viewer,
    slug: String,
    card: Card,
    description: String,
    shares: Vec<(String, String)>,
    licences: Vec<(Licence, String)>,
    stock: Option<u64>,
    standing: Option<StandingRow>,
    order_key: String,
    errors: FormErrors,
    /// Where the player streams the track from, after a play.
    listen: Option<String>,
}

/// What the item page shows beyond the item: a form's errors, or the
/// player a play opened.
#[derive(Default)]
pub(super) struct Shown {
    pub(super) errors: FormErrors,
    pub(super) listen: Option<StreamLink>,
}

/// A fresh name for what a form asks (an order, a play, a pledge), so the
/// same form sent twice does it once; a licence's name may be added to it
/// within the 64 bytes a key may have.
pub(crate) fn form_key() -> String {
    coopkit_app::new_secret().chars().take(32).collect()
}

/// Where a listener stands with a track, written out.
struct StandingRow {
    plays: u32,
    paid: String,
    left_to_own: String,
    next_price: String,
    owned: bool,
}

fn standing_row(standing: &Standing, money: &Money) -> StandingRow {
    StandingRow {
        plays: standing.plays,
        paid: money.show(standing.paid),
        left_to_own: money.show(standing.left_to_own),
        next_price: money.show(standing.next_price),
        owned: standing.owned,
    }
}

pub(super) async fn item_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    id: ItemId,
    shown: Shown,
    status: StatusCode,
) -> PageResult {
    let view: ItemView = state.app.item(v.person.as_ref(), &slug, id).await?;
    let money = Money::of(state, &slug, view.settings.currency.as_str(), &v.tr).await?;
    let item = &view.listing.item;
    let shares = item
        .creator_names
        .iter()
        .zip(&item.item.creators)
        .map(|(name, (_, share))| (name.clone(), v.tr.amount(*share, 2_u32)))
        .collect();
    render_with(
        status,
        &ItemPage {
            v,
            card: card_of(&view.listing, &money, &v.tr),
            description: item.item.description.clone(),
            shares,
            licences: view
                .licences
                .iter()
                .map(|l| (l.clone(), money.show(l.price)))
                .collect(),
            stock: item.item.stock,
            standing: view.standing.as_ref().map(|s| standing_row(s, &money)),
            order_key: form_key(),
            errors: shown.errors,
            listen: shown.listen.map(|link| {
                format!(
                    "/c/{slug}/catalogue/{id}/stream?expires={}&sig={}",
                    link.expires, link.sig
                )
            }),
            slug,
        },
    )
}

pub async fn item(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, ItemId)>,
    Query(link): Query<listening::LinkQuery>,
) -> PageResult {
    let shown = Shown {
        listen: link.into_link(),
        ..Shown::default()
    };
    item_page(&state, &v, slug, id, shown, StatusCode::OK).await
}

pub(crate) fn file_response(file: FileDownload, attachment: bool) -> Response {
    let disposition = if attachment {
        format!("attachment; filename=\"{}\"", file.name)
    } else {
        "inline".to_owned()
    };
    (
        [
            (CONTENT_TYPE, file.content_type),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        file.bytes,
    )
        .into_response()
}

pub async fn preview(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, ItemId)>,
) -> PageResult {
    Ok(file_response(
        state.app.item_preview(&slug, id).await?,
        false,
    ))
}
