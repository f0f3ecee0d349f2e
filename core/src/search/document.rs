//! An asset as the search index holds it, made from the catalog's record and the stored
//! timelines of its analyses.

use mediaport_shared::{Asset, Timeline, UNNAMED_FACE};

use crate::ports::search::{AssetDocument, IndexedName};

/// The document of an asset with the timelines of its analyses; faces nobody named are
/// left out.
pub fn document(asset: &Asset, timelines: Vec<Timeline>) -> AssetDocument {
    let names = timelines
        .into_iter()
        .map(|timeline| {
            let names = timeline
                .items
                .into_iter()
                // "Face 3" says nothing about who it is.
                .filter(|item| item.category.as_deref() != Some(UNNAMED_FACE))
                .map(|item| IndexedName {
                    name: item.name,
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
