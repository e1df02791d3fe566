//! A member's ledger page: balances, paying a member, the statement, the
//! journal download; and for admins, the co-op's currencies.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::joining::JOINING_CAUSE;
use coopkit_app::ledger::{
    new_transfer_id, Counterparty, CurrencyForm, Holding, LedgerOverview, StatementEntry,
    TransferForm, PLAY_CAUSE,
};
use coopkit_app::records::Currency;
use coopkit_app::AppError;
use coopkit_domain::membership::MemberListing;
use coopkit_domain::PersonId;
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::policy::Policy;
use coopkit_ledger::transfer::TransferKind;
use coopkit_ledger::{CoopAccount, Limit, TransferId};
use serde::Deserialize;

use super::{form_currency, render_with, FormErrors, PageResult};
use crate::api::{journal_download, json_lines};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

/// Statement lines per page.
const STATEMENT_PAGE: u32 = 20;

struct BalanceRow {
    currency: String,
    balance: String,
    available: String,
    credit_line: String,
    cap: String,
}

struct CurrencyRow {
    code: String,
    name: String,
    kind: String,
    credit_line: String,
    cap: String,
    issuance: String,
    joining: String,
    demurrage: String,
}

struct LineRow {
    date: String,
    memo: String,
    counterparty: String,
    amount: String,
    received: bool,
    /// The balance after the line, as a bank statement runs it.
    balance: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerView<'a> {
    v: &'a Viewer,
    slug: String,
    title: String,
    overview: LedgerOverview,
    balances: Vec<BalanceRow>,
    currency: Option<Currency>,
    lines: Vec<LineRow>,
    older: Option<String>,
    transfer_id: String,
    /// Each currency with its defaults and policies, for admins.
    currency_rows: Vec<CurrencyRow>,
    notice: Option<String>,
    errors: FormErrors,
    payees: Vec<PayeeOption>,
    amount: String,
    memo: String,
}

/// A member the pay form offers. Two members of one name are told apart
/// by their class and since when they belong.
struct PayeeOption {
    id: i64,
    label: String,
    /// Chosen before the form came back with an error.
    selected: bool,
}

fn payee_options(payees: &[MemberListing], chosen: &str, tr: &crate::Tr) -> Vec<PayeeOption> {
    let shared = |name: &str| payees.iter().filter(|m| m.display_name == name).count() > 1;
    payees
        .iter()
        .map(|m| {
            let id = m.membership.person_id.0;
            let label = if shared(&m.display_name) {
                let since = m.membership.decided_at.unwrap_or(m.membership.applied_at);
                tr.t_args(
                    "ledger-payee-told-apart",
                    &[
                        ("name", m.display_name.as_str()),
                        ("class", m.class_name.as_str()),
                        ("since", tr.date(&since).as_str()),
                    ],
                )
            } else {
                m.display_name.clone()
            };
            PayeeOption {
                id,
                label,
                selected: chosen == id.to_string(),
            }
        })
        .collect()
}

/// A rate typed as a percentage to two places ("0.5"; "0,5" in Spanish),
/// as the basis points the ledger keeps: 0.5% is 50. Empty is none.
pub(super) fn basis_points(tr: &crate::Tr, field: &str, text: &str) -> Result<u16, AppError> {
    if text.trim().is_empty() {
        return Ok(0);
    }
    tr.parse_basis_points(text)
        .ok()
        .and_then(|bp| u16::try_from(bp).ok())
        .ok_or_else(|| AppError::invalid(field, "demurrage-range"))
}

pub(super) fn limit_text(limit: Limit, scale: u8, tr: &crate::Tr) -> String {
    match limit {
        Limit::Unlimited => tr.t("ledger-unlimited"),
        Limit::AtMost(amount) => tr.amount(amount, scale),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LedgerQuery {
    currency: String,
    before: String,
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<LedgerQuery>,
) -> PageResult {
    let notice = match query.done.as_str() {
        "paid" => Some(v.tr.t("ledger-paid")),
        "currency" => Some(v.tr.t("ledger-currency-created")),
        _ => None,
    };
    let view = ledger_view(
        &state,
        &v,
        slug,
        &query.currency,
        &query.before,
        notice,
        FormErrors::default(),
        &PayForm::default(),
    )
    .await?;
    render_with(axum::http::StatusCode::OK, &view)
}

#[allow(clippy::too_many_arguments)] // a view's parts, each shown as given
async fn ledger_view<'a>(
    state: &AppState,
    v: &'a Viewer,
    slug: String,
    currency: &str,
    before: &str,
    notice: Option<String>,
    errors: FormErrors,
    form: &PayForm,
) -> Result<LedgerView<'a>, crate::error::PageError> {
    let person = v.person()?;
    let page = state
        .app
        .ledger_page(person, &slug, currency, before.parse().ok(), STATEMENT_PAGE)
        .await?;
    let (overview, chosen) = (page.overview, page.currency);
    let balances = overview
        .holdings
        .iter()
        .map(|h| balance_row(h, &v.tr))
        .collect();
    let scale = chosen.as_ref().map_or(0, |c| c.scale);
    let lines = page
        .statement
        .entries
        .into_iter()
        .map(|e| line_row(e, scale, &v.tr))
        .collect();
    let older = page.statement.next_before.map(|n| n.to_string());
    let currency_rows = overview
        .currencies
        .iter()
        .map(|c| currency_row(c, &v.tr))
        .collect();
    let payees = payee_options(&overview.payees, &form.to, &v.tr);
    Ok(LedgerView {
        currency_rows,
        title: v.tr.t_str("ledger-title", "coop", &overview.coop_name),
        v,
        slug,
        overview,
        balances,
        currency: chosen,
        lines,
        older,
        transfer_id: new_transfer_id().to_string(),
        notice,
        errors,
        payees,
        amount: form.amount.clone(),
        memo: form.memo.clone(),
    })
}

/// A member's account in one currency, as their balances table shows it.
fn balance_row(h: &Holding, tr: &crate::Tr) -> BalanceRow {
    let scale = h.currency.scale;
    BalanceRow {
        currency: h.currency.name.clone(),
        balance: tr.amount(h.view.balances.balance(), scale),
        available: tr.amount(h.view.balances.available(), scale),
        credit_line: limit_text(h.view.account.debit_limit, scale, tr),
        cap: limit_text(h.view.account.balance_cap, scale, tr),
    }
}

/// A currency with its defaults and policy, as the admin's table shows it.
fn currency_row(c: &Currency, tr: &crate::Tr) -> CurrencyRow {
    let limit =
        |value: Option<u64>| limit_text(value.map_or(Limit::Unlimited, Limit::AtMost), c.scale, tr);
    let amount = |value: u64| tr.amount(value, c.scale);
    CurrencyRow {
        code: c.code.to_string(),
        name: c.name.clone(),
        kind: tr.t(&format!("currency-kind-{}", c.kind.as_str())),
        credit_line: limit(c.default_debit_limit),
        cap: limit(c.default_balance_cap),
        issuance: amount(c.policy.issuance_per_month),
        joining: amount(c.policy.joining_grant),
        // In words, with the basis points a specialist reads beside them.
        demurrage: match c.policy.demurrage_bp {
            0 => tr.t("ledger-demurrage-none"),
            bp => tr.t_args(
                "ledger-demurrage-rate",
                &[
                    ("percent", &tr.amount(bp, 2_u32)),
                    ("threshold", &amount(c.policy.demurrage_threshold)),
                    ("bp", &bp.to_string()),
                ],
            ),
        },
    }
}

fn line_row(entry: StatementEntry, scale: u8, tr: &crate::Tr) -> LineRow {
    let amount = tr.amount(entry.line.amount, scale);
    LineRow {
        date: tr.date(&entry.line.timestamp),
        // What the server pays of itself is said in the reader's language;
        // a member's memo is theirs.
        memo: match entry.line.transfer.cause.split(':').next() {
            Some(JOINING_CAUSE) => tr.t("ledger-joining-memo"),
            // A play's memo is the track's title.
            Some(PLAY_CAUSE) => tr.t_str("ledger-play-memo", "title", &entry.line.transfer.memo),
            _ => entry.line.transfer.memo,
        },
        counterparty: match entry.counterparty {
            Counterparty::Member(name) => name,
            Counterparty::Coop(CoopAccount::Issuance) => tr.t("ledger-coop-issuance"),
            Counterparty::Coop(_) => tr.t("ledger-coop"),
            Counterparty::FormerMember => tr.t("ledger-former-member"),
        },
        amount: match entry.line.transfer.kind {
            // A hold sets the amount aside and a void gives it back; the
            // balance moves only when it is paid.
            TransferKind::Hold { .. } => tr.t_str("ledger-line-held", "amount", &amount),
            TransferKind::Void { .. } => tr.t_str("ledger-line-released", "amount", &amount),
            _ if entry.received => format!("+{amount}"),
            _ => format!("−{amount}"),
        },
        received: entry.received,
        balance: tr.amount(entry.balance_after, scale),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PayForm {
    id: String,
    currency: String,
    to: String,
    amount: String,
    memo: String,
    issue: String,
}

pub async fn pay(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<PayForm>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let currency = form_currency(&state, &slug, &form.currency).await?;
        let amount =
            v.tr.parse_amount(&form.amount, currency.scale)
                .map_err(|code| AppError::invalid("amount", code))?;
        let to = form
            .to
            .parse()
            .map(PersonId)
            .map_err(|_| AppError::invalid("to", "required"))?;
        let id = form
            .id
            .parse()
            .map(TransferId)
            .map_err(|_| AppError::invalid("amount", "invalid-value"))?;
        let transfer = TransferForm {
            id,
            currency: form.currency.clone(),
            to,
            amount,
            from_issuance: form.issue == "yes",
            hold: None,
            linked: false,
            memo: form.memo.trim().to_owned(),
            cause: String::new(),
        };
        let results = state.app.transfer(person, &slug, vec![transfer]).await?;
        match results.first() {
            Some(Ok(Applied::New | Applied::Replayed)) => Ok(()),
            Some(Err(refusal)) => Err(AppError::invalid("amount", refusal.code())),
            None => Err(AppError::internal("the ledger gave no result")),
        }
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!(
            "/c/{slug}/ledger?currency={}&done=paid",
            form.currency
        ))
        .into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let view =
                ledger_view(&state, &v, slug, &form.currency, "", None, errors, &form).await?;
            render_with(status, &view)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CurrencyFormFields {
    code: String,
    name: String,
    kind: String,
    scale: String,
    debit_limit: String,
    balance_cap: String,
    issuance_per_month: String,
    /// A percentage a month, such as 0.5.
    demurrage_percent: String,
    demurrage_threshold: String,
    joining_grant: String,
}

pub async fn define_currency(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<CurrencyFormFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let scale: u8 = form
            .scale
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("scale", "scale-range"))?;
        let optional = |field: &str, text: &str| -> Result<Option<u64>, AppError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            v.tr.parse_amount(text, scale)
                .map(Some)
                .map_err(|code| AppError::invalid(field, code))
        };
        let policy = Policy {
            issuance_per_month: optional("issuance_per_month", &form.issuance_per_month)?
                .unwrap_or(0),
            demurrage_bp: basis_points(&v.tr, "demurrage_percent", &form.demurrage_percent)?,
            demurrage_threshold: optional("demurrage_threshold", &form.demurrage_threshold)?
                .unwrap_or(0),
            joining_grant: optional("joining_grant", &form.joining_grant)?.unwrap_or(0),
        };
        let currency = CurrencyForm {
            code: form.code.clone(),
            name: form.name.clone(),
            kind: form.kind.clone(),
            scale,
            default_debit_limit: optional("debit_limit", &form.debit_limit)?,
            default_balance_cap: optional("balance_cap", &form.balance_cap)?,
            policy,
        };
        state.app.define_currency(person, &slug, currency).await
    }
    .await;
    match outcome {
        Ok(currency) => Ok(Redirect::to(&format!(
            "/c/{slug}/ledger?currency={}&done=currency",
            currency.code
        ))
        .into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let view =
                ledger_view(&state, &v, slug, "", "", None, errors, &PayForm::default()).await?;
            render_with(status, &view)
        }
    }
}

/// The journal, for any member to check with `coopkit ledger verify`.
pub async fn journal(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let person = v.person()?;
    let publishing = state.app.journal(person, &slug).await?;
    Ok(journal_download(&slug, publishing))
}

/// The co-op's signed checkpoints, to check the journal against.
pub async fn checkpoints(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let person = v.person()?;
    let signed = state.app.checkpoints(person, &slug).await?;
    let body = coopkit_ledger::checkpoint::to_json_lines(&signed);
    Ok(json_lines(&format!("{slug}-checkpoints.jsonl"), body))
}
