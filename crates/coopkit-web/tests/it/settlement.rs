//! Holds, payment requests, per-account limits and checkpoints through
//! the API, on SQLite and PostgreSQL.

use coopkit_testkit::{backends, Client, TestServer};
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

#[tokio::test]
async fn holds_are_settled_by_their_payer_and_requests_are_paid_once() {
    for backend in backends() {
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
