//! Notifications: what Mediaport tells other systems when an asset is ready or failed,
//! where it tells them (signed webhooks, Amazon SNS topics), and how each delivery went.

use serde::{Deserialize, Serialize};

use crate::{AssetId, AssetType, JobId};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum NoticeKind {
    /// Ingest and analysis ended: the asset can be searched and reviewed.
    #[serde(rename = "asset.ready")]
    AssetReady,
    /// The asset cannot be processed; the notice carries the reason.
    #[serde(rename = "asset.failed")]
    AssetFailed,
    /// An analysis asked for again (`POST /api/assets/{id}/analysis`) ended.
    #[serde(rename = "analysis.done")]
    AnalysisDone,
    /// Sent by an admin's test button, never by the workflow.
    #[serde(rename = "test")]
    Test,
}

impl NoticeKind {
    /// The kinds a target can subscribe to.
    pub const SUBSCRIBABLE: [NoticeKind; 3] = [Self::AssetReady, Self::AssetFailed, Self::AnalysisDone];

    /// The name on the wire, in the body and the `X-Mediaport-Event` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssetReady => "asset.ready",
            Self::AssetFailed => "asset.failed",
            Self::AnalysisDone => "analysis.done",
            Self::Test => "test",
        }
    }
}

/// The asset a notice is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeAsset {
    pub id: AssetId,
    pub filename: String,
    #[serde(rename = "type")]
    pub asset_type: AssetType,
    /// Why it failed (`asset.failed` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The asset's page, when the server knows its public address (`server.public_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One notice, as a webhook's body or an SNS message. `id` is the same on every try of
/// one delivery, so a receiver can drop repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub id: String,
    pub event: NoticeKind,
    /// RFC 3339.
    pub occurred_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<NoticeAsset>,
}

/// How a target is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// An HTTPS (or HTTP) URL that gets a POST of the notice, signed with the target's secret.
    Webhook,
    /// An Amazon SNS topic, by ARN.
    Sns,
}

/// Where notices go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotifyTarget {
    pub id: String,
    pub kind: TargetKind,
    /// The webhook's URL or the topic's ARN.
    pub address: String,
    /// Webhooks only: the key of the `X-Mediaport-Signature` header's HMAC-SHA256, made
    /// by the server when the target is added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub events: Vec<NoticeKind>,
    pub created_at: String,
}

/// `POST /api/settings/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewNotifyTarget {
    pub kind: TargetKind,
    pub address: String,
    /// Left out: every kind but `test`.
    #[serde(default)]
    pub events: Vec<NoticeKind>,
}

/// `GET /api/settings/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotifyTargets {
    pub items: Vec<NotifyTarget>,
}

/// One delivery of one notice to one target, over all its tries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The delivery's job (sent again with `POST /api/jobs/{id}/retry`).
    pub id: JobId,
    /// The notice's id, as receivers get it (`X-Mediaport-Delivery`, the body's `id`).
    pub notice_id: String,
    pub target_id: String,
    pub event: NoticeKind,
    pub asset_id: AssetId,
    /// `queued` (waiting for its next try), `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: u32,
    pub max_attempts: u32,
    /// What the receiver answered last (`HTTP 200 in 35 ms`, an SNS message id).
    pub answer: Option<String>,
    /// Why the last try failed.
    pub error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// `GET /api/settings/notifications/deliveries`: the newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deliveries {
    pub items: Vec<Delivery>,
}

/// `POST /api/settings/notifications/{id}/test`: how a test notice went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestDelivery {
    pub delivered: bool,
    /// What the receiver answered, or why nothing reached it.
    pub answer: String,
    pub millis: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_on_the_wire_as_as_str_says() {
        for kind in [NoticeKind::Test].into_iter().chain(NoticeKind::SUBSCRIBABLE) {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
