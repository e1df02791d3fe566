//! A year's allocation as a co-op keeps it: what was computed, for whom,
//! and where it stands; and the patronage its bookings and sales record.

use coopkit_domain::{AllocationId, CoopId, PersonId, ProposalId, Timestamp};

use crate::state::AllocationState;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAllocation {
    pub coop: CoopId,
    pub year: String,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    pub net: i64,
    pub currency: String,
    pub capital_currency: String,
    /// JSON.
    pub rules: String,
    /// JSON.
    pub result: String,
    pub created_by: PersonId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationRecord {
    pub id: AllocationId,
    pub allocation: NewAllocation,
    pub state: AllocationState,
    /// The members' vote on it, once it is put to them.
    pub proposal: Option<ProposalId>,
    pub created_at: Timestamp,
}

/// One member's line of a year's allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationLine {
    pub person: PersonId,
    pub class_key: String,
    pub patronage: u64,
    pub share_ppm: u64,
    pub amount: u64,
    pub cash: u64,
    pub retained: u64,
}

/// What the settled bookings of a period say each member did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookedPatronage {
    pub person: PersonId,
    /// Minutes of work as provider.
    pub minutes: u64,
    /// Earned as provider, in the given currency's minor units.
    pub sales: u64,
    /// Paid as requester, in the given currency's minor units.
    pub purchases: u64,
}
