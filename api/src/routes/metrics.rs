use axum::extract::State;
use axum::http::header;
use mediaport_core::{JobKind, JobStatus};

use crate::state::AppState;
use axum::response::IntoResponse;

/// Prometheus text exposition of the server's counters and histograms.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // The queue's depth is read when asked: it is shared by every server and worker, and
    // what a fleet scales on.
    for status in [JobStatus::Queued, JobStatus::Running, JobStatus::Failed] {
        match state.queue.counts(status).await {
            Ok(counts) => {
                for kind in JobKind::ALL {
                    let jobs = counts.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n);
                    let labels = [("kind", kind.as_str()), ("status", status.as_str())];
                    metrics::gauge!("mediaport_jobs", &labels).set(jobs as f64);
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot count the queue's jobs for /metrics"),
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::metrics::handle().render())
}
