//! Tasks with a bounty through the use cases, with the ledger, on each
//! backend.

use coopkit_app::market::TaskForm;
use coopkit_ledger::HoldStatus;
use coopkit_market::TaskAction;
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::market::{code, sitters, HOUR};

each_backend! {
    async fn a_bounty_is_held_from_the_claim_and_paid_only_for_accepted_work(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let task = |bounty, hours: i64, from_fund| TaskForm {
            title: "Paint the play room".into(),
            description: "Two coats, white".into(),
            currency: "HALFHOUR".into(),
            bounty,
            deadline: TEST_START.plus_millis(hours * HOUR),
            from_fund,
        };
        let step = |who: &'static str, id, step| {
            let who = match who {
                "ana" => &s.ana,
                "ben" => &s.ben,
                "carol" => &s.carol,
                _ => &s.admin,
            };
            s.app.task_step(who, "sitters", id, step)
        };
        let hold = |id| s.app.task_hold(&s.admin, "sitters", id);

        // Ana offers 6 tokens; Ben claims: the 6 are held from Ana.
        let paint = s
            .app
            .post_task(&s.ana, "sitters", task(6, 72, false))
            .await
            .unwrap();
        assert_eq!(
            code(step("ana", paint, TaskAction::Claim).await.unwrap_err()),
            "task-own"
        );
        step("ben", paint, TaskAction::Claim).await.unwrap();
        assert_eq!(hold(paint).await.unwrap(), Some(HoldStatus::Open));
        assert_eq!(s.balance(&s.ana).await, (0, -6));
        assert_eq!(
            code(step("carol", paint, TaskAction::Claim).await.unwrap_err()),
            "task-wrong-state"
        );
        assert_eq!(
            code(step("carol", paint, TaskAction::Deliver).await.unwrap_err()),
            "claimant-delivers"
        );
        step("ben", paint, TaskAction::Deliver).await.unwrap();
        assert_eq!(
            code(step("ana", paint, TaskAction::Accept).await.unwrap_err()),
            "coordinators-only"
        );
        step("admin", paint, TaskAction::Accept).await.unwrap();
        assert_eq!(hold(paint).await.unwrap(), Some(HoldStatus::Posted));
        assert_eq!(
            (s.balance(&s.ana).await.0, s.balance(&s.ben).await.0),
            (-6, 6)
        );

        // Only coordinators spend the fund, and only what is in it.
        assert_eq!(
            code(
                s.app
                    .post_task(&s.ana, "sitters", task(3, 72, true))
                    .await
                    .unwrap_err()
            ),
            "coordinators-only"
        );
        let funded = s
            .app
            .post_task(&s.admin, "sitters", task(3, 72, true))
            .await
            .unwrap();
        assert_eq!(
            code(step("ben", funded, TaskAction::Claim).await.unwrap_err()),
            "exceeds-debit-limit"
        );
        assert_eq!(
            hold(funded).await.unwrap(),
            None,
            "nothing held, the task is open again"
        );
        let views = s.app.tasks(&s.carol, "sitters").await.unwrap();
        let view = views.iter().find(|v| v.task.id == funded).unwrap();
        assert_eq!(
            (view.task.state.as_str(), view.claimer_name.as_deref()),
            ("open", None)
        );

        // A coordinator releases a claim; someone else may claim it again.
        let rake = s
            .app
            .post_task(&s.ana, "sitters", task(2, 72, false))
            .await
            .unwrap();
        step("ben", rake, TaskAction::Claim).await.unwrap();
        step("admin", rake, TaskAction::Release).await.unwrap();
        step("carol", rake, TaskAction::Claim).await.unwrap();
        assert_eq!(
            hold(rake).await.unwrap(),
            Some(HoldStatus::Open),
            "the second claim's hold"
        );

        // Nobody's work is accepted by the deadline: the hold lapses.
        s.clock.advance_ms(73 * HOUR);
        tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
        assert_eq!(hold(rake).await.unwrap(), Some(HoldStatus::Expired));
        assert_eq!(
            code(step("carol", rake, TaskAction::Deliver).await.unwrap_err()),
            "task-expired"
        );
        assert!(s
            .app
            .tasks(&s.ana, "sitters")
            .await
            .unwrap()
            .iter()
            .any(|v| v.task.id == rake && v.expired));
        assert_eq!(
            s.balance(&s.ana).await,
            (-6, -6),
            "the lapsed bounty never left"
        );
    }
}
