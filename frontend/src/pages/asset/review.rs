//! What the asset page's review parts share: every timeline of the asset, loaded once,
//! and where the player is.

use std::collections::BTreeMap;

use leptos::html::Video;
use leptos::prelude::*;
use mediaport_shared::{AnalysisKind, AnalysisStatus, Asset, FrameBox, Note, Timeline, TimelineItem, notes};

use crate::api;
use crate::auth::Auth;

/// The timelines analysis stored for an asset, by kind (failed kinds are left out).
pub type Found = BTreeMap<AnalysisKind, Timeline>;

/// Loads every timeline of `asset` at once, and its notes as one more.
pub fn load(auth: Auth, asset: &Asset) -> LocalResource<Result<Found, api::ApiError>> {
    let id = asset.id.clone();
    let kinds: Vec<AnalysisKind> =
        asset.analysis.iter().filter(|(_, s)| s.status == AnalysisStatus::Done).map(|(k, _)| *k).collect();
    LocalResource::new(move || {
        let (id, kinds) = (id.clone(), kinds.clone());
        async move {
            let loads = kinds.iter().map(|kind| api::get_timeline(auth, &id, *kind));
            let (timelines, notes) = futures::join!(futures::future::join_all(loads), api::notes(auth, &id));
            let mut found: Found =
                kinds.into_iter().zip(timelines).map(|(kind, t)| t.map(|t| (kind, t))).collect::<Result<_, _>>()?;
            // The notes (not their replies) have a lane and boxes of their own.
            let roots: Vec<Note> = notes?.into_iter().filter(|n| n.reply_to.is_none()).collect();
            if !roots.is_empty() {
                found.insert(AnalysisKind::Note, notes::timeline(&roots));
            }
            Ok(found)
        }
    })
}

/// The player and the time it is at, in milliseconds.
#[derive(Clone, Copy)]
pub struct Playback {
    pub player: NodeRef<Video>,
    pub now_ms: RwSignal<u64>,
}

impl Playback {
    pub fn new() -> Self {
        Self { player: NodeRef::new(), now_ms: RwSignal::new(0) }
    }

    /// Reads the player's time into `now_ms`.
    pub fn follow(&self) {
        if let Some(video) = self.player.get_untracked() {
            self.now_ms.set((video.current_time() * 1000.0) as u64);
        }
    }

    /// Moves the player to `ms` and plays from there.
    pub fn seek(&self, ms: u64) {
        self.now_ms.set(ms);
        super::transcript::seek(self.player, ms);
    }
}

/// Whether an item is on screen at `ms`: inside one of its time ranges.
pub fn present(item: &TimelineItem, ms: u64) -> bool {
    item.timecodes.iter().any(|t| t.begin <= ms && ms < t.end.max(t.begin + 1))
}

/// Where an item is at `ms`: the box of the last frame seen at or before then (a frame
/// is looked at once a second or so); in a picture (`timed` false), every box.
pub fn boxes_at(item: &TimelineItem, ms: u64, timed: bool) -> Vec<&FrameBox> {
    if !timed {
        return item.boxes.iter().collect();
    }
    if !present(item, ms) {
        return Vec::new();
    }
    // A box may come a moment after the range starts (the frame's own time).
    let at = item.boxes.iter().filter(|b| b.time_ms <= ms + 250).map(|b| b.time_ms).max();
    let at = at.or_else(|| item.boxes.iter().map(|b| b.time_ms).min());
    item.boxes.iter().filter(|b| Some(b.time_ms) == at).collect()
}
