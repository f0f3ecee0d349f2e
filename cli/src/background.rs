//! Work `mediaport serve` does between requests: turning objects copied straight into
//! the ingest bucket into assets, and sweeping abandoned uploads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mediaport_api::AppState;
use mediaport_backends::storage::embedded::ObjectCreated;
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;

/// Registers one object found in the ingest bucket; an object that is already an asset
/// (an upload through the API, or one registered before) is left alone.
async fn adopt(state: &AppState, key: &str) {
    let adopted = state.intake().adopt(key).await;
    match adopted {
        Ok(Some(asset)) => {
            tracing::info!(asset = %asset.id, key, "object copied into the ingest bucket is now an asset");
        }
        Ok(None) => {}
        Err(err) => tracing::warn!(key, error = %err, "could not register an object of the ingest bucket"),
    }
}

/// Follows the embedded endpoint's announcements of new objects; `missed` is told when
/// some were lost, for a scan to find them.
pub async fn follow_events(
    state: AppState,
    mut events: broadcast::Receiver<ObjectCreated>,
    missed: Arc<Notify>,
    stop: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            () = stop.cancelled() => return,
            event = events.recv() => event,
        };
        match event {
            // An upload through the API registered its asset before the object existed:
            // adopting leaves it alone.
            Ok(event) if event.bucket == state.buckets.ingest => adopt(&state, &event.key).await,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "bucket events overflowed: scanning the bucket for them");
                missed.notify_one();
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// When the bucket is scanned for copies.
pub enum ScanWhen {
    /// Now and then: S3 servers that announce nothing.
    Every(Duration),
    /// At start, for what was copied in while the server was down, then only when
    /// announcements were missed: the embedded endpoint announces every new object.
    Missed(Arc<Notify>),
}

/// Lists the ingest bucket and adopts objects that are not assets, at start and then as
/// `when` says.
pub async fn scan_bucket(state: AppState, when: ScanWhen, scans: &AtomicU64, stop: CancellationToken) {
    loop {
        metrics::counter!("mediaport_bucket_scans_total").increment(1);
        scans.fetch_add(1, Ordering::Relaxed);
        match state.storage.list_objects(&state.buckets.ingest, "").await {
            Ok(objects) => {
                for object in objects {
                    adopt(&state, &object.key).await;
                }
            }
            Err(err) => tracing::warn!(error = %err, "could not list the ingest bucket"),
        }
        let next = async {
            match &when {
                ScanWhen::Every(every) => tokio::time::sleep(*every).await,
                ScanWhen::Missed(missed) => missed.notified().await,
            }
        };
        tokio::select! {
            () = stop.cancelled() => return,
            () = next => {}
        }
    }
}

/// Aborts abandoned uploads, settles interrupted completions and ingests the queue gave
/// up on, now and then.
pub async fn sweep(state: AppState, every: Duration, stop: CancellationToken) {
    loop {
        match mediaport_api::schedule::sweep(&state).await {
            Ok(report) if report != Default::default() => tracing::info!(?report, "swept uploads"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = format!("{err:#}"), "sweep failed"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
