//! The real pages in headless Chromium, through WebDriver: sign up, join a
//! co-op, a coordinator approves (in Spanish), the member sees the list.
//!
//! Every page the tests visit is audited by axe-core at a phone's width and
//! a desktop's (audit.rs); the tests themselves run at the phone's.
//!
//! Needs `chromium` and `chromedriver` (Debian's packages; scripts/test
//! installs them). Without them the test fails when
//! `COOPKIT_REQUIRE_BROWSER=1`, and is skipped with a message otherwise.

use std::process::Stdio;
use std::time::Duration;

use coopkit_testkit::TestServer;
use fantoccini::{Client, ClientBuilder, Locator};

mod audit;
mod catalogue;
mod directory;
mod forecasts;
mod governance;
mod madrid;
mod market;
mod members;
mod spanish;
mod webhooks;

struct Browser {
    client: Client,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
    audits: audit::Audits,
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
                    "--disable-component-update", "--disable-sync",
                    format!("--window-size={},900", audit::WIDTHS[0]),
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
                        audits: audit::Audits::default(),
                    })
                }
                Err(error) => last_error = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("chromedriver did not start: {last_error:?}");
    }

    /// Opens `url` and audits the page.
    async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.audit().await;
    }

    async fn fill(&self, id: &str, value: &str) {
        let field = self.client.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Keeps a picture of the page as `name` in `COOPKIT_SCREENSHOT_DIR`,
    /// when it is set: the guide's pictures (docs/guide) are these, so
    /// they show the pages as they are.
    async fn keep_screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("COOPKIT_SCREENSHOT_DIR") {
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(std::path::Path::new(&dir).join(name), png).unwrap();
        }
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

    /// The page's text, once the page is audited.
    async fn text(&self) -> String {
        self.audit().await;
        self.body_text().await
    }

    async fn body_text(&self) -> String {
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
            text = self.body_text().await;
            if text.contains(needle) {
                self.audit().await;
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {needle:?}; it shows:\n{text}");
    }

    /// Closes the browser, failing if axe-core found anything on the way.
    async fn stop(self) {
        let Browser {
            client,
            mut driver,
            audits,
            ..
        } = self;
        let _ = client.close().await;
        let _ = driver.kill().await;
        audits.assert_none_found();
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

const HOUR: i64 = 3_600_000;

/// Midnight in `zone` starting the first Friday after `now`.
fn next_friday(
    zone: &coopkit_domain::Zone,
    now: coopkit_domain::Timestamp,
) -> coopkit_domain::Timestamp {
    let mut day = zone.on_same_day(now, 24 * 60);
    while coopkit_market::availability::weekday(zone, day) != 4 {
        day = zone.on_same_day(day, 24 * 60);
    }
    day
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
