//! Validated values. Each constructor returns a stable error code (see
//! [`crate::FieldError`]) instead of a sentence.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = &'static str;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
    };
}

string_value!(
    /// A URL-safe name: lowercase ASCII letters, digits and single hyphens,
    /// 2 to 48 characters, starting with a letter. Names co-ops in URLs.
    Slug
);
string_value!(
    /// The key of a member class within its co-op ("worker", "investor"),
    /// with the same rules as a [`Slug`].
    ClassKey
);
string_value!(
    /// An email address, lowercased so it identifies one login.
    Email
);
string_value!(
    /// How a person is shown to others: 1 to 80 characters after trimming.
    DisplayName
);
string_value!(
    /// A co-op's name: 2 to 120 characters after trimming.
    CoopName
);

fn parse_slug_like(raw: &str) -> Result<String, &'static str> {
    let value = raw.trim();
    let len = value.chars().count();
    if !(2..=48).contains(&len) {
        return Err("slug-length");
    }
    let starts_with_letter = value.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !starts_with_letter || !allowed || value.ends_with('-') || value.contains("--") {
        return Err("slug-format");
    }
    Ok(value.to_owned())
}

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        parse_slug_like(raw).map(Self)
    }
}

impl ClassKey {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        parse_slug_like(raw).map(Self)
    }
}

impl Email {
    /// Deliberately loose (one `@`, something either side, a dot in the
    /// domain, no spaces): the only real test of an address is mail
    /// arriving at it.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err("required");
        }
        if value.len() > 254 {
            return Err("email-format");
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err("email-format");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@');
        if local.is_empty() || !domain_ok || value.chars().any(char::is_whitespace) {
            return Err("email-format");
        }
        Ok(Self(value))
    }
}

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        parse_text(raw, 1, 80).map(Self)
    }
}

impl CoopName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        parse_text(raw, 2, 120).map(Self)
    }
}

fn parse_text(raw: &str, min: usize, max: usize) -> Result<String, &'static str> {
    let value = raw.trim();
    let len = value.chars().count();
    if len == 0 {
        Err("required")
    } else if len < min {
        Err("too-short")
    } else if len > max {
        Err("too-long")
    } else if value.chars().any(char::is_control) {
        Err("control-characters")
    } else {
        Ok(value.to_owned())
    }
}

/// A password as typed, checked for length only (NIST SP 800-63B: length
/// matters, composition rules do not). Never stored: only its argon2id hash
/// is. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 512;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let len = raw.chars().count();
        if len == 0 {
            Err("required")
        } else if len < Self::MIN_CHARS {
            Err("password-too-short")
        } else if len > Self::MAX_CHARS {
            Err("too-long")
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// The languages coopkit speaks. Adding one means adding its Fluent file
/// and a variant here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Es,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Es];

    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|l| l.code() == raw.trim())
            .ok_or("locale-unknown")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs() {
        assert_eq!(
            Slug::parse(" capitol-hill ").unwrap().as_str(),
            "capitol-hill"
        );
        assert_eq!(Slug::parse("a"), Err("slug-length"));
        assert_eq!(Slug::parse("Capitol"), Err("slug-format"));
        assert_eq!(Slug::parse("9lives"), Err("slug-format"));
        assert_eq!(Slug::parse("a--b"), Err("slug-format"));
        assert_eq!(Slug::parse("ab-"), Err("slug-format"));
        assert_eq!(Slug::parse("café"), Err("slug-format"));
    }

    #[test]
    fn emails_are_lowercased_and_loosely_checked() {
        assert_eq!(
            Email::parse(" Ana@Example.COOP ").unwrap().as_str(),
            "ana@example.coop"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.org",
            "ana@localhost",
            "a b@x.org",
            "a@b@x.org",
            "a@.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_are_checked_by_length_and_never_printed() {
        assert_eq!(Password::parse("short"), Err("password-too-short"));
        let p = Password::parse("correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(..)");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ana  ").unwrap().as_str(), "Ana");
        assert_eq!(DisplayName::parse("   "), Err("required"));
        assert_eq!(DisplayName::parse(&"x".repeat(81)), Err("too-long"));
        assert_eq!(CoopName::parse("A"), Err("too-short"));
        assert_eq!(DisplayName::parse("a\u{0}b"), Err("control-characters"));
    }

    proptest! {
        #[test]
        fn a_parsed_slug_parses_again_to_itself(raw in "\\PC{0,60}") {
            if let Ok(slug) = Slug::parse(&raw) {
                prop_assert_eq!(Slug::parse(slug.as_str()), Ok(slug.clone()));
                prop_assert!(slug.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            }
        }

        #[test]
        fn email_parsing_is_idempotent(raw in "[a-zA-Z0-9.@ -]{0,40}") {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
            }
        }
    }
}
