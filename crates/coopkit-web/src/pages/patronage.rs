//! Closing the year as pages: the bylaws' settings (admins), closing a
//! year (coordinators), each year's allocation with the vote that decides
//! it, and each member's statement and written notice of allocation.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::patronage::{AllocationView, CloseYearForm, PatronageSettings};
use coopkit_app::{AppError, CoopPage};
use coopkit_domain::{AllocationId, ProposalId};
use coopkit_patronage::{Bylaws, ClassPool, LossRule, Measure, PoolAllocation};
use serde::Deserialize;

use super::{render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

struct YearRow {
    id: AllocationId,
    year: String,
    state: String,
    proposal: Option<ProposalId>,
}

#[derive(Template)]
#[template(path = "patronage.html")]
struct PatronagePage<'a> {
    v: &'a Viewer,
    slug: String,
    years: Vec<YearRow>,
    settings: Option<String>,
    coordinator: bool,
    admin: bool,
    errors: FormErrors,
    error: Option<String>,
}

fn describe(settings: &PatronageSettings, tr: &crate::Tr) -> String {
    let pools: Vec<String> = settings
        .bylaws
        .pools
        .iter()
        .map(|p| {
            format!(
                "{} {}% ({})",
                p.class,
                p.percent,
                tr.t(&format!("measure-{}", p.measure.as_str()))
            )
        })
        .collect();
    tr.t_args(
        "patronage-settings-summary",
        &[
            (
                "reserve",
                settings.bylaws.reserve_percent.to_string().as_str(),
            ),
            ("pools", pools.join(", ").as_str()),
            ("cash", settings.bylaws.cash_percent.to_string().as_str()),
            ("currency", settings.currency.as_str()),
            ("capital", settings.capital_currency.as_str()),
        ],
    )
}

async fn patronage_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    errors: FormErrors,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let person = v.person()?;
    let years = state.app.allocations(person, &slug).await?;
    let settings = state.app.patronage_settings(person, &slug).await?;
    let page = state.app.coop_page(Some(person), &slug).await?;
    render_with(
        status,
        &PatronagePage {
            v,
            years: years
                .into_iter()
                .map(|r| YearRow {
                    id: r.id,
                    state: v.tr.t(&format!("allocation-state-{}", r.state.as_str())),
                    year: r.allocation.year,
                    proposal: r.proposal,
                })
                .collect(),
            settings: settings.as_ref().map(|s| describe(s, &v.tr)),
            coordinator: page.viewer_decides_applications(),
            admin: page.viewer_changes_settings(),
            errors,
            error,
            slug,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    patronage_page(
        &state,
        &v,
        slug,
        FormErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsFields {
    reserve_percent: String,
    /// "workers=80:hours, customers=20:purchases"
    pools: String,
    cash_percent: String,
    losses: String,
    currency: String,
    capital_currency: String,
}

fn percent(field: &str, text: &str) -> Result<u32, AppError> {
    text.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "number-format"))
}

fn pool(text: &str) -> Result<ClassPool, AppError> {
    let bad = || AppError::invalid("pools", "pools-format");
    let (class, rest) = text.split_once('=').ok_or_else(bad)?;
    let (share, measure) = rest.split_once(':').ok_or_else(bad)?;
    Ok(ClassPool {
        class: class.trim().to_owned(),
        percent: percent("pools", share)?,
        measure: match measure.trim() {
            "hours" => Measure::Hours,
            "sales" => Measure::Sales,
            "purchases" => Measure::Purchases,
            _ => return Err(bad()),
        },
    })
}

pub async fn save_settings(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<SettingsFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let bylaws = Bylaws {
            reserve_percent: percent("reserve_percent", &form.reserve_percent)?,
            pools: form
                .pools
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(pool)
                .collect::<Result<_, _>>()?,
            cash_percent: percent("cash_percent", &form.cash_percent)?,
            losses: if form.losses == "carry_forward" {
                LossRule::CarryForward
            } else {
                LossRule::Reserve
            },
        };
        let settings = PatronageSettings {
            bylaws,
            currency: form.currency.trim().to_owned(),
            capital_currency: form.capital_currency.trim().to_owned(),
        };
        state
            .app
            .set_patronage_settings(person, &slug, settings)
            .await
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/patronage")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            patronage_page(&state, &v, slug, errors, None, status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseFields {
    year: String,
    start: String,
    end: String,
    net: String,
    /// "loss" to enter the net as a loss.
    sign: String,
    vote_closes: String,
    quorum: String,
}

pub async fn close_year(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<CloseFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let settings =
            state
                .app
                .patronage_settings(person, &slug)
                .await?
                .ok_or(AppError::Conflict {
                    field: "year",
                    code: "patronage-rules-missing",
                })?;
        let scale = state
            .app
            .currencies(&slug)
            .await?
            .into_iter()
            .find(|c| c.code.as_str() == settings.currency)
            .map_or(2, |c| u32::from(c.scale));
        let amount =
            v.tr.parse_amount(&form.net, scale)
                .map_err(|code| AppError::invalid("net", code))?;
        let amount =
            i64::try_from(amount).map_err(|_| AppError::invalid("net", "amount-too-large"))?;
        let date = |field: &str, text: &str| v.tr.zones.read_date(field, text);
        let close = CloseYearForm {
            year: form.year.clone(),
            period_start: date("start", &form.start)?,
            period_end: date("end", &form.end)?,
            net: if form.sign == "loss" { -amount } else { amount },
            vote_closes_at: v
                .tr
                .zones
                .read_wall_clock("vote_closes", &form.vote_closes)?,
            quorum_percent: if form.quorum.trim().is_empty() {
                50
            } else {
                percent("quorum", &form.quorum)?
            },
        };
        state.app.propose_allocation(person, &slug, close).await
    }
    .await;
    match outcome {
        Ok((id, _)) => Ok(Redirect::to(&format!("/c/{slug}/patronage/{id}")).into_response()),
        Err(AppError::Conflict { code, .. }) => {
            let error = Some(v.tr.error(code));
            patronage_page(
                &state,
                &v,
                slug,
                FormErrors::default(),
                error,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            patronage_page(&state, &v, slug, errors, None, status).await
        }
    }
}

struct LineRow {
    name: String,
    class: String,
    patronage: String,
    share: String,
    amount: String,
    cash: String,
    retained: String,
}

struct PoolRow {
    class: String,
    measure: String,
    amount: String,
    total: String,
}

#[derive(Template)]
#[template(path = "allocation.html")]
struct AllocationPage<'a> {
    v: &'a Viewer,
    slug: String,
    id: AllocationId,
    year: String,
    state: String,
    proposal: Option<ProposalId>,
    currency: String,
    net: String,
    reserve: String,
    loss: Option<String>,
    pools: Vec<PoolRow>,
    lines: Vec<LineRow>,
    mine: Option<LineRow>,
    notice: Option<String>,
    warnings: Vec<String>,
    coordinator: bool,
}

fn patronage_text(measure: Option<Measure>, amount: u64, scale: u32, tr: &crate::Tr) -> String {
    match measure {
        Some(Measure::Hours) => format!("{}:{:02}", tr.number(amount / 60), amount % 60),
        _ => tr.amount(amount, scale),
    }
}

/// A class's name by its key, as the co-op's page lists it; the key for a
/// class no longer there.
fn class_name(coop: &CoopPage, key: &str) -> String {
    coop.classes
        .iter()
        .find(|c| c.spec.key.as_str() == key)
        .map_or_else(|| key.to_owned(), |c| c.spec.name.clone())
}

fn line_row(
    view: &AllocationView,
    coop: &CoopPage,
    line: &coopkit_app::patronage::NamedLine,
    tr: &crate::Tr,
) -> LineRow {
    let money = |n: u64| tr.amount(n, view.scale);
    let measure = view
        .settings
        .bylaws
        .pools
        .iter()
        .find(|p| p.class == line.line.class_key)
        .map(|p| p.measure);
    LineRow {
        name: line.name.clone(),
        class: class_name(coop, &line.line.class_key),
        patronage: patronage_text(measure, line.line.patronage, view.scale, tr),
        // Parts per million to a percentage with two places.
        share: tr.t_str(
            "percent",
            "value",
            &tr.amount(line.line.share_ppm / 100, 2_u32),
        ),
        amount: money(line.line.amount),
        cash: money(line.line.cash),
        retained: money(line.line.retained),
    }
}

/// The written notice of allocation a member keeps: what they were
/// allocated for the year, in cash and retained.
fn allocation_notice(
    coop: &CoopPage,
    view: &AllocationView,
    mine: &LineRow,
    tr: &crate::Tr,
) -> String {
    let allocation = &view.record.allocation;
    tr.t_args(
        "allocation-notice",
        &[
            ("coop", coop.coop.name.as_str()),
            ("member", mine.name.as_str()),
            ("year", allocation.year.as_str()),
            ("amount", mine.amount.as_str()),
            ("cash", mine.cash.as_str()),
            ("retained", mine.retained.as_str()),
            ("currency", allocation.currency.as_str()),
        ],
    )
}

/// A class's pool: how it is measured, what it shares out, over how much.
fn pool_row(pool: &PoolAllocation, coop: &CoopPage, scale: u32, tr: &crate::Tr) -> PoolRow {
    PoolRow {
        class: class_name(coop, &pool.class),
        measure: tr.t(&format!("measure-{}", pool.measure.as_str())),
        amount: tr.amount(pool.amount, scale),
        total: patronage_text(Some(pool.measure), pool.total_patronage, scale, tr),
    }
}

pub async fn allocation(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    let person = v.person()?;
    let id = AllocationId(id.parse().map_err(|_| AppError::NotFound("allocation"))?);
    let view = state.app.allocation(person, &slug, id).await?;
    let coop = state.app.coop_page(Some(person), &slug).await?;
    let coordinator = coop.viewer_decides_applications();
    let money = |n: u64| v.tr.amount(n, view.scale);
    let record = &view.record;
    let currency = record.allocation.currency.clone();
    let mine_line = view.lines.iter().find(|l| l.line.person == person.id);
    let mine = mine_line.map(|l| line_row(&view, &coop, l, &v.tr));
    let notice = mine
        .as_ref()
        .map(|m| allocation_notice(&coop, &view, m, &v.tr));
    let page = AllocationPage {
        v: &v,
        id,
        year: record.allocation.year.clone(),
        state: v
            .tr
            .t(&format!("allocation-state-{}", record.state.as_str())),
        proposal: record.proposal,
        net: v.tr.amount(record.allocation.net, view.scale),
        reserve: money(view.allocation.reserve),
        loss: Some(view.allocation.loss_to_reserve + view.allocation.loss_carried)
            .filter(|loss| *loss > 0)
            .map(money),
        pools: view
            .allocation
            .pools
            .iter()
            .map(|p| pool_row(p, &coop, view.scale, &v.tr))
            .collect(),
        lines: if coordinator {
            view.lines
                .iter()
                .map(|l| line_row(&view, &coop, l, &v.tr))
                .collect()
        } else {
            Vec::new()
        },
        mine,
        notice,
        warnings: view
            .allocation
            .warnings
            .iter()
            .map(|w| v.tr.t(&format!("allocation-warning-{w}")))
            .collect(),
        coordinator,
        currency,
        slug,
    };
    render_with(StatusCode::OK, &page)
}

pub async fn statement(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    let person = v.person()?;
    let id = AllocationId(id.parse().map_err(|_| AppError::NotFound("allocation"))?);
    let file = state
        .app
        .allocation_statement_csv(person, &slug, id)
        .await?;
    Ok(super::download(file))
}
