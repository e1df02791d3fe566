//! The ledger through the API, on SQLite and PostgreSQL.

use coopkit_testkit::{each_backend, Backend, Client, TestServer};
use serde_json::{json, Value};

use crate::fixtures::{coop, member};

pub(crate) async fn person_id(client: &Client) -> i64 {
    client.get("/api/v1/me").await.json()["id"]
        .as_i64()
        .unwrap()
}

pub(crate) fn pay(id: u64, to: i64, amount: u64) -> Value {
    json!({"id": id.to_string(), "currency": "HOUR", "to": to, "amount": amount, "memo": "an evening's sitting"})
}

pub(crate) async fn submit(client: &Client, transfers: Vec<Value>) -> Vec<String> {
    let reply = client
        .post_json(
            "/api/v1/coops/sitters/transfers",
            &json!({"transfers": transfers}),
        )
        .await;
    reply.assert_status(200);
    reply.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn balance(client: &Client) -> i64 {
    let balances = client.get("/api/v1/coops/sitters/balances").await.json();
    balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["currency"] == "HOUR")
        .map_or(0, |b| b["balance"].as_i64().unwrap())
}

/// A babysitting co-op with an HOUR currency (credit line 10, cap 100),
/// its admin (a coordinator too), and two members.
pub(crate) async fn sitters(server: &TestServer) -> (Client, Client, Client) {
    let admin = coop(server, "sitters", "Ada Admin", false).await;
    let created = admin
        .post_json(
            "/api/v1/coops/sitters/currencies",
            &json!({"code": "HOUR", "name": "Hour", "kind": "time", "scale": 0, "default_debit_limit": 10, "default_balance_cap": 100}),
        )
        .await;
    created.assert_status(201);
    let ana = member(server, "sitters", &admin, "Ana Parent").await;
    let ben = member(server, "sitters", &admin, "Ben Parent").await;
    (admin, ana, ben)
}

each_backend! {
    async fn members_pay_each_other_within_their_limits(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (admin, ana, ben) = sitters(&server).await;
        let (ana_id, ben_id) = (person_id(&ana).await, person_id(&ben).await);

        let currencies = server
            .client()
            .get("/api/v1/coops/sitters/currencies")
            .await
            .json();
        assert_eq!(currencies[0]["code"], "HOUR");
        ana.post_json(
            "/api/v1/coops/sitters/currencies",
            &json!({"code": "GBP", "name": "Pound", "kind": "money", "scale": 2}),
        )
        .await
        .assert_status(403);
        let taken = admin
            .post_json(
                "/api/v1/coops/sitters/currencies",
                &json!({"code": "HOUR", "name": "Again", "kind": "time", "scale": 0}),
            )
            .await;
        taken.assert_status(409);
        let bad = admin
            .post_json(
                "/api/v1/coops/sitters/currencies",
                &json!({"code": "hour", "name": "", "kind": "barter", "scale": 0}),
            )
            .await;
        bad.assert_status(422);
        let fields: Vec<_> = bad.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, ["code", "kind", "name"]);

        // The coordinator issues 20 hours to Ana; a member cannot issue.
        let mut issue = pay(1, ana_id, 20);
        issue["from_issuance"] = json!(true);
        assert_eq!(submit(&admin, vec![issue.clone()]).await, ["created"]);
        let mut forged = pay(2, ana_id, 20);
        forged["from_issuance"] = json!(true);
        ana.post_json(
            "/api/v1/coops/sitters/transfers",
            &json!({"transfers": [forged]}),
        )
        .await
        .assert_status(403);

        // Ana pays Ben for an evening.
        assert_eq!(submit(&ana, vec![pay(3, ben_id, 5)]).await, ["created"]);
        assert_eq!(
            (balance(&ana).await, balance(&ben).await),
            (15, 5),
            "{backend:?}"
        );

        // The same transfer again changes nothing; a changed one is refused.
        assert_eq!(submit(&ana, vec![pay(3, ben_id, 5)]).await, ["exists"]);
        assert_eq!(
            submit(&ana, vec![pay(3, ben_id, 6)]).await,
            ["exists-with-different-fields"]
        );
        assert_eq!(balance(&ana).await, 15);

        // Mutual credit: Ana may go to -10, not below.
        assert_eq!(
            submit(&ana, vec![pay(4, ben_id, 26)]).await,
            ["exceeds-debit-limit"]
        );
        assert_eq!(submit(&ana, vec![pay(4, ben_id, 25)]).await, ["created"]);
        assert_eq!(balance(&ana).await, -10);

        // A linked chain stands or falls together.
        let mut first = pay(5, ana_id, 1);
        first["linked"] = json!(true);
        assert_eq!(
            submit(&ben, vec![first, pay(6, ana_id, 1000)]).await,
            ["linked-event-failed", "exceeds-debit-limit"]
        );
        assert_eq!(balance(&ben).await, 30);

        // Bad amounts are refused with their reason.
        assert_eq!(submit(&ben, vec![pay(7, ana_id, 0)]).await, ["amount-zero"]);
        assert_eq!(
            submit(&ben, vec![pay(8, ana_id, i64::MAX as u64 + 1)]).await,
            ["amount-too-large"]
        );
        let overflow = ben
            .post_raw("/api/v1/coops/sitters/transfers", "application/json", r#"{"transfers": [{"id": "9", "currency": "HOUR", "to": 1, "amount": 18446744073709551616}]}"#)
            .await;
        overflow.assert_status(422);
        assert_eq!(overflow.json()["errors"][0]["field"], "transfers[0].amount");
        let bad_id = ben
            .post_json(
                "/api/v1/coops/sitters/transfers",
                &json!({"transfers": [{"id": "ten", "currency": "HOUR", "to": 1, "amount": 1}]}),
            )
            .await;
        bad_id.assert_status(422);
        assert_eq!(bad_id.json()["errors"][0]["field"], "transfers[0].id");

        // Only members of this co-op are paid.
        let outsider = crate::fixtures::api_person(&server, "Otis Outsider").await;
        let outsider_id = person_id(&outsider).await;
        assert_eq!(
            submit(&ben, vec![pay(10, outsider_id, 1)]).await,
            ["credit-account-unknown"]
        );
        // A batch that names a stranger is refused whole.
        let before = balance(&ana).await;
        assert_eq!(
            submit(&ben, vec![pay(12, ana_id, 1), pay(13, outsider_id, 1)]).await,
            ["linked-event-failed", "credit-account-unknown"]
        );
        assert_eq!(
            balance(&ana).await,
            before,
            "{backend:?}: nothing of it was made"
        );
        outsider
            .post_json(
                "/api/v1/coops/sitters/transfers",
                &json!({"transfers": [pay(11, ben_id, 1)]}),
            )
            .await
            .assert_status(403);
        outsider
            .get("/api/v1/coops/sitters/balances")
            .await
            .assert_status(403);

        // Statements: newest first, signed from the reader's side, paged.
        let page = ana
            .get("/api/v1/coops/sitters/statement?currency=HOUR&limit=2")
            .await
            .json();
        let amounts: Vec<_> = page["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["amount"].as_i64().unwrap())
            .collect();
        assert_eq!(amounts, [-25, -5]);
        // Each line with the balance just after it, on every page.
        let balances = |page: &serde_json::Value| -> Vec<i64> {
            page["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["balance_after"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(balances(&page), [-10, 15]);
        let next = page["next_before"].as_u64().unwrap();
        let rest = ana
            .get(&format!(
                "/api/v1/coops/sitters/statement?currency=HOUR&limit=2&before={next}"
            ))
            .await
            .json();
        let amounts: Vec<_> = rest["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["amount"].as_i64().unwrap())
            .collect();
        assert_eq!(amounts, [20]);
        assert_eq!(balances(&rest), [20]);
        assert!(rest["next_before"].is_null());
    }
}

each_backend! {
    async fn the_journal_verifies_offline_and_rebuilds_the_balances(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (admin, ana, ben) = sitters(&server).await;
        let (ana_id, ben_id) = (person_id(&ana).await, person_id(&ben).await);
        let mut issue = pay(1, ana_id, 50);
        issue["from_issuance"] = json!(true);
        submit(&admin, vec![issue]).await;

        // Concurrent payers: every transfer lands exactly once.
        let mut tasks = Vec::new();
        for worker in 0..8u64 {
            let (ana, ben) = (ana.clone(), ben.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0..10u64 {
                    let id = 1000 + worker * 100 + i;
                    let (payer, to) = if i % 2 == 0 {
                        (&ana, ben_id)
                    } else {
                        (&ben, ana_id)
                    };
                    let status = submit(payer, vec![pay(id, to, 1)]).await;
                    assert!(
                        status == ["created"] || status == ["exceeds-debit-limit"],
                        "{status:?}"
                    );
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        // Forty more batches, one payment each: more than the download
        // reads at a time (32), so it is sent in pieces.
        let (rich, poor, rich_id, poor_id) = if balance(&ana).await >= balance(&ben).await {
            (&ana, &ben, ana_id, ben_id)
        } else {
            (&ben, &ana, ben_id, ana_id)
        };
        for i in 0..20u64 {
            assert_eq!(submit(rich, vec![pay(5000 + 2 * i, poor_id, 1)]).await, ["created"]);
            assert_eq!(submit(poor, vec![pay(5001 + 2 * i, rich_id, 1)]).await, ["created"]);
        }
        let (ana_balance, ben_balance) = (balance(&ana).await, balance(&ben).await);
        assert_eq!(
            ana_balance + ben_balance,
            50,
            "{backend:?}: nothing created or lost"
        );

        let download = ben.get("/api/v1/coops/sitters/journal").await;
        download.assert_status(200);
        assert_eq!(download.headers["content-type"], "application/jsonl");
        assert!(download.body.lines().count() > 41, "every batch, in pieces");
        let rebuilt = coopkit_ledger::journal::verify_json_lines(&download.body)
            .expect("the journal verifies");
        let mut member_balances: Vec<i128> = rebuilt
            .accounts()
            .filter(|(a, _)| matches!(a.owner, coopkit_ledger::AccountOwner::Member(_)))
            .map(|(_, b)| b.balance())
            .collect();
        member_balances.sort();
        let mut expected = vec![i128::from(ana_balance), i128::from(ben_balance)];
        expected.sort();
        assert_eq!(member_balances, expected);
        // A member's download names no member and shows no memo...
        assert!(!download.body.contains("evening"), "a memo in the clear");
        assert!(!download.body.contains(r#""kind":"member","id""#), "an owner in the clear");
        assert!(!download.body.contains("openings"));
        // ...where the admin's carries every opening, which holds.
        let whole = admin.get("/api/v1/coops/sitters/journal").await;
        whole.assert_status(200);
        assert!(whole.body.contains("an evening's sitting"));
        let opened = coopkit_ledger::journal::verify_json_lines(&whole.body).unwrap();
        let ben_owns = |ledger: &coopkit_ledger::MemoryLedger| {
            ledger
                .accounts()
                .any(|(a, _)| a.owner == coopkit_ledger::AccountOwner::Member(coopkit_domain::PersonId(ben_id)))
        };
        assert!(ben_owns(&opened) && !ben_owns(&rebuilt), "{backend:?}");
        assert_eq!(opened.head(), rebuilt.head(), "one chain, however it is read");

        // Tampering with one amount is found, with its line.
        let tampered = download
            .body
            .replacen("\"amount\":50", "\"amount\":5000", 1);
        assert_ne!(tampered, download.body);
        let broken = coopkit_ledger::journal::verify_json_lines(&tampered).unwrap_err();
        assert!(broken.to_string().contains("altered"), "{broken}");

        // A new writer on the same database replays the journal to the same balances.
        let fresh = coopkit_app::App::new(
            server.db.store.clone(),
            std::sync::Arc::new(server.clock.clone()),
            coopkit_app::AppConfig::default(),
        );
        let ana_person = server
            .db
            .store
            .person(coopkit_domain::PersonId(ana_id))
            .await
            .unwrap()
            .unwrap();
        let holdings = fresh.my_holdings(&ana_person, "sitters").await.unwrap();
        assert_eq!(
            holdings[0].view.balances.balance(),
            i128::from(ana_balance),
            "{backend:?}"
        );
    }
}

pub(crate) fn hidden_value(body: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    body.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

each_backend! {
    async fn a_member_pays_another_from_the_page_and_both_statements_change(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (admin, ana_api, ben_api) = sitters(&server).await;
        let (ana_id, ben_id) = (person_id(&ana_api).await, person_id(&ben_api).await);
        let mut issue = pay(1, ana_id, 20);
        issue["from_issuance"] = json!(true);
        submit(&admin, vec![issue]).await;

        let ana = server.client();
        ana.log_in(
            &crate::fixtures::email_of("Ana Parent"),
            crate::fixtures::PASSWORD,
        )
        .await
        .assert_status(303);
        let page = ana.get("/c/sitters/ledger").await;
        page.assert_status(200);
        assert!(page.body.contains(r#"id="balance-1">20<"#), "{}", page.body);
        let form_id = hidden_value(&page.body, "id");
        assert!(
            form_id.parse::<u128>().is_ok(),
            "a fresh transfer id in the form: {form_id:?}"
        );

        let ben_text = ben_id.to_string();
        let fields = [
            ("id", form_id.as_str()),
            ("currency", "HOUR"),
            ("to", ben_text.as_str()),
            ("amount", "5"),
            ("memo", "Friday evening"),
        ];
        let paid = ana.post_form("/c/sitters/ledger/pay", &fields).await;
        paid.assert_status(303);
        let after = ana.get(paid.location().unwrap()).await;
        assert!(after.body.contains("Payment made."));
        assert!(after.body.contains(r#"id="balance-1">15<"#), "{backend:?}");
        assert!(
            after.body.contains("Friday evening")
                && after.body.contains("Ben Parent")
                && after.body.contains(r#"<td class="num out">−5</td><td class="num">15</td>"#),
            "the payment with the balance after it: {}",
            after.body
        );

        // Sending the same form again (a double click) pays once.
        ana.post_form("/c/sitters/ledger/pay", &fields)
            .await
            .assert_status(303);
        assert!(ana
            .get("/c/sitters/ledger")
            .await
            .body
            .contains(r#"id="balance-1">15<"#));

        // Ben's statement shows the same payment from his side.
        let ben = server.client();
        ben.log_in(
            &crate::fixtures::email_of("Ben Parent"),
            crate::fixtures::PASSWORD,
        )
        .await
        .assert_status(303);
        let bens = ben.get("/c/sitters/ledger").await;
        assert!(bens.body.contains(r#"id="balance-1">5<"#), "{backend:?}");
        assert!(bens.body.contains("Ana Parent") && bens.body.contains("+5"));

        // Refusals come back on the form, in words.
        let fresh = hidden_value(&ana.get("/c/sitters/ledger").await.body, "id");
        let too_much = ana
            .post_form(
                "/c/sitters/ledger/pay",
                &[
                    ("id", fresh.as_str()),
                    ("currency", "HOUR"),
                    ("to", ben_text.as_str()),
                    ("amount", "26"),
                    ("memo", ""),
                ],
            )
            .await;
        too_much.assert_status(422);
        assert!(too_much
            .body
            .contains("Not enough in your account for this, even with your credit line."));
        assert!(
            too_much.body.contains(r#"value="26""#),
            "the typed amount is kept"
        );
        assert!(
            too_much
                .body
                .contains(&format!(r#"<option value="{ben_text}" selected translate="no">"#)),
            "the chosen payee is kept: {}",
            too_much.body
        );
        let precise = ana
            .post_form(
                "/c/sitters/ledger/pay",
                &[
                    ("id", fresh.as_str()),
                    ("currency", "HOUR"),
                    ("to", ben_text.as_str()),
                    ("amount", "1.5"),
                    ("memo", ""),
                ],
            )
            .await;
        precise.assert_status(422);
        assert!(precise
            .body
            .contains("This currency has fewer decimal places."));

        // A second Ben Parent joins: the form tells the two apart.
        let namesake = server.client();
        namesake
            .post_json(
                "/api/v1/people",
                &json!({"email": "ben.two@example.coop", "display_name": "Ben Parent", "password": crate::fixtures::PASSWORD}),
            )
            .await
            .assert_status(201);
        let token = namesake
            .api_token("ben.two@example.coop", crate::fixtures::PASSWORD)
            .await;
        crate::fixtures::apply(&namesake.with_bearer(&token), "sitters").await;
        let form = ana.get("/c/sitters/ledger").await.body;
        assert_eq!(
            form.matches("Ben Parent (Worker, a member since ").count(),
            2,
            "{form}"
        );
        assert!(!form.contains(">Ana Parent ("), "only shared names are told apart");

        // Any member downloads the journal and it verifies.
        let journal = ben.get("/c/sitters/ledger/journal").await;
        journal.assert_status(200);
        coopkit_ledger::journal::verify_json_lines(&journal.body)
            .expect("the page's journal verifies");

        // Outsiders see none of it.
        let outsider = server.client();
        outsider
            .sign_up(
                "Olga Outsider",
                "olga@example.coop",
                crate::fixtures::PASSWORD,
            )
            .await;
        outsider.get("/c/sitters/ledger").await.assert_status(403);
        outsider
            .get("/c/sitters/ledger/journal")
            .await
            .assert_status(403);

        // Once Ana leaves, Ben's statement no longer names her.
        ana.post_form("/c/sitters/leave", &[]).await.assert_status(303);
        let bens = ben.get("/c/sitters/ledger").await;
        assert!(!bens.body.contains("Ana Parent"), "{backend:?}");
        assert!(bens.body.contains("a former member") && bens.body.contains("+5"));
    }
}

/// The fields of a 422 problem, in order.
fn error_fields(reply: &coopkit_testkit::Reply) -> Vec<String> {
    reply.assert_status(422);
    reply.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

each_backend! {
    /// Found probing the API: a debit limit of 2^64 − 1 was accepted, two
    /// transfers of i64::MAX then went through and a balance was reported
    /// as −18446744073709551592; a hold's timeout of 2^64 − 1 seconds was
    /// accepted. Past their bounds they are field errors now, and at their
    /// bounds the balances stay inside an i64.
    async fn limits_and_timeouts_past_their_bounds_are_field_errors(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (admin, ana, ben) = sitters(&server).await;
        let (ana_id, ben_id) = (person_id(&ana).await, person_id(&ben).await);
        let limits = format!("/api/v1/coops/sitters/members/{ana_id}/limits/HOUR");
        let too_large = admin
            .put_json(&limits, &json!({"debit_limit": u64::MAX, "balance_cap": 9_223_372_036_854_775_808u64}))
            .await;
        assert_eq!(error_fields(&too_large), ["debit_limit", "balance_cap"]);
        let currency = admin
            .post_json(
                "/api/v1/coops/sitters/currencies",
                &json!({"code": "BIG", "name": "Big", "kind": "time", "scale": 0, "default_debit_limit": u64::MAX}),
            )
            .await;
        assert_eq!(error_fields(&currency), ["default_debit_limit"]);

        let max = i64::MAX as u64;
        admin.put_json(&limits, &json!({"debit_limit": max})).await.assert_status(200);
        let ben_limits = format!("/api/v1/coops/sitters/members/{ben_id}/limits/HOUR");
        admin.put_json(&ben_limits, &json!({"debit_limit": 10})).await.assert_status(200);
        assert_eq!(submit(&ana, vec![pay(1, ben_id, max)]).await, ["created"]);
        assert_eq!(submit(&ana, vec![pay(2, ben_id, max)]).await, ["exceeds-debit-limit"]);
        assert_eq!(balance(&ana).await, -i64::MAX, "{backend:?}");

        let mut held = pay(3, ana_id, 1);
        held["hold"] = json!({"timeout_seconds": u64::MAX});
        let timeout = ben
            .post_json("/api/v1/coops/sitters/transfers", &json!({"transfers": [pay(4, ana_id, 1), held]}))
            .await;
        assert_eq!(error_fields(&timeout), ["transfers[1].hold.timeout_seconds"]);
        held["hold"] = json!({"timeout_seconds": u64::from(u32::MAX)});
        assert_eq!(submit(&ben, vec![held]).await, ["created"]);
    }
}

/// Seen in the demo: a family admitted to Capitol Hill Sitters had "no
/// account yet", though the co-op's page promises 20 tokens on joining.
/// Now the newcomer, admitted by Ben, starts with them, and the statement
/// says what they are in the reader's language.
#[tokio::test]
async fn a_family_admitted_in_the_demo_starts_with_its_joining_tokens() {
    let server = TestServer::spawn(coopkit_testkit::backends()[0]).await;
    server.app.load_demo().await.unwrap();
    let newcomer = crate::roles::logged_in(&server, "newcomer@example.org").await;
    // The co-op's page names its dues by the currency's name, not
    // "8 HALFHOUR a year".
    let page = newcomer.get("/c/capitol-hill-sitters").await.body;
    assert!(
        page.contains("8 a year, in Sitting token (half an hour)"),
        "{page}"
    );
    newcomer
        .post_form("/c/capitol-hill-sitters/join", &[("class", "family")])
        .await
        .assert_status(303);
    let ben = crate::roles::logged_in(&server, "ben@sitters.example").await;
    let approvals = ben.get("/c/capitol-hill-sitters/approvals").await.body;
    let action = approvals
        .split("<tr>")
        .find(|row| row.contains("Newcomer"))
        .and_then(|row| row.split("action=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("the newcomer's application")
        .to_owned();
    ben.post_form(&action, &[("decision", "admit")])
        .await
        .assert_status(303);

    let ledger = newcomer.get("/c/capitol-hill-sitters/ledger").await.body;
    assert!(
        ledger.contains("Tokens for joining") && !ledger.contains("You have no account yet"),
        "{ledger}"
    );
    newcomer
        .post_form("/lang", &[("lang", "es"), ("back", "/")])
        .await
        .assert_status(303);
    let spanish = newcomer.get("/c/capitol-hill-sitters/ledger").await.body;
    assert!(spanish.contains("Fichas de bienvenida"), "{spanish}");
}

/// Seen in the demo: an admin who holds pounds only had her ledger page
/// open on the co-op's first currency by code, members' capital, with an
/// empty statement. Unasked, it now opens on a currency she has used.
#[tokio::test]
async fn the_ledger_opens_on_a_currency_the_member_has_used() {
    let server = TestServer::spawn(coopkit_testkit::backends()[0]).await;
    let (admin, ana_api, _) = sitters(&server).await;
    // EUR sorts before HOUR; Ana has only ever had hours.
    admin
        .post_json(
            "/api/v1/coops/sitters/currencies",
            &json!({"code": "EUR", "name": "Euro", "kind": "money", "scale": 2}),
        )
        .await
        .assert_status(201);
    let mut issue = pay(1, person_id(&ana_api).await, 20);
    issue["from_issuance"] = json!(true);
    submit(&admin, vec![issue]).await;
    let ana = crate::settlement::page_client(&server, "Ana Parent").await;
    let ledger = ana.get("/c/sitters/ledger").await.body;
    let statement = ledger
        .split(r#"<h2 id="statement">"#)
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("the statement");
    assert!(
        statement.starts_with(r#"Statement in <span translate="no">Hour</span>"#),
        "{statement}"
    );
    assert!(statement.contains("+20"), "{statement}");
}
