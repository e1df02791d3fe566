//! Every kind of event, its names and its payload.

use super::*;

/// One of each kind, checked against [`Event::KINDS`].
fn one_of_each() -> Vec<Event> {
    let m = MembershipId(1);
    let p = PersonId(2);
    let b = BookingId(3);
    let t = TaskId(4);
    let pr = ProposalId(5);
    let o = OrderId(6);
    let pj = ProjectId(7);
    vec![
        Event::CoopFounded {
            coop: CoopId(12),
            founder: p,
        },
        Event::SettingsChanged {
            coop: CoopId(12),
            part: SettingsPart::PatronageRules,
        },
        Event::CurrencyDefined {
            coop: CoopId(12),
            currency: "HOUR".into(),
        },
        Event::CurrencyRulesChanged {
            coop: CoopId(12),
            currency: "HOUR".into(),
        },
        Event::LedgerBatchCommitted {
            batch: 17,
            transfers: 3,
            payees: vec![
                Payee {
                    member: p,
                    request: false,
                },
                Payee {
                    member: PersonId(9),
                    request: true,
                },
            ],
        },
        Event::PaymentRequested {
            request: PaymentRequestId(u128::MAX),
            amount: 250,
        },
        Event::CheckpointSigned { batch: 17 },
        Event::MonthApplied {
            coop: CoopId(12),
            period: "2026-12".into(),
            transfers: 40,
            refused: 1,
        },
        Event::DuesPaidInCash {
            member: p,
            period: "2027-01".into(),
        },
        Event::HelpRequestOffered {
            request: HelpRequestId(13),
            provider: p,
        },
        Event::HelpRequestClosed {
            request: HelpRequestId(13),
            booking: b,
        },
        Event::FavouriteChanged {
            provider: p,
            favourite: true,
        },
        Event::ReferralMade {
            member: p,
            referrer: PersonId(9),
        },
        Event::ReferralRewarded { member: p },
        Event::ProposalCommented { proposal: pr },
        Event::FeedbackGiven {
            booking: BookingId(3),
            would_book_again: true,
        },
        Event::FeedbackAnswered {
            booking: BookingId(3),
        },
        Event::BookingMessageWritten {
            booking: BookingId(3),
            message: crate::MessageId(8),
        },
        Event::ProviderProfileSaved { provider: p },
        Event::ItemListed { item: ItemId(10) },
        Event::ForecastMade {
            forecast: ForecastId(14),
        },
        Event::ForecastAttached {
            forecast: ForecastId(14),
            proposal: pr,
        },
        Event::ForecastSettled {
            forecast: ForecastId(14),
        },
        Event::HelpRequestPosted {
            request: HelpRequestId(13),
        },
        Event::OfferAnswered {
            request: HelpRequestId(13),
            provider: p,
            accepted: true,
        },
        Event::ApplicationReceived {
            membership: m,
            person: p,
            class: MemberClassId(8),
        },
        Event::MemberAdmitted {
            membership: m,
            person: p,
        },
        Event::ApplicationDeclined {
            membership: m,
            person: p,
        },
        Event::MemberLeft {
            membership: m,
            person: p,
        },
        Event::MemberSuspended {
            membership: m,
            person: p,
        },
        Event::MemberReinstated {
            membership: m,
            person: p,
        },
        Event::MemberExpelled {
            membership: m,
            person: p,
        },
        Event::RoleChanged {
            membership: m,
            person: p,
            role: Role::Coordinator,
        },
        Event::BookingRequested {
            booking: b,
            requester: p,
            provider: PersonId(9),
            amount: 300,
        },
        Event::BookingAccepted { booking: b },
        Event::BookingDeclined { booking: b },
        Event::BookingCancelled { booking: b },
        Event::BookingMarkedDone { booking: b },
        Event::BookingDisputed { booking: b },
        Event::BookingSettled { booking: b },
        Event::BookingRefunded { booking: b },
        Event::BookingStepUndone { booking: b },
        Event::TaskPosted { task: t, bounty: 5 },
        Event::TaskClaimed {
            task: t,
            claimant: p,
        },
        Event::TaskDelivered { task: t },
        Event::TaskAccepted { task: t },
        Event::TaskReleased { task: t },
        Event::ProposalCreated { proposal: pr },
        Event::VoteOpened {
            proposal: pr,
            eligible: 12,
        },
        Event::BallotCast { proposal: pr },
        Event::VoteClosed { proposal: pr },
        Event::AllocationProposed {
            allocation: AllocationId(11),
            proposal: pr,
        },
        Event::AllocationPosted {
            allocation: AllocationId(11),
        },
        Event::AllocationRejected {
            allocation: AllocationId(11),
        },
        Event::OrderPlaced {
            order: o,
            item: ItemId(10),
            amount: 1200,
        },
        Event::OrderPaid { order: o },
        Event::OrderRefused { order: o },
        Event::OrderSent { order: o },
        Event::ProjectProposed {
            project: pj,
            budget: 2000,
        },
        Event::ProjectApproved { project: pj },
        Event::ProjectRejected { project: pj },
        Event::ProjectFunded { project: pj },
        Event::WebhookAdded {
            webhook: WebhookId(4),
        },
        Event::WebhookPaused {
            webhook: WebhookId(4),
            failing: true,
        },
        Event::WebhookResumed {
            webhook: WebhookId(4),
        },
        Event::WebhookRemoved {
            webhook: WebhookId(4),
        },
    ]
}

#[test]
fn every_kind_round_trips_through_its_parts() {
    let events = one_of_each();
    let kinds: std::collections::BTreeSet<_> = events.iter().map(Event::kind).collect();
    let listed: std::collections::BTreeSet<_> = Event::KINDS.iter().copied().collect();
    assert_eq!(kinds.len(), events.len(), "each example is its own kind");
    assert_eq!(kinds, listed, "KINDS lists every kind once");
    for event in events {
        let tagged = serde_json::to_value(&event).unwrap();
        assert_eq!(tagged["kind"], event.kind(), "serde's name is kind()");
        let back = Event::from_parts(event.kind(), event.data()).unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn payloads_hold_ids_and_figures_only() {
    let data = Event::BookingRequested {
        booking: BookingId(3),
        requester: PersonId(2),
        provider: PersonId(9),
        amount: 300,
    }
    .data();
    assert_eq!(
        data,
        serde_json::json!({"booking": 3, "requester": 2, "provider": 9, "amount": 300})
    );
}

/// Batches logged before payees were named read as naming none, and a
/// batch that pays no member writes no `payees` at all.
#[test]
fn a_batch_without_payees_reads_and_writes_as_before() {
    let old = serde_json::json!({"batch": 4, "transfers": 2});
    let event = Event::from_parts("ledger.batch_committed", old.clone()).unwrap();
    assert_eq!(
        event,
        Event::LedgerBatchCommitted {
            batch: 4,
            transfers: 2,
            payees: Vec::new()
        }
    );
    assert_eq!(event.data(), old);
    let paid = Event::LedgerBatchCommitted {
        batch: 4,
        transfers: 2,
        payees: vec![Payee {
            member: PersonId(7),
            request: false,
        }],
    };
    assert_eq!(paid.data()["payees"], serde_json::json!([{"member": 7}]));
}

#[test]
fn an_unknown_kind_is_refused() {
    assert!(Event::from_parts("booking.teleported", serde_json::json!({"booking": 1})).is_err());
    assert!(Event::from_parts("booking.accepted", serde_json::json!({})).is_err());
}

#[test]
fn subjects_name_their_entity() {
    let event = Event::OrderPaid { order: OrderId(6) };
    assert_eq!(event.subject().to_string(), "order:6");
}

/// A request's 128-bit id is a string in the payload, whole: a
/// JavaScript reader would round a number.
#[test]
fn wide_ids_are_written_as_text() {
    let data = Event::PaymentRequested {
        request: PaymentRequestId(u128::MAX),
        amount: 1,
    }
    .data();
    assert_eq!(data["request"], u128::MAX.to_string());
    assert_eq!(
        Event::SettingsChanged {
            coop: CoopId(1),
            part: SettingsPart::ClassRules
        }
        .data()["part"],
        "class_rules"
    );
}

#[test]
fn the_audit_log_names_only_kinds_there_are_and_no_dealings_between_members() {
    for kind in Event::AUDITED {
        assert!(Event::KINDS.contains(kind), "{kind} is a kind");
    }
    let audited: Vec<_> = one_of_each()
        .into_iter()
        .filter(Event::is_audited)
        .collect();
    assert_eq!(audited.len(), Event::AUDITED.len());
    for private in [
        "booking.requested",
        "ledger.batch_committed",
        "order.paid",
        "vote.ballot_cast",
    ] {
        assert!(
            !Event::AUDITED.contains(&private),
            "{private} is members' own"
        );
    }
}
