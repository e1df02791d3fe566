//! Buying from the catalogue in two steps: the item's page asks for a
//! licence or a quantity, a page says what it will cost and what the
//! buyer's balance will be, and only its button pays. Seen in the demo
//! before: a licence was bought in one click, with no word of its price.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::catalogue::{OrderForm, Quote};
use coopkit_app::AppError;
use coopkit_domain::ItemId;
use serde::Deserialize;

use super::{form_key, item_page, Shown};
use crate::forms::CsrfForm;
use crate::pages::{render, FormErrors, PageResult};
use crate::viewer::Viewer;
use crate::AppState;

/// What the item page's forms ask for, and what the confirmation sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BuyFields {
    key: String,
    licence: String,
    quantity: String,
}

impl BuyFields {
    fn order(&self, item: ItemId) -> Result<OrderForm, AppError> {
        let quantity = match self.quantity.trim() {
            "" => 1,
            text => text
                .parse::<u64>()
                .map_err(|_| AppError::invalid("quantity", "quantity-out-of-range"))?,
        };
        Ok(OrderForm {
            key: self.key.clone(),
            item,
            licence: self.licence.clone(),
            quantity,
        })
    }
}

#[derive(Template)]
#[template(path = "catalogue_buy.html")]
struct ConfirmPage<'a> {
    v: &'a Viewer,
    slug: String,
    id: ItemId,
    title: String,
    licence: Option<(String, String)>,
    /// Goods only: how many.
    quantity: Option<u64>,
    total: String,
    /// The balance now and after paying, where the buyer has an account.
    balance: Option<(String, String)>,
    /// What the buyer may spend, when the price is more than that: the
    /// page says so instead of offering to pay.
    short: Option<String>,
    key: String,
    licence_name: String,
}

/// The confirmation: what the order is, its price, and the balance it
/// leaves. A licence not on offer or a quantity out of range comes back on
/// the item's page, in words.
pub async fn confirm(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, ItemId)>,
    Query(fields): Query<BuyFields>,
) -> PageResult {
    let person = v.person()?;
    let quote = match fields.order(id) {
        Ok(order) => state.app.quote(person, &slug, &order).await,
        Err(error) => Err(error),
    };
    let quote: Quote = match quote {
        Ok(quote) => quote,
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let shown = Shown {
                errors,
                ..Shown::default()
            };
            return item_page(&state, &v, slug, id, shown, status).await;
        }
    };
    let scale = quote.currency.scale;
    let money = |amount: i128| format!("{} {}", v.tr.amount(amount, scale), quote.currency.name);
    let amount = i128::from(quote.amount);
    render(&ConfirmPage {
        v: &v,
        id,
        title: quote.item.item.title.clone(),
        licence: quote
            .licence
            .as_ref()
            .map(|l| (l.name.clone(), l.terms.clone())),
        quantity: quote.licence.is_none().then_some(quote.quantity),
        total: money(amount),
        balance: quote.balance.map(|now| (money(now), money(now - amount))),
        short: quote
            .spendable
            .filter(|spendable| *spendable < amount)
            .map(|spendable| money(spendable.max(0))),
        key: form_key(),
        licence_name: quote.licence.map(|l| l.name).unwrap_or_default(),
        slug,
    })
}

/// Pays for the order the confirmation names; a refusal (not enough
/// credit) comes back on the item's page, in words.
pub async fn buy(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, ItemId)>,
    CsrfForm(fields): CsrfForm<BuyFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = match fields.order(id) {
        Ok(form) => state.app.buy(person, &slug, form).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/orders")).into_response()),
        Err(error) => {
            let (status, errors): (StatusCode, FormErrors) = FormErrors::from_error(error, &v.tr)?;
            let shown = Shown {
                errors,
                ..Shown::default()
            };
            item_page(&state, &v, slug, id, shown, status).await
        }
    }
}
