//! Every change of state is recorded as a typed fact: an [`Event`].
//!
//! A transition writes its event in the same transaction as the change
//! itself, so the log never says more or less than happened. Later
//! readers (notifications, webhooks, the audit log, a co-op's export) read
//! it in order by its [`EventSeq`], from where they left off.
//!
//! An event holds ids and figures, never copies of personal data: a name
//! or an address is looked up when it is shown, so erasing a person does
//! not mean rewriting history.

use serde::{Deserialize, Serialize};

pub use crate::subject::Subject;

use crate::{
    AllocationId, BookingId, CoopId, ForecastId, HelpRequestId, ItemId, MemberClassId,
    MembershipId, MessageId, OrderId, PaymentRequestId, PersonId, ProjectId, ProposalId, Role,
    TaskId, Timestamp, WebhookId,
};

/// An event's place in the log: given in the order transactions commit,
/// so a reader that has seen `n` has seen everything before it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct EventSeq(pub i64);

impl std::fmt::Display for EventSeq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What happened. The kind is the variant's name as written in the log
/// and in webhooks (`booking.accepted`); its fields are the payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data")]
pub enum Event {
    /// A co-op was founded; its founder is its first admin.
    #[serde(rename = "coop.founded")]
    CoopFounded { coop: CoopId, founder: PersonId },
    /// An admin changed one part of the co-op's settings; what it says now
    /// is read from the co-op.
    #[serde(rename = "coop.settings_changed")]
    SettingsChanged { coop: CoopId, part: SettingsPart },
    /// A currency of the co-op's ledger, by its code.
    #[serde(rename = "currency.defined")]
    CurrencyDefined { coop: CoopId, currency: String },
    /// Its default limits or monthly policy changed.
    #[serde(rename = "currency.rules_changed")]
    CurrencyRulesChanged { coop: CoopId, currency: String },

    /// A batch of the ledger's journal was committed: its payments,
    /// issuance and holds are the batch's lines in the journal, which is
    /// the ledger's own log, hash-chained. One event a batch, not one a
    /// transfer, keeps a commit's cost flat however many it holds; the
    /// members another member paid in it are named, to be told.
    #[serde(rename = "ledger.batch_committed")]
    LedgerBatchCommitted {
        batch: u64,
        transfers: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        payees: Vec<Payee>,
    },
    /// A batch's hash was signed with the co-op's key, so anyone can check
    /// the journal up to it.
    #[serde(rename = "ledger.checkpoint_signed")]
    CheckpointSigned { batch: u64 },
    /// The server applied a month's policies (issuance, demurrage, dues)
    /// once the month began in the co-op's zone: `transfers` made (or
    /// found already made), `refused` those the ledger refused, such as
    /// dues a member could not pay.
    #[serde(rename = "ledger.month_applied")]
    MonthApplied {
        coop: CoopId,
        period: String,
        transfers: u32,
        refused: u32,
    },
    /// A coordinator recorded a member's dues for a period as paid in cash.
    #[serde(rename = "dues.paid_in_cash")]
    DuesPaidInCash { member: PersonId, period: String },
    /// A member asked to be paid an amount (shown as a QR code).
    #[serde(rename = "payment_request.created")]
    PaymentRequested {
        request: PaymentRequestId,
        amount: u64,
    },

    #[serde(rename = "membership.applied")]
    ApplicationReceived {
        membership: MembershipId,
        person: PersonId,
        class: MemberClassId,
    },
    #[serde(rename = "membership.admitted")]
    MemberAdmitted {
        membership: MembershipId,
        person: PersonId,
    },
    #[serde(rename = "membership.declined")]
    ApplicationDeclined {
        membership: MembershipId,
        person: PersonId,
    },
    #[serde(rename = "membership.left")]
    MemberLeft {
        membership: MembershipId,
        person: PersonId,
    },
    /// Why is kept on the membership: see [`crate::membership::Reason`].
    #[serde(rename = "membership.suspended")]
    MemberSuspended {
        membership: MembershipId,
        person: PersonId,
    },
    #[serde(rename = "membership.reinstated")]
    MemberReinstated {
        membership: MembershipId,
        person: PersonId,
    },
    #[serde(rename = "membership.expelled")]
    MemberExpelled {
        membership: MembershipId,
        person: PersonId,
    },
    #[serde(rename = "membership.role_changed")]
    RoleChanged {
        membership: MembershipId,
        person: PersonId,
        role: Role,
    },

    #[serde(rename = "booking.requested")]
    BookingRequested {
        booking: BookingId,
        requester: PersonId,
        provider: PersonId,
        amount: u64,
    },
    #[serde(rename = "booking.accepted")]
    BookingAccepted { booking: BookingId },
    #[serde(rename = "booking.declined")]
    BookingDeclined { booking: BookingId },
    #[serde(rename = "booking.cancelled")]
    BookingCancelled { booking: BookingId },
    /// One side said the work was done; the other has not yet.
    #[serde(rename = "booking.marked_done")]
    BookingMarkedDone { booking: BookingId },
    #[serde(rename = "booking.disputed")]
    BookingDisputed { booking: BookingId },
    #[serde(rename = "booking.settled")]
    BookingSettled { booking: BookingId },
    #[serde(rename = "booking.refunded")]
    BookingRefunded { booking: BookingId },
    /// A step was taken back because the ledger refused its effect (the
    /// requester's credit could not be held, say).
    #[serde(rename = "booking.step_undone")]
    BookingStepUndone { booking: BookingId },
    /// The requester said how the work went.
    #[serde(rename = "booking.feedback_given")]
    FeedbackGiven {
        booking: BookingId,
        would_book_again: bool,
    },
    /// The provider answered the feedback.
    #[serde(rename = "booking.feedback_answered")]
    FeedbackAnswered { booking: BookingId },
    /// One side of a booking wrote to the other in its thread.
    #[serde(rename = "booking.message_written")]
    BookingMessageWritten {
        booking: BookingId,
        message: MessageId,
    },
    /// A provider's profile (services, prices, hours, area) was saved.
    #[serde(rename = "provider.profile_saved")]
    ProviderProfileSaved { provider: PersonId },
    /// A member marked a provider as a favourite, or unmarked them.
    #[serde(rename = "provider.favourite_changed")]
    FavouriteChanged { provider: PersonId, favourite: bool },

    /// A member joined saying who brought them.
    #[serde(rename = "referral.made")]
    ReferralMade {
        member: PersonId,
        referrer: PersonId,
    },
    /// The referrer was paid the co-op's bonus for it.
    #[serde(rename = "referral.rewarded")]
    ReferralRewarded { member: PersonId },

    /// A member asked for help, for the dispatch board to offer.
    #[serde(rename = "help_request.posted")]
    HelpRequestPosted { request: HelpRequestId },
    /// The dispatch board offered a request to a provider.
    #[serde(rename = "help_request.offered")]
    HelpRequestOffered {
        request: HelpRequestId,
        provider: PersonId,
    },
    /// A provider took the request: it is now a booking.
    #[serde(rename = "help_request.closed")]
    HelpRequestClosed {
        request: HelpRequestId,
        booking: BookingId,
    },
    /// A provider answered the engine's offer of a request.
    #[serde(rename = "help_request.answered")]
    OfferAnswered {
        request: HelpRequestId,
        provider: PersonId,
        accepted: bool,
    },

    #[serde(rename = "task.posted")]
    TaskPosted { task: TaskId, bounty: u64 },
    #[serde(rename = "task.claimed")]
    TaskClaimed { task: TaskId, claimant: PersonId },
    #[serde(rename = "task.delivered")]
    TaskDelivered { task: TaskId },
    #[serde(rename = "task.accepted")]
    TaskAccepted { task: TaskId },
    /// The claim was let go (by a coordinator, or because the bounty could
    /// not be held): the task is open again.
    #[serde(rename = "task.released")]
    TaskReleased { task: TaskId },

    #[serde(rename = "proposal.created")]
    ProposalCreated { proposal: ProposalId },
    #[serde(rename = "proposal.commented")]
    ProposalCommented { proposal: ProposalId },
    #[serde(rename = "vote.opened")]
    VoteOpened { proposal: ProposalId, eligible: u64 },
    /// A ballot was cast or changed. Secret: it names no voter, and its
    /// actor is left empty.
    #[serde(rename = "vote.ballot_cast")]
    BallotCast { proposal: ProposalId },
    #[serde(rename = "vote.closed")]
    VoteClosed { proposal: ProposalId },

    /// A year's allocation computed and put to the members.
    #[serde(rename = "allocation.proposed")]
    AllocationProposed {
        allocation: AllocationId,
        proposal: ProposalId,
    },
    #[serde(rename = "allocation.posted")]
    AllocationPosted { allocation: AllocationId },
    #[serde(rename = "allocation.rejected")]
    AllocationRejected { allocation: AllocationId },

    /// A work or a good was listed in the catalogue.
    #[serde(rename = "item.listed")]
    ItemListed { item: ItemId },

    #[serde(rename = "order.placed")]
    OrderPlaced {
        order: OrderId,
        item: ItemId,
        amount: u64,
    },
    #[serde(rename = "order.paid")]
    OrderPaid { order: OrderId },
    #[serde(rename = "order.refused")]
    OrderRefused { order: OrderId },
    #[serde(rename = "order.sent")]
    OrderSent { order: OrderId },

    #[serde(rename = "project.proposed")]
    ProjectProposed { project: ProjectId, budget: u64 },
    #[serde(rename = "project.approved")]
    ProjectApproved { project: ProjectId },
    #[serde(rename = "project.rejected")]
    ProjectRejected { project: ProjectId },
    #[serde(rename = "project.funded")]
    ProjectFunded { project: ProjectId },

    /// The simulator's forecast of a change to token rules.
    #[serde(rename = "forecast.made")]
    ForecastMade { forecast: ForecastId },
    /// Put beside a proposal, for the members to read before they vote.
    #[serde(rename = "forecast.attached")]
    ForecastAttached {
        forecast: ForecastId,
        proposal: ProposalId,
    },
    /// The vote it was attached to closed; the forecast is kept with its
    /// outcome.
    #[serde(rename = "forecast.settled")]
    ForecastSettled { forecast: ForecastId },

    /// An admin registered an endpoint for some kinds of event.
    #[serde(rename = "webhook.added")]
    WebhookAdded { webhook: WebhookId },
    /// Deliveries to it wait: an admin paused it, or (`failing`) a
    /// delivery was not accepted for a day.
    #[serde(rename = "webhook.paused")]
    WebhookPaused { webhook: WebhookId, failing: bool },
    #[serde(rename = "webhook.resumed")]
    WebhookResumed { webhook: WebhookId },
    /// Removed with its deliveries.
    #[serde(rename = "webhook.removed")]
    WebhookRemoved { webhook: WebhookId },
}

/// A member whom another member paid in a ledger batch: directly, for a
/// booking, or for a payment request of theirs (`request`). Payments by
/// the co-op itself (issuance, patronage) are not named: they are told of
/// by their own events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Payee {
    pub member: PersonId,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub request: bool,
}

/// The part of a co-op's settings an admin changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingsPart {
    /// Joining, dues and their currency.
    Bylaws,
    /// Its name, description and profile.
    Profile,
    /// Its member classes: their names, and who may join them how.
    Classes,
    /// Class weights and the rules of votes.
    ClassRules,
    /// Reserve, class pools and cash part for closing a year.
    PatronageRules,
    /// The marketplace's categories of service.
    Categories,
    /// The catalogue's currency and the creators' rates.
    Catalogue,
    /// A licence's terms and price.
    Licence,
    /// A badge a coordinator gave or took back.
    Badge,
    /// What the co-op pays a member who brings another.
    ReferralBonus,
}

impl Event {
    /// Every kind, for those who choose which to hear of (webhooks).
    pub const KINDS: &'static [&'static str] = &[
        "coop.founded",
        "coop.settings_changed",
        "currency.defined",
        "currency.rules_changed",
        "ledger.batch_committed",
        "ledger.checkpoint_signed",
        "ledger.month_applied",
        "dues.paid_in_cash",
        "payment_request.created",
        "membership.applied",
        "membership.admitted",
        "membership.declined",
        "membership.left",
        "membership.suspended",
        "membership.reinstated",
        "membership.expelled",
        "membership.role_changed",
        "booking.requested",
        "booking.accepted",
        "booking.declined",
        "booking.cancelled",
        "booking.marked_done",
        "booking.disputed",
        "booking.settled",
        "booking.refunded",
        "booking.step_undone",
        "booking.feedback_given",
        "booking.feedback_answered",
        "booking.message_written",
        "provider.profile_saved",
        "provider.favourite_changed",
        "referral.made",
        "referral.rewarded",
        "help_request.posted",
        "help_request.offered",
        "help_request.closed",
        "help_request.answered",
        "task.posted",
        "task.claimed",
        "task.delivered",
        "task.accepted",
        "task.released",
        "proposal.created",
        "proposal.commented",
        "vote.opened",
        "vote.ballot_cast",
        "vote.closed",
        "allocation.proposed",
        "allocation.posted",
        "allocation.rejected",
        "item.listed",
        "order.placed",
        "order.paid",
        "order.refused",
        "order.sent",
        "project.proposed",
        "project.approved",
        "project.rejected",
        "project.funded",
        "forecast.made",
        "forecast.attached",
        "forecast.settled",
        "webhook.added",
        "webhook.paused",
        "webhook.resumed",
        "webhook.removed",
    ];

    /// The kind as the log and webhooks name it.
    pub fn kind(&self) -> &'static str {
        use Event as E;
        match self {
            E::CoopFounded { .. } => "coop.founded",
            E::SettingsChanged { .. } => "coop.settings_changed",
            E::CurrencyDefined { .. } => "currency.defined",
            E::CurrencyRulesChanged { .. } => "currency.rules_changed",
            E::LedgerBatchCommitted { .. } => "ledger.batch_committed",
            E::CheckpointSigned { .. } => "ledger.checkpoint_signed",
            E::MonthApplied { .. } => "ledger.month_applied",
            E::DuesPaidInCash { .. } => "dues.paid_in_cash",
            E::HelpRequestOffered { .. } => "help_request.offered",
            E::HelpRequestClosed { .. } => "help_request.closed",
            E::FavouriteChanged { .. } => "provider.favourite_changed",
            E::ReferralMade { .. } => "referral.made",
            E::ReferralRewarded { .. } => "referral.rewarded",
            E::ProposalCommented { .. } => "proposal.commented",
            E::PaymentRequested { .. } => "payment_request.created",
            E::FeedbackGiven { .. } => "booking.feedback_given",
            E::FeedbackAnswered { .. } => "booking.feedback_answered",
            E::BookingMessageWritten { .. } => "booking.message_written",
            E::ProviderProfileSaved { .. } => "provider.profile_saved",
            E::ItemListed { .. } => "item.listed",
            E::ForecastMade { .. } => "forecast.made",
            E::ForecastAttached { .. } => "forecast.attached",
            E::ForecastSettled { .. } => "forecast.settled",
            E::ApplicationReceived { .. } => "membership.applied",
            E::MemberAdmitted { .. } => "membership.admitted",
            E::ApplicationDeclined { .. } => "membership.declined",
            E::MemberLeft { .. } => "membership.left",
            E::MemberSuspended { .. } => "membership.suspended",
            E::MemberReinstated { .. } => "membership.reinstated",
            E::MemberExpelled { .. } => "membership.expelled",
            E::RoleChanged { .. } => "membership.role_changed",
            E::BookingRequested { .. } => "booking.requested",
            E::BookingAccepted { .. } => "booking.accepted",
            E::BookingDeclined { .. } => "booking.declined",
            E::BookingCancelled { .. } => "booking.cancelled",
            E::BookingMarkedDone { .. } => "booking.marked_done",
            E::BookingDisputed { .. } => "booking.disputed",
            E::BookingSettled { .. } => "booking.settled",
            E::BookingRefunded { .. } => "booking.refunded",
            E::BookingStepUndone { .. } => "booking.step_undone",
            E::HelpRequestPosted { .. } => "help_request.posted",
            E::OfferAnswered { .. } => "help_request.answered",
            E::TaskPosted { .. } => "task.posted",
            E::TaskClaimed { .. } => "task.claimed",
            E::TaskDelivered { .. } => "task.delivered",
            E::TaskAccepted { .. } => "task.accepted",
            E::TaskReleased { .. } => "task.released",
            E::ProposalCreated { .. } => "proposal.created",
            E::VoteOpened { .. } => "vote.opened",
            E::BallotCast { .. } => "vote.ballot_cast",
            E::VoteClosed { .. } => "vote.closed",
            E::AllocationProposed { .. } => "allocation.proposed",
            E::AllocationPosted { .. } => "allocation.posted",
            E::AllocationRejected { .. } => "allocation.rejected",
            E::OrderPlaced { .. } => "order.placed",
            E::OrderPaid { .. } => "order.paid",
            E::OrderRefused { .. } => "order.refused",
            E::OrderSent { .. } => "order.sent",
            E::ProjectProposed { .. } => "project.proposed",
            E::ProjectApproved { .. } => "project.approved",
            E::ProjectRejected { .. } => "project.rejected",
            E::ProjectFunded { .. } => "project.funded",
            E::WebhookAdded { .. } => "webhook.added",
            E::WebhookPaused { .. } => "webhook.paused",
            E::WebhookResumed { .. } => "webhook.resumed",
            E::WebhookRemoved { .. } => "webhook.removed",
        }
    }

    /// The kinds the co-op's audit log shows every member: what the bylaws
    /// give admins and coordinators to do (settings, currencies, who is
    /// admitted and with which role, dues taken in cash, a dispute
    /// refunded, a claim released, a year's surplus, the fund's projects),
    /// what the members decide together (votes), and what the server does
    /// by the rules (a month applied). Members' dealings with each other
    /// (a booking, a payment, an order) are theirs, and stay off it.
    pub const AUDITED: &'static [&'static str] = &[
        "coop.founded",
        "coop.settings_changed",
        "currency.defined",
        "currency.rules_changed",
        "ledger.month_applied",
        "dues.paid_in_cash",
        "membership.admitted",
        "membership.declined",
        "membership.left",
        "membership.suspended",
        "membership.reinstated",
        "membership.expelled",
        "membership.role_changed",
        "booking.refunded",
        "task.released",
        "vote.opened",
        "vote.closed",
        "allocation.proposed",
        "allocation.posted",
        "allocation.rejected",
        "project.approved",
        "project.rejected",
        "project.funded",
    ];

    /// Whether the co-op's audit log shows it: see [`Event::AUDITED`].
    pub fn is_audited(&self) -> bool {
        Self::AUDITED.contains(&self.kind())
    }

    /// The entity the event changed.
    pub fn subject(&self) -> Subject {
        use Event as E;
        match *self {
            E::CoopFounded { coop, .. }
            | E::SettingsChanged { coop, .. }
            | E::CurrencyDefined { coop, .. }
            | E::CurrencyRulesChanged { coop, .. }
            | E::MonthApplied { coop, .. } => Subject::Coop(coop),
            E::LedgerBatchCommitted { batch, .. } | E::CheckpointSigned { batch } => {
                Subject::LedgerBatch(batch)
            }
            E::DuesPaidInCash { member, .. }
            | E::ReferralMade { member, .. }
            | E::ReferralRewarded { member } => Subject::Member(member),
            E::FavouriteChanged { provider, .. } => Subject::Provider(provider),
            E::PaymentRequested { request, .. } => Subject::PaymentRequest(request),
            E::ProviderProfileSaved { provider } => Subject::Provider(provider),
            E::ItemListed { item } => Subject::Item(item),
            E::ForecastMade { forecast }
            | E::ForecastAttached { forecast, .. }
            | E::ForecastSettled { forecast } => Subject::Forecast(forecast),
            E::HelpRequestPosted { request }
            | E::HelpRequestOffered { request, .. }
            | E::HelpRequestClosed { request, .. }
            | E::OfferAnswered { request, .. } => Subject::HelpRequest(request),
            E::ApplicationReceived { membership, .. }
            | E::MemberAdmitted { membership, .. }
            | E::ApplicationDeclined { membership, .. }
            | E::MemberLeft { membership, .. }
            | E::MemberSuspended { membership, .. }
            | E::MemberReinstated { membership, .. }
            | E::MemberExpelled { membership, .. }
            | E::RoleChanged { membership, .. } => Subject::Membership(membership),
            E::BookingRequested { booking, .. }
            | E::BookingAccepted { booking }
            | E::BookingDeclined { booking }
            | E::BookingCancelled { booking }
            | E::BookingMarkedDone { booking }
            | E::BookingDisputed { booking }
            | E::BookingSettled { booking }
            | E::BookingRefunded { booking }
            | E::BookingStepUndone { booking }
            | E::FeedbackGiven { booking, .. }
            | E::FeedbackAnswered { booking }
            | E::BookingMessageWritten { booking, .. } => Subject::Booking(booking),
            E::TaskPosted { task, .. }
            | E::TaskClaimed { task, .. }
            | E::TaskDelivered { task }
            | E::TaskAccepted { task }
            | E::TaskReleased { task } => Subject::Task(task),
            E::ProposalCreated { proposal }
            | E::ProposalCommented { proposal }
            | E::VoteOpened { proposal, .. }
            | E::BallotCast { proposal }
            | E::VoteClosed { proposal } => Subject::Proposal(proposal),
            E::AllocationProposed { allocation, .. }
            | E::AllocationPosted { allocation }
            | E::AllocationRejected { allocation } => Subject::Allocation(allocation),
            E::OrderPlaced { order, .. }
            | E::OrderPaid { order }
            | E::OrderRefused { order }
            | E::OrderSent { order } => Subject::Order(order),
            E::ProjectProposed { project, .. }
            | E::ProjectApproved { project }
            | E::ProjectRejected { project }
            | E::ProjectFunded { project } => Subject::Project(project),
            E::WebhookAdded { webhook }
            | E::WebhookPaused { webhook, .. }
            | E::WebhookResumed { webhook }
            | E::WebhookRemoved { webhook } => Subject::Webhook(webhook),
        }
    }

    /// The payload as the log keeps it: the fields, without the kind.
    pub fn data(&self) -> serde_json::Value {
        let mut tagged = serde_json::to_value(self).unwrap_or_default();
        tagged
            .get_mut("data")
            .map(serde_json::Value::take)
            .unwrap_or_default()
    }

    /// Reads an event back from its kind and payload.
    pub fn from_parts(kind: &str, data: serde_json::Value) -> Result<Event, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "kind": kind, "data": data }))
    }
}

/// An event with who caused it, where and when: what a transition hands
/// the store to write beside its change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Happened {
    pub coop: CoopId,
    /// Who acted; `None` for the server itself (a clock's step) and for a
    /// secret ballot.
    pub actor: Option<PersonId>,
    pub at: Timestamp,
    pub event: Event,
}

impl Happened {
    pub fn new(coop: CoopId, actor: Option<PersonId>, at: Timestamp, event: Event) -> Self {
        Self {
            coop,
            actor,
            at,
            event,
        }
    }

    /// Each of `events` (none, for a step that records nothing) as
    /// happened in `coop`, by `actor`, at `at`.
    pub fn each(
        coop: CoopId,
        actor: Option<PersonId>,
        at: Timestamp,
        events: impl IntoIterator<Item = Event>,
    ) -> Vec<Happened> {
        events
            .into_iter()
            .map(|event| Happened::new(coop, actor, at, event))
            .collect()
    }
}

/// An event as the log holds it, with its place in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedEvent {
    pub seq: EventSeq,
    pub happened: Happened,
}

#[cfg(test)]
mod tests;
