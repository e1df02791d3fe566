//! Proposals and votes through the pages, on SQLite and PostgreSQL.

use coopkit_testkit::{each_backend, Backend, Client, TestServer, TEST_START};

use crate::fixtures::coop;
use crate::ledger::sitters;
use crate::settlement::page_client;

const DAY: i64 = 24 * 3_600_000;

fn in_days(days: i64) -> String {
    coopkit_domain::Zone::utc().wall_clock_field(TEST_START.plus_millis(days * DAY))
}

/// The text of the element with this id, tags stripped.
fn text_of(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let open = start + html[start..].find('>').unwrap() + 1;
    let close = open + html[open..].find("</").unwrap();
    html[open..close].trim().to_owned()
}

async fn propose(client: &Client, fields: &[(&str, &str)]) -> String {
    let reply = client.post_form("/c/sitters/proposals", fields).await;
    reply.assert_status(303);
    reply.location().unwrap().to_owned()
}

each_backend! {
    async fn members_propose_discuss_vote_in_secret_and_see_the_count(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        sitters(&server).await;
        let (admin, ana, ben) = (
            page_client(&server, "Ada Admin").await,
            page_client(&server, "Ana Parent").await,
            page_client(&server, "Ben Parent").await,
        );
        let closes = in_days(2);

        // Ana proposes a motion; a member cannot call an election.
        let motion = propose(
            &ana,
            &[
                ("title", "Evening rates"),
                ("body", "Evenings count as one and a half hours."),
                ("kind", "motion"),
                ("motion_method", "majority"),
                ("quorum", "50"),
                ("closes", &closes),
            ],
        )
        .await;
        let refused = ana
            .post_form(
                "/c/sitters/proposals",
                &[
                    ("title", "Board"),
                    ("kind", "election"),
                    ("election_method", "irv"),
                    ("options", "A\nB"),
                    ("closes", &closes),
                ],
            )
            .await;
        refused.assert_status(403);
        // So her form offers no election, no ranked method, no seats and
        // no class rules; the admin's offers them all.
        let hers = ana.get("/c/sitters/proposals").await.body;
        let offers = |page: &str, what: &str| page.contains(what);
        for what in [r#"value="election""#, r#"value="scottish-stv""#, r#"id="seats""#, r#"action="/c/sitters/proposals/rules""#] {
            assert!(!offers(&hers, what), "a member is offered {what}");
            assert!(offers(&admin.get("/c/sitters/proposals").await.body, what), "the admin is not offered {what}");
        }
        assert!(offers(&hers, r#"value="motion""#) && offers(&hers, r#"value="majority""#));
        let bad = ana
            .post_form(
                "/c/sitters/proposals",
                &[
                    ("title", "Quiet hours"),
                    ("body", "No sits after midnight."),
                    ("kind", "bylaw"),
                    ("motion_method", "consent"),
                    // An election's field, which a bylaw change ignores.
                    ("seats", "many"),
                    ("closes", "soon"),
                ],
            )
            .await;
        bad.assert_status(422);
        // What she typed and chose comes back with the error.
        assert!(
            bad.body.contains(r#"value="Quiet hours""#)
                && bad.body.contains(">No sits after midnight.</textarea>")
                && bad.body.contains(r#"<option value="bylaw" selected>"#)
                && bad.body.contains(r#"<option value="consent" selected>"#)
                && bad.body.contains(r#"value="soon""#),
            "{}",
            bad.body
        );
        assert!(!bad.body.contains("Write a whole number"), "{}", bad.body);

        let page = ana.get(&motion).await;
        page.assert_status(200);
        assert_eq!(text_of(&page.body, "proposal-state"), "Voting open");

        // Ana votes yes and gets a receipt; Ben cannot block a majority
        // vote, and votes no.
        let voted = ana
            .post_form(&format!("{motion}/vote"), &[("choice", "yes")])
            .await;
        voted.assert_status(200);
        let receipt = text_of(&voted.body, "receipt-code");
        assert_eq!(receipt.len(), 24, "{receipt}");
        ben.post_form(
            &format!("{motion}/vote"),
            &[("choice", "block"), ("reason", "no")],
        )
        .await
        .assert_status(422);
        ben.post_form(&format!("{motion}/vote"), &[("choice", "no")])
            .await
            .assert_status(200);
        let checked = ana
            .post_form(&format!("{motion}/receipt"), &[("receipt", &receipt)])
            .await;
        assert_eq!(
            text_of(&checked.body, "receipt-result"),
            "This ballot is recorded: yes."
        );
        ben.post_form(
            &format!("{motion}/comments"),
            &[("body", "Too dear for us.")],
        )
        .await
        .assert_status(303);
        assert!(ana.get(&motion).await.body.contains("Too dear for us."));
        // Nothing is published before closing; no one outside sees it.
        admin
            .get(&format!("{motion}/ballots"))
            .await
            .assert_status(409);
        coop(&server, "elsewhere", "Olga Outsider", false).await;
        let outsider = page_client(&server, "Olga Outsider").await;
        outsider.get(&motion).await.assert_status(403);

        // The bylaws' class rules are the admins' and must add up.
        let wrong = admin
            .post_form("/c/sitters/proposals/rules", &[("weights", "member=90")])
            .await;
        wrong.assert_status(422);
        assert!(wrong.body.contains("The weights must add up to 100."));
        ana.post_form("/c/sitters/proposals/rules", &[("every_class", "yes")])
            .await
            .assert_status(403);

        // Rules that add up are taken, shown, and copied into proposals;
        // a vote for investors only has a roll of investors only.
        admin
            .post_form(
                "/c/sitters/proposals/rules",
                &[
                    ("weights", "worker=70, investor=30"),
                    ("cap", "investor=25"),
                ],
            )
            .await
            .assert_status(303);
        let investors = propose(
            &admin,
            &[
                ("title", "Investor dividend policy"),
                ("kind", "motion"),
                ("motion_method", "supermajority"),
                ("threshold", "3/4"),
                ("class_key", "investor"),
                ("closes", &closes),
            ],
        )
        .await;
        let page = ana.get(&investors).await;
        assert!(page
            .body
            .contains("weights worker 70%, investor 30%; investor at most 25%"));
        assert_eq!(text_of(&page.body, "proposal-turnout"), "0 / 0");
        ana.post_form(&format!("{investors}/vote"), &[("choice", "yes")])
            .await
            .assert_status(403);

        // An election by instant runoff, put by the admin.
        let election = propose(
            &admin,
            &[
                ("title", "Coordinator 2027"),
                ("kind", "election"),
                ("election_method", "irv"),
                ("options", "Rosa\nSam\nTia"),
                ("seats", "1"),
                ("quorum", "0"),
                ("closes", &closes),
            ],
        )
        .await;
        for (client, ranks) in [
            (&admin, [("rank_0", "1"), ("rank_1", "2"), ("rank_2", "")]),
            (&ana, [("rank_0", ""), ("rank_1", "1"), ("rank_2", "2")]),
            (&ben, [("rank_0", "1"), ("rank_1", ""), ("rank_2", "2")]),
        ] {
            client
                .post_form(&format!("{election}/vote"), &ranks)
                .await
                .assert_status(200);
        }
        // Two candidates ranked alike are refused, and the ballot comes
        // back as it was filled in, not cleared.
        let refused = admin
            .post_form(
                &format!("{election}/vote"),
                &[("rank_0", "1"), ("rank_1", "1"), ("rank_2", "3")],
            )
            .await;
        refused.assert_status(422);
        let kept = |candidate: usize, rank: &str| {
            let select = refused
                .body
                .split(&format!(r#"name="rank_{candidate}""#))
                .nth(1)
                .and_then(|rest| rest.split("</select>").next())
                .unwrap_or_default();
            select.contains(&format!(r#"<option value="{rank}" selected>"#))
        };
        assert!(kept(0, "1") && kept(1, "1") && kept(2, "3"), "{}", refused.body);

        let early = ana.get(&format!("{election}/result")).await;
        early.assert_status(409);
        assert!(early.body.contains("The result is published once voting closes."));

        // Two days on, both are closed and counted.
        server.clock.advance_ms(2 * DAY);
        let page = ana.get(&motion).await;
        assert_eq!(text_of(&page.body, "proposal-state"), "Closed");
        assert_eq!(
            text_of(&page.body, "result-headline"),
            "Not passed: not enough votes in favour."
        );
        let csv = ana.get(&format!("{motion}/ballots")).await;
        csv.assert_status(200);
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(lines[0], "receipt_sha256,class,choice,reason");
        assert_eq!(lines.len(), 3);
        assert!(!csv.body.contains("Ana"), "no names in the ballots");

        let page = ben.get(&election).await;
        let headline = text_of(&page.body, "result-headline");
        assert_eq!(headline, "Elected: Rosa.", "two first preferences of three");
        assert!(page.body.contains("id=\"rounds\""));
        assert!(page.body.contains("<polyline"));
        // The page counts to two places, with the rounds and votes named
        // on the chart's axes; the download has the count's five places.
        let table = page.body.split(r#"<table id="rounds">"#).nth(1).unwrap();
        let table = table.split("</table>").next().unwrap();
        assert!(table.contains("<td>2.00</td>") && !table.contains(".00000"), "{table}");
        let chart = page.body.split(r#"id="rounds-chart""#).nth(1).unwrap();
        let chart = chart.split("</svg>").next().unwrap();
        assert!(chart.contains(">Round</text>") && chart.contains(">Votes</text>"), "{chart}");
        let result = ben.get(&format!("{election}/result")).await;
        result.assert_status(200);
        assert_eq!(result.json()["outcome"]["elected"][0], "Rosa");
        assert!(result.body.contains(r#""2.00000""#), "{}", result.body);
        let blt = ben.get(&format!("{election}/ballots")).await;
        blt.assert_status(200);
        let parsed = coopkit_governance::blt::parse(&blt.body).unwrap();
        assert_eq!(parsed.candidates, ["Rosa", "Sam", "Tia"]);
        assert_eq!(parsed.ballots.len(), 3);
        let recount =
            coopkit_governance::count::count(&parsed, coopkit_governance::count::Method::Irv, 1, 0);
        assert_eq!(headline, format!("Elected: {}.", recount.elected[0]));

        // The same ranked ballots as CSV, each ranking by name in order;
        // a motion's ballots are not BLT, and a format nobody knows is named.
        assert!(page.body.contains("ballots?format=csv") && page.body.contains("ballots?format=blt"));
        let csv = ben.get(&format!("{election}/ballots?format=csv")).await;
        csv.assert_status(200);
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(lines[0], "receipt_sha256,class,choice,reason");
        assert_eq!(lines.len(), 4, "{}", csv.body);
        let rankings: Vec<String> = parsed
            .ballots
            .iter()
            .map(|b| {
                b.preferences
                    .iter()
                    .map(|&c| parsed.candidates[c].as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .collect();
        for ranking in &rankings {
            assert!(csv.body.contains(ranking.as_str()), "{ranking}: {}", csv.body);
        }
        let refused = ana.get(&format!("{motion}/ballots?format=blt")).await;
        refused.assert_status(422);
        assert!(refused.body.contains("Only ranked ballots download as BLT"), "{}", refused.body);
        let unknown = ana.get(&format!("{motion}/ballots?format=xml")).await;
        unknown.assert_status(422);
        assert!(unknown.body.contains("format=csv"), "{}", unknown.body);
    }
}
