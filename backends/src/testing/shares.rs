//! The share log's suite: shares kept with their secret's hash, listed newest first (all,
//! or one maker's), revoked once, every opening logged and counted, gone with the asset.

use mediaport_core::{Catalog, CatalogError};
use mediaport_shared::{AnalysisKind, AssetId, Share, ShareView, Timecode};

use super::catalog::new_asset;

fn share(asset_id: &AssetId, n: u32, by: &str) -> Share {
    Share {
        id: mediaport_core::new_id(),
        asset_id: asset_id.clone(),
        at: Timecode { begin: 1000, end: 9000 },
        kinds: vec![AnalysisKind::Transcript, AnalysisKind::Label],
        created_by: by.into(),
        created_at: format!("2026-12-06T10:00:0{n}.000Z"),
        expires_at: "2026-12-13T10:00:00.000Z".into(),
        revoked_at: None,
        revoked_by: None,
        views: 0,
    }
}

fn view(n: u32) -> ShareView {
    ShareView { viewed_at: format!("2026-12-07T09:00:0{n}.000Z"), address: Some("203.0.113.9".into()), agent: None }
}

pub async fn suite(catalog: &dyn Catalog) {
    let asset = catalog.create_asset(new_asset("shared.jpg")).await.unwrap();
    let other = catalog.create_asset(new_asset("other-shared.jpg")).await.unwrap();
    let first = catalog.add_share(&share(&asset.id, 1, "ana"), "hash-1").await.unwrap();
    let second = catalog.add_share(&share(&other.id, 2, "ben"), "hash-2").await.unwrap();
    let nowhere = catalog.add_share(&share(&"no-such-asset".into(), 3, "ana"), "hash-3").await;
    assert!(matches!(nowhere, Err(CatalogError::NotFound { .. })), "{nowhere:?}");

    let (kept, hash) = catalog.share(&first.id).await.unwrap();
    assert_eq!((kept, hash.as_str()), (first.clone(), "hash-1"), "kept as made, with its secret's hash");
    let all: Vec<String> = catalog.shares(None).await.unwrap().into_iter().map(|s| s.created_by).collect();
    assert_eq!(all, ["ben", "ana"], "newest first");
    assert_eq!(catalog.shares(Some("ana")).await.unwrap(), std::slice::from_ref(&first));

    // Openings are logged, newest first, and counted on the share.
    catalog.record_view(&first.id, &view(1)).await.unwrap();
    catalog.record_view(&first.id, &view(2)).await.unwrap();
    let views = catalog.share_views(&first.id).await.unwrap();
    assert_eq!(views, [view(2), view(1)]);
    assert_eq!(catalog.share(&first.id).await.unwrap().0.views, 2);
    assert!(catalog.share_views(&second.id).await.unwrap().is_empty());

    let revoked = catalog.revoke_share(&first.id, "admin", "2026-12-08T00:00:00.000Z").await.unwrap();
    assert_eq!((revoked.revoked_by.as_deref(), revoked.views), (Some("admin"), 2));
    let again = catalog.revoke_share(&first.id, "ana", "2026-12-09T00:00:00.000Z").await;
    assert!(matches!(again, Err(CatalogError::Conflict(_))), "{again:?}");
    let unknown = catalog.revoke_share(&"no-such-share".into(), "ana", "2026-12-09T00:00:00.000Z").await;
    assert!(matches!(unknown, Err(CatalogError::NotFound { .. })), "{unknown:?}");

    catalog.delete_asset(&asset.id, false).await.unwrap();
    assert!(matches!(catalog.share(&first.id).await, Err(CatalogError::NotFound { .. })));
    assert_eq!(catalog.shares(None).await.unwrap(), [second]);
}
