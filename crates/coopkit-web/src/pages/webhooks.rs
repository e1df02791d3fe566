//! A co-op's webhooks, for its admins: the endpoints, their latest
//! deliveries with the receivers' answers, and a form to add one, whose
//! secret the page shows once.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::webhooks::{WebhookForm, WebhooksOverview};
use coopkit_domain::webhook::{deliverable, EndpointChange, EndpointState};
use coopkit_domain::{Event, Timestamp, WebhookId};

use super::{render, render_with, FormErrors, PageResult};
use crate::error::PageError;
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

struct DeliveryRow {
    kind: String,
    state_key: String,
    failing: bool,
    attempts: i64,
    when: Timestamp,
    answer: String,
}

/// The kinds of event about one thing (`booking`).
struct KindGroup {
    about: &'static str,
    kinds: Vec<KindChoice>,
}

struct KindChoice {
    kind: &'static str,
    /// What follows the dot: `accepted`.
    what: &'static str,
    chosen: bool,
}

struct EndpointCard {
    id: i64,
    url: String,
    kinds: String,
    paused: bool,
    deliveries: Vec<DeliveryRow>,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage<'a> {
    v: &'a Viewer,
    slug: String,
    coop_name: String,
    endpoints: Vec<EndpointCard>,
    /// Every kind that may be chosen, by what it is about.
    kinds: Vec<KindGroup>,
    url: String,
    errors: FormErrors,
    /// The new endpoint's secret, shown this once.
    secret: Option<String>,
}

fn cards(overview: WebhooksOverview) -> Vec<EndpointCard> {
    overview
        .endpoints
        .into_iter()
        .map(|(endpoint, deliveries)| EndpointCard {
            id: endpoint.id.0,
            url: endpoint.url.to_string(),
            kinds: endpoint.kinds.join(", "),
            paused: endpoint.state == EndpointState::Paused,
            deliveries: deliveries
                .into_iter()
                .map(|d| DeliveryRow {
                    kind: d.kind,
                    state_key: format!("webhooks-state-{}", d.status.state.as_str()),
                    failing: !matches!(
                        d.status.state,
                        coopkit_domain::webhook::DeliveryState::Delivered
                    ),
                    attempts: i64::from(d.status.attempts),
                    when: d.delivered_at.unwrap_or(d.status.due_at),
                    answer: d.status.answer.unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

async fn page<'a>(
    state: &AppState,
    v: &'a Viewer,
    slug: String,
    form: WebhookForm,
    errors: FormErrors,
    secret: Option<String>,
) -> Result<WebhooksPage<'a>, PageError> {
    let overview = state.app.webhooks_overview(v.person()?, &slug).await?;
    let mut kinds: Vec<KindGroup> = Vec::new();
    for kind in Event::KINDS.iter().copied().filter(|k| deliverable(k)) {
        let (about, what) = kind.split_once('.').unwrap_or((kind, kind));
        let chosen = form.kinds.iter().any(|k| k == kind);
        let choice = KindChoice { kind, what, chosen };
        match kinds.iter_mut().find(|group| group.about == about) {
            Some(group) => group.kinds.push(choice),
            None => kinds.push(KindGroup {
                about,
                kinds: vec![choice],
            }),
        }
    }
    Ok(WebhooksPage {
        v,
        slug,
        coop_name: overview.coop_name.clone(),
        endpoints: cards(overview),
        kinds,
        url: form.url,
        errors,
        secret,
    })
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let shown = page(
        &state,
        &v,
        slug,
        WebhookForm::default(),
        FormErrors::default(),
        None,
    )
    .await?;
    render(&shown)
}

pub async fn add(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let form = WebhookForm {
        url: pairs
            .iter()
            .find(|(name, _)| name == "url")
            .map(|(_, value)| value.clone())
            .unwrap_or_default(),
        kinds: pairs
            .iter()
            .filter(|(name, _)| name == "kind")
            .map(|(_, value)| value.clone())
            .collect(),
    };
    match state.app.add_webhook(v.person()?, &slug, &form).await {
        Ok(added) => {
            let empty = WebhookForm::default();
            let shown = page(
                &state,
                &v,
                slug,
                empty,
                FormErrors::default(),
                Some(added.secret),
            );
            render_with(StatusCode::CREATED, &shown.await?)
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let shown = page(&state, &v, slug, form, errors, None).await?;
            render_with(status, &shown)
        }
    }
}

/// Pauses, resumes or removes an endpoint, then back to the list.
pub async fn change(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id, action)): Path<(String, i64, String)>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let person = v.person()?;
    let id = WebhookId(id);
    match action.as_str() {
        "pause" => {
            state
                .app
                .change_webhook(person, &slug, id, EndpointChange::Pause)
                .await?;
        }
        "resume" => {
            state
                .app
                .change_webhook(person, &slug, id, EndpointChange::Resume)
                .await?;
        }
        "remove" => state.app.remove_webhook(person, &slug, id).await?,
        _ => return Err(coopkit_app::AppError::NotFound("action").into()),
    }
    Ok(Redirect::to(&format!("/c/{slug}/webhooks")).into_response())
}
