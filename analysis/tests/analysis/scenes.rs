//! Scenes, chapters and ad breaks through a real worker and every default analysis, on a
//! film of four known scenes: each scene's two shots are one scene, the scenes start where
//! they were cut, the breaks are the two black and silent seconds and not the plain cut,
//! the chapters are titled from what was said in them, and the shot list marks the scenes.

use crate::common;

use common::{Harness, PROXY_BUCKET, media};
use mediaport_analysis::inference;
use mediaport_shared::{AnalysisKind, AnalysisStatus, AssetStatus, Timeline, TimelineItem};

async fn items(h: &Harness, asset: &mediaport_shared::Asset, kind: AnalysisKind) -> Vec<TimelineItem> {
    let summary = &asset.analysis[&kind];
    assert_eq!(summary.status, AnalysisStatus::Done, "{kind:?}: {summary:?}");
    let body = h.storage.get_object(PROXY_BUCKET, summary.key.as_ref().unwrap()).await.unwrap();
    serde_json::from_slice::<Timeline>(&body).unwrap().items
}

/// Where each item begins, in ms.
fn starts(items: &[TimelineItem]) -> Vec<u64> {
    items.iter().map(|i| i.timecodes[0].begin).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_scenes_are_found_with_their_breaks_and_titled_chapters() {
    let h = Harness::start().await;
    let samples = inference::default_dir().join("samples");
    let (film, truth) = media::scenes_film(h.dir.path(), &samples).await;
    let everything = serde_json::json!({
        "labels": true, "text": true, "moderation": true, "shots": true, "scenes": true, "transcript": true,
        "keyphrases": true, "entities": true, "sentiment": true, "faces": true, "chapter_minutes": 0.25,
    });
    let asset = h.add(&film, "scenes.mp4", None, Some(everything)).await;
    h.worker.drain().await;
    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);

    let shots = items(&h, &asset, AnalysisKind::Shot).await;
    let scenes = items(&h, &asset, AnalysisKind::Scene).await;
    let found = starts(&scenes);
    let near = |a: &[u64], b: &[u64]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= 500);
    assert!(near(&found, &truth), "scenes start at {found:?}, not {truth:?}; shots: {:?}", starts(&shots));
    assert!(shots.iter().filter(|s| s.name.starts_with("shot ")).count() > scenes.len(), "{shots:?}");

    // The breaks: the black and silent seconds before the coffee and the card, not the cut to the cat.
    let breaks = items(&h, &asset, AnalysisKind::AdBreak).await;
    let spans: Vec<_> = breaks.iter().map(|b| b.timecodes[0]).collect();
    assert_eq!(spans.len(), 2, "{breaks:?}");
    assert!(spans[0].begin.abs_diff(8000) <= 300 && spans[0].end.abs_diff(9000) <= 300, "{spans:?}");
    assert!(spans[1].begin.abs_diff(25_000) <= 300 && spans[1].end.abs_diff(26_000) <= 300, "{spans:?}");

    // Two chapters of about 15 s, parted at one of the breaks, titled from their own speech.
    let chapters = items(&h, &asset, AnalysisKind::Chapter).await;
    assert_eq!(chapters.len(), 2, "{chapters:?}");
    let parted = chapters[1].timecodes[0].begin;
    assert!([9000, 26_000].iter().any(|t| parted.abs_diff(*t) <= 500), "{chapters:?}");
    let phrases = items(&h, &asset, AnalysisKind::Keyphrase).await;
    for chapter in &chapters {
        let (name, span) = (chapter.name.to_lowercase(), chapter.timecodes[0]);
        let (_, title) = name.split_once(": ").unwrap_or_else(|| panic!("untitled: {chapters:?}"));
        let said_in_it =
            phrases.iter().filter(|p| p.timecodes.iter().any(|t| t.begin < span.end && t.end > span.begin));
        let said: Vec<String> = said_in_it.map(|p| p.name.to_lowercase()).collect();
        assert!(title.split(", ").all(|t| said.contains(&t.to_owned())), "{name:?} from {said:?}");
    }

    let edl = h.storage.get_object(PROXY_BUCKET, &format!("{}/analysis/shot.edl", asset.id)).await.unwrap();
    let edl = String::from_utf8_lossy(&edl);
    for scene in 2..=4 {
        assert!(edl.contains(&format!("YELLOW  SCENE {scene}\n")), "{edl}");
    }
}
