//! Founding a co-op from a page: its name and address, what it does, the
//! time zone it keeps its clocks in, whether a coordinator approves each
//! new member, up to three classes of member (the founder joins the
//! first, as its admin) and the ledger's first currency. What the page
//! asks is what `POST /api/v1/coops` takes; one transaction writes it all
//! or nothing.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::ledger::CurrencyForm;
use coopkit_app::{AppError, FoundCoop};
use coopkit_domain::coop::class_key_for;
use coopkit_domain::validation::Collector;
use coopkit_domain::{CoopSettings, MemberClassSpec, Zone};
use coopkit_ledger::policy::Policy;
use serde::Deserialize;

use super::account::zone_names;
use super::{render, render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

/// The classes the form offers rows for.
const CLASS_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "found_coop.html")]
struct FoundView<'a> {
    v: &'a Viewer,
    fields: FoundFields,
    zones: &'static [String],
    errors: FormErrors,
}

/// The form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FoundFields {
    name: String,
    slug: String,
    description: String,
    profile: String,
    time_zone: String,
    /// `yes` when ticked.
    approval: String,
    class_1: String,
    class_1_open: String,
    class_2: String,
    class_2_open: String,
    class_3: String,
    class_3_open: String,
    currency_code: String,
    currency_name: String,
    currency_kind: String,
    currency_scale: String,
}

impl FoundFields {
    /// The first visit's fields: the founder's own zone, one open class.
    fn first(v: &Viewer) -> FoundFields {
        FoundFields {
            time_zone: v
                .person
                .as_ref()
                .and_then(|p| p.time_zone.as_ref())
                .map_or_else(|| "UTC".to_owned(), |z| z.name().to_owned()),
            class_1_open: "yes".to_owned(),
            currency_kind: "time".to_owned(),
            currency_scale: "0".to_owned(),
            ..FoundFields::default()
        }
    }

    /// The classes typed, in order, with whether each is open to join.
    fn classes(&self) -> Vec<(usize, &str, bool)> {
        [
            (&self.class_1, &self.class_1_open),
            (&self.class_2, &self.class_2_open),
            (&self.class_3, &self.class_3_open),
        ]
        .into_iter()
        .take(CLASS_ROWS)
        .enumerate()
        .filter(|(_, (name, _))| !name.trim().is_empty())
        .map(|(row, (name, open))| (row + 1, name.trim(), open == "yes"))
        .collect()
    }

    /// What the form asks to found, or every field that is wrong.
    fn founding(&self) -> Result<FoundCoop, AppError> {
        let mut errors = Collector::new();
        let zone = errors.check("time_zone", Zone::named(&self.time_zone));
        let classes: Vec<MemberClassSpec> = self
            .classes()
            .into_iter()
            .filter_map(|(row, name, open)| {
                let key = errors.check(&format!("class_{row}"), class_key_for(name, row))?;
                Some(MemberClassSpec {
                    key,
                    name: name.to_owned(),
                    description: String::new(),
                    open_to_join: open,
                    requires_approval: false,
                })
            })
            .collect();
        let code = self.currency_code.trim().to_ascii_uppercase();
        let currency = if code.is_empty() {
            None
        } else {
            let scale = errors.check(
                "currency_scale",
                self.currency_scale
                    .trim()
                    .parse::<u8>()
                    .map_err(|_| "scale-range"),
            );
            scale.map(|scale| CurrencyForm {
                code: code.clone(),
                name: self.currency_name.clone(),
                kind: self.currency_kind.clone(),
                scale,
                // Nobody spends what they do not have until the admins
                // give credit lines on the ledger page.
                default_debit_limit: Some(0),
                default_balance_cap: None,
                policy: Policy::default(),
            })
        };
        let zone = errors.finish_with(zone)?;
        let mut settings = CoopSettings {
            joining_requires_approval: self.approval == "yes",
            dues_amount: 0,
            time_zone: zone,
            ..CoopSettings::default()
        };
        if currency.is_some() {
            settings.dues_currency = code;
        }
        Ok(FoundCoop {
            slug: self.slug.trim().to_owned(),
            name: self.name.clone(),
            description: self.description.clone(),
            profile: self.profile.clone(),
            settings,
            founder_class: classes
                .first()
                .map(|c| c.key.to_string())
                .unwrap_or_default(),
            classes,
            currency,
        })
    }
}

/// The form field where an error on `field` (as the use case names it)
/// is shown.
fn form_field(field: &str) -> String {
    match field {
        "classes" | "founder_class" => "class_1".to_owned(),
        "dues_currency" => "currency_code".to_owned(),
        _ => {
            if let Some(rest) = field.strip_prefix("currency.") {
                return format!("currency_{rest}");
            }
            let row = field
                .strip_prefix("classes[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok());
            match row {
                Some(i) => format!("class_{}", i + 1),
                None => field.to_owned(),
            }
        }
    }
}

pub async fn form(v: Viewer) -> PageResult {
    v.person()?;
    render(&FoundView {
        fields: FoundFields::first(&v),
        v: &v,
        zones: zone_names(),
        errors: FormErrors::default(),
    })
}

pub async fn found(
    State(state): State<AppState>,
    v: Viewer,
    CsrfForm(fields): CsrfForm<FoundFields>,
) -> PageResult {
    let person = v.person()?;
    let founded = match fields.founding() {
        Ok(form) => state.app.found_coop(person, form).await,
        Err(error) => Err(error),
    };
    match founded {
        Ok(coop) => Ok(Redirect::to(&format!("/c/{}", coop.slug)).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let view = FoundView {
                v: &v,
                fields,
                zones: zone_names(),
                errors: errors.renamed(form_field),
            };
            render_with(status, &view)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_land_on_the_field_that_was_typed() {
        assert_eq!(form_field("classes[2].key"), "class_3");
        assert_eq!(form_field("classes"), "class_1");
        assert_eq!(form_field("currency.code"), "currency_code");
        assert_eq!(form_field("slug"), "slug");
    }
}
