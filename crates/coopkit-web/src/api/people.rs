//! Accounts: signing up, tokens, and who am I.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::{LoginAttempt, SignUp};
use coopkit_domain::Locale;

use super::dto::{MeDto, PersonDto, SignUpRequest, TokenDto, TokenRequest};
use super::extract::{ApiCaller, ApiJson};
use crate::error::{ApiError, Problem};
use crate::pages::ClientAddr;
use crate::AppState;

/// The caller and their memberships.
#[utoipa::path(get, path = "/api/v1/me", tag = "people",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MeDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<MeDto>, ApiError> {
    let memberships = state.app.my_memberships(&person).await?;
    Ok(Json(MeDto {
        person: person.into(),
        memberships: memberships.into_iter().map(Into::into).collect(),
    }))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/v1/people", tag = "people",
    request_body = SignUpRequest,
    responses(
        (status = 201, body = PersonDto),
        (status = 409, description = "The email address is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<PersonDto>), ApiError> {
    let locale = match request.locale.as_deref() {
        None => Locale::En,
        Some(code) => {
            Locale::parse(code).map_err(|code| coopkit_app::AppError::invalid("locale", code))?
        }
    };
    let person = state
        .app
        .sign_up(SignUp {
            email: request.email,
            display_name: request.display_name,
            password: request.password,
            locale,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(person.into())))
}

/// Exchanges an email address and password for an API token. Failed
/// attempts count towards the same limit as the login page's.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "people",
    request_body = TokenRequest,
    responses(
        (status = 201, body = TokenDto),
        (status = 422, description = "Wrong email address or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<TokenDto>), ApiError> {
    let person = state
        .app
        .log_in(LoginAttempt {
            email: request.email,
            password: request.password,
            client,
            // Programs hold tokens, not device cookies.
            device: None,
        })
        .await?
        .person;
    let token = state.app.create_api_token(&person, &request.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenDto {
            id: token.id.0,
            name: token.name,
            token: token.secret,
        }),
    ))
}
