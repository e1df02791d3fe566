//! Forecasting a token-rule change as pages: the form (coordinators), the
//! forecast with its table and charts, and putting it to the vote. The
//! same figures show on the proposal it is attached to.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::forecasts::{
    ForecastChoice, ForecastSetup, ForecastView, ProposeRuleChange, RuleChangeForm, TokenRules,
    CURRENT, PROPOSED,
};
use coopkit_app::AppError;
use coopkit_domain::ForecastId;
use coopkit_sim::report::{balances_chart, served_chart, ChartText};
use coopkit_sim::{Alternative, Comparison, Estimate};
use serde::Deserialize;

use super::{render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

/// One set of rules' figures, as shown.
pub struct FigureRow {
    pub name: String,
    pub served: String,
    pub gini: String,
    pub unserved: String,
    pub at_limit: String,
    pub above_cap: String,
    pub idle: String,
}

/// A rule, now and proposed.
pub struct RuleRow {
    pub rule: String,
    pub current: String,
    pub proposed: String,
}

/// A forecast ready for a template: what it ran on, its figures and its
/// two charts (SVG made by `coopkit-sim`, its text escaped there).
pub struct ForecastFigures {
    pub id: ForecastId,
    pub setup: String,
    /// What the vote decided, once it closed.
    pub outcome: Option<String>,
    pub rules: Vec<RuleRow>,
    pub rows: Vec<FigureRow>,
    pub served_svg: String,
    pub balances_svg: String,
}

/// A share with its interval: "12.3% (10.1–14.2)".
fn percent(e: Estimate, tr: &crate::Tr) -> String {
    let share = |x: f64| tr.rounded(x * 100.0, 1);
    format!(
        "{} ({}–{})",
        tr.t_str("percent", "value", &share(e.mean)),
        share(e.low),
        share(e.high)
    )
}

/// The figures of a forecast in the reader's language.
pub fn figures(view: &ForecastView, scale: u32, tr: &crate::Tr) -> ForecastFigures {
    let label = |name: &str| match name {
        CURRENT => tr.t("forecast-current"),
        PROPOSED => tr.t("forecast-proposed"),
        other => other.to_owned(),
    };
    let mut comparison: Comparison = view.comparison.clone();
    for alternative in &mut comparison.alternatives {
        alternative.name = label(&alternative.name);
    }
    let chart_text = |title: &str, x_label: &str, y_label: &str| ChartText {
        title: tr.t(title),
        x_label: tr.t(x_label),
        y_label: tr.t(y_label),
    };
    ForecastFigures {
        id: view.id,
        outcome: view
            .outcome
            .as_ref()
            .map(|o| tr.t(&format!("forecast-outcome-{}", o.as_str()))),
        setup: setup_text(view, scale, tr),
        rules: rule_rows(&view.setup, scale, tr),
        rows: comparison
            .alternatives
            .iter()
            .map(|a| figure_row(a, tr))
            .collect(),
        served_svg: served_chart(
            &comparison,
            &chart_text(
                "forecast-chart-served-title",
                "forecast-chart-week",
                "forecast-chart-served-y",
            ),
        ),
        balances_svg: balances_chart(
            &comparison,
            &chart_text(
                "forecast-chart-balances-title",
                "forecast-chart-percentile",
                "forecast-chart-spendable",
            ),
        ),
    }
}

/// What the forecast assumed: members, weeks, runs and an hour's price.
fn setup_text(view: &ForecastView, scale: u32, tr: &crate::Tr) -> String {
    let setup = &view.setup;
    let (members, weeks, runs) = (
        setup.members.to_string(),
        setup.weeks.to_string(),
        setup.runs.to_string(),
    );
    let price = tr.amount(setup.tokens_per_hour, scale);
    tr.t_args(
        "forecast-setup",
        &[
            ("members", members.as_str()),
            ("weeks", weeks.as_str()),
            ("runs", runs.as_str()),
            ("price", price.as_str()),
            ("currency", view.currency.as_str()),
        ],
    )
}

/// Each rule the forecast compared, as it is now and as proposed.
fn rule_rows(setup: &ForecastSetup, scale: u32, tr: &crate::Tr) -> Vec<RuleRow> {
    let amount = |n: u64| tr.amount(n, scale);
    let rule = |key: &str, show: &dyn Fn(&TokenRules) -> String| RuleRow {
        rule: tr.t(key),
        current: show(&setup.current),
        proposed: show(&setup.proposed),
    };
    let none = tr.t("forecast-none-value");
    vec![
        rule("forecast-debit-limit", &|r| amount(r.debit_limit)),
        rule("forecast-balance-cap", &|r| {
            r.balance_cap.map_or_else(|| none.clone(), amount)
        }),
        rule("forecast-issuance", &|r| amount(r.issuance_per_month)),
        rule("forecast-demurrage-percent", &|r| {
            tr.amount(r.demurrage_bp, 2_u32)
        }),
        rule("forecast-demurrage-threshold", &|r| {
            amount(r.demurrage_threshold)
        }),
        rule("forecast-issue-now", &|r| amount(r.issue_now)),
    ]
}

/// How one set of rules did, each share with its range over the runs.
fn figure_row(a: &Alternative, tr: &crate::Tr) -> FigureRow {
    let gini = &a.result.gini;
    FigureRow {
        name: a.name.clone(),
        served: percent(a.result.served_share, tr),
        gini: format!(
            "{} ({}–{})",
            tr.rounded(gini.mean, 3),
            tr.rounded(gini.low, 3),
            tr.rounded(gini.high, 3)
        ),
        unserved: percent(a.result.unserved_asks, tr),
        at_limit: percent(a.result.at_debit_limit, tr),
        above_cap: percent(a.result.above_cap, tr),
        idle: percent(a.result.idle, tr),
    }
}

/// The form's fields, as text, so a wrong one comes back as it was typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RuleFields {
    currency: String,
    weeks: String,
    tokens_per_hour: String,
    debit_limit: String,
    balance_cap: String,
    issuance_per_month: String,
    /// A percentage a month, such as 0.5.
    demurrage_percent: String,
    demurrage_threshold: String,
    issue_now: String,
}

impl RuleFields {
    /// The form as it starts: a currency's rules now.
    fn from_choice(choice: &ForecastChoice, tr: &crate::Tr) -> RuleFields {
        let amount = |n: u64| tr.amount(n, choice.currency.scale);
        let rules = choice.current.unwrap_or(TokenRules {
            debit_limit: 0,
            balance_cap: None,
            issuance_per_month: 0,
            demurrage_bp: 0,
            demurrage_threshold: 0,
            issue_now: 0,
        });
        RuleFields {
            currency: choice.currency.code.as_str().to_owned(),
            weeks: "52".into(),
            tokens_per_hour: amount(choice.tokens_per_hour),
            debit_limit: amount(rules.debit_limit),
            balance_cap: rules.balance_cap.map(amount).unwrap_or_default(),
            issuance_per_month: amount(rules.issuance_per_month),
            demurrage_percent: tr.amount(rules.demurrage_bp, 2_u32),
            demurrage_threshold: amount(rules.demurrage_threshold),
            issue_now: amount(0),
        }
    }

    fn parse(&self, scale: u32, tr: &crate::Tr) -> Result<RuleChangeForm, AppError> {
        let amount = |field: &'static str, text: &str| {
            tr.parse_amount(text, scale)
                .map_err(|code| AppError::invalid(field, code))
        };
        let whole = |field: &'static str, text: &str| {
            text.trim()
                .parse::<u32>()
                .map_err(|_| AppError::invalid(field, "number-format"))
        };
        Ok(RuleChangeForm {
            currency: self.currency.trim().to_owned(),
            weeks: whole("weeks", &self.weeks)?,
            tokens_per_hour: amount("tokens_per_hour", &self.tokens_per_hour)?,
            proposed: TokenRules {
                debit_limit: amount("debit_limit", &self.debit_limit)?,
                balance_cap: if self.balance_cap.trim().is_empty() {
                    None
                } else {
                    Some(amount("balance_cap", &self.balance_cap)?)
                },
                issuance_per_month: amount("issuance_per_month", &self.issuance_per_month)?,
                demurrage_bp: super::ledger::basis_points(
                    tr,
                    "demurrage_percent",
                    &self.demurrage_percent,
                )?,
                demurrage_threshold: amount("demurrage_threshold", &self.demurrage_threshold)?,
                issue_now: amount("issue_now", &self.issue_now)?,
            },
        })
    }
}

#[derive(Template)]
#[template(path = "forecast_new.html")]
struct NewForecastPage<'a> {
    v: &'a Viewer,
    slug: String,
    /// (code, name, its rules now described)
    currencies: Vec<(String, String, String)>,
    fields: RuleFields,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Chosen {
    currency: String,
}

async fn new_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    fields: Option<RuleFields>,
    chosen: &str,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let person = v.person()?;
    let choices = state.app.forecast_choices(person, &slug).await?;
    let choice = choices
        .iter()
        .find(|c| c.currency.code.as_str() == chosen)
        .or(choices.first());
    let fields = fields
        .or_else(|| choice.map(|c| RuleFields::from_choice(c, &v.tr)))
        .unwrap_or_default();
    let currencies = choices
        .iter()
        .map(|c| {
            let now = match c.current {
                Some(_) => RuleFields::from_choice(c, &v.tr),
                None => RuleFields::default(),
            };
            let described = if c.current.is_some() {
                v.tr.t_args(
                    "forecast-rules-now",
                    &[
                        ("limit", now.debit_limit.as_str()),
                        (
                            "cap",
                            if now.balance_cap.is_empty() {
                                "—"
                            } else {
                                &now.balance_cap
                            },
                        ),
                        ("issuance", now.issuance_per_month.as_str()),
                        ("demurrage", now.demurrage_percent.as_str()),
                    ],
                )
            } else {
                v.tr.error("forecast-unlimited-credit")
            };
            (
                c.currency.code.as_str().to_owned(),
                c.currency.name.clone(),
                described,
            )
        })
        .collect();
    render_with(
        status,
        &NewForecastPage {
            v,
            slug,
            currencies,
            fields,
            errors,
        },
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(chosen): Query<Chosen>,
) -> PageResult {
    new_page(
        &state,
        &v,
        slug,
        None,
        &chosen.currency,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn run(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<RuleFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let currency = super::form_currency(&state, &slug, fields.currency.trim()).await?;
        let form = fields.parse(u32::from(currency.scale), &v.tr)?;
        state.app.forecast_rule_change(person, &slug, form).await
    }
    .await;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/c/{slug}/forecasts/{id}")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let chosen = fields.currency.clone();
            new_page(&state, &v, slug, Some(fields), &chosen, errors, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "forecast.html")]
struct ForecastPage<'a> {
    v: &'a Viewer,
    slug: String,
    currency: String,
    fc: ForecastFigures,
    proposal: Option<i64>,
    coordinator: bool,
    typed: ProposeFields,
    errors: FormErrors,
    error: Option<String>,
}

struct Refusal {
    errors: FormErrors,
    error: Option<String>,
    status: StatusCode,
}

/// The forecast's page; `typed` is the proposal form as last sent, if it
/// was refused.
async fn forecast_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    id: ForecastId,
    typed: Option<ProposeFields>,
    refusal: Refusal,
) -> PageResult {
    let person = v.person()?;
    let view = state.app.forecast(person, &slug, id).await?;
    let scale = state
        .app
        .currencies(&slug)
        .await?
        .into_iter()
        .find(|c| c.code.as_str() == view.currency)
        .map_or(0, |c| u32::from(c.scale));
    let coordinator = state
        .app
        .coop_page(Some(person), &slug)
        .await?
        .viewer_decides_applications();
    let fc = figures(&view, scale, &v.tr);
    let changes: Vec<String> = fc
        .rules
        .iter()
        .filter(|r| r.current != r.proposed)
        .map(|r| format!("{}: {} → {}", r.rule, r.current, r.proposed))
        .collect();
    let typed = typed.unwrap_or_else(|| ProposeFields {
        title: v.tr.t_args(
            "forecast-propose-default-title",
            &[("currency", view.currency.as_str())],
        ),
        body: v.tr.t_args(
            "forecast-propose-default-body",
            &[("changes", changes.join("; ").as_str())],
        ),
        closes: String::new(),
        quorum: "50".into(),
    });
    render_with(
        refusal.status,
        &ForecastPage {
            v,
            currency: view.currency.clone(),
            proposal: view.proposal.map(|p| p.0),
            coordinator,
            typed,
            errors: refusal.errors,
            error: refusal.error,
            fc,
            slug,
        },
    )
}

fn forecast_id(text: &str) -> Result<ForecastId, AppError> {
    text.parse()
        .map(ForecastId)
        .map_err(|_| AppError::NotFound("forecast"))
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    let id = forecast_id(&id)?;
    let shown = Refusal {
        errors: FormErrors::default(),
        error: None,
        status: StatusCode::OK,
    };
    forecast_page(&state, &v, slug, id, None, shown).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProposeFields {
    title: String,
    body: String,
    closes: String,
    quorum: String,
}

pub async fn propose(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ProposeFields>,
) -> PageResult {
    let person = v.person()?;
    let id = forecast_id(&id)?;
    let outcome = async {
        let change = ProposeRuleChange {
            title: form.title.clone(),
            body: form.body.clone(),
            closes_at: v.tr.zones.read_wall_clock("closes", &form.closes)?,
            quorum_percent: form
                .quorum
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("quorum", "number-format"))?,
        };
        state
            .app
            .propose_rule_change(person, &slug, id, change)
            .await
    }
    .await;
    let refusal = match outcome {
        Ok(proposal) => {
            return Ok(Redirect::to(&format!("/c/{slug}/proposals/{}", proposal.0)).into_response())
        }
        Err(AppError::Conflict { code, .. }) => Refusal {
            errors: FormErrors::default(),
            error: Some(v.tr.error(code)),
            status: StatusCode::CONFLICT,
        },
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            Refusal {
                errors,
                error: None,
                status,
            }
        }
    };
    forecast_page(&state, &v, slug, id, Some(form), refusal).await
}
