//! The stages an asset goes through, as jobs on the queue. Ingest comes first; analysis
//! stages follow once ingest has made the frames and proxies they read.

use mediaport_shared::{Asset, AssetStatus};

use crate::ports::catalog::{AssetFilter, Catalog, CatalogError};
use crate::ports::queue::{JobFilter, JobStatus, NewJob, Queue, QueueError};

/// Fixity, technical metadata, proxies, thumbnails and frames.
pub const INGEST: &str = "ingest";

/// Shots, on-screen text, moderation: the frames and proxies ingest made, analysed.
pub const ANALYSE: &str = "analyse";

/// An asset's `face` and `face_match` timelines made again from its stored faces with the
/// names people and collection faces have now, and its search document with them.
pub const RELABEL: &str = "relabel";

/// What was made from a deleted asset removed: its proxies and results, its search entry
/// and vectors, and with `purge` its original.
pub const REMOVE: &str = "remove";

/// Tries before a stage's job fails for good.
const ATTEMPTS: u32 = 5;

/// A stage's job for an asset; its key keeps a second request from queuing it twice.
fn stage_job(stage: &str, asset_id: &str) -> NewJob {
    NewJob {
        kind: stage.to_owned(),
        asset_id: Some(asset_id.to_owned()),
        payload: serde_json::json!({"asset_id": asset_id}),
        max_attempts: ATTEMPTS,
        dedupe_key: Some(format!("{stage}:{asset_id}")),
    }
}

/// The ingest job of an asset.
pub fn ingest_job(asset_id: &str) -> NewJob {
    stage_job(INGEST, asset_id)
}

/// The analysis job of an asset, queued once ingest has made what it reads.
pub fn analyse_job(asset_id: &str) -> NewJob {
    stage_job(ANALYSE, asset_id)
}

/// A relabelling job. It has no key: a job already running may have read the names
/// before the change that queues this one.
pub fn relabel_job(asset_id: &str) -> NewJob {
    NewJob { dedupe_key: None, ..stage_job(RELABEL, asset_id) }
}

/// The removal job of a deleted asset; `original` (bucket, key) is purged too. No key:
/// a stage that ran on past the delete queues one more for what it made.
pub fn remove_job(asset_id: &str, original: Option<(&str, &str)>) -> NewJob {
    let original = original.map(|(bucket, key)| serde_json::json!({"bucket": bucket, "key": key}));
    NewJob {
        payload: serde_json::json!({"asset_id": asset_id, "original": original}),
        dedupe_key: None,
        ..stage_job(REMOVE, asset_id)
    }
}

/// Queues the stage an asset waits for: ingest when `ingesting`, analysis when
/// `analysing`; assets in other states need none.
pub async fn start_next(queue: &dyn Queue, asset: &Asset) -> Result<(), QueueError> {
    match asset.status {
        AssetStatus::Ingesting => queue.enqueue(ingest_job(&asset.id)).await.map(drop),
        AssetStatus::Analysing => queue.enqueue(analyse_job(&asset.id)).await.map(drop),
        _ => Ok(()),
    }
}

/// Queues the ingest of an asset whose original is whole; other assets need none.
pub async fn start_ingest(queue: &dyn Queue, asset: &Asset) -> Result<(), QueueError> {
    if asset.status == AssetStatus::Ingesting {
        queue.enqueue(ingest_job(&asset.id)).await?;
    }
    Ok(())
}

/// Settles every asset left `ingesting` or `analysing`: one whose job for that stage ended
/// failed or cancelled without the asset hearing of it (its workers kept dying, so the
/// queue gave up) fails with the job's reason; one with no live job (a crash between one
/// stage and queuing the next) gets one. Queuing is idempotent, so assets whose job is
/// alive are untouched. Returns how many assets were looked at.
pub async fn resume_ingests(catalog: &dyn Catalog, queue: &dyn Queue) -> Result<usize, ResumeError> {
    let mut seen = 0;
    for (status, stage) in [(AssetStatus::Ingesting, INGEST), (AssetStatus::Analysing, ANALYSE)] {
        let filter = AssetFilter { asset_type: None, status: Some(status) };
        let mut after: Option<String> = None;
        loop {
            let page = catalog.list_assets(&filter, 200, after.as_deref()).await?;
            for asset in &page {
                let jobs = JobFilter { asset_id: Some(asset.id.clone()), status: None };
                match queue.list(&jobs, 1).await?.pop() {
                    Some(job)
                        if job.kind == stage && matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) =>
                    {
                        let reason = job.error.unwrap_or_else(|| format!("{stage} was cancelled"));
                        catalog.set_asset_status(&asset.id, AssetStatus::Failed, Some(&reason)).await?;
                    }
                    _ => start_next(queue, asset).await?,
                }
            }
            seen += page.len();
            match page.last() {
                Some(last) if page.len() == 200 => after = Some(last.id.clone()),
                _ => break,
            }
        }
    }
    Ok(seen)
}

/// Why resuming stopped.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}
