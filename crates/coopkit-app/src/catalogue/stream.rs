//! Listening to a track: a play (paid, or free once the track is owned)
//! gives the listener a signed link to the whole track, good for
//! [`STREAM_LINK_MS`] and for them alone, as download links are. The track
//! is served in parts as the player asks for them (HTTP range requests),
//! so seeking works and no request holds a whole track in memory.

use coopkit_domain::ItemId;
use coopkit_market::stream::Standing;
use coopkit_market::ItemKind;
use coopkit_store::{Coop, Person};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{App, AppError, Result};

/// How long a stream link works: a track's length and some pauses.
pub const STREAM_LINK_MS: i64 = 30 * 60 * 1000;

/// The most bytes one answer to a player carries; it asks again for more.
pub const STREAM_PART_MAX: u64 = 1024 * 1024;

/// Where a link to listen goes: its expiry and signature, as query
/// parameters of the track's stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamLink {
    pub expires: i64,
    pub sig: String,
}

/// A track a valid link opened: what a player is told of it, and where its
/// bytes are.
#[derive(Clone, Debug)]
pub struct TrackStream {
    key: String,
    pub len: u64,
    pub content_type: String,
}

fn signature(
    key: &str,
    coop: &Coop,
    track: ItemId,
    listener: &Person,
    expires: i64,
) -> Result<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .map_err(AppError::because("download key"))?;
    mac.update(format!("stream:{}:{track}:{}:{expires}", coop.id.0, listener.id.0).as_bytes());
    Ok(mac)
}

impl App {
    /// Plays a track as [`App::play`] does, and returns with where the
    /// listener stands a link to listen to the whole of it.
    pub async fn listen(
        &self,
        actor: &Person,
        slug: &str,
        track: ItemId,
        key: &str,
    ) -> Result<(Standing, StreamLink)> {
        let standing = self.play(actor, slug, track, key).await?;
        let coop = self.coop(slug).await?;
        let secret = self.download_key(&coop).await?;
        let expires = self.clock.now().as_millis() + STREAM_LINK_MS;
        let mac = signature(&secret, &coop, track, actor, expires)?;
        Ok((
            standing,
            StreamLink {
                expires,
                sig: hex::encode(mac.finalize().into_bytes()),
            },
        ))
    }

    /// The track a link names, if the link is the co-op's, was made for
    /// the actor, and has not expired.
    pub async fn open_stream(
        &self,
        actor: &Person,
        slug: &str,
        track: ItemId,
        link: &StreamLink,
    ) -> Result<TrackStream> {
        let coop = self.coop(slug).await?;
        let secret = self.download_key(&coop).await?;
        let mac = signature(&secret, &coop, track, actor, link.expires)?;
        self.check_link(mac, &link.sig, link.expires)?;
        let item = self
            .store
            .item(coop.id, track)
            .await?
            .filter(|i| i.item.kind == ItemKind::Track)
            .ok_or(AppError::NotFound("track"))?;
        let files = self.files.clone();
        let key = item.item.file.key.clone();
        let len = tokio::task::spawn_blocking(move || files.size(&key))
            .await
            .map_err(AppError::because("reading a file's size"))?
            .map_err(AppError::because(
                "the file store could not read a file's size",
            ))?
            .ok_or(AppError::internal("a file the catalogue names is missing"))?;
        Ok(TrackStream {
            key: item.item.file.key,
            len,
            content_type: item.item.file.content_type,
        })
    }

    /// Up to [`STREAM_PART_MAX`] bytes of an opened track from `start`.
    pub async fn read_stream(&self, track: &TrackStream, start: u64, len: u64) -> Result<Vec<u8>> {
        let files = self.files.clone();
        let key = track.key.clone();
        let len = len.min(STREAM_PART_MAX);
        tokio::task::spawn_blocking(move || files.get_part(&key, start, len))
            .await
            .map_err(AppError::because("reading a file"))?
            .map_err(AppError::because("the file store could not read a file"))?
            .ok_or(AppError::internal("a file the catalogue names is missing"))
    }

    /// Checks a link's signature, in constant time, and then its expiry
    /// by the app's clock.
    pub(super) fn check_link(&self, mac: Hmac<Sha256>, sig: &str, expires: i64) -> Result<()> {
        let given = hex::decode(sig).map_err(|_| AppError::Forbidden("link-invalid"))?;
        mac.verify_slice(&given)
            .map_err(|_| AppError::Forbidden("link-invalid"))?;
        if self.clock.now().as_millis() > expires {
            return Err(AppError::Forbidden("link-expired"));
        }
        Ok(())
    }

    /// The co-op's key for signing links to its files.
    pub(super) async fn download_key(&self, coop: &Coop) -> Result<String> {
        self.store
            .catalogue_download_key(coop.id)
            .await?
            .ok_or(AppError::NotFound("catalogue"))
    }
}
