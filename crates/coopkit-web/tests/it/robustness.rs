//! The server never answers bad input with a 5xx or a panic: random bodies,
//! content types and path segments at every endpoint that takes input.

use coopkit_testkit::{backends, Client, TestServer};
use proptest::prelude::*;

use crate::fixtures::coop;

const JSON_ENDPOINTS: [&str; 14] = [
    "/api/v1/people",
    "/api/v1/tokens",
    "/api/v1/coops",
    "/api/v1/coops/fuzzed/membership",
    "/api/v1/coops/fuzzed/applications/1",
    "/api/v1/coops/fuzzed/members/1/role",
    "/api/v1/coops/fuzzed/settings",
    "/api/v1/coops/fuzzed/currencies",
    "/api/v1/coops/fuzzed/transfers",
    "/api/v1/coops/fuzzed/transfers/1/post",
    "/api/v1/coops/fuzzed/transfers/1/void",
    "/api/v1/coops/fuzzed/members/1/limits/LETS",
    "/api/v1/coops/fuzzed/payment-requests",
    "/api/v1/coops/fuzzed/payment-requests/1/pay",
];

const FORM_ENDPOINTS: [&str; 41] = [
    "/signup",
    "/login",
    "/lang",
    "/account/tokens",
    "/c/fuzzed/join",
    "/c/fuzzed/leave",
    "/c/fuzzed/approvals/1",
    "/c/fuzzed/members/1/role",
    "/c/fuzzed/ledger/pay",
    "/c/fuzzed/ledger/currencies",
    "/c/fuzzed/ledger/limits",
    "/c/fuzzed/requests",
    "/c/fuzzed/requests/1/pay",
    "/c/fuzzed/market/categories",
    "/c/fuzzed/market/profile",
    "/c/fuzzed/market/bookings",
    "/c/fuzzed/market/bookings/1/accept",
    "/c/fuzzed/market/bookings/1/feedback",
    "/c/fuzzed/market/help",
    "/c/fuzzed/market/dispatch",
    "/c/fuzzed/market/offers/1/yes",
    "/c/fuzzed/market/providers/1/favourite",
    "/c/fuzzed/market/calendar",
    "/c/fuzzed/market/providers/1/badges",
    "/c/fuzzed/market/tasks",
    "/c/fuzzed/market/tasks/1/claim",
    "/c/fuzzed/ledger/referral-bonus",
    "/c/fuzzed/ledger/cash-dues",
    "/c/fuzzed/proposals",
    "/c/fuzzed/proposals/rules",
    "/c/fuzzed/proposals/1/vote",
    "/c/fuzzed/proposals/1/comments",
    "/c/fuzzed/proposals/1/receipt",
    "/c/fuzzed/patronage/settings",
    "/c/fuzzed/patronage/close",
    "/c/fuzzed/forecasts",
    "/c/fuzzed/forecasts/1/propose",
    "/directory/org/1/edits",
    "/directory/review/1",
    "/directory/edits/1",
    "/logout",
];

fn content_type() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("application/json"),
        Just("application/x-www-form-urlencoded"),
        Just("text/plain"),
        Just("application/json; charset=utf-8"),
    ]
}

/// Bodies that are mostly almost right: JSON-ish and form-ish text, and raw
/// bytes that are not even UTF-8.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        r#"\{"[a-z_]{1,12}": ("[^"]{0,20}"|-?[0-9]{1,25}|true|null|\[\]|\{\})\}"#
            .prop_map(String::into_bytes),
        "[a-z_]{1,10}=[^&]{0,30}(&csrf=[0-9a-f]{0,64})?".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999999".to_owned()),
        "[a-zA-Z0-9%._~-]{1,20}",
    ]
}

#[test]
fn random_input_never_makes_a_server_error() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let backend = backends()[0];
    let (server, clients) = runtime.block_on(async {
        let server = TestServer::spawn(backend).await;
        let admin = coop(&server, "fuzzed", "Fuzz Admin", true).await;
        let page = server.client();
        page.log_in(
            &crate::fixtures::email_of("Fuzz Admin"),
            crate::fixtures::PASSWORD,
        )
        .await;
        let anonymous = server.client();
        (server, vec![admin, page, anonymous])
    });
    let config = ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        endpoint in 0..(JSON_ENDPOINTS.len() + FORM_ENDPOINTS.len()),
        who in 0..3usize,
        content_type in content_type(),
        body in body(),
        id in segment(),
    )| {
        let path = JSON_ENDPOINTS
            .iter()
            .chain(FORM_ENDPOINTS.iter())
            .nth(endpoint)
            .unwrap()
            .replace("/1", &format!("/{id}"));
        let client: &Client = &clients[who];
        let reply = runtime.block_on(client.post_bytes(&path, content_type, body.clone()));
        prop_assert!(
            reply.status.as_u16() < 500,
            "{path} answered {} to {content_type} {:?}: {}",
            reply.status,
            String::from_utf8_lossy(&body),
            reply.body
        );
    });
    // The server is still up and consistent afterwards.
    runtime.block_on(async {
        server.client().get("/healthz").await.assert_status(200);
    });
}
