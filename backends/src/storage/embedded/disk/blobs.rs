//! Blob files: written once under a fresh name, then only read, copied or deleted.
//!
//! A write goes to `tmp/` and is renamed into `blobs/` only when its body ended as the
//! client meant it to: a write that fails, runs out of disk, or whose request is dropped
//! mid-body removes its temporary file and leaves no blob behind.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use md5::{Digest, Md5};
use sqlx::Row;
use tokio::sync::mpsc;

use super::{DiskError, DiskStore, Written, blobs_of};

/// The most one blob holds: S3's largest part and largest single PUT (5 GiB).
pub const MAX_BLOB: u64 = 5 * 1024 * 1024 * 1024;

/// What the request side hands the writing thread.
enum Piece {
    Bytes(Bytes),
    /// The body is complete: keep it.
    End,
}

impl DiskStore {
    /// Streams `body` into a new blob, hashing it on the way; the hashing and file writes
    /// run on a blocking thread so the async runtime keeps serving other requests. A
    /// body over `limit` bytes is refused (`TooLarge`) and nothing of it is kept.
    pub async fn write_blob<S, E>(&self, mut body: S, limit: u64) -> Result<Written, DiskError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let blob = uuid::Uuid::new_v4().simple().to_string();
        let tmp = self.root.join("tmp").join(&blob);
        let dest = self.blob_path(&blob);
        let (tx, mut rx) = mpsc::channel::<Piece>(16);
        let writer = tokio::task::spawn_blocking(move || {
            let outcome = receive(&tmp, &mut rx).and_then(|done| match done {
                Some(done) => publish(&tmp, &dest).map(|()| Some(done)),
                None => Ok(None),
            });
            if !matches!(outcome, Ok(Some(_))) {
                let _ = std::fs::remove_file(&tmp);
            }
            outcome
        });
        let (mut failure, mut size) = (None, 0u64);
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(chunk) => {
                    size += chunk.len() as u64;
                    if size > limit {
                        failure = Some(DiskError::TooLarge(limit));
                        break;
                    }
                    // A closed channel means the writer failed; its error says why.
                    if tx.send(Piece::Bytes(chunk)).await.is_err() {
                        break;
                    }
                }
                Err(err) => {
                    failure = Some(DiskError::Body(err.to_string()));
                    break;
                }
            }
        }
        if failure.is_none() {
            let _ = tx.send(Piece::End).await;
        }
        drop(tx);
        let written = writer.await.map_err(|e| DiskError::Io(std::io::Error::other(e)))?;
        if let Some(failure) = failure {
            return Err(failure);
        }
        match written? {
            Some((size, md5)) => Ok(Written { blob, size, md5 }),
            None => Err(DiskError::Body("the body ended early".into())),
        }
    }

    /// A new blob holding the same bytes (a hard link when the file system allows).
    pub async fn clone_blob(&self, blob: &str) -> Result<String, DiskError> {
        let copy = uuid::Uuid::new_v4().simple().to_string();
        let (from, to) = (self.blob_path(blob), self.blob_path(&copy));
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(to.parent().expect("blob paths have a parent"))?;
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| DiskError::Io(std::io::Error::other(e)))??;
        Ok(copy)
    }

    /// Deletes blob files no row references any more; a failure only wastes space,
    /// which the sweep at the next start takes back.
    pub async fn remove_blobs(&self, blobs: &[String]) {
        for blob in blobs {
            if let Err(err) = tokio::fs::remove_file(self.blob_path(blob)).await {
                tracing::warn!(blob, error = %err, "could not remove a blob");
            }
        }
    }

    /// Deletes the blob files no object or part references: left by a crash between an
    /// index change and the file's removal. Run before the endpoint serves, when no write
    /// is half-way. Returns how many went.
    pub(super) async fn remove_orphans(&self) -> Result<usize, DiskError> {
        let mut referenced = HashSet::new();
        for row in sqlx::query("SELECT segments FROM objects").fetch_all(&self.db).await? {
            referenced.extend(blobs_of(&row.try_get::<String, _>("segments")?)?);
        }
        for row in sqlx::query("SELECT blob FROM parts").fetch_all(&self.db).await? {
            referenced.insert(row.try_get::<String, _>("blob")?);
        }
        let folder = self.root.join("blobs");
        let orphans = tokio::task::spawn_blocking(move || -> std::io::Result<usize> {
            let mut removed = 0;
            for shard in std::fs::read_dir(&folder)?.flatten() {
                for file in std::fs::read_dir(shard.path())?.flatten() {
                    let name = file.file_name().to_string_lossy().into_owned();
                    if !referenced.contains(&name) {
                        std::fs::remove_file(file.path())?;
                        removed += 1;
                    }
                }
            }
            Ok(removed)
        })
        .await
        .map_err(|e| DiskError::Io(std::io::Error::other(e)))??;
        Ok(orphans)
    }
}

/// Writes what arrives to `tmp`; `None` when the sender went away before the end (the
/// request was dropped mid-body).
fn receive(tmp: &Path, rx: &mut mpsc::Receiver<Piece>) -> std::io::Result<Option<(u64, [u8; 16])>> {
    let mut file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(tmp)?);
    let (mut hasher, mut size) = (Md5::new(), 0u64);
    while let Some(piece) = rx.blocking_recv() {
        match piece {
            Piece::Bytes(chunk) => {
                hasher.update(&chunk);
                file.write_all(&chunk)?;
                size += chunk.len() as u64;
            }
            Piece::End => {
                let file = file.into_inner().map_err(|e| e.into_error())?;
                file.sync_data()?;
                return Ok(Some((size, hasher.finalize().into())));
            }
        }
    }
    Ok(None)
}

/// Moves a finished temporary file to its blob path, durably: a rename is only on disk
/// once the folder that holds the new name is.
fn publish(tmp: &Path, dest: &Path) -> std::io::Result<()> {
    let folder = dest.parent().expect("blob paths have a parent");
    std::fs::create_dir_all(folder)?;
    std::fs::rename(tmp, dest)?;
    std::fs::File::open(folder)?.sync_all()
}
