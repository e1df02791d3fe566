//! Listening to a track over HTTP, on both backends: a play gives the
//! listener a signed, short-lived link to the whole track, served in the
//! ranges a player asks for; the play is one statement line named by the
//! track. Seen in the demo before: "Play" charged and reloaded the page,
//! but only a 0.8-second preview ever played, and nine plays left 27
//! statement lines with an empty "What for".

use coopkit_testkit::{each_backend, Backend, Client, TestServer};

const PASSWORD: &str = coopkit_app::demo::DEMO_PASSWORD;

async fn logged_in(server: &TestServer, email: &str) -> Client {
    let client = server.client();
    client.log_in(email, PASSWORD).await.assert_status(303);
    client
}

/// A track of three MiB whose every byte says where it is (as text, which
/// the test client reads): an MP3's tag, then letters that do not repeat
/// within 676 bytes.
fn track() -> Vec<u8> {
    let mut bytes = b"ID3\x04\0\0\0\0\0\0".to_vec();
    bytes.extend((bytes.len()..3 << 20).map(|i| b'a' + ((i + i / 26) % 26) as u8));
    bytes
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

each_backend! {
    async fn a_play_streams_the_whole_track_in_ranges_to_its_listener_alone(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let mae = logged_in(&server, "mae@harboursound.example").await;
        let lena = logged_in(&server, "lena@harboursound.example").await;
        let track = track();
        mae.get("/c/harbour-sound/catalogue/new").await.assert_status(200);
        let listed = mae
            .post_upload(
                "/c/harbour-sound/catalogue/items",
                &[("kind", "track"), ("title", "Tide")],
                ("file", "tide.mp3", &track),
            )
            .await;
        listed.assert_status(303);
        let page = listed.location().unwrap().to_owned();

        // Lena plays it: back on its page, with a player for the whole track.
        let before = lena.get(&page).await.body;
        assert!(!before.contains(r#"id="track-player""#));
        let key = before
            .split(r#"<form method="post" action=""#)
            .find(|form| form.contains(r#"id="play-form""#) || form.contains("/play\""))
            .and_then(|form| form.split(r#"name="key" value=""#).nth(1))
            .and_then(|rest| rest.split('"').next())
            .expect("the play form's key")
            .to_owned();
        let played = lena.post_form(&format!("{page}/play"), &[("key", &key)]).await;
        played.assert_status(303);
        let with_player = lena.get(played.location().unwrap()).await.body;
        let src = with_player
            .split(r#"id="track-player""#)
            .nth(1)
            .and_then(|rest| rest.split(r#"src=""#).nth(1))
            .and_then(|rest| rest.split('"').next())
            .expect("the player's source")
            .replace("&#38;", "&");
        assert!(src.starts_with(&format!("{page}/stream?expires=")), "{src}");

        // The whole track, and the ranges a player asks for as it seeks.
        let whole = lena.get(&src).await;
        whole.assert_status(200);
        assert_eq!(whole.headers["accept-ranges"], "bytes");
        assert_eq!(whole.body.len(), track.len());
        assert!(whole.body == text(&track), "the whole track, in order");
        let ranged = |range: &'static str| {
            let (client, src) = (lena.with_header("range", range), src.clone());
            async move { client.get(&src).await }
        };
        let part = ranged("bytes=1000000-1000999").await;
        part.assert_status(206);
        assert_eq!(
            part.headers["content-range"],
            format!("bytes 1000000-1000999/{}", track.len()).as_str()
        );
        assert_eq!(part.body, text(&track[1_000_000..1_001_000]));
        let tail = ranged("bytes=-10").await;
        tail.assert_status(206);
        assert_eq!(tail.body, text(&track[track.len() - 10..]));
        let rest = ranged("bytes=2000000-").await;
        rest.assert_status(206);
        assert_eq!(rest.body, text(&track[2_000_000..]), "past a part's size, in order");
        let past = ranged("bytes=9000000-").await;
        past.assert_status(416);
        assert_eq!(past.headers["content-range"], format!("bytes */{}", track.len()).as_str());

        // The link is Lena's, as signed, for half an hour.
        mae.get(&src).await.assert_status(403);
        let forged = src.replace("sig=", "sig=00");
        lena.get(&forged).await.assert_status(403);
        server.clock.advance_ms(coopkit_app::catalogue::STREAM_LINK_MS + 1);
        let late = lena.get(&src).await;
        late.assert_status(403);

        // One line on her statement, named by the track.
        let statement = lena.get("/c/harbour-sound/ledger").await.body;
        assert_eq!(statement.matches("Played “Tide”").count(), 1, "{statement}");
    }
}
