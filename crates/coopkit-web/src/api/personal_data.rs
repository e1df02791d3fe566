//! A person's own data as one JSON document, for the API and for the
//! download on their account page alike.

use axum::extract::State;
use axum::Json;
use coopkit_app::PersonalData;
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::{instant, MembershipDto, PersonDto};
use super::extract::ApiCaller;
use super::ledger::StatementLineDto;
use crate::error::{ApiError, Problem};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileDto {
    #[serde(flatten)]
    pub person: PersonDto,
    /// An address asked for and not yet proved.
    pub email_pending: Option<String>,
    /// RFC 3339, in UTC; absent: not yet proved.
    pub email_verified_at: Option<String>,
    /// Their own time zone; absent: each co-op's.
    pub time_zone: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeChoiceDto {
    /// The kind of message: `booking_requested`…
    pub kind: String,
    /// `at_once`, `daily_digest` or `never`.
    pub delivery: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    pub created_at: String,
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenListingDto {
    pub name: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalAccountDto {
    pub coop: String,
    pub currency: String,
    /// In the currency's minor units; posted transfers only.
    pub balance: i64,
    /// Newest first.
    pub statement: Vec<StatementLineDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalEventDto {
    pub seq: i64,
    /// The co-op's id.
    pub coop: i64,
    /// As in webhooks: `booking.requested`…
    pub kind: String,
    pub at: String,
    /// Ids and figures.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// Everything kept about the caller that is theirs to take away.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataDto {
    pub profile: ProfileDto,
    pub memberships: Vec<MembershipDto>,
    pub notifications: Vec<NoticeChoiceDto>,
    pub sessions: Vec<SessionDto>,
    pub api_tokens: Vec<TokenListingDto>,
    pub accounts: Vec<PersonalAccountDto>,
    /// What they did, in every co-op, oldest first.
    pub events: Vec<PersonalEventDto>,
    /// What they wrote in bookings' threads, oldest first.
    pub messages: Vec<WrittenMessageDto>,
}

/// A message they wrote to the other side of a booking.
#[derive(Debug, Serialize, ToSchema)]
pub struct WrittenMessageDto {
    pub booking: i64,
    pub body: String,
    pub written_at: String,
}

impl From<PersonalData> for PersonalDataDto {
    fn from(data: PersonalData) -> Self {
        let person = data.person;
        let profile = ProfileDto {
            email_pending: person.email_pending.as_ref().map(ToString::to_string),
            email_verified_at: person.email_verified_at.map(instant),
            time_zone: person.time_zone.as_ref().map(|z| z.name().to_owned()),
            created_at: instant(person.created_at),
            person: person.into(),
        };
        Self {
            profile,
            memberships: data.memberships.into_iter().map(Into::into).collect(),
            notifications: data
                .notices
                .into_iter()
                .map(|(kind, delivery)| NoticeChoiceDto {
                    kind: kind.as_str().to_owned(),
                    delivery: delivery.as_str().to_owned(),
                })
                .collect(),
            sessions: data
                .sessions
                .into_iter()
                .map(|s| SessionDto {
                    created_at: instant(s.created_at),
                    expires_at: instant(s.expires_at),
                })
                .collect(),
            api_tokens: data
                .api_tokens
                .into_iter()
                .map(|t| TokenListingDto {
                    name: t.name,
                    created_at: instant(t.created_at),
                })
                .collect(),
            accounts: data
                .accounts
                .into_iter()
                .map(|a| PersonalAccountDto {
                    coop: a.coop.to_string(),
                    currency: a.holding.currency.code.to_string(),
                    balance: i64::try_from(a.holding.view.balances.balance()).unwrap_or(i64::MAX),
                    statement: a.statement.into_iter().map(Into::into).collect(),
                })
                .collect(),
            messages: data
                .messages
                .into_iter()
                .map(|(booking, m)| WrittenMessageDto {
                    booking: booking.0,
                    body: m.body,
                    written_at: instant(m.written_at),
                })
                .collect(),
            events: data
                .events
                .into_iter()
                .map(|e| PersonalEventDto {
                    seq: e.seq.0,
                    coop: e.happened.coop.0,
                    kind: e.happened.event.kind().to_owned(),
                    at: instant(e.happened.at),
                    data: e.happened.event.data(),
                })
                .collect(),
        }
    }
}

/// The caller's own data, whole.
#[utoipa::path(get, path = "/api/v1/me/data", tag = "people",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PersonalDataDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn my_data(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<PersonalDataDto>, ApiError> {
    Ok(Json(state.app.personal_data(&person).await?.into()))
}
