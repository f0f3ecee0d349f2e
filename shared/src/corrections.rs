//! What reviewers change in an asset's results: a transcript stretch rewritten, an item
//! rejected (everywhere in the asset or at one moment), an item the analysis missed added.
//! Corrections are kept apart from the timelines and laid over each new analysis, so none
//! is lost when the asset is analysed again.

use serde::{Deserialize, Serialize};

use crate::{AnalysisKind, AssetId, CorrectionId, Timecode};

/// The category of an item a reviewer added (the analysis did not find it).
pub const HUMAN: &str = "human";

/// The kinds a reviewer can reject and add items of: every kind of result but faces,
/// which are corrected through people, and the transcript, which is edited.
pub const CORRECTABLE: [AnalysisKind; 11] = [
    AnalysisKind::Label,
    AnalysisKind::Text,
    AnalysisKind::Moderation,
    AnalysisKind::Keyphrase,
    AnalysisKind::Entity,
    AnalysisKind::Sentiment,
    AnalysisKind::Emotion,
    AnalysisKind::Shot,
    AnalysisKind::Scene,
    AnalysisKind::Chapter,
    AnalysisKind::AdBreak,
];

/// One change to an asset's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Correction {
    /// A stretch of the transcript (found by its time and its text) as a reviewer wrote it.
    Edit { span: Timecode, before: String, after: String },
    /// An item of `kind` that is wrong: everywhere in the asset, or only over `at`.
    Reject {
        kind: AnalysisKind,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<Timecode>,
    },
    /// An item of `kind` the analysis missed, over these times.
    Add { kind: AnalysisKind, name: String, timecodes: Vec<Timecode> },
}

impl Correction {
    /// The kind of results it changes.
    pub fn kind(&self) -> AnalysisKind {
        match self {
            Self::Edit { .. } => AnalysisKind::Transcript,
            Self::Reject { kind, .. } | Self::Add { kind, .. } => *kind,
        }
    }
}

/// A correction as the catalog keeps it: one row of the asset's audit trail, who made
/// it and when, and who took it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CorrectionEntry {
    pub id: CorrectionId,
    pub asset_id: AssetId,
    pub correction: Correction,
    /// The user who made it (their email or user name).
    pub author: String,
    /// RFC 3339.
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_at: Option<String>,
    /// An edit the transcript no longer has the stretch of (it was analysed again): it
    /// changes nothing until a reviewer looks at it again. Worked out when listed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unplaced: bool,
}

impl CorrectionEntry {
    pub fn in_force(&self) -> bool {
        self.undone_at.is_none()
    }
}

/// `GET /api/assets/{id}/corrections`: the asset's trail, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CorrectionList {
    pub items: Vec<CorrectionEntry>,
}
