//! Every transition of every feature records one event, in order, with
//! who did it: walked through the use cases on each backend.

use coopkit_app::governance::{ProposalForm, VoteForm};
use coopkit_app::market::{FeedbackForm, TaskForm};
use coopkit_domain::{Event, EventSeq, SettingsPart, Subject, Timestamp};
use coopkit_market::{Action, TaskAction};
use coopkit_store::Backend;
use coopkit_testkit::{each_backend, story, TestDb, TEST_START};

use crate::market::{book, evening, next_friday, sitters, Sitters, HOUR};

/// Ana books Ben for Friday evening; he accepts (after her own try at
/// accepting is refused), and once the evening is over both say it was
/// done, so it settles.
async fn settled_sitting(s: &Sitters) -> coopkit_market::Booking {
    let friday = next_friday(TEST_START);
    let booking = s
        .app
        .book(&s.ana, "sitters", book(&s.ben, evening(friday, 0, 19, 23)))
        .await
        .unwrap();
    // A refused step records nothing.
    assert!(s.act(&s.ana, &booking, Action::Accept).await.is_err());
    s.act(&s.ben, &booking, Action::Accept).await.unwrap();
    let end = evening(friday, 0, 19, 23).end;
    s.clock
        .advance_ms(end.as_millis() - s.app.now().as_millis());
    s.act(&s.ana, &booking, Action::MarkDone).await.unwrap();
    s.act(&s.ben, &booking, Action::MarkDone).await.unwrap();
    booking
}

each_backend! {
    async fn a_booking_records_each_step(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let booking = settled_sitting(&s).await;

        assert_eq!(
            story(&db.store, "sitters", Subject::Booking(booking.id)).await,
            [
                ("booking.requested", Some(s.ana.id)),
                ("booking.accepted", Some(s.ben.id)),
                ("booking.marked_done", Some(s.ana.id)),
                ("booking.settled", Some(s.ben.id)),
            ],
            "{backend:?}"
        );
    }

    async fn a_task_records_each_step(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let task = s
            .app
            .post_task(
                &s.ana,
                "sitters",
                TaskForm {
                    title: "Paint the play room".into(),
                    description: String::new(),
                    currency: "HALFHOUR".into(),
                    bounty: 4,
                    deadline: TEST_START.plus_millis(72 * HOUR),
                    from_fund: false,
                },
            )
            .await
            .unwrap();
        let step = |who, action| s.app.task_step(who, "sitters", task, action);
        step(&s.ben, TaskAction::Claim).await.unwrap();
        step(&s.admin, TaskAction::Release).await.unwrap();
        step(&s.carol, TaskAction::Claim).await.unwrap();
        // Ben's claim was let go: he cannot deliver Carol's.
        assert!(step(&s.ben, TaskAction::Deliver).await.is_err());
        step(&s.carol, TaskAction::Deliver).await.unwrap();
        step(&s.admin, TaskAction::Accept).await.unwrap();

        assert_eq!(
            story(&db.store, "sitters", Subject::Task(task)).await,
            [
                ("task.posted", Some(s.ana.id)),
                ("task.claimed", Some(s.ben.id)),
                ("task.released", Some(s.admin.id)),
                ("task.claimed", Some(s.carol.id)),
                ("task.delivered", Some(s.carol.id)),
                ("task.accepted", Some(s.admin.id)),
            ],
            "{backend:?}"
        );
    }

    async fn a_vote_records_its_opening_secret_ballots_and_closing(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let now = s.app.now();
        let proposal = s
            .app
            .create_proposal(
                &s.ana,
                "sitters",
                ProposalForm {
                    title: "Meet monthly".into(),
                    body: String::new(),
                    kind: "motion".into(),
                    method: "majority".into(),
                    options: Vec::new(),
                    seats: 1,
                    class_key: None,
                    quorum_percent: 0,
                    threshold: None,
                    opens_at: now,
                    closes_at: Timestamp(now.as_millis() + 24 * HOUR),
                },
            )
            .await
            .unwrap();
        s.app
            .comment_on_proposal(&s.carol, "sitters", proposal, "Monthly suits us.")
            .await
            .unwrap();
        let yes = VoteForm {
            choice: "yes".into(),
            ..VoteForm::default()
        };
        s.app.vote(&s.ben, "sitters", proposal, yes.clone()).await.unwrap();
        s.app.vote(&s.carol, "sitters", proposal, yes.clone()).await.unwrap();
        // Changing a vote is a ballot cast too.
        s.app.vote(&s.ben, "sitters", proposal, yes).await.unwrap();
        s.clock.advance_ms(24 * HOUR);
        s.app.governance_tick().await.unwrap();
        // Reading it again changes nothing: it closed once.
        s.app.proposal(&s.ana, "sitters", proposal).await.unwrap();

        assert_eq!(
            story(&db.store, "sitters", Subject::Proposal(proposal)).await,
            [
                ("proposal.created", Some(s.ana.id)),
                ("vote.opened", None),
                ("proposal.commented", Some(s.carol.id)),
                ("vote.ballot_cast", None),
                ("vote.ballot_cast", None),
                ("vote.ballot_cast", None),
                ("vote.closed", None),
            ],
            "{backend:?}: the clock opens and closes; ballots name nobody"
        );
        let coop = db.store.coop_by_slug("sitters").await.unwrap().unwrap().id;
        let events = db.store.events(coop, EventSeq(0), 1000).await.unwrap();
        let opened = events
            .iter()
            .find(|e| e.happened.event.kind() == "vote.opened")
            .unwrap();
        assert_eq!(
            opened.happened.event,
            coopkit_domain::Event::VoteOpened { proposal, eligible: 4 },
            "the admin and three members are on the roll"
        );
    }

    async fn payments_profiles_feedback_and_settings_are_recorded(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let booking = settled_sitting(&s).await;
        let feedback = FeedbackForm {
            went_well: "Calm bedtime".into(),
            could_be_better: String::new(),
            would_book_again: true,
        };
        s.app
            .leave_feedback(&s.ana, "sitters", booking.id, feedback)
            .await
            .unwrap();
        s.app
            .answer_feedback(&s.ben, "sitters", booking.id, "Thank you!")
            .await
            .unwrap();

        let told = story(&db.store, "sitters", Subject::Booking(booking.id)).await;
        assert_eq!(
            told[told.len() - 2..],
            [
                ("booking.feedback_given", Some(s.ana.id)),
                ("booking.feedback_answered", Some(s.ben.id)),
            ],
            "{backend:?}"
        );
        // A favourite marked twice is one change; unmarked, another.
        for favourite in [true, true, false] {
            s.app
                .set_favourite(&s.ana, "sitters", s.ben.id, favourite)
                .await
                .unwrap();
        }
        assert_eq!(
            story(&db.store, "sitters", Subject::Provider(s.ben.id)).await,
            [
                ("provider.profile_saved", Some(s.ben.id)),
                ("provider.favourite_changed", Some(s.ana.id)),
                ("provider.favourite_changed", Some(s.ana.id)),
            ],
            "{backend:?}"
        );
        // Carol says Ana brought her; with no bonus set, nothing is paid.
        s.app
            .record_referral(&s.carol, "sitters", s.ana.id)
            .await
            .unwrap();
        assert_eq!(
            story(&db.store, "sitters", Subject::Member(s.carol.id)).await,
            [("referral.made", Some(s.carol.id))],
            "{backend:?}"
        );
        let coop = db.store.coop_by_slug("sitters").await.unwrap().unwrap().id;
        assert_eq!(
            story(&db.store, "sitters", Subject::Coop(coop)).await,
            [
                ("coop.founded", Some(s.admin.id)),
                ("currency.defined", None),
                ("coop.settings_changed", Some(s.admin.id)),
            ],
            "{backend:?}: the fixture's founding, currency and categories"
        );

        // The ledger's journal is its own log; the event log points at each
        // committed batch once, with the number of its transfers.
        let events = db.store.events(coop, EventSeq(0), 10_000).await.unwrap();
        let pointed: Vec<(u64, u32)> = events
            .iter()
            .filter_map(|e| match e.happened.event {
                Event::LedgerBatchCommitted {
                    batch, transfers, ..
                } => Some((batch, transfers)),
                _ => None,
            })
            .collect();
        let journal: Vec<(u64, u32)> = db
            .store
            .ledger_journal(coop)
            .await
            .unwrap()
            .iter()
            .map(|b| (b.seq, u32::try_from(b.events.len()).unwrap()))
            .collect();
        assert!(journal.len() >= 2, "the hold and the settlement at least");
        assert_eq!(pointed, journal, "{backend:?}");
        assert!(events.iter().any(|e| e.happened.event
            == Event::SettingsChanged {
                coop,
                part: SettingsPart::Categories
            }));
    }
}
