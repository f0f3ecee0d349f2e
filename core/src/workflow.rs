//! The stages an asset goes through, as jobs on the queue. Ingest comes first; analysis
//! stages follow once ingest has made the frames and proxies they read.

use mediaport_shared::{Asset, AssetStatus};

use crate::ports::catalog::{AssetFilter, Catalog, CatalogError};
use crate::ports::queue::{JobFilter, JobStatus, NewJob, Queue, QueueError};

/// Fixity, technical metadata, proxies, thumbnails and frames.
pub const INGEST: &str = "ingest";

/// Tries before an ingest job fails for good.
const INGEST_ATTEMPTS: u32 = 5;

/// The ingest job of an asset; its key keeps a second request from queuing it twice.
pub fn ingest_job(asset_id: &str) -> NewJob {
    NewJob {
        kind: INGEST.to_owned(),
        asset_id: Some(asset_id.to_owned()),
        payload: serde_json::json!({"asset_id": asset_id}),
        max_attempts: INGEST_ATTEMPTS,
        dedupe_key: Some(format!("{INGEST}:{asset_id}")),
    }
}

/// Queues the ingest of an asset whose original is whole; other assets need none.
pub async fn start_ingest(queue: &dyn Queue, asset: &Asset) -> Result<(), QueueError> {
    if asset.status == AssetStatus::Ingesting {
        queue.enqueue(ingest_job(&asset.id)).await?;
    }
    Ok(())
}

/// Settles every asset left `ingesting`: one whose ingest job ended failed or cancelled
/// without the asset hearing of it (its workers kept dying, so the queue gave up) fails
/// with the job's reason; one with no live job (a crash between completing an upload and
/// queuing its ingest) gets one. Queuing is idempotent, so assets whose job is alive are
/// untouched. Returns how many assets were looked at.
pub async fn resume_ingests(catalog: &dyn Catalog, queue: &dyn Queue) -> Result<usize, ResumeError> {
    let filter = AssetFilter { asset_type: None, status: Some(AssetStatus::Ingesting) };
    let mut after: Option<String> = None;
    let mut seen = 0;
    loop {
        let page = catalog.list_assets(&filter, 200, after.as_deref()).await?;
        for asset in &page {
            let jobs = JobFilter { asset_id: Some(asset.id.clone()), status: None };
            match queue.list(&jobs, 1).await?.pop() {
                Some(job) if job.kind == INGEST && matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) => {
                    let reason = job.error.unwrap_or_else(|| "ingest was cancelled".into());
                    catalog.set_asset_status(&asset.id, AssetStatus::Failed, Some(&reason)).await?;
                }
                _ => start_ingest(queue, asset).await?,
            }
        }
        seen += page.len();
        match page.last() {
            Some(last) if page.len() == 200 => after = Some(last.id.clone()),
            _ => return Ok(seen),
        }
    }
}

/// Why resuming stopped.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}
