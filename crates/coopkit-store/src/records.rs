//! People, co-ops and memberships as rows: read into private `*Row`
//! structs of plain column types, then checked into the domain's records
//! (`coopkit_domain::{Person, Coop, Membership…}`); a stored value that no
//! longer parses is reported as [`StoreError::Corrupt`], never passed on.

pub use coopkit_domain::coop::{Coop, CoopSummary, MemberClass};
pub use coopkit_domain::membership::{
    LeaveOutcome, MemberListing, Membership, PersonalMembership, RoleChange, Sanctioned,
};
pub use coopkit_domain::person::{NewPerson, Person};
use coopkit_domain::{
    ClassKey, CoopId, CoopSettings, DuesPeriod, Email, Locale, MemberClassId, MemberClassSpec,
    MembershipId, MembershipStatus, PersonId, Role, Slug, Timestamp, Zone,
};

use crate::StoreError;

pub(crate) fn parsed<T>(
    column: &str,
    raw: &str,
    parse: fn(&str) -> Result<T, &'static str>,
) -> Result<T, StoreError> {
    parse(raw).map_err(|_| StoreError::corrupt(column, raw))
}

/// The columns of a [`PersonRow`], named by table so that they read the
/// same in a join.
pub(crate) const PERSON_COLUMNS: &str = "person.id, person.email, person.display_name, \
     person.locale, person.time_zone, person.created_at, person.email_verified_at, \
     person.email_pending";

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    pub(crate) id: i64,
    email: String,
    display_name: String,
    locale: String,
    time_zone: Option<String>,
    created_at: i64,
    email_verified_at: Option<i64>,
    email_pending: Option<String>,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;
    fn try_from(row: PersonRow) -> Result<Self, StoreError> {
        Ok(Person {
            id: PersonId(row.id),
            email: parsed("person.email", &row.email, Email::parse)?,
            display_name: row.display_name,
            locale: parsed("person.locale", &row.locale, Locale::parse)?,
            time_zone: row
                .time_zone
                .map(|name| parsed("person.time_zone", &name, Zone::named))
                .transpose()?,
            created_at: Timestamp(row.created_at),
            email_verified_at: row.email_verified_at.map(Timestamp),
            email_pending: row
                .email_pending
                .map(|email| parsed("person.email_pending", &email, Email::parse))
                .transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CoopRow {
    pub(crate) id: i64,
    slug: String,
    name: String,
    description: String,
    profile: String,
    joining_requires_approval: bool,
    dues_amount: i64,
    dues_currency: String,
    dues_period: String,
    time_zone: String,
    created_at: i64,
}

impl TryFrom<CoopRow> for Coop {
    type Error = StoreError;
    fn try_from(row: CoopRow) -> Result<Self, StoreError> {
        Ok(Coop {
            id: CoopId(row.id),
            slug: parsed("coop.slug", &row.slug, Slug::parse)?,
            name: row.name,
            description: row.description,
            profile: row.profile,
            settings: CoopSettings {
                joining_requires_approval: row.joining_requires_approval,
                dues_amount: row.dues_amount,
                dues_currency: row.dues_currency,
                dues_period: parsed("coop.dues_period", &row.dues_period, DuesPeriod::parse)?,
                time_zone: parsed("coop.time_zone", &row.time_zone, Zone::named)?,
            },
            created_at: Timestamp(row.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CoopSummaryRow {
    #[sqlx(flatten)]
    coop: CoopRow,
    active_members: i64,
}

impl TryFrom<CoopSummaryRow> for CoopSummary {
    type Error = StoreError;
    fn try_from(row: CoopSummaryRow) -> Result<Self, StoreError> {
        Ok(CoopSummary {
            coop: row.coop.try_into()?,
            active_members: row.active_members,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberClassRow {
    id: i64,
    coop_id: i64,
    key: String,
    name: String,
    description: String,
    open_to_join: bool,
    requires_approval: bool,
}

impl TryFrom<MemberClassRow> for MemberClass {
    type Error = StoreError;
    fn try_from(row: MemberClassRow) -> Result<Self, StoreError> {
        Ok(MemberClass {
            id: MemberClassId(row.id),
            coop_id: CoopId(row.coop_id),
            spec: MemberClassSpec {
                key: parsed("member_class.key", &row.key, ClassKey::parse)?,
                name: row.name,
                description: row.description,
                open_to_join: row.open_to_join,
                requires_approval: row.requires_approval,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MembershipRow {
    id: i64,
    coop_id: i64,
    person_id: i64,
    class_id: i64,
    role: String,
    status: String,
    applied_at: i64,
    decided_at: Option<i64>,
    reason: String,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;
    fn try_from(row: MembershipRow) -> Result<Self, StoreError> {
        Ok(Membership {
            id: MembershipId(row.id),
            coop_id: CoopId(row.coop_id),
            person_id: PersonId(row.person_id),
            class_id: MemberClassId(row.class_id),
            role: parsed("membership.role", &row.role, Role::parse)?,
            status: parsed("membership.status", &row.status, MembershipStatus::parse)?,
            applied_at: Timestamp(row.applied_at),
            decided_at: row.decided_at.map(Timestamp),
            reason: row.reason,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberListingRow {
    #[sqlx(flatten)]
    membership: MembershipRow,
    display_name: String,
    class_key: String,
    class_name: String,
}

impl TryFrom<MemberListingRow> for MemberListing {
    type Error = StoreError;
    fn try_from(row: MemberListingRow) -> Result<Self, StoreError> {
        Ok(MemberListing {
            membership: row.membership.try_into()?,
            display_name: row.display_name,
            class_key: parsed("member_class.key", &row.class_key, ClassKey::parse)?,
            class_name: row.class_name,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PersonalMembershipRow {
    #[sqlx(flatten)]
    membership: MembershipRow,
    coop_slug: String,
    coop_name: String,
    class_key: String,
    class_name: String,
}

impl TryFrom<PersonalMembershipRow> for PersonalMembership {
    type Error = StoreError;
    fn try_from(row: PersonalMembershipRow) -> Result<Self, StoreError> {
        Ok(PersonalMembership {
            membership: row.membership.try_into()?,
            coop_slug: parsed("coop.slug", &row.coop_slug, Slug::parse)?,
            coop_name: row.coop_name,
            class_key: parsed("member_class.key", &row.class_key, ClassKey::parse)?,
            class_name: row.class_name,
        })
    }
}

/// Checks every row of a query into its record.
pub(crate) fn all<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

/// Checks an optional row into its record.
pub(crate) fn maybe<R, T>(row: Option<R>) -> Result<Option<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    row.map(T::try_from).transpose()
}
