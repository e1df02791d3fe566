//! The catalogue over HTTP: its works and goods, buying a licence or
//! goods, and a member's orders and earnings, as the catalogue's pages
//! offer them (`pages/catalogue`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::catalogue::{CatalogueQuery, Earning, Item, OrderForm, OrderLine};
use coopkit_domain::ItemId;
use coopkit_market::ItemKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A work (photo, track, film, text) or goods in the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDto {
    pub id: i64,
    /// `photo`, `track`, `film`, `text` or `good`.
    pub kind: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    /// Its creators' names, in order.
    pub creators: Vec<String>,
    /// Goods only: the price in the catalogue currency's minor unit, and
    /// how many are left.
    pub price: Option<u64>,
    pub stock: Option<u64>,
}

/// A licence a work of its kind may be bought under.
#[derive(Debug, Serialize, ToSchema)]
pub struct LicenceDto {
    pub name: String,
    pub price: u64,
    pub terms: String,
}

/// One item with the licences it is sold under.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDetailDto {
    #[serde(flatten)]
    pub item: ItemDto,
    pub currency: String,
    pub licences: Vec<LicenceDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueParams {
    /// Words every item found holds (in its title, description, tags or
    /// creators).
    #[serde(default)]
    pub q: String,
}

/// A purchase: a work's licence, or goods.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrderDto {
    /// Names the purchase: sent again with the same key, it is one order.
    #[schema(min_length = 1, max_length = 100)]
    pub key: String,
    pub item: i64,
    /// A work's licence by name; absent for goods.
    #[serde(default)]
    pub licence: String,
    #[serde(default = "one")]
    #[schema(minimum = 1, default = 1)]
    pub quantity: u64,
}

fn one() -> u64 {
    1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    pub id: i64,
    pub item: i64,
    pub title: String,
    pub licence: Option<String>,
    pub quantity: u64,
    /// Paid, in the catalogue currency's minor unit.
    pub amount: u64,
    /// `pending`, `paid`, `refused` or `sent`.
    pub state: String,
}

/// What one of the caller's works has earned them.
#[derive(Debug, Serialize, ToSchema)]
pub struct EarningDto {
    pub item: i64,
    pub title: String,
    /// In the catalogue currency's minor unit.
    pub sales: u64,
    pub plays: u64,
}

fn item_dto(item: Item) -> ItemDto {
    let goods = item.item.kind == ItemKind::Good;
    ItemDto {
        id: item.id.0,
        kind: item.item.kind.as_str().to_owned(),
        title: item.item.title,
        description: item.item.description,
        tags: item.item.tags,
        creators: item.creator_names,
        price: item.item.price.filter(|_| goods),
        stock: item.item.stock.filter(|_| goods),
    }
}

pub(super) fn order_dto(line: OrderLine) -> OrderDto {
    let order = line.order;
    OrderDto {
        id: order.id.0,
        item: order.order.item.0,
        title: line.title,
        licence: order.order.licence,
        quantity: order.order.quantity,
        amount: order.order.amount,
        state: order.state.as_str().to_owned(),
    }
}

/// The co-op's catalogue, featured sellers first: anyone may read it.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/catalogue", tag = "catalogue",
    params(("slug" = String, Path), CatalogueParams),
    responses(
        (status = 200, body = [ItemDto]),
        (status = 404, description = "No such co-op, or it keeps no catalogue", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_items(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(params): ApiQuery<CatalogueParams>,
) -> Result<Json<Vec<ItemDto>>, ApiError> {
    let query = CatalogueQuery {
        text: params.q,
        kind: None,
        tag: None,
        badge: None,
    };
    let page = state.app.catalogue(&slug, &query).await?;
    Ok(Json(
        page.listings
            .into_iter()
            .map(|l| item_dto(l.item))
            .collect(),
    ))
}

/// One item, with the licences it is sold under: anyone may read it.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/catalogue/{id}", tag = "catalogue",
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = ItemDetailDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_item(
    State(state): State<AppState>,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<ItemDetailDto>, ApiError> {
    let view = state.app.item(None, &slug, ItemId(id)).await?;
    Ok(Json(ItemDetailDto {
        currency: view.settings.currency.to_string(),
        licences: view
            .licences
            .into_iter()
            .map(|l| LicenceDto {
                name: l.name,
                price: l.price,
                terms: l.terms,
            })
            .collect(),
        item: item_dto(view.listing.item),
    }))
}

/// Buys a work's licence or goods from the caller's account: members only.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/orders", tag = "catalogue",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = NewOrderDto,
    responses(
        (status = 201, body = OrderDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enough in stock, or more than the caller's account allows", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn buy(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(order): ApiJson<NewOrderDto>,
) -> Result<(StatusCode, Json<OrderDto>), ApiError> {
    let form = OrderForm {
        key: order.key,
        item: ItemId(order.item),
        licence: order.licence,
        quantity: order.quantity,
    };
    let bought = state.app.buy(&person, &slug, form).await?;
    let title = state
        .app
        .item(Some(&person), &slug, bought.order.item)
        .await?
        .listing
        .item
        .item
        .title;
    let line = OrderLine {
        order: bought,
        title,
    };
    Ok((StatusCode::CREATED, Json(order_dto(line))))
}

/// The caller's orders in the co-op, newest first.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/orders", tag = "catalogue",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = [OrderDto]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn my_orders(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<OrderDto>>, ApiError> {
    let orders = state.app.my_orders(&person, &slug).await?;
    Ok(Json(orders.into_iter().map(order_dto).collect()))
}

/// What each of the caller's works has earned them, from sales and plays.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/earnings", tag = "catalogue",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = [EarningDto]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn my_earnings(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<EarningDto>>, ApiError> {
    let earnings = state.app.my_earnings(&person, &slug).await?;
    Ok(Json(
        earnings
            .into_iter()
            .map(|e: Earning| EarningDto {
                item: e.item.0,
                title: e.title,
                sales: e.sales,
                plays: e.plays,
            })
            .collect(),
    ))
}
