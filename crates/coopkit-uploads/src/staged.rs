//! Uploads on their way in. Each file is written to the staging directory
//! as its bytes arrive and hashed as it goes, so an upload of any size
//! costs the server a buffer, not the file. A staged file is removed when
//! it is dropped; the file store links it into place when an item keeps
//! it, so a refused upload leaves nothing behind.

use std::io::{BufReader, ErrorKind};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

/// Where uploads are staged: a directory on the file store's disk, so
/// that keeping a file links it rather than copies it.
#[derive(Clone, Debug)]
pub struct Staging {
    dir: PathBuf,
}

/// How much of a file's start is kept aside: enough for [`crate::sniff`].
const HEAD_BYTES: usize = 64;

impl Staging {
    pub fn new(dir: impl Into<PathBuf>) -> Staging {
        Staging { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts staging a file. Its size is the route's to bound: the body
    /// limit of the upload routes stops a stream past it.
    pub async fn begin(&self) -> std::io::Result<Incoming> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let dir = self.dir.clone();
        let temp = tokio::task::spawn_blocking(move || {
            tempfile::Builder::new().prefix("upload-").tempfile_in(dir)
        })
        .await
        .map_err(std::io::Error::other)??;
        let file = tokio::fs::File::from_std(temp.as_file().try_clone()?);
        Ok(Incoming {
            path: temp.into_temp_path(),
            file,
            hasher: Sha256::new(),
            len: 0,
            head: Vec::with_capacity(HEAD_BYTES),
        })
    }

    /// Stages bytes already in memory: the demo's works, a test's.
    pub async fn stage(&self, bytes: &[u8]) -> std::io::Result<StagedFile> {
        let mut incoming = self.begin().await?;
        incoming.write(bytes).await?;
        incoming.finish().await
    }
}

/// A file being staged.
#[derive(Debug)]
pub struct Incoming {
    path: TempPath,
    file: tokio::fs::File,
    hasher: Sha256,
    len: u64,
    head: Vec<u8>,
}

impl Incoming {
    /// Appends the next bytes.
    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        let wanted = HEAD_BYTES.saturating_sub(self.head.len()).min(chunk.len());
        self.head.extend_from_slice(&chunk[..wanted]);
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        self.len = self.len.saturating_add(chunk.len() as u64);
        Ok(())
    }

    /// The whole file, on disk: flushed and synced, so that a file store
    /// linking it into place keeps it durably.
    pub async fn finish(mut self) -> std::io::Result<StagedFile> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        Ok(StagedFile {
            path: self.path,
            len: self.len,
            digest: self.hasher.finalize().into(),
            head: self.head,
        })
    }
}

/// A whole uploaded file in the staging directory, removed when dropped.
#[derive(Debug)]
pub struct StagedFile {
    path: TempPath,
    len: u64,
    digest: [u8; 32],
    head: Vec<u8>,
}

impl StagedFile {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file's first bytes, which tell its type.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Its key in a file store: the SHA-256 of its content, in hex.
    pub fn key(&self) -> String {
        hex::encode(self.digest)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads it from the start. Blocking.
    pub fn open(&self) -> std::io::Result<BufReader<std::fs::File>> {
        Ok(BufReader::new(std::fs::File::open(&self.path)?))
    }

    /// Its content whole, for what must be parsed whole (a list of
    /// co-ops); the route that takes it bounds its size.
    pub async fn read_all(&self) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(&self.path).await
    }
}

/// Removes staged files last changed before `before`: those a server
/// stopped in the middle of an upload left. Blocking.
pub fn sweep_staging(dir: &Path, before: std::time::SystemTime) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        if entry.metadata()?.modified()? < before {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(error) if error.kind() == ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
    }
    Ok(removed)
}
