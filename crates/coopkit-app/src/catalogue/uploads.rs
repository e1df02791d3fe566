//! What an upload is, told from its first bytes (never from its name),
//! what each kind of item accepts and up to what size, and the thumbnails
//! coopkit makes of images.

use std::io::{BufRead, Cursor, Seek};
use std::sync::Arc;

use coopkit_market::ItemKind;
use image::imageops::FilterType;
use image::{ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A file as it came from the person's form: the name it was sent under,
/// and the file itself, staged on disk.
#[derive(Debug)]
pub struct Upload {
    pub name: String,
    pub file: super::StagedFile,
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

/// The largest file any kind of item takes. Uploads stream to the file
/// store, so a large one costs disk, not memory.
pub const UPLOAD_MAX_BYTES: u64 = 1024 * 1024 * 1024;

/// The media types a kind of item takes for its original, and the most
/// bytes it may have.
pub fn accepted(kind: ItemKind) -> (&'static [&'static str], u64) {
    const MIB: u64 = 1024 * 1024;
    match kind {
        ItemKind::Photo | ItemKind::Good => (&["image/jpeg", "image/png"], 25 * MIB),
        ItemKind::Track => (
            &["audio/mpeg", "audio/ogg", "audio/flac", "audio/wav"],
            200 * MIB,
        ),
        ItemKind::Film => (&["video/mp4", "video/webm"], UPLOAD_MAX_BYTES),
        ItemKind::Text => (&["application/pdf"], 20 * MIB),
    }
}

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 480;

/// The most pixels an image may have: 100 megapixels, past what members'
/// cameras make (full-frame cameras reach 60, phones save 12 to 50), and
/// a bound on what decoding one costs (4 bytes a pixel, 8 for 16-bit PNG).
/// A 16384 × 10240 PNG of zeros, 489 KB on the wire, would be 168.
pub const PIXELS_MAX: u64 = 100_000_000;

/// Why an image gives no thumbnail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageRefusal {
    /// Not an image the decoder can read, or a broken one.
    Unreadable,
    /// More pixels than [`PIXELS_MAX`], or more memory to decode than is
    /// allowed.
    TooLarge,
}

impl ImageRefusal {
    pub fn code(self) -> &'static str {
        match self {
            ImageRefusal::Unreadable => "image-unreadable",
            ImageRefusal::TooLarge => "image-too-large",
        }
    }
}

/// The memory image decoding may take at once, across every upload in
/// flight: each decode holds what its header says it costs until it is
/// done, so uploads at once wait their turn instead of adding up.
#[derive(Clone, Debug)]
pub struct DecodeBudget {
    mib: Arc<Semaphore>,
    total_mib: u32,
}

const MIB: u64 = 1024 * 1024;

/// Room a decoder takes beside its pixels: rows, the inflater's window.
const DECODER_SLACK_MIB: u64 = 8;

impl DecodeBudget {
    pub fn new(total_mib: u32) -> DecodeBudget {
        DecodeBudget {
            mib: Arc::new(Semaphore::new(total_mib as usize)),
            total_mib,
        }
    }

    /// Waits until decoding `header`'s image fits the budget; the permit
    /// gives back its share when dropped, and says how many bytes the
    /// decoder may allocate. An image larger than the whole budget is
    /// refused at once.
    pub async fn reserve(&self, header: &ImageHeader) -> Result<DecodePermit, ImageRefusal> {
        let mib = header.decoded_bytes.div_ceil(MIB) + DECODER_SLACK_MIB;
        let mib = u32::try_from(mib)
            .ok()
            .filter(|mib| *mib <= self.total_mib)
            .ok_or(ImageRefusal::TooLarge)?;
        let permit = Arc::clone(&self.mib)
            .acquire_many_owned(mib)
            .await
            .map_err(|_| ImageRefusal::TooLarge)?;
        Ok(DecodePermit {
            _permit: permit,
            max_alloc: u64::from(mib) * MIB,
        })
    }
}

/// A share of the [`DecodeBudget`], held while one image is decoded.
#[derive(Debug)]
pub struct DecodePermit {
    _permit: OwnedSemaphorePermit,
    pub max_alloc: u64,
}

/// What decoding an image will cost, read from its header alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageHeader {
    pub width: u32,
    pub height: u32,
    /// The bytes its decoded pixels take.
    pub decoded_bytes: u64,
}

fn reader<R: BufRead + Seek>(source: R) -> Result<ImageReader<R>, ImageRefusal> {
    ImageReader::new(source)
        .with_guessed_format()
        .map_err(|_| ImageRefusal::Unreadable)
}

fn refusal(error: &ImageError) -> ImageRefusal {
    match error {
        ImageError::Limits(_) => ImageRefusal::TooLarge,
        _ => ImageRefusal::Unreadable,
    }
}

/// Reads an image's header, without decoding its pixels, and refuses one
/// past [`PIXELS_MAX`].
pub fn image_header<R: BufRead + Seek>(source: R) -> Result<ImageHeader, ImageRefusal> {
    let decoder = reader(source)?.into_decoder().map_err(|e| refusal(&e))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > PIXELS_MAX {
        return Err(ImageRefusal::TooLarge);
    }
    Ok(ImageHeader {
        width,
        height,
        decoded_bytes: decoder.total_bytes(),
    })
}

/// A PNG no larger than [`THUMBNAIL_SIDE`] on either side, keeping the
/// image's proportions. The header is read first: an image past
/// [`PIXELS_MAX`] is refused before any pixel is decoded, and the decoder
/// may allocate at most `max_alloc` bytes.
pub fn thumbnail<R: BufRead + Seek>(
    mut source: R,
    max_alloc: u64,
) -> Result<Vec<u8>, ImageRefusal> {
    let header = image_header(&mut source)?;
    if header.decoded_bytes > max_alloc {
        return Err(ImageRefusal::TooLarge);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_alloc);
    source.rewind().map_err(|_| ImageRefusal::Unreadable)?;
    let mut reader = reader(source)?;
    reader.limits(limits);
    let image = reader.decode().map_err(|e| refusal(&e))?;
    let small = if image.width() > THUMBNAIL_SIDE || image.height() > THUMBNAIL_SIDE {
        image.resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, FilterType::Triangle)
    } else {
        image
    };
    let mut png = Cursor::new(Vec::new());
    small
        .write_to(&mut png, ImageFormat::Png)
        .map_err(|e| refusal(&e))?;
    Ok(png.into_inner())
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
        let made = thumbnail(Cursor::new(png(1200, 600)), 64 << 20).unwrap();
        let small = image::load_from_memory(&made).unwrap();
        assert_eq!(
            (small.width(), small.height()),
            (THUMBNAIL_SIDE, THUMBNAIL_SIDE / 2)
        );
        let tiny = image::load_from_memory(&thumbnail(Cursor::new(png(40, 30)), 64 << 20).unwrap())
            .unwrap();
        assert_eq!(
            (tiny.width(), tiny.height()),
            (40, 30),
            "small images are not enlarged"
        );
        assert_eq!(
            thumbnail(Cursor::new(b"\x89PNG\r\n\x1A\nbroken"), 64 << 20),
            Err(ImageRefusal::Unreadable)
        );
    }

    /// Found probing uploads: a 489 KB PNG of 16384 × 10240 pixels was
    /// decoded whole (about 500 MB); four at once took the server past
    /// 2.6 GB. Its header now refuses it before a pixel is decoded.
    #[test]
    fn an_image_past_the_pixel_bound_is_refused_from_its_header() {
        let big = coopkit_testkit::png_bomb(16384, 10240);
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
}
