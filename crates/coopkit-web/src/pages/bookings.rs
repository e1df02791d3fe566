//! Bookings as pages: booking a provider, the member's bookings, and one
//! booking with the steps its viewer may take and its feedback.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::market::{BookForm, BookingView, FeedbackForm};
use coopkit_app::AppError;
use coopkit_ledger::Currency;
use coopkit_market::{Action, BookingId, BookingState, Party, Payment};
use serde::Deserialize;

use super::market::{provider_view, window_of};
use super::{render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::params::person_id;
use crate::viewer::Viewer;
use crate::AppState;

/// A booking as a row or a page shows it.
struct BookingRow {
    path: String,
    id: i64,
    requester: String,
    provider: String,
    when: String,
    price: String,
    state: String,
    state_key: &'static str,
    notes: String,
    cash: bool,
    /// (action path segment, label) of each step the viewer may take now.
    actions: Vec<(&'static str, String)>,
    /// The viewer may leave feedback.
    may_review: bool,
    /// The viewer (the provider) may answer the feedback.
    may_answer: bool,
    /// For the requester of a completed booking: the provider's page.
    book_again: Option<String>,
    feedback: Option<coopkit_app::records::Feedback>,
}

/// The translation key of an action's button.
fn action_label(action: Action) -> &'static str {
    match action {
        Action::Accept => "booking-accept",
        Action::Decline => "booking-decline",
        Action::Cancel => "booking-cancel",
        Action::MarkDone => "booking-done",
        Action::Dispute => "booking-dispute",
        Action::Resolve { pay: true } => "booking-resolve-pay",
        Action::Resolve { pay: false } => "booking-resolve-refund",
        Action::AutoComplete => "booking-state-settled",
    }
}

/// A booking as its row shows it; `currencies` are the co-op's, read
/// once for the whole page.
fn row(
    state: &AppState,
    slug: &str,
    view: BookingView,
    currencies: &[Currency],
    tr: &crate::Tr,
) -> BookingRow {
    let b = &view.booking;
    let scale = currencies
        .iter()
        .find(|c| c.code == b.currency)
        .map_or((0, b.currency.to_string()), |c| {
            (u32::from(c.scale), c.name.clone())
        });
    let s = b.facts.state;
    // The steps the rule would accept from this viewer now, and no others.
    let actions = coopkit_market::booking::allowed(b.facts, view.party, state.app.now());
    BookingRow {
        path: format!("/c/{slug}/market/bookings/{}", b.id),
        id: b.id.0,
        requester: view.requester_name.clone(),
        provider: view.provider_name.clone(),
        when: tr.span(&b.facts.window.start, &b.facts.window.end),
        price: format!("{} {}", tr.amount(b.amount, scale.0), scale.1),
        state: tr.t(&format!("booking-state-{}", s.as_str())),
        state_key: s.as_str(),
        notes: b.notes.clone(),
        cash: b.facts.payment == Payment::Cash,
        actions: actions
            .into_iter()
            .map(|action| (action.as_str(), tr.t(action_label(action))))
            .collect(),
        may_review: view.party == Party::Requester
            && s == BookingState::Settled
            && view.feedback.is_none(),
        book_again: (view.party == Party::Requester && s == BookingState::Settled)
            .then(|| format!("/c/{slug}/market/providers/{}#book", b.provider)),
        may_answer: view.party == Party::Provider
            && view.feedback.as_ref().is_some_and(|f| f.answer.is_empty()),
        feedback: view.feedback,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookFields {
    provider: String,
    category: String,
    from: String,
    to: String,
    payment: String,
    notes: String,
    /// `none`, `weekly` or `fortnightly`.
    repeat: String,
    times: String,
}

pub async fn book(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<BookFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let provider = person_id(&form.provider, "provider")?;
        let window = window_of(&v.tr.zones, &form.from, &form.to)?;
        let payment = Payment::parse(&form.payment).unwrap_or(Payment::Ledger);
        let booking = BookForm {
            provider,
            category: form.category.clone(),
            window,
            payment,
            notes: form.notes.clone(),
        };
        let every_weeks = match form.repeat.as_str() {
            "weekly" => 1,
            "fortnightly" => 2,
            _ => {
                return state
                    .app
                    .book(person, &slug, booking)
                    .await
                    .map(|b| vec![b])
            }
        };
        let times = form
            .times
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("times", "times-range"))?;
        state
            .app
            .book_series(person, &slug, booking, every_weeks, times)
            .await
    }
    .await;
    match outcome {
        Ok(bookings) if bookings.len() == 1 => Ok(Redirect::to(&format!(
            "/c/{slug}/market/bookings/{}",
            bookings[0].id
        ))
        .into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/market/bookings")).into_response()),
        Err(error) => {
            let (status, errors) = match error {
                // A refusal of the booking as a whole shows by the button.
                AppError::Conflict { code, .. } => (
                    StatusCode::CONFLICT,
                    FormErrors::from_error(AppError::invalid("booking", code), &v.tr)?.1,
                ),
                other => FormErrors::from_error(other, &v.tr)?,
            };
            let view = provider_view(
                &state,
                &v,
                slug,
                &form.provider,
                errors,
                &form.from,
                &form.to,
            )
            .await?;
            render_with(status, &view)
        }
    }
}

#[derive(Template)]
#[template(path = "bookings.html")]
struct BookingsPage<'a> {
    v: &'a Viewer,
    slug: String,
    rows: Vec<BookingRow>,
    offers: Vec<super::dispatch::OfferRow>,
}

pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let person = v.person()?;
    let views = state.app.my_bookings(person, &slug).await?;
    let currencies = state.app.currencies(&slug).await?;
    let rows: Vec<BookingRow> = views
        .into_iter()
        .map(|view| row(&state, &slug, view, &currencies, &v.tr))
        .collect();
    let offers = super::dispatch::offer_rows(state.app.my_offers(person, &slug).await?, &v.tr);
    render_with(
        StatusCode::OK,
        &BookingsPage {
            v: &v,
            slug,
            rows,
            offers,
        },
    )
}

/// A message in a booking's thread, as its page shows it.
struct MessageRow {
    author: String,
    /// Written by the viewer.
    mine: bool,
    body: String,
    when: String,
}

/// The thread, for those who read it.
struct ThreadRows {
    messages: Vec<MessageRow>,
    may_write: bool,
}

#[derive(Template)]
#[template(path = "booking.html")]
struct BookingPage<'a> {
    v: &'a Viewer,
    slug: String,
    b: BookingRow,
    thread: Option<ThreadRows>,
    error: Option<String>,
    errors: FormErrors,
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    booking_page(
        &state,
        &v,
        slug,
        &id,
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn booking_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    id: &str,
    error: Option<String>,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let person = v.person()?;
    let id = booking_id(id)?;
    let view = state.app.booking(person, &slug, id).await?;
    let currencies = state.app.currencies(&slug).await?;
    let b = row(state, &slug, view, &currencies, &v.tr);
    // A coordinator reads the thread only while the booking is disputed.
    let thread = match state.app.booking_thread(person, &slug, id).await {
        Ok(thread) => Some(ThreadRows {
            messages: thread
                .messages
                .into_iter()
                .map(|m| MessageRow {
                    mine: m.author == person.id,
                    author: m.author_name,
                    body: m.body,
                    when: v.tr.date_time(&m.written_at),
                })
                .collect(),
            may_write: thread.may_write,
        }),
        Err(AppError::Forbidden(_)) => None,
        Err(other) => return Err(other.into()),
    };
    render_with(
        status,
        &BookingPage {
            v,
            slug,
            b,
            thread,
            error,
            errors,
        },
    )
}

fn booking_id(segment: &str) -> Result<BookingId, AppError> {
    segment
        .parse()
        .map(BookingId)
        .map_err(|_| AppError::NotFound("booking"))
}

/// One step on a booking: `/c/{slug}/market/bookings/{id}/{step}`.
pub async fn act(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id, step)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<super::session::Empty>,
) -> PageResult {
    let person = v.person()?;
    // The clock's own step is not a person's to take.
    let action = Action::parse(&step)
        .filter(|a| *a != Action::AutoComplete)
        .ok_or(AppError::NotFound("page"))?;
    let booking = booking_id(&id)?;
    match state
        .app
        .act_on_booking(person, &slug, booking, action)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/market/bookings/{id}")).into_response()),
        Err(AppError::Conflict { code, .. }) => {
            let error = Some(v.tr.error(code));
            booking_page(
                &state,
                &v,
                slug,
                &id,
                error,
                FormErrors::default(),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FeedbackFields {
    went_well: String,
    could_be_better: String,
    again: String,
}

pub async fn feedback(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<FeedbackFields>,
) -> PageResult {
    let person = v.person()?;
    let booking = booking_id(&id)?;
    let review = FeedbackForm {
        went_well: form.went_well,
        could_be_better: form.could_be_better,
        would_book_again: form.again == "yes",
    };
    match state
        .app
        .leave_feedback(person, &slug, booking, review)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/market/bookings/{id}")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            booking_page(&state, &v, slug, &id, None, errors, status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MessageFields {
    body: String,
}

/// A message in the booking's thread, to the other side.
pub async fn write(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<MessageFields>,
) -> PageResult {
    let person = v.person()?;
    let booking = booking_id(&id)?;
    match state
        .app
        .write_on_booking(person, &slug, booking, &form.body)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/c/{slug}/market/bookings/{id}#messages")).into_response())
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            booking_page(&state, &v, slug, &id, None, errors, status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerFields {
    answer: String,
}

pub async fn answer(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<AnswerFields>,
) -> PageResult {
    let person = v.person()?;
    let booking = booking_id(&id)?;
    match state
        .app
        .answer_feedback(person, &slug, booking, &form.answer)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/market/bookings/{id}")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            booking_page(&state, &v, slug, &id, None, errors, status).await
        }
    }
}
