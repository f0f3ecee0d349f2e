//! Search hits name the scene each moment falls in. Scenes are read from the hit assets'
//! scene timelines as the page is made, not indexed: "scene 2" is in every video, so the
//! index leaves scenes out (see [`super::document`]).

use futures::future::join_all;
use mediaport_shared::{AnalysisKind, AssetType, SearchHit};

use crate::ports::catalog::Catalog;
use crate::results::Results;

/// Fills in `scenes` beside each match's timecodes, for the hits on videos with scenes;
/// an asset whose scenes cannot be read is left without (the hit itself still stands).
pub async fn name_scenes(hits: &mut [SearchHit], catalog: &dyn Catalog, results: &Results<'_>) {
    let timed =
        |hit: &SearchHit| hit.asset_type == AssetType::Video && hit.matches.iter().any(|m| !m.timecodes.is_empty());
    let wanted: Vec<usize> = (0..hits.len()).filter(|&i| timed(&hits[i])).collect();
    let starts = join_all(wanted.iter().map(|&i| scene_starts(catalog, results, &hits[i]))).await;
    for (i, starts) in wanted.into_iter().zip(starts) {
        let Some(starts) = starts.filter(|s| !s.is_empty()) else { continue };
        for found in &mut hits[i].matches {
            found.scenes = found.timecodes.iter().map(|t| scene_at(&starts, t.begin)).collect();
        }
    }
}

/// Where each scene of the hit's asset starts, in order.
async fn scene_starts(catalog: &dyn Catalog, results: &Results<'_>, hit: &SearchHit) -> Option<Vec<u64>> {
    let asset = catalog.get_asset(&hit.asset_id).await.ok()?;
    asset.analysis.get(&AnalysisKind::Scene)?;
    match results.timeline(&asset, AnalysisKind::Scene).await {
        Ok(timeline) => {
            let mut starts: Vec<u64> =
                timeline.items.iter().filter_map(|i| i.timecodes.first()).map(|t| t.begin).collect();
            starts.sort_unstable();
            Some(starts)
        }
        Err(err) => {
            tracing::warn!(asset = %hit.asset_id, error = %err, "cannot read the scenes of a search hit");
            None
        }
    }
}

/// The scene, from 1, that a moment starting at `ms` falls in.
fn scene_at(starts: &[u64], ms: u64) -> u32 {
    starts.partition_point(|&start| start <= ms).max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_in_the_last_scene_started_by_its_start() {
        let starts = [0, 9000, 17_000];
        let at: Vec<u32> = [0, 8999, 9000, 16_000, 60_000].iter().map(|&ms| scene_at(&starts, ms)).collect();
        assert_eq!(at, [1, 1, 2, 2, 3]);
        // Scenes that start late still number what comes before as the first.
        assert_eq!(scene_at(&[500, 4000], 100), 1);
    }
}
