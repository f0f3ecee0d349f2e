//! An asset's analysis as tracks: the transcript as WebVTT subtitles, SubRip and plain
//! text; other kinds as WebVTT metadata; wrong names answered with 400 and a code.

mod common;

use mediaport_core::{NewAsset, users};
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, AnalysisSummaries, AnalysisSummary, AssetStatus, AssetType, Group, Timecode,
    Timeline, TimelineItem,
};
use reqwest::StatusCode;

const PASSWORD: &str = "Corr3ct-Horse!";

fn said(text: &str, begin: u64, end: u64) -> TimelineItem {
    TimelineItem { name: text.into(), confidence: 0.9, timecodes: vec![Timecode { begin, end }], ..Default::default() }
}

#[tokio::test]
async fn the_transcript_comes_as_subtitles_and_text_and_bad_names_get_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = mediaport_cli::server::start(common::settings(dir.path())).await.unwrap();
    users::create_user(server.state.identity.as_ref(), "vera", "v@example.org", Group::Viewer, Some(PASSWORD))
        .await
        .unwrap();
    let asset = server
        .state
        .catalog
        .create_asset(NewAsset {
            id: mediaport_core::new_id(),
            asset_type: AssetType::Video,
            filename: "forecast.mp4".into(),
            size: 10,
            md5: None,
            group: None,
            attributes: Default::default(),
            bucket: "mediaport-ingest".into(),
            key: "forecast.mp4".into(),
            status: AssetStatus::Ready,
            ai_options: None,
        })
        .await
        .unwrap();
    let proxy = &server.settings.storage.proxy_bucket;
    let mut analysis = AnalysisSummaries::new();
    let timelines = [
        (
            AnalysisKind::Transcript,
            vec![said("Rain in Lisbon <tomorrow> & after.", 2000, 4500), said("Sun on Friday.", 6000, 7000)],
        ),
        (AnalysisKind::Text, vec![said("WEATHER", 0, 3000)]),
    ];
    for (kind, items) in timelines {
        let key = format!("{}/analysis/{}.json", asset.id, kind.as_str());
        let mut timeline = Timeline::new(kind, items);
        timeline.language = (kind == AnalysisKind::Transcript).then(|| "en".into());
        server.state.storage.put_object(proxy, &key, serde_json::to_vec(&timeline).unwrap().into()).await.unwrap();
        analysis.insert(kind, AnalysisSummary { status: AnalysisStatus::Done, count: 1, error: None, key: Some(key) });
    }
    server.state.catalog.record_analysis(&asset.id, &analysis, AssetStatus::Ready, None).await.unwrap();

    let (session, _) = server.state.identity.login("vera", PASSWORD).await.unwrap();
    let client = reqwest::Client::new();
    let get = |file: &str| {
        client
            .get(format!("{}/api/assets/{}/tracks/{file}", server.url(), asset.id))
            .bearer_auth(&session.access_token)
            .send()
    };
    let vtt = get("transcript.vtt").await.unwrap();
    assert_eq!(vtt.status(), StatusCode::OK);
    assert!(vtt.headers()["content-type"].to_str().unwrap().starts_with("text/vtt"));
    let vtt = vtt.text().await.unwrap();
    assert!(
        vtt.starts_with("WEBVTT\n\n00:00:02.000 --> 00:00:04.500\nRain in Lisbon &lt;tomorrow&gt; &amp; after.\n\n"),
        "{vtt}"
    );
    let srt = get("transcript.srt").await.unwrap().text().await.unwrap();
    assert!(srt.starts_with("1\n00:00:02,000 --> 00:00:04,500\nRain in Lisbon <tomorrow> & after.\n\n2\n"), "{srt}");
    let text = get("transcript.txt").await.unwrap().text().await.unwrap();
    assert_eq!(text, "Rain in Lisbon <tomorrow> & after.\nSun on Friday.\n");
    // Other kinds are metadata cues.
    let metadata = get("text.vtt").await.unwrap().text().await.unwrap();
    assert!(metadata.contains("{\"confidence\":0.9,\"name\":\"WEATHER\"}"), "{metadata}");

    for (file, status, code) in [
        ("text.srt", StatusCode::BAD_REQUEST, "unknown-track"),
        ("transcript", StatusCode::BAD_REQUEST, "unknown-track"),
        ("weather.vtt", StatusCode::BAD_REQUEST, "unknown-kind"),
        ("label.vtt", StatusCode::NOT_FOUND, "not-analysed"),
    ] {
        let answer = get(file).await.unwrap();
        assert_eq!(answer.status(), status, "{file}");
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["code"], code, "{file}");
    }
    server.shutdown().await.unwrap();
}
