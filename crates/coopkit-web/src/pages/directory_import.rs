//! Importing a list into the directory: the moderators' upload page, and
//! its report of what was read and what was not.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use coopkit_app::AppError;

use super::{render, render_with, PageResult};
use crate::viewer::Viewer;
use crate::AppState;

#[derive(Template)]
#[template(path = "directory_import.html")]
struct ImportPage<'a> {
    v: &'a Viewer,
    report: Option<coopkit_app::directory::ImportReport>,
    /// The first problems, shown on the page; the report file has them all.
    problems: Vec<coopkit_directory::Problem>,
    error: Option<String>,
}

/// Problems listed on the page after an import.
const PROBLEMS_SHOWN: usize = 200;

/// `GET /directory/import`: a moderator uploads a list.
pub async fn import_form(State(state): State<AppState>, v: Viewer) -> PageResult {
    let person = v.person()?;
    if !state.app.is_directory_moderator(person.id).await? {
        return Err(AppError::Forbidden("not-moderator").into());
    }
    render(&ImportPage {
        v: &v,
        report: None,
        problems: Vec::new(),
        error: None,
    })
}

/// `POST /directory/import`: the list is read whole and imported, or the
/// directory stays as it was; the page shows the report either way.
pub async fn import(
    State(state): State<AppState>,
    v: Viewer,
    mut upload: crate::forms::CsrfUpload,
) -> PageResult {
    use coopkit_app::directory::{ImportList, ListFormat};
    let person = v.person()?;
    let chosen = upload.field("format");
    let format = match (coopkit_directory::Mapping::built_in(chosen), chosen) {
        (Some(mapping), _) => ListFormat::Csv(mapping),
        (None, "csv") => match coopkit_directory::Mapping::from_toml(upload.field("mapping")) {
            Ok(mapping) => ListFormat::Csv(mapping),
            Err(e) => return import_failed(&v, e.to_string()),
        },
        (None, "geojson") => ListFormat::GeoJson,
        (None, "jsonld") => ListFormat::JsonLd,
        (None, "murmurations") => ListFormat::Murmurations,
        (None, _) => return Err(AppError::invalid("format", "invalid-value").into()),
    };
    let Some(file) = upload.take_file("file") else {
        return Err(AppError::invalid("file", "required").into());
    };
    // Lists are parsed whole; the import route bounds their size.
    let bytes = file
        .file
        .read_all()
        .await
        .map_err(AppError::because("reading an uploaded list"))?;
    let as_of = match upload.field("as_of") {
        "" => state.app.now(),
        date => coopkit_domain::Timestamp::parse_date(date)
            .map_err(|code| AppError::invalid("as_of", code))?,
    };
    let list = ImportList {
        source: upload.field("source").trim().to_owned(),
        file: file.name,
        format,
        licence: upload.field("licence").trim().to_owned(),
        attribution: upload.field("attribution").trim().to_owned(),
        as_of,
    };
    match state.app.import_list_as(person.id, &list, &bytes).await {
        Ok(report) => render(&ImportPage {
            v: &v,
            problems: report
                .problems
                .iter()
                .take(PROBLEMS_SHOWN)
                .cloned()
                .collect(),
            report: Some(report),
            error: None,
        }),
        Err(AppError::Unreadable { file, reason }) => {
            import_failed(&v, format!("{file}: {reason}"))
        }
        Err(other) => Err(other.into()),
    }
}

fn import_failed(v: &Viewer, reason: String) -> PageResult {
    render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ImportPage {
            v,
            report: None,
            problems: Vec::new(),
            error: Some(reason),
        },
    )
}
