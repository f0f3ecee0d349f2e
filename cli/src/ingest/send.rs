//! Sends one file: skip it if it went before, resume its upload if one was cut short,
//! otherwise start one; parts go straight to storage, several at a time.

use std::collections::BTreeMap;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Context;
use futures::StreamExt;
use indicatif::ProgressBar;
use md5::{Digest, Md5};
use mediaport_shared::codes;
use mediaport_shared::{
    AiOptions, CompleteUploadRequest, CompletedPart, CreateUploadRequest, PartPlan, UploadId, plan_parts,
};
use tokio::sync::Semaphore;

use super::journal::{Entry, Journal};
use crate::client::{ApiFailure, Client};

/// Part URLs asked for in one request.
const URL_BATCH: usize = 64;
/// Tries for one part before the file fails (network drops, expired URLs).
const PART_TRIES: u32 = 4;

/// What every file's upload shares.
pub struct Shared {
    pub client: Client,
    pub journal: Journal,
    pub group: Option<String>,
    pub attributes: BTreeMap<String, String>,
    /// Analysis options for every new asset.
    pub ai_options: Option<AiOptions>,
    /// Parts in flight across all files.
    pub part_slots: Arc<Semaphore>,
    pub jobs: usize,
    pub total: ProgressBar,
}

/// How one file ended.
#[derive(Debug)]
pub enum Outcome {
    Uploaded { bytes: u64 },
    Skipped(String),
}

pub struct LocalFile {
    pub path: PathBuf,
    pub size: u64,
    pub modified_ms: i64,
}

impl LocalFile {
    pub fn stat(path: PathBuf) -> anyhow::Result<Self> {
        let meta = std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let modified_ms =
            meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_millis() as i64);
        Ok(Self { path, size: meta.len(), modified_ms })
    }
}

/// MD5 of a whole file, read on a blocking thread.
async fn file_md5(path: &Path) -> anyhow::Result<String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        use std::io::Read;
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = Md5::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(format!("{:x}", hasher.finalize()))
    })
    .await?
}

async fn read_part(path: &Path, plan: PartPlan, size: u64, number: u32) -> anyhow::Result<Vec<u8>> {
    let path = path.to_owned();
    let (start, end) = plan.range(size, number);
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let file = std::fs::File::open(&path)?;
        let mut buf = vec![0u8; (end - start) as usize];
        file.read_exact_at(&mut buf, start)?;
        Ok(buf)
    })
    .await?
}

pub async fn send(ctx: &Shared, file: &LocalFile, bar: &ProgressBar) -> anyhow::Result<Outcome> {
    let known = ctx.journal.get(&file.path).filter(|e| e.size == file.size && e.modified_ms == file.modified_ms);
    if known.as_ref().is_some_and(|e| e.done) {
        return Ok(Outcome::Skipped("uploaded in an earlier run".to_owned()));
    }
    // The MD5 is needed first only when a finished upload of the same size could hold the
    // same bytes; otherwise it is computed while the parts go out (the file is read twice,
    // but the second read overlaps the upload instead of preceding it).
    let mut md5 = known.as_ref().and_then(|e| e.md5.clone());
    if md5.is_none() && ctx.journal.has_done_size(file.size) {
        md5 = Some(file_md5(&file.path).await?);
    }
    if let Some(twin) = md5.as_deref().and_then(|m| ctx.journal.find_done(file.size, m)) {
        return Ok(Outcome::Skipped(format!("same bytes as {}, uploaded before", twin.path.display())));
    }
    let hashing = {
        let (path, known) = (file.path.clone(), md5.clone());
        tokio::spawn(async move {
            match known {
                Some(md5) => Ok(md5),
                None => file_md5(&path).await,
            }
        })
    };
    let plan = plan_parts(file.size).context("empty files and files over 5 TiB cannot be uploaded")?;
    let mut entry = Entry {
        path: file.path.clone(),
        size: file.size,
        modified_ms: file.modified_ms,
        md5: md5.clone(),
        upload_id: None,
        asset_id: None,
        done: false,
    };

    let mut held = BTreeMap::new();
    if let Some(upload_id) = known.and_then(|e| e.upload_id) {
        match ctx.client.stored_parts(&upload_id).await {
            Ok(stored) => {
                for part in stored.parts {
                    if part.size == plan.part_len(file.size, part.part_number) {
                        held.insert(part.part_number, part.etag);
                    }
                }
                entry.upload_id = Some(upload_id);
            }
            Err(err) if is_code(&err, codes::UPLOAD_COMPLETED) => {
                entry.upload_id = Some(upload_id);
                entry.done = true;
                ctx.journal.record(entry)?;
                return Ok(Outcome::Skipped("finished in an earlier run".to_owned()));
            }
            // Cancelled, swept or unknown to this server: start again.
            Err(_) => {}
        }
    }
    if entry.upload_id.is_none() {
        let request = CreateUploadRequest {
            filename: file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            size: file.size,
            content_type: None,
            md5: md5.clone(),
            group: ctx.group.clone(),
            attributes: ctx.attributes.clone(),
            ai_options: ctx.ai_options.clone(),
        };
        let upload = ctx.client.create_upload(&request).await?;
        entry.upload_id = Some(upload.upload_id);
        entry.asset_id = Some(upload.asset_id);
        ctx.journal.record(entry.clone())?;
    }
    let upload_id = entry.upload_id.clone().expect("set above");

    let done_bytes: u64 = held.keys().map(|&n| plan.part_len(file.size, n)).sum();
    bar.inc(done_bytes);
    ctx.total.inc(done_bytes);
    let missing: Vec<u32> = (1..=plan.part_count).filter(|n| !held.contains_key(n)).collect();
    let sent = futures::stream::iter(missing.chunks(URL_BATCH).map(<[u32]>::to_vec))
        .map(|batch| send_batch(ctx, file, plan, &upload_id, batch, bar))
        .buffer_unordered(2)
        .collect::<Vec<_>>()
        .await;
    for batch in sent {
        held.extend(batch?);
    }

    let parts = held.into_iter().map(|(part_number, etag)| CompletedPart { part_number, etag }).collect();
    let md5 = hashing.await??;
    let request = CompleteUploadRequest { parts, md5: Some(md5.clone()) };
    let asset = ctx.client.complete(&upload_id, &request).await?;
    entry.md5 = Some(md5);
    entry.asset_id = Some(asset.id);
    entry.done = true;
    ctx.journal.record(entry)?;
    Ok(Outcome::Uploaded { bytes: file.size })
}

async fn send_batch(
    ctx: &Shared,
    file: &LocalFile,
    plan: PartPlan,
    upload_id: &UploadId,
    numbers: Vec<u32>,
    bar: &ProgressBar,
) -> anyhow::Result<Vec<(u32, String)>> {
    let urls = ctx.client.part_urls(upload_id, numbers).await?;
    futures::stream::iter(urls.parts)
        .map(|part| async move {
            let etag = send_part(ctx, file, plan, upload_id, part.part_number, part.url, bar).await?;
            Ok::<_, anyhow::Error>((part.part_number, etag))
        })
        .buffer_unordered(ctx.jobs)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

async fn send_part(
    ctx: &Shared,
    file: &LocalFile,
    plan: PartPlan,
    upload_id: &UploadId,
    number: u32,
    mut url: String,
    bar: &ProgressBar,
) -> anyhow::Result<String> {
    let _slot = ctx.part_slots.acquire().await?;
    let bytes = read_part(&file.path, plan, file.size, number).await?;
    let len = bytes.len() as u64;
    let mut last_error = None;
    for attempt in 0..PART_TRIES {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
            // The URL may have expired while the network was down.
            if let Some(fresh) =
                ctx.client.part_urls(upload_id, vec![number]).await.ok().and_then(|u| u.parts.into_iter().next())
            {
                url = fresh.url;
            }
        }
        match ctx.client.http().put(&url).body(bytes.clone()).send().await {
            Ok(response) if response.status().is_success() => {
                let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
                let etag = etag.context("storage answered a part without an ETag (is ETag exposed?)")?;
                bar.inc(len);
                ctx.total.inc(len);
                return Ok(etag);
            }
            Ok(response) => {
                let status = response.status();
                last_error = Some(anyhow::anyhow!("storage refused part {number}: {status}"));
            }
            Err(err) => last_error = Some(anyhow::Error::new(err).context(format!("part {number} did not arrive"))),
        }
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("part {number} failed")))
}

fn is_code(err: &anyhow::Error, code: &str) -> bool {
    err.downcast_ref::<ApiFailure>().is_some_and(|f| f.code == code)
}
