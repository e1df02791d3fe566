//! Uploads at bounded cost: an image is judged by its header before a
//! pixel is decoded, decoding shares one memory budget, a refused upload
//! keeps nothing, and a sweep removes only files no item names.

use std::io::Cursor;
use std::time::{Duration, UNIX_EPOCH};

use coopkit_app::catalogue::{
    image_header, thumbnail, DataDirFiles, DecodeBudget, FileStore, ImageRefusal, SWEEP_GRACE,
};
use coopkit_testkit::{each_backend, png_bomb, Backend, TestDb};

use crate::catalogue::{field_code, file, photo, png, shop, Shop};

/// Every file the shop's store holds, by key.
fn kept(s: &Shop) -> Vec<String> {
    let files = DataDirFiles::new(s.files.path());
    files
        .kept()
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .collect()
}

/// Backdates a kept file to `age` before the shop's clock, as the sweep
/// reads it.
fn backdate(s: &Shop, key: &str, age: Duration) {
    let now = u64::try_from(s.app.now().as_millis()).unwrap();
    let at = UNIX_EPOCH + Duration::from_millis(now) - age;
    let path = s.files.path().join(&key[..2]).join(key);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(at)
        .unwrap();
}

each_backend! {
    /// Found probing uploads: a 489 KB PNG of 16384 × 10240 pixels was
    /// decoded whole, four at once took the server from 500 MB to 2.6 GB,
    /// and a refused image still left its original in the data directory.
    async fn refused_images_cost_no_decoding_and_keep_no_file(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = shop(&db).await;
        let mine = vec![(s.ana.id, 10_000)];
        let mut bombs = Vec::new();
        for i in 0..4 {
            let mut form = photo(&s.app, &format!("Bomb {i}"), mine.clone()).await;
            form.file = file(&s.app, "zeros.png", &png_bomb(16384, 10240)).await;
            bombs.push(s.app.add_item(&s.ana, "lens", form));
        }
        for refused in futures_util::future::join_all(bombs).await {
            assert_eq!(field_code(refused.unwrap_err()), ("file".into(), "image-too-large"));
        }
        let mut broken = photo(&s.app, "Broken", mine.clone()).await;
        let mut bytes = png(900, 600);
        bytes.truncate(200);
        broken.file = file(&s.app, "broken.png", &bytes).await;
        let refused = s.app.add_item(&s.ana, "lens", broken).await.unwrap_err();
        assert_eq!(field_code(refused), ("file".into(), "image-unreadable"));
        assert!(kept(&s).is_empty(), "a refused upload keeps nothing: {:?}", kept(&s));

        s.app.add_item(&s.ana, "lens", photo(&s.app, "Allotments", mine).await).await.unwrap();
        assert_eq!(kept(&s).len(), 2, "the original and its thumbnail");
    }

    async fn a_sweep_removes_unnamed_files_after_the_grace_and_never_a_named_one(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = shop(&db).await;
        let photo = photo(&s.app, "Allotments", vec![(s.ana.id, 10_000)]).await;
        s.app.add_item(&s.ana, "lens", photo).await.unwrap();
        let named = kept(&s);
        let files = DataDirFiles::new(s.files.path());
        let young = files.put(b"an upload whose item is being written").unwrap();
        let old = files.put(b"an upload whose item was never written").unwrap();
        for key in named.iter().chain([&old]) {
            backdate(&s, key, SWEEP_GRACE * 2);
        }
        backdate(&s, &young, SWEEP_GRACE / 2);

        assert_eq!(s.app.sweep_files(SWEEP_GRACE).await.unwrap(), 1);
        let mut expected: Vec<String> = named.iter().cloned().chain([young.clone()]).collect();
        expected.sort();
        assert_eq!(kept(&s), expected);
        s.clock.advance_ms(i64::try_from(SWEEP_GRACE.as_millis()).unwrap());
        assert_eq!(s.app.sweep_files(SWEEP_GRACE).await.unwrap(), 1, "the young one, now old");
        assert_eq!(kept(&s), named, "named files stay, however old");
        assert_eq!(s.app.sweep_files(Duration::ZERO).await.unwrap(), 0);
    }

    /// A server stopped in the middle of an upload leaves its staged file:
    /// the sweep removes it once the grace has passed, and not before.
    async fn a_sweep_removes_uploads_abandoned_in_the_staging_directory(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = shop(&db).await;
        let staging = s.app.staging().dir().to_owned();
        std::fs::create_dir_all(&staging).unwrap();
        let now = UNIX_EPOCH + Duration::from_millis(u64::try_from(s.app.now().as_millis()).unwrap());
        for (name, age) in [("upload-old", SWEEP_GRACE * 2), ("upload-young", SWEEP_GRACE / 2)] {
            let file = std::fs::File::create(staging.join(name)).unwrap();
            file.set_modified(now - age).unwrap();
        }
        assert_eq!(s.app.sweep_files(SWEEP_GRACE).await.unwrap(), 1);
        assert!(!staging.join("upload-old").exists());
        assert!(staging.join("upload-young").exists(), "an upload may still be arriving");
        // A file staged and dropped unkept is gone at once.
        let file = s.app.staging().stage(b"a refused upload").await.unwrap();
        let path = file.path().to_owned();
        assert!(path.exists());
        drop(file);
        assert!(!path.exists());
    }
}

/// Decodes at once share the budget: a second image waits while the
/// first is decoding and goes ahead when it is done; one larger than the
/// whole budget is refused at once.
/// Found probing uploads: a 489 KB PNG of 16384 × 10240 pixels was
/// decoded whole (about 500 MB); four at once took the server past
/// 2.6 GB. Its header now refuses it before a pixel is decoded.
#[test]
fn an_image_past_the_pixel_bound_is_refused_from_its_header() {
    let big = png_bomb(16384, 10240);
    assert!(big.len() < 1 << 20, "{} bytes on the wire", big.len());
    assert_eq!(image_header(Cursor::new(&big)), Err(ImageRefusal::TooLarge));
    assert_eq!(
        thumbnail(Cursor::new(&big), u64::MAX),
        Err(ImageRefusal::TooLarge)
    );
    // Under the pixel bound, the memory allowed still decides.
    let header = image_header(Cursor::new(png(1000, 1000))).unwrap();
    assert_eq!(header.decoded_bytes, 3_000_000);
    assert_eq!(
        thumbnail(Cursor::new(png(1000, 1000)), 2_999_999),
        Err(ImageRefusal::TooLarge)
    );
    assert!(thumbnail(Cursor::new(png(1000, 1000)), 3_000_000).is_ok());
}

#[tokio::test]
async fn decoding_waits_for_its_share_of_the_memory_budget() {
    use futures_util::FutureExt;
    let header = image_header(std::io::Cursor::new(png(2000, 1000))).unwrap();
    assert_eq!(header.decoded_bytes, 6_000_000);
    // 6 MB of pixels and 8 MiB of slack: 14 MiB each, so 20 hold one.
    let budget = DecodeBudget::new(20);
    let first = budget.reserve(&header).await.unwrap();
    assert!(
        budget.reserve(&header).now_or_never().is_none(),
        "the second waits"
    );
    drop(first);
    let second = budget.reserve(&header).now_or_never();
    assert!(
        matches!(second, Some(Ok(_))),
        "and goes ahead once the first is done"
    );
    let small = DecodeBudget::new(10);
    assert_eq!(
        small.reserve(&header).await.unwrap_err(),
        ImageRefusal::TooLarge
    );
}
