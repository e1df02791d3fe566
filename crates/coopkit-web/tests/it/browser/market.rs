//! The demo's sitters book and settle a sitting, in Chromium.

use coopkit_testkit::TestServer;
use fantoccini::Locator;

use super::*;

/// A family's posted balance in the demo's sitting tokens.
async fn tokens(server: &TestServer, email: &str) -> i128 {
    balance_in(server, email, coopkit_app::demo::SITTERS, None).await
}

#[tokio::test]
async fn in_the_demo_a_family_books_a_sitter_who_accepts_and_both_settle_it() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    let logins = server.app.load_demo().await.unwrap();
    let family = logins[2].email.clone();
    let ben = "ben@sitters.example";
    let (family_before, ben_before) = (tokens(&server, &family).await, tokens(&server, ben).await);
    let base = &server.base_url;
    let market = format!("{base}/c/capitol-hill-sitters/market");
    let b = &browser;
    let log_in = |email: String| async move { b.log_in_to_demo(base, &email).await };

    // The family searches for a sitter and finds Ben.
    log_in(family.clone()).await;
    b.goto(&market).await;
    b.wait_for_text("Services").await;
    b.fill("q", "coordinator").await;
    b.click("form[role=search] button").await;
    b.wait_for_text("One provider").await;
    b.click(".card h3 a").await;
    b.wait_for_text("Ben Okafor").await;
    let ben_page = b.client.current_url().await.unwrap();

    // They ask for Friday evening, 19:00 to 22:00: six half-hour tokens.
    let zone = server
        .app
        .coop_zone("capitol-hill-sitters")
        .await
        .unwrap()
        .unwrap();
    let friday = next_friday(&zone, server.app.now());
    for (id, hour) in [("from", 19), ("to", 22)] {
        let value = zone.wall_clock_field(friday.plus_millis(hour * HOUR));
        b.client
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![serde_json::json!(id), serde_json::json!(value)],
            )
            .await
            .unwrap();
    }
    b.fill("notes", "Two children, asleep by eight").await;
    b.click("#book-submit").await;
    b.wait_for_text("Waiting for the provider").await;
    let booking_url = b.client.current_url().await.unwrap();
    // The family writes to Ben in the booking's thread.
    b.fill("message-body", "Our door code is 4512.").await;
    b.click("#message-send").await;
    b.wait_for_text("Our door code is 4512.").await;
    b.log_out().await;

    // Ben's market page, a coordinator's with one link more, fits the
    // phone in Spanish, whose links are the longest.
    log_in(ben.to_owned()).await;
    b.goto(&market).await;
    b.choose("lang-choice", "es").await;
    b.click("form.lang button").await;
    b.wait_for_text("Panel de asignación").await;
    b.choose("lang-choice", "en").await;
    b.click("form.lang button").await;
    b.wait_for_text("Dispatch board").await;

    // A place is picked on the map as well as typed: a click writes the
    // point into the field as degrees.
    b.goto(&format!("{market}/help")).await;
    b.wait_for_text("Ask for help").await;
    assert_eq!(b.prop("#place", "value").await, "");
    b.click("#place-map").await;
    let picked = b.prop("#place", "value").await;
    let degrees: Vec<f64> = picked.split(", ").filter_map(|d| d.parse().ok()).collect();
    assert!(
        degrees.len() == 2
            && picked
                .split(", ")
                .all(|d| d.split('.').nth(1).map(str::len) == Some(5)),
        "the point as degrees: {picked:?}"
    );

    // Ben adds Sunday mornings in the first blank row of his availability,
    // picking the day and the hours rather than typing codes.
    b.goto(&format!("{market}/profile")).await;
    b.wait_for_text("Weekly availability").await;
    let blank = b
        .client
        .execute(
            "return [...document.querySelectorAll('select[id^=slot_][id$=_day]')]\
             .findIndex((s) => s.value === '');",
            vec![],
        )
        .await
        .unwrap();
    let row = |part: &str| format!("slot_{blank}_{part}");
    b.choose(&row("day"), "sun").await;
    b.set(&row("from"), "09:00").await;
    b.set(&row("until"), "12:00").await;
    b.click("#profile-save").await;
    b.wait_for_text("Profile saved.").await;
    b.goto(ben_page.as_str()).await;
    b.wait_for_text("Sunday 09:00–12:00").await;

    // Ben reads the family's message and answers it; then accepts: the
    // family's tokens are held, not yet paid.
    b.goto(booking_url.as_str()).await;
    b.wait_for_text("Two children, asleep by eight").await;
    b.wait_for_text("Our door code is 4512.").await;
    b.fill("message-body", "Thanks, I will be there at seven.")
        .await;
    b.click("#message-send").await;
    b.wait_for_text("Thanks, I will be there at seven.").await;
    b.click("#booking-accept").await;
    b.wait_for_text("Confirmed").await;
    assert_eq!(
        tokens(&server, &family).await,
        family_before,
        "held, not moved"
    );

    // The evening passes. Ben says it happened, then the family does.
    server
        .clock
        .advance_ms(friday.plus_millis(23 * HOUR).as_millis() - server.app.now().as_millis());
    b.goto(booking_url.as_str()).await;
    b.click("#booking-done").await;
    b.wait_for_text("Confirmed").await;
    b.log_out().await;
    log_in(family.clone()).await;
    b.goto(booking_url.as_str()).await;
    b.click("#booking-done").await;
    b.wait_for_text("Done and paid").await;
    assert_eq!(tokens(&server, &family).await, family_before - 6);
    assert_eq!(tokens(&server, ben).await, ben_before + 6);

    // The family says how it went; Ben's page shows it to everyone.
    b.fill("went_well", "The children loved the story time")
        .await;
    b.fill("could_be_better", "Nothing to add").await;
    b.click("#feedback-submit").await;
    b.wait_for_text("The children loved the story time").await;
    b.goto(&market).await;
    b.fill("q", "coordinator").await;
    b.click("form[role=search] button").await;
    let results = b.wait_for_text("1 of 1 would book again").await;
    assert!(results.contains("Ben Okafor"), "{results}");
    b.click(".card h3 a").await;
    let page = b.wait_for_text("The children loved the story time").await;
    assert!(page.contains("1 of 1 would book again"), "{page}");
    browser.stop().await;
}

impl Browser {
    /// Sets a field's value directly: date pickers do not take typing the
    /// same way in every locale.
    pub(super) async fn set(&self, id: &str, value: &str) {
        self.client
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![serde_json::json!(id), serde_json::json!(value)],
            )
            .await
            .unwrap();
    }

    pub(super) async fn choose(&self, id: &str, value: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }

    pub(super) async fn text_of(&self, id: &str) -> String {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Ranks candidates on an open ballot (`(number, rank)`) and casts it.
    pub(super) async fn rank_and_vote(&self, url: &str, ranks: &[(usize, &str)]) {
        self.goto(url).await;
        self.wait_for_text("Your vote").await;
        for (candidate, rank) in ranks {
            self.choose(&format!("rank-{candidate}"), rank).await;
        }
        self.click("#vote-submit").await;
        self.wait_for_text("Keep this receipt code").await;
    }

    pub(super) async fn vote_yes(&self, url: &str) {
        self.goto(url).await;
        self.wait_for_text("Your vote").await;
        self.click("#choice-yes").await;
        self.click("#vote-submit").await;
        self.wait_for_text("Keep this receipt code").await;
    }
}

/// A settled cash booking of `hours` hours, `days` after the test start.
pub(super) async fn worked(server: &TestServer, provider: i64, client: i64, hours: i64, days: i64) {
    use coopkit_market::{BookingFacts, BookingState, Payment, Window};
    let store = &server.db.store;
    let coop = store.coop_by_slug("cleaners").await.unwrap().unwrap().id;
    let start = coopkit_testkit::TEST_START.plus_millis(days * 86_400_000);
    let window = Window::new(start, start.plus_millis(hours * 3_600_000)).unwrap();
    let booking = store
        .create_booking(
            &coopkit_store::NewBooking {
                coop,
                requester: coopkit_domain::PersonId(client),
                provider: coopkit_domain::PersonId(provider),
                category: "cleaning".into(),
                currency: coopkit_ledger::CurrencyCode::parse("USD").unwrap(),
                amount: 2_500 * hours as u64,
                payment: Payment::Cash,
                window,
                notes: String::new(),
            },
            |id| coopkit_ledger::TransferId::derived(&format!("browser-booking-{}", id.0)),
            coopkit_domain::PersonId(client),
            coopkit_testkit::TEST_START,
        )
        .await
        .unwrap();
    let settled = BookingFacts {
        state: BookingState::Settled,
        window,
        payment: Payment::Cash,
        requester_done: true,
        provider_done: true,
    };
    store
        .step_booking(&booking, &settled, None, coopkit_testkit::TEST_START)
        .await
        .unwrap();
}
