//! The catalogue's pages over HTTP, on both backends: listing goods and
//! refusing a file of the wrong type with its reason, buying goods, and
//! the seller marking the order sent (and nobody else).

use coopkit_testkit::{each_backend, Backend, Client, Part, TestServer};

const PASSWORD: &str = coopkit_app::demo::DEMO_PASSWORD;

/// A small PNG, as a seller's photo of their goods.
pub(crate) fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 32, 24);
    encoder.set_color(png::ColorType::Rgb);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[120u8; 32 * 24 * 3]).unwrap();
    writer.finish().unwrap();
    bytes
}

pub(crate) async fn logged_in(server: &TestServer, email: &str) -> Client {
    let client = server.client();
    client.log_in(email, PASSWORD).await.assert_status(303);
    client
}

/// The `data-order` of the first row of the table with this id.
fn first_order(body: &str, table: &str) -> String {
    let table = &body[body.find(&format!("id=\"{table}\"")).expect(table)..];
    let at = table.find("data-order=\"").expect("an order row") + "data-order=\"".len();
    table[at..].split('"').next().unwrap().to_owned()
}

each_backend! {
    async fn goods_are_listed_bought_and_sent_by_their_seller_alone(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let kwame = logged_in(&server, "kwame@lenscommons.example").await;
        let rosa = logged_in(&server, "rosa@brighthomes.example").await;
        kwame
            .get("/c/lens-commons/catalogue/new")
            .await
            .assert_status(200);

        let fields = [
            ("kind", "good"),
            ("title", "Photo book"),
            ("tags", "books"),
            ("price", "4.50"),
            ("stock", "3"),
        ];
        let wrong = kwame
            .post_upload(
                "/c/lens-commons/catalogue/items",
                &fields,
                ("file", "book.png", b"<html></html>"),
            )
            .await;
        wrong.assert_status(422);
        assert!(
            wrong
                .body
                .contains("This kind of item does not take files of this type."),
            "{backend:?}: {}",
            wrong.body
        );
        assert!(
            wrong.body.contains("value=\"Photo book\""),
            "what was typed is kept"
        );

        let listed = kwame
            .post_upload(
                "/c/lens-commons/catalogue/items",
                &fields,
                ("file", "book.png", &png()),
            )
            .await;
        listed.assert_status(303);
        let item = listed.location().unwrap().to_owned();
        let page = rosa.get(&item).await;
        page.assert_status(200);
        // Rosa reads Spanish: the price in her notation.
        assert!(page.body.contains("4,50 LCR"), "{}", page.body);
        rosa.get(&format!("{item}/preview"))
            .await
            .assert_status(200);

        // Asking for two shows the price and her balance before and after,
        // and pays nothing; its button pays. Seen in the demo: a licence
        // was bought in one click, with no word of its price.
        let confirm = rosa.get(&format!("{item}/buy?quantity=2")).await;
        confirm.assert_status(200);
        assert!(
            confirm.body.contains("9,00 Lens credit")
                && confirm.body.contains("100,00 Lens credit ahora, 91,00 Lens credit después de pagar"),
            "{}",
            confirm.body
        );
        assert_eq!(rosa.get("/c/lens-commons/orders").await.body.matches("data-order=").count(), 0);
        // More than she can spend: the page says so and offers no payment.
        let short = rosa.get(&format!("{item}/buy?quantity=1000")).await;
        short.assert_status(200);
        assert!(
            short.body.contains("Cuesta más de lo que puedes gastar ahora (100,00 Lens credit)")
                && !short.body.contains(r#"id="buy-confirm""#),
            "{}",
            short.body
        );
        assert!(confirm.body.contains(r#"id="buy-confirm""#));
        let too_many = rosa.get(&format!("{item}/buy?quantity=5000")).await;
        too_many.assert_status(422);
        assert!(too_many.body.contains("Pida entre 1 y 1000"), "{}", too_many.body);
        let key = confirm
            .body
            .split(r#"name="key" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        rosa.post_form(&format!("{item}/buy"), &[("key", &key), ("quantity", "2")])
            .await
            .assert_status(303);
        let to_send = kwame.get("/c/lens-commons/orders").await;
        let order = first_order(&to_send.body, "orders-to-send");
        let sent = format!("/c/lens-commons/orders/{order}/sent");
        rosa.post_form(&sent, &[]).await.assert_status(403);
        kwame.post_form(&sent, &[]).await.assert_status(303);
        let mine = rosa.get("/c/lens-commons/orders").await;
        assert_eq!(first_order(&mine.body, "orders"), order);
        assert!(mine.body.contains("Enviado"), "{backend:?}: {}", mine.body);
        let left = kwame.get(&item).await;
        assert!(left.body.contains("4.50 LCR · one left"), "{}", left.body);
    }
}

each_backend! {
    /// A bad rate or price used to answer with the error page, and the
    /// form was lost; now the form comes back as typed, with the reason
    /// under the field, and nothing is changed.
    async fn a_bad_rate_or_price_comes_back_on_the_form_with_its_reason(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let kwame = logged_in(&server, "kwame@lenscommons.example").await;
        let settings = [
            ("currency", "LCR"),
            ("licence_rate", "150"),
            ("play_rate", "70"),
            ("goods_rate", "90"),
            ("fund_return_cap", "5"),
        ];
        let bad = kwame
            .post_form("/c/lens-commons/catalogue/settings", &settings)
            .await;
        bad.assert_status(422);
        assert!(bad.body.contains("A part is at most 100%."), "{backend:?}: {}", bad.body);
        assert!(bad.body.contains(r#"id="licence_rate" name="licence_rate" type="text" value="150""#));
        assert!(bad.body.contains(r#"aria-describedby="licence_rate-error""#));

        let licence = [
            ("kind", "photo"),
            ("name", "poster"),
            ("price", "twelve"),
            ("terms", "Posters up to A2"),
        ];
        let bad = kwame
            .post_form("/c/lens-commons/catalogue/licences", &licence)
            .await;
        bad.assert_status(422);
        assert!(bad.body.contains(r#"value="poster""#), "{backend:?}");
        assert!(bad.body.contains("Posters up to A2"));
        assert!(bad.body.contains(r#"id="price-error""#));
        // Nothing was kept: the photo licences are the demo's two.
        let item = kwame.get("/c/lens-commons/catalogue").await;
        item.assert_status(200);
        assert!(!item.body.contains("poster"));
    }
}

each_backend! {
    /// The fund's forms used to come back empty after a refusal.
    async fn a_refused_project_comes_back_as_typed(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let mae = logged_in(&server, "mae@harboursound.example").await;
        let fields = [
            ("title", "Recording day"),
            ("description", "A day in the studio for the choir"),
            ("budget", "lots"),
            ("closes_on", "2026-12-24"),
        ];
        let bad = mae.post_form("/c/harbour-sound/fund/projects", &fields).await;
        bad.assert_status(422);
        assert!(bad.body.contains(r#"value="Recording day""#), "{backend:?}: {}", bad.body);
        assert!(bad.body.contains("A day in the studio for the choir"));
        assert!(bad.body.contains(r#"id="budget-error""#));
        assert!(bad.body.contains(r#"value="2026-12-24""#));
    }
}

/// The sizes of the files a data directory's file store keeps (not those
/// being staged).
fn kept_sizes(files: &std::path::Path) -> Vec<u64> {
    let mut sizes = Vec::new();
    for dir in std::fs::read_dir(files).unwrap() {
        let dir = dir.unwrap();
        if dir.file_name() == "incoming" || !dir.file_type().unwrap().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path()).unwrap() {
            sizes.push(file.unwrap().metadata().unwrap().len());
        }
    }
    sizes.sort_unstable();
    sizes
}

fn staged(files: &std::path::Path) -> usize {
    std::fs::read_dir(files.join("incoming")).map_or(0, |dir| dir.count())
}

each_backend! {
    /// Uploads used to be read whole into memory, under a 64 MiB limit: a
    /// long recording could not be listed, and each upload cost its size
    /// in memory. Files now stream to a staging directory, and what is
    /// not kept is removed from it.
    async fn a_long_track_streams_in_and_what_is_refused_leaves_nothing(backend: Backend) {
        let files = tempfile::tempdir().unwrap();
        let config = coopkit_app::AppConfig {
            files_dir: files.path().to_owned(),
            ..coopkit_app::AppConfig::default()
        };
        let server = TestServer::spawn_with(backend, config).await;
        server.app.load_demo().await.unwrap();
        let mae = logged_in(&server, "mae@harboursound.example").await;
        let new = "/c/harbour-sound/catalogue/new";
        let create = "/c/harbour-sound/catalogue/items";
        mae.get(new).await.assert_status(200);
        let mut track = b"ID3\x04\0\0\0\0\0\0".to_vec();
        track.resize(80 << 20, 7);
        let fields = [("kind", "track"), ("title", "The long tide")];
        mae.post_upload(create, &fields, ("file", "tide.mp3", &track))
            .await
            .assert_status(303);
        let kept = kept_sizes(files.path());
        assert!(kept.contains(&(80 << 20)), "{backend:?}: {kept:?}");
        assert_eq!(staged(files.path()), 0, "the staged upload was moved or removed");

        mae.get(new).await.assert_status(200);
        mae.post_upload(create, &fields, ("file", "tide.mp3", b"<html></html>"))
            .await
            .assert_status(422);
        assert_eq!(kept_sizes(files.path()), kept, "a refused upload keeps nothing");
        assert_eq!(staged(files.path()), 0);

        // A token after the file is no token: nothing is staged for it.
        mae.get(new).await.assert_status(200);
        let csrf = mae.form_token().unwrap();
        let forged = [
            Part::file("file", "tide.mp3", &track[..4096]),
            Part::field("csrf", &csrf),
            Part::field("kind", "track"),
            Part::field("title", "Late token"),
        ];
        mae.post_multipart_raw(create, &forged).await.assert_status(403);
        assert_eq!(kept_sizes(files.path()), kept);
        assert_eq!(staged(files.path()), 0);
    }
}
