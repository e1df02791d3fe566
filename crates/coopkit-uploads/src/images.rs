//! Images read within bounds: the header first, so that one past
//! [`PIXELS_MAX`] or the memory allowed is refused before a pixel is
//! decoded, then a thumbnail decoded under an explicit allocation limit,
//! with the memory of every decode at once bounded by a [`DecodeBudget`].

use std::io::{BufRead, Cursor, Seek};
use std::sync::Arc;

use image::imageops::FilterType;
use image::{ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
}
