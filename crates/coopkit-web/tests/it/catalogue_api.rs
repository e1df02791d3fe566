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
