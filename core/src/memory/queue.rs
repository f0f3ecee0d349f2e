//! The queue in memory: leases, retries and keys as the SQL queue has them, for tests of
//! the use cases that queue work. It passes the same suite (`backends::testing::queue`).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;

use mediaport_shared::JobId;

use crate::ports::queue::{Job, JobFilter, JobKind, JobStatus, NewJob, Queue, QueueError};

/// A job with what only the queue needs to know of it.
#[derive(Debug, Clone)]
struct Held {
    job: Job,
    dedupe_key: Option<String>,
    /// Unix milliseconds: when a queued job is due.
    run_after: i64,
    lease: Option<(String, i64)>,
}

impl Held {
    fn unfinished(&self) -> bool {
        matches!(self.job.status, JobStatus::Queued | JobStatus::Running)
    }

    fn held_by(&self, worker: &str) -> bool {
        self.job.status == JobStatus::Running && self.lease.as_ref().is_some_and(|(owner, _)| owner == worker)
    }

    fn lease_ran_out(&self, now: i64) -> bool {
        self.job.status == JobStatus::Running && self.lease.as_ref().is_some_and(|(_, until)| *until < now)
    }
}

#[derive(Debug, Default)]
pub struct MemoryQueue {
    jobs: Mutex<BTreeMap<JobId, Held>>,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2)
}

impl MemoryQueue {
    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<JobId, Held>) -> T) -> T {
        // A test that panicked while holding the lock leaves the jobs as they were.
        super::locked(&self.jobs, f)
    }

    /// Runs `change` on the worker's job; `false` when the job is no longer the worker's.
    fn change_held(&self, id: &JobId, worker: &str, change: impl FnOnce(&mut Held)) -> bool {
        self.with(|jobs| match jobs.get_mut(id) {
            Some(held) if held.held_by(worker) => {
                change(held);
                true
            }
            _ => false,
        })
    }
}

/// Marks a change a watcher cares about.
fn touch(job: &mut Job) {
    job.changed_ms = now_ms().max(job.changed_ms + 1);
}

#[async_trait]
impl Queue for MemoryQueue {
    async fn enqueue(&self, new: NewJob) -> Result<Job, QueueError> {
        Ok(self.with(|jobs| {
            let same_key =
                |held: &&Held| held.unfinished() && held.dedupe_key.is_some() && held.dedupe_key == new.dedupe_key;
            if let Some(held) = jobs.values().find(same_key) {
                return held.job.clone();
            }
            let mut job = Job {
                id: crate::new_id(),
                task: new.task,
                status: JobStatus::Queued,
                attempts: 0,
                max_attempts: new.max_attempts.max(1),
                error: None,
                created_at: crate::now_rfc3339(),
                started_at: None,
                finished_at: None,
                changed_ms: 0,
                step: None,
            };
            touch(&mut job);
            let held = Held { job: job.clone(), dedupe_key: new.dedupe_key, run_after: now_ms(), lease: None };
            jobs.insert(job.id.clone(), held);
            job
        }))
    }

    async fn claim(&self, worker: &str, kinds: &[JobKind], lease: Duration) -> Result<Option<Job>, QueueError> {
        let now = now_ms();
        Ok(self.with(|jobs| {
            // A job whose workers kept dying on it fails for good.
            for held in jobs.values_mut().filter(|h| h.lease_ran_out(now) && h.job.attempts >= h.job.max_attempts) {
                held.job.status = JobStatus::Failed;
                held.job.error = Some(format!("its worker stopped without finishing it, {} times", held.job.attempts));
                held.job.finished_at = Some(crate::now_rfc3339());
                held.lease = None;
                touch(&mut held.job);
            }
            let due = |held: &&mut Held| {
                kinds.contains(&held.job.task.kind())
                    && ((held.job.status == JobStatus::Queued && held.run_after <= now) || held.lease_ran_out(now))
            };
            let held = jobs.values_mut().filter(due).min_by(|a, b| {
                (a.run_after, &a.job.created_at, &a.job.id).cmp(&(b.run_after, &b.job.created_at, &b.job.id))
            })?;
            held.job.status = JobStatus::Running;
            held.job.attempts += 1;
            held.job.started_at = Some(crate::now_rfc3339());
            held.job.finished_at = None;
            held.job.step = None;
            held.lease = Some((worker.to_owned(), now + ms(lease)));
            touch(&mut held.job);
            Some(held.job.clone())
        }))
    }

    async fn renew(&self, id: &JobId, worker: &str, lease: Duration) -> Result<bool, QueueError> {
        Ok(self.change_held(id, worker, |held| held.lease = Some((worker.to_owned(), now_ms() + ms(lease)))))
    }

    async fn set_step(&self, id: &JobId, worker: &str, step: &str) -> Result<bool, QueueError> {
        Ok(self.change_held(id, worker, |held| {
            if held.job.step.as_deref() != Some(step) {
                held.job.step = Some(step.to_owned());
                touch(&mut held.job);
            }
        }))
    }

    async fn complete(&self, id: &JobId, worker: &str) -> Result<bool, QueueError> {
        Ok(self.change_held(id, worker, |held| {
            held.job.status = JobStatus::Done;
            held.job.error = None;
            held.job.finished_at = Some(crate::now_rfc3339());
            held.lease = None;
            touch(&mut held.job);
        }))
    }

    async fn fail(
        &self,
        id: &JobId,
        worker: &str,
        error: &str,
        retry_in: Option<Duration>,
    ) -> Result<bool, QueueError> {
        Ok(self.change_held(id, worker, |held| {
            held.job.error = Some(error.to_owned());
            held.lease = None;
            match retry_in {
                Some(wait) if held.job.attempts < held.job.max_attempts => {
                    held.job.status = JobStatus::Queued;
                    held.run_after = now_ms() + ms(wait);
                    held.job.finished_at = None;
                }
                _ => {
                    held.job.status = JobStatus::Failed;
                    held.job.finished_at = Some(crate::now_rfc3339());
                }
            }
            touch(&mut held.job);
        }))
    }

    async fn park(&self, id: &JobId, worker: &str, wait: Duration, why: &str) -> Result<bool, QueueError> {
        Ok(self.change_held(id, worker, |held| {
            held.job.status = JobStatus::Queued;
            held.job.attempts = held.job.attempts.saturating_sub(1);
            held.job.error = Some(why.to_owned());
            held.lease = None;
            held.run_after = now_ms() + ms(wait);
            touch(&mut held.job);
        }))
    }

    async fn cancel(&self, id: &JobId) -> Result<Job, QueueError> {
        self.with(|jobs| {
            let held = jobs.get_mut(id).ok_or_else(|| QueueError::NoSuchJob(id.to_string()))?;
            if held.unfinished() {
                held.job.status = JobStatus::Cancelled;
                held.job.finished_at = Some(crate::now_rfc3339());
                held.lease = None;
                touch(&mut held.job);
            }
            Ok(held.job.clone())
        })
    }

    async fn retry(&self, id: &JobId) -> Result<Job, QueueError> {
        self.with(|jobs| {
            let held = jobs.get(id).ok_or_else(|| QueueError::NoSuchJob(id.to_string()))?;
            let status = held.job.status;
            if !matches!(status, JobStatus::Failed | JobStatus::Cancelled) {
                let status = status.as_str();
                return Err(QueueError::Conflict(format!(
                    "job {id} is {status}: only failed or cancelled jobs are retried"
                )));
            }
            let key = held.dedupe_key.clone();
            if key.is_some() && jobs.values().any(|other| other.unfinished() && other.dedupe_key == key) {
                return Err(QueueError::Conflict(format!("job {id} is already queued again under another id")));
            }
            let held = jobs.get_mut(id).ok_or_else(|| QueueError::NoSuchJob(id.to_string()))?;
            held.job.status = JobStatus::Queued;
            held.job.attempts = 0;
            held.job.finished_at = None;
            held.run_after = now_ms();
            touch(&mut held.job);
            Ok(held.job.clone())
        })
    }

    async fn get(&self, id: &JobId) -> Result<Job, QueueError> {
        self.with(|jobs| jobs.get(id).map(|held| held.job.clone()).ok_or_else(|| QueueError::NoSuchJob(id.to_string())))
    }

    async fn changed_since(&self, since_ms: i64, limit: u32) -> Result<Vec<Job>, QueueError> {
        let mut changed: Vec<Job> =
            self.with(|jobs| jobs.values().filter(|h| h.job.changed_ms >= since_ms).map(|h| h.job.clone()).collect());
        changed.sort_by(|a, b| (a.changed_ms, &a.id).cmp(&(b.changed_ms, &b.id)));
        changed.truncate(limit as usize);
        Ok(changed)
    }

    async fn list(&self, filter: &JobFilter, limit: u32) -> Result<Vec<Job>, QueueError> {
        let wanted = |job: &Job| {
            filter.asset_id.as_ref().is_none_or(|asset| job.task.asset_id() == asset)
                && filter.status.is_none_or(|status| job.status == status)
                && filter.kind.is_none_or(|kind| job.task.kind() == kind)
        };
        let mut listed: Vec<Job> = self.with(|jobs| jobs.values().map(|h| h.job.clone()).filter(wanted).collect());
        listed.sort_by(|a, b| (&b.created_at, &b.id).cmp(&(&a.created_at, &a.id)));
        listed.truncate(limit as usize);
        Ok(listed)
    }

    async fn due(&self) -> Result<u64, QueueError> {
        let now = now_ms();
        let due =
            |held: &&Held| (held.job.status == JobStatus::Queued && held.run_after <= now) || held.lease_ran_out(now);
        Ok(self.with(|jobs| jobs.values().filter(due).count() as u64))
    }

    async fn counts(&self, status: JobStatus) -> Result<Vec<(JobKind, u64)>, QueueError> {
        let mut counts: BTreeMap<&'static str, (JobKind, u64)> = BTreeMap::new();
        self.with(|jobs| {
            for held in jobs.values().filter(|h| h.job.status == status) {
                let kind = held.job.task.kind();
                counts.entry(kind.as_str()).or_insert((kind, 0)).1 += 1;
            }
        });
        Ok(counts.into_values().collect())
    }
}
