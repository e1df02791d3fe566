//! A co-op's bylaws' settings on a page: whether joining needs a
//! coordinator's approval, the dues, and the time zone the co-op keeps its
//! clocks in. Admins only: the route refuses anyone else before a form is
//! read.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::records::Coop;
use coopkit_app::AppError;
use coopkit_domain::coop::minor_unit_digits;
use coopkit_domain::validation::Collector;
use coopkit_domain::{CoopSettings, DuesPeriod, Zone};
use serde::Deserialize;

use super::account::zone_names;
use super::{render, render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

#[derive(Template)]
#[template(path = "coop_settings.html")]
struct SettingsView<'a> {
    v: &'a Viewer,
    slug: String,
    coop_name: String,
    fields: SettingsFields,
    zones: &'static [String],
    saved: bool,
    errors: FormErrors,
}

/// The form's fields, as typed or as the co-op has them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsFields {
    /// `yes` when ticked.
    approval: String,
    dues_amount: String,
    dues_currency: String,
    dues_period: String,
    time_zone: String,
}

impl SettingsFields {
    fn of(coop: &Coop, v: &Viewer) -> SettingsFields {
        let settings = &coop.settings;
        SettingsFields {
            approval: if settings.joining_requires_approval {
                "yes"
            } else {
                ""
            }
            .to_owned(),
            dues_amount: v.tr.amount(
                settings.dues_amount,
                minor_unit_digits(&settings.dues_currency),
            ),
            dues_currency: settings.dues_currency.clone(),
            dues_period: settings.dues_period.as_str().to_owned(),
            time_zone: settings.time_zone.name().to_owned(),
        }
    }

    /// The settings the fields describe, or every field that is wrong.
    fn settings(&self, v: &Viewer) -> Result<CoopSettings, AppError> {
        let mut errors = Collector::new();
        let currency = self.dues_currency.trim().to_ascii_uppercase();
        let amount = match self.dues_amount.trim() {
            "" => Ok(0),
            typed => {
                v.tr.parse_amount(typed, minor_unit_digits(&currency))
                    .and_then(|amount| i64::try_from(amount).map_err(|_| "amount-too-large"))
            }
        };
        let amount = errors.check("dues_amount", amount);
        let period = errors.check("dues_period", DuesPeriod::parse(&self.dues_period));
        let zone = errors.check("time_zone", Zone::named(&self.time_zone));
        let (amount, (period, zone)) = errors.finish_with(amount.zip(period.zip(zone)))?;
        Ok(CoopSettings {
            joining_requires_approval: self.approval == "yes",
            dues_amount: amount,
            dues_currency: currency,
            dues_period: period,
            time_zone: zone,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<SavedQuery>,
) -> PageResult {
    let coop = state.app.coop_settings(v.person()?, &slug).await?;
    render(&SettingsView {
        fields: SettingsFields::of(&coop, &v),
        v: &v,
        slug,
        coop_name: coop.name,
        zones: zone_names(),
        saved: !query.saved.is_empty(),
        errors: FormErrors::default(),
    })
}

pub async fn save(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<SettingsFields>,
) -> PageResult {
    let person = v.person()?;
    let coop = state.app.coop_settings(person, &slug).await?;
    let outcome = match fields.settings(&v) {
        Ok(settings) => {
            state
                .app
                .update_coop_settings(person, &slug, settings)
                .await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/settings?saved=1")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let view = SettingsView {
                v: &v,
                slug,
                coop_name: coop.name,
                fields,
                zones: zone_names(),
                saved: false,
                errors,
            };
            render_with(status, &view)
        }
    }
}
