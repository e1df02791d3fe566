//! The settings page's profile and class forms: how the co-op presents
//! itself, and its member classes (each changed in place, a new one
//! added from the blank row). Admins only.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use coopkit_app::records::{Coop, MemberClass};
use coopkit_domain::coop::profile::ClassEdit;
use coopkit_domain::MemberClassId;
use serde::Deserialize;

use super::settings::Forms;
use super::{FormErrors, PageResult};
use crate::forms::CsrfForm;
use crate::viewer::Viewer;
use crate::AppState;

/// The profile form's fields, as typed or as the co-op has them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileFields {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) profile: String,
}

impl ProfileFields {
    pub(super) fn of(coop: &Coop) -> ProfileFields {
        ProfileFields {
            name: coop.name.clone(),
            description: coop.description.clone(),
            profile: coop.profile.clone(),
        }
    }
}

/// A row of the class form: `class-N-name` and so on, N from 0; the last
/// row, without an id, adds a class when its name is filled in.
#[derive(Debug, Default)]
pub struct ClassRow {
    /// Empty for the new class's row.
    pub(super) id: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) open: bool,
    pub(super) approval: bool,
}

impl ClassRow {
    pub(super) fn of(classes: &[MemberClass]) -> Vec<ClassRow> {
        let mut rows: Vec<ClassRow> = classes
            .iter()
            .map(|class| ClassRow {
                id: class.id.0.to_string(),
                name: class.spec.name.clone(),
                description: class.spec.description.clone(),
                open: class.spec.open_to_join,
                approval: class.spec.requires_approval,
            })
            .collect();
        rows.push(ClassRow {
            open: true,
            ..ClassRow::default()
        });
        rows
    }

    /// The rows a form sent, in order.
    fn sent(pairs: &[(String, String)]) -> Vec<ClassRow> {
        let mut rows: Vec<ClassRow> = Vec::new();
        for (name, value) in pairs {
            let Some((index, part)) = name
                .strip_prefix("class-")
                .and_then(|rest| rest.split_once('-'))
                .and_then(|(index, part)| Some((index.parse::<usize>().ok()?, part)))
            else {
                continue;
            };
            // A form has a few rows; an index far past them names none.
            if index > rows.len() + 64 {
                continue;
            }
            if rows.len() <= index {
                rows.resize_with(index + 1, ClassRow::default);
            }
            let row = &mut rows[index];
            match part {
                "id" => row.id = value.clone(),
                "name" => row.name = value.clone(),
                "description" => row.description = value.clone(),
                "open" => row.open = value == "yes",
                "approval" => row.approval = value == "yes",
                _ => {}
            }
        }
        rows
    }

    /// What the row asks for: `None` for the blank new row left empty.
    fn edit(&self) -> Option<ClassEdit> {
        let id = self.id.trim().parse().ok().map(MemberClassId);
        if id.is_none() && self.name.trim().is_empty() {
            return None;
        }
        Some(ClassEdit {
            id,
            name: self.name.clone(),
            description: self.description.clone(),
            open_to_join: self.open,
            requires_approval: self.approval,
        })
    }
}

pub async fn save_profile(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(sent): CsrfForm<ProfileFields>,
) -> PageResult {
    let person = v.person()?;
    let saved = state
        .app
        .save_coop_profile(person, &slug, &sent.name, &sent.description, &sent.profile)
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/settings?saved=1#profile")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let keep = |forms: &mut Forms| forms.profile = sent;
            Forms::render(&state, &v, slug, keep, status, errors, false).await
        }
    }
}

pub async fn save_classes(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let person = v.person()?;
    let rows = ClassRow::sent(&pairs);
    // Errors name the edits' positions; the rows they came from are
    // these (the blank row, left empty, is no edit).
    let (rows_of_edits, edits): (Vec<usize>, Vec<ClassEdit>) = rows
        .iter()
        .enumerate()
        .filter_map(|(row, sent)| Some((row, sent.edit()?)))
        .unzip();
    match state.app.save_member_classes(person, &slug, &edits).await {
        Ok(_) => Ok(Redirect::to(&format!("/c/{slug}/settings?saved=1#classes")).into_response()),
        Err(error) => {
            let (status, errors) = FormErrors::from_error(error, &v.tr)?;
            let errors = errors.renamed(|field| form_field(field, &rows_of_edits));
            let keep = |forms: &mut Forms| forms.classes = rows;
            Forms::render(&state, &v, slug, keep, status, errors, false).await
        }
    }
}

/// The form's field a use case's error names: `classes[1].name` is the
/// name of the row the second edit came from.
fn form_field(field: &str, rows_of_edits: &[usize]) -> String {
    let parsed = field
        .strip_prefix("classes[")
        .and_then(|rest| rest.split_once("]."))
        .and_then(|(index, part)| Some((index.parse::<usize>().ok()?, part)));
    match parsed.and_then(|(index, part)| Some((rows_of_edits.get(index)?, part))) {
        Some((row, part)) => format!("class-{row}-{part}"),
        None => "classes".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rows_are_read_by_their_numbers_and_the_blank_one_adds_nothing() {
        let rows = ClassRow::sent(&pairs(&[
            ("csrf", "x"),
            ("class-0-id", "4"),
            ("class-0-name", "Sitter"),
            ("class-0-open", "yes"),
            ("class-1-id", ""),
            ("class-1-name", ""),
            ("class-999999999-name", "far away"),
        ]));
        assert_eq!(rows.len(), 2);
        let edit = rows[0].edit().unwrap();
        assert_eq!(edit.id, Some(MemberClassId(4)));
        assert!(edit.open_to_join && !edit.requires_approval);
        assert_eq!(rows[1].edit(), None);
    }

    #[test]
    fn an_error_lands_on_the_row_it_came_from() {
        assert_eq!(form_field("classes[1].name", &[0, 2]), "class-2-name");
        assert_eq!(form_field("classes", &[0, 2]), "classes");
        assert_eq!(form_field("classes[7].name", &[0]), "classes");
    }
}
