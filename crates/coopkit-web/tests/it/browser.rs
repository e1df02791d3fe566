//! The real pages in headless Chromium, through WebDriver: sign up, join a
//! co-op, a coordinator approves (in Spanish), the member sees the list.
//!
//! Needs `chromium` and `chromedriver` (Debian's packages; scripts/test
//! installs them). Without them the test fails when
//! `COOPKIT_REQUIRE_BROWSER=1`, and is skipped with a message otherwise.

use std::process::Stdio;
use std::time::Duration;

use coopkit_testkit::TestServer;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::fixtures::{coop, email_of, PASSWORD};

struct Browser {
    client: Client,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Option<Browser> {
        let required = std::env::var("COOPKIT_REQUIRE_BROWSER").as_deref() == Ok("1");
        let found = which("chromedriver").zip(which("chromium"));
        let Some((driver_path, chromium_path)) = found else {
            assert!(
                !required,
                "COOPKIT_REQUIRE_BROWSER=1 but chromium or chromedriver is missing"
            );
            eprintln!("skipping the browser test: chromium or chromedriver is not installed");
            return None;
        };
        let port = free_port();
        let driver = tokio::process::Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium_path,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=420,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        driver,
                        _profile: profile,
                    })
                }
                Err(error) => last_error = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("chromedriver did not start: {last_error:?}");
    }

    async fn fill(&self, id: &str, value: &str) {
        let field = self.client.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            // Between two pages there may be no body to read yet.
            Err(_) => String::new(),
        }
    }

    /// The page's text once it contains `needle`: a click that submits a
    /// form returns before the next page has loaded.
    async fn wait_for_text(&self, needle: &str) -> String {
        let mut text = String::new();
        for _ in 0..100 {
            text = self.text().await;
            if text.contains(needle) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {needle:?}; it shows:\n{text}");
    }

    async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}

fn which(program: &str) -> Option<String> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
            .map(|path| path.display().to_string())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn sign_up_join_approve_and_see_the_members_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    coop(&server, "story-sitters", "Sofia Coordinator", true).await;
    let base = &server.base_url;
    let b = &browser;

    // A parent signs up, in English.
    b.client.goto(&format!("{base}/signup")).await.unwrap();
    b.wait_for_text("Create an account").await;
    b.fill("display_name", "Pablo Parent").await;
    b.fill("email", "pablo@example.coop").await;
    b.fill("password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Pablo Parent").await;

    // ... and applies to join.
    b.client
        .goto(&format!("{base}/c/story-sitters"))
        .await
        .unwrap();
    b.wait_for_text("Join this co-op").await;
    b.click("form[action='/c/story-sitters/join'] button").await;
    b.wait_for_text("Your application is waiting for a coordinator.")
        .await;
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("Sign up").await;

    // The coordinator logs in, switches to Spanish, and admits the parent.
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.fill("email", &email_of("Sofia Coordinator")).await;
    b.fill("password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Sofia Coordinator").await;
    b.client
        .find(Locator::Css("#lang-choice option[value=es]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.click("form.lang button").await;
    b.wait_for_text("Cooperativas en este servidor").await;
    b.client
        .goto(&format!("{base}/c/story-sitters/approvals"))
        .await
        .unwrap();
    let queue = b.wait_for_text("Solicitudes a Co-op story-sitters").await;
    assert!(queue.contains("Pablo Parent"), "{queue}");
    b.click("button[value=admit]").await;
    b.wait_for_text("No hay solicitudes pendientes.").await;
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("Crear cuenta").await;

    // The parent logs back in and sees the member list.
    b.client
        .goto(&format!("{base}/login?next=/c/story-sitters/members"))
        .await
        .unwrap();
    b.wait_for_text("Entrar").await;
    b.fill("email", "pablo@example.coop").await;
    b.fill("password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    // The coordinator's Spanish stays in the browser's cookie, but Pablo's
    // own setting (English, from signing up) wins once he is logged in.
    let members = b.wait_for_text("Members of Co-op story-sitters").await;
    assert!(
        members.contains("Pablo Parent") && members.contains("Sofia Coordinator"),
        "{members}"
    );
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/c/story-sitters/members");

    let png = b.client.screenshot().await.unwrap();
    assert!(
        png.starts_with(b"\x89PNG"),
        "a screenshot of the member list"
    );
    if let Ok(dir) = std::env::var("COOPKIT_SCREENSHOT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("members.png"), png).unwrap();
    }
    browser.stop().await;
}

impl Browser {
    async fn log_in(&self, base: &str, name: &str) {
        self.client.goto(&format!("{base}/login")).await.unwrap();
        self.fill("email", &email_of(name)).await;
        self.fill("password", PASSWORD).await;
        self.click("main form button[type=submit]").await;
        self.wait_for_text(name).await;
    }

    async fn log_out(&self) {
        self.click("form[action='/logout'] button").await;
        self.wait_for_text("Sign up").await;
    }

    /// Logs in as one of the demo's people.
    async fn log_in_to_demo(&self, base: &str, email: &str) {
        self.client.goto(&format!("{base}/login")).await.unwrap();
        self.fill("email", email).await;
        self.fill("password", coopkit_app::demo::DEMO_PASSWORD)
            .await;
        self.click("main form button[type=submit]").await;
        // In whichever language the person chose.
        self.wait_for_attr("form[action='/logout']", "method", |_| true)
            .await;
    }
}

/// Reads the QR code in a PNG screenshot, as a phone's camera app would.
fn scan(png_bytes: &[u8]) -> String {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        // The first channel is enough for a black and white code.
        pixels[y * frame.line_size + x * channels]
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the screenshot");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn a_shop_shows_a_qr_code_and_a_member_scans_it_and_pays() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    let shop = coop(&server, "market", "Sam Shop", false).await;
    shop.post_json(
        "/api/v1/coops/market/currencies",
        &serde_json::json!({"code": "LETS", "name": "Lets", "kind": "community", "scale": 2, "default_debit_limit": 2000}),
    )
    .await
    .assert_status(201);
    crate::fixtures::member(&server, "market", &shop, "Ana Parent").await;
    let base = &server.base_url;
    let b = &browser;

    // At the till, the shop asks for 4.50 for a loaf of bread.
    b.log_in(base, "Sam Shop").await;
    b.client
        .goto(&format!("{base}/c/market/requests"))
        .await
        .unwrap();
    b.wait_for_text("Ask to be paid").await;
    b.fill("amount", "4.50").await;
    b.fill("memo", "a loaf of bread").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Scan this code with a phone to pay.").await;
    let request_url = b.client.current_url().await.unwrap();
    let qr = b
        .client
        .find(Locator::Css("figure.qr svg"))
        .await
        .unwrap()
        .screenshot()
        .await
        .unwrap();
    let scanned = scan(&qr);
    assert_eq!(
        scanned,
        request_url.as_str(),
        "the code holds the page's address"
    );

    // Ana scans it, logs in on her phone, and pays with one tap.
    b.log_out().await;
    b.log_in(base, "Ana Parent").await;
    b.client.goto(&scanned).await.unwrap();
    b.wait_for_text("Pay Sam Shop now").await;
    b.click("#pay-request").await;
    let paid = b.wait_for_text("Paid").await;
    assert!(
        paid.contains("4.50") && paid.contains("a loaf of bread"),
        "{paid}"
    );

    // The till's page shows the payment, and both statements hold it.
    b.log_out().await;
    b.log_in(base, "Sam Shop").await;
    b.client.goto(request_url.as_str()).await.unwrap();
    b.wait_for_text("Paid").await;
    b.client
        .goto(&format!("{base}/c/market/ledger"))
        .await
        .unwrap();
    let ledger = b.wait_for_text("a loaf of bread").await;
    assert!(
        ledger.contains("+4.50") && ledger.contains("Ana Parent"),
        "{ledger}"
    );
    browser.stop().await;
}

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
    b.client.goto(&market).await.unwrap();
    b.wait_for_text("Services").await;
    b.fill("q", "coordinator").await;
    b.click("form[role=search] button").await;
    b.wait_for_text("1 providers").await;
    b.click(".card h3 a").await;
    b.wait_for_text("Ben Okafor").await;

    // They ask for Friday evening, 19:00 to 22:00: six half-hour tokens.
    let friday = next_friday(server.app.now());
    for (id, hour) in [("from", 19), ("to", 22)] {
        let value = friday.plus_millis(hour * HOUR).wall_clock_field();
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
    b.log_out().await;

    // Ben accepts: the family's tokens are held, not yet paid.
    log_in(ben.to_owned()).await;
    b.client.goto(booking_url.as_str()).await.unwrap();
    b.wait_for_text("Two children, asleep by eight").await;
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
    b.client.goto(booking_url.as_str()).await.unwrap();
    b.click("#booking-done").await;
    b.wait_for_text("Confirmed").await;
    b.log_out().await;
    log_in(family.clone()).await;
    b.client.goto(booking_url.as_str()).await.unwrap();
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
    b.client.goto(&market).await.unwrap();
    b.fill("q", "coordinator").await;
    b.click("form[role=search] button").await;
    let results = b.wait_for_text("1 of 1 would book again").await;
    assert!(results.contains("Ben Okafor"), "{results}");
    b.click(".card h3 a").await;
    let page = b.wait_for_text("The children loved the story time").await;
    assert!(page.contains("1 of 1 would book again"), "{page}");
    browser.stop().await;
}

const HOUR: i64 = 3_600_000;

/// Midnight starting the first Friday after `now`.
fn next_friday(now: coopkit_domain::Timestamp) -> coopkit_domain::Timestamp {
    const DAY: i64 = 24 * HOUR;
    let mut day =
        coopkit_domain::Timestamp(now.as_millis() - now.as_millis().rem_euclid(DAY) + DAY);
    while coopkit_market::availability::weekday(day) != 4 {
        day = day.plus_millis(DAY);
    }
    day
}

impl Browser {
    /// Sets a field's value directly: date pickers do not take typing the
    /// same way in every locale.
    async fn set(&self, id: &str, value: &str) {
        self.client
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![serde_json::json!(id), serde_json::json!(value)],
            )
            .await
            .unwrap();
    }

    async fn choose(&self, id: &str, value: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }

    async fn text_of(&self, id: &str) -> String {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Ranks candidates on an open ballot (`(number, rank)`) and casts it.
    async fn rank_and_vote(&self, url: &str, ranks: &[(usize, &str)]) {
        self.client.goto(url).await.unwrap();
        self.wait_for_text("Your vote").await;
        for (candidate, rank) in ranks {
            self.choose(&format!("rank-{candidate}"), rank).await;
        }
        self.click("#vote-submit").await;
        self.wait_for_text("Keep this receipt code").await;
    }

    async fn vote_yes(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.wait_for_text("Your vote").await;
        self.click("#choice-yes").await;
        self.click("#vote-submit").await;
        self.wait_for_text("Keep this receipt code").await;
    }
}

/// A settled cash booking of `hours` hours, `days` after the test start.
async fn worked(server: &TestServer, provider: i64, client: i64, hours: i64, days: i64) {
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

#[tokio::test]
async fn members_elect_a_board_by_stv_and_approve_the_years_surplus_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    let admin = coop(&server, "cleaners", "Ada Admin", false).await;
    for (code, name) in [("USD", "Dollar"), ("CAPITAL", "Members' capital")] {
        admin
            .post_json(
                "/api/v1/coops/cleaners/currencies",
                &serde_json::json!({"code": code, "name": name, "kind": "money", "scale": 2}),
            )
            .await
            .assert_status(201);
    }
    let id = |json: serde_json::Value| json["id"].as_i64().unwrap();
    let ada = id(admin.get("/api/v1/me").await.json());
    let bo = crate::fixtures::member(&server, "cleaners", &admin, "Bo Cleaner").await;
    let cy = crate::fixtures::member(&server, "cleaners", &admin, "Cy Cleaner").await;
    let (bo, cy) = (
        id(bo.get("/api/v1/me").await.json()),
        id(cy.get("/api/v1/me").await.json()),
    );
    // Bo cleaned for 30 hours this year, Cy for 10.
    worked(&server, bo, ada, 30, 10).await;
    worked(&server, cy, ada, 10, 20).await;
    let base = &server.base_url;
    let b = &browser;
    let start = coopkit_testkit::TEST_START;
    let in_days = |days: i64| start.plus_millis(days * 86_400_000);

    // The admin calls the board election: two seats, Scottish STV.
    b.log_in(base, "Ada Admin").await;
    b.client
        .goto(&format!("{base}/c/cleaners/proposals"))
        .await
        .unwrap();
    b.wait_for_text("Make a proposal").await;
    b.fill("title", "Board 2027").await;
    b.choose("kind", "election").await;
    b.choose("method", "scottish-stv").await;
    b.fill("options", "Rosa\nSam\nTia").await;
    b.fill("seats", "2").await;
    b.set("closes", &in_days(3).wall_clock_field()).await;
    b.click("#propose-submit").await;
    b.wait_for_text("Voting open").await;
    let election = b.client.current_url().await.unwrap().to_string();
    b.rank_and_vote(&election, &[(0, "1"), (2, "2")]).await;

    // The bylaws' rules, then the year's close, put to the vote.
    b.client
        .goto(&format!("{base}/c/cleaners/patronage"))
        .await
        .unwrap();
    b.wait_for_text("The bylaws' rules for closing a year")
        .await;
    b.fill("reserve_percent", "30").await;
    b.fill("pools", "worker=100:hours").await;
    b.fill("cash_percent", "20").await;
    b.fill("currency", "USD").await;
    b.fill("capital_currency", "CAPITAL").await;
    b.click("#settings-submit").await;
    b.wait_for_text("Reserve 30%").await;
    b.fill("year", "2027").await;
    b.set("start", &start.date_utc()).await;
    b.set("end", &in_days(365).date_utc()).await;
    b.fill("net", "10000.00").await;
    b.set("vote_closes", &in_days(3).wall_clock_field()).await;
    b.click("#close-submit").await;
    b.wait_for_text("Surplus allocation 2027").await;
    let allocation = b.client.current_url().await.unwrap().to_string();
    assert_eq!(b.text_of("allocation-reserve").await, "3000.00 USD");
    b.click("#allocation-vote").await;
    b.wait_for_text("Net surplus 10000.00 USD").await;
    let allocation_vote = b.client.current_url().await.unwrap().to_string();
    b.log_out().await;

    // Bo and Cy vote on both.
    for (name, ranks) in [
        ("Bo Cleaner", [(0, "1"), (1, "2")]),
        ("Cy Cleaner", [(1, "1"), (0, "2")]),
    ] {
        b.log_in(base, name).await;
        b.rank_and_vote(&election, &ranks).await;
        b.vote_yes(&allocation_vote).await;
        b.log_out().await;
    }

    // Three days on, the votes have closed.
    server.clock.advance_ms(3 * 86_400_000);
    b.log_in(base, "Bo Cleaner").await;
    b.client.goto(&election).await.unwrap();
    b.wait_for_text("Elected: Rosa, Sam.").await;
    b.client
        .find(Locator::Id("rounds-chart"))
        .await
        .expect("the rounds as a chart");
    b.client.goto(&allocation).await.unwrap();
    b.wait_for_text("Approved and posted to the ledger").await;
    assert_eq!(b.text_of("my-amount").await, "5250.00 USD");
    assert_eq!(b.text_of("my-cash").await, "1050.00 USD");
    assert_eq!(b.text_of("my-retained").await, "4200.00 USD");
    assert!(b.text_of("notice").await.contains("Bo Cleaner"));
    // The ledger page shows the cash part paid in.
    b.client
        .goto(&format!("{base}/c/cleaners/ledger"))
        .await
        .unwrap();
    b.wait_for_text("1050.00").await;
    browser.stop().await;
}

/// The directory in the demo: a visitor searches and narrows by a facet,
/// sees the matches on the map, downloads them as GeoJSON; a moderator
/// merges a pair from the review queue and the merged address leads on.
#[tokio::test]
async fn the_directory_is_searched_mapped_reviewed_and_downloaded_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    server.app.load_demo().await.unwrap();
    crate::directory::import_uk(&server, 2017).await;
    crate::directory::import_uk(&server, 2023).await;
    let base = &server.base_url;
    let b = &browser;

    // Search, then narrow by legal form.
    b.client.goto(&format!("{base}/directory")).await.unwrap();
    b.wait_for_text("Directory of co-ops").await;
    b.fill("q", "housing").await;
    b.click("form[role=search] button").await;
    b.wait_for_text("Legal form").await;
    let all = server
        .client()
        .get("/api/v1/directory/search?q=housing&limit=0")
        .await
        .json();
    let societies = all["facets"]["legal_form"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "Society")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    assert!(b
        .text_of("directory-total")
        .await
        .starts_with(&format!("{} organisations", all["total"])));
    b.click("#facet-legal_form a[title='Society']").await;
    b.wait_for_text(&format!("{societies} organisations")).await;
    if let Ok(dir) = std::env::var("COOPKIT_SCREENSHOT_DIR") {
        let png = b.client.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join("directory.png"), png).unwrap();
    }

    // The map shows a marker (or a cluster) for every match with a point.
    let with_points = server
        .client()
        .get("/directory/map.geojson?q=housing&legal_form=Society")
        .await
        .json()["features"]
        .as_array()
        .unwrap()
        .len();
    assert!(with_points > 0);
    b.click("#map-link").await;
    let shown = b.wait_for_text("organisations on the map").await;
    assert!(
        shown.contains(&format!("{with_points} organisations on the map")),
        "{shown}"
    );
    let drawn: i64 = b
        .client
        .execute(
            "return document.querySelectorAll('.marker-cluster, path.leaflet-interactive').length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(drawn > 0, "markers are drawn");
    if let Ok(dir) = std::env::var("COOPKIT_SCREENSHOT_DIR") {
        let png = b.client.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join("directory-map.png"), png).unwrap();
    }

    // The same search as GeoJSON, opened from the search page.
    b.client.back().await.unwrap();
    b.wait_for_text("Download this search").await;
    b.click("a.download[href^='/open-data/directory.geojson']")
        .await;
    let body = b.wait_for_text("FeatureCollection").await;
    let collection: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        collection["features"].as_array().unwrap().len() as u64,
        societies
    );

    // A moderator decides the first pair in the review queue.
    b.log_in_to_demo(base, "ana@sitters.example").await;
    b.client
        .goto(&format!("{base}/directory/review"))
        .await
        .unwrap();
    b.wait_for_text("Odds they are one").await;
    let first = b.client.find(Locator::Css("section.review")).await.unwrap();
    let links = first.find_all(Locator::Css("thead a")).await.unwrap();
    let left = links[0].attr("href").await.unwrap().unwrap();
    let right = links[1].attr("href").await.unwrap().unwrap();
    let decided = first.attr("id").await.unwrap().unwrap();
    first
        .find(Locator::Css("button[value=accept]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The queue page comes back without the pair decided.
    let mut left_queue = false;
    for _ in 0..100 {
        let text = b.text().await;
        let gone = b
            .client
            .find_all(Locator::Css(&format!("section#{decided}")))
            .await
            .is_ok_and(|found| found.is_empty());
        if gone && text.contains("Odds they are one") {
            left_queue = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(left_queue, "{decided} is still in the queue");
    b.client.goto(&format!("{base}{right}")).await.unwrap();
    b.wait_for_text("Listed by").await;
    let url = b.client.current_url().await.unwrap();
    assert!(url.path().ends_with(&left), "{url} should be {left}");
    let page = b.text().await;
    assert!(page.contains("Co-operatives UK 2017") && page.contains("Co-operatives UK 2023"));
    browser.stop().await;
}

/// In the demo, the sitters' coordinator tries mutual credit on the co-op
/// as it is, sees it end the hoarding in the forecast's table and charts,
/// and puts it to the vote; a family sees the forecast on the proposal.
#[tokio::test]
async fn a_coordinator_forecasts_mutual_credit_and_puts_it_to_the_vote_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    let logins = server.app.load_demo().await.unwrap();
    let family = logins
        .iter()
        .find(|l| l.who.starts_with("a member family"))
        .unwrap()
        .email
        .clone();
    let base = &server.base_url;
    let b = &browser;
    let log_in = |email: String| async move { b.log_in_to_demo(base, &email).await };

    log_in("ben@sitters.example".into()).await;
    b.client
        .goto(&format!("{base}/c/capitol-hill-sitters"))
        .await
        .unwrap();
    b.click("#forecast-link").await;
    b.wait_for_text("The proposed rules").await;
    b.fill("weeks", "26").await;
    b.fill("debit_limit", "40").await;
    b.click("#forecast-submit").await;
    b.wait_for_text("Forecast of a change to the HALFHOUR rules")
        .await;
    let lines: i64 = b
        .client
        .execute(
            "return document.querySelectorAll('figure.chart svg polyline').length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(lines, 4, "two charts, a line for each set of rules");
    // "27.2% (26.8–27.5)": the mean is the first number of the cell.
    let served = |row: usize| async move {
        let cell = b
            .client
            .find(Locator::Css(&format!(
                "table.forecast-figures tbody tr:nth-child({row}) td"
            )))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        cell.split('%').next().unwrap().parse::<f64>().unwrap()
    };
    let (now, proposed) = (served(1).await, served(2).await);
    assert!(
        now < 50.0 && proposed > 85.0,
        "the families hoard now ({now}%) and go out with credit ({proposed}%)"
    );
    if let Ok(dir) = std::env::var("COOPKIT_SCREENSHOT_DIR") {
        let png = b.client.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join("forecast.png"), png).unwrap();
    }

    let closes = coopkit_domain::Clock::now(&server.clock).plus_millis(5 * 86_400_000);
    b.set("closes", &closes.wall_clock_field()).await;
    b.click("#propose-submit").await;
    b.wait_for_text("Forecast of this change").await;
    let proposal = b.client.current_url().await.unwrap().to_string();
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("Log in").await;

    log_in(family).await;
    b.client.goto(&proposal).await.unwrap();
    let page = b.wait_for_text("Forecast of this change").await;
    assert!(page.contains("Help wanted that happened"), "{page}");
    let charts: i64 = b
        .client
        .execute(
            "return document.querySelectorAll('section.forecast figure.chart svg').length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(charts, 2);
    browser.stop().await;
}

/// A demo person's balance in one co-op's currency (its first, if `None`).
async fn balance_in(server: &TestServer, email: &str, slug: &str, code: Option<&str>) -> i128 {
    let email = coopkit_domain::Email::parse(email).unwrap();
    let (person, _) = server
        .db
        .store
        .person_with_password(&email)
        .await
        .unwrap()
        .unwrap();
    server
        .app
        .my_holdings(&person, slug)
        .await
        .unwrap()
        .iter()
        .find(|h| code.is_none_or(|code| h.currency.code.as_str() == code))
        .map_or(0, |h| h.view.balances.balance())
}

impl Browser {
    /// An attribute of the element `css` finds; empty while there is none
    /// (between two pages).
    async fn attr(&self, css: &str, name: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.attr(name).await.ok().flatten().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the attribute is there and `ok` says it is right.
    async fn wait_for_attr(&self, css: &str, name: &str, ok: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            let value = self.attr(css, name).await;
            if !value.is_empty() && ok(&value) {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{css} never had the {name} expected; the page shows:\n{}",
            self.text().await
        );
    }

    /// Fetches `href` with the browser's cookies (the page's security
    /// policy lets no script fetch): the status, the content type and the
    /// number of bytes.
    async fn fetch(&self, href: &str) -> String {
        let base = self.client.current_url().await.unwrap();
        let cookies: Vec<String> = self
            .client
            .get_all_cookies()
            .await
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        let answer = reqwest::Client::new()
            .get(base.join(href).unwrap())
            .header("cookie", cookies.join("; "))
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let kind = answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = answer.bytes().await.unwrap().len();
        format!("{status} {kind} {bytes}")
    }
}

#[tokio::test]
async fn a_licence_is_bought_and_downloaded_a_track_played_until_owned_and_a_project_funded_in_chromium(
) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    server.app.load_demo().await.unwrap();
    let base = &server.base_url;
    let b = &browser;
    let (rosa, kwame, lena) = (
        "rosa@brighthomes.example",
        "kwame@lenscommons.example",
        "lena@harboursound.example",
    );
    let lens = format!("{base}/c/lens-commons/catalogue");

    // Rosa finds a photo by its tag and buys its standard licence.
    b.log_in_to_demo(base, rosa).await;
    b.client.goto(&lens).await.unwrap();
    b.wait_for_text("Allotments at first light").await;
    b.click("a[data-facet='tag'][data-value='garden']").await;
    b.wait_for_attr(
        "a[data-facet='tag'][data-value='garden']",
        "aria-current",
        |c| c == "true",
    )
    .await;
    let found = b.wait_for_text("Allotments at first light").await;
    assert!(!found.contains("Harbour cranes"), "{found}");
    b.click("#catalogue-items .card h3 a").await;
    b.wait_for_text("Web and print up to 10,000 copies").await;
    let before = balance_in(&server, rosa, "lens-commons", Some("LCR")).await;
    b.click("button[data-licence='standard']").await;
    b.wait_for_attr("#orders a.download", "href", |_| true)
        .await;
    assert_eq!(
        balance_in(&server, rosa, "lens-commons", Some("LCR")).await,
        before - 1_200
    );

    // The download link gives her the original; it gives nobody else anything.
    let link = b
        .client
        .find(fantoccini::Locator::Css("#orders a.download"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let fetched = b.fetch(&link).await;
    assert!(fetched.starts_with("200 image/png "), "{fetched}");
    let bytes: usize = fetched.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(bytes > 10_000, "the original, not the thumbnail: {fetched}");
    b.log_out().await;
    b.log_in_to_demo(base, lena).await;
    b.client
        .goto(&format!("{base}/c/lens-commons"))
        .await
        .unwrap();
    let refused = b.fetch(&link).await;
    assert!(refused.starts_with("403 "), "{refused}");
    b.log_out().await;

    // The photographer sees two standard licences of it in his earnings:
    // half of 12.00 each.
    b.log_in_to_demo(base, kwame).await;
    b.client
        .goto(&format!("{base}/c/lens-commons/earnings"))
        .await
        .unwrap();
    let earnings = b.wait_for_text("Allotments at first light").await;
    assert!(earnings.contains("12.00 LCR"), "{earnings}");
    b.log_out().await;

    // Lena plays a track until it is hers: ten plays, nine paid.
    b.log_in_to_demo(base, lena).await;
    b.client
        .goto(&format!("{base}/c/harbour-sound/catalogue"))
        .await
        .unwrap();
    b.wait_for_text("Harbour Song").await;
    b.click("#catalogue-items li[data-item] h3 a").await;
    let track = b.client.current_url().await.unwrap();
    let listened_before = balance_in(&server, lena, "harbour-sound", Some("HSC")).await;
    for _ in 0..10 {
        // Each page names its play afresh: wait for the next page's name.
        let key = b.attr("#play-form input[name=key]", "value").await;
        b.click("#play").await;
        b.wait_for_attr("#play-form input[name=key]", "value", |k| k != key)
            .await;
    }
    assert_eq!(b.client.current_url().await.unwrap(), track);
    assert_eq!(b.attr("#item-standing", "data-plays").await, "9");
    assert_eq!(b.attr("#item-standing", "data-owned").await, "true");
    let page = b.wait_for_text("Yours: it plays free.").await;
    assert!(page.contains("1.022 HSC"), "{page}");
    assert_eq!(
        balance_in(&server, lena, "harbour-sound", Some("HSC")).await,
        listened_before - 1_022
    );

    // Lena pledges to the fund; Mae proposes a recording day; both vote
    // for it; when the vote closes the fund pays Mae the budget.
    let fund = format!("{base}/c/harbour-sound/fund");
    b.client.goto(&fund).await.unwrap();
    b.fill("amount", "2.5").await;
    b.click("#pledge-submit").await;
    // The demo's investor put in 5.000 before her 2.500.
    b.wait_for_text("7.500 HSC").await;
    b.log_out().await;
    let mae = "mae@harboursound.example";
    b.log_in_to_demo(base, mae).await;
    b.client.goto(&fund).await.unwrap();
    b.fill("title", "A recording day at the harbour").await;
    b.fill("budget", "2").await;
    let tomorrow = server.app.now().plus_millis(24 * HOUR).date_utc();
    b.client
        .execute(
            "document.getElementById('closes_on').value = arguments[0];",
            vec![serde_json::json!(tomorrow)],
        )
        .await
        .unwrap();
    b.click("#project-submit").await;
    b.wait_for_text("Fund: A recording day at the harbour")
        .await;
    let proposal = b.client.current_url().await.unwrap().to_string();
    b.vote_yes(&proposal).await;
    b.log_out().await;
    b.log_in_to_demo(base, lena).await;
    b.vote_yes(&proposal).await;
    b.log_out().await;
    let mae_before = balance_in(&server, mae, "harbour-sound", Some("HSC")).await;
    server.clock.advance_ms(2 * 24 * HOUR);
    b.log_in_to_demo(base, mae).await;
    b.client.goto(&fund).await.unwrap();
    b.wait_for_attr("#fund-projects tr[data-state]", "data-state", |s| {
        s == "funded"
    })
    .await;
    let page = b.wait_for_text("Funded").await;
    assert!(
        page.contains("5.500 HSC"),
        "what is left in the fund: {page}"
    );
    assert_eq!(
        balance_in(&server, mae, "harbour-sound", Some("HSC")).await,
        mae_before + 2_000
    );

    // Mae, the admin, pays the investor's returns for the year: the bylaws
    // cap them at 5% of the 5.000 he put in.
    b.fill("year", "2026").await;
    b.fill("pool", "1").await;
    b.click("#returns-submit").await;
    let returns = b.wait_for_text("Omar Haddad").await;
    assert!(returns.contains("0.250 HSC"), "{returns}");
    assert!(
        returns.contains("5.250 HSC"),
        "what the fund keeps: {returns}"
    );
    browser.stop().await;
}
