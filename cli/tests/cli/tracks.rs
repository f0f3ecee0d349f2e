//! An asset's analysis as tracks: the transcript as WebVTT subtitles, SubRip and plain
//! text; chapters as a WebVTT chapters track; ad breaks as a spreadsheet; other kinds as
//! WebVTT metadata; wrong names answered with 400 and a code.

use crate::common;

use common::item;
use mediaport_core::users;
use mediaport_shared::{AnalysisKind, Group, Timeline};
use reqwest::StatusCode;

const PASSWORD: &str = "Corr3ct-Horse!";

#[tokio::test]
async fn the_transcript_comes_as_subtitles_and_text_and_bad_names_get_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = mediaport_cli::server::start(common::settings(dir.path())).await.unwrap();
    users::create_user(server.state.identity.as_ref(), "vera", "v@example.org", Group::Viewer, Some(PASSWORD))
        .await
        .unwrap();
    let mut transcript = Timeline::new(
        AnalysisKind::Transcript,
        vec![item("Rain in Lisbon <tomorrow> & after.", 2000, 4500), item("Sun on Friday.", 6000, 7000)],
    );
    transcript.language = Some("en".into());
    let text = Timeline::new(AnalysisKind::Text, vec![item("WEATHER", 0, 3000)]);
    let chapters = Timeline::new(
        AnalysisKind::Chapter,
        vec![item("Chapter 1: Rain, Lisbon", 0, 5000), item("Chapter 2: Sun", 5000, 7000)],
    );
    let breaks = Timeline::new(AnalysisKind::AdBreak, vec![item("break 1", 4800, 5200)]);
    let asset = common::analysed_asset(&server, "forecast.mp4", vec![transcript, text, chapters, breaks]).await;

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
    // Chapters are titled cues, for <track kind="chapters">.
    let chapters = get("chapter.vtt").await.unwrap().text().await.unwrap();
    assert!(chapters.contains("\n00:00:05.000 --> 00:00:07.000\nChapter 2: Sun\n"), "{chapters}");
    let breaks = get("ad_break.csv").await.unwrap();
    assert!(breaks.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let breaks = breaks.text().await.unwrap();
    assert_eq!(breaks, "break,start,end,seconds,score\n1,00:00:04.800,00:00:05.200,0.400,0.900\n");
    // Other kinds are metadata cues.
    let metadata = get("text.vtt").await.unwrap().text().await.unwrap();
    assert!(metadata.contains("{\"confidence\":0.9,\"name\":\"WEATHER\"}"), "{metadata}");

    for (file, status, code) in [
        ("text.srt", StatusCode::BAD_REQUEST, "unknown-track"),
        ("text.csv", StatusCode::BAD_REQUEST, "unknown-track"),
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
