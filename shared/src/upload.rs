//! The upload contract: how a file is cut into parts and what the API answers at each
//! step. The browser, the CLI and the server all plan parts with [`plan_parts`], so they
//! agree on every part's size without asking each other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const MIB: u64 = 1024 * 1024;
pub const GIB: u64 = 1024 * MIB;
pub const TIB: u64 = 1024 * GIB;

/// S3's limits on multipart uploads, and ours within them.
pub const MIN_PART_SIZE: u64 = 8 * MIB;
pub const MAX_PART_SIZE: u64 = 5 * GIB;
pub const MAX_PARTS: u64 = 10_000;
pub const MAX_OBJECT_SIZE: u64 = 5 * TIB;

/// How a file of a given size is cut: every part is `part_size` bytes but the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartPlan {
    pub part_size: u64,
    pub part_count: u32,
}

impl PartPlan {
    /// Byte range `[start, end)` of a part (numbered from 1).
    pub fn range(&self, size: u64, part_number: u32) -> (u64, u64) {
        let start = u64::from(part_number - 1) * self.part_size;
        (start, (start + self.part_size).min(size))
    }

    /// Bytes in a part: `part_size`, or what is left for the last one.
    pub fn part_len(&self, size: u64, part_number: u32) -> u64 {
        let (start, end) = self.range(size, part_number);
        end - start
    }
}

/// The smallest whole-MiB part size (at least 8 MiB) that fits `size` in 10,000 parts;
/// `None` for an empty file or one over 5 TiB.
pub fn plan_parts(size: u64) -> Option<PartPlan> {
    if size == 0 || size > MAX_OBJECT_SIZE {
        return None;
    }
    let needed = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
    let part_size = needed.max(MIN_PART_SIZE);
    debug_assert!(part_size <= MAX_PART_SIZE);
    let part_count = size.div_ceil(part_size) as u32;
    Some(PartPlan { part_size, part_count })
}

/// `POST /api/uploads`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUploadRequest {
    pub filename: String,
    pub size: u64,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Hex MD5 of the whole file, when the client knows it before uploading.
    #[serde(default)]
    pub md5: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Analysis options for this asset; the defaults in settings apply when left out.
    #[serde(default)]
    pub ai_options: Option<crate::AiOptions>,
}

/// The answer to `POST /api/uploads`: where the parts go and how big each is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upload {
    pub upload_id: crate::UploadId,
    pub asset_id: crate::AssetId,
    pub bucket: String,
    pub key: String,
    pub size: u64,
    pub part_size: u64,
    pub part_count: u32,
    /// RFC 3339 time after which an unfinished upload is aborted, unless parts keep arriving.
    pub expires_at: String,
}

/// `POST /api/uploads/{upload_id}/parts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresignPartsRequest {
    pub part_numbers: Vec<u32>,
}

/// One presigned `PUT` address for a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartUrl {
    pub part_number: u32,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartUrls {
    pub parts: Vec<PartUrl>,
}

/// A part storage already holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredPart {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredParts {
    pub parts: Vec<StoredPart>,
}

/// A part as the client saw it: the `ETag` storage answered to its `PUT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompletedPart {
    pub part_number: u32,
    pub etag: String,
}

/// `POST /api/uploads/{upload_id}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompleteUploadRequest {
    pub parts: Vec<CompletedPart>,
    /// Hex MD5 of the whole file, computed by the client while the parts went out.
    #[serde(default)]
    pub md5: Option<String>,
}

/// `POST /api/assets`: register an object that is already in storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterAssetRequest {
    pub bucket: String,
    pub key: String,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub ai_options: Option<crate::AiOptions>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_use_the_minimum_part_size() {
        let plan = plan_parts(40 * MIB).unwrap();
        assert_eq!(plan, PartPlan { part_size: 8 * MIB, part_count: 5 });
        assert_eq!(plan.range(40 * MIB, 5), (32 * MIB, 40 * MIB));
        assert_eq!(plan_parts(1).unwrap(), PartPlan { part_size: 8 * MIB, part_count: 1 });
        assert_eq!(plan_parts(8 * MIB + 1).unwrap().part_count, 2);
    }

    #[test]
    fn large_files_stay_within_ten_thousand_parts() {
        for size in [80 * GIB, 100 * GIB + 7, TIB, MAX_OBJECT_SIZE] {
            let plan = plan_parts(size).unwrap();
            assert!(u64::from(plan.part_count) <= MAX_PARTS, "{size}: {plan:?}");
            assert!(plan.part_size <= MAX_PART_SIZE && plan.part_size.is_multiple_of(MIB));
            assert!(u64::from(plan.part_count) * plan.part_size >= size);
            assert!(u64::from(plan.part_count - 1) * plan.part_size < size);
        }
        assert_eq!(plan_parts(MAX_OBJECT_SIZE).unwrap().part_size, 525 * MIB);
    }

    #[test]
    fn empty_and_oversized_files_have_no_plan() {
        assert_eq!(plan_parts(0), None);
        assert_eq!(plan_parts(MAX_OBJECT_SIZE + 1), None);
    }
}
