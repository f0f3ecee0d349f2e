//! Fixity: MD5 and SHA-256 of the stored original in one streaming pass, while it is
//! copied to the worker's disk for the tools. A copy cut short by a crash is not fetched
//! again: the part on disk is re-hashed locally and the download continues from there.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use futures::StreamExt;
use md5::{Digest, Md5};
use mediaport_core::{Storage, StorageError};
use sha2::Sha256;

/// Hashing works on blocks this big: large enough that handing them to threads costs
/// nothing, small enough to keep memory flat.
const BLOCK: usize = 4 << 20;
/// Blocks waiting for each hash at most: reads run ahead of the hashing by this much.
const AHEAD: usize = 4;

/// What the stored bytes hash to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixity {
    pub md5: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum FixityError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot write the working copy: {0}")]
    Disk(#[from] std::io::Error),
}

/// MD5 and SHA-256 together, each on a thread of its own fed the same blocks. MD5 cannot be
/// split and is the slower: on its own thread it never waits for SHA-256 or for the reads,
/// so both checksums take as long as MD5 alone.
#[derive(Debug)]
pub struct Hasher {
    md5: Digesting,
    sha256: Digesting,
    size: u64,
}

/// One checksum fed blocks on its own thread.
#[derive(Debug)]
struct Digesting {
    blocks: SyncSender<Arc<Vec<u8>>>,
    done: JoinHandle<std::io::Result<String>>,
}

impl Digesting {
    fn start(mut checksum: impl Checksum) -> Self {
        let (blocks, incoming) = sync_channel::<Arc<Vec<u8>>>(AHEAD);
        let done = std::thread::spawn(move || {
            for block in incoming {
                checksum.update(&block);
            }
            checksum.hex()
        });
        Self { blocks, done }
    }

    fn finish(self) -> std::io::Result<String> {
        drop(self.blocks);
        self.done.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

trait Checksum: Send + 'static {
    fn update(&mut self, data: &[u8]);
    fn hex(self) -> std::io::Result<String>;
}

impl Checksum for Sha256 {
    fn update(&mut self, data: &[u8]) {
        Digest::update(self, data);
    }

    fn hex(self) -> std::io::Result<String> {
        Ok(hex(&self.finalize()))
    }
}

/// MD5 by OpenSSL, whose assembly hashes about a fifth faster than the md-5 crate here,
/// or by md-5 where OpenSSL refuses MD5 (FIPS mode).
enum Md5Checksum {
    OpenSsl(openssl::hash::Hasher),
    Rust(Md5),
    /// OpenSSL failed midway: the sum is lost, and so is this pass.
    Failed(String),
}

impl Md5Checksum {
    fn new() -> Self {
        match openssl::hash::Hasher::new(openssl::hash::MessageDigest::md5()) {
            Ok(hasher) => Self::OpenSsl(hasher),
            Err(_) => Self::Rust(Md5::new()),
        }
    }
}

impl Checksum for Md5Checksum {
    fn update(&mut self, data: &[u8]) {
        match self {
            Self::OpenSsl(hasher) => {
                if let Err(err) = hasher.update(data) {
                    *self = Self::Failed(err.to_string());
                }
            }
            Self::Rust(md5) => Digest::update(md5, data),
            Self::Failed(_) => {}
        }
    }

    fn hex(self) -> std::io::Result<String> {
        let failed = |reason: String| std::io::Error::other(format!("MD5: {reason}"));
        match self {
            Self::OpenSsl(mut hasher) => hasher.finish().map(|sum| hex(&sum)).map_err(|e| failed(e.to_string())),
            Self::Rust(md5) => Ok(hex(&md5.finalize())),
            Self::Failed(reason) => Err(failed(reason)),
        }
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self { md5: Digesting::start(Md5Checksum::new()), sha256: Digesting::start(Sha256::new()), size: 0 }
    }
}

impl Hasher {
    pub fn update(&mut self, block: Vec<u8>) {
        self.size += block.len() as u64;
        let block = Arc::new(block);
        // A thread is gone only if it panicked, which finish() reports.
        let _ = self.md5.blocks.send(block.clone());
        let _ = self.sha256.blocks.send(block);
    }

    pub fn finish(self) -> std::io::Result<Fixity> {
        Ok(Fixity { md5: self.md5.finish()?, sha256: self.sha256.finish()?, size: self.size })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a local file (blocking: call from a blocking thread).
pub fn hash_file(path: &Path) -> std::io::Result<Fixity> {
    let mut hasher = Hasher::default();
    hash_prefix(path, u64::MAX, &mut hasher)?;
    hasher.finish()
}

/// Hashes the first `limit` bytes of a file, reading the next block while one is hashed.
fn hash_prefix(path: &Path, limit: u64, hasher: &mut Hasher) -> std::io::Result<()> {
    let mut file = std::fs::File::open(path)?.take(limit);
    loop {
        let mut block = Vec::with_capacity(BLOCK);
        if file.by_ref().take(BLOCK as u64).read_to_end(&mut block)? == 0 {
            return Ok(());
        }
        hasher.update(block);
    }
}

/// Where the ETag of the object a partial copy came from is kept beside it.
pub fn etag_file(dest: &Path) -> PathBuf {
    dest.with_extension("etag")
}

/// Copies `bucket`/`key` to `dest` and hashes every byte of it, resuming a partial `dest`
/// copied from the same object (same ETag) by an earlier try.
pub async fn fetch(storage: &dyn Storage, bucket: &str, key: &str, dest: &Path) -> Result<Fixity, FixityError> {
    let head = storage.head_object(bucket, key).await?;
    let (stored, etag) = (head.size, head.etag.unwrap_or_default());
    let marker = etag_file(dest);
    let same_object = !etag.is_empty() && std::fs::read_to_string(&marker).is_ok_and(|seen| seen == etag);
    let mut have = if same_object { std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0) } else { 0 };
    if have > stored {
        have = 0; // not a prefix of this object: start over
    }
    std::fs::write(&marker, &etag)?;
    let (blocks, mut incoming) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let path = dest.to_path_buf();
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<Fixity> {
        let mut hasher = Hasher::default();
        if have > 0 {
            hash_prefix(&path, have, &mut hasher)?;
        }
        let mut file = std::fs::OpenOptions::new().create(true).write(true).truncate(false).open(&path)?;
        file.set_len(have)?;
        file.seek(SeekFrom::Start(have))?;
        while let Some(block) = incoming.blocking_recv() {
            file.write_all(&block)?;
            hasher.update(block);
        }
        file.sync_all()?;
        hasher.finish()
    });
    if have < stored {
        if have > 0 {
            tracing::info!(key, resumed_at = have, "fixity resumes a partial copy");
        }
        let mut stream = storage.read_from(bucket, key, have).await?;
        let mut block = Vec::with_capacity(BLOCK);
        while let Some(chunk) = stream.next().await {
            block.extend_from_slice(&chunk?);
            if block.len() >= BLOCK
                && blocks.send(std::mem::replace(&mut block, Vec::with_capacity(BLOCK))).await.is_err()
            {
                break; // the writer failed: its error is returned below
            }
        }
        if !block.is_empty() {
            let _ = blocks.send(block).await;
        }
    }
    drop(blocks);
    let fixity = writer.await.map_err(|e| std::io::Error::other(e.to_string()))??;
    if fixity.size != stored {
        let message = format!("read {} of {stored} bytes of {key}", fixity.size);
        return Err(StorageError::Unavailable(message).into());
    }
    Ok(fixity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let mut hasher = Hasher::default();
        hasher.update(b"abc".to_vec());
        let fixity = hasher.finish().unwrap();
        assert_eq!(fixity.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(fixity.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn one_block_or_many_small_ones_hash_the_same() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
        let mut whole = Hasher::default();
        whole.update(data.clone());
        let mut pieces = Hasher::default();
        for piece in data.chunks(1000) {
            pieces.update(piece.to_vec());
        }
        assert_eq!(whole.finish().unwrap(), pieces.finish().unwrap());
    }
}
