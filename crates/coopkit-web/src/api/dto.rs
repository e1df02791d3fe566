//! The API's wire types. They are the contract with clients, kept apart
//! from the store's records so that a schema change is a visible decision.

use coopkit_app::records::{CoopSummary, MemberListing, Membership, Person, PersonalMembership};
use coopkit_app::CoopPage;
use coopkit_domain::{Timestamp, Zone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A co-op as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoopSummaryDto {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub active_members: i64,
}

impl From<CoopSummary> for CoopSummaryDto {
    fn from(summary: CoopSummary) -> Self {
        Self {
            slug: summary.coop.slug.to_string(),
            name: summary.coop.name,
            description: summary.coop.description,
            active_members: summary.active_members,
        }
    }
}

/// Dues in the currency's minor unit (pence, cents, or whole tokens).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DuesDto {
    pub amount: i64,
    pub currency: String,
    /// `monthly` or `yearly`.
    pub period: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassDto {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub open_to_join: bool,
    #[serde(default)]
    pub requires_approval: bool,
}

/// A co-op's public profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoopDto {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub profile: String,
    pub active_members: i64,
    pub joining_requires_approval: bool,
    pub dues: DuesDto,
    /// The IANA time zone the co-op keeps its clocks in (`Europe/Madrid`).
    pub time_zone: String,
    pub classes: Vec<ClassDto>,
}

impl From<CoopPage> for CoopDto {
    fn from(page: CoopPage) -> Self {
        let settings = page.coop.settings;
        Self {
            slug: page.coop.slug.to_string(),
            name: page.coop.name,
            description: page.coop.description,
            profile: page.coop.profile,
            active_members: page.active_members,
            joining_requires_approval: settings.joining_requires_approval,
            dues: DuesDto {
                amount: settings.dues_amount,
                currency: settings.dues_currency,
                period: settings.dues_period.as_str().to_owned(),
            },
            time_zone: settings.time_zone.name().to_owned(),
            classes: page
                .classes
                .into_iter()
                .map(|class| ClassDto {
                    key: class.spec.key.to_string(),
                    name: class.spec.name,
                    description: class.spec.description,
                    open_to_join: class.spec.open_to_join,
                    requires_approval: class.spec.requires_approval,
                })
                .collect(),
        }
    }
}

/// A member, or an applicant, as their co-op sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    pub membership_id: i64,
    pub display_name: String,
    pub class: String,
    pub class_name: String,
    /// `member`, `coordinator` or `admin`.
    pub role: String,
    /// `pending`, `active`, `declined` or `left`.
    pub status: String,
    /// RFC 3339, in UTC.
    pub applied_at: String,
    pub decided_at: Option<String>,
}

impl From<MemberListing> for MemberDto {
    fn from(listing: MemberListing) -> Self {
        let m = listing.membership;
        Self {
            membership_id: m.id.0,
            display_name: listing.display_name,
            class: listing.class_key.to_string(),
            class_name: listing.class_name,
            role: m.role.as_str().to_owned(),
            status: m.status.as_str().to_owned(),
            applied_at: instant(m.applied_at),
            decided_at: m.decided_at.map(instant),
        }
    }
}

/// One of the caller's memberships.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipDto {
    pub id: i64,
    pub coop: String,
    pub coop_name: String,
    pub class: String,
    pub role: String,
    pub status: String,
    /// RFC 3339, in UTC.
    pub applied_at: String,
    pub decided_at: Option<String>,
}

impl From<PersonalMembership> for MembershipDto {
    fn from(p: PersonalMembership) -> Self {
        let m = p.membership;
        Self {
            id: m.id.0,
            coop: p.coop_slug.to_string(),
            coop_name: p.coop_name,
            class: p.class_key.to_string(),
            role: m.role.as_str().to_owned(),
            status: m.status.as_str().to_owned(),
            applied_at: instant(m.applied_at),
            decided_at: m.decided_at.map(instant),
        }
    }
}

/// The result of a decision or an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipStateDto {
    pub id: i64,
    pub status: String,
    pub role: String,
}

impl From<Membership> for MembershipStateDto {
    fn from(m: Membership) -> Self {
        Self {
            id: m.id.0,
            status: m.status.as_str().to_owned(),
            role: m.role.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub locale: String,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> Self {
        Self {
            id: p.id.0,
            email: p.email.to_string(),
            display_name: p.display_name,
            locale: p.locale.code().to_owned(),
        }
    }
}

/// The caller and every co-op they belong to, applied to or left.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    #[serde(flatten)]
    pub person: PersonDto,
    pub memberships: Vec<MembershipDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    pub email: String,
    pub display_name: String,
    pub password: String,
    /// `en` or `es`; English when absent.
    #[serde(default)]
    pub locale: Option<String>,
}

/// Whose password to reset: the address they log in with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: String,
}

/// The new password, set with a reset link's token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPasswordRequest {
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
    /// A name to tell this token apart from others, such as "laptop".
    pub name: String,
}

/// A new API token. `token` is shown once; only its digest is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub id: i64,
    pub name: String,
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// The key of the member class to join.
    pub class: String,
}

/// A new co-op; the caller becomes its first admin.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FoundCoopRequest {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub profile: String,
    pub joining_requires_approval: bool,
    pub dues: Option<DuesDto>,
    /// The IANA time zone the co-op keeps its clocks in; UTC if absent.
    #[serde(default)]
    pub time_zone: Option<String>,
    pub classes: Vec<ClassDto>,
    /// The key of the class the founder joins.
    pub founder_class: String,
    /// The ledger's first currency, defined with the co-op (its errors
    /// name `currency.code`…).
    #[serde(default)]
    pub currency: Option<super::ledger::CurrencyDto>,
}

/// An instant as the API writes it: RFC 3339 in UTC
/// (`2026-11-28T00:00:00Z`). A co-op's own zone is its `time_zone`.
pub(crate) fn instant(at: Timestamp) -> String {
    Zone::utc().rfc3339(at)
}
