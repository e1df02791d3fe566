//! Where uploaded files live: behind [`FileStore`], so an S3-compatible
//! store can take the data directory's place. A file's key is the SHA-256
//! of its content, so a key never changes meaning, an upload made twice is
//! kept once, and a file is written aside and renamed into place: a
//! half-written file never has a key.

use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use coopkit_domain::Timestamp;

use sha2::{Digest, Sha256};

/// Files by key. Calls block; the use cases run them off the async
/// threads.
pub trait FileStore: Send + Sync + std::fmt::Debug {
    /// Keeps `bytes`, returning their key.
    fn put(&self, bytes: &[u8]) -> std::io::Result<String>;
    /// Keeps a staged upload, returning its key; the staged file itself
    /// stays the caller's (and goes when dropped).
    fn put_staged(&self, file: &super::StagedFile) -> std::io::Result<String>;
    /// The file with this key; `None` for a key it does not hold (or one
    /// that is not a key at all).
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// The size in bytes of the file with this key; `None` as for `get`.
    fn size(&self, key: &str) -> std::io::Result<Option<u64>>;
    /// Up to `len` bytes of the file with this key from byte `start` (fewer
    /// at its end); `None` as for `get`.
    fn get_part(&self, key: &str, start: u64, len: u64) -> std::io::Result<Option<Vec<u8>>>;
    /// Every key held, with when its file was kept, in key order.
    fn kept(&self) -> std::io::Result<Vec<(String, Timestamp)>>;
    /// Removes the file with this key; nothing for a key it does not hold.
    fn remove(&self, key: &str) -> std::io::Result<()>;
}

/// Files under a directory, in subdirectories by the key's first two
/// characters.
#[derive(Debug)]
pub struct DataDirFiles {
    root: PathBuf,
}

impl DataDirFiles {
    pub fn new(root: impl Into<PathBuf>) -> DataDirFiles {
        DataDirFiles { root: root.into() }
    }

    /// Keeps a file under `key`, written aside by `write` and renamed into
    /// place, unless a file with that key (so that content) is kept.
    fn keep(
        &self,
        key: String,
        write: impl FnOnce(&std::path::Path) -> std::io::Result<()>,
    ) -> std::io::Result<String> {
        let path = self
            .path(&key)
            .ok_or_else(|| std::io::Error::other("a digest that is not a key"))?;
        if path.exists() {
            return Ok(key);
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        let aside = dir.join(format!(".{key}.{}", crate::new_secret()));
        let written = write(&aside).and_then(|()| std::fs::rename(&aside, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&aside);
        }
        written.map(|()| key)
    }

    /// Where a key's file is; `None` unless `key` is 64 lower-case hex
    /// digits, so no key can name a path outside the root.
    fn path(&self, key: &str) -> Option<PathBuf> {
        let is_key = key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        is_key.then(|| self.root.join(&key[..2]).join(key))
    }
}

impl FileStore for DataDirFiles {
    fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        self.keep(hex::encode(Sha256::digest(bytes)), |aside| {
            let mut file = std::fs::File::create(aside)?;
            file.write_all(bytes)?;
            file.sync_all()
        })
    }

    fn put_staged(&self, staged: &super::StagedFile) -> std::io::Result<String> {
        // Staged on the same disk, the file is linked, not copied; it was
        // synced when its upload finished.
        self.keep(staged.key(), |aside| {
            match std::fs::hard_link(staged.path(), aside) {
                Ok(()) => Ok(()),
                Err(_) => std::fs::copy(staged.path(), aside).map(drop),
            }
        })
    }

    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path(key) else {
            return Ok(None);
        };
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn size(&self, key: &str) -> std::io::Result<Option<u64>> {
        let Some(path) = self.path(key) else {
            return Ok(None);
        };
        match std::fs::metadata(path) {
            Ok(metadata) => Ok(Some(metadata.len())),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn get_part(&self, key: &str, start: u64, len: u64) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path(key) else {
            return Ok(None);
        };
        let mut file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        file.seek(SeekFrom::Start(start))?;
        let mut part = Vec::new();
        file.take(len).read_to_end(&mut part)?;
        Ok(Some(part))
    }

    fn kept(&self) -> std::io::Result<Vec<(String, Timestamp)>> {
        let mut kept = Vec::new();
        let dirs = match std::fs::read_dir(&self.root) {
            Ok(dirs) => dirs,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(kept),
            Err(error) => return Err(error),
        };
        for dir in dirs {
            let dir = dir?;
            if !dir.file_type()?.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(dir.path())? {
                let file = file?;
                let key = file.file_name().to_string_lossy().into_owned();
                // Files set aside while being written are not keys yet.
                if self.path(&key).is_none() {
                    continue;
                }
                let modified = file.metadata()?.modified()?;
                let since_epoch = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
                let at = i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX);
                kept.push((key, Timestamp::from_millis(at)));
            }
        }
        kept.sort();
        Ok(kept)
    }

    fn remove(&self, key: &str) -> std::io::Result<()> {
        let Some(path) = self.path(key) else {
            return Ok(());
        };
        match std::fs::remove_file(path) {
            Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

/// How long a file may sit unnamed before a sweep removes it: longer than
/// any upload takes between keeping its files and writing its item.
pub const SWEEP_GRACE: Duration = Duration::from_secs(60 * 60);

impl crate::App {
    /// Removes the files no item names that were kept longer ago than
    /// `grace` (what uploads left when writing their item failed), and
    /// uploads staged longer ago than that (what a server stopped in the
    /// middle of an upload left). Returns how many were removed. The keys are read after the list of files,
    /// so a file whose item was written meanwhile is named and kept.
    pub async fn sweep_files(&self, grace: Duration) -> crate::Result<usize> {
        let files = self.files.clone();
        let kept = tokio::task::spawn_blocking(move || files.kept())
            .await
            .map_err(crate::AppError::because("listing kept files"))?
            .map_err(crate::AppError::because("listing kept files"))?;
        let grace_ms = i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
        let before = self.clock.now().as_millis().saturating_sub(grace_ms);
        let named = self.store.referenced_file_keys().await?;
        let orphans: Vec<String> = kept
            .into_iter()
            .filter(|(key, at)| at.as_millis() <= before && !named.contains(key))
            .map(|(key, _)| key)
            .collect();
        let files = self.files.clone();
        let staging = self.staging.dir().to_owned();
        let staged_before = UNIX_EPOCH + Duration::from_millis(u64::try_from(before).unwrap_or(0));
        tokio::task::spawn_blocking(move || {
            for key in &orphans {
                files.remove(key)?;
            }
            let abandoned = coopkit_uploads::sweep_staging(&staging, staged_before)?;
            Ok::<_, std::io::Error>(orphans.len() + abandoned)
        })
        .await
        .map_err(crate::AppError::because("removing unnamed files"))?
        .map_err(crate::AppError::because("removing unnamed files"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_kept_once_under_its_digest_and_no_key_leaves_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let files = DataDirFiles::new(dir.path());
        let key = files.put(b"a photo").unwrap();
        assert_eq!(files.put(b"a photo").unwrap(), key);
        assert_eq!(files.get(&key).unwrap().as_deref(), Some(&b"a photo"[..]));
        assert_ne!(files.put(b"another").unwrap(), key);
        let absent = "0".repeat(64);
        assert_eq!(files.get(&absent).unwrap(), None);
        for bad in ["../../etc/passwd", "", &key.to_uppercase(), &key[..63]] {
            assert_eq!(files.get(bad).unwrap(), None, "{bad}");
        }
        let entries: Vec<_> = std::fs::read_dir(dir.path().join(&key[..2]))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            entries,
            vec![std::ffi::OsString::from(&key)],
            "nothing left aside"
        );
        let other = files.put(b"another").unwrap();
        let keys = |files: &DataDirFiles| -> Vec<String> {
            files.kept().unwrap().into_iter().map(|(k, _)| k).collect()
        };
        let mut both = vec![key.clone(), other.clone()];
        both.sort();
        assert_eq!(keys(&files), both);
        files.remove(&other).unwrap();
        files.remove(&other).unwrap();
        files.remove("../../etc/passwd").unwrap();
        assert_eq!(keys(&files), [key]);
    }
}
