//! Holds, payment requests, per-account limits and checkpoints through
//! the API, on SQLite and PostgreSQL.

use coopkit_testkit::{each_backend, Backend, Client, TestServer};
use serde_json::json;

use crate::fixtures::coop;
use crate::ledger::{balance, pay, person_id, sitters, submit};

const TRANSFERS: &str = "/api/v1/coops/sitters/transfers";

fn code_of(reply: &coopkit_testkit::Reply) -> String {
    reply.json()["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn hold_of(client: &Client, id: u64) -> String {
    let reply = client.get(&format!("{TRANSFERS}/{id}")).await;
    reply.assert_status(200);
    reply.json()["hold"].as_str().unwrap().to_owned()
}

each_backend! {
    async fn holds_are_settled_by_their_payer_and_requests_are_paid_once(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (admin, ana, ben) = sitters(&server).await;
        let (ana_id, ben_id) = (person_id(&ana).await, person_id(&ben).await);
        let mut issue = pay(1, ana_id, 20);
        issue["from_issuance"] = json!(true);
        assert_eq!(submit(&admin, vec![issue]).await, ["created"]);

        // Ana books Ben for up to 6 hours: a hold, not yet a payment.
        let mut booking = pay(10, ben_id, 6);
        booking["hold"] = json!({});
        assert_eq!(submit(&ana, vec![booking]).await, ["created"]);
        assert_eq!(hold_of(&ben, 10).await, "open");
        let balances = ana.get("/api/v1/coops/sitters/balances").await.json();
        assert_eq!(
            (
                balances[0]["balance"].as_i64(),
                balances[0]["available"].as_i64()
            ),
            (Some(20), Some(14))
        );
        // Only the payer (or a coordinator) posts; strangers to it see nothing.
        let post = |id: u64, amount: u64| json!({"id": id.to_string(), "amount": amount});
        let refused = ben
            .post_json(&format!("{TRANSFERS}/10/post"), &post(11, 4))
            .await;
        refused.assert_status(403);
        let outsider = coop(&server, "elsewhere", "Olga Outsider", false).await;
        outsider
            .get(&format!("{TRANSFERS}/10"))
            .await
            .assert_status(403);
        ana.get(&format!("{TRANSFERS}/999"))
            .await
            .assert_status(404);
        ana.get(&format!("{TRANSFERS}/not-an-id"))
            .await
            .assert_status(404);
        // The sit took 4 hours: post 4, the other 2 go back.
        let posted = ana
            .post_json(&format!("{TRANSFERS}/10/post"), &post(11, 4))
            .await;
        posted.assert_status(200);
        assert_eq!(posted.json()["status"], "created");
        assert_eq!(hold_of(&ana, 10).await, "posted");
        assert_eq!((balance(&ana).await, balance(&ben).await), (16, 4));
        let again = ana
            .post_json(&format!("{TRANSFERS}/10/void"), &json!({"id": "12"}))
            .await;
        again.assert_status(409);
        assert_eq!(code_of(&again), "pending-already-posted");
        // Ben declines a second booking: the payee may void.
        let mut second = pay(20, ben_id, 3);
        second["hold"] = json!({"timeout_seconds": 3600});
        assert_eq!(submit(&ana, vec![second]).await, ["created"]);
        ben.post_json(&format!("{TRANSFERS}/20/void"), &json!({"id": "21"}))
            .await
            .assert_status(200);
        assert_eq!(hold_of(&ana, 20).await, "voided");
        assert_eq!(balance(&ana).await, 16);

        // Ben asks for 5 hours; Ana pays once, a second try is harmless,
        // and nobody can pay it again.
        let created = ben
            .post_json(
                "/api/v1/coops/sitters/payment-requests",
                &json!({"currency": "HOUR", "amount": 5, "memo": "Saturday"}),
            )
            .await;
        created.assert_status(201);
        let request = created.json();
        let id = request["id"].as_str().unwrap().to_owned();
        assert_eq!(request["status"], "open");
        assert_eq!(request["page"], format!("/c/sitters/requests/{id}"));
        let pay_path = format!("/api/v1/coops/sitters/payment-requests/{id}/pay");
        let paid = ana.post_json(&pay_path, &json!({})).await;
        paid.assert_status(200);
        assert_eq!(paid.json()["status"], "created");
        assert_eq!(
            ana.post_json(&pay_path, &json!({})).await.json()["status"],
            "exists"
        );
        let late = admin.post_json(&pay_path, &json!({})).await;
        late.assert_status(409);
        assert_eq!(code_of(&late), "request-already-paid");
        let fetched = ana
            .get(&format!("/api/v1/coops/sitters/payment-requests/{id}"))
            .await;
        assert_eq!(fetched.json()["status"], "paid");
        outsider
            .get(&format!("/api/v1/coops/sitters/payment-requests/{id}"))
            .await
            .assert_status(403);
        assert_eq!((balance(&ana).await, balance(&ben).await), (11, 9));
        let bad = ben
            .post_json(
                "/api/v1/coops/sitters/payment-requests",
                &json!({"currency": "NOPE", "amount": 0}),
            )
            .await;
        bad.assert_status(422);
        let fields: Vec<_> = bad.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            fields,
            ["amount"],
            "the amount is checked before the currency is looked up"
        );

        // Ana's credit line is 10: 22 hours is past it until an admin
        // raises her limit.
        assert_eq!(
            submit(&ana, vec![pay(30, ben_id, 22)]).await,
            ["exceeds-debit-limit"]
        );
        let limits = format!("/api/v1/coops/sitters/members/{ana_id}/limits/HOUR");
        let raise = json!({"debit_limit": 50, "balance_cap": 100});
        ana.put_json(&limits, &raise).await.assert_status(403);
        let raised = admin.put_json(&limits, &raise).await;
        raised.assert_status(200);
        assert_eq!(raised.json()["debit_limit"], 50);
        assert_eq!(submit(&ana, vec![pay(30, ben_id, 22)]).await, ["created"]);
        admin
            .put_json("/api/v1/coops/sitters/members/424242/limits/HOUR", &raise)
            .await
            .assert_status(404);
        ana.get("/api/v1/coops/sitters/accounts")
            .await
            .assert_status(403);
        let accounts = admin.get("/api/v1/coops/sitters/accounts").await.json();
        let anas = accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["owner"]["member"] == ana_id)
            .unwrap();
        assert_eq!(
            (anas["balance"].as_i64(), anas["debit_limit"].as_i64()),
            (Some(-11), Some(50))
        );
        assert!(accounts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["owner"]["coop"] == "issuance"));

        // No checkpoint signed yet: an empty download, for members only.
        let checkpoints = ana.get("/api/v1/coops/sitters/checkpoints").await;
        checkpoints.assert_status(200);
        assert_eq!(checkpoints.body, "");
        outsider
            .get("/api/v1/coops/sitters/checkpoints")
            .await
            .assert_status(403);
    }
}

pub(crate) async fn page_client(server: &TestServer, name: &str) -> Client {
    let client = server.client();
    client
        .log_in(&crate::fixtures::email_of(name), crate::fixtures::PASSWORD)
        .await
        .assert_status(303);
    client
}

each_backend! {
    async fn requests_limits_and_policies_from_the_pages(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (admin_api, ana_api, _) = sitters(&server).await;
        let ana_id = person_id(&ana_api).await.to_string();
        let (admin, ana, ben) = (
            page_client(&server, "Ada Admin").await,
            page_client(&server, "Ana Parent").await,
            page_client(&server, "Ben Parent").await,
        );

        // Ben asks for 3 hours; the page shows him a QR code and Ana a button.
        let made = ben
            .post_form(
                "/c/sitters/requests",
                &[("currency", "HOUR"), ("amount", "3"), ("memo", "Sunday")],
            )
            .await;
        made.assert_status(303);
        let page = made.location().unwrap().to_owned();
        assert!(page.starts_with("/c/sitters/requests/"), "{page}");
        let shown = ben.get(&page).await;
        assert!(shown.body.contains("<svg") && shown.body.contains("data-watch="));
        let payers_view = ana.get(&page).await;
        assert!(
            !payers_view.body.contains("<svg") && payers_view.body.contains("Pay Ben Parent now")
        );
        ana.post_form(&format!("{page}/pay"), &[])
            .await
            .assert_status(303);
        let late = admin.post_form(&format!("{page}/pay"), &[]).await;
        late.assert_status(409);
        assert!(
            late.body.contains("Someone has already paid this request."),
            "{}",
            late.body
        );
        assert!(ben.get(&page).await.body.contains("Paid"));
        assert!(ben.get("/c/sitters/requests").await.body.contains("Sunday"));
        let bad = ben
            .post_form(
                "/c/sitters/requests",
                &[("currency", "HOUR"), ("amount", "0")],
            )
            .await;
        bad.assert_status(422);
        assert!(bad.body.contains("The amount must be more than zero."));

        // Coordinators see every account; an admin raises Ana's credit line.
        ana.get("/c/sitters/ledger/accounts")
            .await
            .assert_status(403);
        let accounts = admin.get("/c/sitters/ledger/accounts").await;
        accounts.assert_status(200);
        assert!(accounts.body.contains("Ana Parent") && accounts.body.contains("Ben Parent"));
        let set = admin
            .post_form(
                "/c/sitters/ledger/limits",
                &[
                    ("member", &ana_id),
                    ("currency", "HOUR"),
                    ("debit_limit", "50"),
                    ("balance_cap", ""),
                ],
            )
            .await;
        set.assert_status(303);
        assert!(admin
            .get(set.location().unwrap())
            .await
            .body
            .contains("Limits set."));
        let balances = ana_api.get("/api/v1/coops/sitters/balances").await.json();
        assert_eq!(balances[0]["debit_limit"], 50);
        assert_eq!(balances[0]["balance_cap"], serde_json::Value::Null);
        let wrong = admin
            .post_form(
                "/c/sitters/ledger/limits",
                &[
                    ("member", &ana_id),
                    ("currency", "HOUR"),
                    ("debit_limit", "lots"),
                ],
            )
            .await;
        wrong.assert_status(422);
        assert!(wrong.body.contains("Write an amount such as 12 or 12.50."));

        // A currency with monthly policies, from the admin's form.
        let currency = |demurrage: &'static str| {
            [
                ("code", "GBP"),
                ("name", "Pound"),
                ("kind", "money"),
                ("scale", "2"),
                ("issuance_per_month", "10.00"),
                ("joining_grant", "5"),
                ("demurrage_percent", demurrage),
                ("demurrage_threshold", "100"),
            ]
        };
        let refused = admin
            .post_form("/c/sitters/ledger/currencies", &currency("200"))
            .await;
        refused.assert_status(422);
        assert!(refused.body.contains("Write a percentage from 0 to 100"));
        let unreadable = admin
            .post_form("/c/sitters/ledger/currencies", &currency("half"))
            .await;
        unreadable.assert_status(422);
        assert!(unreadable.body.contains("Write a percentage from 0 to 100"));
        admin
            .post_form("/c/sitters/ledger/currencies", &currency("0.5"))
            .await
            .assert_status(303);
        let page = admin.get("/c/sitters/ledger").await.body;
        assert!(
            page.contains(
                r#"<td class="num">10.00</td><td class="num">5.00</td><td class="num">0.50% a month of what is above 100.00 (50 basis points)</td>"#
            ),
            "the admin's currency table shows the policies: {page}"
        );
        // A currency without demurrage says so in a word.
        assert!(
            page.contains(r#"<td class="num">0</td><td class="num">none</td></tr>"#),
            "{page}"
        );
        let currencies = admin_api
            .get("/api/v1/coops/sitters/currencies")
            .await
            .json();
        let gbp = currencies
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "GBP")
            .unwrap();
        assert_eq!(
            (
                &gbp["issuance_per_month"],
                &gbp["demurrage_bp"],
                &gbp["demurrage_threshold"],
                &gbp["joining_grant"]
            ),
            (&json!(1000), &json!(50), &json!(10000), &json!(500))
        );
    }
}
