//! The correction log's suite: the audit trail of each asset, in the order made, where a
//! correction is only ever marked undone, and which goes with its asset.

use mediaport_core::{Catalog, CatalogError};
use mediaport_shared::{AnalysisKind, AssetId, Correction, CorrectionEntry, Timecode};

use super::catalog::new_asset;

fn entry(asset_id: &AssetId, n: u32, correction: Correction) -> CorrectionEntry {
    CorrectionEntry {
        id: mediaport_core::new_id(),
        asset_id: asset_id.clone(),
        correction,
        author: "rev@example.com".into(),
        created_at: format!("2026-12-06T10:00:0{n}.000Z"),
        undone_by: None,
        undone_at: None,
        unplaced: false,
    }
}

fn reject_dog(at: Option<Timecode>) -> Correction {
    Correction::Reject { kind: AnalysisKind::Label, name: "Dog".into(), at }
}

pub async fn suite(catalog: &dyn Catalog) {
    let asset = catalog.create_asset(new_asset("trail.jpg")).await.unwrap();
    let other = catalog.create_asset(new_asset("other.jpg")).await.unwrap();
    let edit = Correction::Edit {
        span: Timecode { begin: 1000, end: 2500 },
        before: "the quick brown fax".into(),
        after: "The quick brown fox".into(),
    };
    let first = catalog.add_correction(&entry(&asset.id, 1, edit.clone())).await.unwrap();
    assert_eq!(first.correction, edit, "the correction comes back as it was made");
    let here = Some(Timecode { begin: 4000, end: 5000 });
    let second = catalog.add_correction(&entry(&asset.id, 2, reject_dog(here))).await.unwrap();
    let added = Correction::Add {
        kind: AnalysisKind::Text,
        name: "EXIT".into(),
        timecodes: vec![Timecode { begin: 0, end: 900 }],
    };
    catalog.add_correction(&entry(&asset.id, 3, added)).await.unwrap();
    catalog.add_correction(&entry(&other.id, 4, reject_dog(None))).await.unwrap();
    let nowhere = catalog.add_correction(&entry(&"no-such-asset".into(), 5, reject_dog(None))).await;
    assert!(matches!(nowhere, Err(CatalogError::NotFound { .. })), "a correction of no asset: {nowhere:?}");

    let trail = catalog.corrections(&asset.id).await.unwrap();
    let kinds: Vec<AnalysisKind> = trail.iter().map(|e| e.correction.kind()).collect();
    assert_eq!(kinds, [AnalysisKind::Transcript, AnalysisKind::Label, AnalysisKind::Text], "oldest first");
    assert_eq!(trail[0], first);
    assert!(trail.iter().all(CorrectionEntry::in_force));

    // Undone, never removed; undoing twice, or another asset's correction, is refused.
    let undone = catalog.undo_correction(&asset.id, &second.id, "admin@example.com", "2026-12-06T11:00:00.000Z");
    let undone = undone.await.unwrap();
    assert_eq!(undone.undone_by.as_deref(), Some("admin@example.com"));
    assert!(!undone.in_force());
    let again = catalog.undo_correction(&asset.id, &second.id, "rev@example.com", "2026-12-06T12:00:00.000Z").await;
    assert!(matches!(again, Err(CatalogError::Conflict(_))), "undone twice: {again:?}");
    let elsewhere = catalog.undo_correction(&other.id, &first.id, "rev@example.com", "2026-12-06T12:00:00.000Z").await;
    assert!(matches!(elsewhere, Err(CatalogError::NotFound { .. })), "through another asset: {elsewhere:?}");
    let trail = catalog.corrections(&asset.id).await.unwrap();
    assert_eq!(trail.len(), 3, "the undone correction stays in the trail");
    assert_eq!(trail[1], undone);
    assert_eq!(trail[1].undone_at.as_deref(), Some("2026-12-06T11:00:00.000Z"), "the first undo stands");

    // The trail goes with its asset, and only its own.
    catalog.delete_asset(&asset.id, false).await.unwrap();
    assert!(catalog.corrections(&asset.id).await.unwrap().is_empty());
    assert_eq!(catalog.corrections(&other.id).await.unwrap().len(), 1);
}
