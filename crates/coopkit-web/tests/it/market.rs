//! The marketplace's pages on SQLite and PostgreSQL: categories, a
//! provider's profile, search, booking and its refusals, and who may see
//! what.

use coopkit_domain::{Timestamp, Zone};
use coopkit_testkit::{each_backend, Backend, Client, TestServer, TEST_START};

use crate::fixtures::coop;
use crate::ledger::sitters;
use crate::settlement::page_client;

const HOUR: i64 = 3_600_000;

/// The first Friday after the test's start, at midnight UTC.
pub(crate) fn next_friday() -> Timestamp {
    next_weekday(4)
}

/// The first midnight (UTC) after the tests' start that begins `weekday`
/// (0 for Monday).
pub(crate) fn next_weekday(weekday: u8) -> Timestamp {
    const DAY: i64 = 24 * HOUR;
    let now = TEST_START.as_millis();
    let mut day = Timestamp(now - now.rem_euclid(DAY) + DAY);
    while coopkit_market::availability::weekday(&Zone::utc(), day) != weekday {
        day = day.plus_millis(DAY);
    }
    day
}

pub(crate) fn at(friday: Timestamp, hour: i64) -> String {
    Zone::utc().wall_clock_field(friday.plus_millis(hour * HOUR))
}

/// `client` asks the sitters co-op for babysitting at `place`, from and
/// to two wall-clock times.
pub(crate) async fn ask_for_help(
    client: &Client,
    place: &str,
    (from, to): (&str, &str),
) -> coopkit_testkit::Reply {
    client
        .post_form(
            "/c/sitters/market/help",
            &[
                ("category", "babysitting"),
                ("from", from),
                ("to", to),
                ("place", place),
                ("language", ""),
                ("notes", "one toddler"),
            ],
        )
        .await
}

/// The sitters' admin (on the pages) adds the babysitting category.
pub(crate) async fn add_babysitting(admin: &Client) {
    admin
        .post_form(
            "/c/sitters/market/categories",
            &[("key", "babysitting"), ("name", "Babysitting")],
        )
        .await
        .assert_status(303);
}

/// In the sitters co-op: the admin (`admin`, on the pages) adds
/// babysitting, and Ben (`ben`) offers Friday evenings, 18:00 to 23:00, at
/// an hour token an hour.
pub(crate) async fn ben_offers_fridays(admin: &Client, ben: &Client) {
    add_babysitting(admin).await;
    ben.post_form(
        "/c/sitters/market/profile",
        &[
            ("bio", "Retired teacher"),
            ("language", "en"),
            ("price_babysitting", "1"),
            ("currency_babysitting", "HOUR"),
            ("unit_babysitting", "60"),
            ("slot_0_day", "fri"),
            ("slot_0_from", "18:00"),
            ("slot_0_until", "23:00"),
        ],
    )
    .await
    .assert_status(303);
}

/// As [`ben_offers_fridays`], and then Ana (`ana`) books Ben (whose API
/// client is `ben_api`) from 19:00 to 21:00 next Friday. The booking's
/// page.
pub(crate) async fn ana_books_ben(
    admin: &Client,
    ana: &Client,
    ben: &Client,
    ben_api: &Client,
) -> String {
    ben_offers_fridays(admin, ben).await;
    let ben_id = ben_api.get("/api/v1/me").await.json()["id"]
        .as_i64()
        .unwrap();
    let friday = next_friday();
    let booked = ana
        .post_form(
            "/c/sitters/market/bookings",
            &[
                ("provider", ben_id.to_string().as_str()),
                ("category", "babysitting"),
                ("from", at(friday, 19).as_str()),
                ("to", at(friday, 21).as_str()),
                ("payment", "ledger"),
                ("notes", ""),
            ],
        )
        .await;
    booked.assert_status(303);
    booked.location().unwrap().to_owned()
}

/// The sitters co-op of `crate::ledger::sitters`, its admin and two
/// members logged in on the pages, and the members' API clients and ids.
struct Sitters {
    admin: Client,
    ana: Client,
    ben: Client,
    ana_api: Client,
    ana_id: i64,
    ben_id: String,
}

async fn logged_in(server: &TestServer) -> Sitters {
    let (_, ana_api, ben_api) = sitters(server).await;
    let id = |json: serde_json::Value| json["id"].as_i64().unwrap();
    Sitters {
        ana_id: id(ana_api.get("/api/v1/me").await.json()),
        ben_id: id(ben_api.get("/api/v1/me").await.json()).to_string(),
        admin: page_client(server, "Ada Admin").await,
        ana: page_client(server, "Ana Parent").await,
        ben: page_client(server, "Ben Parent").await,
        ana_api,
    }
}

each_backend! {
    async fn members_offer_search_book_and_accept_through_the_pages(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let Sitters {
            admin,
            ana,
            ben,
            ana_api,
            ben_id,
            ..
        } = logged_in(&server).await;

        // The admin adds a category; members cannot.
        ana.post_form(
            "/c/sitters/market/categories",
            &[("key", "cleaning"), ("name", "Cleaning")],
        )
        .await
        .assert_status(403);
        add_babysitting(&admin).await;

        // Ben offers Friday evenings at one HOUR token an hour, picking
        // the day and the hours in a row of the form.
        let profile = |day: &'static str, from: &'static str, until: &'static str| {
            vec![
                ("bio", "Retired teacher, loves board games"),
                ("language", "en"),
                ("language", "es"),
                ("price_babysitting", "1"),
                ("currency_babysitting", "HOUR"),
                ("unit_babysitting", "60"),
                ("slot_0_day", day),
                ("slot_0_from", from),
                ("slot_0_until", until),
            ]
        };
        let bad = ben
            .post_form("/c/sitters/market/profile", &profile("fri", "25:00", "26:00"))
            .await;
        bad.assert_status(422);
        assert!(
            bad.body.contains("Write a time such as 18:30."),
            "{}",
            bad.body
        );
        assert!(
            bad.body.contains("Retired teacher") && bad.body.contains(r#"value="25:00""#),
            "what was typed is kept"
        );
        let mut away = profile("fri", "18:00", "00:00");
        away.push(("days_off", "someday"));
        let bad_day = ben.post_form("/c/sitters/market/profile", &away).await;
        bad_day.assert_status(422);
        assert!(bad_day.body.contains("Choose a date."), "{}", bad_day.body);
        // Until 02:00 runs past midnight, into Saturday.
        ben.post_form(
            "/c/sitters/market/profile",
            &profile("fri", "18:00", "02:00"),
        )
        .await
        .assert_status(303);
        let mine = ben.get("/c/sitters/market/profile").await.body;
        // Languages are ticked by their own names, and others offered.
        assert!(
            mine.contains(r#"value="es" checked><label for="language-es" lang="es">español</label>"#)
                && mine.contains(r#"<option value="fr" lang="fr">français</option>"#),
            "{mine}"
        );
        // The form shows the two rows it was saved as.
        let shown = |field: &str| {
            let rest = mine.split(&format!(r#"id="{field}""#)).nth(1).unwrap_or_default();
            rest.split("</div>").next().unwrap().to_owned()
        };
        assert!(shown("slot_0_day").contains(r#"value="fri" selected"#), "{mine}");
        assert!(shown("slot_0_until").contains(r#"value="00:00""#), "{mine}");
        assert!(shown("slot_1_day").contains(r#"value="sat" selected"#), "{mine}");
        assert!(shown("slot_1_until").contains(r#"value="02:00""#), "{mine}");
        // Others read the days in their language, not as codes.
        let page = format!("/c/sitters/market/providers/{ben_id}");
        let english = ana.get(&page).await.body;
        assert!(english.contains("Friday 18:00–24:00\nSaturday 00:00–02:00"), "{english}");

        // A coordinator records his background check; members cannot.
        let badges = format!("/c/sitters/market/providers/{ben_id}/badges");
        let check = |date: &'static str| [("label", "Background check"), ("done_on", date)];
        ana.post_form(&badges, &check("2026-10-01"))
            .await
            .assert_status(403);
        let future = admin.post_form(&badges, &check("2027-01-01")).await;
        future.assert_status(422);
        assert!(future.body.contains("This date has not come yet."));
        admin
            .post_form(&badges, &check("2026-10-01"))
            .await
            .assert_status(303);
        let shown = ana
            .get(&format!("/c/sitters/market/providers/{ben_id}"))
            .await;
        assert!(
            shown
                .body
                .contains("Background check: done on 2026-10-01, confirmed by Ada Admin"),
            "{}",
            shown.body
        );

        // Ana finds him by service and language, not by a word he never wrote.
        let found = ana
            .get("/c/sitters/market?category=babysitting&language=es")
            .await;
        assert!(
            found.body.contains("Ben Parent") && found.body.contains("Hour: 1 per 60 minutes"),
            "{}",
            found.body
        );
        assert!(found.body.contains("One provider"), "{}", found.body);
        assert!(ana
            .get("/c/sitters/market?q=chess")
            .await
            .body
            .contains("0 providers"));

        // Booking: refusals come back on the provider's page, in words.
        let friday = next_friday();
        let book = |from: String, to: String| {
            let ben_id = ben_id.clone();
            let ana = &ana;
            async move {
                ana.post_form(
                    "/c/sitters/market/bookings",
                    &[
                        ("provider", ben_id.as_str()),
                        ("category", "babysitting"),
                        ("from", from.as_str()),
                        ("to", to.as_str()),
                        ("payment", "ledger"),
                        ("notes", ""),
                    ],
                )
                .await
            }
        };
        let past = book(at(friday, -7 * 24 + 19), at(friday, -7 * 24 + 21)).await;
        past.assert_status(409);
        assert!(
            past.body.contains("This time has already begun."),
            "{}",
            past.body
        );
        let early = book(at(friday, 15), at(friday, 17)).await;
        assert!(early.body.contains("The provider is not available then."));
        let backwards = book(at(friday, 21), at(friday, 19)).await;
        backwards.assert_status(422);
        assert!(backwards
            .body
            .contains("The end must come after the start."));
        let made = book(at(friday, 19), at(friday, 22)).await;
        made.assert_status(303);
        let page = made.location().unwrap().to_owned();

        // Only its two sides (and coordinators) see it; another co-op's
        // members see nothing of this co-op at all.
        coop(&server, "elsewhere", "Olga Outsider", false).await;
        let olga = page_client(&server, "Olga Outsider").await;
        olga.get(&page).await.assert_status(403);
        olga.get("/c/sitters/market").await.assert_status(403);
        admin.get(&page).await.assert_status(200);

        // Ben accepts; the page says so and Ana's tokens are held.
        let shown = ben.get(&page).await;
        assert!(shown.body.contains("Waiting for the provider") && shown.body.contains("3 Hour"));
        ana.post_form(&format!("{page}/accept"), &[])
            .await
            .assert_status(409);
        ben.post_form(&format!("{page}/accept"), &[])
            .await
            .assert_status(303);
        assert!(ana.get(&page).await.body.contains("Confirmed"));
        let balances = ana_api.get("/api/v1/coops/sitters/balances").await.json();
        assert_eq!(
            (
                balances[0]["balance"].as_i64(),
                balances[0]["available"].as_i64()
            ),
            (Some(0), Some(-3)),
            "held, not moved"
        );
        assert!(ana
            .get("/c/sitters/market/bookings")
            .await
            .body
            .contains("Ben Parent"));

        // Ana's calendar app subscribes to a private link, without cookies.
        let calendar_link = || async {
            let page = ana.post_form("/c/sitters/market/calendar", &[]).await;
            page.assert_status(200);
            let link = page
                .body
                .split(r#"id="calendar-link" readonly value=""#)
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
                .to_owned();
            format!("/calendar/{}", link.split("/calendar/").nth(1).unwrap())
        };
        let first = calendar_link().await;
        let feed = server.client().get(&first).await;
        feed.assert_status(200);
        assert!(
            feed.body.starts_with("BEGIN:VCALENDAR\r\n"),
            "{}",
            feed.body
        );
        assert!(
            feed.body
                .contains("SUMMARY:babysitting (provider: Ben Parent)"),
            "{}",
            feed.body
        );
        let start = format!("DTSTART:{}00Z", at(friday, 19).replace(['-', ':'], ""));
        assert!(feed.body.contains(&start), "{}", feed.body);
        let second = calendar_link().await;
        server.client().get(&first).await.assert_status(404);
        server.client().get(&second).await.assert_status(200);
        server
            .client()
            .get("/calendar/cal_0000.ics")
            .await
            .assert_status(404);

        // The evening passes; both mark it done; Ben's dashboard counts it.
        server
            .clock
            .advance_ms(friday.plus_millis(23 * HOUR).as_millis() - TEST_START.as_millis());
        ana.post_form(&format!("{page}/done"), &[])
            .await
            .assert_status(303);
        ben.post_form(&format!("{page}/done"), &[])
            .await
            .assert_status(303);
        let settled = ana.get(&page).await;
        assert!(settled.body.contains("Done and paid"));
        assert!(
            settled.body.contains(&format!(
                r#"href="/c/sitters/market/providers/{ben_id}#book" id="book-again""#
            )),
            "{}",
            settled.body
        );
        assert!(
            !ben.get(&page).await.body.contains("book-again"),
            "only for who booked"
        );
        let dashboard = ben.get("/c/sitters/market/dashboard").await;
        let month = &at(friday, 19)[..7];
        assert!(
            dashboard.body.contains(&format!(
                r#"<tr><td>{month}</td><td class="num">3.00</td><td class="num">3 Hour</td>"#
            )),
            "{}",
            dashboard.body
        );
        assert!(dashboard.body.contains("<rect "), "the chart has its bar");
    }
}

each_backend! {
    async fn a_request_for_help_is_offered_from_the_dispatch_board_and_taken_with_one_tap(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let Sitters {
            admin,
            ana,
            ben,
            ben_id,
            ..
        } = logged_in(&server).await;
        add_babysitting(&admin).await;
        let area = |place: &'static str| {
            [
                ("bio", "Evenings free"),
                ("language", "en"),
                ("price_babysitting", "1"),
                ("currency_babysitting", "HOUR"),
                ("unit_babysitting", "60"),
                ("slot_0_day", "fri"),
                ("slot_0_from", "18:00"),
                ("slot_0_until", "00:00"),
                ("place", place),
                ("radius_km", "2"),
            ]
        };
        let wrong = ben
            .post_form("/c/sitters/market/profile", &area("91, -76.9905"))
            .await;
        wrong.assert_status(422);
        assert!(wrong
            .body
            .contains("Give a latitude and a longitude in degrees"));
        let unknown = ben
            .post_form("/c/sitters/market/profile", &area("Atlantis, Narnia"))
            .await;
        unknown.assert_status(422);
        assert!(unknown.body.contains("No town or ZIP code of that name is known"));
        assert!(unknown.body.contains(r#"value="Atlantis, Narnia""#), "the place typed is kept");
        ben.post_form("/c/sitters/market/profile", &area("38.8899, -76.9905"))
            .await
            .assert_status(303);
        assert!(ben
            .get("/c/sitters/market/profile")
            .await
            .body
            .contains(r#"value="38.889900, -76.990500""#));

        // Ana marks Ben a favourite and asks for Friday evening.
        let provider_page = format!("/c/sitters/market/providers/{ben_id}");
        ana.post_form(
            &format!("{provider_page}/favourite"),
            &[("favourite", "yes")],
        )
        .await
        .assert_status(303);
        assert!(ana
            .get(&provider_page)
            .await
            .body
            .contains("Remove from my favourites"));
        let friday = next_friday();
        let (from, to) = (at(friday, 19), at(friday, 21));
        let help = |place: &'static str| ask_for_help(&ana, place, (&from, &to));
        help("").await.assert_status(422);
        // Found offline, in the gazetteer coopkit ships: the neighbourhood
        // of Washington, D.C., not the ones in Canada.
        help("Capitol Hill, Washington").await.assert_status(303);
        // Ana sees her request where she posted it, and where it was taken
        // to be; Ben, who did not ask, does not.
        let mine = ana.get("/c/sitters/market/help").await.body;
        assert!(
            mine.contains("Your requests still open")
                && mine.contains("near Capitol Hill, District of Columbia, US")
                && mine.contains("not offered to anyone yet"),
            "{mine}"
        );
        assert!(!ben.get("/c/sitters/market/help").await.body.contains("Your requests still open"));

        // Only coordinators dispatch; the engine offers it to Ben.
        ana.get("/c/sitters/market/dispatch")
            .await
            .assert_status(403);
        let run = admin.post_form("/c/sitters/market/dispatch", &[]).await;
        run.assert_status(303);
        let board = admin.get(run.location().unwrap()).await;
        assert!(board.body.contains("One new offer made."), "{}", board.body);
        assert!(
            board.body.contains("Ben Parent")
                && board.body.contains("a favourite of theirs")
                && board.body.contains("waiting for an answer"),
            "{}",
            board.body
        );

        let mine = ana.get("/c/sitters/market/help").await.body;
        assert!(mine.contains("offered to one provider, waiting for an answer"), "{mine}");

        // Ben sees the offer with his bookings and says yes.
        let offers = ben.get("/c/sitters/market/bookings").await;
        assert!(offers.body.contains("Offers for you") && offers.body.contains("one toddler"));
        let request = offers
            .body
            .split("/c/sitters/market/offers/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap()
            .to_owned();
        let yes = ben
            .post_form(&format!("/c/sitters/market/offers/{request}/yes"), &[])
            .await;
        yes.assert_status(303);
        let booking = ben.get(yes.location().unwrap()).await;
        assert!(booking.body.contains("Confirmed") && booking.body.contains("Ana Parent"));
        assert!(admin
            .get("/c/sitters/market/dispatch")
            .await
            .body
            .contains("No open requests."));
    }
}

each_backend! {
    async fn a_task_is_posted_claimed_delivered_and_paid_from_the_pages(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let Sitters {
            admin,
            ana,
            ben,
            ana_api,
            ..
        } = logged_in(&server).await;
        let friday = at(next_friday(), 12);
        let post = |bounty: &'static str, deadline: String| {
            let ana = &ana;
            async move {
                ana.post_form(
                    "/c/sitters/market/tasks",
                    &[
                        ("title", "Fix the gate"),
                        ("description", "It sticks"),
                        ("currency", "HOUR"),
                        ("bounty", bounty),
                        ("deadline", deadline.as_str()),
                    ],
                )
                .await
            }
        };
        let bad = post("lots", friday.clone()).await;
        bad.assert_status(422);
        assert!(bad.body.contains("Write an amount such as 12 or 12.50."));
        let late = post("2", at(next_friday(), -14 * 24)).await;
        late.assert_status(422);
        assert!(
            late.body.contains("Choose a time in the future."),
            "{}",
            late.body
        );
        post("2", friday).await.assert_status(303);
        let list = ben.get("/c/sitters/market/tasks").await;
        assert!(
            list.body.contains("Fix the gate · 2 Hour")
                && list.body.contains("Open: anyone may claim it.")
        );
        let id = list
            .body
            .split(r#"id="task-"#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let step = |who: &'static str, name: &'static str| {
            let client = match who {
                "ana" => &ana,
                "ben" => &ben,
                _ => &admin,
            };
            let path = format!("/c/sitters/market/tasks/{id}/{name}");
            async move { client.post_form(&path, &[]).await }
        };
        let own = step("ana", "claim").await;
        own.assert_status(409);
        assert!(own.body.contains("You posted this task"));
        step("ben", "claim").await.assert_status(303);
        assert!(ana
            .get("/c/sitters/market/tasks")
            .await
            .body
            .contains("Claimed by Ben Parent."));
        step("ben", "deliver").await.assert_status(303);
        step("admin", "accept").await.assert_status(303);
        assert!(ana
            .get("/c/sitters/market/tasks")
            .await
            .body
            .contains("Done by Ben Parent and paid."));
        let balances = ana_api.get("/api/v1/coops/sitters/balances").await.json();
        assert_eq!(balances[0]["balance"], -2);
    }
}

each_backend! {
    async fn an_invitation_is_remembered_and_thanked_with_the_bonus(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let Sitters {
            admin,
            ana,
            ana_api,
            ana_id,
            ..
        } = logged_in(&server).await;
        ana.post_form(
            "/c/sitters/ledger/referral-bonus",
            &[("currency", "HOUR"), ("bonus", "2")],
        )
        .await
        .assert_status(403);
        admin
            .post_form(
                "/c/sitters/ledger/referral-bonus",
                &[("currency", "HOUR"), ("bonus", "2")],
            )
            .await
            .assert_status(303);

        // A coordinator records Ana's December dues, paid in cash.
        let ana_text = ana_id.to_string();
        let dues = |period: &'static str| {
            let fields = [("member", ana_text.clone()), ("period", period.to_owned())];
            let admin = &admin;
            async move {
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                admin
                    .post_form("/c/sitters/ledger/cash-dues", &fields)
                    .await
            }
        };
        let wrong = dues("December").await;
        wrong.assert_status(422);
        assert!(
            wrong.body.contains("Write a month as YYYY-MM"),
            "{}",
            wrong.body
        );
        let recorded = dues("2026-12").await;
        recorded.assert_status(303);
        assert!(admin
            .get(recorded.location().unwrap())
            .await
            .body
            .contains("Cash dues recorded."));

        // Ana shares her link; Nina follows it and joins.
        let link = format!("/c/sitters?ref={ana_id}");
        assert!(ana
            .get("/c/sitters")
            .await
            .body
            .contains(&link.replace('&', "&amp;")));
        crate::fixtures::api_person(&server, "Nina Newcomer").await;
        let nina = page_client(&server, "Nina Newcomer").await;
        let invited = nina.get(&link).await;
        assert!(invited
            .body
            .contains(&format!(r#"name="ref" value="{ana_id}""#)));
        nina.post_form(
            "/c/sitters/join",
            &[("class", "worker"), ("ref", ana_text.as_str())],
        )
        .await
        .assert_status(303);

        // The co-op sees who invited whom; Ana got her bonus, once.
        let accounts = admin.get("/c/sitters/ledger/accounts").await;
        assert!(
            accounts
                .body
                .contains("Ana Parent → Nina Newcomer (bonus paid)"),
            "{}",
            accounts.body
        );
        let balances = ana_api.get("/api/v1/coops/sitters/balances").await.json();
        assert_eq!(balances[0]["balance"], 2);
        // Leaving and joining again does not pay twice.
        nina.post_form("/c/sitters/leave", &[])
            .await
            .assert_status(303);
        nina.post_form(
            "/c/sitters/join",
            &[("class", "worker"), ("ref", ana_text.as_str())],
        )
        .await
        .assert_status(303);
        let balances = ana_api.get("/api/v1/coops/sitters/balances").await.json();
        assert_eq!(balances[0]["balance"], 2);
    }
}
