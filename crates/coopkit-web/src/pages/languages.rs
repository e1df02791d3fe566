//! Languages on the pages: picked from a list by their own names
//! ("español", "English", "français"), kept as ISO 639-1 codes.

use isolang::Language;

use crate::forms::Fields;

/// A language a person may pick, by its code and its own name.
pub(super) struct LanguageChoice {
    pub code: String,
    pub name: String,
}

/// What the picker shows: the languages chosen, to keep or untick, and
/// every other one to add, each by its own name in that name's order.
pub(super) struct LanguagePicker {
    pub chosen: Vec<LanguageChoice>,
    pub others: Vec<LanguageChoice>,
}

/// A code's own name; a code the list does not know (an ISO 639-3 code
/// set through the API) is shown as it is.
fn choice(code: &str) -> LanguageChoice {
    let name = Language::from_639_1(code)
        .and_then(|l| l.to_autonym())
        .unwrap_or(code);
    LanguageChoice {
        code: code.to_owned(),
        name: name.to_owned(),
    }
}

/// Every ISO 639-1 language, by its own name, in that name's order.
pub(super) fn every() -> Vec<LanguageChoice> {
    let mut all: Vec<LanguageChoice> = isolang::languages()
        .filter_map(|l| l.to_639_1())
        .map(choice)
        .collect();
    all.sort_by_key(|l| l.name.to_lowercase());
    all
}

/// Languages' codes as their own names, for a line of text: "English,
/// español".
pub(super) fn names(codes: &[String]) -> String {
    codes
        .iter()
        .map(|code| choice(code).name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl LanguagePicker {
    pub(super) fn new(chosen: &[String]) -> LanguagePicker {
        LanguagePicker {
            chosen: chosen.iter().map(|c| choice(c)).collect(),
            others: every()
                .into_iter()
                .filter(|l| !chosen.contains(&l.code))
                .collect(),
        }
    }
}

/// The codes a form sent (`language`, once per box ticked and once for
/// the list of others), as the use case reads them.
pub(super) fn sent(fields: &Fields) -> Vec<String> {
    fields
        .0
        .iter()
        .filter(|(name, value)| name == "language" && !value.trim().is_empty())
        .map(|(_, value)| value.trim().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_go_by_their_own_names_and_the_chosen_come_first() {
        let picker = LanguagePicker::new(&["es".to_owned(), "haw".to_owned()]);
        let names: Vec<&str> = picker.chosen.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["español", "haw"]);
        assert!(picker
            .others
            .iter()
            .any(|l| l.code == "en" && l.name == "English"));
        assert!(picker.others.iter().all(|l| l.code != "es"));
        assert!(picker.others.len() > 150, "{}", picker.others.len());
        let fields = Fields(vec![
            ("language".into(), "es".into()),
            ("language".into(), "".into()),
            ("language".into(), "fr".into()),
            ("bio".into(), "x".into()),
        ]);
        assert_eq!(sent(&fields), ["es", "fr"]);
        assert_eq!(
            super::names(&["en".to_owned(), "es".to_owned()]),
            "English, español"
        );
    }
}
