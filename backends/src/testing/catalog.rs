//! The catalog port's suite, for every engine the catalog runs on.

use std::collections::BTreeMap;

use mediaport_core::ServiceError;
use mediaport_core::{AssetFilter, Catalog, CatalogError, IngestRecord, NewAsset};
use mediaport_shared::{
    AiOptions, AnalysisKind, AnalysisStatus, AnalysisSummaries, AnalysisSummary, AssetId, AssetStatus, AssetType,
};

/// An image being uploaded, with one attribute: what the suites make assets of.
pub fn new_asset(filename: &str) -> NewAsset {
    NewAsset {
        id: mediaport_core::new_id(),
        asset_type: AssetType::Image,
        filename: filename.into(),
        size: 1234,
        md5: None,
        group: None,
        attributes: BTreeMap::from([("camera".into(), "X100".into())]),
        bucket: "mediaport-ingest".into(),
        key: format!("photos/{filename}"),
        status: AssetStatus::Uploading,
        ai_options: None,
    }
}

pub async fn suite(catalog: &dyn Catalog) {
    catalog.ping().await.unwrap();
    let instance = catalog.instance_id().await.unwrap();
    assert_eq!(instance.len(), 36, "a UUID: {instance}");

    let created = catalog.create_asset(new_asset("a.jpg")).await.unwrap();
    assert_eq!(created.filename, "a.jpg");
    assert_eq!(created.attributes["camera"], "X100");
    assert_eq!(created.status, AssetStatus::Uploading);
    assert!(created.created_at.ends_with('Z'), "{}", created.created_at);
    assert_eq!(catalog.get_asset(&created.id).await.unwrap(), created);

    let missing = catalog.get_asset(&"no-such-id".into()).await.unwrap_err();
    assert!(matches!(missing, CatalogError::NotFound { .. }));
    assert_eq!(missing.code(), "not-found");

    // Pages of two, newest first, with no asset repeated or skipped.
    for name in ["b.jpg", "c.jpg", "d.jpg", "e.jpg"] {
        catalog.create_asset(new_asset(name)).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut after: Option<AssetId> = None;
    loop {
        let page = catalog.list_assets(&AssetFilter::default(), 2, after.as_ref()).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = Some(page.last().unwrap().id.clone());
        seen.extend(page.into_iter().map(|a| a.filename));
    }
    assert_eq!(seen, ["e.jpg", "d.jpg", "c.jpg", "b.jpg", "a.jpg"]);

    let mut video = new_asset("f.mp4");
    video.asset_type = AssetType::Video;
    let video = catalog.create_asset(video).await.unwrap();
    let only_video = AssetFilter { asset_type: Some(AssetType::Video), status: None };
    let found = catalog.list_assets(&only_video, 10, None).await.unwrap();
    assert_eq!(found, std::slice::from_ref(&video));
    let ready = AssetFilter { asset_type: None, status: Some(AssetStatus::Ready) };
    assert!(catalog.list_assets(&ready, 10, None).await.unwrap().is_empty());

    // Analysis outcomes are kept per kind, with the asset moved on.
    let mut analysis = AnalysisSummaries::new();
    let key = Some(format!("{}/analysis/text.json", video.id));
    analysis.insert(
        AnalysisKind::Text,
        AnalysisSummary { status: AnalysisStatus::Done, count: 3, error: None, key, language: None },
    );
    let failed = AnalysisSummary {
        status: AnalysisStatus::Failed,
        count: 0,
        error: Some("bad frame".into()),
        key: None,
        language: None,
    };
    analysis.insert(AnalysisKind::Moderation, failed);
    let analysed = catalog.record_analysis(&video.id, &analysis, AssetStatus::Ready, None).await.unwrap();
    assert_eq!((analysed.status, &analysed.analysis), (AssetStatus::Ready, &analysis));
    assert_eq!(catalog.get_asset(&video.id).await.unwrap().analysis, analysis);
    let missing = catalog.record_analysis(&"no-such-id".into(), &analysis, AssetStatus::Ready, None).await;
    assert!(matches!(missing, Err(CatalogError::NotFound { .. })));

    // Analysed again only once ingest has made its outputs.
    let options = AiOptions { labels: Some(true), frame_rate: Some(0.5), ..AiOptions::default() };
    let refused = catalog.reanalyse(&video.id, &options).await.unwrap_err();
    assert!(matches!(refused, CatalogError::Conflict(_)), "{refused:?}");
    assert!(matches!(catalog.reanalyse(&"no-such-id".into(), &options).await, Err(CatalogError::NotFound { .. })));
    let ingested = IngestRecord {
        sha256: "0".repeat(64),
        md5: "0".repeat(32),
        technical: Default::default(),
        outputs: Default::default(),
        status: AssetStatus::Ready,
    };
    catalog.record_ingest(&video.id, &ingested).await.unwrap();
    let again = catalog.reanalyse(&video.id, &options).await.unwrap();
    assert_eq!((again.status, again.ai_options.as_ref()), (AssetStatus::Analysing, Some(&options)));
    assert_eq!(again.analysis, analysis, "the old results stay until the new ones are recorded");
    assert!(matches!(catalog.reanalyse(&video.id, &options).await, Err(CatalogError::Conflict(_))));

    // Figures over every asset: five uploading images of 1234 bytes, one analysing video.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let stats = catalog.stats(&today).await.unwrap();
    let mut groups = stats.groups.clone();
    groups.sort_by_key(|g| g.0.as_str());
    assert_eq!(
        groups,
        [(AssetType::Image, AssetStatus::Uploading, 5, 5 * 1234), (AssetType::Video, AssetStatus::Analysing, 1, 1234)]
    );
    assert_eq!((stats.analysed_ms, stats.proxy_bytes), (0, 0), "no asset with analysis has a duration");
    catalog.set_proxy_bytes(&video.id, 5000).await.unwrap();
    assert!(matches!(catalog.set_proxy_bytes(&"no-such-id".into(), 1).await, Err(CatalogError::NotFound { .. })));
    assert_eq!(stats.added, BTreeMap::from([(today, 6)]));
    let later = catalog.stats("2999-01-01").await.unwrap();
    assert!(later.added.is_empty());
    assert_eq!(later.proxy_bytes, 5000);

    // Settings saved at run time, replaced by the next save.
    assert_eq!(catalog.setting("ai_options").await.unwrap(), None);
    catalog.save_setting("ai_options", r#"{"labels":false}"#).await.unwrap();
    catalog.save_setting("ai_options", r#"{"labels":true}"#).await.unwrap();
    assert_eq!(catalog.setting("ai_options").await.unwrap().as_deref(), Some(r#"{"labels":true}"#));
}
