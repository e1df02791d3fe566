//! What people are told by email, whom each event concerns, and when a
//! daily digest goes out.
//!
//! [`audiences`] decides, from an event alone, who is concerned by it in
//! terms of the co-op ("the booking's two sides", "the coordinators");
//! the store turns those into people, and the person's own choice for the
//! kind ([`Delivery`]) says whether and when they hear of it. Whoever
//! caused an event is never told of it.

use serde::{Deserialize, Serialize};

use crate::{BookingId, Event, OrderId, PersonId, ProposalId, TaskId, Timestamp, Zone};

/// A kind of message, as a person chooses how to receive it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The link that proves an address is theirs. Always sent, at once,
    /// to the address it proves.
    VerifyEmail,
    /// The link that sets a new password. Always sent, at once, to the
    /// account's address, verified or not: following it proves it.
    PasswordReset,
    ApplicationReceived,
    ApplicationDecided,
    /// Their membership was suspended, reinstated or ended by expulsion.
    MembershipStanding,
    BookingRequested,
    BookingAccepted,
    BookingDeclined,
    /// A booking starts within a day.
    BookingReminder,
    /// A booking has ended and this side has not said it was done.
    BookingToMarkDone,
    BookingDisputed,
    /// A coordinator refunded a disputed booking.
    BookingDecided,
    /// The other side of a booking wrote in its thread.
    BookingMessage,
    /// The dispatch board offered a provider a request.
    DispatchOffer,
    VoteOpened,
    /// A day before a vote closes, to those on its roll who have not
    /// voted (only them).
    VoteReminder,
    VoteResult,
    /// Another member paid them, directly or for a booking.
    PaymentReceived,
    /// Someone paid a payment request of theirs.
    PaymentRequestPaid,
    TaskClaimed,
    TaskAccepted,
    OrderPaid,
    OrderSent,
    /// A year's surplus was returned: each member's patronage notice.
    PatronageNotice,
    /// A moderator accepted or rejected an edit they suggested to the
    /// directory.
    DirectoryEditDecided,
    /// A webhook's receiver refused its deliveries for a day, so it was
    /// paused: to the co-op's admins.
    WebhookPaused,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 26] = [
        NoticeKind::VerifyEmail,
        NoticeKind::PasswordReset,
        NoticeKind::ApplicationReceived,
        NoticeKind::ApplicationDecided,
        NoticeKind::MembershipStanding,
        NoticeKind::BookingRequested,
        NoticeKind::BookingAccepted,
        NoticeKind::BookingDeclined,
        NoticeKind::BookingReminder,
        NoticeKind::BookingToMarkDone,
        NoticeKind::BookingDisputed,
        NoticeKind::BookingDecided,
        NoticeKind::BookingMessage,
        NoticeKind::DispatchOffer,
        NoticeKind::VoteOpened,
        NoticeKind::VoteReminder,
        NoticeKind::VoteResult,
        NoticeKind::PaymentReceived,
        NoticeKind::PaymentRequestPaid,
        NoticeKind::TaskClaimed,
        NoticeKind::TaskAccepted,
        NoticeKind::OrderPaid,
        NoticeKind::OrderSent,
        NoticeKind::PatronageNotice,
        NoticeKind::DirectoryEditDecided,
        NoticeKind::WebhookPaused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::VerifyEmail => "verify_email",
            NoticeKind::PasswordReset => "password_reset",
            NoticeKind::ApplicationReceived => "application_received",
            NoticeKind::ApplicationDecided => "application_decided",
            NoticeKind::MembershipStanding => "membership_standing",
            NoticeKind::BookingRequested => "booking_requested",
            NoticeKind::BookingAccepted => "booking_accepted",
            NoticeKind::BookingDeclined => "booking_declined",
            NoticeKind::BookingReminder => "booking_reminder",
            NoticeKind::BookingToMarkDone => "booking_to_mark_done",
            NoticeKind::BookingDisputed => "booking_disputed",
            NoticeKind::BookingDecided => "booking_decided",
            NoticeKind::BookingMessage => "booking_message",
            NoticeKind::DispatchOffer => "dispatch_offer",
            NoticeKind::VoteOpened => "vote_opened",
            NoticeKind::VoteReminder => "vote_reminder",
            NoticeKind::VoteResult => "vote_result",
            NoticeKind::PaymentReceived => "payment_received",
            NoticeKind::PaymentRequestPaid => "payment_request_paid",
            NoticeKind::TaskClaimed => "task_claimed",
            NoticeKind::TaskAccepted => "task_accepted",
            NoticeKind::OrderPaid => "order_paid",
            NoticeKind::OrderSent => "order_sent",
            NoticeKind::PatronageNotice => "patronage_notice",
            NoticeKind::DirectoryEditDecided => "directory_edit_decided",
            NoticeKind::WebhookPaused => "webhook_paused",
        }
    }

    pub fn parse(text: &str) -> Option<NoticeKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Messages about the account itself: they go to an address that is
    /// not yet verified (they are how it is verified), at once, and cannot
    /// be turned off.
    pub fn is_account(self) -> bool {
        matches!(self, NoticeKind::VerifyEmail | NoticeKind::PasswordReset)
    }

    /// The kinds a person chooses for, in the order a settings page lists
    /// them.
    pub fn choosable() -> impl Iterator<Item = NoticeKind> {
        Self::ALL.into_iter().filter(|kind| !kind.is_account())
    }
}

/// How a person wants to hear of one kind of message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// A message of its own, as soon as it happens.
    #[default]
    AtOnce,
    /// Gathered with the day's others into one message, in their morning.
    DailyDigest,
    Never,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Delivery::AtOnce, Delivery::DailyDigest, Delivery::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::AtOnce => "at_once",
            Delivery::DailyDigest => "daily_digest",
            Delivery::Never => "never",
        }
    }

    pub fn parse(text: &str) -> Option<Delivery> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// Who in a co-op an event concerns, before the store names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    Person(PersonId),
    /// The co-op's active coordinators and admins.
    Coordinators,
    /// The co-op's active admins.
    Admins,
    /// Every active member.
    Members,
    /// The requester and the provider.
    BookingSides(BookingId),
    /// Those on the vote's roll.
    Voters(ProposalId),
    TaskPoster(TaskId),
    TaskClaimant(TaskId),
    OrderBuyer(OrderId),
    /// The creators of the ordered item.
    OrderSellers(OrderId),
}

/// Whom `event` concerns, and as which kind of message. Events nobody
/// needs to hear of by email (a profile saved, a ballot cast) give none.
pub fn audiences(event: &Event) -> Vec<(NoticeKind, Audience)> {
    use Audience as A;
    use Event as E;
    use NoticeKind as K;
    match *event {
        E::LedgerBatchCommitted { ref payees, .. } => payees
            .iter()
            .map(|payee| {
                let kind = if payee.request {
                    K::PaymentRequestPaid
                } else {
                    K::PaymentReceived
                };
                (kind, A::Person(payee.member))
            })
            .collect(),
        E::ApplicationReceived { .. } => vec![(K::ApplicationReceived, A::Coordinators)],
        E::MemberAdmitted { person, .. } | E::ApplicationDeclined { person, .. } => {
            vec![(K::ApplicationDecided, A::Person(person))]
        }
        E::MemberSuspended { person, .. }
        | E::MemberReinstated { person, .. }
        | E::MemberExpelled { person, .. } => vec![(K::MembershipStanding, A::Person(person))],
        E::BookingRequested { provider, .. } => vec![(K::BookingRequested, A::Person(provider))],
        E::BookingAccepted { booking } => vec![(K::BookingAccepted, A::BookingSides(booking))],
        E::BookingDeclined { booking } => vec![(K::BookingDeclined, A::BookingSides(booking))],
        E::BookingDisputed { booking } => vec![
            (K::BookingDisputed, A::BookingSides(booking)),
            (K::BookingDisputed, A::Coordinators),
        ],
        E::BookingRefunded { booking } => vec![(K::BookingDecided, A::BookingSides(booking))],
        // The writer is one of the sides, and never told of their own.
        E::BookingMessageWritten { booking, .. } => {
            vec![(K::BookingMessage, A::BookingSides(booking))]
        }
        E::HelpRequestOffered { provider, .. } => vec![(K::DispatchOffer, A::Person(provider))],
        E::VoteOpened { proposal, .. } => vec![(K::VoteOpened, A::Voters(proposal))],
        E::VoteClosed { proposal } => vec![(K::VoteResult, A::Voters(proposal))],
        E::TaskClaimed { task, .. } => vec![(K::TaskClaimed, A::TaskPoster(task))],
        E::TaskAccepted { task } => vec![(K::TaskAccepted, A::TaskClaimant(task))],
        E::OrderPaid { order } => vec![(K::OrderPaid, A::OrderSellers(order))],
        E::OrderSent { order } => vec![(K::OrderSent, A::OrderBuyer(order))],
        E::AllocationPosted { .. } => vec![(K::PatronageNotice, A::Members)],
        // Paused by an admin, the admins know; by failing, they are told.
        E::WebhookPaused { failing: true, .. } => vec![(K::WebhookPaused, A::Admins)],
        _ => Vec::new(),
    }
}

/// The people to tell: `named` (the audiences' people, in any order, with
/// repeats) once each, leaving out whoever caused the event.
pub fn recipients(
    named: impl IntoIterator<Item = PersonId>,
    actor: Option<PersonId>,
) -> Vec<PersonId> {
    let mut people: Vec<PersonId> = named.into_iter().filter(|p| Some(*p) != actor).collect();
    people.sort();
    people.dedup();
    people
}

/// How long before a vote closes, or a booking starts, its reminder goes.
pub const REMINDER_AHEAD_MS: i64 = 24 * 60 * 60 * 1000;

/// What a reminder is about: due by the clock, not by an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reminder {
    /// A vote closes within a day: to those on its roll who have not
    /// voted.
    VoteClosing(ProposalId),
    /// A booking starts within a day: to both sides.
    BookingSoon(BookingId),
    /// A booking has ended: to each side that has not said it was done.
    BookingToMarkDone(BookingId),
}

impl Reminder {
    pub fn kind(self) -> NoticeKind {
        match self {
            Reminder::VoteClosing(_) => NoticeKind::VoteReminder,
            Reminder::BookingSoon(_) => NoticeKind::BookingReminder,
            Reminder::BookingToMarkDone(_) => NoticeKind::BookingToMarkDone,
        }
    }
}

/// A reminder that is due and has not gone, with the event it tells of
/// again (the vote's opening, the booking's acceptance), whose page the
/// message links to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueReminder {
    pub coop: crate::CoopId,
    pub about: Reminder,
    pub event: crate::EventSeq,
}

/// The minute of the local day a digest goes out: 07:00.
pub const DIGEST_MINUTE: u16 = 7 * 60;

/// The first digest time strictly after `now` in `zone`: 07:00 on the
/// clock on the wall, whatever the day's length.
pub fn next_digest(now: Timestamp, zone: &Zone) -> Timestamp {
    const HALF_DAY_MS: i64 = 12 * 60 * 60 * 1000;
    // A local day lasts 23 to 25 hours, so one of the next three half-day
    // steps lands on the day after `now`'s.
    (0..4)
        .map(|step| {
            zone.on_same_day(
                Timestamp(now.as_millis() + step * HALF_DAY_MS),
                DIGEST_MINUTE,
            )
        })
        .find(|at| *at > now)
        .unwrap_or(Timestamp(now.as_millis() + 2 * HALF_DAY_MS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MembershipId;
    use proptest::prelude::*;

    #[test]
    fn a_webhook_paused_by_failing_tells_the_admins_and_one_paused_by_them_nobody() {
        let paused = |failing| Event::WebhookPaused {
            webhook: crate::WebhookId(2),
            failing,
        };
        assert_eq!(
            audiences(&paused(true)),
            vec![(NoticeKind::WebhookPaused, Audience::Admins)]
        );
        assert!(audiences(&paused(false)).is_empty());
    }

    #[test]
    fn kinds_and_deliveries_read_back_from_their_names() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str(), "serde and as_str agree");
        }
        for delivery in Delivery::ALL {
            assert_eq!(Delivery::parse(delivery.as_str()), Some(delivery));
        }
        assert_eq!(NoticeKind::parse("teleport"), None);
        assert!(NoticeKind::choosable().all(|k| !k.is_account()));
    }

    #[test]
    fn an_application_goes_to_the_coordinators_and_its_answer_to_the_applicant() {
        let applied = Event::ApplicationReceived {
            membership: MembershipId(1),
            person: PersonId(7),
            class: crate::MemberClassId(1),
        };
        assert_eq!(
            audiences(&applied),
            vec![(NoticeKind::ApplicationReceived, Audience::Coordinators)]
        );
        let admitted = Event::MemberAdmitted {
            membership: MembershipId(1),
            person: PersonId(7),
        };
        assert_eq!(
            audiences(&admitted),
            vec![(
                NoticeKind::ApplicationDecided,
                Audience::Person(PersonId(7))
            )]
        );
        let expelled = Event::MemberExpelled {
            membership: MembershipId(1),
            person: PersonId(7),
        };
        assert_eq!(
            audiences(&expelled),
            vec![(
                NoticeKind::MembershipStanding,
                Audience::Person(PersonId(7))
            )]
        );
        assert!(audiences(&Event::BallotCast {
            proposal: ProposalId(1)
        })
        .is_empty());
    }

    #[test]
    fn a_batch_tells_each_member_paid_as_how_they_were_paid() {
        let batch = Event::LedgerBatchCommitted {
            batch: 3,
            transfers: 40,
            payees: vec![
                crate::Payee {
                    member: PersonId(4),
                    request: false,
                },
                crate::Payee {
                    member: PersonId(5),
                    request: true,
                },
            ],
        };
        assert_eq!(
            audiences(&batch),
            vec![
                (NoticeKind::PaymentReceived, Audience::Person(PersonId(4))),
                (
                    NoticeKind::PaymentRequestPaid,
                    Audience::Person(PersonId(5))
                ),
            ]
        );
    }

    proptest! {
        #[test]
        fn the_actor_is_never_told_and_nobody_twice(
            named in proptest::collection::vec(0i64..8, 0..20),
            actor in proptest::option::of(0i64..8),
        ) {
            let told = recipients(named.iter().copied().map(PersonId), actor.map(PersonId));
            prop_assert!(actor.is_none_or(|a| !told.contains(&PersonId(a))));
            let mut unique = told.clone();
            unique.dedup();
            prop_assert_eq!(&unique, &told);
            for person in named {
                prop_assert!(Some(person) == actor || told.contains(&PersonId(person)));
            }
        }

        /// The digest is due at 07:00 local, within the next day, in
        /// zones with and without summer time, across their changes.
        #[test]
        fn the_digest_is_due_at_the_next_seven_on_the_wall(
            // 2024 to 2028, which holds both changes each year.
            now in 1_704_067_200_000i64..1_830_297_600_000,
            zone in prop_oneof![
                Just("Europe/Madrid"), Just("America/New_York"), Just("UTC"),
                Just("Australia/Lord_Howe"), Just("Asia/Kolkata"),
            ],
        ) {
            let zone = Zone::named(zone).unwrap();
            let due = next_digest(Timestamp(now), &zone);
            prop_assert!(due > Timestamp(now));
            prop_assert!(due.as_millis() - now <= 26 * 60 * 60 * 1000);
            let wall = zone.civil(due).unwrap();
            prop_assert_eq!((wall.hour, wall.minute), (7, 0));
        }
    }
}
