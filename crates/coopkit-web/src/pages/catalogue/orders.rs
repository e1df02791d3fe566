//! A buyer's orders with their download links, the download itself, the
//! goods a seller has to send, and a creator's earnings.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::catalogue::{Earning, OrderLine};
use coopkit_domain::OrderId;
use coopkit_market::OrderState;
use serde::Deserialize;

use super::{file_response, Money};
use crate::forms::CsrfForm;
use crate::pages::{render, PageResult};
use crate::viewer::Viewer;
use crate::AppState;

/// An order as the buyer's list shows it.
struct OrderRow {
    id: OrderId,
    title: String,
    licence: String,
    quantity: u64,
    amount: String,
    state: OrderState,
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
    let money = Money::of_catalogue(&state, &slug, &v.tr).await?;
    let mut rows = Vec::new();
    for OrderLine { order, title } in state.app.my_orders(person, &slug).await? {
        let download = if order.downloadable() {
            let id = order.id;
            let (expires, sig) = state.app.download_link(person, &slug, id).await?;
            Some(format!(
                "/c/{slug}/orders/{id}/download?expires={expires}&sig={sig}"
            ))
        } else {
            None
        };
        rows.push(OrderRow {
            id: order.id,
            title,
            licence: order.order.licence.unwrap_or_default(),
            quantity: order.order.quantity,
            amount: money.show(order.order.amount),
            state: order.state,
            download,
        });
    }
    let to_send = state
        .app
        .orders_to_send(person, &slug)
        .await?
        .into_iter()
        .map(|OrderLine { order, title }| OrderRow {
            id: order.id,
            title,
            licence: String::new(),
            quantity: order.order.quantity,
            amount: money.show(order.order.amount),
            state: order.state,
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
    Path((slug, id)): Path<(String, OrderId)>,
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
    Path((slug, id)): Path<(String, OrderId)>,
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
    let money = Money::of_catalogue(&state, &slug, &v.tr).await?;
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
