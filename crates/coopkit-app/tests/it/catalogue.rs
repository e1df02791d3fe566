//! A photo and music co-op's catalogue on both backends: listing works
//! with shares, buying a licence paid as linked transfers, downloading by
//! signed expiring link, goods with stock, plays until owned, and the
//! creators' earnings.

use std::io::Cursor;
use std::sync::Arc;

use coopkit_app::catalogue::{
    CatalogueQuery, CatalogueSetup, FundView, ItemForm, LicenceForm, OrderForm, ProjectForm,
    Upload, INVESTOR_CLASS,
};
use coopkit_app::governance::VoteForm;
use coopkit_app::ledger::TransferForm;
use coopkit_app::{App, AppConfig, AppError};
use coopkit_domain::coop::NewCoop;
use coopkit_domain::Subject;
use coopkit_domain::{
    ClassKey, CoopId, CoopName, CoopSettings, ManualClock, MemberClassSpec, MembershipStatus,
    PersonId, Slug, Timestamp,
};
use coopkit_ledger::{Applied, CurrencyCode, TransferId};
use coopkit_market::OrderState;
use coopkit_store::{Currency, CurrencyKind, Person, Store};
use coopkit_testkit::{each_backend, story, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 80]));
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// A file as a form sends it, staged by the app.
pub(crate) async fn file(app: &App, name: &str, bytes: &[u8]) -> Option<Upload> {
    Some(app.upload(name, bytes).await.unwrap())
}

pub(crate) async fn photo(app: &App, title: &str, creators: Vec<(PersonId, u32)>) -> ItemForm {
    ItemForm {
        kind: "photo".into(),
        title: title.into(),
        description: "Morning light over the allotments".into(),
        tags: "Light, allotments  garden".into(),
        file: file(app, "C:\\photos\\allotments.png", &png(900, 600)).await,
        preview: None,
        creators,
        price: None,
        stock: None,
    }
}

/// A credit in hundredths that nobody may overdraw, and a catalogue paid
/// in it: half of a licence and 70% of a play to the creators, 90% of goods
/// to the seller, investors' returns capped at 10% of their capital.
async fn open_catalogue(app: &App, store: &Store, admin: &Person, coop: CoopId, slug: &str) {
    store
        .create_currency(
            coop,
            &Currency {
                code: CurrencyCode::parse("CRD").unwrap(),
                name: "Credit".into(),
                kind: CurrencyKind::Money,
                scale: 2,
                default_debit_limit: Some(0),
                default_balance_cap: None,
                policy: Default::default(),
            },
            None,
            coopkit_domain::Timestamp(0),
        )
        .await
        .unwrap();
    app.set_up_catalogue(
        admin,
        slug,
        CatalogueSetup {
            currency: "CRD".into(),
            licence_rate_bp: 5_000,
            play_rate_bp: 7_000,
            goods_rate_bp: 9_000,
            fund_return_cap_bp: 1_000,
        },
    )
    .await
    .unwrap();
}

pub(crate) struct Shop {
    pub(crate) app: App,
    pub(crate) clock: ManualClock,
    admin: Person,
    pub(crate) ana: Person,
    pub(crate) bo: Person,
    buyer: Person,
    pub(crate) files: tempfile::TempDir,
}

pub(crate) async fn shop(db: &TestDb) -> Shop {
    let store = db.store.clone();
    let [admin, ana, bo, buyer] = [
        person(&store, "admin").await,
        person(&store, "ana").await,
        person(&store, "bo").await,
        person(&store, "buyer").await,
    ];
    let coop = coop_with(
        &store,
        "lens",
        CoopSettings::default(),
        admin,
        &[ana, bo, buyer],
    )
    .await;
    let files = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(TEST_START);
    let config = AppConfig {
        files_dir: files.path().to_owned(),
        ..AppConfig::default()
    };
    let app = App::new(store.clone(), Arc::new(clock.clone()), config);
    let admin = load(&store, admin).await;
    open_catalogue(&app, &store, &admin, coop, "lens").await;
    app.set_licence(
        &admin,
        "lens",
        LicenceForm {
            kind: "photo".into(),
            name: "standard".into(),
            price: 1_001,
            terms: "Web and print up to 10,000 copies.".into(),
        },
    )
    .await
    .unwrap();
    Shop {
        app,
        clock,
        admin,
        ana: load(&store, ana).await,
        bo: load(&store, bo).await,
        buyer: load(&store, buyer).await,
        files,
    }
}

impl Shop {
    async fn credit(&self, to: &Person, amount: u64, id: u128) {
        let issue = TransferForm {
            id: TransferId(id),
            currency: "CRD".into(),
            to: to.id,
            amount,
            from_issuance: true,
            hold: None,
            linked: false,
            memo: String::new(),
            cause: "credits bought".into(),
        };
        let done = self
            .app
            .transfer(&self.admin, "lens", vec![issue])
            .await
            .unwrap();
        assert_eq!(done, vec![Ok(Applied::New)]);
    }

    async fn balance(&self, who: &Person) -> i128 {
        self.app
            .my_holdings(who, "lens")
            .await
            .unwrap()
            .iter()
            .find(|h| h.currency.code.as_str() == "CRD")
            .map_or(0, |h| h.view.balances.balance())
    }
}

pub(crate) fn field_code(error: AppError) -> (String, &'static str) {
    match error {
        AppError::Invalid(invalid) => (invalid.0[0].field.clone(), invalid.0[0].code),
        AppError::Conflict { field, code } => (field.to_owned(), code),
        AppError::Forbidden(code) => ("forbidden".to_owned(), code),
        other => panic!("{other:?}"),
    }
}

each_backend! {
    async fn a_photo_licence_is_bought_whole_and_downloaded_by_its_buyer_alone(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = shop(&db).await;
        let shares = vec![(s.ana.id, 6_000), (s.bo.id, 4_000)];

        // Bad uploads are refused with the field and the reason.
        let mut html = photo(&s.app, "Allotments", shares.clone()).await;
        html.file = file(&s.app, "a.png", b"<html>not a photo</html>").await;
        let refused = s.app.add_item(&s.ana, "lens", html).await.unwrap_err();
        assert_eq!(
            field_code(refused),
            ("file".into(), "file-type-wrong"),
            "{backend:?}"
        );
        let mut huge = photo(&s.app, "Allotments", shares.clone()).await;
        let mut bytes = png(900, 600);
        bytes.resize(26 * 1024 * 1024, 0);
        huge.file = file(&s.app, "huge.png", &bytes).await;
        let refused = s.app.add_item(&s.ana, "lens", huge).await.unwrap_err();
        assert_eq!(field_code(refused), ("file".into(), "file-too-large"));
        let short = photo(&s.app, "Allotments", vec![(s.ana.id, 6_000), (s.bo.id, 3_000)]).await;
        let refused = s.app.add_item(&s.ana, "lens", short).await.unwrap_err();
        assert_eq!(field_code(refused), ("creators".into(), "shares-not-whole"));
        let not_mine = photo(&s.app, "Allotments", vec![(s.bo.id, 10_000)]).await;
        let refused = s.app.add_item(&s.ana, "lens", not_mine).await.unwrap_err();
        assert_eq!(
            field_code(refused),
            ("creators".into(), "lister-not-creator")
        );

        let id = s
            .app
            .add_item(&s.ana, "lens", photo(&s.app, "Allotments", shares).await)
            .await
            .unwrap();
        let view = s.app.item(None, "lens", id).await.unwrap();
        let item = &view.listing.item;
        assert_eq!(item.item.tags, vec!["allotments", "garden", "light"]);
        assert_eq!(item.item.file.name, "allotments.png");
        assert_eq!(item.creator_names, vec!["ana", "bo"]);
        let preview = s.app.item_preview("lens", id).await.unwrap();
        let thumb = image::load_from_memory(&preview.bytes).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (480, 320), "{backend:?}");

        // Without credit the order is refused, and nothing is paid.
        let order = |key: &str| OrderForm {
            key: key.into(),
            item: id,
            licence: "standard".into(),
            quantity: 1,
        };
        let refused = s.app.buy(&s.buyer, "lens", order("k1")).await.unwrap_err();
        assert_eq!(field_code(refused), ("credit".into(), "not-enough-credit"));
        let orders = s.app.my_orders(&s.buyer, "lens").await.unwrap();
        assert_eq!(orders[0].order.state, OrderState::Refused);
        assert_eq!(s.balance(&s.ana).await, 0);

        s.credit(&s.buyer, 5_000, 1).await;
        let paid = s.app.buy(&s.buyer, "lens", order("k2")).await.unwrap();
        assert_eq!(paid.state, OrderState::Paid);
        let again = s.app.buy(&s.buyer, "lens", order("k2")).await.unwrap();
        assert_eq!(again.id, paid.id, "the same form is one order");
        // 1,001 at 50%: the creators 501 (a half goes to them), 301 and
        // 200 by largest remainder; the co-op 500.
        assert_eq!(s.balance(&s.buyer).await, 5_000 - 1_001, "{backend:?}");
        assert_eq!(s.balance(&s.ana).await, 301);
        assert_eq!(s.balance(&s.bo).await, 200);
        let earnings = s.app.my_earnings(&s.ana, "lens").await.unwrap();
        assert_eq!(
            (earnings[0].item, earnings[0].sales, earnings[0].plays),
            (id, 301, 0)
        );
        // At year end the sale counts as patronage: the creators' by share
        // of what was paid, the buyer's as a purchase.
        let coop = db.store.coop_by_slug("lens").await.unwrap().unwrap().id;
        let year = db
            .store
            .booked_patronage(
                coop,
                TEST_START,
                Timestamp(TEST_START.as_millis() + 1),
                "CRD",
            )
            .await
            .unwrap();
        let of = |p: &Person| {
            year.iter()
                .find(|b| b.person == p.id)
                .map(|b| (b.sales, b.purchases))
        };
        assert_eq!(
            (of(&s.ana), of(&s.bo), of(&s.buyer)),
            (Some((600, 0)), Some((400, 0)), Some((0, 1_001))),
            "{backend:?}"
        );

        let (expires, sig) = s
            .app
            .download_link(&s.buyer, "lens", paid.id)
            .await
            .unwrap();
        let file = s
            .app
            .download(&s.buyer, "lens", paid.id, expires, &sig)
            .await
            .unwrap();
        assert_eq!(file.bytes, png(900, 600));
        assert_eq!(file.content_type, "image/png");
        let theirs = s.app.download(&s.ana, "lens", paid.id, expires, &sig).await;
        assert_eq!(
            field_code(theirs.unwrap_err()),
            ("forbidden".into(), "not-your-order")
        );
        let forged = s
            .app
            .download(&s.buyer, "lens", paid.id, expires + 1, &sig)
            .await;
        assert_eq!(
            field_code(forged.unwrap_err()),
            ("forbidden".into(), "link-invalid")
        );
        let link_for_other = s.app.download_link(&s.ana, "lens", paid.id).await;
        assert_eq!(
            field_code(link_for_other.unwrap_err()),
            ("forbidden".into(), "not-your-order")
        );
        s.clock.advance_ms(61 * 60 * 1000);
        let late = s
            .app
            .download(&s.buyer, "lens", paid.id, expires, &sig)
            .await;
        assert_eq!(
            field_code(late.unwrap_err()),
            ("forbidden".into(), "link-expired")
        );

        // Each order's steps are in the log once: the form sent twice
        // placed one order.
        let orders = s.app.my_orders(&s.buyer, "lens").await.unwrap();
        let (paid_id, refused_id) = (orders[0].order.id, orders[1].order.id);
        assert_eq!(
            order_story(&db, paid_id).await,
            [
                ("order.placed", Some(s.buyer.id)),
                ("order.paid", Some(s.buyer.id))
            ],
            "{backend:?}"
        );
        assert_eq!(
            order_story(&db, refused_id).await,
            [
                ("order.placed", Some(s.buyer.id)),
                ("order.refused", Some(s.buyer.id))
            ],
            "{backend:?}"
        );
    }
}

/// What the log says happened to one order of Lens Commons.
async fn order_story(
    db: &TestDb,
    order: coopkit_domain::OrderId,
) -> Vec<(&'static str, Option<PersonId>)> {
    story(&db.store, "lens", Subject::Order(order)).await
}

each_backend! {
    async fn goods_leave_stock_only_when_paid_and_badges_filter_the_catalogue(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = shop(&db).await;
        let good = async |title: &str, seller: &Person, stock: u64| ItemForm {
            kind: "good".into(),
            title: title.into(),
            description: String::new(),
            tags: "coffee".into(),
            file: file(&s.app, "bag.png", &png(60, 80)).await,
            preview: None,
            creators: vec![(seller.id, 10_000)],
            price: Some(450),
            stock: Some(stock),
        };
        let beans = s
            .app
            .add_item(&s.ana, "lens", good("Beans", &s.ana, 2).await)
            .await
            .unwrap();
        s.app
            .add_item(&s.bo, "lens", good("Ground", &s.bo, 5).await)
            .await
            .unwrap();
        s.app
            .set_seller_badge(&s.admin, "lens", s.ana.id, "fair-trade", true)
            .await
            .unwrap();
        let refused = s
            .app
            .set_seller_badge(&s.ana, "lens", s.ana.id, "featured", true)
            .await
            .unwrap_err();
        assert_eq!(
            field_code(refused),
            ("forbidden".into(), "coordinators-only")
        );
        // Listing and the catalogue's settings are in the log, each by
        // whoever did it; the refused badge is not.
        assert_eq!(
            story(&db.store, "lens", Subject::Item(beans)).await,
            [("item.listed", Some(s.ana.id))],
            "{backend:?}"
        );
        let coop = db.store.coop_by_slug("lens").await.unwrap().unwrap().id;
        let settings: Vec<_> = db
            .store
            .events(coop, coopkit_domain::EventSeq(0), 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.happened.event {
                coopkit_domain::Event::SettingsChanged { part, .. } => {
                    Some((part, e.happened.actor))
                }
                _ => None,
            })
            .collect();
        use coopkit_domain::SettingsPart::{Badge, Catalogue, Licence};
        assert!(settings.starts_with(&[(Catalogue, Some(s.admin.id))]), "{settings:?}");
        assert_eq!(
            settings.iter().filter(|(part, _)| *part == Licence).count(),
            settings.len() - 2,
            "licences between the set-up and the one badge given: {settings:?}"
        );
        assert_eq!(settings.last(), Some(&(Badge, Some(s.admin.id))), "{backend:?}");

        let all = s
            .app
            .catalogue("lens", &CatalogueQuery::default())
            .await
            .unwrap();
        assert_eq!(all.listings.len(), 2);
        assert_eq!(all.badges, vec![("fair-trade".to_owned(), 1)]);
        let fair = CatalogueQuery {
            badge: Some("fair-trade".into()),
            ..CatalogueQuery::default()
        };
        let fair = s.app.catalogue("lens", &fair).await.unwrap();
        let titles: Vec<&str> = fair
            .listings
            .iter()
            .map(|l| l.item.item.title.as_str())
            .collect();
        assert_eq!(titles, vec!["Beans"], "{backend:?}");
        assert_eq!(fair.kinds, vec![("good".to_owned(), 1)]);

        let buy = |key: &str, quantity: u64| OrderForm {
            key: key.into(),
            item: beans,
            licence: String::new(),
            quantity,
        };
        // Refused for credit: the two bags go back on the shelf.
        let refused = s.app.buy(&s.buyer, "lens", buy("a", 2)).await.unwrap_err();
        assert_eq!(field_code(refused), ("credit".into(), "not-enough-credit"));
        let stock = |app: &App| {
            let app = app.clone();
            async move {
                app.item(None, "lens", beans)
                    .await
                    .unwrap()
                    .listing
                    .item
                    .item
                    .stock
            }
        };
        assert_eq!(stock(&s.app).await, Some(2), "{backend:?}");
        s.credit(&s.buyer, 2_000, 2).await;
        let paid = s.app.buy(&s.buyer, "lens", buy("b", 2)).await.unwrap();
        assert_eq!((paid.state.as_str(), paid.order.amount), ("paid", 900));
        assert_eq!(stock(&s.app).await, Some(0));
        // 90% to the seller, 10% to the co-op.
        assert_eq!(s.balance(&s.ana).await, 810);
        let gone = s.app.buy(&s.buyer, "lens", buy("c", 1)).await.unwrap_err();
        assert_eq!(field_code(gone), ("quantity".into(), "out-of-stock"));
        let nothing = s
            .app
            .download_link(&s.buyer, "lens", paid.id)
            .await
            .unwrap_err();
        assert_eq!(field_code(nothing), ("order".into(), "nothing-to-download"));

        // The seller sees the order to send, and only she may say it went.
        let to_send = s.app.orders_to_send(&s.ana, "lens").await.unwrap();
        assert_eq!(
            to_send.iter().map(|o| o.order.id).collect::<Vec<_>>(),
            vec![paid.id]
        );
        assert!(s
            .app
            .orders_to_send(&s.bo, "lens")
            .await
            .unwrap()
            .is_empty());
        let not_hers = s.app.mark_sent(&s.bo, "lens", paid.id).await.unwrap_err();
        assert_eq!(field_code(not_hers), ("forbidden".into(), "not-your-sale"));
        s.app.mark_sent(&s.ana, "lens", paid.id).await.unwrap();
        s.app.mark_sent(&s.ana, "lens", paid.id).await.unwrap();
        let mine = s.app.my_orders(&s.buyer, "lens").await.unwrap();
        let states: Vec<&str> = mine.iter().map(|o| o.order.state.as_str()).collect();
        assert_eq!(states, vec!["sent", "refused"], "{backend:?}");
        // Marked sent twice, sent once: by its seller.
        let kinds: Vec<_> = order_story(&db, paid.id).await;
        assert_eq!(
            kinds,
            [
                ("order.placed", Some(s.buyer.id)),
                ("order.paid", Some(s.buyer.id)),
                ("order.sent", Some(s.ana.id)),
            ],
            "{backend:?}"
        );
    }
}

each_backend! {
    async fn a_track_is_played_until_owned_and_its_creators_see_the_plays(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = shop(&db).await;
        let mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00a song".to_vec();
        let track = ItemForm {
            kind: "track".into(),
            title: "Harbour Song".into(),
            description: String::new(),
            tags: "folk".into(),
            file: file(&s.app, "harbour.mp3", &mp3).await,
            preview: file(&s.app, "harbour-clip.mp3", &mp3).await,
            creators: vec![(s.bo.id, 10_000)],
            price: None,
            stock: None,
        };
        let id = s.app.add_item(&s.bo, "lens", track).await.unwrap();
        let broke = s.app.play(&s.buyer, "lens", id, "p0").await.unwrap_err();
        assert_eq!(field_code(broke), ("credit".into(), "not-enough-credit"));
        s.credit(&s.buyer, 2_000, 3).await;
        let mut standing = None;
        for n in 0..11 {
            let key = format!("p{n}");
            standing = Some(s.app.play(&s.buyer, "lens", id, &key).await.unwrap());
            // A reload of the page sends the same play again.
            assert_eq!(
                s.app.play(&s.buyer, "lens", id, &key).await.unwrap(),
                standing.unwrap()
            );
        }
        let standing = standing.unwrap();
        assert!(
            standing.owned && standing.left_to_own == 0,
            "{backend:?}: {standing:?}"
        );
        assert_eq!(s.balance(&s.buyer).await, 2_000 - 1_022);
        let shown = s.app.item(Some(&s.buyer), "lens", id).await.unwrap();
        assert_eq!(shown.standing, Some(standing));
        let earnings = s.app.my_earnings(&s.bo, "lens").await.unwrap();
        assert_eq!(
            (earnings[0].plays, earnings[0].sales),
            (715, 0),
            "{backend:?}"
        );
        assert_eq!(s.balance(&s.bo).await, 715);
    }
}

each_backend! {
    async fn the_members_fund_a_project_by_vote_and_the_fund_pays_it_when_it_can(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = shop(&db).await;
        s.credit(&s.ana, 3_000, 4).await;
        s.credit(&s.buyer, 3_000, 5).await;
        s.app.pledge(&s.ana, "lens", 2_000, "p1").await.unwrap();
        s.app.pledge(&s.ana, "lens", 2_000, "p1").await.unwrap();
        let broke = s.app.pledge(&s.bo, "lens", 1, "p2").await.unwrap_err();
        assert_eq!(field_code(broke), ("credit".into(), "not-enough-credit"));
        let fund = s.app.fund(&s.ana, "lens").await.unwrap();
        assert_eq!(
            fund.balance, 2_000,
            "{backend:?}: a pledge sent twice counts once"
        );

        let week = TEST_START.plus_millis(7 * 24 * 3_600_000);
        let project = |title: &str, budget: u64| ProjectForm {
            title: title.into(),
            description: "A photo essay on the co-op's bakeries.".into(),
            budget,
            closes_at: week,
        };
        let (essay, essay_vote) = s
            .app
            .propose_project(&s.bo, "lens", project("Bakeries essay", 2_500))
            .await
            .unwrap();
        let (_, idle_vote) = s
            .app
            .propose_project(&s.bo, "lens", project("Idle idea", 100))
            .await
            .unwrap();
        let vote = |choice: &str| VoteForm {
            choice: choice.into(),
            ranking: Vec::new(),
            reason: String::new(),
        };
        for member in [&s.ana, &s.bo, &s.buyer] {
            s.app
                .vote(member, "lens", essay_vote, vote("yes"))
                .await
                .unwrap();
            s.app
                .vote(member, "lens", idle_vote, vote("no"))
                .await
                .unwrap();
        }
        s.clock.advance_ms(8 * 24 * 3_600_000);

        // Approved, but the fund holds 20.00 of the 25.00 asked: it waits.
        let state = |fund: &FundView, id: coopkit_domain::ProjectId| {
            fund.projects
                .iter()
                .find(|p| p.id == id)
                .unwrap()
                .state
                .as_str()
        };
        let fund = s.app.fund(&s.ana, "lens").await.unwrap();
        assert_eq!(state(&fund, essay), "approved", "{backend:?}");
        assert!(fund.projects.iter().any(|p| p.state.as_str() == "rejected"));
        assert_eq!(s.balance(&s.bo).await, 0);

        // The minute's tick pays it once the fund can, with nobody looking.
        s.app.pledge(&s.buyer, "lens", 500, "p3").await.unwrap();
        assert_eq!(s.app.governance_tick().await.unwrap(), 1, "{backend:?}");
        assert_eq!(s.balance(&s.bo).await, 2_500, "{backend:?}");
        assert_eq!(s.app.governance_tick().await.unwrap(), 0, "{backend:?}");
        let fund = s.app.fund(&s.ana, "lens").await.unwrap();
        assert_eq!(state(&fund, essay), "funded", "{backend:?}");
        assert_eq!(fund.balance, 0);
        assert_eq!(s.balance(&s.bo).await, 2_500, "paid once, from the fund");
        let again = s.app.fund(&s.bo, "lens").await.unwrap();
        assert_eq!(again.balance, 0);
        assert_eq!(s.balance(&s.bo).await, 2_500);
        // Proposed, approved, then funded once; the clock decides, so the
        // steps after the proposal name nobody.
        assert_eq!(
            story(&db.store, "lens", Subject::Project(essay)).await,
            [
                ("project.proposed", Some(s.bo.id)),
                ("project.approved", None),
                ("project.funded", None),
            ],
            "{backend:?}"
        );
    }
}

each_backend! {
    async fn investors_returns_are_capped_by_the_bylaws_and_paid_once_a_year(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let [founder, ivy, ian, sue] = [
            person(&store, "founder").await,
            person(&store, "ivy").await,
            person(&store, "ian").await,
            person(&store, "sue").await,
        ];
        let class = |key: &str| MemberClassSpec {
            key: ClassKey::parse(key).unwrap(),
            name: key.into(),
            description: String::new(),
            open_to_join: true,
            requires_approval: false,
        };
        let coop = store
            .create_coop(
                &NewCoop {
                    slug: Slug::parse("films").unwrap(),
                    name: CoopName::parse("Films").unwrap(),
                    description: String::new(),
                    profile: String::new(),
                    settings: CoopSettings::default(),
                    classes: vec![class("supporter"), class("investor")],
                },
                founder,
                &ClassKey::parse("supporter").unwrap(),
                None,
                TEST_START,
            )
            .await
            .unwrap();
        let classes = store.member_classes(coop.id).await.unwrap();
        let class_id = |key: &str| {
            classes
                .iter()
                .find(|c| c.spec.key.as_str() == key)
                .unwrap()
                .id
        };
        for (who, key) in [
            (ivy, INVESTOR_CLASS),
            (ian, INVESTOR_CLASS),
            (sue, "supporter"),
        ] {
            store
                .apply_for_membership(
                    coop.id,
                    who,
                    class_id(key),
                    MembershipStatus::Active,
                    TEST_START,
                )
                .await
                .unwrap();
        }
        let app = App::new(
            store.clone(),
            Arc::new(ManualClock::at(TEST_START)),
            AppConfig::default(),
        );
        let founder = load(&store, founder).await;
        open_catalogue(&app, &db.store, &founder, coop.id, "films").await;
        let (ivy, ian, sue) = (
            load(&store, ivy).await,
            load(&store, ian).await,
            load(&store, sue).await,
        );
        for (n, (who, amount)) in [(&ivy, 10_000), (&ian, 1_000), (&sue, 5_000)]
            .into_iter()
            .enumerate()
        {
            let issue = TransferForm {
                id: TransferId(100 + n as u128),
                currency: "CRD".into(),
                to: who.id,
                amount,
                from_issuance: true,
                hold: None,
                linked: false,
                memo: String::new(),
                cause: String::new(),
            };
            app.transfer(&founder, "films", vec![issue]).await.unwrap();
            app.pledge(who, "films", amount, "all-in").await.unwrap();
        }

        // A pool of 20.00: the caps (10% of 100.00 and of 10.00) pay 10.00
        // and 1.00; the supporter's pledge earns nothing; 9.00 stays.
        let paid = app
            .pay_fund_returns(&founder, "films", "2026", 2_000)
            .await
            .unwrap();
        let by = |p: &Person| {
            paid.iter()
                .find(|r| r.investor == p.id)
                .map(|r| (r.capital, r.paid))
        };
        assert_eq!(
            (by(&ivy), by(&ian), by(&sue)),
            (Some((10_000, 1_000)), Some((1_000, 100)), None),
            "{backend:?}"
        );
        let again = app
            .pay_fund_returns(&founder, "films", "2026", 2_000)
            .await
            .unwrap();
        assert_eq!(again, paid);
        let fund = app.fund(&founder, "films").await.unwrap();
        assert_eq!(
            fund.balance,
            16_000 - 1_100,
            "{backend:?}: a year is paid once"
        );
        let refused = app
            .pay_fund_returns(&ivy, "films", "2027", 100)
            .await
            .unwrap_err();
        assert_eq!(
            field_code(refused),
            ("forbidden".into(), "coordinators-only")
        );
    }
}
