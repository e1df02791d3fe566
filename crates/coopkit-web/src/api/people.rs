//! Accounts: signing up, tokens, who am I, and a forgotten password.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coopkit_app::{AppError, LoginAttempt, SignUp};
use coopkit_domain::Locale;

use super::dto::{
    MeDto, NewPasswordRequest, PasswordResetRequest, PersonDto, SignUpRequest, TokenDto,
    TokenRequest,
};
use super::extract::{ApiCaller, ApiJson, ApiPath};
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
        (status = 401, description = "Wrong email address or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field missing or of the wrong type", body = Problem, content_type = "application/problem+json"),
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
        .await
        .map_err(|error| match error {
            // The page shows it beside the password; a program is told
            // plainly that it is not signed in.
            AppError::Invalid(invalid) if invalid.0.iter().any(|e| e.code == "login-failed") => {
                AppError::Unauthenticated
            }
            error => error,
        })?
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

/// Asks for a link to set a new password, mailed to the address if it
/// has an account. The answer is the same whether it has or not.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "people",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address has an account, a link is on its way to it"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests for the address or from this client", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(request): ApiJson<PasswordResetRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .request_password_reset(&request.email, &client)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password with the token of a reset link, once. Every
/// browser logged in to the account is logged out; its API tokens stay
/// (the account page lists them, to revoke).
#[utoipa::path(post, path = "/api/v1/password-resets/{token}", tag = "people",
    params(("token" = String, Path, description = "The token at the end of the link")),
    request_body = NewPasswordRequest,
    responses(
        (status = 204, description = "The password is set"),
        (status = 404, description = "The link is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reset_password(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(request): ApiJson<NewPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    state.app.reset_password(&token, &request.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
