//! Whose failed logins are whose: the socket's peer, or behind a trusted
//! proxy the address it forwarded, and nobody else's say. Clients come
//! from several loopback addresses (127.0.0.2, .3, .4), as other machines.

use std::net::IpAddr;

use coopkit_app::AppConfig;
use coopkit_testkit::{each_backend, Backend, Client, Reply, TestServer};
use serde_json::json;

use crate::fixtures::{api_person, email_of, PASSWORD};

const PROXY: &str = "127.0.0.2";

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

async fn log_in(client: &Client, email: &str, password: &str) -> Reply {
    client
        .post_json(
            "/api/v1/tokens",
            &json!({"email": email, "password": password, "name": "x"}),
        )
        .await
}

/// Three failed logins with made-up addresses: the per-client limit.
async fn guess(client: &Client) {
    for n in 0..3 {
        let email = format!("nobody{n}@example.coop");
        log_in(client, &email, "guessing").await.assert_status(401);
    }
    log_in(client, "nobody@example.coop", "guessing")
        .await
        .assert_status(429);
}

each_backend! {
    /// Found probing the demo: behind a reverse proxy every visitor
    /// shared the proxy's address, so twenty failures from one person
    /// stopped everybody's logins; `X-Forwarded-For` was never read.
    async fn failures_count_against_the_client_behind_a_trusted_proxy_and_nobody_else(backend: Backend) {
        let config = AppConfig {
            login_failures_per_client_max: 3,
            ..AppConfig::default()
        };
        let server = TestServer::spawn_behind(backend, config, &[PROXY]).await;
        api_person(&server, "Dee Visitor").await;
        let email = email_of("Dee Visitor");

        // Through the proxy: the forwarded address is the client.
        let proxy = server.client_from(loopback(2));
        guess(&proxy.with_header("x-forwarded-for", "198.51.100.1")).await;
        let visitor = proxy.with_header("x-forwarded-for", "198.51.100.2");
        log_in(&visitor, &email, PASSWORD).await.assert_status(201);

        // Straight in: a forwarded header is nobody's word but a proxy's.
        let attacker = server.client_from(loopback(3));
        guess(&attacker.with_header("x-forwarded-for", "127.0.0.4")).await;
        log_in(&attacker.with_header("x-forwarded-for", "203.0.113.5"), &email, PASSWORD)
            .await
            .assert_status(429);
        log_in(&server.client_from(loopback(4)), &email, PASSWORD).await.assert_status(201);
    }

    /// HSTS only when a trusted proxy says the browser came over HTTPS:
    /// over plain HTTP it would lock the demo out of itself.
    async fn pages_carry_hsts_only_when_a_trusted_proxy_says_https(backend: Backend) {
        let server = TestServer::spawn_behind(backend, AppConfig::default(), &[PROXY]).await;
        let https = |client: Client| client.with_header("x-forwarded-proto", "https");
        let proxied = https(server.client_from(loopback(2))).get("/").await;
        assert_eq!(proxied.headers["strict-transport-security"], "max-age=31536000");
        let direct = https(server.client_from(loopback(3))).get("/").await;
        assert!(direct.headers.get("strict-transport-security").is_none());
        let plain = server.client_from(loopback(2)).get("/").await;
        assert!(plain.headers.get("strict-transport-security").is_none());
    }
}

each_backend! {
    /// Found probing the demo: five wrong passwords for a member's email,
    /// from anywhere, locked that member out everywhere for fifteen
    /// minutes. Now the account slows down (a second, doubling) and the
    /// browser the member logged in from before is not slowed at all.
    async fn failures_for_an_account_slow_strangers_and_spare_the_owners_browser(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        api_person(&server, "Ola Owner").await;
        let email = email_of("Ola Owner");
        let laptop = server.client_from(loopback(2));
        laptop.log_in(&email, PASSWORD).await.assert_status(303);
        assert!(laptop.cookie("__Host-coopkit_device").is_some(), "the laptop is remembered");

        let attacker = server.client_from(loopback(3));
        for _ in 0..5 {
            log_in(&attacker, &email, "guessing").await.assert_status(401);
        }
        // The attacker's own pair is spent for the window.
        let spent = log_in(&attacker, &email, PASSWORD).await;
        spent.assert_status(429);
        assert_eq!(spent.headers["retry-after"], "900");

        // The owner's laptop logs in at once.
        laptop.log_in(&email, PASSWORD).await.assert_status(303);
        // A new browser elsewhere waits a second, not fifteen minutes.
        let phone = server.client_from(loopback(4));
        let slowed = log_in(&phone, &email, PASSWORD).await;
        slowed.assert_status(429);
        assert_eq!(slowed.headers["retry-after"], "1");
        server.clock.advance_ms(1_000);
        log_in(&phone, &email, PASSWORD).await.assert_status(201);
    }
}
