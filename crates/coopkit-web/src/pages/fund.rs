//! The co-op's fund as a page: its balance and projects, pledges, a
//! project put to the members' vote, and investors' capped returns.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::catalogue::ProjectForm;
use coopkit_app::AppError;
use coopkit_market::ProjectState;
use serde::Deserialize;

use super::catalogue::{form_key, Money};
use super::{render_with, DoneQuery, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

/// A project as the fund's page lists it.
struct ProjectRow {
    title: String,
    creator: String,
    budget: String,
    state: ProjectState,
    proposal: i64,
}

#[derive(Template)]
#[template(path = "fund.html")]
struct FundPage<'a> {
    v: &'a Viewer,
    slug: String,
    balance: String,
    projects: Vec<ProjectRow>,
    key: String,
    coordinator: bool,
    /// The returns just paid: investor's name, capital, paid.
    returns: Vec<(String, String, String)>,
    /// What a form just did, in words.
    notice: Option<String>,
    typed: Typed,
    errors: FormErrors,
}

/// What a form on the page just did, for the page to say.
#[derive(Default)]
enum Done {
    #[default]
    Nothing,
    /// A pledge went in (`?done=pledged`, after the redirect).
    Pledged,
    /// The returns just paid: investor's name, capital, paid.
    Returns(Vec<(String, String, String)>),
}

/// What the page's forms hold: empty, or as typed when one was refused.
#[derive(Debug, Default)]
struct Typed {
    amount: String,
    title: String,
    description: String,
    budget: String,
    closes_on: String,
    year: String,
    pool: String,
}

/// The page again after a refused form, with it as typed and the reason
/// under the field; failures without a field go on as an error page.
async fn form_again(
    state: &AppState,
    v: &Viewer,
    slug: String,
    typed: Typed,
    error: AppError,
) -> PageResult {
    let (status, errors) = FormErrors::from_error(error, &v.tr)?;
    fund_page(state, v, slug, Done::Nothing, typed, errors, status).await
}

async fn fund_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    done: Done,
    typed: Typed,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let (returns, notice) = match done {
        Done::Nothing => (Vec::new(), None),
        Done::Pledged => (Vec::new(), Some(v.tr.t("fund-pledged"))),
        Done::Returns(returns) => (returns, None),
    };
    let person = v.person()?;
    let coordinator = state
        .app
        .coop_page(Some(person), &slug)
        .await?
        .viewer_decides_applications();
    let fund = state.app.fund(person, &slug).await?;
    let money = Money::of(state, &slug, &fund.currency, &v.tr).await?;
    let projects = fund
        .projects
        .iter()
        .map(|p| ProjectRow {
            title: p.project.title.clone(),
            creator: p.creator_name.clone(),
            budget: money.show(p.project.budget),
            state: p.state,
            proposal: p.project.proposal.0,
        })
        .collect();
    let balance = money.show(u64::try_from(fund.balance).unwrap_or(0));
    render_with(
        status,
        &FundPage {
            v,
            slug,
            balance,
            projects,
            key: form_key(),
            coordinator,
            returns,
            notice,
            typed,
            errors,
        },
    )
}

pub async fn fund(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let (typed, errors) = (Typed::default(), FormErrors::default());
    let done = match query.done.as_str() {
        "pledged" => Done::Pledged,
        _ => Done::Nothing,
    };
    fund_page(&state, &v, slug, done, typed, errors, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct PledgeFields {
    key: String,
    amount: String,
}

pub async fn pledge(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<PledgeFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let money = Money::of_catalogue(&state, &slug, &v.tr).await?;
        let amount = money.read("amount", &fields.amount)?;
        state.app.pledge(person, &slug, amount, &fields.key).await
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/fund?done=pledged")).into_response()),
        Err(error) => {
            let typed = Typed {
                amount: fields.amount,
                ..Typed::default()
            };
            form_again(&state, &v, slug, typed, error).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ProjectFields {
    title: String,
    description: String,
    budget: String,
    closes_on: String,
}

pub async fn propose_project(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<ProjectFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let money = Money::of_catalogue(&state, &slug, &v.tr).await?;
        let budget = money.read("budget", &fields.budget)?;
        let closes_at = v.tr.zones.read_date("closes_on", &fields.closes_on)?;
        let form = ProjectForm {
            title: fields.title.clone(),
            description: fields.description.clone(),
            budget,
            closes_at,
        };
        state.app.propose_project(person, &slug, form).await
    }
    .await;
    match outcome {
        Ok((_, proposal)) => {
            Ok(Redirect::to(&format!("/c/{slug}/proposals/{proposal}")).into_response())
        }
        Err(error) => {
            let typed = Typed {
                title: fields.title,
                description: fields.description,
                budget: fields.budget,
                closes_on: fields.closes_on,
                ..Typed::default()
            };
            form_again(&state, &v, slug, typed, error).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReturnsFields {
    year: String,
    pool: String,
}

pub async fn pay_returns(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<ReturnsFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let money = Money::of_catalogue(&state, &slug, &v.tr).await?;
        let pool = money.read("pool", &fields.pool)?;
        let paid = state
            .app
            .pay_fund_returns(person, &slug, &fields.year, pool)
            .await?;
        Ok::<_, AppError>(
            paid.iter()
                .map(|r| (r.name.clone(), money.show(r.capital), money.show(r.paid)))
                .collect(),
        )
    }
    .await;
    match outcome {
        Ok(returns) => {
            let (typed, errors) = (Typed::default(), FormErrors::default());
            let done = Done::Returns(returns);
            fund_page(&state, &v, slug, done, typed, errors, StatusCode::OK).await
        }
        Err(error) => {
            let typed = Typed {
                year: fields.year,
                pool: fields.pool,
                ..Typed::default()
            };
            form_again(&state, &v, slug, typed, error).await
        }
    }
}
