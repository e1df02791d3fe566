//! The market's providers through the JSON API, on the demo's cleaners'
//! co-op, on SQLite and PostgreSQL: search by category, hours and words, a
//! provider's page, and a cleaner setting what she offers and when.

use coopkit_app::demo::demo_person_at;
use coopkit_domain::Zone;
use coopkit_testkit::{each_backend, Backend, TestServer};
use serde_json::json;

use crate::fixtures::demo_client;
use crate::market::next_weekday;

const HOUR: i64 = 3_600_000;
const PROVIDERS: &str = "/api/v1/coops/bright-homes/market/providers";

/// A window on `weekday` (0 for Monday) of next week, in hours of the day,
/// as a query string's two parameters. Bright Homes keeps London's time,
/// which is UTC in the tests' winter.
fn window(weekday: u8, from: i64, until: i64) -> String {
    let day = next_weekday(weekday);
    let at = |hour: i64| {
        Zone::utc()
            .rfc3339(day.plus_millis(hour * HOUR))
            .replace('+', "%2B")
    };
    format!("available_from={}&available_until={}", at(from), at(until))
}

fn ids(found: &serde_json::Value) -> Vec<i64> {
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

each_backend! {
    async fn members_find_cleaners_and_cleaners_say_what_they_offer(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let household = demo_client(&server, &demo_person_at("households", 0).1).await;
        let cleaner = demo_client(&server, &demo_person_at("brighthomes", 0).1).await;
        let cleaner_id = cleaner.get("/api/v1/me").await.json()["id"].as_i64().unwrap();

        let categories = household.get("/api/v1/coops/bright-homes/market/categories").await.json();
        assert!(categories.as_array().unwrap().contains(&json!({"key": "cleaning", "name": "Home cleaning"})), "{categories}");

        // Eleven cleaners; every third also deep-cleans.
        let cleaning = household.get(&format!("{PROVIDERS}?category=cleaning")).await.json();
        assert_eq!(ids(&cleaning).len(), 11);
        assert!(ids(&cleaning).contains(&cleaner_id));
        let deep = household.get(&format!("{PROVIDERS}?category=deep-clean")).await.json();
        assert_eq!(ids(&deep).len(), 4);
        // A weekday morning, all; a Saturday morning, every other; Sunday, none.
        let monday = household.get(&format!("{PROVIDERS}?{}", window(0, 10, 12))).await.json();
        assert_eq!(ids(&monday).len(), 11);
        let saturday = household.get(&format!("{PROVIDERS}?{}", window(5, 10, 12))).await.json();
        assert_eq!(ids(&saturday).len(), 6);
        let sunday = household.get(&format!("{PROVIDERS}?{}", window(6, 10, 12))).await.json();
        assert_eq!(ids(&sunday).len(), 0);
        let service = &cleaning[0]["services"][0];
        assert_eq!((service["currency"].as_str(), service["price"].as_i64()), (Some("GBP"), Some(1_800)));

        // What the search cannot read, it names; a place it does not know
        // is well formed, but names nothing (409).
        for (query, status, field) in [
            ("sort=loudest", 400, "sort"),
            ("available_from=monday&available_until=tuesday", 422, "available_from"),
            ("near=%20Nowhere%20Atall%20Zz", 409, "near"),
        ] {
            let refused = household.get(&format!("{PROVIDERS}?{query}")).await;
            refused.assert_status(status);
            assert!(refused.body.contains(field), "{query}: {}", refused.body);
        }

        // The cleaner now works Monday mornings only, at £20.
        let profile = "/api/v1/coops/bright-homes/market/profile";
        let offer = json!({
            "bio": "Windows too.",
            "languages": ["en", "pt"],
            "services": [{"category": "cleaning", "currency": "GBP", "price": 2_000, "unit_minutes": 60}],
            "slots": [{"day": "mon", "from": "08:00", "until": "12:00"}],
        });
        let saved = cleaner.put_json(profile, &offer).await;
        saved.assert_status(200);
        assert_eq!(saved.json()["slots"], json!([{"day": "mon", "from": "08:00", "until": "12:00"}]));
        let seen = household.get(&format!("{PROVIDERS}/{cleaner_id}")).await.json();
        assert_eq!(seen["bio"], "Windows too.");
        assert_eq!(seen["languages"], json!(["en", "pt"]));
        assert_eq!(seen["services"][0]["price"], 2_000);
        let tuesday = household.get(&format!("{PROVIDERS}?{}", window(1, 10, 12))).await.json();
        assert!(!ids(&tuesday).contains(&cleaner_id));
        let found = household.get(&format!("{PROVIDERS}?q=windows&language=pt")).await.json();
        assert_eq!(ids(&found), [cleaner_id]);

        // Each wrong part is named by its place; nothing is saved. A
        // currency or a category the co-op does not keep is well formed,
        // but names nothing (409).
        for (part, status, field) in [
            (json!({"slots": [{"day": "funday", "from": "08:00", "until": "12:00"}]}), 422, "slots[0].day"),
            (json!({"slots": [{"day": "mon", "from": "12:00", "until": "08:00"}]}), 422, "slots[0].until"),
            (json!({"services": [{"category": "cleaning", "currency": "XYZ", "price": 1, "unit_minutes": 60}]}), 409, "services[0].currency"),
            (json!({"services": [{"category": "gardening", "currency": "GBP", "price": 1, "unit_minutes": 60}]}), 409, "services[0].category"),
            (json!({"services": [{"category": "gardening", "currency": "GBP", "price": 0, "unit_minutes": 60}]}), 422, "services[0].price"),
            (json!({"area": {"lat_e6": 0, "lon_e6": 0, "radius_m": 500_000}}), 422, "radius"),
        ] {
            let refused = cleaner.put_json(profile, &part).await;
            refused.assert_status(status);
            assert!(refused.body.contains(field), "{part}: {}", refused.body);
        }
        assert_eq!(household.get(&format!("{PROVIDERS}/{cleaner_id}")).await.json()["bio"], "Windows too.");

        let stranger = crate::fixtures::api_person(&server, "Dee Stranger").await;
        stranger.get(PROVIDERS).await.assert_status(403);
        stranger.put_json(profile, &offer).await.assert_status(403);
        household.get(&format!("{PROVIDERS}/999999")).await.assert_status(404);
    }
}
