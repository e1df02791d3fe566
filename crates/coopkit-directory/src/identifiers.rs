//! Registry identifiers: which register a registered number belongs to,
//! told by its shape, and the `.coop` domain a website shows.
//!
//! Schemes are org-id.guide's codes where one exists (`GB-COH` for
//! Companies House, `GB-MPR` for the FCA's Mutuals Public Register), so
//! other open data (360Giving, IATI) can join on them. A number whose
//! register its shape does not tell keeps the plain scheme
//! `registered-number` rather than a guess.

use crate::mapping::Record;

/// Companies House: eight digits, or two letters and six digits (`SC`
/// Scotland, `NI` Northern Ireland, `OC` an LLP, …).
pub const COMPANIES_HOUSE: &str = "GB-COH";
/// The Mutuals Public Register: co-operative and community benefit
/// societies and credit unions, numbered with a suffix for their kind
/// (`1234R`, `567RS`, `89CBS`, `12CUS`), or, registered in Northern
/// Ireland before 2018, with a prefix (`IP123`, `CU45`).
pub const MUTUALS_REGISTER: &str = "GB-MPR";
/// A number whose register is not known.
pub const REGISTERED_NUMBER: &str = "registered-number";
/// A domain under `.coop`, which only co-operatives may hold.
pub const COOP_DOMAIN: &str = "coop-domain";

/// One identifier: a scheme and a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identifier {
    pub scheme: &'static str,
    pub value: String,
}

/// Every registry identifier a record shows.
pub fn registry_identifiers(record: &Record) -> Vec<Identifier> {
    let number = record.company_number.trim();
    let registered = (!number.is_empty()).then(|| Identifier {
        scheme: register_of(number),
        value: number.to_uppercase(),
    });
    let domain = coop_domain(&record.website).map(|value| Identifier {
        scheme: COOP_DOMAIN,
        value,
    });
    registered.into_iter().chain(domain).collect()
}

/// The register a registered number belongs to, by its shape.
pub fn register_of(number: &str) -> &'static str {
    let number = number.trim().to_uppercase();
    let letters = number.chars().take_while(char::is_ascii_alphabetic).count();
    let (prefix, rest) = number.split_at(letters);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let (middle, suffix) = rest.split_at(digits);
    let all_letters = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic());
    match (prefix, middle.len(), suffix) {
        ("", 8, "") => COMPANIES_HOUSE,
        ("IP" | "CU", 1.., "") => MUTUALS_REGISTER,
        (p, 6, "") if p.len() == 2 => COMPANIES_HOUSE,
        ("", 1.., s) if all_letters(s) => MUTUALS_REGISTER,
        _ => REGISTERED_NUMBER,
    }
}

/// The registrable `.coop` domain of a website, without `www.`.
fn coop_domain(website: &str) -> Option<String> {
    let rest = website.trim().to_lowercase();
    let rest = rest.split_once("://").map_or(rest.as_str(), |(_, r)| r);
    let host = rest.split(['/', '?', '#', ':']).next()?;
    let host = host.trim_end_matches('.');
    if !host.ends_with(".coop") {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    // Registrations are second-level: suma.coop, not www.suma.coop.
    let name = labels.get(labels.len().checked_sub(2)?)?;
    (!name.is_empty()).then(|| format!("{name}.coop"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_is_told_by_the_shape_of_the_number() {
        // Shapes from the Co-operatives UK 2017 list, with its Registrar column.
        for (number, register) in [
            ("10143R", MUTUALS_REGISTER),
            ("2059RS", MUTUALS_REGISTER),
            ("7029CBS", MUTUALS_REGISTER),
            ("157CUS", MUTUALS_REGISTER),
            ("18C", MUTUALS_REGISTER),
            ("IP000348", MUTUALS_REGISTER),
            ("CU123", MUTUALS_REGISTER),
            ("04518100", COMPANIES_HOUSE),
            ("SC399880", COMPANIES_HOUSE),
            ("oc301234", COMPANIES_HOUSE),
            ("119598", REGISTERED_NUMBER),
            ("R-12", REGISTERED_NUMBER),
        ] {
            assert_eq!(register_of(number), register, "{number}");
        }
    }

    #[test]
    fn a_record_shows_its_number_and_its_coop_domain() {
        let record = Record {
            company_number: " 2059rs".to_owned(),
            website: "https://www.Suma.coop/about".to_owned(),
            ..Record::default()
        };
        assert_eq!(
            registry_identifiers(&record),
            [
                Identifier {
                    scheme: MUTUALS_REGISTER,
                    value: "2059RS".to_owned()
                },
                Identifier {
                    scheme: COOP_DOMAIN,
                    value: "suma.coop".to_owned()
                },
            ]
        );
        for website in ["https://coop.example.org", "suma.coop.example", ".coop", ""] {
            let record = Record {
                website: website.to_owned(),
                ..Record::default()
            };
            assert!(registry_identifiers(&record).is_empty(), "{website}");
        }
    }
}
