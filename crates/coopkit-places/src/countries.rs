//! Countries by name or code, as lists and people write them.

/// Country names as lists write them, in English and in their own
/// languages, with their ISO 3166-1 alpha-2 codes: the names the lists
/// coopkit has met use. A misspelt name is reported, not guessed.
const COUNTRIES: [(&str, &str); 73] = [
    ("austria", "AT"),
    ("österreich", "AT"),
    ("belgium", "BE"),
    ("belgique", "BE"),
    ("belgië", "BE"),
    ("bulgaria", "BG"),
    ("българия", "BG"),
    ("croatia", "HR"),
    ("hrvatska", "HR"),
    ("cyprus", "CY"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("česko", "CZ"),
    ("denmark", "DK"),
    ("danmark", "DK"),
    ("estonia", "EE"),
    ("eesti", "EE"),
    ("finland", "FI"),
    ("suomi", "FI"),
    ("france", "FR"),
    ("germany", "DE"),
    ("deutschland", "DE"),
    ("greece", "GR"),
    ("ελλάδα", "GR"),
    ("ελλαδα", "GR"),
    ("hungary", "HU"),
    ("magyarország", "HU"),
    ("ireland", "IE"),
    ("éire", "IE"),
    ("italy", "IT"),
    ("italia", "IT"),
    ("latvia", "LV"),
    ("latvija", "LV"),
    ("lithuania", "LT"),
    ("luxembourg", "LU"),
    ("malta", "MT"),
    ("netherlands", "NL"),
    ("nederland", "NL"),
    ("poland", "PL"),
    ("polska", "PL"),
    ("portugal", "PT"),
    ("romania", "RO"),
    ("românia", "RO"),
    ("slovakia", "SK"),
    ("slovensko", "SK"),
    ("slovenia", "SI"),
    ("slovenija", "SI"),
    ("spain", "ES"),
    ("españa", "ES"),
    ("sweden", "SE"),
    ("sverige", "SE"),
    ("switzerland", "CH"),
    ("united kingdom", "GB"),
    ("great britain", "GB"),
    ("uk", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("isle of man", "IM"),
    ("jersey", "JE"),
    ("united states", "US"),
    ("united states of america", "US"),
    ("usa", "US"),
    ("canada", "CA"),
    ("norway", "NO"),
    ("norge", "NO"),
    ("iceland", "IS"),
    ("serbia", "RS"),
    ("srbija", "RS"),
    ("ghana", "GH"),
    ("kenya", "KE"),
    ("uganda", "UG"),
];

/// A country as an ISO 3166-1 alpha-2 code, if it is one or names one.
/// Two letters are taken as a code ("UK" and Greece's "EL", used by the
/// EU, become GB and GR).
pub fn country(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() == 2 && text.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(match text.to_ascii_uppercase().as_str() {
            "UK" => "GB".to_owned(),
            "EL" => "GR".to_owned(),
            code => code.to_owned(),
        });
    }
    let lower = text.to_lowercase();
    COUNTRIES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| (*code).to_owned())
}

#[cfg(test)]
mod tests {
    use super::country;

    #[test]
    fn codes_and_names_are_countries() {
        assert_eq!(country("uk").as_deref(), Some("GB"));
        assert_eq!(country("United Kingdom").as_deref(), Some("GB"));
        assert_eq!(country(" España ").as_deref(), Some("ES"));
        assert_eq!(country("us").as_deref(), Some("US"));
        assert_eq!(country("Frace"), None);
    }
}
