//! Payment requests over HTTP: ask to be paid, look a request up, pay it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::ledger::{PaymentRequestForm, PaymentRequestView};
use coopkit_app::AppError;
use coopkit_ledger::{Applied, Refusal, TransferId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use super::ledger::TransferResult;
use crate::error::{ApiError, Problem};
use crate::params::transfer_id;
use crate::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequestRequest {
    pub currency: String,
    /// In the currency's minor unit; more than zero.
    pub amount: u64,
    /// Shown to the payer and kept on both statements.
    #[serde(default)]
    pub memo: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentRequestDto {
    /// Also the id of the transfer that pays it.
    #[schema(value_type = String)]
    pub id: TransferId,
    pub currency: String,
    pub amount: u64,
    pub memo: String,
    /// The person id of the member to be paid.
    pub payee: i64,
    pub payee_name: String,
    /// `open` or `paid`.
    pub status: String,
    /// RFC 3339, in UTC.
    pub created_at: String,
    pub paid_at: Option<String>,
    /// The page that shows the request as a QR code and lets a member pay.
    pub page: String,
}

impl PaymentRequestDto {
    fn new(slug: &str, view: PaymentRequestView) -> Self {
        let request = view.request;
        PaymentRequestDto {
            page: format!("/c/{slug}/requests/{}", request.id),
            id: request.id,
            currency: request.currency.to_string(),
            amount: request.amount,
            memo: request.memo,
            payee: request.payee.0,
            payee_name: view.payee_name,
            status: if view.paid_at.is_some() {
                "paid"
            } else {
                "open"
            }
            .to_owned(),
            created_at: instant(request.created_at),
            paid_at: view.paid_at.map(instant),
        }
    }
}

/// Asks to be paid: any member, for themselves.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/payment-requests", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = PaymentRequestRequest,
    responses(
        (status = 201, body = PaymentRequestDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<PaymentRequestRequest>,
) -> Result<(StatusCode, Json<PaymentRequestDto>), ApiError> {
    let form = PaymentRequestForm {
        currency: request.currency,
        amount: request.amount,
        memo: request.memo,
    };
    let created = state.app.request_payment(&person, &slug, form).await?;
    let view = state
        .app
        .payment_request(&person, &slug, created.id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PaymentRequestDto::new(&slug, view)),
    ))
}

/// A payment request of the co-op, for any member.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/payment-requests/{id}", tag = "ledger",
    operation_id = "get_payment_request",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = PaymentRequestDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, String)>,
) -> Result<Json<PaymentRequestDto>, ApiError> {
    let id = transfer_id(&id, "payment request")?;
    let view = state.app.payment_request(&person, &slug, id).await?;
    Ok(Json(PaymentRequestDto::new(&slug, view)))
}

/// Pays a request from the caller's account. Paying again is harmless
/// (`exists`); a request someone else paid is a 409
/// (`request-already-paid`), as is one the ledger refuses, with its reason
/// (`exceeds-debit-limit`…).
#[utoipa::path(post, path = "/api/v1/coops/{slug}/payment-requests/{id}/pay", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = String, Path)),
    responses(
        (status = 200, body = TransferResult),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pay(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, String)>,
) -> Result<Json<TransferResult>, ApiError> {
    let id = transfer_id(&id, "payment request")?;
    let result = state.app.pay_request(&person, &slug, id).await?;
    Ok(Json(settled(id, result)?))
}

/// A single transfer's outcome: a refusal is a conflict naming its reason.
pub(super) fn settled(
    id: TransferId,
    result: Result<Applied, Refusal>,
) -> Result<TransferResult, AppError> {
    match result {
        Ok(applied) => Ok(TransferResult::new(id, Ok(applied))),
        Err(refusal) => Err(AppError::Conflict {
            field: "transfer",
            code: refusal.code(),
        }),
    }
}
