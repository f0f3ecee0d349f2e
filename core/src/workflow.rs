//! The stages an asset goes through, as jobs on the queue. Ingest comes first; analysis
//! stages follow once ingest has made the frames and proxies they read.

use mediaport_shared::{Asset, AssetId, AssetStatus, JobId, NoticeKind};

use crate::error::{ErrorKind, ServiceError};
use crate::notify::notice;
use crate::ports::catalog::{AssetFilter, Catalog, CatalogError};
use crate::ports::queue::{Job, JobFilter, JobKind, JobStatus, NewJob, ObjectLocation, Queue, QueueError, Task};

/// Tries before a stage's job fails for good.
const ATTEMPTS: u32 = 5;

/// A job for `task`; `keyed` keeps a second request from queuing it twice while one is
/// unfinished.
fn job(task: Task, keyed: bool) -> NewJob {
    let dedupe_key = keyed.then(|| format!("{}:{}", task.kind().as_str(), task.asset_id()));
    NewJob { task, max_attempts: ATTEMPTS, dedupe_key }
}

/// The ingest job of an asset.
pub fn ingest_job(asset_id: &AssetId) -> NewJob {
    job(Task::Ingest { asset_id: asset_id.clone() }, true)
}

/// The analysis job of an asset, queued once ingest has made what it reads.
pub fn analyse_job(asset_id: &AssetId) -> NewJob {
    job(Task::Analyse { asset_id: asset_id.clone(), again: false }, true)
}

/// The job of an analysis a user asked for again.
pub fn reanalyse_job(asset_id: &AssetId) -> NewJob {
    job(Task::Analyse { asset_id: asset_id.clone(), again: true }, true)
}

/// A relabelling job. It has no key: a job already running may have read the names
/// before the change that queues this one.
pub fn relabel_job(asset_id: &AssetId) -> NewJob {
    job(Task::Relabel { asset_id: asset_id.clone(), reread: false }, false)
}

/// A relabelling job that also reads the asset's words again (a reviewer corrected what
/// was said or shown as text). No key, as for relabelling.
pub fn reread_job(asset_id: &AssetId) -> NewJob {
    job(Task::Relabel { asset_id: asset_id.clone(), reread: true }, false)
}

/// The job that cuts a shared moment's clip.
pub fn clip_job(asset_id: &AssetId, share_id: &mediaport_shared::ShareId) -> NewJob {
    job(Task::Clip { asset_id: asset_id.clone(), share_id: share_id.clone() }, false)
}

/// The removal job of a deleted asset; `original` (bucket, key) is purged too. No key:
/// a stage that ran on past the delete queues one more for what it made.
pub fn remove_job(asset_id: &AssetId, original: Option<(&str, &str)>) -> NewJob {
    let original = original.map(|(bucket, key)| ObjectLocation { bucket: bucket.to_owned(), key: key.to_owned() });
    job(Task::Remove { asset_id: asset_id.clone(), original }, false)
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
/// queue gave up) fails with the job's reason, announced; one with no live job (a crash between one
/// stage and queuing the next) gets one. Queuing is idempotent, so assets whose job is
/// alive are untouched. Returns how many assets were looked at.
pub async fn resume_ingests(catalog: &dyn Catalog, queue: &dyn Queue) -> Result<usize, WorkflowError> {
    let mut seen = 0;
    for (status, stage) in [(AssetStatus::Ingesting, JobKind::Ingest), (AssetStatus::Analysing, JobKind::Analyse)] {
        let filter = AssetFilter { asset_type: None, status: Some(status) };
        let mut after: Option<AssetId> = None;
        loop {
            let page = catalog.list_assets(&filter, 200, after.as_ref()).await?;
            for asset in &page {
                // The stage's own newest job: a notice's delivery may be newer.
                let jobs = JobFilter { asset_id: Some(asset.id.clone()), status: None, kind: Some(stage) };
                match queue.list(&jobs, 1).await?.pop() {
                    Some(job)
                        if job.task.kind() == stage
                            && matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) =>
                    {
                        let reason = job.error.unwrap_or_else(|| format!("{} was cancelled", stage.as_str()));
                        let failed = catalog.set_asset_status(&asset.id, AssetStatus::Failed, Some(&reason)).await?;
                        crate::notify::announce(catalog, queue, notice(&failed, NoticeKind::AssetFailed, None)).await?;
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

/// Queues a failed or cancelled job again with fresh tries. The asset of a stage's job
/// shows as being processed again at once, its old reason cleared.
pub async fn retry(queue: &dyn Queue, catalog: &dyn Catalog, job_id: &JobId) -> Result<Job, WorkflowError> {
    let job = queue.retry(job_id).await?;
    let status = match job.task.kind() {
        JobKind::Ingest => AssetStatus::Ingesting,
        JobKind::Analyse => AssetStatus::Analysing,
        JobKind::Relabel | JobKind::Remove | JobKind::Notify | JobKind::Clip => return Ok(job),
    };
    catalog.set_asset_status(job.task.asset_id(), status, None).await?;
    Ok(job)
}

/// Why a workflow step could not be taken: the catalog's or the queue's failure.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl ServiceError for WorkflowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Catalog(err) => err.code(),
            Self::Queue(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Catalog(err) => err.kind(),
            Self::Queue(err) => err.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use mediaport_shared::AssetStatus;

    use super::*;
    use crate::memory::{MemoryQueue, asset};

    #[tokio::test]
    async fn an_asset_gets_the_job_of_the_stage_it_waits_for_once() {
        let queue = MemoryQueue::default();
        let ingesting = asset(AssetStatus::Ingesting);
        start_next(&queue, &ingesting).await.unwrap();
        start_next(&queue, &ingesting).await.unwrap();
        let analysing = asset(AssetStatus::Analysing);
        start_next(&queue, &analysing).await.unwrap();
        start_next(&queue, &asset(AssetStatus::Ready)).await.unwrap();

        let queued = queue.list(&JobFilter::default(), 10).await.unwrap();
        let mut tasks: Vec<(JobKind, &AssetId)> = queued.iter().map(|j| (j.task.kind(), j.task.asset_id())).collect();
        tasks.sort();
        let mut expected = vec![(JobKind::Ingest, &ingesting.id), (JobKind::Analyse, &analysing.id)];
        expected.sort();
        assert_eq!(tasks, expected, "one job per stage asked for, none for a ready asset");
    }

    #[tokio::test]
    async fn a_removal_carries_the_original_to_purge() {
        let queue = MemoryQueue::default();
        let job = queue.enqueue(remove_job(&"a1".into(), Some(("ingest", "a1/clip.mp4")))).await.unwrap();
        let original = Some(ObjectLocation { bucket: "ingest".into(), key: "a1/clip.mp4".into() });
        assert_eq!(job.task, Task::Remove { asset_id: "a1".into(), original });
        assert_eq!(job.max_attempts, ATTEMPTS);
        let again = queue.enqueue(remove_job(&"a1".into(), None)).await.unwrap();
        assert_ne!(again.id, job.id, "removals have no key: a late stage queues one more");
    }
}
