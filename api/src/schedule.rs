//! What the events function does when an EventBridge schedule calls it with
//! `{"mediaport": TASK}`: on AWS no server runs between requests, so the periodic work of
//! `mediaport serve` (the upload sweep) and the figures the worker fleet scales on are
//! done here.

use anyhow::Context;
use mediaport_core::cleanup::{SweepReport, sweep_uploads};
use mediaport_core::ports::queue::JobStatus;
use serde_json::{Value, json};

use crate::AppState;

/// CloudWatch namespace of the queue figures (infra/template.yaml's alarms read it).
pub const NAMESPACE: &str = "Mediaport";

/// The task a scheduled event names, if it is one.
pub fn task(payload: &Value) -> Option<&str> {
    payload["mediaport"].as_str()
}

/// Runs one scheduled task and returns what it did.
pub async fn run(state: &AppState, task: &str, deployment: &str) -> anyhow::Result<Value> {
    match task {
        "queue-figures" => queue_figures(state, deployment).await,
        "sweep" => sweep(state)
            .await
            .map(|r| json!({"aborted": r.aborted, "finished": r.finished, "orphans_aborted": r.orphans_aborted})),
        other => anyhow::bail!("unknown scheduled task {other:?}: expected queue-figures or sweep"),
    }
}

/// The queue's depth as a CloudWatch embedded-metric document: printed as one line of
/// the function's log, CloudWatch turns it into the metrics `QueuedJobs` (due, waiting
/// for a worker) and `ActiveJobs` (due or running), with no metrics API call. Jobs
/// waiting out a backoff or an archive restore are left out: they need no worker yet,
/// and counting them would keep the fleet up for hours.
async fn queue_figures(state: &AppState, deployment: &str) -> anyhow::Result<Value> {
    let total = |counts: Vec<(_, u64)>| counts.into_iter().map(|(_, n)| n).sum::<u64>();
    let queued = state.queue.due().await?;
    let running = total(state.queue.counts(JobStatus::Running).await?);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Ok(json!({
        "_aws": {
            "Timestamp": now.as_millis() as u64,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Deployment"]],
                "Metrics": [{"Name": "QueuedJobs", "Unit": "Count"}, {"Name": "ActiveJobs", "Unit": "Count"}],
            }],
        },
        "Deployment": deployment,
        "QueuedJobs": queued,
        "ActiveJobs": queued + running,
    }))
}

/// The periodic clean-up (`mediaport serve` runs it every `uploads.sweep_interval_secs`):
/// aborts abandoned uploads, settles interrupted completions, and fails the assets whose
/// ingest the queue gave up on (workers kept dying) with its reason.
pub async fn sweep(state: &AppState) -> anyhow::Result<SweepReport> {
    let (catalog, queue) = (state.catalog.as_ref(), state.queue.as_ref());
    let abandon_after = state.uploads.abandon_after;
    let swept = sweep_uploads(catalog, state.storage.as_ref(), queue, &state.buckets.ingest, abandon_after).await;
    let settled = mediaport_core::workflow::resume_ingests(catalog, queue).await;
    let report = swept.context("upload sweep failed")?;
    settled.context("could not settle ingesting assets")?;
    Ok(report)
}
