//! An admin's catalogue settings: the currency and rates, licences and
//! their prices, and sellers' badges.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::catalogue::{CatalogueSetup, LicenceForm};
use coopkit_app::AppError;
use serde::Deserialize;

use super::{catalogue_page, AdminForms, Filters, Money};
use crate::forms::CsrfForm;
use crate::pages::{FormErrors, PageResult};
use crate::viewer::Viewer;
use crate::AppState;
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsFields {
    pub(super) currency: String,
    pub(super) licence_rate: String,
    pub(super) play_rate: String,
    pub(super) goods_rate: String,
    pub(super) fund_return_cap: String,
}

/// A percentage as typed ("50" or "62.5") in basis points.
fn basis_points(field: &'static str, text: &str, tr: &crate::Tr) -> Result<u32, AppError> {
    tr.parse_basis_points(text)
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| AppError::invalid(field, "rate-above-whole"))
}

/// The catalogue's page again, with the form as typed and the message
/// under the field that was wrong; failures without a field go on as an
/// error page.
async fn form_again(
    state: &AppState,
    v: &Viewer,
    slug: String,
    error: AppError,
    forms: impl FnOnce(FormErrors) -> AdminForms,
) -> PageResult {
    let (status, errors) = FormErrors::from_error(error, &v.tr)?;
    catalogue_page(state, v, slug, Filters::default(), forms(errors), status).await
}

pub async fn save_settings(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<SettingsFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let setup = CatalogueSetup {
            currency: fields.currency.clone(),
            licence_rate_bp: basis_points("licence_rate", &fields.licence_rate, &v.tr)?,
            play_rate_bp: basis_points("play_rate", &fields.play_rate, &v.tr)?,
            goods_rate_bp: basis_points("goods_rate", &fields.goods_rate, &v.tr)?,
            fund_return_cap_bp: basis_points("fund_return_cap", &fields.fund_return_cap, &v.tr)?,
        };
        state.app.set_up_catalogue(person, &slug, setup).await
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/catalogue")).into_response()),
        Err(error) => {
            form_again(&state, &v, slug, error, |errors| AdminForms {
                settings: fields,
                errors,
                ..AdminForms::default()
            })
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LicenceFields {
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) price: String,
    pub(super) terms: String,
}

pub async fn save_licence(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<LicenceFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let money = Money::of_catalogue(&state, &slug, &v.tr).await?;
        let price = money.read("price", &fields.price)?;
        let licence = LicenceForm {
            kind: fields.kind.clone(),
            name: fields.name.clone(),
            price,
            terms: fields.terms.clone(),
        };
        state.app.set_licence(person, &slug, licence).await
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/catalogue")).into_response()),
        Err(error) => {
            form_again(&state, &v, slug, error, |errors| AdminForms {
                licence: fields,
                errors,
                ..AdminForms::default()
            })
            .await
        }
    }
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
