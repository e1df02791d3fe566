//! What admins change after founding: how the co-op presents itself, and
//! its member classes. A class keeps its key once made: votes' rules and
//! memberships name it.

use crate::validation::{Collector, Invalid};
use crate::{CoopName, MemberClassId};

use super::{class_key_for, MemberClass, MemberClassSpec};

/// Longest one-line description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 300;
/// Longest profile, in characters: a few pages.
pub const PROFILE_MAX_CHARS: usize = 10_000;
/// Longest class name and class description, in characters.
pub const CLASS_NAME_MAX_CHARS: usize = 80;
pub const CLASS_DESCRIPTION_MAX_CHARS: usize = 500;

/// How a co-op presents itself: its name, a line, and a longer profile
/// (paragraphs apart by a blank line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoopProfile {
    pub name: CoopName,
    pub description: String,
    pub profile: String,
}

impl CoopProfile {
    /// The profile as typed, trimmed, or every field that is wrong.
    pub fn parse(name: &str, description: &str, profile: &str) -> Result<CoopProfile, Invalid> {
        let mut errors = Collector::new();
        let name = errors.check("name", CoopName::parse(name));
        let description = errors.check("description", within(description, DESCRIPTION_MAX_CHARS));
        let profile = errors.check("profile", within(profile, PROFILE_MAX_CHARS));
        let ((name, description), profile) =
            errors.finish_with(name.zip(description).zip(profile))?;
        Ok(CoopProfile {
            name,
            description,
            profile,
        })
    }
}

fn within(text: &str, max: usize) -> Result<String, &'static str> {
    let text = text.trim();
    if text.chars().count() > max {
        Err("too-long")
    } else {
        Ok(text.to_owned())
    }
}

/// One class as an admin's form has it: one already there (`id`), or a
/// new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassEdit {
    pub id: Option<MemberClassId>,
    pub name: String,
    pub description: String,
    pub open_to_join: bool,
    pub requires_approval: bool,
}

/// What saving the class form changes: the classes there, as they become,
/// and the new ones, with keys made from their names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassChanges {
    pub changed: Vec<MemberClass>,
    pub added: Vec<MemberClassSpec>,
}

/// Checks `edits` against the co-op's `current` classes: every current
/// class is in the form once (none is removed: members belong to it),
/// names are said and not too long, and a new class's key (from its name)
/// is not one the co-op has. Errors name the row: `classes[2].name`.
pub fn class_changes(
    current: &[MemberClass],
    edits: &[ClassEdit],
) -> Result<ClassChanges, Invalid> {
    let mut errors = Collector::new();
    let mut changes = ClassChanges {
        changed: Vec::new(),
        added: Vec::new(),
    };
    for (row, edit) in edits.iter().enumerate() {
        let field = |part: &str| format!("classes[{row}].{part}");
        let name = errors.check(&field("name"), within_name(&edit.name));
        let description = errors.check(
            &field("description"),
            within(&edit.description, CLASS_DESCRIPTION_MAX_CHARS),
        );
        let (Some(name), Some(description)) = (name, description) else {
            continue;
        };
        match edit.id {
            Some(id) => match current.iter().find(|class| class.id == id) {
                Some(class) => changes.changed.push(MemberClass {
                    spec: MemberClassSpec {
                        key: class.spec.key.clone(),
                        name,
                        description,
                        open_to_join: edit.open_to_join,
                        requires_approval: edit.requires_approval,
                    },
                    ..class.clone()
                }),
                None => errors.push_absent(&field("name"), "class-unknown"),
            },
            None => match class_key_for(&name, current.len() + changes.added.len() + 1) {
                Ok(key)
                    if current.iter().any(|c| c.spec.key == key)
                        || changes.added.iter().any(|c| c.key == key) =>
                {
                    errors.push(&field("name"), "duplicate")
                }
                Ok(key) => changes.added.push(MemberClassSpec {
                    key,
                    name,
                    description,
                    open_to_join: edit.open_to_join,
                    requires_approval: edit.requires_approval,
                }),
                Err(code) => errors.push(&field("name"), code),
            },
        }
    }
    for class in current {
        let listed = edits
            .iter()
            .filter(|edit| edit.id == Some(class.id))
            .count();
        if listed != 1 {
            errors.push("classes", "classes-each-once");
        }
    }
    errors.finish()?;
    Ok(changes)
}

fn within_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        Err("required")
    } else {
        within(name, CLASS_NAME_MAX_CHARS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClassKey, CoopId};

    fn current() -> Vec<MemberClass> {
        ["Worker", "Investor"]
            .iter()
            .enumerate()
            .map(|(i, name)| MemberClass {
                id: MemberClassId(i as i64 + 1),
                coop_id: CoopId(1),
                spec: MemberClassSpec {
                    key: ClassKey::parse(&name.to_lowercase()).unwrap(),
                    name: (*name).to_owned(),
                    description: String::new(),
                    open_to_join: i == 0,
                    requires_approval: false,
                },
            })
            .collect()
    }

    fn edit(id: Option<i64>, name: &str) -> ClassEdit {
        ClassEdit {
            id: id.map(MemberClassId),
            name: name.to_owned(),
            description: String::new(),
            open_to_join: true,
            requires_approval: true,
        }
    }

    fn fields(result: Result<ClassChanges, Invalid>) -> Vec<(String, &'static str)> {
        result
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn classes_change_in_place_keep_their_keys_and_new_ones_get_theirs() {
        let changes = class_changes(
            &current(),
            &[
                edit(Some(1), " Sitter "),
                edit(Some(2), "Investor"),
                edit(None, "Family sitters"),
            ],
        )
        .unwrap();
        assert_eq!(
            changes.changed[0].spec.key.as_str(),
            "worker",
            "the key stays"
        );
        assert_eq!(changes.changed[0].spec.name, "Sitter");
        assert!(changes.changed[1].spec.open_to_join && changes.changed[1].spec.requires_approval);
        assert_eq!(changes.added[0].key.as_str(), "family-sitters");
    }

    #[test]
    fn a_bad_row_is_named_and_no_class_goes_missing() {
        let wrong = fields(class_changes(
            &current(),
            &[
                edit(Some(1), ""),
                edit(None, "worker"),
                edit(Some(9), "Ghost"),
            ],
        ));
        assert!(
            wrong.contains(&("classes[0].name".into(), "required")),
            "{wrong:?}"
        );
        assert!(
            wrong.contains(&("classes[1].name".into(), "duplicate")),
            "{wrong:?}"
        );
        assert!(
            wrong.contains(&("classes[2].name".into(), "class-unknown")),
            "{wrong:?}"
        );
        assert!(
            wrong.contains(&("classes".into(), "classes-each-once")),
            "{wrong:?}"
        );
        let twice = fields(class_changes(
            &current(),
            &[edit(Some(1), "A"), edit(Some(1), "B"), edit(Some(2), "C")],
        ));
        assert_eq!(twice, [("classes".to_owned(), "classes-each-once")]);
    }

    #[test]
    fn a_profile_is_trimmed_and_bounded() {
        let profile = CoopProfile::parse(" Sitters ", " A line ", "Long\n\ntext").unwrap();
        assert_eq!(
            (profile.name.as_str(), profile.description.as_str()),
            ("Sitters", "A line")
        );
        let wrong =
            CoopProfile::parse("S", &"x".repeat(DESCRIPTION_MAX_CHARS + 1), "").unwrap_err();
        let codes: Vec<_> = wrong.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(codes, [("name", "too-short"), ("description", "too-long")]);
    }
}
