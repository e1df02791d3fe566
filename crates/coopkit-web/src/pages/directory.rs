//! The directory as pages: search with facets, each organisation with the
//! source of every field and its history, the map, and the moderators'
//! queues (pairs to review, suggested edits).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::directory::{Facet, Organisation, Query, HOSTED_SOURCE};
use coopkit_app::AppError;
use coopkit_directory::fields::FIELDS;
use coopkit_directory::jsonld;
use coopkit_domain::{EditId, ReviewId};
use serde::Deserialize;

use super::{render, render_with, FormErrors, PageResult};
use crate::directory::opendata::{org_uri, Format};
use crate::directory::params::{SearchParams, NEAR_KM, PER_PAGE};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::{public_base, AppState};

struct FacetLink {
    label: String,
    title: String,
    count: u64,
    href: String,
    selected: bool,
}

struct FacetBox {
    key: &'static str,
    title: String,
    values: Vec<FacetLink>,
}

struct HitRow {
    id: i64,
    name: String,
    place: String,
    legal_form: String,
}

struct SourceRow {
    name: String,
    licence: String,
    attribution: String,
    rows: i64,
    imported: String,
}

/// Facet values shown before "more" would be needed.
const FACET_VALUES: usize = 12;

#[derive(Template)]
#[template(path = "directory.html")]
struct SearchPage<'a> {
    v: &'a Viewer,
    q: String,
    bbox: String,
    near: String,
    km: String,
    /// "Near Manchester, England, GB, within 25 km", and its namesakes as
    /// links to the same search near them.
    near_place: Option<(String, Vec<(String, String)>)>,
    total: usize,
    hits: Vec<HitRow>,
    facets: Vec<FacetBox>,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    encoded: String,
    downloads: Vec<(&'static str, String)>,
    sources: Vec<SourceRow>,
    licence_name: &'static str,
    licence_url: &'static str,
    moderator: bool,
    error: Option<String>,
}

/// A source's name in the reader's language where coopkit names it (the
/// co-ops hosted here); a list's own name otherwise, as its publisher wrote it.
fn source_label(name: &str, tr: &crate::Tr) -> String {
    if name == HOSTED_SOURCE {
        tr.t("directory-hosted-source")
    } else {
        name.to_owned()
    }
}

fn place(r: &coopkit_directory::Record) -> String {
    [&r.locality, &r.region, &r.postcode, &r.country]
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn is_moderator(state: &AppState, v: &Viewer) -> Result<bool, AppError> {
    match &v.person {
        Some(person) => state.app.is_directory_moderator(person.id).await,
        None => Ok(false),
    }
}

/// The search page's link to `page` of the results `p` asks for.
fn search_link(p: &SearchParams, page: usize) -> String {
    let query = p.encoded();
    match (query.is_empty(), page) {
        (true, 1) => "/directory".to_owned(),
        (true, _) => format!("/directory?page={page}"),
        (false, 1) => format!("/directory?{query}"),
        (false, _) => format!("/directory?{query}&page={page}"),
    }
}

/// The place a search is near, said in words, and its namesakes.
fn near_place(v: &Viewer, params: &SearchParams) -> Option<(String, Vec<(String, String)>)> {
    let place = params.near_place()?;
    let km = params
        .km
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let said = v.tr.t_args(
        "directory-near-place",
        &[
            ("place", &place.label),
            ("km", &km.map_or_else(|| NEAR_KM.to_string(), str::to_owned)),
        ],
    );
    let others = place
        .others
        .into_iter()
        .map(|other| {
            let mut near = params.clone();
            near.near = Some(other.label.clone());
            (other.label, search_link(&near, 1))
        })
        .collect();
    Some((said, others))
}

/// Each facet with values among the results, its values as links that
/// add or take away that filter.
fn facet_boxes(
    v: &Viewer,
    params: &SearchParams,
    facets: &BTreeMap<Facet, Vec<(String, u64)>>,
) -> Vec<FacetBox> {
    let links = params.links();
    let link = |facet: Facet, (value, count): &(String, u64)| FacetLink {
        label: if facet == Facet::Source {
            source_label(value, &v.tr)
        } else {
            v.tr.term(value)
        },
        title: value.clone(),
        count: *count,
        href: links.toggled(facet, value),
        selected: links.selected(facet, value),
    };
    Facet::ALL
        .into_iter()
        .map(|facet| FacetBox {
            key: facet.name(),
            title: v.tr.t(&format!("directory-facet-{}", facet.name())),
            values: facets.get(&facet).map_or_else(Vec::new, |values| {
                values.iter().map(|value| link(facet, value)).collect()
            }),
        })
        .filter(|f| !f.values.is_empty())
        .collect()
}

/// The open data of these results in each format, by its name.
fn downloads(suffix: &str) -> Vec<(&'static str, String)> {
    let name = |f: &Format| match f {
        Format::Csv => "CSV",
        Format::Json => "JSON",
        Format::GeoJson => "GeoJSON",
        Format::JsonLd => "JSON-LD",
    };
    Format::ALL
        .iter()
        .map(|f| {
            (
                name(f),
                format!("/open-data/directory.{}{suffix}", f.extension()),
            )
        })
        .collect()
}

/// The lists the directory was made from, with their licences.
async fn source_rows(state: &AppState, v: &Viewer) -> Result<Vec<SourceRow>, AppError> {
    Ok(state
        .app
        .directory_sources()
        .await?
        .into_iter()
        .map(|s| SourceRow {
            name: source_label(&s.name, &v.tr),
            licence: s.licence,
            attribution: s.attribution,
            rows: s.rows_read,
            imported: v.tr.date(&s.imported_at),
        })
        .collect())
}

/// `GET /directory`.
pub async fn search(
    State(state): State<AppState>,
    v: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, unread) = SearchParams::parse_keeping_the_rest(raw.as_deref());
    let query = match unread {
        Some(error) => Err(error),
        None => params.query(PER_PAGE),
    };
    let (status, page, error) = match query {
        Ok(query) => {
            // The page shows the most common values; the API gives all.
            let query = Query {
                facet_values: Some(FACET_VALUES),
                ..query
            };
            (
                StatusCode::OK,
                Some(state.app.search_directory(&query).await?),
                None,
            )
        }
        Err(AppError::Invalid(invalid)) => {
            let code = invalid.0.first().map_or("invalid-value", |e| e.code);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(v.tr.error(code)),
            )
        }
        Err(other) => return Err(other.into()),
    };
    let (total, hits, facets) = match page {
        Some(page) => (page.total, page.hits, page.facets),
        None => Default::default(),
    };
    let current = params.page.unwrap_or(1).max(1);
    let pages = total.div_ceil(PER_PAGE).max(1);
    let encoded = params.encoded();
    let suffix = if encoded.is_empty() {
        String::new()
    } else {
        format!("?{encoded}")
    };
    let page = SearchPage {
        v: &v,
        q: params.q.clone(),
        bbox: params.bbox.clone().unwrap_or_default(),
        near: params.near.clone().unwrap_or_default(),
        km: params.km.clone().unwrap_or_default(),
        near_place: near_place(&v, &params),
        total,
        hits: hits
            .iter()
            .map(|o| HitRow {
                id: o.id,
                name: o.record.name.clone(),
                place: place(&o.record),
                legal_form: o.record.legal_form.clone(),
            })
            .collect(),
        facets: facet_boxes(&v, &params, &facets),
        page: current,
        pages,
        prev: (current > 1).then(|| search_link(&params, current - 1)),
        next: (current < pages).then(|| search_link(&params, current + 1)),
        downloads: downloads(&suffix),
        encoded: suffix,
        sources: source_rows(&state, &v).await?,
        licence_name: state.directory.licence_name(),
        licence_url: state.directory.licence_url(),
        moderator: is_moderator(&state, &v).await?,
        error,
    };
    render_with(status, &page)
}

struct FieldRow {
    key: &'static str,
    label: String,
    value: String,
    source: String,
    as_of: String,
}

struct HistoryRow {
    when: String,
    field: String,
    old: String,
    new: String,
    by: String,
}

#[derive(Template)]
#[template(path = "directory_org.html")]
struct OrgPage<'a> {
    v: &'a Viewer,
    id: i64,
    name: String,
    fields: Vec<FieldRow>,
    sources: Vec<String>,
    history: Vec<HistoryRow>,
    identifiers: Vec<IdentifierRow>,
    editable: Vec<(&'static str, String)>,
    errors: FormErrors,
    notice: Option<String>,
}

#[derive(Debug)]
struct IdentifierRow {
    scheme: String,
    value: String,
    /// The register's own page for it, where it has one per entry.
    link: Option<String>,
}

fn identifier_rows(v: &Viewer, record: &coopkit_directory::Record) -> Vec<IdentifierRow> {
    use coopkit_directory::identifiers::{registry_identifiers, COMPANIES_HOUSE, COOP_DOMAIN};
    registry_identifiers(record)
        .into_iter()
        .map(|id| IdentifierRow {
            scheme: v.tr.t(&format!("directory-scheme-{}", id.scheme)),
            link: match id.scheme {
                COMPANIES_HOUSE => Some(format!(
                    "https://find-and-update.company-information.service.gov.uk/company/{}",
                    id.value
                )),
                COOP_DOMAIN => Some(format!("https://{}", id.value)),
                _ => None,
            },
            value: id.value,
        })
        .collect()
}

fn field_label(v: &Viewer, field: &str) -> String {
    v.tr.t(&format!("directory-field-{}", field.replace('_', "-")))
}

/// The organisation's fields that have a value, each with the source
/// that gave it and when.
fn field_rows(
    v: &Viewer,
    org: &Organisation,
    source_name: &dyn Fn(i64) -> String,
) -> Vec<FieldRow> {
    FIELDS
        .iter()
        .filter(|f| **f != "id")
        .filter_map(|f| {
            let value = match *f {
                "structure" | "activity" | "membership_type" => v.tr.term(&org.record.get(f)),
                _ => org.record.get(f),
            };
            if value.is_empty() {
                return None;
            }
            let (source, as_of) = match (&org.record.placed, *f) {
                // No list gave the point: the gazetteer did, and the page
                // says how precisely.
                (Some(placed), "point") => (
                    v.tr.t_args(
                        "directory-placed",
                        &[
                            ("precision", placed.precision.name()),
                            ("place", &placed.by),
                        ],
                    ),
                    String::new(),
                ),
                _ => org
                    .provenance
                    .fields
                    .get(*f)
                    .map(|(s, at)| (source_name(*s), v.tr.date(&coopkit_domain::Timestamp(*at))))
                    .unwrap_or_default(),
            };
            Some(FieldRow {
                key: f,
                label: field_label(v, f),
                value,
                source,
                as_of,
            })
        })
        .collect()
}

async fn org_page(
    state: &AppState,
    v: &Viewer,
    id: i64,
    errors: FormErrors,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    let org = state.app.directory_org(id).await?;
    if org.id != id {
        return Ok(Redirect::to(&format!("/directory/org/{}", org.id)).into_response());
    }
    let sources = state.app.directory_sources().await?;
    let source_name = |id: i64| {
        sources
            .iter()
            .find(|s| s.id == id)
            .map_or_else(String::new, |s| source_label(&s.name, &v.tr))
    };
    let fields = field_rows(v, &org, &source_name);
    let history = state
        .app
        .directory_history(org.id)
        .await?
        .into_iter()
        .map(|h| HistoryRow {
            when: v.tr.date(&h.at),
            field: field_label(v, &h.change.field),
            old: h.change.old,
            new: h.change.new,
            by: h.person.or(h.source).unwrap_or_default(),
        })
        .collect();
    let page = OrgPage {
        v,
        id: org.id,
        name: org.record.name.clone(),
        fields,
        sources: org
            .provenance
            .sources
            .iter()
            .map(|s| source_name(*s))
            .collect(),
        history,
        identifiers: identifier_rows(v, &org.record),
        editable: FIELDS
            .iter()
            .filter(|f| **f != "id")
            .map(|f| (*f, field_label(v, f)))
            .collect(),
        errors,
        notice,
    };
    render_with(status, &page)
}

fn org_id(segment: &str) -> Result<i64, AppError> {
    segment
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound("organisation"))
}

/// `GET /directory/org/{id}`.
pub async fn org(State(state): State<AppState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    org_page(
        &state,
        &v,
        org_id(&id)?,
        FormErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `GET /directory/org/{id}/jsonld`: one organisation as schema.org and
/// ESSGlobal JSON-LD.
pub async fn org_jsonld(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    let org = state.app.directory_org(org_id(&id)?).await?;
    let uri = org_uri(&public_base(&state, &headers), org.id);
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/ld+json")],
        jsonld::document(&uri, &org.record).to_string(),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    field: String,
    value: String,
    #[serde(default)]
    note: String,
}

/// `POST /directory/org/{id}/edits`: a suggestion, for moderators.
pub async fn suggest(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> PageResult {
    let person = v.person()?;
    let id = org_id(&id)?;
    match state
        .app
        .suggest_edit(person.id, id, &form.field, &form.value, &form.note)
        .await
    {
        Ok(_) => {
            let notice = Some(v.tr.t("directory-edit-sent"));
            org_page(
                &state,
                &v,
                id,
                FormErrors::default(),
                notice,
                StatusCode::OK,
            )
            .await
        }
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            org_page(&state, &v, id, errors, None, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "directory_map.html")]
struct MapPage<'a> {
    v: &'a Viewer,
    q: String,
    /// The search's other parameters, kept when the words change.
    hidden: Vec<(&'static str, String)>,
    features: String,
    back: String,
    tiles: String,
    attribution: String,
}

/// `GET /directory/map`: the search's organisations on a map. Its scripts
/// are coopkit's own; its images come from the tile server too.
pub async fn map(State(state): State<AppState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let params = SearchParams::parse(raw.as_deref())?;
    params.query(PER_PAGE)?;
    let encoded = params.encoded();
    let suffix = if encoded.is_empty() {
        String::new()
    } else {
        format!("?{encoded}")
    };
    let mut hidden: Vec<(&'static str, String)> = params
        .filters()
        .into_iter()
        .map(|(facet, value)| (facet.name(), value))
        .collect();
    for (key, value) in [("bbox", &params.bbox), ("near", &params.near)] {
        if let Some(value) = value.clone().filter(|v| !v.is_empty()) {
            hidden.push((key, value));
        }
    }
    let page = MapPage {
        v: &v,
        q: params.q.clone(),
        hidden,
        features: format!("/directory/map.geojson{suffix}"),
        back: format!("/directory{suffix}"),
        tiles: state.directory.tiles.clone(),
        attribution: state.directory.tiles_attribution.clone(),
    };
    super::with_map(render(&page), &state)
}

struct ReviewRow {
    id: ReviewId,
    odds: String,
    left: i64,
    right: i64,
    rows: Vec<(String, String, String, bool)>,
}

struct EditRow {
    id: EditId,
    org: i64,
    org_name: String,
    field: String,
    old: String,
    new: String,
    note: String,
}

#[derive(Template)]
#[template(path = "directory_review.html")]
struct ReviewPage<'a> {
    v: &'a Viewer,
    reviews: Vec<ReviewRow>,
    edits: Vec<EditRow>,
}

/// Pairs and edits shown at once.
const QUEUE: i64 = 50;

/// `GET /directory/review`: what waits for a moderator.
pub async fn review(State(state): State<AppState>, v: Viewer) -> PageResult {
    let person = v.person()?;
    let reviews = state
        .app
        .review_queue(person.id, QUEUE)
        .await?
        .into_iter()
        .map(|r| {
            let odds = 2f64.powf(r.review.score_milli as f64 / 1000.0);
            ReviewRow {
                id: r.review.id,
                odds: if odds >= 1.0 {
                    format!("{odds:.1} : 1")
                } else {
                    format!("1 : {:.1}", 1.0 / odds)
                },
                left: r.left.id,
                right: r.right.id,
                rows: FIELDS
                    .iter()
                    .filter(|f| **f != "id")
                    .filter_map(|f| {
                        let (a, b) = (r.left.record.get(f), r.right.record.get(f));
                        (!a.is_empty() || !b.is_empty()).then(|| {
                            let differs = a != b;
                            (field_label(&v, f), a, b, differs)
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    let edits = state
        .app
        .open_edits(person.id, QUEUE)
        .await?
        .into_iter()
        .map(|e| EditRow {
            id: e.edit.id,
            org: e.org.id,
            org_name: e.org.record.name.clone(),
            field: field_label(&v, &e.edit.field),
            old: e.org.record.get(&e.edit.field),
            new: e.edit.value,
            note: e.edit.note,
        })
        .collect();
    render(&ReviewPage {
        v: &v,
        reviews,
        edits,
    })
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    decision: String,
}

fn accepted(form: &DecisionForm) -> Result<bool, AppError> {
    match form.decision.as_str() {
        "accept" => Ok(true),
        "reject" => Ok(false),
        _ => Err(AppError::invalid("decision", "invalid-value")),
    }
}

/// A review's or an edit's id from its address; anything else is a page
/// that is not there.
fn queue_id<Id>(segment: &str, what: &'static str, id: fn(i64) -> Id) -> Result<Id, AppError> {
    segment
        .parse()
        .map(id)
        .map_err(|_| AppError::NotFound(what))
}

/// `POST /directory/review/{id}`: accept (one organisation) or reject.
pub async fn decide_review(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> PageResult {
    let person = v.person()?;
    let id = queue_id(&id, "review", ReviewId)?;
    state
        .app
        .decide_review(person.id, id, accepted(&form)?)
        .await?;
    Ok(Redirect::to("/directory/review").into_response())
}

/// `POST /directory/edits/{id}`: accept or reject a suggested edit.
pub async fn decide_edit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> PageResult {
    let person = v.person()?;
    let id = queue_id(&id, "edit", EditId)?;
    state
        .app
        .decide_edit(person.id, id, accepted(&form)?)
        .await?;
    Ok(Redirect::to("/directory/review#edits").into_response())
}

/// `GET /directory/sources/{name}/report.csv`: the rows a source's last
/// import could not read, and why.
pub async fn source_report(State(state): State<AppState>, Path(name): Path<String>) -> PageResult {
    let file = state.app.source_report(&name).await?;
    Ok(super::download(file))
}

/// `GET /directory/sources/{name}/duplicates.csv`: the source's rows that
/// look like duplicates of each other or of other lists' rows.
pub async fn source_duplicates(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> PageResult {
    Ok(super::download(state.app.source_duplicates(&name).await?))
}

#[derive(Debug, Deserialize)]
pub struct DiffParams {
    a: String,
    b: String,
}

/// `GET /directory/diff.csv?a=SOURCE&b=SOURCE`: two lists compared.
pub async fn diff(State(state): State<AppState>, RawQuery(raw): RawQuery) -> PageResult {
    let params: DiffParams = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|_| AppError::invalid("a", "required"))?;
    Ok(super::download(
        state.app.sources_diff(&params.a, &params.b).await?,
    ))
}
