//! Requests for help matched by the engine: offers, and the yes that books.

use coopkit_app::market::{ProfileForm, RequestForm, ServiceForm};
use coopkit_domain::Subject;
use coopkit_ledger::HoldStatus;
use coopkit_market::matching::Point;
use coopkit_market::BookingState;
use coopkit_store::ServiceArea;
use coopkit_testkit::{each_backend, story, Backend, TestDb, TEST_START};

use crate::market::*;

each_backend! {
    async fn the_engine_offers_requests_and_only_a_yes_books_anyone(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let home = Point {
            lat_e6: 38_889_900,
            lon_e6: -76_990_500,
        };
        // Ben and Carol both sit on Friday evenings near Ana; Ben is nearer.
        for (who, metres_east) in [(&s.ben, 200), (&s.carol, 900)] {
            let mut profile = s.app.my_profile(&s.ben, "sitters").await.unwrap().unwrap();
            profile.person = who.id;
            s.app
                .save_profile(
                    who,
                    "sitters",
                    ProfileForm {
                        bio: format!("{} sits", who.display_name),
                        languages: "en".into(),
                        services: vec![ServiceForm {
                            category: "babysitting".into(),
                            currency: "HALFHOUR".into(),
                            price: 1,
                            unit_minutes: 30,
                        }],
                        slots: profile.slots.clone(),
                        area: Some(ServiceArea {
                            place: Point {
                                lon_e6: home.lon_e6 + metres_east * 12,
                                ..home
                            },
                            radius_m: 2_000,
                        }),
                        days_off: Vec::new(),
                    },
                )
                .await
                .unwrap();
        }
        // Searching near Ana's home finds the nearest first; from across
        // town, nobody reaches.
        let near = |lat_e6| coopkit_app::market::SearchQuery {
            near: Some(Point { lat_e6, ..home }),
            sort: coopkit_app::market::SortBy::Distance,
            ..Default::default()
        };
        let found = s
            .app
            .market_page(&s.ana, "sitters", &near(home.lat_e6))
            .await
            .unwrap()
            .cards;
        let names: Vec<(&str, u32)> = found
            .iter()
            .map(|c| (c.listing.display_name.as_str(), c.metres.unwrap() / 100))
            .collect();
        assert_eq!(names, [("ben", 2), ("carol", 9)], "hundreds of metres");
        let far = s
            .app
            .market_page(&s.ana, "sitters", &near(home.lat_e6 + 90_000))
            .await
            .unwrap()
            .cards;
        assert!(far.is_empty(), "10 km north is beyond everyone's radius");

        let friday = next_friday(TEST_START);
        let request = s
            .app
            .post_request(
                &s.ana,
                "sitters",
                RequestForm {
                    category: "babysitting".into(),
                    window: evening(friday, 0, 19, 22),
                    place: home,
                    language: String::new(),
                    notes: "two children".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            code(s.app.run_matching(&s.ana, "sitters").await.unwrap_err()),
            "coordinators-only"
        );

        // The engine offers it to Ben, the nearest; nothing is booked yet.
        assert_eq!(s.app.run_matching(&s.admin, "sitters").await.unwrap(), 1);
        assert_eq!(
            s.app.run_matching(&s.admin, "sitters").await.unwrap(),
            0,
            "the offer waits for Ben"
        );
        let offers = s.app.my_offers(&s.ben, "sitters").await.unwrap();
        assert_eq!(offers.len(), 1);
        assert!(
            offers[0].offer.reasons.contains("near:"),
            "{}",
            offers[0].offer.reasons
        );
        assert!(s
            .app
            .my_bookings(&s.ana, "sitters")
            .await
            .unwrap()
            .is_empty());

        // Ben says no; the next run offers it to Carol, never Ben again.
        assert!(s
            .app
            .answer_offer(&s.ben, "sitters", request, false)
            .await
            .unwrap()
            .is_none());
        // The scheduled run (every co-op) makes the next offer this time.
        assert_eq!(s.app.match_all_coops().await.unwrap(), 1);
        assert!(s.app.my_offers(&s.ben, "sitters").await.unwrap().is_empty());
        let board = s.app.dispatch_board(&s.admin, "sitters").await.unwrap();
        let answers: Vec<(&str, &str)> = board[0]
            .offers
            .iter()
            .map(|(name, offer)| (name.as_str(), offer.answer.as_str()))
            .collect();
        assert_eq!(answers, [("ben", "declined"), ("carol", "offered")]);

        // Carol says yes: she is booked and confirmed, Ana's tokens held.
        let booking = s
            .app
            .answer_offer(&s.carol, "sitters", request, true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (booking.provider, booking.requester),
            (s.carol.id, s.ana.id)
        );
        assert_eq!(booking.facts.state, BookingState::Confirmed);
        assert_eq!(s.hold(&booking).await, Some(HoldStatus::Open));
        // Posted by Ana, offered by the engine, answered by each provider
        // once; Carol's yes is kept only once her booking has closed the
        // request (a faster provider would have taken it), so it follows.
        assert_eq!(
            story(&db.store, "sitters", Subject::HelpRequest(request)).await,
            [
                ("help_request.posted", Some(s.ana.id)),
                ("help_request.offered", None),
                ("help_request.answered", Some(s.ben.id)),
                ("help_request.offered", None),
                ("help_request.closed", Some(s.carol.id)),
                ("help_request.answered", Some(s.carol.id)),
            ],
            "{backend:?}"
        );
        assert!(
            s.app
                .dispatch_board(&s.admin, "sitters")
                .await
                .unwrap()
                .is_empty(),
            "no longer open"
        );
        assert_eq!(
            code(
                s.app
                    .answer_offer(&s.ben, "sitters", request, true)
                    .await
                    .unwrap_err()
            ),
            "not-found"
        );
    }
}
