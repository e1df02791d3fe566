//! The thread on a booking, on SQLite and PostgreSQL: its two sides write
//! to each other through the API and the booking's page, the other side is
//! told by mail, nobody else reads it, and the co-op's coordinators read
//! it only once the booking is disputed.

use coopkit_domain::{Clock, NoticeKind, Zone};
use coopkit_testkit::{each_backend, Backend, TestServer};
use serde_json::json;

use crate::fixtures::member;
use crate::market_api::{ben_on_fridays, Fridays};
use crate::settlement::page_client;

const HOUR: i64 = 3_600_000;

each_backend! {
    async fn the_two_sides_of_a_booking_write_to_each_other_and_nobody_else_reads_it(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let Fridays { admin, ana, ben, ben_id, friday } = ben_on_fridays(&server).await;
        let ben_page = page_client(&server, "Ben Parent").await;
        let at = |hour: i64| Zone::utc().rfc3339(friday.plus_millis(hour * HOUR));
        let booking = ana
            .post_json(
                "/api/v1/coops/sitters/bookings",
                &json!({"provider": ben_id, "category": "babysitting", "starts_at": at(19), "ends_at": at(21)}),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let thread = format!("/api/v1/coops/sitters/bookings/{booking}/messages");

        let empty = ana.get(&thread).await.json();
        assert_eq!((empty["messages"].as_array().unwrap().len(), empty["may_write"].as_bool()), (0, Some(true)));
        let asked = ana.post_json(&thread, &json!({"body": "  Two children, asleep by eight.\nIs that all right?  "})).await;
        asked.assert_status(201);
        assert_eq!(asked.json()["messages"][0]["body"], "Two children, asleep by eight.\nIs that all right?");
        // Ben answers on the booking's page.
        let page = format!("/c/sitters/market/bookings/{booking}");
        let shown = ben_page.get(&page).await;
        assert!(shown.body.contains("Two children, asleep by eight."), "{}", shown.body);
        ben_page
            .post_form(&format!("{page}/messages"), &[("body", "Yes, see you Friday.")])
            .await
            .assert_status(303);
        let both = ana.get(&thread).await.json();
        let said: Vec<(&str, &str)> = both["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["author"]["name"].as_str().unwrap(), m["body"].as_str().unwrap()))
            .collect();
        assert_eq!(said, [("Ana Parent", "Two children, asleep by eight.\nIs that all right?"), ("Ben Parent", "Yes, see you Friday.")]);

        // What she wrote is hers to take away with the rest of her data.
        let data = ana.get("/api/v1/me/data").await.json();
        assert_eq!(data["messages"][0]["booking"], booking);
        assert_eq!(data["messages"][0]["body"], "Two children, asleep by eight.\nIs that all right?");

        // What is not a message is refused on its field; nothing is kept.
        for (body, code) in [("   ", "message-empty"), ("ring\u{7}", "message-control")] {
            let refused = ana.post_json(&thread, &json!({"body": body})).await;
            refused.assert_status(422);
            assert!(refused.body.contains(code), "{}", refused.body);
        }
        let refused = ben_page.post_form(&format!("{page}/messages"), &[("body", "")]).await;
        refused.assert_status(422);
        assert!(refused.body.contains("message-body-error"), "{}", refused.body);
        assert_eq!(ana.get(&thread).await.json()["messages"].as_array().unwrap().len(), 2);

        // Each side is told of the other's message, by mail.
        server.db.execute("UPDATE person SET email_verified_at = created_at").await;
        server.app.queue_notices().await.unwrap();
        let store = &server.db.store;
        let sitters_id = store.coop_by_slug("sitters").await.unwrap().unwrap().id;
        let mut told: Vec<_> = store
            .outbox(sitters_id, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == NoticeKind::BookingMessage)
            .map(|m| m.recipient)
            .collect();
        told.sort();
        assert_eq!(told, [Some("Ana Parent".to_owned()), Some("Ben Parent".to_owned())]);

        // Another member does not find it; the coordinators do not read it
        // while nothing is disputed, and never write in it.
        let cara = member(&server, "sitters", &admin, "Cara Parent").await;
        cara.get(&thread).await.assert_status(404);
        cara.post_json(&thread, &json!({"body": "Hello"})).await.assert_status(404);
        admin.get(&thread).await.assert_status(403);

        // Accepted, sat, and disputed: now the coordinators read it.
        ben.post_json(&format!("/api/v1/coops/sitters/bookings/{booking}/accept"), &json!({})).await.assert_status(200);
        let now = server.clock.now();
        server.clock.advance_ms(friday.plus_millis(20 * HOUR).as_millis() - now.as_millis());
        ana.post_json(&format!("/api/v1/coops/sitters/bookings/{booking}/dispute"), &json!({})).await.assert_status(200);
        let read = admin.get(&thread).await;
        read.assert_status(200);
        assert_eq!((read.json()["messages"].as_array().unwrap().len(), read.json()["may_write"].as_bool()), (2, Some(false)));
        admin.post_json(&thread, &json!({"body": "I will decide."})).await.assert_status(403);
    }
}
