use std::time::Duration;

use async_trait::async_trait;

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

impl QueueError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSuchJob(_) => "not-found",
            Self::Conflict(_) => "job-conflict",
            Self::Unavailable(_) => "queue-unavailable",
            Self::Other(_) => "queue-error",
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

/// What it takes to put work on the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// The stage that runs it, e.g. `ingest`.
    pub kind: String,
    pub asset_id: Option<String>,
    pub payload: serde_json::Value,
    /// Tries before the job fails for good.
    pub max_attempts: u32,
    /// At most one unfinished job per key: enqueuing it again returns the existing job.
    pub dedupe_key: Option<String>,
}

/// A job as the queue holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub asset_id: Option<String>,
    pub payload: serde_json::Value,
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
    pub asset_id: Option<String>,
    pub status: Option<JobStatus>,
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
    async fn claim(&self, worker: &str, kinds: &[&str], lease: Duration) -> Result<Option<Job>, QueueError>;
    /// Extends the worker's lease; `false` when the job is no longer the worker's.
    async fn renew(&self, id: &str, worker: &str, lease: Duration) -> Result<bool, QueueError>;
    /// Records the step the worker's job is on, for watchers; `false` when the job is no longer the worker's.
    async fn set_step(&self, id: &str, worker: &str, step: &str) -> Result<bool, QueueError>;
    /// Marks the worker's job done; `false` when the job is no longer the worker's.
    async fn complete(&self, id: &str, worker: &str) -> Result<bool, QueueError>;
    /// Records a failure: queued again after `retry_in` (see [`backoff`]) while tries remain, else
    /// (or with `None`: retrying cannot help) failed for good; `false` when the job is no longer the worker's.
    async fn fail(&self, id: &str, worker: &str, error: &str, retry_in: Option<Duration>) -> Result<bool, QueueError>;
    /// Stops a queued or running job; a running one's worker learns it at its next renewal.
    async fn cancel(&self, id: &str) -> Result<Job, QueueError>;
    /// Queues a failed or cancelled job again with fresh tries; `Conflict` otherwise.
    async fn retry(&self, id: &str) -> Result<Job, QueueError>;
    /// One job by id, or `NoSuchJob`.
    async fn get(&self, id: &str) -> Result<Job, QueueError>;
    /// Jobs changed at or after `since_ms` (Unix milliseconds), oldest change first, at most `limit`.
    async fn changed_since(&self, since_ms: i64, limit: u32) -> Result<Vec<Job>, QueueError>;
    /// Jobs matching `filter`, newest first, at most `limit`.
    async fn list(&self, filter: &JobFilter, limit: u32) -> Result<Vec<Job>, QueueError>;
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
}
