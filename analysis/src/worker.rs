//! The worker loop: claims jobs, keeps their leases alive while they run, and records
//! how each ended. Runs inside `mediaport serve` and as `mediaport worker` processes;
//! any number of them share one queue.

use std::sync::Arc;
use std::time::Duration;

use mediaport_core::notify;
use mediaport_core::removal::Removal;
use mediaport_core::workflow;
use mediaport_core::{
    Catalog, CatalogError, Job, JobKind, Notifier, NotifyError, ObjectLocation, Queue, Task, backoff,
};
use mediaport_shared::{Asset, AssetId, AssetStatus, JobId, Notice, NoticeKind};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::analyse::Analyse;
use crate::ingest::Ingest;
use crate::job::{JobError, Progress};

/// How a worker takes work.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Unique among workers: leases are held in its name.
    pub name: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a claim lasts without renewal; renewed every third of it.
    pub lease: Duration,
    /// How long to wait before asking again when no job is due.
    pub idle_poll: Duration,
    /// The web app's address (`server.public_url`), for links in notifications.
    pub public_url: Option<String>,
}

impl WorkerConfig {
    /// A name no other worker has: host, process and a random tail.
    pub fn unique_name() -> String {
        let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "worker".into());
        format!("{host}-{}-{}", std::process::id(), &mediaport_core::new_id::<String>()[24..])
    }
}

/// Runs the workflow stages of assets off the queue.
#[derive(Clone)]
pub struct Worker {
    queue: Arc<dyn Queue>,
    catalog: Arc<dyn Catalog>,
    ingest: Ingest,
    analyse: Analyse,
    config: WorkerConfig,
    /// Sends notifications; a worker without one leaves their deliveries to others.
    notifier: Option<Arc<dyn Notifier>>,
}

impl Worker {
    pub fn new(queue: Arc<dyn Queue>, ingest: Ingest, analyse: Analyse, config: WorkerConfig) -> Self {
        let catalog = ingest.catalog.clone();
        Self { queue, catalog, ingest, analyse, config, notifier: None }
    }

    /// The worker delivers notifications with `notifier` too.
    pub fn notifying(self, notifier: Arc<dyn Notifier>) -> Self {
        Self { notifier: Some(notifier), ..self }
    }

    /// The kinds of job this worker takes.
    fn kinds(&self) -> &'static [JobKind] {
        const WITHOUT_NOTIFY: [JobKind; 5] =
            [JobKind::Ingest, JobKind::Analyse, JobKind::Relabel, JobKind::Remove, JobKind::Clip];
        if self.notifier.is_some() { &JobKind::ALL } else { &WITHOUT_NOTIFY }
    }

    /// Takes and runs jobs until `stop`; jobs still running then are dropped (their tools
    /// killed) and another worker takes them over when their leases run out.
    pub async fn run(self, stop: CancellationToken) {
        tracing::info!(worker = self.config.name, concurrency = self.config.concurrency, "worker started");
        let dropped = self.ingest.sweep_copies().await;
        if dropped > 0 {
            tracing::info!(dropped, "removed copies of originals no job will resume");
        }
        let slots = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut running = JoinSet::new();
        loop {
            let permit = tokio::select! {
                permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
                () = stop.cancelled() => break,
            };
            while running.try_join_next().is_some() {}
            match self.queue.claim(&self.config.name, self.kinds(), self.config.lease).await {
                Ok(Some(job)) => {
                    let worker = self.clone();
                    running.spawn(async move {
                        worker.run_job(job).await;
                        drop(permit);
                    });
                    continue;
                }
                Ok(None) => {
                    drop(permit);
                    // Nothing to do: a good time to give idle models' memory back (models
                    // a running job holds stay).
                    self.analyse.release_idle_models();
                }
                Err(err) => {
                    drop(permit);
                    tracing::warn!(error = %err, "cannot reach the queue; trying again");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.idle_poll) => {}
                () = stop.cancelled() => break,
            }
        }
        running.shutdown().await;
        tracing::info!(worker = self.config.name, "worker stopped");
    }

    /// Runs due jobs one at a time until none is left; returns how many ran (tests).
    pub async fn drain(&self) -> usize {
        let mut ran = 0;
        while let Ok(Some(job)) = self.queue.claim(&self.config.name, self.kinds(), self.config.lease).await {
            self.run_job(job).await;
            ran += 1;
        }
        ran
    }

    /// Runs one claimed job while renewing its lease; stops it if the lease is lost
    /// (cancelled, or taken over after this worker was cut off).
    async fn run_job(&self, job: Job) {
        let (kind, asset) = (job.task.kind().as_str(), job.task.asset_id());
        let span = tracing::info_span!("job", id = %job.id, kind, asset = %asset, attempt = job.attempts);
        metrics::gauge!("mediaport_jobs_running", "kind" => kind).increment(1);
        let started = std::time::Instant::now();
        let outcome = self.run_held(&job, started).instrument(span).await;
        metrics::gauge!("mediaport_jobs_running", "kind" => kind).decrement(1);
        metrics::counter!("mediaport_jobs_total", "kind" => kind, "outcome" => outcome).increment(1);
        metrics::histogram!("mediaport_job_seconds", "kind" => kind, "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
    }

    /// Runs a job to its end and records it on the queue; says how it ended, for metrics.
    async fn run_held(&self, job: &Job, started: std::time::Instant) -> &'static str {
        let asset = job.task.asset_id();
        tracing::info!("job started");
        let outcome = tokio::select! {
            outcome = self.execute(job) => outcome,
            () = self.hold_lease(job) => {
                tracing::warn!("job stopped: it was cancelled or another worker holds it");
                return "stopped";
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        let ended = match &outcome {
            Ok(()) => "done",
            Err(JobError::Transient(_)) if job.attempts < job.max_attempts => "retrying",
            Err(JobError::Waiting { .. }) => "waiting",
            Err(_) => "failed",
        };
        let recorded = match &outcome {
            Ok(()) => {
                tracing::info!(seconds, "job done");
                self.queue.complete(&job.id, &self.config.name).await
            }
            Err(JobError::Media(reason)) => {
                tracing::info!(reason, "job failed: the file cannot be processed");
                match job.task.kind() {
                    JobKind::Remove | JobKind::Notify | JobKind::Clip => {}
                    // Names that could not be updated leave the asset as it was, unless it is gone.
                    JobKind::Relabel => self.remove_if_deleted(asset).await,
                    JobKind::Ingest | JobKind::Analyse => self.fail_asset(job, reason).await,
                }
                self.queue.fail(&job.id, &self.config.name, reason, None).await
            }
            Err(JobError::Refused(reason)) => {
                tracing::info!(reason, "job failed: trying again cannot help");
                self.queue.fail(&job.id, &self.config.name, reason, None).await
            }
            Err(JobError::Waiting { why, wait }) => {
                tracing::info!(why, wait_secs = wait.as_secs(), "job waits, back in the queue");
                self.queue.park(&job.id, &self.config.name, *wait, why).await
            }
            Err(JobError::Transient(reason)) => {
                let last_try = job.attempts >= job.max_attempts;
                tracing::warn!(reason, last_try, "job failed");
                // Names that could not be updated leave the asset as its analysis left it.
                let stage = matches!(job.task.kind(), JobKind::Ingest | JobKind::Analyse);
                if last_try && stage {
                    self.fail_asset(job, &format!("gave up after {} tries: {reason}", job.attempts)).await;
                    self.ingest.forget_copy(asset);
                }
                self.queue.fail(&job.id, &self.config.name, reason, Some(backoff(job.attempts))).await
            }
        };
        if let Err(err) = recorded {
            // The lease runs out and the job runs again: steps are idempotent.
            tracing::warn!(error = %err, "cannot record the job's end");
        }
        ended
    }

    async fn execute(&self, job: &Job) -> Result<(), JobError> {
        // A stage retried shows as running again, its old reason cleared.
        let (asset_id, status, again) = match &job.task {
            Task::Ingest { asset_id } => (asset_id, AssetStatus::Ingesting, false),
            Task::Analyse { asset_id, again } => (asset_id, AssetStatus::Analysing, *again),
            Task::Relabel { asset_id, reread } => {
                match reread {
                    true => self.analyse.reread(asset_id).await?,
                    false => self.analyse.relabel(asset_id).await?,
                }
                self.measure(asset_id).await;
                return Ok(());
            }
            Task::Remove { asset_id, original } => return self.remove(asset_id, original.as_ref()).await,
            Task::Notify { target, notice, .. } => return self.notify(job, target, notice).await,
            Task::Clip { asset_id, share_id } => return self.analyse.clip(asset_id, share_id).await,
        };
        match self.catalog.set_asset_status(asset_id, status, None).await {
            Err(CatalogError::NotFound { .. }) => return Err(JobError::Media("the asset no longer exists".into())),
            other => other?,
        };
        let progress = JobProgress { queue: self.queue.as_ref(), job: &job.id, worker: &self.config.name };
        let result = if status == AssetStatus::Analysing {
            let analysed = self.analyse.run(asset_id, &progress).await;
            if let Ok(asset) = &analysed {
                let event = if again { NoticeKind::AnalysisDone } else { NoticeKind::AssetReady };
                self.announce(job, asset, event).await;
            }
            analysed.map(drop)
        } else {
            self.ingest_stage(job, &progress).await
        };
        // Each stage's results are searchable as soon as it ends (a file's name after
        // ingest; analysis indexes what it found itself, before the asset shows ready).
        // An index that is down is not the asset's fault: the next stage or
        // `mediaport reindex` catches it up.
        let indexed = status == AssetStatus::Analysing && result.is_ok();
        if !indexed && let Err(err) = self.analyse.indexer().index(asset_id).await {
            tracing::warn!(asset = %asset_id, error = %err, "cannot update the search index");
        }
        if result.is_ok() {
            self.measure(asset_id).await;
        }
        result
    }

    /// Records how much the proxy bucket holds for an asset, for the archive's figures.
    /// A figure that cannot be taken now is taken after the asset's next stage.
    async fn measure(&self, asset_id: &AssetId) {
        let a = &self.analyse;
        let bytes = match a.storage.list_objects(&a.proxy_bucket, &mediaport_core::keys::of_asset(asset_id)).await {
            Ok(objects) => objects.iter().map(|o| o.size).sum(),
            Err(err) => {
                tracing::warn!(asset = %asset_id, error = %err, "cannot measure the asset's outputs");
                return;
            }
        };
        if let Err(err) = self.catalog.set_proxy_bytes(asset_id, bytes).await {
            tracing::debug!(asset = %asset_id, error = %err, "cannot record the asset's output size");
        }
    }

    async fn ingest_stage(&self, job: &Job, progress: &JobProgress<'_>) -> Result<(), JobError> {
        let asset = self.ingest.run(job.task.asset_id(), progress).await?;
        if asset.status == AssetStatus::Ready {
            self.announce(job, &asset, NoticeKind::AssetReady).await;
        }
        // If this enqueue is lost (a crash just now), the sweep queues it.
        workflow::start_next(self.queue.as_ref(), &asset).await.map_err(|e| JobError::Transient(e.to_string()))
    }

    /// Renews the lease every third of its length; returns only when it is lost: taken away,
    /// or run out while the queue could not be reached (another worker may hold it by now).
    async fn hold_lease(&self, job: &Job) {
        let every = self.config.lease / 3;
        let mut held_until = tokio::time::Instant::now() + self.config.lease;
        loop {
            tokio::time::sleep(every).await;
            let asked = tokio::time::Instant::now();
            match self.queue.renew(&job.id, &self.config.name, self.config.lease).await {
                Ok(true) => held_until = asked + self.config.lease,
                Ok(false) => return,
                Err(err) if tokio::time::Instant::now() >= held_until => {
                    tracing::warn!(job = %job.id, error = %err, "the lease ran out while the queue was unreachable");
                    return;
                }
                Err(err) => tracing::warn!(job = %job.id, error = %err, "cannot renew the lease; trying again"),
            }
        }
    }

    async fn fail_asset(&self, job: &Job, reason: &str) {
        let asset_id = job.task.asset_id();
        match self.catalog.set_asset_status(asset_id, AssetStatus::Failed, Some(reason)).await {
            Ok(asset) => self.announce(job, &asset, NoticeKind::AssetFailed).await,
            // Deleted while this stage ran: what it made since is removed too.
            Err(CatalogError::NotFound { .. }) => self.queue_removal(asset_id).await,
            Err(err) => tracing::warn!(asset = %asset_id, error = %err, "cannot mark the asset failed"),
        }
    }

    /// Queues the notifications of `event`, the end of the stage `job`. One that cannot be
    /// queued is logged: the asset's stage is done, and running it again for a notice
    /// would cost far more. The notice's id comes from the job, so a stage run again
    /// (its lease lost after this) announces the same notice, which receivers can drop.
    async fn announce(&self, job: &Job, asset: &Asset, event: NoticeKind) {
        let notice = notify::notice(asset, event, self.config.public_url.as_deref());
        let notice = Notice { id: format!("{}.{}", job.id, event.as_str()), ..notice };
        if let Err(err) = notify::announce(self.catalog.as_ref(), self.queue.as_ref(), notice).await {
            tracing::warn!(asset = %asset.id, event = event.as_str(), error = %err, "cannot queue the notifications");
        }
    }

    /// Delivers one notification; what the receiver answered is kept as the job's step,
    /// for the delivery log.
    async fn notify(&self, job: &Job, target: &str, notice: &Notice) -> Result<(), JobError> {
        let Some(notifier) = &self.notifier else {
            return Err(JobError::Transient("this worker cannot send notifications".into()));
        };
        match notify::deliver(self.catalog.as_ref(), notifier.as_ref(), target, notice).await {
            Ok(answer) => {
                let progress = JobProgress { queue: self.queue.as_ref(), job: &job.id, worker: &self.config.name };
                progress.step(&answer).await;
                Ok(())
            }
            Err(NotifyError::Refused(reason)) => Err(JobError::Refused(reason)),
            Err(NotifyError::Unreachable(reason)) => Err(JobError::Transient(reason)),
        }
    }

    /// Queues the removal of what a job wrote for an asset deleted while it ran.
    async fn remove_if_deleted(&self, asset_id: &AssetId) {
        if let Err(CatalogError::NotFound { .. }) = self.catalog.get_asset(asset_id).await {
            self.queue_removal(asset_id).await;
        }
    }

    async fn queue_removal(&self, asset_id: &AssetId) {
        if let Err(err) = self.queue.enqueue(workflow::remove_job(asset_id, None)).await {
            tracing::warn!(asset = %asset_id, error = %err, "cannot queue the removal of a deleted asset's outputs");
        }
    }

    /// Removes what was made from a deleted asset, and its `original` when given. Waits
    /// (by failing, to be tried again) while the asset is still listed.
    async fn remove(&self, asset_id: &AssetId, original: Option<&ObjectLocation>) -> Result<(), JobError> {
        match self.catalog.get_asset(asset_id).await {
            Err(CatalogError::NotFound { .. }) => {}
            Ok(_) => {
                return Err(JobError::Transient("the asset is still listed: its deletion has not finished".into()));
            }
            Err(err) => return Err(err.into()),
        }
        let a = &self.analyse;
        let removal = Removal {
            catalog: a.catalog.as_ref(),
            queue: self.queue.as_ref(),
            storage: a.storage.as_ref(),
            search: a.search.as_ref(),
            vectors: a.vectors.as_ref(),
            proxy_bucket: &a.proxy_bucket,
        };
        removal.made_from(asset_id).await.map_err(|e| JobError::Transient(e.to_string()))?;
        if let Some(ObjectLocation { bucket, key }) = original {
            // Registered again since (on purpose, through the API): it is another asset's now.
            if self.catalog.find_asset_by_object(bucket, key).await?.is_none() {
                a.storage.delete_object(bucket, key).await?;
            }
        }
        self.ingest.forget_copy(asset_id);
        Ok(())
    }
}

/// Reports a job's steps on the queue, where the live view reads them.
struct JobProgress<'a> {
    queue: &'a dyn Queue,
    job: &'a JobId,
    worker: &'a str,
}

#[async_trait::async_trait]
impl Progress for JobProgress<'_> {
    async fn step(&self, name: &str) {
        if let Err(err) = self.queue.set_step(self.job, self.worker, name).await {
            tracing::debug!(job = %self.job, error = %err, "cannot record the step");
        }
    }
}
