//! A co-op's bylaws, as settings: its member classes, who may join which,
//! whether joining needs approval, and dues.

pub mod profile;

use serde::{Deserialize, Serialize};

use crate::membership::MembershipStatus;
use crate::validation::{Collector, Invalid};
use crate::values::{ClassKey, Slug};
use crate::{format_minor_units, CoopId, MemberClassId, Timestamp, Zone};

/// How often dues fall due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DuesPeriod {
    Monthly,
    Yearly,
}

impl DuesPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            DuesPeriod::Monthly => "monthly",
            DuesPeriod::Yearly => "yearly",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "monthly" => Ok(DuesPeriod::Monthly),
            "yearly" => Ok(DuesPeriod::Yearly),
            _ => Err("dues-period-unknown"),
        }
    }
}

/// Settings that stand for a co-op's bylaws.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoopSettings {
    /// Whether a coordinator must approve every new member. A class may
    /// require approval even when this is off, never the other way round.
    pub joining_requires_approval: bool,
    /// Dues in the minor unit of `dues_currency` (cents, or time tokens):
    /// an integer, never a float. Zero means no dues.
    pub dues_amount: i64,
    /// A currency code such as `GBP` or `HOUR`; the ledger gives it meaning.
    pub dues_currency: String,
    pub dues_period: DuesPeriod,
    /// Where the co-op keeps its clocks: its forms' times are read here,
    /// its periods (months, the fiscal year) begin and end here. UTC
    /// unless the founders say.
    #[serde(default)]
    pub time_zone: Zone,
}

impl CoopSettings {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errors = Collector::new();
        if self.dues_amount < 0 {
            errors.push("dues_amount", "must-not-be-negative");
        }
        let code = &self.dues_currency;
        if !(3..=8).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push("dues_currency", "currency-code-format");
        }
        errors.finish()
    }
}

impl CoopSettings {
    /// The dues as people read them ("5.00" for 500 pence), or `None` when
    /// there are none. Integer arithmetic only.
    pub fn dues_display(&self) -> Option<String> {
        if self.dues_amount == 0 {
            return None;
        }
        Some(format_minor_units(
            self.dues_amount,
            minor_unit_digits(&self.dues_currency),
        ))
    }
}

/// Decimal places of a currency's minor unit: two for the ISO 4217 money
/// currencies coopkit's co-ops use, none for tokens counted whole.
pub fn minor_unit_digits(currency: &str) -> u32 {
    match currency {
        "GBP" | "EUR" | "USD" | "CAD" | "AUD" | "NZD" | "CHF" | "SEK" | "NOK" | "DKK" | "MXN"
        | "BRL" | "ARS" | "COP" | "ZAR" | "INR" => 2,
        _ => 0,
    }
}

impl Default for CoopSettings {
    fn default() -> Self {
        Self {
            joining_requires_approval: true,
            dues_amount: 0,
            dues_currency: "HOUR".to_owned(),
            dues_period: DuesPeriod::Yearly,
            time_zone: Zone::utc(),
        }
    }
}

/// A member class as a co-op defines it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberClassSpec {
    pub key: ClassKey,
    pub name: String,
    pub description: String,
    /// Whether anyone may apply to this class. Closed classes (investors
    /// admitted by resolution, say) are filled by admins only.
    pub open_to_join: bool,
    /// Whether applications to this class always need approval, whatever
    /// the co-op-wide setting says.
    pub requires_approval: bool,
}

/// The key of a class named `name` by a person, the `row`-th of a form:
/// its name in lower-case ASCII letters and digits joined by hyphens
/// ("Family sitters" is `family-sitters`), or `class-ROW` when the name
/// has too few of those ("Niñeras" is `ni-eras`, "班" is `class-1`).
pub fn class_key_for(name: &str, row: usize) -> Result<ClassKey, &'static str> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut key = words.join("-");
    key.truncate(40);
    let key = key.trim_end_matches('-');
    let key = if key.starts_with(|c: char| c.is_ascii_lowercase()) {
        key.to_owned()
    } else {
        format!("class-{row}")
    };
    ClassKey::parse(&key).or_else(|_| ClassKey::parse(&format!("class-{row}")))
}

/// What joining a class leads to: refused, waiting for approval, or in.
pub fn join_outcome(
    settings: &CoopSettings,
    class: &MemberClassSpec,
) -> Result<MembershipStatus, &'static str> {
    if !class.open_to_join {
        return Err("class-closed");
    }
    if settings.joining_requires_approval || class.requires_approval {
        Ok(MembershipStatus::Pending)
    } else {
        Ok(MembershipStatus::Active)
    }
}

/// How a co-op admits applicants, taken as a whole: what its page says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joining {
    /// Every open class admits at once.
    Open,
    /// A coordinator approves every applicant.
    Approved,
    /// Some open classes admit at once, others wait for a coordinator.
    ByClass,
    /// No class is open to applicants.
    Closed,
}

impl Joining {
    pub const ALL: [Joining; 4] = [
        Joining::Open,
        Joining::Approved,
        Joining::ByClass,
        Joining::Closed,
    ];

    /// The co-op's rule, from [`join_outcome`] over its classes, so the
    /// page says what joining will do.
    pub fn of<'a>(
        settings: &CoopSettings,
        classes: impl IntoIterator<Item = &'a MemberClassSpec>,
    ) -> Joining {
        let (mut at_once, mut waits) = (false, false);
        for class in classes {
            match join_outcome(settings, class) {
                Ok(MembershipStatus::Pending) => waits = true,
                Ok(_) => at_once = true,
                Err(_) => {}
            }
        }
        match (at_once, waits) {
            (true, false) => Joining::Open,
            (false, true) => Joining::Approved,
            (true, true) => Joining::ByClass,
            (false, false) => Joining::Closed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Joining::Open => "open",
            Joining::Approved => "approval",
            Joining::ByClass => "by-class",
            Joining::Closed => "closed",
        }
    }
}

/// A co-op as first described by its founders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCoop {
    pub slug: Slug,
    pub name: crate::values::CoopName,
    pub description: String,
    pub profile: String,
    pub settings: CoopSettings,
    pub classes: Vec<MemberClassSpec>,
}

impl NewCoop {
    /// A co-op needs at least one class, and class keys are unique in it.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errors = Collector::new();
        if let Err(Invalid(mut settings)) = self.settings.validate() {
            errors.push_all(&mut settings);
        }
        if self.classes.is_empty() {
            errors.push("classes", "at-least-one-class");
        }
        for (i, class) in self.classes.iter().enumerate() {
            if self.classes[..i].iter().any(|c| c.key == class.key) {
                errors.push(&format!("classes[{i}].key"), "duplicate");
            }
        }
        errors.finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coop {
    pub id: CoopId,
    pub slug: Slug,
    pub name: String,
    pub description: String,
    pub profile: String,
    pub settings: CoopSettings,
    pub created_at: Timestamp,
}

impl Coop {
    /// Whether the co-op shows in public lists (the home page, the API's
    /// list, the directory): once it says what it is, in a description and
    /// a profile. A co-op founded and left empty, or founded to spam, shows
    /// nowhere until then; its own page still answers.
    pub fn is_listed(&self) -> bool {
        !self.description.trim().is_empty() && !self.profile.trim().is_empty()
    }
}

/// Who may found a co-op on a server: the operator's setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Founders {
    /// Anyone with an account, up to the limit per account.
    #[default]
    Anyone,
    /// Anyone whose address is verified (they followed the link mailed to
    /// it), up to the limit per account: a spammer needs a mailbox per
    /// co-op.
    Verified,
    /// Only the server's operators.
    Operators,
}

/// A co-op as listed publicly, with how many active members it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoopSummary {
    pub coop: Coop,
    pub active_members: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberClass {
    pub id: MemberClassId,
    pub coop_id: CoopId,
    pub spec: MemberClassSpec,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(open: bool, approval: bool) -> MemberClassSpec {
        MemberClassSpec {
            key: ClassKey::parse("worker").unwrap(),
            name: "Worker".into(),
            description: String::new(),
            open_to_join: open,
            requires_approval: approval,
        }
    }

    #[test]
    fn a_class_key_comes_from_its_name() {
        let key = |name: &str| class_key_for(name, 2).unwrap().to_string();
        assert_eq!(key("Family sitters"), "family-sitters");
        assert_eq!(key("  Worker-owners!  "), "worker-owners");
        assert_eq!(key("Niñeras"), "ni-eras");
        assert_eq!(key("班"), "class-2");
        assert_eq!(key("2nd tier"), "class-2", "a key starts with a letter");
        assert!(key(&"long ".repeat(30)).len() <= 48);
    }

    #[test]
    fn joining_follows_the_bylaws() {
        let open = CoopSettings {
            joining_requires_approval: false,
            ..CoopSettings::default()
        };
        let strict = CoopSettings::default();
        assert_eq!(
            join_outcome(&open, &class(true, false)),
            Ok(MembershipStatus::Active)
        );
        assert_eq!(
            join_outcome(&open, &class(true, true)),
            Ok(MembershipStatus::Pending)
        );
        assert_eq!(
            join_outcome(&strict, &class(true, false)),
            Ok(MembershipStatus::Pending)
        );
        assert_eq!(
            join_outcome(&open, &class(false, false)),
            Err("class-closed")
        );
    }

    #[test]
    fn a_coop_says_how_it_admits_as_its_classes_do() {
        let open = CoopSettings {
            joining_requires_approval: false,
            ..CoopSettings::default()
        };
        let strict = CoopSettings::default();
        let (free, vetted, shut) = (class(true, false), class(true, true), class(false, false));
        assert_eq!(Joining::of(&open, [&free, &shut]), Joining::Open);
        assert_eq!(Joining::of(&open, [&vetted, &shut]), Joining::Approved);
        assert_eq!(Joining::of(&open, [&free, &vetted]), Joining::ByClass);
        assert_eq!(Joining::of(&strict, [&free, &vetted]), Joining::Approved);
        assert_eq!(Joining::of(&open, [&shut]), Joining::Closed);
    }

    #[test]
    fn dues_read_as_people_write_them() {
        let settings = CoopSettings {
            dues_amount: 1500,
            dues_currency: "GBP".into(),
            ..CoopSettings::default()
        };
        assert_eq!(settings.dues_display().as_deref(), Some("15.00"));
        assert_eq!(CoopSettings::default().dues_display(), None);
    }

    #[test]
    fn settings_refuse_negative_dues_and_odd_currencies() {
        let bad = CoopSettings {
            dues_amount: -1,
            dues_currency: "gbp".into(),
            ..CoopSettings::default()
        };
        let Invalid(errors) = bad.validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["dues_amount", "dues_currency"]);
    }
}
