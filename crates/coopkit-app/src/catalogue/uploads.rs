//! What an upload is, told from its first bytes (never from its name),
//! what each kind of item accepts and up to what size, and the thumbnails
//! coopkit makes of images.

use std::io::Cursor;

use coopkit_market::ItemKind;
use image::imageops::FilterType;
use image::ImageFormat;

/// A file as it came from the person's form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The media type of a file from its signature; `None` when it is none of
/// those coopkit accepts.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |signature: &[u8]| bytes.starts_with(signature);
    let at = |offset: usize, signature: &[u8]| {
        bytes.get(offset..offset + signature.len()) == Some(signature)
    };
    Some(if starts(b"\xFF\xD8\xFF") {
        "image/jpeg"
    } else if starts(b"\x89PNG\r\n\x1A\n") {
        "image/png"
    } else if starts(b"ID3") || starts(b"\xFF\xFB") || starts(b"\xFF\xF3") || starts(b"\xFF\xF2") {
        "audio/mpeg"
    } else if starts(b"OggS") {
        "audio/ogg"
    } else if starts(b"fLaC") {
        "audio/flac"
    } else if starts(b"RIFF") && at(8, b"WAVE") {
        "audio/wav"
    } else if at(4, b"ftyp") {
        "video/mp4"
    } else if starts(b"\x1A\x45\xDF\xA3") {
        "video/webm"
    } else if starts(b"%PDF-") {
        "application/pdf"
    } else {
        return None;
    })
}

/// The media types a kind of item takes for its original, and the most
/// bytes it may have.
pub fn accepted(kind: ItemKind) -> (&'static [&'static str], usize) {
    const MIB: usize = 1024 * 1024;
    match kind {
        ItemKind::Photo | ItemKind::Good => (&["image/jpeg", "image/png"], 25 * MIB),
        ItemKind::Track => (
            &["audio/mpeg", "audio/ogg", "audio/flac", "audio/wav"],
            60 * MIB,
        ),
        // Under the server's 64 MiB upload limit; longer films would need
        // uploads streamed to the file store.
        ItemKind::Film => (&["video/mp4", "video/webm"], 60 * MIB),
        ItemKind::Text => (&["application/pdf"], 20 * MIB),
    }
}

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 480;

/// A PNG no larger than [`THUMBNAIL_SIDE`] on either side, keeping the
/// image's proportions; `None` when the image cannot be decoded.
pub fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let image = image::load_from_memory(bytes).ok()?;
    let small = if image.width() > THUMBNAIL_SIDE || image.height() > THUMBNAIL_SIDE {
        image.resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, FilterType::Triangle)
    } else {
        image
    };
    let mut png = Cursor::new(Vec::new());
    small.write_to(&mut png, ImageFormat::Png).ok()?;
    Some(png.into_inner())
}

#[cfg(test)]
mod tests {
    use image::{ImageBuffer, Rgb};

    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, ImageFormat::Png).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn files_are_told_by_their_signature_not_their_name() {
        assert_eq!(sniff(&png(2, 2)), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(sniff(b"ID3\x04rest"), Some("audio/mpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some("audio/wav"));
        assert_eq!(sniff(b"RIFF\0\0\0\0AVI LIST"), None);
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some("video/mp4"));
        assert_eq!(sniff(b"<html>a photo</html>"), None);
        assert_eq!(sniff(b""), None);
        let (photo, _) = accepted(ItemKind::Photo);
        assert!(photo.contains(&"image/png") && !photo.contains(&"audio/mpeg"));
        for kind in ItemKind::ALL {
            assert!(!accepted(kind).0.is_empty(), "{kind:?} takes some file");
        }
    }

    #[test]
    fn thumbnails_keep_proportions_within_the_side() {
        let made = thumbnail(&png(1200, 600)).unwrap();
        let small = image::load_from_memory(&made).unwrap();
        assert_eq!(
            (small.width(), small.height()),
            (THUMBNAIL_SIDE, THUMBNAIL_SIDE / 2)
        );
        let tiny = image::load_from_memory(&thumbnail(&png(40, 30)).unwrap()).unwrap();
        assert_eq!(
            (tiny.width(), tiny.height()),
            (40, 30),
            "small images are not enlarged"
        );
        assert_eq!(thumbnail(b"\x89PNG\r\n\x1A\nbroken"), None);
    }
}
