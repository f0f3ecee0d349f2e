//! Where an asset's things are kept. Every storage key is built here, and the ids of an
//! asset's vectors, which share its prefix so that one prefix removes them all.
//!
//! - Ingest bucket: `<asset>/<filename>` for uploads (objects dropped in bulk keep theirs).
//! - Proxy bucket, under `<asset>/`: what ingest made (`proxy.mp4`, `audio.m4a`,
//!   `waveform.png`, `image.jpg`, `thumbnail.jpg`, `frames/000001.jpg`, `frames.json`,
//!   `pages/0001.png`); a timeline per run of each analysis, `analysis/<kind>-<run>.json`;
//!   `analysis/shot.edl`, `analysis/faces.json`, `analysis/embeddings.json`; and a chip of
//!   each face found, `faces/<n>.jpg`.
//! - Proxy bucket, `faces/<collection>/<face>.jpg`: the faces of a collection.

use mediaport_shared::{AnalysisKind, AssetId};

/// The prefix of everything made from an asset, and of its vectors' ids.
pub fn of_asset(asset_id: &AssetId) -> String {
    format!("{asset_id}/")
}

/// An uploaded original.
pub fn original(asset_id: &AssetId, filename: &str) -> String {
    format!("{asset_id}/{filename}")
}

/// What ingest made, by name (`proxy.mp4`, `thumbnail.jpg`, ...).
pub fn output(asset_id: &AssetId, name: &str) -> String {
    format!("{asset_id}/{name}")
}

/// The `n`th frame sampled from a video, from 1.
pub fn frame(asset_id: &AssetId, n: usize) -> String {
    format!("{asset_id}/frames/{n:06}.jpg")
}

/// The `n`th page of a document as a picture, from 1.
pub fn page(asset_id: &AssetId, n: usize) -> String {
    format!("{asset_id}/pages/{n:04}.png")
}

/// One run's timeline of an analysis: a key of its own, so that the catalog keeps
/// pointing at the last run's until this one ends.
pub fn timeline(asset_id: &AssetId, kind: AnalysisKind, run: &str) -> String {
    format!("{asset_id}/analysis/{}-{run}.json", kind.as_str())
}

/// The clip of a shared moment: its stretch of the proxy, cut on its own.
pub fn share_clip(asset_id: &AssetId, share_id: &mediaport_shared::ShareId) -> String {
    format!("{asset_id}/shares/{share_id}.mp4")
}

/// The shot list as an edit decision list.
pub fn shot_list(asset_id: &AssetId) -> String {
    format!("{asset_id}/analysis/shot.edl")
}

/// The faces found in an asset, with their embeddings and chips.
pub fn faces(asset_id: &AssetId) -> String {
    format!("{asset_id}/analysis/faces.json")
}

/// The sentences' embeddings of the transcript and on-screen text.
pub fn embeddings(asset_id: &AssetId) -> String {
    format!("{asset_id}/analysis/embeddings.json")
}

/// The prefix of an asset's face chips.
pub fn face_chips(asset_id: &AssetId) -> String {
    format!("{asset_id}/faces/")
}

/// The chip of the asset's `n`th face, counted from 0 in order of first appearance.
pub fn face_chip(asset_id: &AssetId, n: usize) -> String {
    format!("{asset_id}/faces/{n}.jpg")
}

/// The vector id of the asset's `n`th face, counted as for its chip.
pub fn face_vector(asset_id: &AssetId, n: usize) -> String {
    format!("{asset_id}/{n}")
}

/// The vector id of an asset's `n`th sentence.
pub fn sentence_vector(asset_id: &AssetId, n: usize) -> String {
    format!("{asset_id}/{n}")
}

/// The asset and place named by the id of a sentence's or a face's vector.
pub fn of_vector(id: &str) -> Option<(AssetId, usize)> {
    let (asset, n) = id.rsplit_once('/')?;
    Some((asset.into(), n.parse().ok()?))
}

/// A face of a collection, cropped from the photo it came from.
pub fn collection_face(collection_id: &str, face_id: &str) -> String {
    format!("faces/{collection_id}/{face_id}.jpg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_made_from_an_asset_is_under_its_prefix() {
        let a1 = AssetId::from("a1");
        let prefix = of_asset(&a1);
        let made = [
            output(&a1, "proxy.mp4"),
            frame(&a1, 1),
            page(&a1, 2),
            timeline(&a1, AnalysisKind::Label, "r1"),
            shot_list(&a1),
            faces(&a1),
            embeddings(&a1),
            face_chip(&a1, 0),
            face_vector(&a1, 0),
            sentence_vector(&a1, 3),
        ];
        assert!(made.iter().all(|key| key.starts_with(&prefix)), "{made:?}");
        assert!(face_chip(&a1, 4).starts_with(&face_chips(&a1)));
        assert_eq!(frame(&a1, 12), "a1/frames/000012.jpg");
        assert_eq!(timeline(&a1, AnalysisKind::Label, "r1"), "a1/analysis/label-r1.json");
        assert_eq!(of_vector(&sentence_vector(&a1, 3)), Some((a1.clone(), 3)));
        assert_eq!(of_vector("a1"), None);
    }
}
