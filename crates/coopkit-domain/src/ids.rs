//! Typed row ids, so a person's id can never be passed where a co-op's is
//! expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A person: someone with a login, who may belong to several co-ops.
    PersonId
);
id_type!(
    /// A co-operative hosted on this server.
    CoopId
);
id_type!(
    /// A member class of one co-op (workers, consumers, investors…).
    MemberClassId
);
id_type!(
    /// One person's membership of one co-op.
    MembershipId
);
id_type!(
    /// A bearer token for the JSON API.
    ApiTokenId
);
id_type!(
    /// A message in the outbox.
    MailId
);
id_type!(
    /// A booking in a co-op's marketplace.
    BookingId
);
id_type!(
    /// A message one side of a booking wrote to the other.
    MessageId
);
id_type!(
    /// A member's request for help, matched to providers by the dispatch board.
    HelpRequestId
);
id_type!(
    /// A task with a bounty, claimed and delivered by a member.
    TaskId
);
id_type!(
    /// A proposal put to the members: a motion, a bylaw change, an election
    /// or a surplus allocation.
    ProposalId
);
id_type!(
    /// A surplus allocation for one year.
    AllocationId
);
id_type!(
    /// A token-rule forecast made by the simulator.
    ForecastId
);
id_type!(
    /// A work or good in a co-op's catalogue.
    ItemId
);
id_type!(
    /// An order for a licence or a good.
    OrderId
);
id_type!(
    /// A project put to the members to be paid from the co-op's fund.
    ProjectId
);
id_type!(
    /// A pair of directory organisations a moderator is asked to judge.
    ReviewId
);
id_type!(
    /// An edit to a directory organisation, waiting for a moderator.
    EditId
);
id_type!(
    /// An address a co-op's events are delivered to.
    WebhookId
);
id_type!(
    /// One event on its way to one webhook.
    DeliveryId
);

/// A payment request. Random, so its address cannot be guessed; the
/// transfer that pays it takes the same number. Written in JSON as a
/// decimal string, as the ledger's transfer ids are: JavaScript numbers
/// lose precision past 2^53.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PaymentRequestId(pub u128);

impl std::fmt::Display for PaymentRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for PaymentRequestId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PaymentRequestId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map(PaymentRequestId)
            .map_err(serde::de::Error::custom)
    }
}
