//! Signing up, logging in and out, and choosing a language.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::records::Person;
use coopkit_app::{AppError, DeviceSecret, LoginAttempt, SignUp};
use coopkit_domain::Locale;
use serde::Deserialize;

use super::{render, render_with, ClientAddr, FormErrors, PageResult};
use crate::cookies::{self, Cookie};
use crate::forms::CsrfForm;
use crate::viewer::{local_path, Viewer};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Next {
    next: String,
    /// What just happened, for the page to say: `reset`, a new password.
    done: String,
}

impl Next {
    fn target(&self) -> &str {
        local_path(&self.next).unwrap_or("/")
    }
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage<'a> {
    v: &'a Viewer,
    next: &'a str,
    display_name: &'a str,
    email: &'a str,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    v: &'a Viewer,
    next: &'a str,
    email: &'a str,
    errors: FormErrors,
    general_error: Option<String>,
    /// What the page says first (a password just reset, an account
    /// just deleted), a message key; empty: nothing.
    notice: &'static str,
}

pub async fn signup_form(v: Viewer, Query(next): Query<Next>) -> PageResult {
    render(&SignUpPage {
        v: &v,
        next: next.target(),
        display_name: "",
        email: "",
        errors: FormErrors::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignUpForm {
    display_name: String,
    email: String,
    password: String,
    next: String,
}

pub async fn signup(
    State(state): State<AppState>,
    v: Viewer,
    CsrfForm(form): CsrfForm<SignUpForm>,
) -> PageResult {
    let next = Next {
        next: form.next,
        ..Next::default()
    };
    let signed_up = state
        .app
        .sign_up(SignUp {
            email: form.email.clone(),
            display_name: form.display_name.clone(),
            password: form.password,
            locale: v.tr.locale,
        })
        .await;
    match signed_up {
        Ok(person) => logged_in(&state, &person, None, next.target()).await,
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            render_with(
                status,
                &SignUpPage {
                    v: &v,
                    next: next.target(),
                    display_name: &form.display_name,
                    email: &form.email,
                    errors,
                },
            )
        }
    }
}

pub async fn login_form(v: Viewer, Query(next): Query<Next>) -> PageResult {
    render(&LoginPage {
        v: &v,
        next: next.target(),
        email: "",
        errors: FormErrors::default(),
        general_error: None,
        notice: match next.done.as_str() {
            "reset" => "reset-done",
            "deleted" => "account-deleted",
            _ => "",
        },
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    v: Viewer,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> PageResult {
    let next = Next {
        next: form.next,
        ..Next::default()
    };
    let attempt = LoginAttempt {
        email: form.email.clone(),
        password: form.password,
        client,
        device: Cookie::Device
            .read(&headers, state.cookies)
            .filter(|secret| secret.len() == 64),
    };
    let (status, errors, general_error) = match state.app.log_in(attempt).await {
        Ok(done) => {
            return logged_in(&state, &done.person, Some(&done.device), next.target()).await
        }
        Err(error @ AppError::RateLimited { .. }) => {
            let failure = crate::error::WebError::App(error).failure();
            (
                failure.status,
                FormErrors::default(),
                Some(failure.message(&v.tr)),
            )
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            (status, errors, None)
        }
    };
    render_with(
        status,
        &LoginPage {
            v: &v,
            next: next.target(),
            email: &form.email,
            errors,
            general_error,
            notice: "",
        },
    )
}

/// Starts a session and goes on to `next`. The CSRF token is renewed at
/// the same time, so a token planted before login is worthless after it;
/// after a password, the browser gets its device cookie for a year.
async fn logged_in(
    state: &AppState,
    person: &Person,
    device: Option<&DeviceSecret>,
    next: &str,
) -> PageResult {
    let session = state.app.start_session(person).await?;
    let policy = state.cookies;
    let mut response = Redirect::to(next).into_response();
    cookies::append(
        response.headers_mut(),
        [
            Cookie::Session.set(&session.0, Some(state.session_ttl_s), policy),
            Cookie::Csrf.set(&coopkit_app::new_secret(), None, policy),
        ],
    );
    if let Some(device) = device {
        let year_s = coopkit_app::DEVICE_TTL_MS / 1000;
        let cookie = Cookie::Device.set(&device.0, Some(year_s), policy);
        cookies::append(response.headers_mut(), [cookie]);
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> PageResult {
    let policy = state.cookies;
    if let Some(secret) = Cookie::Session.read(&headers, policy) {
        state.app.end_session(&secret).await?;
    }
    let mut response = Redirect::to("/").into_response();
    cookies::append(response.headers_mut(), [Cookie::Session.clear(policy)]);
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LanguageForm {
    lang: String,
    back: String,
}

pub async fn switch_language(
    State(state): State<AppState>,
    v: Viewer,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> PageResult {
    let locale = Locale::parse(&form.lang).map_err(|code| AppError::invalid("lang", code))?;
    if let Some(person) = &v.person {
        state.app.set_locale(person, locale).await?;
    }
    let back = local_path(&form.back).unwrap_or("/");
    let mut response = Redirect::to(back).into_response();
    const YEAR_S: i64 = 365 * 24 * 60 * 60;
    cookies::append(
        response.headers_mut(),
        [Cookie::Lang.set(locale.code(), Some(YEAR_S), state.cookies)],
    );
    Ok(response)
}
