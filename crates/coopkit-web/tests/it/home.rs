//! The home page after login: what waits on the person, newest first,
//! each a link, gone once done; and their co-ops with their balances.
//! On SQLite and PostgreSQL.

use coopkit_domain::{Clock, Zone};
use coopkit_testkit::{each_backend, Backend, Client, TestServer, TEST_START};

use crate::fixtures::{api_person, apply, coop, propose_closing_at};
use crate::ledger::sitters;
use crate::market::next_friday;
use crate::settlement::page_client;

const HOUR: i64 = 3_600_000;

/// The lines of the home's "What needs you" list, tags stripped.
async fn waiting(client: &Client) -> Vec<String> {
    let page = client.get("/").await;
    page.assert_status(200);
    let Some(list) = page.body.split(r#"<ul class="agenda">"#).nth(1) else {
        assert!(
            page.body.contains("Nothing waits on you now."),
            "{}",
            page.body
        );
        return Vec::new();
    };
    let list = list.split("</ul>").next().unwrap();
    list.split("<li>")
        .skip(1)
        .map(|item| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in item.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

each_backend! {
    async fn the_home_lists_what_waits_on_each_person_until_it_is_done(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (_, _, ben_api) = sitters(&server).await;
        let (admin, ana, ben) = (
            page_client(&server, "Ada Admin").await,
            page_client(&server, "Ana Parent").await,
            page_client(&server, "Ben Parent").await,
        );
        assert_eq!(waiting(&ana).await, Vec::<String>::new());
        let home = ana.get("/").await.body;
        assert!(home.contains("Your co-ops") && home.contains(">Co-op sitters</a>"), "{home}");

        // Applications to a co-op that decides them wait on its admin,
        // the newest first; the applicant sees hers as waiting.
        coop(&server, "guild", "Gus Guild", true).await;
        let gus = page_client(&server, "Gus Guild").await;
        let cleo = api_person(&server, "Cleo Applicant").await;
        apply(&cleo, "guild").await;
        server.clock.advance_ms(HOUR);
        apply(&api_person(&server, "Dan Applicant").await, "guild").await;
        let for_gus = waiting(&gus).await;
        assert_eq!(for_gus.len(), 2, "{for_gus:?}");
        assert!(for_gus[0].starts_with("Decide the application of Dan Applicant"), "{for_gus:?}");
        assert!(for_gus[1].starts_with("Decide the application of Cleo Applicant"), "{for_gus:?}");
        assert!(gus.get("/").await.body.contains(r#"<a href="/c/guild/approvals">"#));
        let cleo_page = page_client(&server, "Cleo Applicant").await;
        assert!(cleo_page.get("/").await.body.contains("waiting for approval"));
        // Nothing of the guild waits on the sitters' admin.
        assert_eq!(waiting(&admin).await, Vec::<String>::new());

        // A vote open to members waits on each until they cast it.
        let closes = Zone::utc().wall_clock_field(TEST_START.plus_millis(48 * HOUR));
        let motion = propose_closing_at(&ana, &closes).await;
        motion.assert_status(303);
        let motion = motion.location().unwrap().to_owned();
        let votes = |list: Vec<String>| list.iter().filter(|l| l.starts_with("Vote on Evening rates")).count();
        assert_eq!(votes(waiting(&ben).await), 1);
        ben.post_form(&format!("{motion}/vote"), &[("choice", "yes")])
            .await
            .assert_status(200);
        assert_eq!(votes(waiting(&ben).await), 0, "his vote is cast");
        assert_eq!(votes(waiting(&ana).await), 1, "hers is not");

        // A booking waits on its provider to accept, then, once it has
        // started, on each side to say it happened.
        let booking = crate::market::ana_books_ben(&admin, &ana, &ben, &ben_api).await;
        let friday = next_friday();
        let bookings = |list: Vec<String>| -> Vec<String> {
            list.into_iter().filter(|l| l.contains("the booking with")).collect()
        };
        let his = bookings(waiting(&ben).await);
        assert_eq!(his.len(), 1, "{his:?}");
        assert!(his[0].starts_with("Accept or decline the booking with Ana Parent starts"), "{his:?}");
        assert!(ben.get("/").await.body.contains(&format!(r#"<a href="{booking}">"#)));
        assert_eq!(bookings(waiting(&ana).await), Vec::<String>::new(), "nothing is Ana's to do yet");
        ben.post_form(&format!("{booking}/accept"), &[]).await.assert_status(303);
        assert_eq!(bookings(waiting(&ben).await), Vec::<String>::new(), "accepted, not started");
        // Her account now holds the booking's two hours; the home shows
        // it by the currency's name.
        let home = ana.get("/").await.body;
        assert!(home.contains("Hour: 0"), "{home}");

        server.clock.advance_ms(friday.as_millis() + 20 * HOUR - server.clock.now().as_millis());
        let says = "Say whether it happened: the booking with";
        assert!(bookings(waiting(&ana).await)[0].starts_with(&format!("{says} Ben Parent")));
        assert!(bookings(waiting(&ben).await)[0].starts_with(&format!("{says} Ana Parent")));
        ana.post_form(&format!("{booking}/done"), &[]).await.assert_status(303);
        assert_eq!(bookings(waiting(&ana).await), Vec::<String>::new(), "she said so");
        assert_eq!(bookings(waiting(&ben).await).len(), 1, "he has not");
    }
}
