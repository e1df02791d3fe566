//! The ledger over HTTP: currencies, transfers, balances, statements and
//! the journal.

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use coopkit_app::ledger::{AccountView, CurrencyForm, StatementEntry, TransferForm};
use coopkit_app::AppError;
use coopkit_domain::validation::Collector;
use coopkit_domain::PersonId;
use coopkit_ledger::ledger::{Applied, BATCH_MAX};
use coopkit_ledger::policy::Policy;
use coopkit_ledger::{Limit, Refusal, TransferId, HOLD_TIMEOUT_MAX_MS};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A currency of a co-op. Amounts in it are integers of its minor unit
/// (`scale` decimal places).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrencyDto {
    /// Three to eight capital letters or digits: `HOUR`, `GBP`.
    pub code: String,
    pub name: String,
    /// `time`, `money` or `community`.
    pub kind: String,
    pub scale: u8,
    /// How far below zero a member's balance may go; absent: unlimited.
    #[serde(default)]
    pub default_debit_limit: Option<u64>,
    /// How high a member's balance may rise; absent: unlimited.
    #[serde(default)]
    pub default_balance_cap: Option<u64>,
    /// Tokens issued to every active member each month (`coopkit ledger tick`).
    #[serde(default)]
    pub issuance_per_month: u64,
    /// Monthly demurrage in basis points of the balance above the threshold.
    #[serde(default)]
    pub demurrage_bp: u16,
    #[serde(default)]
    pub demurrage_threshold: u64,
    /// Tokens issued once to each member when they are admitted.
    #[serde(default)]
    pub joining_grant: u64,
}

impl From<coopkit_app::records::Currency> for CurrencyDto {
    fn from(c: coopkit_app::records::Currency) -> Self {
        Self {
            code: c.code.to_string(),
            name: c.name,
            kind: c.kind.as_str().to_owned(),
            scale: c.scale,
            default_debit_limit: c.default_debit_limit,
            default_balance_cap: c.default_balance_cap,
            issuance_per_month: c.policy.issuance_per_month,
            demurrage_bp: c.policy.demurrage_bp,
            demurrage_threshold: c.policy.demurrage_threshold,
            joining_grant: c.policy.joining_grant,
        }
    }
}

/// The co-op's currencies.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/currencies", tag = "ledger",
    params(("slug" = String, Path)),
    responses((status = 200, body = [CurrencyDto]), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list_currencies(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<CurrencyDto>>, ApiError> {
    let currencies = state.app.currencies(&slug).await?;
    Ok(Json(currencies.into_iter().map(Into::into).collect()))
}

/// Defines a currency: admins only.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/currencies", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = CurrencyDto,
    responses(
        (status = 201, body = CurrencyDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn define_currency(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<CurrencyDto>,
) -> Result<(StatusCode, Json<CurrencyDto>), ApiError> {
    let currency = state
        .app
        .define_currency(&person, &slug, request.into())
        .await?;
    Ok((StatusCode::CREATED, Json(currency.into())))
}

impl From<CurrencyDto> for CurrencyForm {
    fn from(request: CurrencyDto) -> Self {
        CurrencyForm {
            code: request.code,
            name: request.name,
            kind: request.kind,
            scale: request.scale,
            default_debit_limit: request.default_debit_limit,
            default_balance_cap: request.default_balance_cap,
            policy: Policy {
                issuance_per_month: request.issuance_per_month,
                demurrage_bp: request.demurrage_bp,
                demurrage_threshold: request.demurrage_threshold,
                joining_grant: request.joining_grant,
            },
        }
    }
}

/// One transfer in a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Chosen by the client, a decimal number below 2^128 as a string;
    /// resubmitting the same id with the same fields returns the first
    /// result instead of paying twice.
    #[schema(value_type = String)]
    pub id: TransferId,
    pub currency: String,
    /// The person id of the member to pay.
    pub to: i64,
    /// In the currency's minor unit; more than zero.
    pub amount: u64,
    #[serde(default)]
    pub memo: String,
    /// What caused it, for machines: `booking:42`.
    #[serde(default)]
    pub cause: String,
    /// Stand or fall with the next transfer in the batch.
    #[serde(default)]
    pub linked: bool,
    /// Issue new tokens from the co-op's issuance account (coordinators).
    #[serde(default)]
    pub from_issuance: bool,
    /// Hold the amount instead of moving it: it counts against the payer's
    /// limit until posted or voided (`/transfers/{id}/post`, `/void`).
    #[serde(default)]
    pub hold: Option<HoldRequest>,
}

/// How long a hold lasts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// The hold lapses (is released) after this many seconds, at most
    /// 4294967295 (about 136 years); absent: it lasts until posted or
    /// voided.
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBatch {
    pub transfers: Vec<TransferRequest>,
}

/// What became of one transfer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferResult {
    #[schema(value_type = String)]
    pub id: TransferId,
    /// `created`, `exists` (the same transfer was made before), or the
    /// code of the reason it was refused (`exceeds-debit-limit`…).
    pub status: String,
}

impl TransferResult {
    pub(super) fn new(id: TransferId, result: Result<Applied, Refusal>) -> Self {
        let status = match result {
            Ok(Applied::New) => "created",
            Ok(Applied::Replayed) => "exists",
            Err(refusal) => refusal.code(),
        };
        TransferResult {
            id,
            status: status.to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferBatchResult {
    pub results: Vec<TransferResult>,
}

/// Submits a batch of transfers. Answers once the batch is durable, with
/// one result per transfer; refused transfers name their reason. A batch
/// that pays someone who is not an active member of the co-op is refused
/// whole: that transfer gets `credit-account-unknown` and every other
/// transfer of the batch `linked-event-failed`, and nothing is made.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/transfers", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = TransferBatch,
    responses(
        (status = 200, body = TransferBatchResult),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed batch: nothing was submitted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit_transfers(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(batch): ApiJson<TransferBatch>,
) -> Result<Json<TransferBatchResult>, ApiError> {
    if batch.transfers.len() > BATCH_MAX {
        return Err(AppError::invalid("transfers", "batch-too-large").into());
    }
    let timeout_max = HOLD_TIMEOUT_MAX_MS / 1000;
    let mut errors = Collector::new();
    for (i, t) in batch.transfers.iter().enumerate() {
        if let Some(seconds) = t.hold.as_ref().and_then(|h| h.timeout_seconds) {
            if seconds > timeout_max {
                let field = format!("transfers[{i}].hold.timeout_seconds");
                errors.push(&field, "timeout-too-large");
            }
        }
    }
    errors.finish().map_err(AppError::from)?;
    let ids: Vec<TransferId> = batch.transfers.iter().map(|t| t.id).collect();
    let forms = batch
        .transfers
        .into_iter()
        .map(|t| TransferForm {
            id: t.id,
            currency: t.currency,
            to: PersonId(t.to),
            amount: t.amount,
            from_issuance: t.from_issuance,
            hold: t.hold.map(|h| h.timeout_seconds.map(|s| s * 1000)),
            linked: t.linked,
            memo: t.memo,
            cause: t.cause,
        })
        .collect();
    let results = state.app.transfer(&person, &slug, forms).await?;
    let results = ids
        .into_iter()
        .zip(results)
        .map(|(id, result)| TransferResult::new(id, result))
        .collect();
    Ok(Json(TransferBatchResult { results }))
}

/// One of the caller's accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceDto {
    pub currency: String,
    pub account: u64,
    /// Posted credits less posted debits, in minor units.
    #[schema(value_type = i64)]
    pub balance: i128,
    /// The balance less outgoing holds: what can be counted on.
    #[schema(value_type = i64)]
    pub available: i128,
    /// Absent: unlimited.
    pub debit_limit: Option<u64>,
    pub balance_cap: Option<u64>,
}

fn limit(l: Limit) -> Option<u64> {
    match l {
        Limit::Unlimited => None,
        Limit::AtMost(v) => Some(v),
    }
}

impl From<AccountView> for BalanceDto {
    fn from(view: AccountView) -> Self {
        BalanceDto {
            currency: view.account.currency.to_string(),
            account: view.account.id.0,
            balance: view.balances.balance(),
            available: view.balances.available(),
            debit_limit: limit(view.account.debit_limit),
            balance_cap: limit(view.account.balance_cap),
        }
    }
}

/// The caller's balances in this co-op.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/balances", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = [BalanceDto]), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn my_balances(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<BalanceDto>>, ApiError> {
    let holdings = state.app.my_holdings(&person, &slug).await?;
    Ok(Json(holdings.into_iter().map(|h| h.view.into()).collect()))
}

/// One account of the co-op, as coordinators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    pub owner: super::holds::OwnerDto,
    #[serde(flatten)]
    pub balance: BalanceDto,
}

/// Every account of the co-op, members' and its own: coordinators and
/// admins.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/accounts", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = [AccountDto]), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn coop_accounts(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<AccountDto>>, ApiError> {
    let accounts = state.app.coop_accounts(&person, &slug).await?;
    Ok(Json(
        accounts
            .into_iter()
            .map(|view| AccountDto {
                owner: view.account.owner.into(),
                balance: view.into(),
            })
            .collect(),
    ))
}

/// A member's limits in one currency. Absent: unlimited.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsRequest {
    #[serde(default)]
    pub debit_limit: Option<u64>,
    #[serde(default)]
    pub balance_cap: Option<u64>,
}

/// Sets one member's limits in a currency, in place of the currency's
/// defaults: admins only. They bind from the next transfer on.
#[utoipa::path(put, path = "/api/v1/coops/{slug}/members/{person}/limits/{currency}", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("person" = i64, Path), ("currency" = String, Path)),
    request_body = LimitsRequest,
    responses(
        (status = 200, body = BalanceDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_limits(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((slug, member, currency)): ApiPath<(String, String, String)>,
    ApiJson(request): ApiJson<LimitsRequest>,
) -> Result<Json<BalanceDto>, ApiError> {
    let member = crate::params::person_id(&member, "member")?;
    let to_limit = |value: Option<u64>| value.map_or(Limit::Unlimited, Limit::AtMost);
    let view = state
        .app
        .set_limits(
            &caller,
            &slug,
            member,
            &currency,
            to_limit(request.debit_limit),
            to_limit(request.balance_cap),
        )
        .await?;
    Ok(Json(view.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// One of the co-op's currencies.
    #[param(pattern = "^[A-Z]{3,8}$")]
    pub currency: String,
    /// Where the previous page ended: its `next_before`.
    pub before: Option<u64>,
    /// At most this many lines (1 to 500; 50 when absent).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementLineDto {
    #[schema(value_type = String)]
    pub id: TransferId,
    /// `move`, `hold`, `post` or `void`.
    pub kind: String,
    /// Positive when the caller received, negative when they paid.
    pub amount: i64,
    pub other_account: u64,
    /// RFC 3339, in UTC.
    pub at: String,
    pub seq: u64,
    pub memo: String,
    pub cause: String,
    /// The caller's posted balance just after this line, in minor units
    /// (a hold or a void leaves it as it was).
    pub balance_after: i64,
}

impl From<StatementEntry> for StatementLineDto {
    fn from(e: StatementEntry) -> Self {
        let signed = i64::try_from(e.line.amount).unwrap_or(i64::MAX);
        StatementLineDto {
            id: e.line.transfer.id,
            kind: e.line.transfer.kind.name().to_owned(),
            amount: if e.received { signed } else { -signed },
            other_account: if e.received {
                e.line.debit.0
            } else {
                e.line.credit.0
            },
            at: instant(e.line.timestamp),
            seq: e.line.seq,
            memo: e.line.transfer.memo,
            cause: e.line.transfer.cause,
            // The ledger keeps balances within the 64-bit range.
            balance_after: i64::try_from(e.balance_after).unwrap_or(i64::MAX),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDto {
    pub lines: Vec<StatementLineDto>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<u64>,
}

/// The caller's statement in one currency, newest first.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/statement", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path), StatementQuery),
    responses((status = 200, body = StatementDto), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn my_statement(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(query): ApiQuery<StatementQuery>,
) -> Result<Json<StatementDto>, ApiError> {
    let page = state
        .app
        .my_statement(
            &person,
            &slug,
            &query.currency,
            query.before,
            query.limit.unwrap_or(50),
        )
        .await?;
    let lines = page.entries.into_iter().map(Into::into).collect();
    let next_before = page.next_before;
    Ok(Json(StatementDto { lines, next_before }))
}

/// The co-op's signed checkpoints as JSON Lines, for
/// `coopkit ledger verify --file journal.jsonl --checkpoints FILE`.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/checkpoints", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, description = "JSON Lines", content_type = "application/jsonl"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn checkpoints(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let signed = state.app.checkpoints(&person, &slug).await?;
    let body = coopkit_ledger::checkpoint::to_json_lines(&signed);
    Ok(json_lines(&format!("{slug}-checkpoints.jsonl"), body))
}

/// A JSON Lines download.
/// The journal as a JSON Lines download, sent a few batches at a time as
/// they are read. A read that fails midway is logged and cuts the
/// download short, which `coopkit ledger verify` reports as a journal
/// that ends early against the co-op's checkpoints.
pub fn journal_download(slug: &str, publishing: coopkit_app::ledger::Publishing) -> Response {
    use futures_util::TryStreamExt;
    let lines = publishing.into_lines().map_err(|error| {
        tracing::error!(%error, "a journal download was cut short");
        std::io::Error::other("the journal could not be read")
    });
    json_lines(
        &format!("{slug}-journal.jsonl"),
        axum::body::Body::from_stream(lines),
    )
}

pub fn json_lines(filename: &str, body: impl Into<axum::body::Body>) -> Response {
    (
        [
            (CONTENT_TYPE, "application/jsonl".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// The co-op's journal as JSON Lines: one hash-chained batch per line,
/// sealed: accounts by number, each memo and member owner replaced by a
/// salted commitment the hashes cover. A coordinator's copy also carries
/// every event's opening; a member's, the openings sealed for the co-op's
/// auditor when it has one. `coopkit ledger verify --file` checks it
/// offline.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/journal", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, description = "JSON Lines", content_type = "application/jsonl"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn journal(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let publishing = state.app.journal(&person, &slug).await?;
    Ok(journal_download(&slug, publishing))
}
