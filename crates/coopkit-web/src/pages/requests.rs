//! Payment requests as pages: a member asks to be paid, the request shows
//! as a QR code (a shop's till, a sitter's phone), and whoever scans it
//! lands on the same page, with a button to pay.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::ledger::{PaymentRequestForm, PaymentRequestView};
use coopkit_app::records::Currency;
use coopkit_app::AppError;
use coopkit_ledger::Applied;
use qrcode::render::svg;
use qrcode::QrCode;
use serde::Deserialize;

use super::{form_currency, render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::params::transfer_id;
use crate::public_base;
use crate::viewer::Viewer;
use crate::AppState;

/// A request as a row or a page shows it.
struct RequestRow {
    path: String,
    amount: String,
    currency: String,
    memo: String,
    payee: String,
    paid: bool,
}

impl RequestRow {
    fn new(slug: &str, view: &PaymentRequestView, tr: &crate::Tr) -> Self {
        RequestRow {
            path: format!("/c/{slug}/requests/{}", view.request.id),
            amount: tr.amount(view.request.amount, view.currency.scale),
            currency: view.currency.name.clone(),
            memo: view.request.memo.clone(),
            payee: view.payee_name.clone(),
            paid: view.paid_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage<'a> {
    v: &'a Viewer,
    slug: String,
    currencies: Vec<Currency>,
    mine: Vec<RequestRow>,
    errors: FormErrors,
    amount: String,
    memo: String,
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage<'a> {
    v: &'a Viewer,
    slug: String,
    request: RequestRow,
    /// The request's address as an inline SVG QR code, for its payee.
    qr_svg: Option<String>,
    link: String,
    error: Option<String>,
}

/// The form to ask for a payment, and the caller's recent requests.
pub async fn index(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let page = requests_page(&state, &v, slug, FormErrors::default(), "", "").await?;
    render_with(StatusCode::OK, &page)
}

async fn requests_page<'a>(
    state: &AppState,
    v: &'a Viewer,
    slug: String,
    errors: FormErrors,
    amount: &str,
    memo: &str,
) -> Result<RequestsPage<'a>, crate::error::PageError> {
    let person = v.person()?;
    let mine = state.app.my_payment_requests(person, &slug).await?;
    Ok(RequestsPage {
        v,
        currencies: state.app.currencies(&slug).await?,
        mine: mine
            .iter()
            .map(|r| RequestRow::new(&slug, r, &v.tr))
            .collect(),
        slug,
        errors,
        amount: amount.to_owned(),
        memo: memo.to_owned(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewRequestForm {
    currency: String,
    amount: String,
    memo: String,
}

pub async fn create(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<NewRequestForm>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let currency = form_currency(&state, &slug, &form.currency).await?;
        let amount =
            v.tr.parse_amount(&form.amount, currency.scale)
                .map_err(|code| AppError::invalid("amount", code))?;
        let request = PaymentRequestForm {
            currency: form.currency.clone(),
            amount,
            memo: form.memo.clone(),
        };
        state.app.request_payment(person, &slug, request).await
    }
    .await;
    match outcome {
        Ok(request) => {
            Ok(Redirect::to(&format!("/c/{slug}/requests/{}", request.id)).into_response())
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let page = requests_page(&state, &v, slug, errors, &form.amount, &form.memo).await?;
            render_with(status, &page)
        }
    }
}

/// One request: its QR code for the payee, a pay button for anyone else.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    request_page(&state, &v, &headers, slug, &id, None, StatusCode::OK).await
}

async fn request_page(
    state: &AppState,
    v: &Viewer,
    headers: &HeaderMap,
    slug: String,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let person = v.person()?;
    let id = transfer_id(id, "payment request")?;
    let view = state.app.payment_request(person, &slug, id).await?;
    let request = RequestRow::new(&slug, &view, &v.tr);
    let link = format!("{}{}", public_base(state, headers), request.path);
    let qr_svg = (view.request.payee == person.id && !request.paid).then(|| qr_svg(&link));
    let page = RequestPage {
        v,
        slug,
        request,
        qr_svg: qr_svg.flatten(),
        link,
        error,
    };
    render_with(status, &page)
}

pub async fn pay(
    State(state): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let person = v.person()?;
    let request = transfer_id(&id, "payment request")?;
    let refusal = match state.app.pay_request(person, &slug, request).await {
        Ok(Ok(Applied::New | Applied::Replayed)) => {
            return Ok(Redirect::to(&format!("/c/{slug}/requests/{id}")).into_response())
        }
        Ok(Err(refusal)) => refusal.code(),
        Err(AppError::Conflict { code, .. }) => code,
        Err(other) => return Err(other.into()),
    };
    let error = Some(v.tr.error(refusal));
    request_page(&state, &v, &headers, slug, &id, error, StatusCode::CONFLICT).await
}

/// The link as an SVG QR code, ready to inline; `None` if it is too long
/// to encode, which a request's address never is.
fn qr_svg(link: &str) -> Option<String> {
    let code = QrCode::new(link.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    // Inline in HTML: drop the XML declaration before the <svg> element.
    image.find("<svg").map(|start| image[start..].to_owned())
}
