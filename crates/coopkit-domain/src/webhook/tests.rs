//! Endpoint addresses, endpoint changes, and a delivery's tries.

use proptest::prelude::*;

use super::*;
use crate::WebhookId;

#[test]
fn an_endpoint_is_https_or_on_this_machine() {
    for good in [
        "https://hooks.example.org/coopkit",
        "https://example.org:8443/a?b=c",
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://[::1]:8080/",
    ] {
        assert_eq!(EndpointUrl::parse(good).unwrap().as_str(), good);
    }
    for (bad, why) in [
        ("http://hooks.example.org/", UrlError::NotHttps),
        ("http://127.0.0.1.example.org/", UrlError::NotHttps),
        ("ftp://example.org/", UrlError::NotHttps),
        ("hooks.example.org", UrlError::NotHttps),
        ("https://", UrlError::Malformed),
        ("https://user:secret@example.org/", UrlError::Malformed),
        ("https://exa mple.org/", UrlError::Malformed),
        ("https://example.org/a b", UrlError::Malformed),
        ("http://localhost@evil.example/", UrlError::Malformed),
    ] {
        assert_eq!(EndpointUrl::parse(bad), Err(why), "{bad}");
    }
    let long = format!("https://example.org/{}", "a".repeat(URL_MAX));
    assert_eq!(EndpointUrl::parse(&long), Err(UrlError::TooLong));
}

#[test]
fn every_kind_but_the_webhooks_own_may_be_subscribed_to() {
    assert!(deliverable("booking.accepted"));
    assert!(!deliverable("webhook.paused"));
    assert!(!deliverable("booking.eaten"));
    assert!(Event::KINDS.iter().filter(|k| deliverable(k)).count() > 50);
}

#[test]
fn an_endpoint_is_paused_and_resumed_once_each() {
    let id = WebhookId(3);
    let (paused, event) =
        change_endpoint(EndpointState::Active, EndpointChange::Pause, id).unwrap();
    assert_eq!(paused, EndpointState::Paused);
    assert_eq!(
        event,
        Event::WebhookPaused {
            webhook: id,
            failing: false
        }
    );
    assert_eq!(
        change_endpoint(paused, EndpointChange::Pause, id),
        Err(AlreadyThere(EndpointState::Paused))
    );
    let (active, event) = change_endpoint(paused, EndpointChange::Resume, id).unwrap();
    assert_eq!(active, EndpointState::Active);
    assert_eq!(event, Event::WebhookResumed { webhook: id });
    assert_eq!(
        change_endpoint(active, EndpointChange::Resume, id),
        Err(AlreadyThere(EndpointState::Active))
    );
}

#[test]
fn a_refused_delivery_is_tried_again_later_and_then_accepted() {
    let start = Timestamp(1_000_000);
    let first = after_attempt(
        &DeliveryStatus::queued(start),
        Attempt::Refused("503".into()),
        start,
    )
    .unwrap();
    assert_eq!(first.state, DeliveryState::Failing);
    assert_eq!(first.due_at, Timestamp(start.as_millis() + FIRST_RETRY_MS));
    let second = after_attempt(&first, Attempt::Accepted("204".into()), first.due_at).unwrap();
    assert_eq!(
        (second.state, second.attempts),
        (DeliveryState::Delivered, 2)
    );
    assert_eq!(
        after_attempt(&second, Attempt::Accepted("204".into()), second.due_at),
        Err(NotPending(DeliveryState::Delivered)),
        "a delivered event is not sent again"
    );
}

#[test]
fn the_backoff_doubles_up_to_an_hour() {
    assert_eq!(backoff(1), 30_000);
    assert_eq!(backoff(2), 60_000);
    assert_eq!(backoff(7), 32 * 60_000);
    assert_eq!(backoff(8), LONGEST_RETRY_MS);
    assert_eq!(backoff(u32::MAX), LONGEST_RETRY_MS);
}

fn attempt() -> impl Strategy<Value = Attempt> {
    prop_oneof![
        6 => Just(Attempt::Refused("connection refused".into())),
        1 => Just(Attempt::Accepted("200".into())),
    ]
}

proptest! {
    /// Whatever the receiver answers, a delivery is tried at times that
    /// only move forward, never after its day, and ends delivered or
    /// failed once it stops being tried: failed only when refused past
    /// the day.
    #[test]
    fn every_delivery_ends_within_its_day(
        start in 0i64..4_000_000_000_000,
        attempts in proptest::collection::vec(attempt(), 1..200),
    ) {
        let mut delivery = DeliveryStatus::queued(Timestamp(start));
        for attempt in attempts {
            let now = delivery.due_at;
            let accepted = matches!(attempt, Attempt::Accepted(_));
            match after_attempt(&delivery, attempt, now) {
                Ok(next) => {
                    prop_assert!(next.due_at >= now);
                    prop_assert_eq!(next.attempts, delivery.attempts + 1);
                    prop_assert!(next.due_at.as_millis() - start <= GIVE_UP_MS);
                    prop_assert_eq!(next.state == DeliveryState::Delivered, accepted);
                    if next.state == DeliveryState::Failed {
                        prop_assert!(now.as_millis() + backoff(next.attempts) - start > GIVE_UP_MS);
                    }
                    delivery = next;
                }
                Err(NotPending(state)) => {
                    prop_assert!(!state.is_pending());
                    prop_assert_eq!(state, delivery.state);
                }
            }
        }
    }
}
