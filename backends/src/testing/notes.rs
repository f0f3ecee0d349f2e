//! The note log's suite: notes and replies of each asset, oldest first, a reply only to
//! a note of the same asset, a note removed with its replies, all gone with the asset.

use mediaport_core::{Catalog, CatalogError};
use mediaport_shared::{AssetId, Note, NoteId, Region, Timecode};

use super::catalog::new_asset;

fn note(asset_id: &AssetId, n: u32, text: &str, reply_to: Option<&NoteId>) -> Note {
    Note {
        id: mediaport_core::new_id(),
        asset_id: asset_id.clone(),
        reply_to: reply_to.cloned(),
        author: "rev@example.com".into(),
        text: text.into(),
        at: Timecode { begin: 2000, end: 5000 },
        region: reply_to.is_none().then_some(Region { left: 0.1, top: 0.2, width: 0.3, height: 0.25 }),
        created_at: format!("2026-12-06T10:00:0{n}.000Z"),
    }
}

pub async fn suite(catalog: &dyn Catalog) {
    let asset = catalog.create_asset(new_asset("noted.jpg")).await.unwrap();
    let other = catalog.create_asset(new_asset("other-noted.jpg")).await.unwrap();
    let first = catalog.add_note(&note(&asset.id, 1, "Logo visible: clear it with legal", None)).await.unwrap();
    let reply = catalog.add_note(&note(&asset.id, 2, "Cleared", Some(&first.id))).await.unwrap();
    let second = catalog.add_note(&note(&asset.id, 3, "Good cutaway", None)).await.unwrap();
    catalog.add_note(&note(&other.id, 4, "Elsewhere", None)).await.unwrap();
    let across = catalog.add_note(&note(&other.id, 5, "Answers another asset's note", Some(&first.id))).await;
    assert!(matches!(across, Err(CatalogError::NotFound { .. })), "a reply across assets: {across:?}");
    let nowhere = catalog.add_note(&note(&"no-such-asset".into(), 6, "Nowhere", None)).await;
    assert!(matches!(nowhere, Err(CatalogError::NotFound { .. })), "{nowhere:?}");

    let notes = catalog.notes(&asset.id).await.unwrap();
    assert_eq!(notes, [first.clone(), reply.clone(), second.clone()], "as written, oldest first");
    assert_eq!(notes[0].region, Some(Region { left: 0.1, top: 0.2, width: 0.3, height: 0.25 }));
    assert_eq!(notes[1].reply_to.as_ref(), Some(&first.id));

    // A note goes with its replies; another asset's note cannot be removed through this one.
    let through = catalog.delete_note(&other.id, &second.id).await;
    assert!(matches!(through, Err(CatalogError::NotFound { .. })), "{through:?}");
    catalog.delete_note(&asset.id, &first.id).await.unwrap();
    assert_eq!(catalog.notes(&asset.id).await.unwrap(), [second]);
    let again = catalog.delete_note(&asset.id, &first.id).await;
    assert!(matches!(again, Err(CatalogError::NotFound { .. })), "{again:?}");

    catalog.delete_asset(&asset.id, false).await.unwrap();
    assert!(catalog.notes(&asset.id).await.unwrap().is_empty());
    assert_eq!(catalog.notes(&other.id).await.unwrap().len(), 1);
}
