//! What an event is about: the entity it changed, named by kind and id,
//! as the log's `subject` column holds it.

use crate::{
    AllocationId, BookingId, CoopId, ForecastId, HelpRequestId, ItemId, MembershipId, OrderId,
    PaymentRequestId, PersonId, ProjectId, ProposalId, TaskId, WebhookId,
};

/// What an event is about: its kind of entity and that entity's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Coop(CoopId),
    /// A batch of the ledger's journal, by its number in the co-op's chain.
    LedgerBatch(u64),
    PaymentRequest(PaymentRequestId),
    Provider(PersonId),
    /// A member, for what concerns them in the co-op (dues, referrals).
    Member(PersonId),
    Item(ItemId),
    Forecast(ForecastId),
    HelpRequest(HelpRequestId),
    Membership(MembershipId),
    Booking(BookingId),
    Task(TaskId),
    Proposal(ProposalId),
    Allocation(AllocationId),
    Order(OrderId),
    Project(ProjectId),
    Webhook(WebhookId),
}

impl std::fmt::Display for Subject {
    /// `booking:42`: how the log's `subject` column names it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Coop(id) => write!(f, "coop:{id}"),
            Subject::LedgerBatch(seq) => write!(f, "ledger_batch:{seq}"),
            Subject::PaymentRequest(id) => write!(f, "payment_request:{id}"),
            Subject::Provider(id) => write!(f, "provider:{id}"),
            Subject::Member(id) => write!(f, "member:{id}"),
            Subject::Item(id) => write!(f, "item:{id}"),
            Subject::Forecast(id) => write!(f, "forecast:{id}"),
            Subject::HelpRequest(id) => write!(f, "help_request:{id}"),
            Subject::Membership(id) => write!(f, "membership:{id}"),
            Subject::Booking(id) => write!(f, "booking:{id}"),
            Subject::Task(id) => write!(f, "task:{id}"),
            Subject::Proposal(id) => write!(f, "proposal:{id}"),
            Subject::Allocation(id) => write!(f, "allocation:{id}"),
            Subject::Order(id) => write!(f, "order:{id}"),
            Subject::Project(id) => write!(f, "project:{id}"),
            Subject::Webhook(id) => write!(f, "webhook:{id}"),
        }
    }
}
