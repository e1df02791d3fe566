//! The catalogue through the JSON API, on the demo's photo co-op, on
//! SQLite and PostgreSQL: read by anyone, bought from by members once per
//! key, each buyer's orders their own.

use coopkit_testkit::{each_backend, Backend, TestServer};
use serde_json::json;

each_backend! {
    async fn anyone_reads_the_catalogue_and_a_member_buys_a_licence(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let catalogue = "/api/v1/coops/lens-commons/catalogue";
        let items = server.client().get(catalogue).await.json();
        let photo = items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == "photo")
            .unwrap()
            .clone();
        let id = photo["id"].as_i64().unwrap();
        let title = photo["title"].as_str().unwrap().to_owned();
        // Found by a word of its title.
        let word = title.split_whitespace().next().unwrap();
        let found = server.client().get(&format!("{catalogue}?q={word}")).await.json();
        assert!(found.as_array().unwrap().iter().any(|i| i["id"] == id), "{found}");
        let detail = server.client().get(&format!("{catalogue}/{id}")).await.json();
        let standard = detail["licences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == "standard")
            .unwrap()
            .clone();
        server.client().get(&format!("{catalogue}/999999")).await.assert_status(404);

        let rosa = crate::fixtures::demo_client(&server, "rosa@brighthomes.example").await;
        let orders = "/api/v1/coops/lens-commons/orders";
        let order = json!({"key": "rosa-1", "item": id, "licence": "standard"});
        let bought = rosa.post_json(orders, &order).await;
        bought.assert_status(201);
        let bought = bought.json();
        assert_eq!(bought["state"], "paid");
        assert_eq!(bought["title"], title);
        assert_eq!(bought["amount"], standard["price"]);
        // The same key is the same order.
        let again = rosa.post_json(orders, &order).await.json();
        assert_eq!(again["id"], bought["id"]);
        let mine = rosa.get(orders).await.json();
        assert_eq!(mine.as_array().unwrap().len(), 1);
        let wrong = rosa
            .post_json(orders, &json!({"key": "rosa-2", "item": id, "licence": "eternal"}))
            .await;
        // Well formed, but naming no licence of the item: the co-op's state.
        wrong.assert_status(409);
        assert!(wrong.body.contains("licence-unknown"), "{}", wrong.body);

        let stranger = crate::fixtures::api_person(&server, "Dee Stranger").await;
        stranger.post_json(orders, &json!({"key": "d-1", "item": id, "licence": "standard"})).await.assert_status(403);
        stranger.get(orders).await.assert_status(403);
        stranger.get("/api/v1/coops/lens-commons/earnings").await.assert_status(403);
    }
}

each_backend! {
    async fn a_listener_plays_and_a_seller_sends_through_the_api(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let client = crate::fixtures::demo_client;

        // Lena plays a track of the music co-op: each key one play.
        let lena = client(&server, "lena@harboursound.example").await;
        let tracks = server.client().get("/api/v1/coops/harbour-sound/catalogue").await.json();
        let track = tracks.as_array().unwrap().iter().find(|i| i["kind"] == "track").unwrap()["id"].as_i64().unwrap();
        let plays = format!("/api/v1/coops/harbour-sound/catalogue/{track}/plays");
        let first = lena.post_json(&plays, &json!({"key": "evening-1"})).await;
        first.assert_status(201);
        let first = first.json();
        lena.post_json(&plays, &json!({"key": "evening-1"})).await.assert_status(201);
        let second = lena.post_json(&plays, &json!({"key": "evening-2"})).await.json();
        assert_eq!(second["plays"].as_i64().unwrap(), first["plays"].as_i64().unwrap() + 1, "a key sent twice is one play");
        assert!(second["paid"].as_i64() > first["paid"].as_i64() || second["owned"] == true, "{second}");
        let rosa = client(&server, "rosa@brighthomes.example").await;
        rosa.post_json(&plays, &json!({"key": "x"})).await.assert_status(403);

        // Kwame lists a photo book; Rosa buys one; he alone sends it.
        let kwame_pages = crate::catalogue::logged_in(&server, "kwame@lenscommons.example").await;
        let fields = [("kind", "good"), ("title", "Photo book"), ("tags", "books"), ("price", "4.50"), ("stock", "3")];
        let listed = kwame_pages
            .post_upload("/c/lens-commons/catalogue/items", &fields, ("file", "book.png", &crate::catalogue::png()))
            .await;
        listed.assert_status(303);
        let item: i64 = listed.location().unwrap().rsplit('/').next().unwrap().parse().unwrap();
        let bought = rosa
            .post_json("/api/v1/coops/lens-commons/orders", &json!({"key": "book-1", "item": item}))
            .await;
        bought.assert_status(201);
        let order = bought.json()["id"].as_i64().unwrap();
        let kwame = client(&server, "kwame@lenscommons.example").await;
        let sales = kwame.get("/api/v1/coops/lens-commons/sales").await.json();
        assert_eq!(sales[0]["id"], order);
        let sent = format!("/api/v1/coops/lens-commons/sales/{order}/sent");
        rosa.post_json(&sent, &json!({})).await.assert_status(403);
        kwame.post_json(&sent, &json!({})).await.assert_status(204);
        // Marked again, nothing changes.
        kwame.post_json(&sent, &json!({})).await.assert_status(204);
        assert_eq!(kwame.get("/api/v1/coops/lens-commons/sales").await.json()[0]["state"], "sent");
        let mine = rosa.get("/api/v1/coops/lens-commons/orders").await.json();
        assert_eq!(mine.as_array().unwrap().iter().find(|o| o["id"] == order).unwrap()["state"], "sent");
    }
}
