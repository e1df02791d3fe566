//! One transfer by id, and settling holds: post (in full or part) or void.

use axum::extract::State;
use axum::Json;
use coopkit_app::ledger::{Settlement, TransferView};
use coopkit_ledger::{AccountOwner, TransferId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use super::ledger::TransferResult;
use super::payment_requests::settled;
use crate::error::{ApiError, Problem};
use crate::params::transfer_id;
use crate::AppState;

/// Whose account: a member's, or one of the co-op's own.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerDto {
    /// The member's person id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<i64>,
    /// `issuance`, `dues`, `reserve`, `fees` or `fund`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coop: Option<String>,
}

impl From<AccountOwner> for OwnerDto {
    fn from(owner: AccountOwner) -> Self {
        match owner {
            AccountOwner::Member(person) => OwnerDto {
                member: Some(person.0),
                coop: None,
            },
            AccountOwner::Coop(account) => OwnerDto {
                member: None,
                // A unit enum serialises as its lower-case name.
                coop: serde_json::to_value(account)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned)),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferDto {
    #[schema(value_type = String)]
    pub id: TransferId,
    /// `move`, `hold`, `post` or `void`.
    pub kind: String,
    pub currency: String,
    pub from: OwnerDto,
    pub to: OwnerDto,
    /// What moved, or was held or released.
    pub amount: u64,
    pub memo: String,
    pub cause: String,
    /// RFC 3339, in UTC.
    pub at: String,
    pub seq: u64,
    /// For a hold: `open`, `posted`, `voided` or `expired`.
    pub hold: Option<String>,
}

impl From<TransferView> for TransferDto {
    fn from(view: TransferView) -> Self {
        let record = view.record;
        TransferDto {
            id: record.transfer.id,
            kind: record.transfer.kind.name().to_owned(),
            currency: view.currency.to_string(),
            from: view.debit_owner.into(),
            to: view.credit_owner.into(),
            amount: record.amount,
            memo: record.transfer.memo,
            cause: record.transfer.cause,
            at: instant(record.timestamp),
            seq: record.seq,
            hold: view.hold.map(|h| h.as_str().to_owned()),
        }
    }
}

/// A transfer of the co-op, for a party to it or a coordinator.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/transfers/{id}", tag = "ledger",
    operation_id = "get_transfer",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = TransferDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, String)>,
) -> Result<Json<TransferDto>, ApiError> {
    let id = transfer_id(&id, "transfer")?;
    let view = state.app.transfer_view(&person, &slug, id).await?;
    Ok(Json(view.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostRequest {
    /// The id of the posting transfer, chosen by the client (idempotent).
    #[schema(value_type = String)]
    pub id: TransferId,
    /// Post only this much, releasing the rest; absent: all of it.
    #[serde(default)]
    pub amount: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    /// The id of the voiding transfer, chosen by the client (idempotent).
    #[schema(value_type = String)]
    pub id: TransferId,
}

/// Posts a hold: the payer or a coordinator. A refusal (already voided,
/// expired, more than held…) is a 409 naming its reason.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/transfers/{id}/post", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = String, Path, description = "The hold's transfer id")),
    request_body = PostRequest,
    responses(
        (status = 200, body = TransferResult),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, pending)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<PostRequest>,
) -> Result<Json<TransferResult>, ApiError> {
    let pending = transfer_id(&pending, "transfer")?;
    let settlement = Settlement::Post {
        amount: request.amount,
    };
    let result = state
        .app
        .settle_hold(&person, &slug, pending, request.id, settlement)
        .await?;
    Ok(Json(settled(request.id, result)?))
}

/// Voids a hold, releasing it: the payer, the payee (declining) or a
/// coordinator.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/transfers/{id}/void", tag = "ledger",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = String, Path, description = "The hold's transfer id")),
    request_body = VoidRequest,
    responses(
        (status = 200, body = TransferResult),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn void(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, pending)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<VoidRequest>,
) -> Result<Json<TransferResult>, ApiError> {
    let pending = transfer_id(&pending, "transfer")?;
    let result = state
        .app
        .settle_hold(&person, &slug, pending, request.id, Settlement::Void)
        .await?;
    Ok(Json(settled(request.id, result)?))
}
