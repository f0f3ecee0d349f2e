//! Technical cues through a real worker, on a generated tape: the bars, the slate and the
//! end credits are found where they were drawn, in the shot timeline beside the shots.

use crate::common;

use common::{Harness, PROXY_BUCKET, media};
use mediaport_shared::{AnalysisKind, AnalysisStatus, AssetStatus, Timecode, Timeline};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bars_slate_and_end_credits_are_found_where_they_were_drawn() {
    let h = Harness::start().await;
    let film = media::cues_film(h.dir.path()).await;
    let options =
        serde_json::json!({"shots": true, "text": true, "labels": false, "moderation": false, "faces": false});
    let asset = h.add(&film, "tape.mp4", None, Some(options)).await;
    h.worker.drain().await;
    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    let summary = &asset.analysis[&AnalysisKind::Shot];
    assert_eq!(summary.status, AnalysisStatus::Done, "{summary:?}");
    let body = h.storage.get_object(PROXY_BUCKET, summary.key.as_ref().unwrap()).await.unwrap();
    let items = serde_json::from_slice::<Timeline>(&body).unwrap().items;
    let cue = |name: &str| -> Vec<Timecode> {
        items.iter().find(|i| i.name == name).map(|i| i.timecodes.clone()).unwrap_or_default()
    };
    let near = |found: &[Timecode], begin: u64, end: u64, slack: u64| {
        found.len() == 1 && found[0].begin.abs_diff(begin) <= slack && found[0].end.abs_diff(end) <= slack
    };
    let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
    assert!(near(&cue("colour bars"), 0, 3000, 100), "{:?} in {names:?}", cue("colour bars"));
    assert!(near(&cue("slate"), 4000, 8000, 200), "{:?} in {names:?}", cue("slate"));
    // The credits rise from 20 s; each line needs two frames (a second apart) to be seen rising.
    assert!(near(&cue("end credits"), 21_000, 31_000, 2000), "{:?} in {names:?}", cue("end credits"));
    // The test pattern has bars of its own, moving and not in order: it is no cue.
    assert!(cue("credits").is_empty() && names.iter().filter(|n| n.starts_with("shot ")).count() >= 3, "{names:?}");
}
