//! The sweep that keeps storage free of abandoned uploads and finishes completions a
//! crash interrupted.

use std::time::{Duration, SystemTime};

use chrono::Utc;
use mediaport_shared::AssetStatus;

use crate::ports::catalog::{Catalog, UploadRecord, UploadState};
use crate::ports::queue::Queue;
use crate::ports::storage::{Storage, StorageError};
use crate::uploads::IntakeError;

/// A completion still running after this long was cut short by a crash or restart.
const STUCK_COMPLETION: Duration = Duration::from_secs(10 * 60);

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Uploads through the API that were abandoned, with their assets.
    pub aborted: usize,
    /// Interrupted completions whose object was whole, now handed to ingest.
    pub finished: usize,
    /// Multipart uploads in storage that no API upload owned (an interrupted `aws s3 cp`).
    pub orphans_aborted: usize,
}

fn before(age: Duration) -> String {
    let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
    crate::rfc3339(Utc::now() - age)
}

/// Aborts uploads older than `abandon_after` that received no part in that time, settles
/// completions interrupted more than ten minutes ago, and aborts storage's own multipart
/// uploads on the same rule.
pub async fn sweep_uploads(
    catalog: &dyn Catalog,
    storage: &dyn Storage,
    queue: &dyn Queue,
    bucket: &str,
    abandon_after: Duration,
) -> Result<SweepReport, IntakeError> {
    let mut report = SweepReport::default();
    let cutoff = SystemTime::now() - abandon_after;
    for record in catalog.stale_uploads(&before(STUCK_COMPLETION.min(abandon_after))).await? {
        match record.state {
            UploadState::Completing => settle_completion(catalog, storage, queue, &record, &mut report).await?,
            UploadState::Open
                if record.created_at < before(abandon_after)
                    && !arriving(storage, &record.bucket, &record.key, &record.storage_upload_id, cutoff).await =>
            {
                abort_record(catalog, storage, &record).await?;
                report.aborted += 1;
            }
            _ => {}
        }
    }
    match storage.list_multiparts(bucket).await {
        Ok(uploads) => {
            for upload in uploads.into_iter().filter(|u| u.initiated < cutoff) {
                if arriving(storage, bucket, &upload.key, &upload.upload_id, cutoff).await {
                    continue;
                }
                match storage.abort_multipart(bucket, &upload.key, &upload.upload_id).await {
                    Ok(()) => report.orphans_aborted += 1,
                    Err(StorageError::NoSuchUpload(_)) => {}
                    Err(err) => tracing::warn!(error = %err, key = upload.key, "could not abort an abandoned upload"),
                }
            }
        }
        Err(err) => tracing::warn!(error = %err, bucket, "storage cannot list its multipart uploads"),
    }
    Ok(report)
}

/// Whether a part of the upload reached storage after `cutoff`: a slow client on a large
/// file is still sending, whenever it started. An upload storage cannot list is left for
/// the next sweep rather than aborted blind.
async fn arriving(storage: &dyn Storage, bucket: &str, key: &str, upload_id: &str, cutoff: SystemTime) -> bool {
    match storage.list_parts(bucket, key, upload_id).await {
        Ok(parts) => parts.iter().any(|part| part.last_modified > cutoff),
        Err(StorageError::NoSuchUpload(_)) => false,
        Err(err) => {
            tracing::warn!(error = %err, key, "could not list an old upload's parts; it is left for the next sweep");
            true
        }
    }
}

async fn abort_record(catalog: &dyn Catalog, storage: &dyn Storage, record: &UploadRecord) -> Result<(), IntakeError> {
    match storage.abort_multipart(&record.bucket, &record.key, &record.storage_upload_id).await {
        Ok(()) | Err(StorageError::NoSuchUpload(_)) => {}
        Err(err) => return Err(err.into()),
    }
    catalog.abort_upload(&record.id).await?;
    tracing::info!(upload = %record.id, asset = %record.asset_id, "aborted an abandoned upload");
    Ok(())
}

/// A completion that stopped half-way: storage either joined the parts (finish it) or
/// did not (reopen it, so the client's retry works).
async fn settle_completion(
    catalog: &dyn Catalog,
    storage: &dyn Storage,
    queue: &dyn Queue,
    record: &UploadRecord,
    report: &mut SweepReport,
) -> Result<(), IntakeError> {
    match storage.head_object(&record.bucket, &record.key).await {
        Ok(object) if object.size == record.size => {
            let asset = catalog.get_asset(&record.asset_id).await?;
            let status = AssetStatus::once_stored(asset.asset_type);
            let asset = catalog.finish_upload(&record.id, status, record.md5.as_deref()).await?;
            crate::workflow::start_ingest(queue, &asset).await?;
            report.finished += 1;
        }
        Ok(_) | Err(StorageError::NoSuchKey { .. }) => {
            catalog.move_upload(&record.id, UploadState::Completing, UploadState::Open).await?;
        }
        Err(err) => return Err(err.into()),
    }
    Ok(())
}
