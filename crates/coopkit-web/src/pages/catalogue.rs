//! A creator or goods co-op's catalogue as pages: the catalogue with its
//! facets, listing a work or good, an item's page (preview, licences,
//! goods, plays), the buyer's orders with their download links, the
//! download itself, and a creator's earnings.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use coopkit_app::catalogue::{
    CatalogueQuery, CatalogueSetup, Earning, FileDownload, ItemForm, ItemView, Licence, Listing,
    Order, OrderForm, ProjectForm, Upload, BADGES, KINDS,
};
use coopkit_app::records::Currency;
use coopkit_app::AppError;
use coopkit_domain::{format_minor_units, parse_minor_units, PersonId};
use coopkit_market::stream::Standing;
use serde::Deserialize;

use super::{render, render_with, FormErrors, PageResult};
use crate::forms::{CsrfForm, CsrfUpload};
use crate::viewer::Viewer;
use crate::AppState;

/// Amounts in the catalogue's currency, as pages write them.
struct Money {
    scale: u32,
    code: String,
}

impl Money {
    /// The catalogue's own currency, with every item (for their titles).
    async fn of_catalogue(
        state: &AppState,
        slug: &str,
    ) -> Result<(Money, coopkit_app::catalogue::CataloguePage), AppError> {
        let page = state
            .app
            .catalogue(slug, &CatalogueQuery::default())
            .await?;
        Ok((Money::of(state, slug, &page.currency).await?, page))
    }

    async fn of(state: &AppState, slug: &str, code: &str) -> Result<Money, AppError> {
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
        })
    }

    fn show(&self, amount: u64) -> String {
        format!(
            "{} {}",
            format_minor_units(i64::try_from(amount).unwrap_or(i64::MAX), self.scale),
            self.code
        )
    }
}

/// An item as a list shows it.
struct Card {
    id: i64,
    kind: String,
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
        kind: item.item.kind.clone(),
        kind_label: tr.t(&format!("catalogue-kind-{}", item.item.kind)),
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
    kinds: &'static [&'static str],
    badges: &'static [&'static str],
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(filters): Query<Filters>,
) -> PageResult {
    let chosen = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    let query = CatalogueQuery {
        text: filters.q.clone(),
        kind: chosen(&filters.kind),
        tag: chosen(&filters.tag),
        badge: chosen(&filters.badge),
    };
    let page = state.app.catalogue(&slug, &query).await?;
    let money = Money::of(&state, &slug, &page.currency).await?;
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
    render(&CataloguePage {
        v: &v,
        cards: page
            .listings
            .iter()
            .map(|l| card_of(l, &money, &v.tr))
            .collect(),
        facets,
        member: coop.viewer_is_member(),
        admin: coop.viewer_changes_settings(),
        coordinator: coop.viewer_decides_applications(),
        kinds: &KINDS,
        badges: &BADGES,
        slug,
        filters,
    })
}

#[derive(Template)]
#[template(path = "catalogue_new.html")]
struct NewItemPage<'a> {
    v: &'a Viewer,
    slug: String,
    kinds: &'static [&'static str],
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
        kinds: &KINDS,
        typed: Typed {
            kind: "photo".into(),
            ..Typed::default()
        },
        errors: FormErrors::default(),
    })
}

/// `creators` as typed: one `person-id share%` per line; empty is the
/// lister alone.
fn creators_of(text: &str, lister: PersonId) -> Result<Vec<(PersonId, u32)>, AppError> {
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
                .and_then(|s| parse_minor_units(s, 2).ok())
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
    upload: CsrfUpload,
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
        let (money, _) = Money::of_catalogue(&state, &slug).await?;
        let amount =
            |field: &'static str, text: &str, scale: u32| -> Result<Option<u64>, AppError> {
                match text.trim() {
                    "" => Ok(None),
                    text => parse_minor_units(text, scale)
                        .ok()
                        .map(Some)
                        .ok_or_else(|| AppError::invalid(field, "amount-invalid")),
                }
            };
        let file = |name: &str| {
            upload
                .file(name)
                .filter(|(_, b)| !b.is_empty())
                .map(|(file, bytes)| Upload {
                    name: file.to_owned(),
                    bytes: bytes.to_vec(),
                })
        };
        let form = ItemForm {
            kind: typed.kind.clone(),
            title: typed.title.clone(),
            description: typed.description.clone(),
            tags: typed.tags.clone(),
            file: file("file").unwrap_or(Upload {
                name: String::new(),
                bytes: Vec::new(),
            }),
            preview: file("preview"),
            creators: creators_of(&typed.creators, person.id)?,
            price: amount("price", &typed.price, money.scale)?,
            stock: amount("stock", &typed.stock, 0)?,
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
                    kinds: &KINDS,
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
}

/// A fresh name for what a form asks (an order, a play, a pledge), so the
/// same form sent twice does it once; a licence's name may be added to it
/// within the 64 bytes a key may have.
fn form_key() -> String {
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

async fn item_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    id: i64,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let view: ItemView = state.app.item(v.person.as_ref(), &slug, id).await?;
    let money = Money::of(state, &slug, view.settings.currency.as_str()).await?;
    let item = &view.listing.item;
    let shares = item
        .creator_names
        .iter()
        .zip(&item.item.creators)
        .map(|(name, (_, share))| (name.clone(), format_minor_units(i64::from(*share), 2)))
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
            errors,
            slug,
        },
    )
}

pub async fn item(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, i64)>,
) -> PageResult {
    item_page(&state, &v, slug, id, FormErrors::default(), StatusCode::OK).await
}

fn file_response(file: FileDownload, attachment: bool) -> Response {
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
    Path((slug, id)): Path<(String, i64)>,
) -> PageResult {
    Ok(file_response(
        state.app.item_preview(&slug, id).await?,
        false,
    ))
}

#[derive(Debug, Deserialize)]
pub struct BuyFields {
    key: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    quantity: String,
}

pub async fn buy(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(fields): CsrfForm<BuyFields>,
) -> PageResult {
    let person = v.person()?;
    let quantity = match fields.quantity.trim() {
        "" => Ok(1),
        text => text
            .parse::<u64>()
            .map_err(|_| AppError::invalid("quantity", "quantity-out-of-range")),
    };
    let outcome = match quantity {
        Ok(quantity) => {
            let form = OrderForm {
                key: fields.key,
                item: id,
                licence: fields.licence,
                quantity,
            };
            state.app.buy(person, &slug, form).await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/orders")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            item_page(&state, &v, slug, id, errors, status).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PlayFields {
    key: String,
}

pub async fn play(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(fields): CsrfForm<PlayFields>,
) -> PageResult {
    let person = v.person()?;
    match state.app.play(person, &slug, id, &fields.key).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/catalogue/{id}")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            item_page(&state, &v, slug, id, errors, status).await
        }
    }
}

/// An order as the buyer's list shows it.
struct OrderRow {
    id: i64,
    title: String,
    licence: String,
    quantity: u64,
    amount: String,
    state: String,
    /// A fresh signed link, for paid licences.
    download: Option<String>,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage<'a> {
    v: &'a Viewer,
    slug: String,
    orders: Vec<OrderRow>,
    /// Orders of the viewer's own goods, paid (to send) or sent.
    to_send: Vec<OrderRow>,
}

pub async fn orders(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let person = v.person()?;
    let (money, page) = Money::of_catalogue(&state, &slug).await?;
    let title = |item: i64| {
        page.listings
            .iter()
            .find(|l| l.item.id == item)
            .map_or_else(String::new, |l| l.item.item.title.clone())
    };
    let mut rows = Vec::new();
    for order in state.app.my_orders(person, &slug).await? {
        let Order {
            id,
            order: placed,
            state: status,
            ..
        } = order;
        let download = if status == "paid" && !placed.licence.is_empty() {
            let (expires, sig) = state.app.download_link(person, &slug, id).await?;
            Some(format!(
                "/c/{slug}/orders/{id}/download?expires={expires}&sig={sig}"
            ))
        } else {
            None
        };
        rows.push(OrderRow {
            id,
            title: title(placed.item),
            licence: placed.licence,
            quantity: placed.quantity,
            amount: money.show(placed.amount),
            state: status,
            download,
        });
    }
    let to_send = state
        .app
        .orders_to_send(person, &slug)
        .await?
        .into_iter()
        .map(|o| OrderRow {
            id: o.id,
            title: title(o.order.item),
            licence: String::new(),
            quantity: o.order.quantity,
            amount: money.show(o.order.amount),
            state: o.state,
            download: None,
        })
        .collect();
    render(&OrdersPage {
        v: &v,
        slug,
        orders: rows,
        to_send,
    })
}

pub async fn mark_sent(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> PageResult {
    let person = v.person()?;
    state.app.mark_sent(person, &slug, id).await?;
    Ok(Redirect::to(&format!("/c/{slug}/orders")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct LinkParams {
    expires: i64,
    sig: String,
}

pub async fn download(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, i64)>,
    Query(link): Query<LinkParams>,
) -> PageResult {
    let person = v.person()?;
    let file = state
        .app
        .download(person, &slug, id, link.expires, &link.sig)
        .await?;
    Ok(file_response(file, true))
}

#[derive(Template)]
#[template(path = "earnings.html")]
struct EarningsPage<'a> {
    v: &'a Viewer,
    slug: String,
    rows: Vec<(Earning, String, String)>,
}

pub async fn earnings(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let person = v.person()?;
    let (money, _) = Money::of_catalogue(&state, &slug).await?;
    let rows = state
        .app
        .my_earnings(person, &slug)
        .await?
        .into_iter()
        .map(|e| {
            let (sales, plays) = (money.show(e.sales), money.show(e.plays));
            (e, sales, plays)
        })
        .collect();
    render(&EarningsPage { v: &v, slug, rows })
}

#[derive(Debug, Deserialize)]
pub struct SettingsFields {
    currency: String,
    licence_rate: String,
    play_rate: String,
    goods_rate: String,
    fund_return_cap: String,
}

/// A percentage as typed ("50" or "62.5") in basis points.
fn basis_points(field: &'static str, text: &str) -> Result<u32, AppError> {
    parse_minor_units(text.trim().trim_end_matches('%'), 2)
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| AppError::invalid(field, "rate-above-whole"))
}

pub async fn save_settings(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<SettingsFields>,
) -> PageResult {
    let person = v.person()?;
    let setup = CatalogueSetup {
        currency: fields.currency,
        licence_rate_bp: basis_points("licence_rate", &fields.licence_rate)?,
        play_rate_bp: basis_points("play_rate", &fields.play_rate)?,
        goods_rate_bp: basis_points("goods_rate", &fields.goods_rate)?,
        fund_return_cap_bp: basis_points("fund_return_cap", &fields.fund_return_cap)?,
    };
    state.app.set_up_catalogue(person, &slug, setup).await?;
    Ok(Redirect::to(&format!("/c/{slug}/catalogue")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct LicenceFields {
    kind: String,
    name: String,
    price: String,
    terms: String,
}

pub async fn save_licence(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<LicenceFields>,
) -> PageResult {
    let person = v.person()?;
    let (money, _) = Money::of_catalogue(&state, &slug).await?;
    let price = parse_minor_units(fields.price.trim(), money.scale)
        .ok()
        .ok_or_else(|| AppError::invalid("price", "amount-invalid"))?;
    let licence = Licence {
        kind: fields.kind,
        name: fields.name,
        price,
        terms: fields.terms,
    };
    state.app.set_licence(person, &slug, licence).await?;
    Ok(Redirect::to(&format!("/c/{slug}/catalogue")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct BadgeFields {
    seller: String,
    badge: String,
    #[serde(default)]
    remove: String,
}

pub async fn save_badge(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<BadgeFields>,
) -> PageResult {
    let person = v.person()?;
    let seller = crate::params::person_id(&fields.seller, "seller")?;
    state
        .app
        .set_seller_badge(
            person,
            &slug,
            seller,
            &fields.badge,
            fields.remove.is_empty(),
        )
        .await?;
    Ok(Redirect::to(&format!("/c/{slug}/catalogue")).into_response())
}

/// A project as the fund's page lists it.
struct ProjectRow {
    title: String,
    creator: String,
    budget: String,
    state: String,
    proposal: i64,
}

#[derive(Template)]
#[template(path = "fund.html")]
struct FundPage<'a> {
    v: &'a Viewer,
    slug: String,
    balance: String,
    projects: Vec<ProjectRow>,
    key: String,
    coordinator: bool,
    /// The returns just paid: investor's name, capital, paid.
    returns: Vec<(String, String, String)>,
    errors: FormErrors,
}

async fn fund_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    fund_page_with(state, v, slug, Vec::new(), errors, status).await
}

async fn fund_page_with(
    state: &AppState,
    v: &Viewer,
    slug: String,
    returns: Vec<(String, String, String)>,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let person = v.person()?;
    let coordinator = state
        .app
        .coop_page(Some(person), &slug)
        .await?
        .viewer_decides_applications();
    let fund = state.app.fund(person, &slug).await?;
    let money = Money::of(state, &slug, &fund.currency).await?;
    let projects = fund
        .projects
        .iter()
        .map(|p| ProjectRow {
            title: p.project.title.clone(),
            creator: p.creator_name.clone(),
            budget: money.show(p.project.budget),
            state: p.state.clone(),
            proposal: p.project.proposal.0,
        })
        .collect();
    let balance = money.show(u64::try_from(fund.balance).unwrap_or(0));
    render_with(
        status,
        &FundPage {
            v,
            slug,
            balance,
            projects,
            key: form_key(),
            coordinator,
            returns,
            errors,
        },
    )
}

pub async fn fund(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    fund_page(&state, &v, slug, FormErrors::default(), StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct PledgeFields {
    key: String,
    amount: String,
}

pub async fn pledge(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<PledgeFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let (money, _) = Money::of_catalogue(&state, &slug).await?;
        let amount = parse_minor_units(fields.amount.trim(), money.scale)
            .map_err(|_| AppError::invalid("amount", "amount-invalid"))?;
        state.app.pledge(person, &slug, amount, &fields.key).await
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/fund")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            fund_page(&state, &v, slug, errors, status).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ProjectFields {
    title: String,
    description: String,
    budget: String,
    closes_on: String,
}

pub async fn propose_project(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<ProjectFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let (money, _) = Money::of_catalogue(&state, &slug).await?;
        let budget = parse_minor_units(fields.budget.trim(), money.scale)
            .map_err(|_| AppError::invalid("budget", "amount-invalid"))?;
        let closes_at = coopkit_domain::Timestamp::parse_date(fields.closes_on.trim())
            .map_err(|code| AppError::invalid("closes_on", code))?;
        let form = ProjectForm {
            title: fields.title,
            description: fields.description,
            budget,
            closes_at,
        };
        state.app.propose_project(person, &slug, form).await
    }
    .await;
    match outcome {
        Ok((_, proposal)) => {
            Ok(Redirect::to(&format!("/c/{slug}/proposals/{proposal}")).into_response())
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            fund_page(&state, &v, slug, errors, status).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReturnsFields {
    year: String,
    pool: String,
}

pub async fn pay_returns(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<ReturnsFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let (money, _) = Money::of_catalogue(&state, &slug).await?;
        let pool = parse_minor_units(fields.pool.trim(), money.scale)
            .map_err(|_| AppError::invalid("pool", "amount-invalid"))?;
        let paid = state
            .app
            .pay_fund_returns(person, &slug, &fields.year, pool)
            .await?;
        Ok::<_, AppError>(
            paid.iter()
                .map(|r| (r.name.clone(), money.show(r.capital), money.show(r.paid)))
                .collect(),
        )
    }
    .await;
    match outcome {
        Ok(returns) => {
            fund_page_with(
                &state,
                &v,
                slug,
                returns,
                FormErrors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            fund_page(&state, &v, slug, errors, status).await
        }
    }
}
