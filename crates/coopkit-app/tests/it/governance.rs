//! Proposals and secret ballots through the use cases, on each backend.

use std::sync::Arc;

use coopkit_app::governance::{ProposalForm, ProposalOutcome, VoteForm};
use coopkit_app::{App, AppConfig, AppError};
use coopkit_domain::{CoopSettings, ManualClock, MembershipStatus, Timestamp};
use coopkit_governance::blt;
use coopkit_governance::count::{count, Method};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

const HOUR: i64 = 3_600_000;

fn motion(opens_in: i64, closes_in: i64) -> ProposalForm {
    ProposalForm {
        title: "Buy a second van".into(),
        body: "So two teams can work at once.".into(),
        kind: "motion".into(),
        method: "majority".into(),
        options: Vec::new(),
        seats: 1,
        class_key: None,
        quorum_percent: 50,
        threshold: None,
        opens_at: Timestamp(TEST_START.as_millis() + opens_in),
        closes_at: Timestamp(TEST_START.as_millis() + closes_in),
    }
}

fn say(choice: &str) -> VoteForm {
    VoteForm {
        choice: choice.into(),
        ..VoteForm::default()
    }
}

each_backend! {
    async fn a_motion_is_voted_on_a_frozen_roll_in_secret_and_counted_at_closing(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let [ada, bo, cy, di] = [
            person(&store, "ada").await,
            person(&store, "bo").await,
            person(&store, "cy").await,
            person(&store, "di").await,
        ];
        let coop = coop_with(&store, "vans", CoopSettings::default(), ada, &[bo, cy]).await;
        let clock = Arc::new(ManualClock::at(TEST_START));
        let app = App::new(store.clone(), clock.clone(), AppConfig::default());
        let [ada, bo, cy, di] = [
            load(&store, ada).await,
            load(&store, bo).await,
            load(&store, cy).await,
            load(&store, di).await,
        ];

        let id = app
            .create_proposal(&bo, "vans", motion(HOUR, 48 * HOUR))
            .await
            .unwrap();
        let view = app.proposal(&ada, "vans", id).await.unwrap();
        assert_eq!(
            view.proposal.state,
            coopkit_governance::ProposalState::Scheduled
        );
        assert!(matches!(
            app.vote(&ada, "vans", id, say("yes")).await,
            Err(AppError::Conflict {
                code: "voting-not-open",
                ..
            })
        ));

        // Voting opens: the roll is the three members of that moment.
        clock.advance_ms(HOUR);
        let view = app.proposal(&ada, "vans", id).await.unwrap();
        assert_eq!((view.proposal.state.as_str(), view.eligible), ("open", 3));
        // Di joins afterwards and is not on the roll.
        let class = store.member_classes(coop).await.unwrap()[0].id;
        store
            .apply_for_membership(
                coop,
                di.id,
                class,
                MembershipStatus::Active,
                clock_now(&app),
            )
            .await
            .unwrap();
        assert!(matches!(
            app.vote(&di, "vans", id, say("yes")).await,
            Err(AppError::Forbidden("not-on-roll"))
        ));

        // Ada votes yes, then changes her mind: one ballot, the new receipt.
        let first = app.vote(&ada, "vans", id, say("yes")).await.unwrap();
        let second = app.vote(&ada, "vans", id, say("no")).await.unwrap();
        assert_ne!(first, second);
        assert_eq!(
            app.check_receipt(&ada, "vans", id, &first.0).await.unwrap(),
            None
        );
        assert_eq!(
            app.check_receipt(&ada, "vans", id, &second.0.to_lowercase())
                .await
                .unwrap()
                .as_deref(),
            Some("no"),
            "receipts are read whatever the case"
        );
        // Bo and Cy vote at the same moment twice each: the database keeps
        // one ballot per voter.
        let (a, b, c, d) = tokio::join!(
            app.vote(&bo, "vans", id, say("yes")),
            app.vote(&bo, "vans", id, say("yes")),
            app.vote(&cy, "vans", id, say("yes")),
            app.vote(&cy, "vans", id, say("abstain")),
        );
        for result in [a, b, c, d] {
            result.unwrap();
        }
        assert!(
            matches!(
                app.vote(&bo, "vans", id, say("block")).await,
                Err(AppError::Invalid(_))
            ),
            "no blocking outside consent"
        );
        let view = app.proposal(&ada, "vans", id).await.unwrap();
        assert_eq!((view.eligible, view.voted), (3, 3));
        assert!(view.outcome.is_none(), "no result before closing");
        assert!(store.ballot_secret(id).await.unwrap().is_some());

        // Closing counts and erases what tied ballots to voters.
        clock.advance_ms(47 * HOUR);
        assert_eq!(app.governance_tick().await.unwrap(), 1);
        let view = app.proposal(&ada, "vans", id).await.unwrap();
        assert_eq!(
            view.proposal.state,
            coopkit_governance::ProposalState::Closed
        );
        assert!(store.ballot_secret(id).await.unwrap().is_none());
        let Some(ProposalOutcome::Motion { decision, .. }) = view.outcome else {
            panic!("a motion's outcome");
        };
        assert_eq!(decision.voted, 3);
        assert_eq!(decision.eligible, 3);
        let yes: u64 = decision.classes.iter().map(|c| c.tally.yes).sum();
        let no: u64 = decision.classes.iter().map(|c| c.tally.no).sum();
        let abstain: u64 = decision.classes.iter().map(|c| c.tally.abstain).sum();
        assert_eq!(yes + no + abstain, 3);
        assert_eq!(no, 1);
        assert_eq!(decision.passed, yes > no);
        assert!(matches!(
            app.vote(&bo, "vans", id, say("no")).await,
            Err(AppError::Conflict {
                code: "voting-not-open",
                ..
            })
        ));
        let file = app.published_ballots(&cy, "vans", id, None).await.unwrap();
        let lines: Vec<&str> = file.body.lines().collect();
        assert_eq!(lines.len(), 4, "{}", file.body);
        assert!(lines.iter().any(|l| l.ends_with(",member,no,")));
        // Another co-op's member sees none of it.
        coop_with(&store, "other", CoopSettings::default(), di.id, &[]).await;
        let stranger = load(&store, person(&store, "eve").await).await;
        assert!(matches!(
            app.proposal(&stranger, "vans", id).await,
            Err(AppError::Forbidden(_))
        ));
    }
}

each_backend! {
    async fn a_closed_vote_leaves_nothing_on_disk_that_ties_a_ballot_to_a_voter(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let mut ids = Vec::new();
        for name in ["ada", "bo", "cy", "di", "ed", "flo"] {
            ids.push(person(&store, name).await);
        }
        coop_with(&store, "vans", CoopSettings::default(), ids[0], &ids[1..]).await;
        let clock = Arc::new(ManualClock::at(TEST_START));
        let app = App::new(store.clone(), clock.clone(), AppConfig::default());
        let mut voters = Vec::new();
        for id in &ids {
            voters.push(load(&store, *id).await);
        }
        let id = app
            .create_proposal(&voters[0], "vans", motion(HOUR, 2 * HOUR))
            .await
            .unwrap();
        clock.advance_ms(HOUR);
        app.proposal(&voters[0], "vans", id).await.unwrap();

        // They vote one after another; Ada changes her vote twice.
        for (voter, choice) in voters.iter().zip(["yes", "no", "yes", "abstain", "no", "yes"]) {
            app.vote(voter, "vans", id, say(choice)).await.unwrap();
            clock.advance_ms(60_000);
        }
        app.vote(&voters[0], "vans", id, say("no")).await.unwrap();
        app.vote(&voters[0], "vans", id, say("abstain")).await.unwrap();
        assert!(app.proposal(&voters[0], "vans", id).await.unwrap().voted_before);
        let secret = store.ballot_secret(id).await.unwrap().unwrap();
        let tags = db.raw_column("SELECT voter_tag FROM governance_open_ballot").await;
        assert_eq!(tags.len(), 6);

        // A report that began before the closing is still reading after it:
        // the engine keeps old rows for such a reader, and they must not
        // survive it.
        let reader = db.reader("coop").await;
        clock.advance_ms(HOUR);
        assert_eq!(app.governance_tick().await.unwrap(), 1);
        let view = app.proposal(&voters[0], "vans", id).await.unwrap();
        assert_eq!((view.voted, view.voted_before), (6, false));
        if backend == Backend::Postgres {
            db.assert_no_ballot_tied_to_a_voter(&tags, &secret).await;
        }
        reader.end().await;
        // SQLite's WAL kept its pages for the reader; the next tick scrubs
        // it.
        app.governance_tick().await.unwrap();
        db.assert_no_ballot_tied_to_a_voter(&tags, &secret).await;

        // The ballots' ids follow their receipts' hashes, not the order of
        // casting.
        let by_id = db
            .raw_column("SELECT receipt_hash FROM governance_ballot ORDER BY id")
            .await;
        let mut by_receipt = by_id.clone();
        by_receipt.sort();
        assert_eq!(by_id, by_receipt);
    }
}

fn clock_now(app: &App) -> Timestamp {
    app.now()
}

each_backend! {
    async fn a_board_election_counts_by_stv_and_its_published_ballots_recount_the_same(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let mut people = Vec::new();
        for name in ["ana", "ben", "cat", "dan", "eli", "fay", "gus"] {
            people.push(person(&store, name).await);
        }
        coop_with(
            &store,
            "board",
            CoopSettings::default(),
            people[0],
            &people[1..],
        )
        .await;
        let clock = Arc::new(ManualClock::at(TEST_START));
        let app = App::new(store.clone(), clock.clone(), AppConfig::default());
        let mut members = Vec::new();
        for id in &people {
            members.push(load(&store, *id).await);
        }
        let form = ProposalForm {
            title: "Board 2027".into(),
            kind: "election".into(),
            method: "scottish-stv".into(),
            options: vec!["Rosa".into(), "Sam".into(), "Tia".into(), "Uma".into()],
            seats: 2,
            quorum_percent: 0,
            ..motion(0, 24 * HOUR)
        };
        assert!(matches!(
            app.create_proposal(&members[1], "board", form.clone())
                .await,
            Err(AppError::Forbidden("coordinators-only"))
        ));
        let id = app
            .create_proposal(&members[0], "board", form)
            .await
            .unwrap();
        // Rosa is the favourite; Sam and Tia split the rest; Uma trails.
        let rankings: [&[usize]; 7] = [
            &[0, 1],
            &[0, 2],
            &[0, 1, 2],
            &[1, 0],
            &[2, 1],
            &[1, 2],
            &[3, 2],
        ];
        for (member, ranking) in members.iter().zip(rankings) {
            app.vote(
                member,
                "board",
                id,
                VoteForm {
                    ranking: ranking.to_vec(),
                    ..VoteForm::default()
                },
            )
            .await
            .unwrap();
        }
        assert!(matches!(
            app.vote(
                &members[0],
                "board",
                id,
                VoteForm {
                    ranking: vec![0, 0],
                    ..VoteForm::default()
                }
            )
            .await,
            Err(AppError::Invalid(_))
        ));
        clock.advance_ms(24 * HOUR);
        let view = app.proposal(&members[2], "board", id).await.unwrap();
        let Some(ProposalOutcome::Election { outcome, voted, .. }) = view.outcome else {
            panic!("an election's outcome");
        };
        assert_eq!(voted, 7);
        assert_eq!(outcome.elected[0], "Rosa");
        assert_eq!(outcome.elected.len(), 2);
        // Anyone can recount the published ballots and get the same.
        let file = app
            .published_ballots(&members[3], "board", id, None)
            .await
            .unwrap();
        assert!(file.name.ends_with(".blt"));
        let election = blt::parse(&file.body).unwrap();
        assert_eq!(election.ballots.len(), 7);
        let recount = count(
            &election,
            Method::ScottishStv,
            2,
            view.proposal.proposal.seed,
        );
        assert_eq!(recount, outcome);
    }
}

each_backend! {
    async fn the_list_shows_each_proposal_as_the_clock_says_without_a_tick(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let [ada, bo] = [person(&store, "ada").await, person(&store, "bo").await];
        coop_with(&store, "vans", CoopSettings::default(), ada, &[bo]).await;
        let clock = Arc::new(ManualClock::at(TEST_START));
        let app = App::new(store.clone(), clock.clone(), AppConfig::default());
        let ada = load(&store, ada).await;
        let early = app
            .create_proposal(&ada, "vans", motion(HOUR, 2 * HOUR))
            .await
            .unwrap();
        let late = app
            .create_proposal(&ada, "vans", motion(3 * HOUR, 4 * HOUR))
            .await
            .unwrap();
        let states = || async {
            let mut states: Vec<_> = app
                .proposals(&ada, "vans")
                .await
                .unwrap()
                .into_iter()
                .map(|p| (p.id, p.state))
                .collect();
            states.sort_by_key(|(id, _)| *id);
            states
        };
        use coopkit_governance::ProposalState::{Closed, Open, Scheduled};
        assert_eq!(states().await, [(early, Scheduled), (late, Scheduled)]);
        clock.advance_ms(HOUR);
        assert_eq!(states().await, [(early, Open), (late, Scheduled)]);
        clock.advance_ms(3 * HOUR);
        assert_eq!(states().await, [(early, Closed), (late, Closed)]);
        assert_eq!(app.governance_tick().await.unwrap(), 0, "the list took the steps");
    }
}
