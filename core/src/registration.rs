//! Objects that reach the ingest bucket without an upload through the API (a bulk copy
//! with `aws s3 cp` or rclone, or `POST /api/assets`) become assets here.

use mediaport_shared::{Asset, AssetStatus, AssetType, RegisterAssetRequest};

use crate::ports::catalog::{CatalogError, NewAsset};
use crate::ports::storage::StorageError;
use crate::uploads::{Intake, IntakeError};
use crate::validate::{check_ai_options, check_attributes, check_filename, check_group, check_key};

impl Intake<'_> {
    /// Registers an object already in the ingest bucket and queues its ingest (or marks it
    /// unsupported). `already-registered` when an asset holds that object.
    pub async fn register(&self, request: RegisterAssetRequest) -> Result<Asset, IntakeError> {
        if request.bucket != self.policy.bucket {
            return Err(IntakeError::invalid(
                "unknown-bucket",
                format!("only objects in the ingest bucket {} can be registered", self.policy.bucket),
            ));
        }
        check_key(&request.key)?;
        check_group(request.group.as_deref())?;
        check_attributes(&request.attributes)?;
        check_ai_options(request.ai_options.as_ref())?;
        if self.catalog.find_asset_by_object(&request.bucket, &request.key).await?.is_some() {
            return Err(already_registered(&request.key));
        }
        let object = match self.storage.head_object(&request.bucket, &request.key).await {
            Ok(object) => object,
            Err(StorageError::NoSuchKey { .. }) => {
                return Err(IntakeError::NotFound(format!("the ingest bucket holds no object {:?}", request.key)));
            }
            Err(err) => return Err(err.into()),
        };
        let last = request.key.rsplit('/').next().unwrap_or_default();
        let filename = if check_filename(last).is_ok() { last.to_owned() } else { "object".to_owned() };
        let asset_type = AssetType::of_file(&filename, None);
        let asset = NewAsset {
            id: crate::new_id(),
            asset_type,
            filename,
            size: object.size,
            md5: None,
            group: request.group,
            attributes: request.attributes,
            bucket: request.bucket,
            key: request.key.clone(),
            status: AssetStatus::once_stored(asset_type),
            ai_options: request.ai_options,
        };
        match self.catalog.create_asset(asset).await {
            Ok(asset) => {
                crate::workflow::start_ingest(self.queue, &asset).await?;
                Ok(asset)
            }
            // Two registrations of one object raced (the bucket watcher and a scan).
            Err(CatalogError::Conflict(_)) => Err(already_registered(&request.key)),
            Err(err) => Err(err.into()),
        }
    }

    /// Registers an object found in the ingest bucket with no options (a copy announced by
    /// storage or found by a scan); `None` when it is already an asset, or was one since deleted.
    pub async fn adopt(&self, key: &str) -> Result<Option<Asset>, IntakeError> {
        // A deleted asset's original left in the bucket stays deleted.
        if self.catalog.original_deleted(&self.policy.bucket, key).await? {
            return Ok(None);
        }
        let request = RegisterAssetRequest {
            bucket: self.policy.bucket.clone(),
            key: key.to_owned(),
            group: None,
            attributes: Default::default(),
            ai_options: None,
        };
        match self.register(request).await {
            Ok(asset) => Ok(Some(asset)),
            Err(IntakeError::Conflict { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

fn already_registered(key: &str) -> IntakeError {
    IntakeError::Conflict { code: "already-registered", message: format!("{key:?} is already an asset") }
}
