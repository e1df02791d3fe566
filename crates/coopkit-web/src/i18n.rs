//! Translations with Fluent. Every string a person reads comes from
//! `locales/<lang>.ftl`; code and templates name messages by key.

use std::collections::HashMap;
use std::sync::Arc;

use coopkit_domain::{Locale, Timestamp};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::formats::Formats;
use crate::zones::Zones;

const SOURCES: [(Locale, &str); 2] = [
    (Locale::En, include_str!("../locales/en.ftl")),
    (Locale::Es, include_str!("../locales/es.ftl")),
];

/// Every language's messages, parsed once at start-up.
#[derive(Clone)]
pub struct I18n {
    bundles: Arc<HashMap<Locale, FluentBundle<FluentResource>>>,
    formats: Arc<HashMap<Locale, Formats>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n")
            .field("locales", &self.bundles.len())
            .finish()
    }
}

/// A Fluent file that does not parse is a build defect; this says which.
#[derive(Debug, thiserror::Error)]
#[error("locales/{locale}.ftl: {detail}")]
pub struct BadMessages {
    locale: &'static str,
    detail: String,
}

impl I18n {
    pub fn load() -> Result<Self, BadMessages> {
        let mut bundles = HashMap::new();
        let mut formats = HashMap::new();
        for (locale, source) in SOURCES {
            let bad = |detail: String| BadMessages {
                locale: locale.code(),
                detail,
            };
            let resource = FluentResource::try_new(source.to_owned())
                .map_err(|(_, errors)| bad(format!("{errors:?}")))?;
            let lang: LanguageIdentifier =
                locale.code().parse().map_err(|e| bad(format!("{e:?}")))?;
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // Isolation marks around arguments confuse plain-text readers
            // (screen readers announce them, tests see them); our messages
            // are single-direction.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| bad(format!("{errors:?}")))?;
            bundles.insert(locale, bundle);
            formats.insert(locale, Formats::load(locale).map_err(bad)?);
        }
        Ok(Self {
            bundles: Arc::new(bundles),
            formats: Arc::new(formats),
        })
    }

    /// The messages compiled into this binary, parsed on first use. A
    /// unit test proves they parse, so the empty fallback never ships.
    pub fn global() -> &'static I18n {
        static GLOBAL: std::sync::LazyLock<I18n> = std::sync::LazyLock::new(|| {
            I18n::load().unwrap_or_else(|error| {
                tracing::error!(%error, "translations failed to load; showing message keys");
                I18n {
                    bundles: Arc::new(HashMap::new()),
                    formats: Arc::new(HashMap::new()),
                }
            })
        });
        &GLOBAL
    }

    /// A translator for one request.
    pub fn tr(&self, locale: Locale) -> Tr {
        Tr {
            locale,
            zones: Zones::default(),
            i18n: self.clone(),
        }
    }

    /// The message keys of a locale, for checking that every language has
    /// every message.
    pub fn keys(locale: Locale) -> Vec<String> {
        SOURCES
            .iter()
            .filter(|(l, _)| *l == locale)
            .flat_map(|(_, source)| source.lines())
            .filter_map(|line| line.split_once(" ="))
            .map(|(key, _)| key.trim().to_owned())
            .filter(|key| !key.is_empty() && !key.starts_with('#') && !key.starts_with(' '))
            .collect()
    }

    fn format(&self, locale: Locale, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let lookup = |locale: Locale| {
            let bundle = self.bundles.get(&locale)?;
            let pattern = bundle.get_message(key)?.value()?;
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, args, &mut errors);
            if !errors.is_empty() {
                tracing::warn!(
                    key,
                    locale = locale.code(),
                    ?errors,
                    "message formatted with errors"
                );
            }
            Some(text.into_owned())
        };
        lookup(locale)
            .or_else(|| lookup(Locale::En))
            .unwrap_or_else(|| {
                tracing::warn!(key, "missing message");
                key.to_owned()
            })
    }
}

/// Picks the language for a request: the person's setting, else the
/// language cookie, else the browser's Accept-Language.
pub fn negotiate(
    person_setting: Option<Locale>,
    cookie: Option<&str>,
    accept_language: Option<&str>,
) -> Locale {
    if let Some(locale) = person_setting {
        return locale;
    }
    if let Some(locale) = cookie.and_then(|c| Locale::parse(c).ok()) {
        return locale;
    }
    let requested = fluent_langneg::accepted_languages::parse(accept_language.unwrap_or(""));
    let available: Vec<LanguageIdentifier> = Locale::ALL
        .iter()
        .filter_map(|l| l.code().parse().ok())
        .collect();
    let default: Option<LanguageIdentifier> = Locale::En.code().parse().ok();
    let chosen = fluent_langneg::negotiate_languages(
        &requested,
        &available,
        default.as_ref(),
        fluent_langneg::NegotiationStrategy::Lookup,
    );
    chosen
        .first()
        .and_then(|lang| Locale::parse(lang.language.as_str()).ok())
        .unwrap_or_default()
}

/// Translates for one request's language.
#[derive(Clone, Debug)]
pub struct Tr {
    pub locale: Locale,
    /// The zones this page shows its times and reads its forms in.
    pub zones: Zones,
    i18n: I18n,
}

impl Tr {
    /// The same translator, showing times in `zones`.
    pub fn in_zones(self, zones: Zones) -> Tr {
        Tr { zones, ..self }
    }

    pub fn t(&self, key: &str) -> String {
        self.i18n.format(self.locale, key, None)
    }

    /// Whether there is a message `key` (in English, which has them all).
    pub fn has(&self, key: &str) -> bool {
        self.i18n
            .bundles
            .get(&Locale::En)
            .is_some_and(|bundle| bundle.has_message(key))
    }

    /// A directory term in words: an ESSGlobal or ICA term (a URI or its
    /// code: `…/activities-ica/ICA280`, `OS130`) by its label in this
    /// language; a list's own tag ("community_garden") with its
    /// underscores read as spaces; anything else as it is.
    pub fn term(&self, value: &str) -> String {
        let code = value.rsplit('/').next().unwrap_or(value);
        let is_code = ["ICA", "OS", "BMT"].iter().any(|scheme| {
            code.strip_prefix(scheme)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        let key = format!("term-{}", code.to_ascii_lowercase());
        match (is_code, value.contains("://")) {
            (true, _) if self.has(&key) => self.t(&key),
            (true, _) | (_, true) => code.to_owned(),
            (false, false) => value.replace('_', " "),
        }
    }

    /// A message with one text argument.
    pub fn t_str(&self, key: &str, name: &str, value: &str) -> String {
        self.t_args(key, &[(name, value)])
    }

    /// A message around one argument that people wrote (a co-op's or a
    /// currency's name): the text before it and after it, so that a page
    /// can mark the name itself `translate="no"`.
    pub fn t_around(&self, key: &str, name: &str) -> (String, String) {
        let text = self.t_str(key, name, "\u{0}");
        let (before, after) = text.split_once('\u{0}').unwrap_or((&text, ""));
        (before.to_owned(), after.to_owned())
    }

    /// A message with text arguments.
    pub fn t_args(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(name.to_string(), FluentValue::from(value.to_string()));
        }
        self.i18n.format(self.locale, key, Some(&args))
    }

    /// A message with one number argument (plurals choose by it).
    /// Takes the number by value or by reference, as templates pass it.
    pub fn t_num(&self, key: &str, name: &str, value: impl std::borrow::Borrow<i64>) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(*value.borrow()));
        self.i18n.format(self.locale, key, Some(&args))
    }

    fn formats(&self) -> Option<&Formats> {
        self.i18n.formats.get(&self.locale)
    }

    /// An amount of `scale` decimal places, as this language writes it
    /// ("1,234.50"; "1234,50"). Takes any integer width, as templates pass it.
    pub fn amount(&self, minor: impl Into<i128>, scale: impl Into<u32>) -> String {
        let (minor, scale) = (minor.into(), scale.into());
        match self.formats() {
            Some(formats) => formats.amount(minor, scale),
            None => coopkit_domain::format_minor_units(
                i64::try_from(minor).unwrap_or(if minor < 0 { i64::MIN } else { i64::MAX }),
                scale,
            ),
        }
    }

    /// A measured figure (a share, a coefficient) to `places` decimals.
    /// Statistics are the one place floats are shown; amounts never are.
    pub fn rounded(&self, value: f64, places: u32) -> String {
        let scaled = (value * 10_f64.powi(i32::try_from(places).unwrap_or(0))).round();
        // `as` saturates, and a NaN becomes 0: a figure, never a panic.
        self.amount(scaled as i128, places)
    }

    /// How far away something is, as people say it: "under 100 m away",
    /// "450 m away" (to ten metres), "2.3 km away" (to a tenth).
    pub fn distance(&self, metres: u64) -> String {
        match metres {
            0..100 => self.t("distance-close"),
            100..1_000 => self.t_str("distance-m", "metres", &self.number((metres + 5) / 10 * 10)),
            _ => self.t_str(
                "distance-km",
                "km",
                &self.amount((metres + 50) / 100, 1_u32),
            ),
        }
    }

    /// A count, grouped as this language groups it.
    pub fn number(&self, n: impl Into<i128>) -> String {
        let n = n.into();
        self.formats()
            .map_or_else(|| n.to_string(), |formats| formats.number(n))
    }

    /// The calendar day, written out ("2 de diciembre de 2026").
    pub fn date(&self, at: &Timestamp) -> String {
        let zone = self.zones.shown();
        self.formats()
            .map_or_else(|| zone.date(*at), |formats| formats.date(*at, zone))
    }

    /// The day and the time to the minute ("2 dic 2026, 19:05"), with the
    /// zone's abbreviation where it is not the co-op's.
    pub fn date_time(&self, at: &Timestamp) -> String {
        let zone = self.zones.shown();
        let shown = self.formats().map_or_else(
            || zone.wall_clock(*at),
            |formats| formats.date_time(*at, zone),
        );
        shown + &self.zones.label(*at)
    }

    /// From one time to another ("2 dic 2026, 19:00 – 23:00").
    pub fn span(&self, start: &Timestamp, end: &Timestamp) -> String {
        let zone = self.zones.shown();
        let shown = self.formats().map_or_else(
            || format!("{} – {}", zone.wall_clock(*start), zone.wall_clock(*end)),
            |formats| formats.span(*start, *end, zone),
        );
        shown + &self.zones.label(*end)
    }

    /// Reads an amount typed as this language writes it; the error is a
    /// validation code, as [`coopkit_domain::parse_minor_units`] gives.
    pub fn parse_amount(&self, text: &str, scale: impl Into<u32>) -> Result<u64, &'static str> {
        let scale = scale.into();
        match self.formats() {
            Some(formats) => formats.parse_amount(text, scale),
            None => coopkit_domain::parse_minor_units(text, scale),
        }
    }

    /// A percentage as this language writes it ("62.5", "0,5", "50%"),
    /// in basis points: 0.5% is 50.
    pub fn parse_basis_points(&self, text: &str) -> Result<u64, &'static str> {
        self.parse_amount(text.trim().trim_end_matches('%').trim_end(), 2_u32)
    }

    /// The message for a validation or conflict code from the domain.
    pub fn error(&self, code: &str) -> String {
        self.t(&format!("error-{code}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message() {
        let english = I18n::keys(Locale::En);
        assert!(
            english.len() > 50,
            "expected the English file to be read, got {english:?}"
        );
        for locale in Locale::ALL {
            let keys = I18n::keys(locale);
            let missing: Vec<_> = english.iter().filter(|k| !keys.contains(k)).collect();
            let extra: Vec<_> = keys.iter().filter(|k| !english.contains(k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{locale:?}: missing {missing:?}, extra {extra:?}"
            );
        }
    }

    /// Pages name states and kinds by keys made from their `as_str()`:
    /// every variant of every one has its words in every language.
    #[test]
    fn every_state_and_kind_has_its_words() {
        use coopkit_governance::{Enactment, ProposalKind, ProposalState};
        use coopkit_market::{
            BookingState, ItemKind, OfferAnswer, OrderState, ProjectState, TaskAction,
        };
        use coopkit_patronage::state::AllocationState;
        let made: Vec<String> = [
            BookingState::ALL
                .map(|s| format!("booking-state-{}", s.as_str()))
                .to_vec(),
            ProposalState::ALL
                .map(|s| format!("proposal-state-{}", s.as_str()))
                .to_vec(),
            ProposalKind::ALL
                .map(|k| format!("proposal-kind-{}", k.as_str()))
                .to_vec(),
            ItemKind::ALL
                .map(|k| format!("catalogue-kind-{}", k.as_str()))
                .to_vec(),
            OrderState::ALL
                .map(|s| format!("orders-state-{}", s.as_str()))
                .to_vec(),
            ProjectState::ALL
                .map(|s| format!("fund-state-{}", s.as_str()))
                .to_vec(),
            TaskAction::ALL
                .map(|a| format!("task-{}", a.as_str()))
                .to_vec(),
            OfferAnswer::ALL
                .map(|a| format!("offer-{}", a.as_str()))
                .to_vec(),
            AllocationState::ALL
                .map(|s| format!("allocation-state-{}", s.as_str()))
                .to_vec(),
            Enactment::ALL
                .map(|e| format!("forecast-outcome-{}", e.as_str()))
                .to_vec(),
            coopkit_domain::Joining::ALL
                .map(|j| format!("coop-joining-{}", j.as_str()))
                .to_vec(),
        ]
        .concat();
        for locale in Locale::ALL {
            let keys = I18n::keys(locale);
            let missing: Vec<_> = made.iter().filter(|k| !keys.contains(k)).collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        }
    }

    #[test]
    fn a_message_splits_around_a_name_people_wrote() {
        let i18n = I18n::load().unwrap();
        let around = |locale| i18n.tr(locale).t_around("ledger-title", "coop");
        assert_eq!(around(Locale::En), ("Ledger of ".into(), String::new()));
        assert_eq!(around(Locale::Es), ("Cuentas de ".into(), String::new()));
    }

    #[test]
    fn messages_load_and_translate() {
        let i18n = I18n::load().unwrap();
        assert_eq!(i18n.tr(Locale::En).t("nav-login"), "Log in");
        assert_eq!(i18n.tr(Locale::Es).t("nav-login"), "Entrar");
        assert_eq!(
            i18n.tr(Locale::En).t_num("coop-members-count", "count", 1),
            "1 member"
        );
        assert_eq!(
            i18n.tr(Locale::Es)
                .t_num("coop-members-count", "count", 150),
            "150 socios"
        );
        assert_eq!(i18n.tr(Locale::Es).t("no-such-key"), "no-such-key");
    }

    /// Counts choose their plural, and names are not given a "(s)": seen
    /// as "1 new offers made" and "Dara excluido(s)".
    #[test]
    fn counts_and_names_read_as_sentences() {
        let i18n = I18n::load().unwrap();
        let (en, es) = (i18n.tr(Locale::En), i18n.tr(Locale::Es));
        assert_eq!(
            en.t_num("dispatch-offered", "count", 1),
            "One new offer made."
        );
        assert_eq!(
            en.t_num("dispatch-offered", "count", 3),
            "3 new offers made."
        );
        assert_eq!(
            es.t_num("dispatch-offered", "count", 1),
            "Una oferta nueva."
        );
        for key in ["round-elected", "round-excluded", "round-surplus"] {
            for tr in [&en, &es] {
                let said = tr.t_str(key, "names", "Dara");
                assert!(said.contains("Dara") && !said.contains("(s)"), "{said}");
            }
        }
    }

    /// Seen on the directory's facets: "ICA280", "OS130", whole ESSGlobal
    /// URIs and "other_buylocal" shown as words.
    #[test]
    fn directory_terms_read_as_words() {
        let i18n = I18n::load().unwrap();
        let (en, es) = (i18n.tr(Locale::En), i18n.tr(Locale::Es));
        let activity = "https://dev.lod.coop/essglobal/2.1/standard/activities-ica/ICA280";
        assert_eq!(en.term(activity), "Other services");
        assert_eq!(es.term(activity), "Otros servicios");
        assert_eq!(es.term("OS130"), "Sociedad de beneficio comunitario");
        assert_eq!(en.term("BMT10"), "Consumers");
        assert_eq!(
            en.term("OS115"),
            "OS115",
            "a code whose label is unknown stays a code"
        );
        assert_eq!(en.term("community_garden"), "community garden");
        assert_eq!(en.term("Housing"), "Housing");
        assert_eq!(en.term("https://example.org/terms/other"), "other");
    }

    /// Distances as people say them: seen as "0 m away" for a provider
    /// next door.
    #[test]
    fn distances_are_rounded_as_people_say_them() {
        let i18n = I18n::load().unwrap();
        let (en, es) = (i18n.tr(Locale::En), i18n.tr(Locale::Es));
        assert_eq!(en.distance(0_u64), "under 100 m away");
        assert_eq!(en.distance(447_u64), "450 m away");
        assert_eq!(en.distance(2_345_u64), "2.3 km away");
        assert_eq!(es.distance(2_345_u64), "a 2,3 km");
        assert_eq!(es.distance(12_u64), "a menos de 100 m");
    }

    #[test]
    fn language_choice_prefers_the_setting_then_the_cookie_then_the_browser() {
        assert_eq!(
            negotiate(Some(Locale::Es), Some("en"), Some("en")),
            Locale::Es
        );
        assert_eq!(negotiate(None, Some("es"), Some("en")), Locale::Es);
        assert_eq!(
            negotiate(None, None, Some("es-MX,es;q=0.9,en;q=0.5")),
            Locale::Es
        );
        assert_eq!(negotiate(None, None, Some("fr-FR, de;q=0.8")), Locale::En);
        assert_eq!(negotiate(None, Some("xx"), None), Locale::En);
    }
}
