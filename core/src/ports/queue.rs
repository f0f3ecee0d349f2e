use std::time::Duration;

use async_trait::async_trait;
use mediaport_shared::{AssetId, JobId, Notice, ShareId, codes};
use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, ServiceError};

/// Failures of the work queue, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("job {0} does not exist")]
    NoSuchJob(String),
    /// The job is not in a state that allows this (retrying a running job).
    #[error("{0}")]
    Conflict(String),
    #[error("queue is unavailable: {0}")]
    Unavailable(String),
    #[error("queue error: {0}")]
    Other(String),
}

impl ServiceError for QueueError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoSuchJob(_) => codes::NOT_FOUND,
            Self::Conflict(_) => "job-conflict",
            Self::Unavailable(_) => "queue-unavailable",
            Self::Other(_) => "queue-error",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NoSuchJob(_) => ErrorKind::NotFound,
            Self::Conflict(_) => ErrorKind::Conflict,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Other(_) => ErrorKind::Internal,
        }
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [Self::Queued, Self::Running, Self::Done, Self::Failed, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The kinds of work; a worker claims the kinds it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Ingest,
    Analyse,
    Relabel,
    Remove,
    Notify,
    Clip,
}

impl JobKind {
    pub const ALL: [JobKind; 6] = [Self::Ingest, Self::Analyse, Self::Relabel, Self::Remove, Self::Notify, Self::Clip];

    /// The name the queue stores and the API shows (a job's `stage`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingest => "ingest",
            Self::Analyse => "analyse",
            Self::Relabel => "relabel",
            Self::Remove => "remove",
            Self::Notify => "notify",
            Self::Clip => "clip",
        }
    }
}

/// The work a job does, with what it needs. A queue stores it as its kind and payload
/// (`{"kind": "remove", "payload": {"asset_id": …, "original": …}}`), the shape rows had
/// before jobs were typed, so those rows run as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Task {
    /// Fixity, technical metadata, proxies, thumbnails and frames.
    Ingest { asset_id: AssetId },
    /// Every analysis the asset's options ask for, on what ingest made; `again` when a
    /// user asked for it again (its end is announced as `analysis.done`).
    Analyse {
        asset_id: AssetId,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        again: bool,
    },
    /// The asset's face timelines and search document made again with the names people
    /// and collection faces have now and the corrections reviewers made; with `reread`,
    /// its key phrases, entities, sentiment and sentences for search by meaning are read
    /// again from its corrected transcript and on-screen text. Not a stage: the asset's
    /// status stays.
    Relabel {
        asset_id: AssetId,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reread: bool,
    },
    /// What was made from a deleted asset removed, and `original` too when given.
    Remove { asset_id: AssetId, original: Option<ObjectLocation> },
    /// A notice about the asset delivered to one notification target (by id: its address
    /// and secret are read when it is sent).
    Notify { asset_id: AssetId, target: String, notice: Notice },
    /// The stretch of a shared moment cut from the proxy, for its link to show.
    Clip { asset_id: AssetId, share_id: ShareId },
}

impl Task {
    pub fn kind(&self) -> JobKind {
        match self {
            Self::Ingest { .. } => JobKind::Ingest,
            Self::Analyse { .. } => JobKind::Analyse,
            Self::Relabel { .. } => JobKind::Relabel,
            Self::Remove { .. } => JobKind::Remove,
            Self::Notify { .. } => JobKind::Notify,
            Self::Clip { .. } => JobKind::Clip,
        }
    }

    pub fn asset_id(&self) -> &AssetId {
        match self {
            Self::Ingest { asset_id }
            | Self::Analyse { asset_id, .. }
            | Self::Relabel { asset_id, .. }
            | Self::Remove { asset_id, .. }
            | Self::Notify { asset_id, .. }
            | Self::Clip { asset_id, .. } => asset_id,
        }
    }

    /// The payload a queue stores beside the kind.
    pub fn payload(&self) -> serde_json::Value {
        let mut tagged = serde_json::to_value(self).unwrap_or_default();
        tagged.get_mut("payload").map(serde_json::Value::take).unwrap_or_default()
    }

    /// A task read back from a stored kind and payload.
    pub fn from_stored(kind: &str, payload: &str) -> Result<Self, QueueError> {
        let payload: serde_json::Value = serde_json::from_str(payload)
            .map_err(|e| QueueError::Other(format!("a {kind} job's payload is not JSON: {e}")))?;
        serde_json::from_value(serde_json::json!({"kind": kind, "payload": payload}))
            .map_err(|e| QueueError::Other(format!("a {kind} job's payload cannot be read: {e}")))
    }
}

/// Where an object is: a bucket and a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLocation {
    pub bucket: String,
    pub key: String,
}

/// What it takes to put work on the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub task: Task,
    /// Tries before the job fails for good.
    pub max_attempts: u32,
    /// At most one unfinished job per key: enqueuing it again returns the existing job.
    pub dedupe_key: Option<String>,
}

/// A job as the queue holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub task: Task,
    pub status: JobStatus,
    /// Tries started so far, this one included.
    pub attempts: u32,
    pub max_attempts: u32,
    /// The reason of the last failure, kept for the UI.
    pub error: Option<String>,
    /// RFC 3339 times.
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Unix milliseconds of the last change a watcher cares about (not lease renewals).
    pub changed_ms: i64,
    /// The last step the job's worker said it reached; cleared when it is claimed again.
    pub step: Option<String>,
}

/// Which jobs a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub asset_id: Option<AssetId>,
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
}

/// How long to wait before try `attempt + 1`: doubling from 5 s, at most an hour.
pub fn backoff(attempt: u32) -> Duration {
    let secs = 5u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
    Duration::from_secs(secs.min(3600))
}

/// Durable work for the workers: leases so a dead worker's job runs again, retries with
/// backoff, and failures that keep their reason.
#[async_trait]
pub trait Queue: Send + Sync {
    /// Adds a job, or returns the unfinished job that holds the same `dedupe_key`.
    async fn enqueue(&self, job: NewJob) -> Result<Job, QueueError>;
    /// Takes the oldest due job of one of `kinds` (or one whose worker's lease ran out) for `lease`.
    async fn claim(&self, worker: &str, kinds: &[JobKind], lease: Duration) -> Result<Option<Job>, QueueError>;
    /// Extends the worker's lease; `false` when the job is no longer the worker's.
    async fn renew(&self, id: &JobId, worker: &str, lease: Duration) -> Result<bool, QueueError>;
    /// Records the step the worker's job is on, for watchers; `false` when the job is no longer the worker's.
    async fn set_step(&self, id: &JobId, worker: &str, step: &str) -> Result<bool, QueueError>;
    /// Marks the worker's job done; `false` when the job is no longer the worker's.
    async fn complete(&self, id: &JobId, worker: &str) -> Result<bool, QueueError>;
    /// Records a failure: queued again after `retry_in` (see [`backoff`]) while tries remain, else
    /// (or with `None`: retrying cannot help) failed for good; `false` when the job is no longer the worker's.
    async fn fail(&self, id: &JobId, worker: &str, error: &str, retry_in: Option<Duration>)
    -> Result<bool, QueueError>;
    /// Puts the worker's job back in the queue until `wait` has passed, with `why` shown as
    /// its state, without spending a try: for jobs waiting on something slow outside
    /// (an archived original's restore), so that no worker is held; `false` when the job
    /// is no longer the worker's.
    async fn park(&self, id: &JobId, worker: &str, wait: Duration, why: &str) -> Result<bool, QueueError>;
    /// Stops a queued or running job; a running one's worker learns it at its next renewal.
    async fn cancel(&self, id: &JobId) -> Result<Job, QueueError>;
    /// Queues a failed or cancelled job again with fresh tries; `Conflict` otherwise.
    async fn retry(&self, id: &JobId) -> Result<Job, QueueError>;
    /// One job by id, or `NoSuchJob`.
    async fn get(&self, id: &JobId) -> Result<Job, QueueError>;
    /// Jobs changed at or after `since_ms` (Unix milliseconds), oldest change first, at most `limit`.
    async fn changed_since(&self, since_ms: i64, limit: u32) -> Result<Vec<Job>, QueueError>;
    /// Jobs matching `filter`, newest first, at most `limit`.
    async fn list(&self, filter: &JobFilter, limit: u32) -> Result<Vec<Job>, QueueError>;
    /// How many jobs a worker could take now: queued and due (not waiting out a backoff
    /// or a park), or running on a lease that ran out. What a fleet scales out on.
    async fn due(&self) -> Result<u64, QueueError>;
    /// How many jobs of each kind are in `status`, kinds with none left out.
    async fn counts(&self, status: JobStatus) -> Result<Vec<(JobKind, u64)>, QueueError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<u64> = (1..=5).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80]);
        assert_eq!(backoff(30), Duration::from_secs(3600));
        assert_eq!(backoff(0), Duration::from_secs(5));
    }

    #[test]
    fn tasks_read_back_from_rows_written_before_jobs_were_typed() {
        let remove = Task::from_stored("remove", r#"{"asset_id":"a1","original":{"bucket":"b","key":"k.mp4"}}"#);
        let original = Some(ObjectLocation { bucket: "b".into(), key: "k.mp4".into() });
        assert_eq!(remove.unwrap(), Task::Remove { asset_id: "a1".into(), original });
        let ingest = Task::from_stored("ingest", r#"{"asset_id":"a2"}"#).unwrap();
        assert_eq!((ingest.kind(), ingest.asset_id()), (JobKind::Ingest, &AssetId::from("a2")));
        let removed_without_original = Task::from_stored("remove", r#"{"asset_id":"a3","original":null}"#).unwrap();
        assert_eq!(removed_without_original, Task::Remove { asset_id: "a3".into(), original: None });
    }

    #[test]
    fn a_task_stores_as_its_kind_and_payload() {
        for task in [
            Task::Analyse { asset_id: "a1".into(), again: false },
            Task::Analyse { asset_id: "a1".into(), again: true },
            Task::Remove {
                asset_id: "a1".into(),
                original: Some(ObjectLocation { bucket: "b".into(), key: "k".into() }),
            },
        ] {
            let stored = Task::from_stored(task.kind().as_str(), &task.payload().to_string()).unwrap();
            assert_eq!(stored, task);
        }
    }

    #[test]
    fn an_unknown_kind_or_a_payload_without_its_asset_is_an_error_not_a_panic() {
        assert!(Task::from_stored("frames", r#"{"asset_id":"a1"}"#).is_err());
        assert!(Task::from_stored("ingest", r#"{"asset":"a1"}"#).is_err());
        assert!(Task::from_stored("ingest", "not json").is_err());
    }
}
