//! Assets coming in (`Intake`): start a multipart upload, hand out part URLs, complete or
//! abort it; objects that reached storage some other way are registered in
//! `registration.rs`, abandoned uploads swept in `cleanup.rs`. The API and the bucket
//! watchers go through here.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use mediaport_shared::codes;
use mediaport_shared::upload::{MAX_OBJECT_SIZE, PartPlan, plan_parts};
use mediaport_shared::{
    Asset, AssetStatus, AssetType, CompleteUploadRequest, CreateUploadRequest, PartUrl, StoredPart, Upload, UploadId,
};

use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::{Catalog, CatalogError, NewAsset, UploadRecord, UploadState};
use crate::ports::queue::{Queue, QueueError};
use crate::ports::storage::{Storage, StorageError};
use crate::validate::{check_ai_options, check_attributes, check_content_type, check_filename, check_group, check_md5};

/// How many part URLs one request may ask for.
pub const MAX_PRESIGN_BATCH: usize = 1000;

/// Why an asset could not be taken in, by upload or by registration of an object already
/// in storage.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The request itself is wrong (400).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    NotFound(String),
    /// The upload is not in a state that allows this (409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl IntakeError {
    pub(crate) fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { code, message: message.into() }
    }

    fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { code, message: message.into() }
    }
}

impl ServiceError for IntakeError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid { code, .. } | Self::Conflict { code, .. } => code,
            Self::TooLarge(_) => "too-large",
            Self::NotFound(_) => codes::NOT_FOUND,
            Self::Catalog(err) => err.code(),
            Self::Storage(err) => err.code(),
            Self::Queue(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid { .. } => ErrorKind::Invalid,
            Self::TooLarge(_) => ErrorKind::TooLarge,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::Catalog(err) => err.kind(),
            Self::Storage(err) => err.kind(),
            Self::Queue(err) => err.kind(),
        }
    }
}

/// Where uploads go and how long their pieces stay valid.
#[derive(Debug, Clone)]
pub struct UploadPolicy {
    pub bucket: String,
    /// How long a presigned part URL works.
    pub part_url_ttl: Duration,
    /// An upload that has received no part for this long is aborted by the cleanup job.
    pub abandon_after: Duration,
}

fn to_wire(record: &UploadRecord) -> Upload {
    Upload {
        upload_id: record.id.clone(),
        asset_id: record.asset_id.clone(),
        bucket: record.bucket.clone(),
        key: record.key.clone(),
        size: record.size,
        part_size: record.part_size,
        part_count: record.part_count,
        expires_at: record.expires_at.clone(),
    }
}

/// Assets coming in: multipart uploads from browsers and the CLI (here), and objects
/// registered where they already are in the ingest bucket (`registration.rs`).
pub struct Intake<'a> {
    pub catalog: &'a dyn Catalog,
    pub storage: &'a dyn Storage,
    pub queue: &'a dyn Queue,
    /// Where uploads go (the ingest bucket) and how long their pieces stay valid.
    pub policy: &'a UploadPolicy,
}

impl Intake<'_> {
    /// Plans the parts, opens the multipart upload in storage and registers the asset as
    /// `uploading`. Nothing is left behind when any step fails.
    pub async fn start(&self, request: CreateUploadRequest, username: &str) -> Result<Upload, IntakeError> {
        check_filename(&request.filename)?;
        if request.size == 0 {
            return Err(IntakeError::invalid(
                "empty-file",
                format!("{} is empty: there is nothing to upload", request.filename),
            ));
        }
        let Some(plan) = plan_parts(request.size) else {
            return Err(IntakeError::TooLarge(format!(
                "{} bytes is over the {MAX_OBJECT_SIZE}-byte (5 TiB) limit of one object",
                request.size
            )));
        };
        let content_type = check_content_type(request.content_type.as_deref())?;
        let md5 = request.md5.as_deref().map(check_md5).transpose()?;
        check_group(request.group.as_deref())?;
        check_attributes(&request.attributes)?;
        check_ai_options(request.ai_options.as_ref())?;

        let asset_id = crate::new_id();
        let key = crate::keys::original(&asset_id, &request.filename);
        let storage_upload_id = self.storage.create_multipart(&self.policy.bucket, &key, Some(&content_type)).await?;
        let now = Utc::now();
        let asset = NewAsset {
            id: asset_id.clone(),
            asset_type: AssetType::of_file(&request.filename, Some(&content_type)),
            filename: request.filename,
            size: request.size,
            md5: None,
            group: request.group,
            attributes: request.attributes,
            bucket: self.policy.bucket.clone(),
            key: key.clone(),
            status: AssetStatus::Uploading,
            ai_options: request.ai_options,
        };
        let record = UploadRecord {
            id: crate::new_id(),
            asset_id,
            bucket: self.policy.bucket.clone(),
            key: key.clone(),
            storage_upload_id: storage_upload_id.clone(),
            size: request.size,
            part_size: plan.part_size,
            part_count: plan.part_count,
            md5,
            created_by: username.to_owned(),
            state: UploadState::Open,
            created_at: crate::rfc3339(now),
            expires_at: crate::rfc3339(now + self.policy.abandon_after),
        };
        match self.catalog.create_upload(asset, record).await {
            Ok((_, record)) => Ok(to_wire(&record)),
            Err(err) => {
                if let Err(abort) = self.storage.abort_multipart(&self.policy.bucket, &key, &storage_upload_id).await {
                    tracing::warn!(error = %abort, key, "could not abort the storage upload of a failed start");
                }
                Err(err.into())
            }
        }
    }

    /// Presigned `PUT` URLs for the asked parts of an open upload.
    pub async fn presign_parts(&self, upload_id: &UploadId, part_numbers: &[u32]) -> Result<Vec<PartUrl>, IntakeError> {
        let record = open_upload(self.catalog, upload_id).await?;
        if part_numbers.is_empty() || part_numbers.len() > MAX_PRESIGN_BATCH {
            return Err(IntakeError::invalid(
                "invalid-part-numbers",
                format!("ask for 1 to {MAX_PRESIGN_BATCH} parts at a time, not {}", part_numbers.len()),
            ));
        }
        let mut urls = Vec::with_capacity(part_numbers.len());
        for &part_number in part_numbers {
            check_part_number(&record, part_number)?;
            let url = self
                .storage
                .presign_upload_part(
                    &record.bucket,
                    &record.key,
                    &record.storage_upload_id,
                    part_number,
                    self.policy.part_url_ttl,
                )
                .await?;
            urls.push(PartUrl { part_number, url });
        }
        Ok(urls)
    }

    /// The parts storage already holds, so an interrupted client sends only the rest.
    pub async fn stored_parts(&self, upload_id: &UploadId) -> Result<Vec<StoredPart>, IntakeError> {
        let record = open_upload(self.catalog, upload_id).await?;
        let parts = self.storage.list_parts(&record.bucket, &record.key, &record.storage_upload_id).await?;
        Ok(parts.into_iter().map(|p| StoredPart { part_number: p.part_number, etag: p.etag, size: p.size }).collect())
    }

    /// Joins the parts into the object and queues the asset's ingest (or marks it
    /// unsupported). On a bad part list the upload stays open so the client can fix it.
    pub async fn complete(&self, upload_id: &UploadId, request: CompleteUploadRequest) -> Result<Asset, IntakeError> {
        let record = open_upload(self.catalog, upload_id).await?;
        let md5 = match (request.md5.as_deref().map(check_md5).transpose()?, record.md5.clone()) {
            (Some(sent), Some(declared)) if sent != declared => {
                return Err(IntakeError::invalid(
                    "md5-mismatch",
                    format!("the file's MD5 is {sent} now but was declared as {declared} at the start"),
                ));
            }
            (sent, declared) => sent.or(declared),
        };
        if !self.catalog.move_upload(upload_id, UploadState::Open, UploadState::Completing).await? {
            return Err(open_upload(self.catalog, upload_id)
                .await
                .err()
                .unwrap_or_else(|| IntakeError::conflict("upload-completing", "this upload is being completed")));
        }
        let joined = async {
            let parts = check_parts(self.storage, &record, &request).await?;
            let object =
                self.storage.complete_multipart(&record.bucket, &record.key, &record.storage_upload_id, &parts).await?;
            if object.size != record.size {
                return Err(IntakeError::invalid(
                    "size-mismatch",
                    format!("storage holds {} bytes; the upload declared {}", object.size, record.size),
                ));
            }
            Ok(())
        }
        .await;
        if let Err(err) = joined {
            let err = match err {
                IntakeError::Storage(StorageError::InvalidPart(message)) => {
                    IntakeError::invalid("invalid-part", message)
                }
                other => other,
            };
            self.catalog.move_upload(upload_id, UploadState::Completing, UploadState::Open).await?;
            return Err(err);
        }
        let asset = self.catalog.get_asset(&record.asset_id).await?;
        let status = AssetStatus::once_stored(asset.asset_type);
        let asset = self.catalog.finish_upload(upload_id, status, md5.as_deref()).await?;
        crate::workflow::start_ingest(self.queue, &asset).await?;
        Ok(asset)
    }

    /// Cancels an upload: storage frees the parts and the `uploading` asset disappears.
    /// Cancelling twice succeeds; cancelling a completed upload is a conflict.
    pub async fn abort(&self, upload_id: &UploadId) -> Result<(), IntakeError> {
        let record = match open_upload(self.catalog, upload_id).await {
            Ok(record) => record,
            Err(IntakeError::Conflict { code: "upload-aborted", .. }) => return Ok(()),
            Err(err) => return Err(err),
        };
        match self.storage.abort_multipart(&record.bucket, &record.key, &record.storage_upload_id).await {
            Ok(()) | Err(StorageError::NoSuchUpload(_)) => {}
            Err(err) => return Err(err.into()),
        }
        self.catalog.abort_upload(upload_id).await?;
        Ok(())
    }
}

async fn open_upload(catalog: &dyn Catalog, upload_id: &UploadId) -> Result<UploadRecord, IntakeError> {
    let record = match catalog.get_upload(upload_id).await {
        Ok(record) => record,
        Err(CatalogError::NotFound { .. }) => return Err(IntakeError::NotFound(format!("no upload {upload_id}"))),
        Err(err) => return Err(err.into()),
    };
    match record.state {
        UploadState::Open => Ok(record),
        UploadState::Completing => Err(IntakeError::conflict(
            "upload-completing",
            "this upload is being completed; ask for its asset in a moment",
        )),
        UploadState::Completed => {
            Err(IntakeError::conflict(codes::UPLOAD_COMPLETED, "this upload is already complete"))
        }
        UploadState::Aborted => {
            Err(IntakeError::conflict("upload-aborted", "this upload was cancelled; start a new one"))
        }
    }
}

fn check_part_number(record: &UploadRecord, part_number: u32) -> Result<(), IntakeError> {
    if (1..=record.part_count).contains(&part_number) {
        Ok(())
    } else {
        Err(IntakeError::invalid(
            "invalid-part-number",
            format!("part {part_number} is outside 1 to {} for this upload", record.part_count),
        ))
    }
}

fn bare_etag(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}

/// Checks the client's part list against the plan and against what storage holds.
async fn check_parts(
    storage: &dyn Storage,
    record: &UploadRecord,
    request: &CompleteUploadRequest,
) -> Result<Vec<(u32, String)>, IntakeError> {
    let mut named = BTreeMap::new();
    for part in &request.parts {
        check_part_number(record, part.part_number)?;
        if named.insert(part.part_number, part.etag.as_str()).is_some() {
            return Err(IntakeError::invalid("invalid-parts", format!("part {} is named twice", part.part_number)));
        }
    }
    if let Some(missing) = (1..=record.part_count).find(|n| !named.contains_key(n)) {
        return Err(IntakeError::invalid(
            "missing-part",
            format!("part {missing} of {} is missing from the list", record.part_count),
        ));
    }
    let stored: BTreeMap<u32, _> = storage
        .list_parts(&record.bucket, &record.key, &record.storage_upload_id)
        .await?
        .into_iter()
        .map(|p| (p.part_number, p))
        .collect();
    let mut parts = Vec::with_capacity(named.len());
    for (&number, &etag) in &named {
        let Some(held) = stored.get(&number) else {
            return Err(IntakeError::invalid("missing-part", format!("storage holds no part {number}: send it again")));
        };
        if bare_etag(&held.etag) != bare_etag(etag) {
            return Err(IntakeError::invalid(
                "etag-mismatch",
                format!("part {number} has ETag {} in storage, not {}", held.etag, etag),
            ));
        }
        let plan = PartPlan { part_size: record.part_size, part_count: record.part_count };
        let expected = plan.part_len(record.size, number);
        if held.size != expected {
            return Err(IntakeError::invalid(
                "part-size-mismatch",
                format!("part {number} holds {} bytes; the plan says {expected}", held.size),
            ));
        }
        parts.push((number, held.etag.clone()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests;
