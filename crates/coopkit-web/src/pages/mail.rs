//! The pages of email: a person's choices of what they are sent, the
//! links messages carry (confirming an address, stopping a kind of
//! message), and a co-op's outbox for its coordinators.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::mail::{OutboxListing, Unsubscribed};
use coopkit_app::AppError;
use coopkit_domain::{Delivery, MailState, NoticeKind};
use serde::Deserialize;

use super::{render, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

/// The settings page's label of a kind.
pub(crate) fn kind_label(kind: NoticeKind) -> String {
    format!("mail-{}-label", kind.as_str())
}

fn delivery_label(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::AtOnce => "notifications-at_once",
        Delivery::DailyDigest => "notifications-daily_digest",
        Delivery::Never => "notifications-never",
    }
}

struct Choice {
    kind: &'static str,
    label: String,
    chosen: &'static str,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage<'a> {
    v: &'a Viewer,
    choices: Vec<Choice>,
    /// Each choice: its value and its label's key.
    deliveries: [(&'static str, &'static str); 3],
    email: String,
    verified: bool,
    mail_on: bool,
    notice: &'static str,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Query(done): Query<Done>,
) -> PageResult {
    let person = v.person()?;
    let choices = state
        .app
        .notice_preferences(person)
        .await?
        .into_iter()
        .map(|(kind, delivery)| Choice {
            kind: kind.as_str(),
            label: kind_label(kind),
            chosen: delivery.as_str(),
        })
        .collect();
    let notice = match done.done.as_str() {
        "saved" => "notifications-saved",
        "resent" => "notifications-resent",
        "wait" => "notifications-resend-wait",
        _ => "",
    };
    render(&NotificationsPage {
        v: &v,
        choices,
        deliveries: Delivery::ALL.map(|d| (d.as_str(), delivery_label(d))),
        email: person.email.as_str().to_owned(),
        verified: person.email_verified_at.is_some(),
        mail_on: state.mail_on,
        notice,
    })
}

/// Saves each kind's choice the form sends; a kind or a choice it does not
/// know is refused whole, before anything is saved.
pub async fn save(
    State(state): State<AppState>,
    v: Viewer,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let person = v.person()?;
    let mut chosen = Vec::new();
    for (name, value) in &form {
        let Some(kind) = name.strip_prefix("kind-") else {
            continue;
        };
        let kind = NoticeKind::parse(kind).ok_or(AppError::invalid(name, "notice-kind-unknown"))?;
        let delivery =
            Delivery::parse(value).ok_or(AppError::invalid(name, "notice-delivery-unknown"))?;
        chosen.push((kind, delivery));
    }
    for (kind, delivery) in chosen {
        state
            .app
            .set_notice_preference(person, kind, delivery)
            .await?;
    }
    Ok(Redirect::to("/account/notifications?done=saved").into_response())
}

pub async fn resend_verification(
    State(state): State<AppState>,
    v: Viewer,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let queued = state.app.resend_verification(v.person()?).await?;
    let done = if queued { "resent" } else { "wait" };
    Ok(Redirect::to(&format!("/account/notifications?done={done}")).into_response())
}

/// The page a message's link opens: what happened, and where to go on.
#[derive(Template)]
#[template(path = "mail_link.html")]
pub(super) struct LinkPage<'a> {
    pub(super) v: &'a Viewer,
    pub(super) title: String,
    pub(super) lines: Vec<String>,
    /// A form to confirm with (an unsubscribe link's page): its action.
    pub(super) confirm: Option<String>,
    /// Where to go on, and its words: the mail settings, or, for a reset
    /// link that no longer works, the page that sends a new one.
    pub(super) onward: (&'static str, String),
}

/// Where a message's page leads on by default: the mail settings.
pub(super) fn to_settings(v: &Viewer) -> (&'static str, String) {
    ("/account/notifications", v.tr.t("mail-settings"))
}

/// Confirms the address a verification message went to. A GET, as mail
/// clients open links: the token is used up, so opening it again says the
/// link no longer works.
pub async fn verify(
    State(state): State<AppState>,
    v: Viewer,
    Path(token): Path<String>,
) -> PageResult {
    let page = match state.app.verify_email(&token).await {
        Ok(_) => LinkPage {
            title: v.tr.t("verify-title"),
            lines: vec![v.tr.t("verify-done")],
            confirm: None,
            onward: to_settings(&v),
            v: &v,
        },
        Err(AppError::NotFound(_)) => LinkPage {
            title: v.tr.t("verify-failed-title"),
            lines: vec![v.tr.t("verify-failed")],
            confirm: None,
            onward: to_settings(&v),
            v: &v,
        },
        Err(error) => return Err(error.into()),
    };
    render(&page)
}

/// Asks before stopping: a link scanner that fetches every link in a
/// message must not unsubscribe anyone.
pub async fn unsubscribe_form(v: Viewer, Path(token): Path<String>) -> PageResult {
    render(&LinkPage {
        title: v.tr.t("unsubscribe-title"),
        lines: vec![v.tr.t("unsubscribe-confirm")],
        confirm: Some(format!("/unsubscribe/{token}")),
        onward: to_settings(&v),
        v: &v,
    })
}

/// Stops what the link names. No CSRF token: the link's own token is the
/// proof, and a mail client's one-click POST (RFC 8058) has no page.
pub async fn unsubscribe(
    State(state): State<AppState>,
    v: Viewer,
    Path(token): Path<String>,
) -> PageResult {
    let lines = match state.app.unsubscribe(&token).await {
        Ok(Unsubscribed {
            kind: Some(kind), ..
        }) => vec![
            v.tr.t_str("unsubscribe-done", "label", &v.tr.t(&kind_label(kind))),
            v.tr.t("unsubscribe-change"),
        ],
        Ok(Unsubscribed { kind: None, .. }) => vec![
            v.tr.t("unsubscribe-done-digest"),
            v.tr.t("unsubscribe-change"),
        ],
        Err(AppError::NotFound(_)) => vec![v.tr.t("unsubscribe-failed")],
        Err(error) => return Err(error.into()),
    };
    render(&LinkPage {
        title: v.tr.t("unsubscribe-title"),
        lines,
        confirm: None,
        onward: to_settings(&v),
        v: &v,
    })
}

struct OutboxRow {
    recipient: Option<String>,
    kind_label: String,
    state_key: String,
    failing: bool,
    digest: bool,
    attempts: i64,
    when: coopkit_domain::Timestamp,
    answer: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage<'a> {
    v: &'a Viewer,
    slug: String,
    coop_name: String,
    rows: Vec<OutboxRow>,
    mail_on: bool,
}

pub async fn outbox(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let outbox = state.app.outbox(v.person()?, &slug).await?;
    let rows = outbox
        .messages
        .into_iter()
        .map(|m: OutboxListing| OutboxRow {
            recipient: m.recipient,
            kind_label: kind_label(m.kind),
            state_key: format!("mail-state-{}", m.status.state.as_str()),
            failing: matches!(m.status.state, MailState::Failing | MailState::Failed),
            digest: m.digest,
            attempts: i64::from(m.status.attempts),
            when: m.sent_at.unwrap_or(m.status.due_at),
            answer: m.status.answer.unwrap_or_default(),
        })
        .collect();
    render(&OutboxPage {
        v: &v,
        slug,
        coop_name: outbox.coop_name,
        rows,
        mail_on: state.mail_on,
    })
}
