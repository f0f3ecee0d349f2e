//! Fixity: MD5 and SHA-256 of the stored original in one streaming pass, while it is
//! copied to the worker's disk for the tools. A copy cut short by a crash is not fetched
//! again: the part on disk is re-hashed locally and the download continues from there.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use md5::{Digest, Md5};
use mediaport_core::{Storage, StorageError};
use sha2::Sha256;

/// Hashing works on blocks this big: large enough that hashing MD5 and SHA-256 on two
/// threads pays for the hand-off, small enough to keep memory flat.
const BLOCK: usize = 4 << 20;

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

/// MD5 and SHA-256 together; blocks are hashed by both at once on two threads.
#[derive(Debug, Clone, Default)]
pub struct Hasher {
    md5: Md5,
    sha256: Sha256,
    size: u64,
}

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        self.size += data.len() as u64;
        if data.len() < 256 << 10 {
            self.md5.update(data);
            self.sha256.update(data);
            return;
        }
        let (md5, sha256) = (&mut self.md5, &mut self.sha256);
        std::thread::scope(|s| {
            s.spawn(|| md5.update(data));
            sha256.update(data);
        });
    }

    pub fn finish(self) -> Fixity {
        Fixity { md5: hex(&self.md5.finalize()), sha256: hex(&self.sha256.finalize()), size: self.size }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a local file (blocking: call from a blocking thread).
pub fn hash_file(path: &Path) -> std::io::Result<Fixity> {
    let mut hasher = Hasher::default();
    hash_prefix(path, u64::MAX, &mut hasher)?;
    Ok(hasher.finish())
}

fn hash_prefix(path: &Path, limit: u64, hasher: &mut Hasher) -> std::io::Result<()> {
    let mut file = std::fs::File::open(path)?.take(limit);
    let mut block = vec![0u8; BLOCK];
    loop {
        let filled = read_full(&mut file, &mut block)?;
        if filled == 0 {
            return Ok(());
        }
        hasher.update(&block[..filled]);
    }
}

fn read_full(reader: &mut impl Read, block: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < block.len() {
        match reader.read(&mut block[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
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
            hasher.update(&block);
        }
        file.sync_all()?;
        Ok(hasher.finish())
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
        hasher.update(b"abc");
        let fixity = hasher.finish();
        assert_eq!(fixity.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(fixity.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn large_blocks_hash_the_same_on_two_threads() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
        let mut whole = Hasher::default();
        whole.update(&data);
        let mut pieces = Hasher::default();
        for piece in data.chunks(1000) {
            pieces.update(piece);
        }
        assert_eq!(whole.finish(), pieces.finish());
    }
}
