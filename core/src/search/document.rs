//! An asset as the search index holds it, made from the catalog's record and the stored
//! timelines of its analyses.

use mediaport_shared::{AnalysisKind, Asset, Timeline, UNNAMED_FACE};

use crate::ports::search::{AssetDocument, IndexedName};

/// The document of an asset with the timelines of its analyses. Names that say nothing of
/// the content are left out: faces nobody named ("Face 3"), scenes and ad breaks ("scene
/// 2", "break 1": every video would match "break"); chapters are indexed by their titles.
pub fn document(asset: &Asset, timelines: Vec<Timeline>) -> AssetDocument {
    let names = timelines
        .into_iter()
        .filter(|timeline| !matches!(timeline.kind, AnalysisKind::Scene | AnalysisKind::AdBreak))
        .map(|timeline| {
            let chapters = timeline.kind == AnalysisKind::Chapter;
            let names = timeline
                .items
                .into_iter()
                .filter(|item| item.category.as_deref() != Some(UNNAMED_FACE))
                .filter_map(|item| {
                    if chapters {
                        // "Chapter 2: Weather report" is found by "weather report"; an untitled one by nothing.
                        let title = item.name.split_once(": ").map(|(_, title)| title.to_owned());
                        title.map(|title| (title, item))
                    } else {
                        Some((item.name.clone(), item))
                    }
                })
                .map(|(name, item)| IndexedName {
                    name,
                    confidence: item.confidence,
                    timecodes: item.timecodes,
                    pages: item.pages,
                })
                .collect();
            (timeline.kind, names)
        })
        .collect();
    AssetDocument {
        asset_id: asset.id.clone(),
        filename: asset.filename.clone(),
        asset_type: asset.asset_type,
        group: asset.group.clone(),
        attributes: asset.attributes.clone(),
        thumbnail: asset.outputs.as_ref().and_then(|o| o.thumbnail.clone()),
        created_at: asset.created_at.clone(),
        names,
        sentences: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use mediaport_shared::{Timecode, TimelineItem};

    use super::*;

    fn timeline(kind: AnalysisKind, names: &[&str]) -> Timeline {
        let item = |name: &&str| TimelineItem {
            name: (*name).into(),
            confidence: 0.9,
            timecodes: vec![Timecode { begin: 0, end: 1000 }],
            ..Default::default()
        };
        Timeline::new(kind, names.iter().map(item).collect())
    }

    #[test]
    fn chapters_are_found_by_their_titles_and_scenes_and_breaks_not_at_all() {
        let asset = crate::memory::asset(mediaport_shared::AssetStatus::Ready);
        let timelines = vec![
            timeline(AnalysisKind::Label, &["dog"]),
            timeline(AnalysisKind::Scene, &["scene 1", "scene 2"]),
            timeline(AnalysisKind::AdBreak, &["break 1"]),
            timeline(AnalysisKind::Chapter, &["Chapter 1: Weather report, Rain", "Chapter 2"]),
        ];
        let names = document(&asset, timelines).names;
        let indexed: Vec<(AnalysisKind, Vec<&str>)> =
            names.iter().map(|(kind, names)| (*kind, names.iter().map(|n| n.name.as_str()).collect())).collect();
        assert_eq!(
            indexed,
            [(AnalysisKind::Label, vec!["dog"]), (AnalysisKind::Chapter, vec!["Weather report, Rain"])]
        );
    }
}
