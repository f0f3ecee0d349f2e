//! Reviewers' notes on an asset: a moment or a range, optionally a place on the frame,
//! with replies. Notes are found by search (`note:`), shown on the asset's timeline and
//! exported with its metadata.

use serde::{Deserialize, Serialize};

use crate::{AnalysisKind, AssetId, FrameBox, NoteId, Timecode, Timeline, TimelineItem};

/// Longest note, in characters.
pub const MAX_NOTE: usize = 4000;

/// A place on the frame, in fractions of its width and height from the top left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
}

impl Region {
    /// Inside the frame and not empty.
    pub fn fits(&self) -> bool {
        let inside = |v: f32| (0.0..=1.0).contains(&v);
        [self.left, self.top, self.width, self.height].iter().all(|v| v.is_finite() && inside(*v))
            && self.width > 0.0
            && self.height > 0.0
            && self.left + self.width <= 1.001
            && self.top + self.height <= 1.001
    }
}

/// A note or a reply to one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: NoteId,
    pub asset_id: AssetId,
    /// The note this one answers (always a note that answers none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<NoteId>,
    /// The user who wrote it.
    pub author: String,
    pub text: String,
    /// The moment (`end` one past `begin`) or range it is about; a reply's is its note's.
    pub at: Timecode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// RFC 3339.
    pub created_at: String,
}

/// `POST /api/assets/{id}/notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    pub text: String,
    /// Required on a note (a picture's or document's is `{begin: 0, end: 1}`); a reply
    /// takes its note's.
    #[serde(default)]
    pub at: Option<Timecode>,
    #[serde(default)]
    pub region: Option<Region>,
    #[serde(default)]
    pub reply_to: Option<NoteId>,
}

/// `GET /api/assets/{id}/notes`: every note and reply, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteList {
    pub items: Vec<Note>,
}

/// Notes as a timeline, for search and the asset page's lanes and boxes: one item per
/// note (and reply) given, at its moment, a note's region as its box, its author as the
/// category.
pub fn timeline(notes: &[Note]) -> Timeline {
    let items = notes
        .iter()
        .map(|note| TimelineItem {
            name: note.text.clone(),
            confidence: 1.0,
            timecodes: vec![note.at],
            boxes: note
                .region
                .map(|r| FrameBox {
                    time_ms: note.at.begin,
                    left: r.left,
                    top: r.top,
                    width: r.width,
                    height: r.height,
                    confidence: 1.0,
                    words: Vec::new(),
                })
                .into_iter()
                .collect(),
            category: Some(note.author.clone()),
            ..Default::default()
        })
        .collect();
    Timeline::new(AnalysisKind::Note, items)
}
