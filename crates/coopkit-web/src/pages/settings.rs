//! A co-op's settings on a page: whether joining needs a coordinator's
//! approval, the dues, and the time zone the co-op keeps its clocks in;
//! and (`coop_profile`) its profile and member classes, each its own form
//! on the same page. Admins only: the routes refuse anyone else before a
//! form is read.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::records::Coop;
use coopkit_app::AppError;
use coopkit_domain::coop::minor_unit_digits;
use coopkit_domain::validation::Collector;
use coopkit_domain::{CoopSettings, DuesPeriod, Zone};
use serde::Deserialize;

use super::account::zone_names;
use super::coop_profile::{ClassRow, ProfileFields};
use super::{render_with, FormErrors, PageResult};
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
    profile: ProfileFields,
    classes: Vec<ClassRow>,
    zones: &'static [String],
    saved: bool,
    errors: FormErrors,
}

/// The page's three forms, as the co-op has them or one as it was sent.
pub(super) struct Forms {
    fields: SettingsFields,
    pub(super) profile: ProfileFields,
    pub(super) classes: Vec<ClassRow>,
}

impl Forms {
    /// Shows the page with these forms: `errors` are on the one sent.
    pub(super) async fn render(
        state: &AppState,
        v: &Viewer,
        slug: String,
        edit: impl FnOnce(&mut Forms),
        status: StatusCode,
        errors: FormErrors,
        saved: bool,
    ) -> PageResult {
        let coop = state.app.coop_settings(v.person()?, &slug).await?;
        let classes = state.app.coop_page(v.person.as_ref(), &slug).await?.classes;
        let mut forms = Forms {
            fields: SettingsFields::of(&coop, v),
            profile: ProfileFields::of(&coop),
            classes: ClassRow::of(&classes),
        };
        edit(&mut forms);
        render_with(
            status,
            &SettingsView {
                v,
                slug,
                coop_name: coop.name,
                fields: forms.fields,
                profile: forms.profile,
                classes: forms.classes,
                zones: zone_names(),
                saved,
                errors,
            },
        )
    }
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
    let saved = !query.saved.is_empty();
    Forms::render(
        &state,
        &v,
        slug,
        |_| {},
        StatusCode::OK,
        FormErrors::default(),
        saved,
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<SettingsFields>,
) -> PageResult {
    let person = v.person()?;
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
            let keep = |forms: &mut Forms| forms.fields = fields;
            Forms::render(&state, &v, slug, keep, status, errors, false).await
        }
    }
}
