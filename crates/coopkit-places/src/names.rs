//! Names as the gazetteer compares them: "Saint-Étienne", "SAINT ETIENNE"
//! and "saint étienne" are one key.

use unicode_normalization::UnicodeNormalization;

/// Lower case without accents; apostrophes and full stops dropped (so
/// "St. Mary's" is "st marys"); every other run of what is not a letter
/// or digit one space.
pub fn key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkd().flat_map(char::to_lowercase) {
        match c {
            '\'' | '’' | '`' | '.' => {}
            c if unicode_normalization::char::is_combining_mark(c) => {}
            c if c.is_alphanumeric() => {
                if space && !key.is_empty() {
                    key.push(' ');
                }
                space = false;
                key.push(c);
            }
            _ => space = true,
        }
    }
    key
}

/// Whether `key` begins with the words of `start` ("washington d c"
/// starts with "washington", not with "wash"... unless `partial` allows
/// the last word to be unfinished, as it is while someone types).
pub fn starts_with_words(key: &str, start: &str, partial: bool) -> bool {
    key.strip_prefix(start)
        .is_some_and(|rest| partial || rest.is_empty() || rest.starts_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_punctuation_do_not_count() {
        assert_eq!(key("Saint-Étienne"), "saint etienne");
        assert_eq!(key("  SAINT ETIENNE "), "saint etienne");
        assert_eq!(key("St. Mary's"), "st marys");
        assert_eq!(key("Washington, D.C."), "washington dc");
        assert_eq!(key("Ærøskøbing"), "ærøskøbing");
    }

    #[test]
    fn words_start_at_word_boundaries() {
        assert!(starts_with_words("washington dc", "washington", false));
        assert!(!starts_with_words("washingtonville", "washington", false));
        assert!(starts_with_words("washingtonville", "washington", true));
        assert!(!starts_with_words("washington", "washington dc", true));
    }
}
