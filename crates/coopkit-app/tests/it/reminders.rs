//! Reminders due by the clock, queued in the outbox on each backend: a
//! day before a booking, to both sides; once it has ended, to each side
//! that has not said it was done; each once, however often the server
//! looks.

use coopkit_domain::{Clock, NoticeKind, Timestamp};
use coopkit_market::Action;
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::market::{book, evening, next_friday, sitters, Sitters, HOUR};

/// The recipients of the co-op's queued messages of `kind`, by name.
async fn told(s: &Sitters, kind: NoticeKind) -> Vec<String> {
    s.app.queue_notices().await.unwrap();
    let mut names: Vec<String> = s
        .app
        .outbox(&s.admin, "sitters")
        .await
        .unwrap()
        .messages
        .into_iter()
        .filter(|m| m.kind == kind)
        .filter_map(|m| m.recipient)
        .collect();
    names.sort();
    names
}

fn move_to(s: &Sitters, at: Timestamp) {
    s.clock
        .advance_ms(at.as_millis() - s.clock.now().as_millis());
}

each_backend! {
    async fn a_booking_is_reminded_the_day_before_and_once_it_has_ended(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let friday = next_friday(TEST_START);
        let window = evening(friday, 0, 19, 23);
        let booking = s.app.book(&s.ana, "sitters", book(&s.ben, window)).await.unwrap();
        s.act(&s.ben, &booking, Action::Accept).await.unwrap();
        assert!(
            window.start.as_millis() - TEST_START.as_millis() > 24 * HOUR,
            "the test starts more than a day before the sitting"
        );
        assert!(told(&s, NoticeKind::BookingReminder).await.is_empty());

        // Within a day of the start: both sides, once.
        move_to(&s, window.start.plus_millis(-23 * HOUR));
        assert_eq!(told(&s, NoticeKind::BookingReminder).await, ["ana", "ben"]);
        s.clock.advance_ms(HOUR);
        assert_eq!(told(&s, NoticeKind::BookingReminder).await, ["ana", "ben"]);
        assert!(told(&s, NoticeKind::BookingToMarkDone).await.is_empty());

        // Ended: Ben has said it was done, so only Ana is asked; once.
        move_to(&s, window.end.plus_millis(HOUR / 6));
        s.act(&s.ben, &booking, Action::MarkDone).await.unwrap();
        move_to(&s, window.end.plus_millis(HOUR / 2));
        assert_eq!(told(&s, NoticeKind::BookingToMarkDone).await, ["ana"]);
        s.clock.advance_ms(HOUR);
        assert_eq!(told(&s, NoticeKind::BookingToMarkDone).await, ["ana"]);

        // A sitting that ended more than a day before anyone looked (the
        // server was down) is not asked about late.
        let next = evening(friday, 1, 19, 23);
        let later = s.app.book(&s.carol, "sitters", book(&s.ben, next)).await.unwrap();
        s.act(&s.ben, &later, Action::Accept).await.unwrap();
        move_to(&s, next.end.plus_millis(25 * HOUR));
        assert_eq!(told(&s, NoticeKind::BookingToMarkDone).await, ["ana"]);
    }
}
