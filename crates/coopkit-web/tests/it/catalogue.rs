//! The catalogue's pages over HTTP, on both backends: listing goods and
//! refusing a file of the wrong type with its reason, buying goods, and
//! the seller marking the order sent (and nobody else).

use coopkit_testkit::{each_backend, Backend, Client, TestServer};

const PASSWORD: &str = coopkit_app::demo::DEMO_PASSWORD;

/// A small PNG, as a seller's photo of their goods.
fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 32, 24);
    encoder.set_color(png::ColorType::Rgb);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[120u8; 32 * 24 * 3]).unwrap();
    writer.finish().unwrap();
    bytes
}

async fn logged_in(server: &TestServer, email: &str) -> Client {
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
        assert!(page.body.contains("4.50 LCR"), "{}", page.body);
        rosa.get(&format!("{item}/preview"))
            .await
            .assert_status(200);

        rosa.post_form(&format!("{item}/buy"), &[("key", "k1"), ("quantity", "2")])
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
