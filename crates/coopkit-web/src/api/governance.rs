//! Votes over HTTP: a co-op's proposals, casting a ballot for a receipt,
//! and checking a receipt once the vote has closed, as the pages offer
//! them (`pages/proposals`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::governance::VoteForm;
use coopkit_domain::ProposalId;
use coopkit_governance::Proposal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::instant;
use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::error::{ApiError, Problem};
use crate::AppState;

/// A proposal put to the members.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDto {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// `motion`, `bylaw`, `budget`, `election` or `allocation`.
    pub kind: String,
    /// How it is decided: `majority`, `supermajority` or `consent`, or an
    /// election's `plurality`, `approval`, `irv`, `scottish-stv` or
    /// `meek-stv`.
    pub method: String,
    /// An election's candidates, in the order a ranking names them (from
    /// 0); empty for a motion.
    pub options: Vec<String>,
    pub seats: u32,
    /// `scheduled`, `open` or `closed`.
    pub state: String,
    pub opens_at: String,
    pub closes_at: String,
    /// Once closed, the count (a motion's tallies by class, an election's
    /// rounds), as the pages' published result.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
}

/// One proposal with where the caller stands on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDetailDto {
    #[serde(flatten)]
    pub proposal: ProposalDto,
    /// On the roll, once voting opened.
    pub eligible: usize,
    /// Ballots in.
    pub voted: usize,
    /// Whether the caller may cast (or change) a ballot now.
    pub can_vote: bool,
    /// Whether the caller has a ballot in, while the vote is open.
    pub voted_before: bool,
}

/// A ballot: a motion's `choice` (`yes`, `no`, `abstain`; under consent
/// also `block`, with a reason), or an election's `ranking` of options.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotDto {
    #[serde(default)]
    pub choice: String,
    #[serde(default)]
    pub ranking: Vec<usize>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// The code that shows, once the vote has closed, how the ballot was
/// counted. Shown once: the server keeps only its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptDto {
    pub receipt: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCheckDto {
    pub receipt: String,
}

/// What a receipt's ballot said, as counted; `null` when no ballot has it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountedDto {
    pub counted: Option<String>,
}

impl From<Proposal> for ProposalDto {
    fn from(p: Proposal) -> Self {
        ProposalDto {
            id: p.id.0,
            title: p.proposal.title,
            body: p.proposal.body,
            kind: p.proposal.kind.as_str().to_owned(),
            method: p.proposal.method,
            options: p.proposal.options,
            seats: p.proposal.seats,
            state: p.state.as_str().to_owned(),
            opens_at: instant(p.proposal.opens_at),
            closes_at: instant(p.proposal.closes_at),
            result: p.result.and_then(|json| serde_json::from_str(&json).ok()),
        }
    }
}

/// The co-op's proposals, newest first: members only.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/proposals", tag = "governance",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = [ProposalDto]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_proposals(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<ProposalDto>>, ApiError> {
    let proposals = state.app.proposals(&person, &slug).await?;
    Ok(Json(proposals.into_iter().map(Into::into).collect()))
}

/// One proposal, with the count once it has closed.
#[utoipa::path(get, path = "/api/v1/coops/{slug}/proposals/{id}", tag = "governance",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, body = ProposalDetailDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_proposal(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<ProposalDetailDto>, ApiError> {
    let view = state.app.proposal(&person, &slug, ProposalId(id)).await?;
    Ok(Json(ProposalDetailDto {
        eligible: view.eligible,
        voted: view.voted,
        can_vote: view.can_vote,
        voted_before: view.voted_before,
        proposal: view.proposal.into(),
    }))
}

/// Casts the caller's ballot, replacing any earlier one (whose receipt
/// then matches nothing); the answer holds the new receipt.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/proposals/{id}/ballot", tag = "governance",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    request_body = BallotDto,
    responses(
        (status = 201, body = ReceiptDto),
        (status = 403, description = "Not on the vote's roll", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The vote is not open", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cast_ballot(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(ballot): ApiJson<BallotDto>,
) -> Result<(StatusCode, Json<ReceiptDto>), ApiError> {
    let form = VoteForm {
        choice: ballot.choice,
        ranking: ballot.ranking,
        reason: ballot.reason,
    };
    let receipt = state.app.vote(&person, &slug, ProposalId(id), form).await?;
    Ok((StatusCode::CREATED, Json(ReceiptDto { receipt: receipt.0 })))
}

/// What the ballot with this receipt said, as counted: members only.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/proposals/{id}/receipt", tag = "governance",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    request_body = ReceiptCheckDto,
    responses(
        (status = 200, body = CountedDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The vote has not closed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn check_receipt(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(check): ApiJson<ReceiptCheckDto>,
) -> Result<Json<CountedDto>, ApiError> {
    let counted = state
        .app
        .check_receipt(&person, &slug, ProposalId(id), &check.receipt)
        .await?;
    Ok(Json(CountedDto { counted }))
}
