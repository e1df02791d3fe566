//! An admin's catalogue settings: the currency and rates, licences and
//! their prices, and sellers' badges.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::catalogue::{CatalogueSetup, LicenceForm};
use coopkit_app::AppError;
use coopkit_domain::parse_minor_units;
use serde::Deserialize;

use super::Money;
use crate::forms::CsrfForm;
use crate::pages::PageResult;
use crate::viewer::Viewer;
use crate::AppState;
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
    let money = Money::of_catalogue(&state, &slug).await?;
    let price = parse_minor_units(fields.price.trim(), money.scale)
        .ok()
        .ok_or_else(|| AppError::invalid("price", "amount-invalid"))?;
    let licence = LicenceForm {
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
