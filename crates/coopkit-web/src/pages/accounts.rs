//! The co-op's accounts for coordinators: every member's and the co-op's
//! own, with balances and limits; admins set a member's limits here.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::ledger::AccountView;
use coopkit_app::records::Currency;
use coopkit_app::AppError;
use coopkit_domain::PersonId;
use coopkit_ledger::{AccountOwner, Limit};
use serde::Deserialize;

use super::ledger::limit_text;
use super::{form_currency, render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

struct AccountRow {
    owner: String,
    currency: String,
    balance: String,
    available: String,
    credit_line: String,
    cap: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage<'a> {
    v: &'a Viewer,
    slug: String,
    rows: Vec<AccountRow>,
    is_admin: bool,
    /// (person id, name) of each active member, for the limits form.
    members: Vec<(PersonId, String)>,
    currencies: Vec<Currency>,
    errors: FormErrors,
    notice: Option<String>,
    referrals: Vec<coopkit_app::referrals::ReferralRow>,
    /// The bonus's currency code and amount, as the form shows them.
    bonus: (String, String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountsQuery {
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<AccountsQuery>,
) -> PageResult {
    let notice = match query.done.as_str() {
        "limits" => Some(v.tr.t("accounts-limits-set")),
        "bonus" => Some(v.tr.t("referral-bonus-set")),
        "dues" => Some(v.tr.t("cash-dues-recorded")),
        _ => None,
    };
    let page = accounts_page(&state, &v, slug, FormErrors::default(), notice).await?;
    render_with(StatusCode::OK, &page)
}

async fn accounts_page<'a>(
    state: &AppState,
    v: &'a Viewer,
    slug: String,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<AccountsPage<'a>, crate::error::PageError> {
    let person = v.person()?;
    let accounts = state.app.coop_accounts(person, &slug).await?;
    let overview = state.app.ledger_overview(person, &slug).await?;
    let members: Vec<(PersonId, String)> = state
        .app
        .member_list(person, &slug)
        .await?
        .into_iter()
        .map(|m| (m.membership.person_id, m.display_name))
        .collect();
    let names: HashMap<PersonId, &str> = members
        .iter()
        .map(|(id, name)| (*id, name.as_str()))
        .collect();
    let scales: HashMap<String, (u8, String)> = overview
        .currencies
        .iter()
        .map(|c| (c.code.to_string(), (c.scale, c.name.clone())))
        .collect();
    let rows = accounts
        .into_iter()
        .map(|view| account_row(&view, &names, &scales, &v.tr))
        .collect();
    let bonus = match state.app.referral_bonus(person, &slug).await? {
        Some((code, amount)) => {
            let scale = overview
                .currencies
                .iter()
                .find(|c| c.code == code)
                .map_or(0, |c| c.scale);
            (code.to_string(), v.tr.amount(amount, scale))
        }
        None => (String::new(), "0".to_owned()),
    };
    Ok(AccountsPage {
        referrals: state.app.referrals(person, &slug).await?,
        bonus,
        v,
        slug,
        rows,
        is_admin: overview.is_admin,
        members,
        currencies: overview.currencies,
        errors,
        notice,
    })
}

/// One of the co-op's accounts as the coordinators' table shows it: a
/// member's by their name (or as a former member's), the co-op's own by
/// what it is for.
fn account_row(
    view: &AccountView,
    names: &HashMap<PersonId, &str>,
    currencies: &HashMap<String, (u8, String)>,
    tr: &crate::Tr,
) -> AccountRow {
    let (scale, currency) = currencies
        .get(view.account.currency.as_str())
        .cloned()
        .unwrap_or((0, view.account.currency.to_string()));
    let owner = match view.account.owner {
        AccountOwner::Member(id) => names
            .get(&id)
            .map_or_else(|| tr.t("ledger-former-member"), |n| (*n).to_owned()),
        AccountOwner::Coop(account) => {
            let name = serde_json::to_value(account)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            tr.t(&format!("accounts-coop-{name}"))
        }
    };
    AccountRow {
        owner,
        currency,
        balance: tr.amount(view.balances.balance(), scale),
        available: tr.amount(view.balances.available(), scale),
        credit_line: limit_text(view.account.debit_limit, scale, tr),
        cap: limit_text(view.account.balance_cap, scale, tr),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CashDuesForm {
    member: String,
    period: String,
}

/// Records dues paid in cash (coordinators).
pub async fn cash_dues(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<CashDuesForm>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let member = form
            .member
            .parse()
            .map(PersonId)
            .map_err(|_| AppError::invalid("member", "required"))?;
        state
            .app
            .record_cash_dues(person, &slug, member, form.period.trim())
            .await
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/ledger/accounts?done=dues")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let page = accounts_page(&state, &v, slug, errors, None).await?;
            render_with(status, &page)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BonusForm {
    currency: String,
    bonus: String,
}

/// Sets the referral bonus (admins).
pub async fn set_bonus(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<BonusForm>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let currency = form_currency(&state, &slug, &form.currency).await?;
        let amount =
            v.tr.parse_amount(&form.bonus, currency.scale)
                .map_err(|code| AppError::invalid("bonus", code))?;
        state
            .app
            .set_referral_bonus(person, &slug, &form.currency, amount)
            .await
    }
    .await;
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/c/{slug}/ledger/accounts?done=bonus")).into_response())
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let page = accounts_page(&state, &v, slug, errors, None).await?;
            render_with(status, &page)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LimitsForm {
    member: String,
    currency: String,
    debit_limit: String,
    balance_cap: String,
}

pub async fn set_limits(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<LimitsForm>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let currency = form_currency(&state, &slug, &form.currency).await?;
        let member = form
            .member
            .parse()
            .map(PersonId)
            .map_err(|_| AppError::invalid("member", "required"))?;
        let limit = |field: &str, text: &str| -> Result<Limit, AppError> {
            if text.trim().is_empty() {
                return Ok(Limit::Unlimited);
            }
            v.tr.parse_amount(text, currency.scale)
                .map(Limit::AtMost)
                .map_err(|code| AppError::invalid(field, code))
        };
        let debit_limit = limit("debit_limit", &form.debit_limit)?;
        let balance_cap = limit("balance_cap", &form.balance_cap)?;
        state
            .app
            .set_limits(
                person,
                &slug,
                member,
                &form.currency,
                debit_limit,
                balance_cap,
            )
            .await
    }
    .await;
    match outcome {
        Ok(_) => {
            Ok(Redirect::to(&format!("/c/{slug}/ledger/accounts?done=limits")).into_response())
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let page = accounts_page(&state, &v, slug, errors, None).await?;
            render_with(status, &page)
        }
    }
}
