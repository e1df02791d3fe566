//! Spanish pages without English: every page a browser test visits in
//! Spanish is read word by word, and a word that English writes and Spanish
//! does not (by the two languages' dictionaries and the English interface)
//! is an English leftover: an untranslated message, a word hard-coded in a
//! template, an English message copied into the Spanish catalogue. Numbers
//! are not words, and names are in neither dictionary. What people typed is
//! theirs, in whatever language: the pages mark it `translate="no"` (an
//! item's title, a member's name), and it is left out.

use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The page's text as a reader sees it, without what is marked as
/// another language and scripts; and apart, what people typed (marked
/// `translate="no"`), whose words may come back inside a sentence ("Solicitudes
/// a Story Sitters").
pub(super) const TEXT: &str = r#"
if (!document.documentElement.lang.startsWith("es")) return null;
const page = document.body.cloneNode(true);
page.querySelectorAll('script, style, [lang]:not([lang^="es"])').forEach((e) => e.remove());
const typed = [...page.querySelectorAll('[translate="no"]')].map((e) => e.textContent);
page.querySelectorAll('[translate="no"]').forEach((e) => e.remove());
return [page.textContent, typed.join(" ")];
"#;

/// A catalogue's words: each message's text, without its keys, its
/// variables, its variants' names and its comments, in lower case.
fn words_of(catalogue: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for line in catalogue.lines() {
        let text = match line.split_once(" = ") {
            _ if line.starts_with('#') => continue,
            Some((key, value)) if !key.starts_with(' ') => value,
            _ => line,
        };
        for token in text.split_whitespace() {
            // Variables, terms, and variant names are not words shown.
            if token.starts_with(['$', '-', '*', '[']) || token.starts_with("{$") {
                continue;
            }
            words.extend(
                token
                    .split(|c: char| !c.is_alphabetic())
                    .filter(|w| w.chars().count() >= 3)
                    .map(str::to_lowercase),
            );
        }
    }
    words
}

/// A word list's words, in lower case, from Debian's wordlists
/// (`wbritish`, `wspanish`; scripts/install-test-deps installs them).
fn wordlist(path: &str) -> BTreeSet<String> {
    let list = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (scripts/install-test-deps installs it)"));
    list.lines()
        .filter(|w| !w.contains('\''))
        .map(str::to_lowercase)
        .collect()
}

/// Words written in English but not in Spanish: the English dictionary's
/// and the English interface's, less the Spanish dictionary's and the
/// Spanish interface's (the dictionary lacks most verb forms: "decide",
/// "usa"). An English message copied whole into the Spanish catalogue is
/// caught by `no_spanish_message_is_its_english_one` instead.
fn english_only() -> &'static BTreeSet<String> {
    static WORDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut english = wordlist("/usr/share/dict/british-english");
        english.extend(words_of(include_str!("../../../locales/en.ftl")));
        let mut spanish = wordlist("/usr/share/dict/spanish");
        spanish.extend(words_of(include_str!("../../../locales/es.ftl")));
        english
            .difference(&spanish)
            .filter(|w| !SPANISH_TOO.contains(&w.as_str()))
            .cloned()
            .collect()
    })
}

/// Words Spanish pages write as English does: formats, loanwords, and the
/// months as ICU abbreviates them in Spanish dates ("4 nov 2026").
const SPANISH_TOO: [&str; 22] = [
    "api", "csv", "json", "geojson", "blt", "coopkit", "email", "web", "software", "spam", "ok",
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov",
];

/// Each message's text by key: its first line's value and the lines that
/// continue it.
fn messages(catalogue: &str) -> Vec<(String, String)> {
    let mut messages: Vec<(String, String)> = Vec::new();
    for line in catalogue.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match line.split_once(" = ") {
            Some((key, value)) if !line.starts_with(' ') => {
                messages.push((key.to_owned(), value.to_owned()));
            }
            _ => {
                if let Some((_, text)) = messages.last_mut() {
                    text.push('\n');
                    text.push_str(line);
                }
            }
        }
    }
    messages
}

/// An English message copied into the Spanish catalogue is English on a
/// Spanish page that no word check sees (its words are "Spanish" then).
#[test]
fn no_spanish_message_is_its_english_one() {
    let english = messages(include_str!("../../../locales/en.ftl"));
    let spanish = messages(include_str!("../../../locales/es.ftl"));
    let copied: Vec<&str> = spanish
        .iter()
        .filter(|(key, text)| {
            english.iter().any(|(k, t)| k == key && t == text)
                && !english_words(&without_variables(text), "").is_empty()
        })
        .map(|(key, _)| key.as_str())
        .collect();
    assert!(
        copied.is_empty(),
        "Spanish messages still in English: {copied:?}"
    );
}

/// A message without its variables' names (`{ $amount }`), which are
/// never shown.
fn without_variables(message: &str) -> String {
    let mut kept = String::with_capacity(message.len());
    let mut in_name = false;
    for c in message.chars() {
        in_name = (in_name && (c.is_alphanumeric() || c == '_' || c == '-')) || c == '$';
        if !in_name {
            kept.push(c);
        }
    }
    kept
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic())
        .map(str::to_lowercase)
}

/// The English words on a Spanish page's text, once each, in order; the
/// words of what people typed on it are theirs.
pub(super) fn english_words(text: &str, typed: &str) -> Vec<String> {
    let typed: BTreeSet<String> = words(typed).collect();
    let found: BTreeSet<String> = words(text)
        .filter(|w| english_only().contains(w) && !typed.contains(w))
        .collect();
    found.into_iter().collect()
}

#[test]
fn english_words_are_told_from_spanish_names_and_numbers() {
    assert_eq!(
        english_words(
            "Saldo: 20 fichas. Capitol Hill Sitters · Tokens for joining",
            "Capitol Hill Sitters"
        ),
        ["for", "joining", "tokens"]
    );
    assert!(english_words(
        "Cooperativas alojadas aquí · 3 de diciembre · 4 nov 2026",
        ""
    )
    .is_empty());
    // A name that is also an English word ("Ana" is a collection of
    // sayings) is the page's to mark as typed.
    assert!(english_words("Hola, Ana Ortiz", "Ana Ortiz").is_empty());
}
