use coopkit_domain::Timestamp;
use coopkit_market::booking::{step, AUTO_COMPLETE_AFTER_MS};
use coopkit_market::{
    Action, BookingFacts, BookingState as S, Effect, Party, Payment, Refusal, Window,
};
use proptest::prelude::*;

const HOUR: i64 = 3_600_000;
const START: Timestamp = Timestamp(1_767_571_200_000 + 19 * HOUR);

fn booking(payment: Payment) -> BookingFacts {
    BookingFacts {
        state: S::Requested,
        window: Window::new(START, START.plus_millis(4 * HOUR)).unwrap(),
        payment,
        requester_done: false,
        provider_done: false,
    }
}

fn before() -> Timestamp {
    START.plus_millis(-HOUR)
}

fn after() -> Timestamp {
    START.plus_millis(5 * HOUR)
}

#[test]
fn a_sitting_goes_from_request_to_settlement() {
    let requested = booking(Payment::Ledger);
    let confirmed = step(requested, Party::Provider, Action::Accept, before()).unwrap();
    assert_eq!(
        (confirmed.facts.state, confirmed.effect),
        (S::Confirmed, Effect::PlaceHold)
    );
    let half = step(confirmed.facts, Party::Requester, Action::MarkDone, after()).unwrap();
    assert_eq!(
        (half.facts.state, half.effect),
        (S::Confirmed, Effect::None)
    );
    assert!(half.facts.requester_done && !half.facts.provider_done);
    let done = step(half.facts, Party::Provider, Action::MarkDone, after()).unwrap();
    assert_eq!(
        (done.facts.state, done.effect),
        (S::Settled, Effect::PostHold)
    );
    assert_eq!(
        step(done.facts, Party::Provider, Action::MarkDone, after()),
        Err(Refusal::WrongState),
        "a settled booking stays settled"
    );
}

#[test]
fn each_side_may_only_do_its_part() {
    let requested = booking(Payment::Ledger);
    for party in [Party::Requester, Party::Coordinator, Party::Clock] {
        assert_eq!(
            step(requested, party, Action::Accept, before()),
            Err(Refusal::NotYourTurn)
        );
    }
    let declined = step(requested, Party::Provider, Action::Decline, before()).unwrap();
    assert_eq!(
        (declined.facts.state, declined.effect),
        (S::Declined, Effect::None)
    );
    assert_eq!(
        step(requested, Party::Provider, Action::Accept, START),
        Err(Refusal::AlreadyStarted),
        "too late to accept"
    );
    let confirmed = step(requested, Party::Provider, Action::Accept, before())
        .unwrap()
        .facts;
    assert_eq!(
        step(confirmed, Party::Requester, Action::MarkDone, before()),
        Err(Refusal::NotStarted)
    );
    assert_eq!(
        step(
            confirmed,
            Party::Coordinator,
            Action::Resolve { pay: true },
            after()
        ),
        Err(Refusal::WrongState),
        "only disputes are resolved"
    );
}

#[test]
fn cancelling_releases_the_hold_until_the_start() {
    let requested = booking(Payment::Ledger);
    let withdrawn = step(requested, Party::Requester, Action::Cancel, before()).unwrap();
    assert_eq!(
        (withdrawn.facts.state, withdrawn.effect),
        (S::Cancelled, Effect::None)
    );
    let confirmed = step(requested, Party::Provider, Action::Accept, before())
        .unwrap()
        .facts;
    for party in [Party::Requester, Party::Provider] {
        let cancelled = step(confirmed, party, Action::Cancel, before()).unwrap();
        assert_eq!(
            (cancelled.facts.state, cancelled.effect),
            (S::Cancelled, Effect::VoidHold)
        );
    }
    assert_eq!(
        step(confirmed, Party::Requester, Action::Cancel, START),
        Err(Refusal::AlreadyStarted)
    );
}

#[test]
fn disputes_go_to_a_coordinator_and_silence_settles() {
    let confirmed = step(
        booking(Payment::Ledger),
        Party::Provider,
        Action::Accept,
        before(),
    )
    .unwrap()
    .facts;
    let disputed = step(confirmed, Party::Requester, Action::Dispute, after())
        .unwrap()
        .facts;
    assert_eq!(disputed.state, S::Disputed);
    assert_eq!(
        step(
            disputed,
            Party::Provider,
            Action::Resolve { pay: true },
            after()
        ),
        Err(Refusal::NotYourTurn)
    );
    let paid = step(
        disputed,
        Party::Coordinator,
        Action::Resolve { pay: true },
        after(),
    )
    .unwrap();
    assert_eq!(
        (paid.facts.state, paid.effect),
        (S::Settled, Effect::PostHold)
    );
    let refunded = step(
        disputed,
        Party::Coordinator,
        Action::Resolve { pay: false },
        after(),
    )
    .unwrap();
    assert_eq!(
        (refunded.facts.state, refunded.effect),
        (S::Refunded, Effect::VoidHold)
    );
    assert_eq!(
        step(
            disputed,
            Party::Clock,
            Action::AutoComplete,
            START.plus_millis(100 * HOUR)
        ),
        Err(Refusal::WrongState),
        "a disputed booking never settles by itself"
    );

    let end = confirmed.window.end;
    assert_eq!(
        step(
            confirmed,
            Party::Clock,
            Action::AutoComplete,
            end.plus_millis(AUTO_COMPLETE_AFTER_MS - 1)
        ),
        Err(Refusal::NotDue)
    );
    let settled = step(
        confirmed,
        Party::Clock,
        Action::AutoComplete,
        end.plus_millis(AUTO_COMPLETE_AFTER_MS),
    )
    .unwrap();
    assert_eq!(
        (settled.facts.state, settled.effect),
        (S::Settled, Effect::PostHold)
    );
}

#[test]
fn cash_bookings_never_touch_the_ledger() {
    let confirmed = step(
        booking(Payment::Cash),
        Party::Provider,
        Action::Accept,
        before(),
    )
    .unwrap();
    assert_eq!(confirmed.effect, Effect::None);
    let half = step(confirmed.facts, Party::Provider, Action::MarkDone, after()).unwrap();
    let done = step(half.facts, Party::Requester, Action::MarkDone, after()).unwrap();
    assert_eq!((done.facts.state, done.effect), (S::Settled, Effect::None));
}

fn action() -> impl Strategy<Value = (Party, Action)> {
    let party = prop_oneof![
        Just(Party::Requester),
        Just(Party::Provider),
        Just(Party::Coordinator),
        Just(Party::Clock)
    ];
    let action = prop_oneof![
        Just(Action::Accept),
        Just(Action::Decline),
        Just(Action::Cancel),
        Just(Action::MarkDone),
        Just(Action::Dispute),
        any::<bool>().prop_map(|pay| Action::Resolve { pay }),
        Just(Action::AutoComplete),
    ];
    (party, action)
}

proptest! {
    /// Whatever anyone does, in any order, at any time: the ledger is asked
    /// to place at most one hold, and to post or void only a hold it
    /// placed, at most once; and only a settled booking was ever posted.
    #[test]
    fn every_hold_is_placed_once_and_resolved_at_most_once(
        steps in proptest::collection::vec((action(), -10i64..200), 0..30),
    ) {
        let mut facts = booking(Payment::Ledger);
        let (mut placed, mut resolved) = (0, 0);
        for ((party, action), hours) in steps {
            if let Ok(next) = step(facts, party, action, START.plus_millis(hours * HOUR)) {
                match next.effect {
                    Effect::PlaceHold => placed += 1,
                    Effect::PostHold => {
                        prop_assert_eq!(next.facts.state, S::Settled);
                        resolved += 1;
                    }
                    Effect::VoidHold => resolved += 1,
                    Effect::None => {}
                }
                prop_assert!(resolved <= placed);
                facts = next.facts;
            }
        }
        prop_assert!(placed <= 1 && resolved <= 1);
        if matches!(facts.state, S::Cancelled | S::Refunded | S::Settled) && placed == 1 {
            prop_assert_eq!(resolved, 1, "a finished booking leaves no hold behind");
        }
    }
}

proptest! {
    /// Every step a party can take is recorded as the step it is: never as
    /// a step taken back, and a booking is settled, refunded, declined or
    /// cancelled at most once however often it is tried.
    #[test]
    fn each_step_is_recorded_as_what_it_did(
        steps in proptest::collection::vec((action(), -10i64..200), 0..30),
    ) {
        let id = coopkit_market::BookingId(7);
        let mut facts = booking(Payment::Ledger);
        let mut endings = 0;
        for ((party, action), hours) in steps {
            if let Ok(next) = step(facts, party, action, START.plus_millis(hours * HOUR)) {
                let event = coopkit_market::booking::event(id, &facts, &next.facts);
                prop_assert_ne!(event.kind(), "booking.step_undone", "{:?} by {:?}", action, party);
                prop_assert_eq!(event.subject().to_string(), "booking:7");
                if matches!(
                    event.kind(),
                    "booking.settled" | "booking.refunded" | "booking.declined" | "booking.cancelled"
                ) {
                    endings += 1;
                }
                facts = next.facts;
            }
        }
        prop_assert!(endings <= 1, "a booking ends once");
    }
}

#[test]
fn a_step_taken_back_is_recorded_as_undone() {
    let id = coopkit_market::BookingId(7);
    let requested = booking(Payment::Ledger);
    let accepted = step(
        requested,
        Party::Provider,
        Action::Accept,
        START.plus_millis(-HOUR),
    )
    .unwrap()
    .facts;
    assert_eq!(
        coopkit_market::booking::event(id, &requested, &accepted).kind(),
        "booking.accepted"
    );
    assert_eq!(
        coopkit_market::booking::event(id, &accepted, &requested).kind(),
        "booking.step_undone"
    );
}

/// Saying "done" twice used to pass as a step that changed nothing, and
/// was recorded as a second `booking.marked_done`.
#[test]
fn saying_done_twice_is_refused_not_taken_again() {
    let confirmed = step(
        booking(Payment::Ledger),
        Party::Provider,
        Action::Accept,
        before(),
    )
    .unwrap()
    .facts;
    let half = step(confirmed, Party::Requester, Action::MarkDone, after()).unwrap();
    assert_eq!(
        step(half.facts, Party::Requester, Action::MarkDone, after()),
        Err(Refusal::AlreadyMarkedDone)
    );
    assert!(
        !coopkit_market::booking::allowed(half.facts, Party::Requester, after())
            .contains(&Action::MarkDone)
    );
    assert!(
        coopkit_market::booking::allowed(half.facts, Party::Provider, after())
            .contains(&Action::MarkDone)
    );
}
