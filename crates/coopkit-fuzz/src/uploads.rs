//! Uploads: multipart forms read through a real staging directory, and
//! images measured and thumbnailed.

use std::io::Cursor;
use std::path::Path;

use bytes::Bytes;
use coopkit_uploads::{
    image_header, read_form, thumbnail, Form, ImageRefusal, Staging, PIXELS_MAX, THUMBNAIL_SIDE,
};
use sha2::{Digest, Sha256};

/// What a thumbnail's decoder may allocate here: small, so that each run
/// stays quick, and reached by the corpus's wider seeds.
const MAX_ALLOC: u64 = 16 << 20;

thread_local! {
    /// One runtime for all the inputs a thread runs, not one built and torn
    /// down for each: the target tests the reader, not tokio's start-up.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("a runtime: {e}"));
}

/// The input's first byte sets the size of the chunks the rest arrives
/// in (1 to 64 bytes), so that fields and boundaries fall across chunks
/// as a slow client sends them; the rest is a body whose boundary is
/// `fuzz`, guarded by a `csrf` field of `t`. Whatever it holds, a form
/// that reads has its guard's field, and each file staged holds bytes of
/// the body with the digest, length and head it claims; read or refused,
/// once the form is dropped the staging directory holds nothing.
pub fn multipart(input: &[u8]) -> bool {
    let Some((size, body)) = input.split_first() else {
        return false;
    };
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(usize::from(*size % 64) + 1)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a staging directory: {e}"));
    let staging = Staging::new(dir.path().join("incoming"));
    let read = RUNTIME.with(|runtime| {
        runtime.block_on(read_form(
            "multipart/form-data; boundary=fuzz",
            futures_util::stream::iter(chunks),
            &staging,
            |form: &Form| form.field("csrf") == "t",
        ))
    });
    let reads = read.is_ok();
    if let Ok(form) = read {
        assert_eq!(form.field("csrf"), "t", "a form read past its guard");
        for (_, upload) in &form.files {
            let file = &upload.file;
            let bytes = std::fs::read(file.path()).unwrap_or_else(|e| panic!("staged: {e}"));
            assert_eq!(file.len(), bytes.len() as u64);
            assert_eq!(file.key(), hex::encode(Sha256::digest(&bytes)));
            // The head is the first 64 bytes, enough to tell any type.
            assert_eq!(file.head(), &bytes[..bytes.len().min(64)]);
            assert!(
                bytes.is_empty() || body.windows(bytes.len()).any(|w| w == bytes),
                "a staged file holds bytes the body did not"
            );
        }
    }
    // Staged files are removed as they drop, not by a task.
    assert_eq!(entries(staging.dir()), 0, "staged files left behind");
    reads
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, Iterator::count)
}

/// Any bytes as an uploaded image. An image past [`PIXELS_MAX`] is refused
/// from its header; a thumbnail is made only of an image whose header
/// reads and whose decoding fits the memory allowed, and it is a PNG no
/// larger than [`THUMBNAIL_SIDE`] a side, of the image's own size when
/// that is smaller.
pub fn image(input: &[u8]) -> bool {
    let header = image_header(Cursor::new(input));
    let made = thumbnail(Cursor::new(input), MAX_ALLOC);
    let header = match header {
        Ok(header) => header,
        Err(refusal) => {
            assert!(
                made.is_err(),
                "a thumbnail of an image refused: {refusal:?}"
            );
            return false;
        }
    };
    assert!(u64::from(header.width) * u64::from(header.height) <= PIXELS_MAX);
    if header.decoded_bytes > MAX_ALLOC {
        assert_eq!(made, Err(ImageRefusal::TooLarge));
    }
    let Ok(png) = made else {
        return false;
    };
    let small = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("a thumbnail that does not read: {e}"));
    let (width, height) = (small.width(), small.height());
    assert!((1..=THUMBNAIL_SIDE).contains(&width) && (1..=THUMBNAIL_SIDE).contains(&height));
    if header.width <= THUMBNAIL_SIDE && header.height <= THUMBNAIL_SIDE {
        assert_eq!((width, height), (header.width, header.height));
    }
    true
}
