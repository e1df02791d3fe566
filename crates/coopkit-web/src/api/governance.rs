//! Votes over HTTP: a co-op's proposals, casting a ballot for a receipt,
//! and checking a receipt once the vote has closed, as the pages offer
//! them (`pages/proposals`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::governance::{ProposalForm, VoteForm};
use coopkit_app::records::Person;
use coopkit_app::AppError;
use coopkit_domain::{ProposalId, Timestamp};
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
    /// The members' discussion, oldest first.
    pub comments: Vec<CommentDto>,
}

/// A member's word in a proposal's discussion.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentDto {
    pub author: String,
    pub body: String,
    pub written_at: String,
}

/// A proposal to put to the members.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposalDto {
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// `motion` or `bylaw` (any member); `budget` or `election`
    /// (coordinators).
    pub kind: String,
    /// A motion's `majority`, `supermajority` or `consent`; an election's
    /// `plurality`, `approval`, `irv`, `scottish-stv` or `meek-stv`.
    #[serde(default = "majority")]
    #[schema(default = "majority")]
    pub method: String,
    /// An election's candidates.
    #[serde(default)]
    pub options: Vec<String>,
    /// An election's seats.
    #[serde(default = "one")]
    #[schema(default = 1, minimum = 1)]
    pub seats: u32,
    /// Only this class votes, by key; every member when absent.
    #[serde(default)]
    pub class: Option<String>,
    /// The share of the roll that must vote, in per cent.
    #[serde(default)]
    #[schema(maximum = 100)]
    pub quorum_percent: u32,
    /// A supermajority's threshold, such as 2 of 3.
    #[serde(default)]
    pub threshold: Option<ThresholdDto>,
    /// When voting opens (RFC 3339 with an offset); now when absent.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub opens_at: Option<String>,
    /// When voting closes.
    #[schema(format = DateTime)]
    pub closes_at: String,
}

/// A supermajority's threshold: `numerator` of every `denominator` votes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdDto {
    pub numerator: u32,
    pub denominator: u32,
}

fn majority() -> String {
    "majority".to_owned()
}

fn one() -> u32 {
    1
}

/// A member's word in the discussion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommentDto {
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
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
    Ok(Json(detail(&state, &person, &slug, ProposalId(id)).await?))
}

/// A proposal with where `person` stands on it and its discussion.
async fn detail(
    state: &AppState,
    person: &Person,
    slug: &str,
    id: ProposalId,
) -> Result<ProposalDetailDto, ApiError> {
    let view = state.app.proposal(person, slug, id).await?;
    Ok(ProposalDetailDto {
        eligible: view.eligible,
        voted: view.voted,
        can_vote: view.can_vote,
        voted_before: view.voted_before,
        comments: view
            .comments
            .into_iter()
            .map(|c| CommentDto {
                author: c.author_name,
                body: c.body,
                written_at: instant(c.created_at),
            })
            .collect(),
        proposal: view.proposal.into(),
    })
}

/// Puts a proposal to the members: a motion or bylaw change by any member,
/// an election or a budget by a coordinator.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/proposals", tag = "governance",
    security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = NewProposalDto,
    responses(
        (status = 201, body = ProposalDetailDto),
        (status = 403, description = "An election or budget by a member who does not coordinate", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn propose(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(new): ApiJson<NewProposalDto>,
) -> Result<(StatusCode, Json<ProposalDetailDto>), ApiError> {
    let at = |field: &'static str, text: &str| {
        Timestamp::parse_rfc3339(text).map_err(|code| AppError::invalid(field, code))
    };
    let form = ProposalForm {
        title: new.title,
        body: new.body,
        kind: new.kind,
        method: new.method,
        options: new.options,
        seats: new.seats,
        class_key: new.class,
        quorum_percent: new.quorum_percent,
        threshold: new.threshold.map(|t| (t.numerator, t.denominator)),
        opens_at: match new.opens_at {
            Some(text) => at("opens_at", &text)?,
            None => state.app.now(),
        },
        closes_at: at("closes_at", &new.closes_at)?,
    };
    let id = state.app.create_proposal(&person, &slug, form).await?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&state, &person, &slug, id).await?),
    ))
}

/// Adds the caller's word to a proposal's discussion, while it is not
/// closed; the answer is the proposal after it.
#[utoipa::path(post, path = "/api/v1/coops/{slug}/proposals/{id}/comments", tag = "governance",
    security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    request_body = NewCommentDto,
    responses(
        (status = 201, body = ProposalDetailDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The vote has closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn comment(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(comment): ApiJson<NewCommentDto>,
) -> Result<(StatusCode, Json<ProposalDetailDto>), ApiError> {
    let id = ProposalId(id);
    state
        .app
        .comment_on_proposal(&person, &slug, id, &comment.body)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&state, &person, &slug, id).await?),
    ))
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
