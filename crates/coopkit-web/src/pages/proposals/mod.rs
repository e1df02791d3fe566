//! Proposals and votes as pages: the list with the form to propose, and
//! each proposal's page with its text, discussion, ballot, receipt check
//! and, once closed, its result: turnout, quorum, classes, and for
//! elections every round as a table and a chart.

mod result;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use coopkit_app::governance::{
    BallotFile, ProposalForm, ProposalView, VoteForm, ELECTION_METHODS, MOTION_METHODS,
};
use coopkit_app::records::{Proposal, ProposalId};
use coopkit_app::AppError;
use coopkit_governance::decision::{ClassRules, ClassWeight};
use coopkit_governance::{ProposalKind, ProposalState};
use serde::Deserialize;

use self::result::{result_view, ResultView};
use super::{render_with, FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

struct ProposalRow {
    id: i64,
    title: String,
    kind: String,
    state: String,
    closes: String,
}

#[derive(Template)]
#[template(path = "proposals.html")]
struct ProposalsPage<'a> {
    v: &'a Viewer,
    slug: String,
    rows: Vec<ProposalRow>,
    /// The kinds and methods the viewer may propose: members put motions
    /// and bylaw changes, coordinators elections and budgets too.
    kinds: Vec<(&'static str, String)>,
    /// The kinds decided as motions, space-separated, for the form's
    /// `data-shown-when`.
    motion_kinds: String,
    motion_methods: Vec<(&'static str, String)>,
    election_methods: Vec<(&'static str, String)>,
    elections: bool,
    classes: Vec<(String, String)>,
    rules: String,
    /// Whether the viewer sets the class rules (an admin).
    sets_rules: bool,
    errors: FormErrors,
    /// What the form shows: what was typed, after an error.
    form: ProposalFields,
}

fn row(p: &Proposal, tr: &crate::Tr) -> ProposalRow {
    ProposalRow {
        id: p.id.0,
        title: p.proposal.title.clone(),
        kind: tr.t(&format!("proposal-kind-{}", p.proposal.kind.as_str())),
        state: tr.t(&format!("proposal-state-{}", p.state.as_str())),
        closes: tr.date_time(&p.proposal.closes_at),
    }
}

/// "workers 50%, consumers 30%; investors at most 20%; must pass in
/// every class", for people.
fn describe_rules(rules: &ClassRules, tr: &crate::Tr) -> String {
    let mut parts = Vec::new();
    if !rules.weights.is_empty() {
        let weights: Vec<String> = rules
            .weights
            .iter()
            .map(|w| format!("{} {}%", w.class, w.percent))
            .collect();
        parts.push(tr.t_args("rules-weights", &[("weights", &weights.join(", "))]));
    }
    if let Some(cap) = &rules.cap {
        let percent = cap.percent.to_string();
        parts.push(tr.t_args(
            "rules-cap",
            &[("class", cap.class.as_str()), ("percent", percent.as_str())],
        ));
    }
    if rules.every_class {
        parts.push(tr.t("rules-every-class"));
    }
    if parts.is_empty() {
        tr.t("rules-plain")
    } else {
        parts.join("; ")
    }
}

async fn list_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    (form, errors): (ProposalFields, FormErrors),
    status: StatusCode,
) -> PageResult {
    let person = v.person()?;
    let proposals = state.app.proposals(person, &slug).await?;
    let rules = state.app.class_rules(person, &slug).await?;
    let coop = state.app.coop_page(Some(person), &slug).await?;
    let board = coop.viewer_decides_applications();
    let sets_rules = coop.viewer_changes_settings();
    let classes = coop
        .classes
        .into_iter()
        .map(|c| (c.spec.key.as_str().to_owned(), c.spec.name))
        .collect();
    let tr = &v.tr;
    render_with(
        status,
        &ProposalsPage {
            v,
            rows: proposals.iter().map(|p| row(p, tr)).collect(),
            kinds: ProposalKind::ALL
                .into_iter()
                // Allocations come from closing a year.
                .filter(|k| *k != ProposalKind::Allocation && (board || k.open_to_members()))
                .map(|k| (k.as_str(), tr.t(&format!("proposal-kind-{}", k.as_str()))))
                .collect(),
            motion_kinds: ProposalKind::ALL
                .into_iter()
                .filter(|k| *k != ProposalKind::Election)
                .map(ProposalKind::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            motion_methods: methods(&MOTION_METHODS, tr),
            election_methods: methods(&ELECTION_METHODS, tr),
            elections: board,
            classes,
            rules: describe_rules(&rules, tr),
            sets_rules,
            errors,
            form,
            slug,
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
) -> PageResult {
    let blank = (ProposalFields::blank(), FormErrors::default());
    list_page(&state, &v, slug, blank, StatusCode::OK).await
}

fn methods(keys: &[&'static str], tr: &crate::Tr) -> Vec<(&'static str, String)> {
    keys.iter()
        .map(|m| (*m, tr.t(&format!("proposal-method-{m}"))))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProposalFields {
    title: String,
    body: String,
    kind: String,
    /// How a motion, a bylaw change or a budget passes.
    motion_method: String,
    /// How an election is counted.
    election_method: String,
    /// An election's candidates, one per line.
    options: String,
    seats: String,
    class_key: String,
    quorum: String,
    /// A supermajority as "2/3".
    threshold: String,
    opens: String,
    closes: String,
}

impl ProposalFields {
    /// The form as first shown: a motion by simple majority, half the
    /// members for a quorum.
    fn blank() -> ProposalFields {
        ProposalFields {
            kind: ProposalKind::Motion.as_str().to_owned(),
            motion_method: MOTION_METHODS[0].to_owned(),
            election_method: ELECTION_METHODS[0].to_owned(),
            seats: "1".to_owned(),
            quorum: "50".to_owned(),
            threshold: "2/3".to_owned(),
            ..ProposalFields::default()
        }
    }

    /// The method of the kind chosen: the form has one per kind.
    fn method(&self) -> &str {
        if self.kind == ProposalKind::Election.as_str() {
            &self.election_method
        } else {
            &self.motion_method
        }
    }
}

fn number(field: &str, text: &str, default: u32) -> Result<u32, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(default);
    }
    text.parse()
        .map_err(|_| AppError::invalid(field, "number-format"))
}

pub async fn create(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ProposalFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let when = |field: &str, text: &str| {
            if text.trim().is_empty() {
                Ok(state.app.now())
            } else {
                v.tr.zones.read_wall_clock(field, text)
            }
        };
        // The threshold is a supermajority's; the form shows one
        // whatever the method, so another method's is not read.
        let threshold = match form.threshold.trim().split_once('/') {
            _ if form.method() != "supermajority" => None,
            Some((n, d)) => Some((number("threshold", n, 2)?, number("threshold", d, 3)?)),
            None if form.threshold.trim().is_empty() => None,
            None => return Err(AppError::invalid("threshold", "number-format")),
        };
        let proposal = ProposalForm {
            title: form.title.clone(),
            body: form.body.clone(),
            kind: form.kind.clone(),
            method: form.method().to_owned(),
            options: form.options.lines().map(str::to_owned).collect(),
            seats: if form.kind == ProposalKind::Election.as_str() {
                number("seats", &form.seats, 1)?
            } else {
                1
            },
            class_key: Some(form.class_key.clone()),
            quorum_percent: number("quorum", &form.quorum, 0)?,
            threshold,
            opens_at: when("opens", &form.opens)?,
            closes_at: v.tr.zones.read_wall_clock("closes", &form.closes)?,
        };
        state.app.create_proposal(person, &slug, proposal).await
    }
    .await;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/c/{slug}/proposals/{id}")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            list_page(&state, &v, slug, (form, errors), status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RulesFields {
    every_class: String,
    /// "workers=50, consumers=30, investors=20"
    weights: String,
    /// "investors=20"
    cap: String,
}

fn class_weight(field: &str, text: &str) -> Result<ClassWeight, AppError> {
    let (class, percent) = text
        .split_once('=')
        .ok_or_else(|| AppError::invalid(field, "weights-format"))?;
    Ok(ClassWeight {
        class: class.trim().to_owned(),
        percent: number(field, percent, 0)?,
    })
}

/// Admins set the bylaws' class rules for votes.
pub async fn set_rules(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<RulesFields>,
) -> PageResult {
    let person = v.person()?;
    let outcome = async {
        let weights = form
            .weights
            .split(',')
            .filter(|w| !w.trim().is_empty())
            .map(|w| class_weight("weights", w))
            .collect::<Result<Vec<_>, _>>()?;
        let cap = match form.cap.trim() {
            "" => None,
            text => Some(class_weight("cap", text)?),
        };
        let rules = ClassRules {
            every_class: form.every_class == "yes",
            weights,
            cap,
        };
        state.app.set_class_rules(person, &slug, rules).await
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/proposals")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            list_page(&state, &v, slug, (ProposalFields::blank(), errors), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "proposal.html")]
struct ProposalPage<'a> {
    v: &'a Viewer,
    slug: String,
    p: ProposalView,
    kind: String,
    method: String,
    state_name: String,
    /// Candidates with their numbers, for the ballot.
    options: Vec<BallotOption>,
    /// The ranks a ranked ballot offers: "1" to the number of candidates.
    ranks: Vec<String>,
    /// A refused ballot, shown again as it was filled in.
    typed: Typed,
    ranked: bool,
    plurality: bool,
    voted_before: bool,
    consent: bool,
    rules: String,
    result: Option<ResultView>,
    receipt: Option<String>,
    checked: Option<String>,
    errors: FormErrors,
    error: Option<String>,
    forecasts: Vec<super::forecasts::ForecastFigures>,
}

#[derive(Default)]
struct Extras {
    /// The fields of a ballot that was refused.
    typed: Vec<(String, String)>,
    receipt: Option<String>,
    checked: Option<String>,
    errors: FormErrors,
    error: Option<String>,
}

/// A candidate on the ballot, with what was chosen for them before the
/// ballot came back refused (a rank, or "1" when picked or approved).
struct BallotOption {
    number: usize,
    name: String,
    typed: String,
}

/// A refused ballot's fields, so the page shows it again as filled in
/// rather than cleared.
#[derive(Default)]
struct Typed {
    fields: Vec<(String, String)>,
    choice: String,
    pick: String,
    reason: String,
}

impl Typed {
    fn new(fields: Vec<(String, String)>) -> Typed {
        let mut typed = Typed {
            fields,
            ..Typed::default()
        };
        typed.choice = typed.field("choice").to_owned();
        typed.pick = typed.field("pick").to_owned();
        typed.reason = typed.field("reason").to_owned();
        typed
    }

    fn chose(&self, choice: &str) -> bool {
        self.choice == choice
    }

    fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

async fn proposal_page(
    state: &AppState,
    v: &Viewer,
    slug: String,
    id: ProposalId,
    extras: Extras,
    status: StatusCode,
) -> PageResult {
    let person = v.person()?;
    let p = state.app.proposal(person, &slug, id).await?;
    let tr = &v.tr;
    let typed = Typed::new(extras.typed);
    let method = p.proposal.proposal.method.clone();
    let currencies = if p.forecasts.is_empty() {
        Vec::new()
    } else {
        state.app.currencies(&slug).await?
    };
    let forecasts = p
        .forecasts
        .iter()
        .map(|f| {
            let scale = currencies
                .iter()
                .find(|c| c.code.as_str() == f.currency)
                .map_or(0, |c| u32::from(c.scale));
            super::forecasts::figures(f, scale, tr)
        })
        .collect();
    render_with(
        status,
        &ProposalPage {
            v,
            kind: tr.t(&format!(
                "proposal-kind-{}",
                p.proposal.proposal.kind.as_str()
            )),
            method: tr.t(&format!("proposal-method-{method}")),
            state_name: tr.t(&format!("proposal-state-{}", p.proposal.state.as_str())),
            options: p
                .proposal
                .proposal
                .options
                .iter()
                .enumerate()
                .map(|(number, name)| BallotOption {
                    number,
                    name: name.clone(),
                    typed: typed.field(&format!("rank_{number}")).to_owned(),
                })
                .collect(),
            ranks: (1..=p.proposal.proposal.options.len())
                .map(|n| n.to_string())
                .collect(),
            ranked: matches!(method.as_str(), "irv" | "scottish-stv" | "meek-stv"),
            plurality: method == "plurality",
            voted_before: p.voted_before,
            consent: method == "consent",
            rules: describe_rules(&p.rules, tr),
            result: result_view(&p, tr),
            receipt: extras.receipt,
            checked: extras.checked,
            errors: extras.errors,
            error: extras.error,
            forecasts,
            typed,
            slug,
            p,
        },
    )
}

/// The proposal's page again, saying why a form on it was refused.
async fn refused(
    state: &AppState,
    v: &Viewer,
    slug: String,
    id: ProposalId,
    error: AppError,
    typed: Vec<(String, String)>,
) -> PageResult {
    let (extras, status) = match error {
        AppError::Conflict { code, .. } => (
            Extras {
                error: Some(v.tr.error(code)),
                ..Extras::default()
            },
            StatusCode::CONFLICT,
        ),
        error => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            (
                Extras {
                    errors,
                    ..Extras::default()
                },
                status,
            )
        }
    };
    let extras = Extras { typed, ..extras };
    proposal_page(state, v, slug, id, extras, status).await
}

fn proposal_id(id: &str) -> Result<ProposalId, AppError> {
    id.parse()
        .map(ProposalId)
        .map_err(|_| AppError::NotFound("proposal"))
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    let id = proposal_id(&id)?;
    proposal_page(&state, &v, slug, id, Extras::default(), StatusCode::OK).await
}

/// A ballot as the page sends it: `choice` and `reason` for motions;
/// `pick` (plurality) or `rank_N` per candidate N (ranks for ranked
/// methods, "1" for each approved) for elections.
fn vote_form(fields: &[(String, String)]) -> Result<VoteForm, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut ranking: Vec<(u32, usize)> = Vec::new();
    let pick = field("pick");
    if !pick.is_empty() {
        let pick = pick
            .parse()
            .map_err(|_| AppError::invalid("ranking", "ranking-invalid"))?;
        ranking.push((1, pick));
    }
    for (name, value) in fields {
        let Some(candidate) = name.strip_prefix("rank_") else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let candidate = candidate
            .parse()
            .map_err(|_| AppError::invalid("ranking", "ranking-invalid"))?;
        let rank = value
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("ranking", "ranking-invalid"))?;
        ranking.push((rank, candidate));
    }
    ranking.sort_unstable();
    Ok(VoteForm {
        choice: field("choice"),
        ranking: ranking.into_iter().map(|(_, c)| c).collect(),
        reason: field("reason"),
    })
}

pub async fn vote(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let person = v.person()?;
    let id = proposal_id(&id)?;
    // Two candidates given the same rank on a ranked ballot say nothing
    // of which comes first.
    let outcome = async {
        let form = vote_form(&fields)?;
        let ranks: Vec<&String> = fields
            .iter()
            .filter(|(n, v)| n.starts_with("rank_") && !v.trim().is_empty())
            .map(|(_, v)| v)
            .collect();
        let distinct: std::collections::BTreeSet<&&String> = ranks.iter().collect();
        let approval = fields.iter().any(|(n, _)| n == "approval");
        if !approval && distinct.len() != ranks.len() {
            return Err(AppError::invalid("ranking", "ranking-invalid"));
        }
        state.app.vote(person, &slug, id, form).await
    }
    .await;
    match outcome {
        Ok(receipt) => {
            let extras = Extras {
                receipt: Some(receipt.0),
                ..Extras::default()
            };
            proposal_page(&state, &v, slug, id, extras, StatusCode::OK).await
        }
        Err(error) => refused(&state, &v, slug, id, error, fields).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommentFields {
    body: String,
}

pub async fn comment(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<CommentFields>,
) -> PageResult {
    let person = v.person()?;
    let id = proposal_id(&id)?;
    match state
        .app
        .comment_on_proposal(person, &slug, id, &form.body)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/c/{slug}/proposals/{id}#comments")).into_response()),
        Err(error) => refused(&state, &v, slug, id, error, Vec::new()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReceiptFields {
    receipt: String,
}

pub async fn check_receipt(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReceiptFields>,
) -> PageResult {
    let person = v.person()?;
    let id = proposal_id(&id)?;
    let found = state
        .app
        .check_receipt(person, &slug, id, &form.receipt)
        .await?;
    let checked = Some(match found {
        Some(choice) => v.tr.t_args("receipt-found", &[("choice", choice.as_str())]),
        None => v.tr.t("receipt-not-found"),
    });
    let extras = Extras {
        checked,
        ..Extras::default()
    };
    proposal_page(&state, &v, slug, id, extras, StatusCode::OK).await
}

/// The anonymous ballots of a closed proposal, as a download.
pub async fn ballots(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let person = v.person()?;
    let id = proposal_id(&id)?;
    let format = serde_urlencoded::from_str::<BallotsQuery>(raw.as_deref().unwrap_or(""))
        .map_err(|_| AppError::invalid("format", "ballot-format"))?
        .format;
    let file = state
        .app
        .published_ballots(person, &slug, id, format)
        .await?;
    Ok(super::download(file))
}

/// A closed proposal's result, its counts exact.
pub async fn result(
    State(state): State<AppState>,
    v: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    let person = v.person()?;
    let file = state
        .app
        .published_result(person, &slug, proposal_id(&id)?)
        .await?;
    Ok(super::download(file))
}

#[derive(Deserialize)]
struct BallotsQuery {
    format: Option<BallotFile>,
}
