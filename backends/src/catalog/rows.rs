//! Rows of the catalog's tables turned into records, for either engine.

use mediaport_core::{CatalogError, UploadRecord, UploadState};
use mediaport_shared::{AiOptions, Asset, AssetStatus, AssetType};

use crate::db::Cells;

#[expect(clippy::needless_pass_by_value, reason = "the shape map_err takes")]
fn decode(err: sqlx::Error) -> CatalogError {
    CatalogError::Other(err.to_string())
}

fn json<T: serde::de::DeserializeOwned>(text: Option<String>, column: &str) -> Result<Option<T>, CatalogError> {
    text.map(|t| serde_json::from_str(&t)).transpose().map_err(|e| CatalogError::Other(format!("{column}: {e}")))
}

pub(super) fn asset(row: &impl Cells) -> Result<Asset, CatalogError> {
    let asset_type = row.text("asset_type").map_err(decode)?;
    let status = row.text("status").map_err(decode)?;
    Ok(Asset {
        id: row.id("id").map_err(decode)?,
        asset_type: AssetType::parse(&asset_type)
            .ok_or_else(|| CatalogError::Other(format!("unknown asset type {asset_type}")))?,
        filename: row.text("filename").map_err(decode)?,
        size: row.int("size").map_err(decode)? as u64,
        md5: row.maybe_text("md5").map_err(decode)?,
        sha256: row.maybe_text("sha256").map_err(decode)?,
        status: AssetStatus::parse(&status).ok_or_else(|| CatalogError::Other(format!("unknown status {status}")))?,
        group: row.maybe_text("group_name").map_err(decode)?,
        attributes: json(Some(row.text("attributes").map_err(decode)?), "attributes")?.unwrap_or_default(),
        bucket: row.text("bucket").map_err(decode)?,
        key: row.text("object_key").map_err(decode)?,
        created_at: row.text("created_at").map_err(decode)?,
        duration_ms: row.maybe_int("duration_ms").map_err(decode)?.map(|d| d as u64),
        ai_options: row.maybe_text("ai_options").map_err(decode)?.map(|text| AiOptions::from_stored(&text)),
        error: row.maybe_text("error").map_err(decode)?,
        technical: json(row.maybe_text("technical").map_err(decode)?, "technical")?,
        outputs: json(row.maybe_text("outputs").map_err(decode)?, "outputs")?,
        analysis: json(row.maybe_text("analysis").map_err(decode)?, "analysis")?.unwrap_or_default(),
    })
}

pub(super) fn upload(row: &impl Cells) -> Result<UploadRecord, CatalogError> {
    let state = row.text("state").map_err(decode)?;
    Ok(UploadRecord {
        id: row.id("id").map_err(decode)?,
        asset_id: row.id("asset_id").map_err(decode)?,
        bucket: row.text("bucket").map_err(decode)?,
        key: row.text("object_key").map_err(decode)?,
        storage_upload_id: row.text("storage_upload_id").map_err(decode)?,
        size: row.int("size").map_err(decode)? as u64,
        part_size: row.int("part_size").map_err(decode)? as u64,
        part_count: row.int("part_count").map_err(decode)? as u32,
        md5: row.maybe_text("md5").map_err(decode)?,
        created_by: row.text("created_by").map_err(decode)?,
        state: UploadState::parse(&state)
            .ok_or_else(|| CatalogError::Other(format!("unknown upload state {state}")))?,
        created_at: row.text("created_at").map_err(decode)?,
        expires_at: row.text("expires_at").map_err(decode)?,
    })
}
