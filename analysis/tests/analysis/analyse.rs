//! The analysis stage through a real worker, models and storage: a cut between two
//! generated scenes is found on its frame, the caption of the second scene is read with
//! its time range, nothing is flagged explicit or suggestive, the timelines' WebVTT parses; a corrupt
//! frame fails the analyses that read frames, with a reason, and nothing else; a model
//! failing at run time fails its own kind only.

use crate::common;

use std::sync::Arc;

use common::{Harness, PROXY_BUCKET, media};
use mediaport_analysis::vision::labels::Labels;
use mediaport_analysis::vision::moderation::Moderation;
use mediaport_analysis::vision::ocr::Ocr;
use mediaport_analysis::{Unwatched, Vision};
use mediaport_core::workflow;
use mediaport_shared::{AnalysisKind, AnalysisStatus, AssetStatus, Timecode, Timeline};

async fn timeline_of(h: &Harness, key: &str) -> Timeline {
    serde_json::from_slice(&h.storage.get_object(PROXY_BUCKET, key).await.unwrap()).unwrap()
}

/// The cues of a WebVTT file: (begin ms, end ms, payload), checking the format as it goes.
fn parse_vtt(text: &str) -> Vec<(u64, u64, String)> {
    let mut blocks = text.split("\n\n");
    assert_eq!(blocks.next(), Some("WEBVTT"));
    let ms = |t: &str| {
        let (hms, millis) = t.split_once('.').unwrap();
        let parts: Vec<u64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
        ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + millis.parse::<u64>().unwrap()
    };
    blocks
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let (timing, payload) = block.split_once('\n').unwrap();
            let (begin, end) = timing.split_once(" --> ").unwrap();
            let (begin, end) = (ms(begin), ms(end));
            assert!(begin < end, "{timing}");
            (begin, end, payload.to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_a_caption_and_safe_frames_become_timelines() {
    let h = Harness::start().await;
    let film = media::two_scenes(h.dir.path(), 3, 6, "BREAKING NEWS").await;
    let options = serde_json::json!({"text": true, "moderation": true, "shots": true});
    let asset = h.add(&film, "news.mp4", None, Some(options)).await;
    h.worker.drain().await;
    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    for kind in [AnalysisKind::Shot, AnalysisKind::Text, AnalysisKind::Moderation] {
        assert_eq!(asset.analysis[&kind].status, AnalysisStatus::Done, "{kind:?}: {:?}", asset.analysis[&kind]);
    }

    // The cut at 3 s, within one frame interval (1 s at the default rate): shots score every
    // frame of the proxy, so it lands on the frame itself.
    let shots = timeline_of(&h, asset.analysis[&AnalysisKind::Shot].key.as_ref().unwrap()).await;
    let spans: Vec<Timecode> = shots.items.iter().flat_map(|i| i.timecodes.clone()).collect();
    assert_eq!(spans.len(), 2, "{shots:?}");
    assert!(spans[1].begin.abs_diff(3000) <= 40, "{spans:?}");
    assert_eq!(spans[1].end, 6000);
    let edl = h.storage.get_object(PROXY_BUCKET, &format!("{}/analysis/shot.edl", asset.id)).await.unwrap();
    assert!(String::from_utf8_lossy(&edl).contains("002  AX       V     C        00:00:03:00"), "{edl:?}");

    // The caption, read on the frames of the second scene only.
    let text = timeline_of(&h, asset.analysis[&AnalysisKind::Text].key.as_ref().unwrap()).await;
    let news = text.items.iter().find(|i| i.name == "BREAKING NEWS").unwrap_or_else(|| panic!("{text:?}"));
    assert_eq!(news.timecodes, [Timecode { begin: 3000, end: 6000 }]);
    assert!(news.confidence > 0.8);
    let first_box = &news.boxes[0];
    assert!(first_box.top > 0.7 && first_box.left < 0.15, "{first_box:?}");
    let words: Vec<&str> = first_box.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(words, ["BREAKING", "NEWS"], "{first_box:?}");
    assert!(first_box.words[0].left + first_box.words[0].width < first_box.words[1].left + 0.01);
    let cues = parse_vtt(&mediaport_shared::analysis::vtt(&text.items));
    assert!(cues.iter().any(|(b, e, p)| (*b, *e) == (3000, 6000) && p.contains("BREAKING NEWS")), "{cues:?}");
    // The test pattern's running clock is read too, each second on its own frame.
    assert!(text.items.iter().any(|i| i.name == "00:00:01.000" && i.timecodes[0].begin == 1000), "{text:?}");

    let moderation = timeline_of(&h, asset.analysis[&AnalysisKind::Moderation].key.as_ref().unwrap()).await;
    // Nothing explicit or suggestive; a test pattern and a caption card are drawn pictures.
    let names: Vec<&str> = moderation.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["drawing"], "{moderation:?}");

    // Searchable as soon as the worker is done: the caption found at the moment it shows.
    let found = search(&h, r#"text:"breaking news""#).await;
    assert_eq!(found.total, 1, "{found:?}");
    let caption = found.hits[0].matches.iter().find(|m| m.name == "BREAKING NEWS").unwrap();
    assert_eq!(
        (found.hits[0].asset_id.as_str(), caption.timecodes.as_slice()),
        (asset.id.as_str(), &news.timecodes[..])
    );
    assert_eq!(search(&h, "text:breaking AND NOT type:video").await.total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_word_changing_on_a_still_grainy_picture_is_read_when_it_changes() {
    // Frames that look the same are not analysed again; a changed word must still count.
    let h = Harness::start().await;
    let film = media::changing_caption(h.dir.path(), 8, 5, "Lisbon", "Porto").await;
    let options = serde_json::json!({"text": true, "labels": true, "moderation": true});
    let asset = h.add(&film, "caption.mp4", None, Some(options)).await;
    h.worker.drain().await;
    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    let text = timeline_of(&h, asset.analysis[&AnalysisKind::Text].key.as_ref().unwrap()).await;
    let spans = |name: &str| {
        text.items.iter().find(|i| i.name == name).map(|i| i.timecodes.clone()).unwrap_or_else(|| panic!("{text:?}"))
    };
    assert_eq!(spans("Storm over Lisbon"), [Timecode { begin: 0, end: 5000 }]);
    assert_eq!(spans("Storm over Porto"), [Timecode { begin: 5000, end: 8000 }]);
    assert_eq!(text.items.len(), 2, "{text:?}");
    let moderation = timeline_of(&h, asset.analysis[&AnalysisKind::Moderation].key.as_ref().unwrap()).await;
    assert_eq!(moderation.items, []);
}

/// A search through the worker's index, as `GET /api/search` runs it.
async fn search(h: &Harness, q: &str) -> mediaport_shared::SearchResults {
    let request = mediaport_core::SearchRequest::new(mediaport_core::search::query::parse(q).unwrap());
    mediaport_core::search::run(h.search.as_ref(), &request).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_frame_fails_the_frame_analyses_with_a_reason_and_nothing_else() {
    let h = Harness::start().await;
    let film = media::two_scenes(h.dir.path(), 2, 4, "LISBON").await;
    let options = serde_json::json!({"text": true, "moderation": true, "shots": true});
    let asset = h.add(&film, "broken.mp4", None, Some(options)).await;
    // Ingest by hand, then spoil a frame before analysis reads it.
    let job = h
        .queue
        .claim("test", &[mediaport_core::JobKind::Ingest], std::time::Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let ingested = h.ingest.run(&asset.id, &Unwatched).await.unwrap();
    h.queue.complete(&job.id, "test").await.unwrap();
    assert_eq!(ingested.status, AssetStatus::Analysing);
    let spoiled = format!("{}/frames/000002.jpg", asset.id);
    h.storage.put_object(PROXY_BUCKET, &spoiled, b"not a jpeg at all".to_vec().into()).await.unwrap();
    workflow::start_next(h.queue.as_ref(), &ingested).await.unwrap();
    h.worker.drain().await;

    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    assert_eq!(asset.analysis[&AnalysisKind::Shot].status, AnalysisStatus::Done);
    for kind in [AnalysisKind::Text, AnalysisKind::Moderation] {
        let summary = &asset.analysis[&kind];
        assert_eq!(summary.status, AnalysisStatus::Failed, "{kind:?}");
        let reason = summary.error.as_deref().unwrap();
        assert!(reason.contains("000002.jpg") && reason.contains("cannot be read"), "{reason}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_failing_at_run_time_fails_its_own_analysis_and_the_worker_goes_on() {
    // The moderation model swapped for another valid ONNX graph (the object detector):
    // it loads, and every run fails inside ONNX Runtime on pictures of the wrong shape.
    let models = common::models();
    let broken = Vision {
        labels: Labels::new(&models).unwrap(),
        ocr: Ocr::new(&models).unwrap(),
        moderation: Moderation::with_model(models.load("nanodet.onnx").unwrap()),
        faces: common::vision(&models).faces.clone(),
        traits: mediaport_analysis::vision::faces::traits::Describer::new(&models).unwrap(),
    };
    let h = Harness::start_with(Some(Arc::new(broken))).await;
    let film = media::two_scenes(h.dir.path(), 2, 4, "LISBON").await;
    let options = serde_json::json!({"labels": true, "text": true, "moderation": true, "faces": true});
    let first = h.add(&film, "first.mp4", None, Some(options.clone())).await;
    h.worker.drain().await;
    let first = h.asset(&first.id).await;
    assert_eq!(first.status, AssetStatus::Ready, "{:?}", first.error);
    let moderation = &first.analysis[&AnalysisKind::Moderation];
    assert_eq!(moderation.status, AnalysisStatus::Failed);
    let reason = moderation.error.as_deref().unwrap();
    assert!(reason.starts_with("the model failed") && reason.contains("nanodet.onnx"), "{reason}");
    for kind in [AnalysisKind::Label, AnalysisKind::Text, AnalysisKind::Face, AnalysisKind::FaceMatch] {
        assert_eq!(first.analysis[&kind].status, AnalysisStatus::Done, "{kind:?}: {:?}", first.analysis[&kind]);
    }
    let text = timeline_of(&h, first.analysis[&AnalysisKind::Text].key.as_ref().unwrap()).await;
    assert!(text.items.iter().any(|i| i.name == "LISBON"), "{text:?}");

    // The same worker takes the next asset: the failure stayed with the first one's kind.
    let second = h.add(&film, "second.mp4", None, Some(options)).await;
    h.worker.drain().await;
    let second = h.asset(&second.id).await;
    assert_eq!(second.status, AssetStatus::Ready, "{:?}", second.error);
    assert_eq!(second.analysis[&AnalysisKind::Moderation].status, AnalysisStatus::Failed);
    assert_eq!(second.analysis[&AnalysisKind::Text].status, AnalysisStatus::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_gets_its_page_text_and_a_scanned_page_is_read() {
    let h = Harness::start().await;
    // A scan: a picture of a typed line, with no text layer behind it.
    let scan = h.dir.path().join("scan.jpg");
    let draw =
        "color=c=white:s=1224x1584:d=1,drawtext=text='Minutes of the board':x=120:y=200:fontsize=64:fontcolor=black";
    media::tool("ffmpeg", &["-v", "error", "-y", "-f", "lavfi", "-i", draw, "-frames:v", "1", scan.to_str().unwrap()])
        .await;
    let pages = vec![
        media::Page::Text("Annual report 2026"),
        media::Page::Scan { jpeg: std::fs::read(&scan).unwrap(), width: 1224, height: 1584 },
        media::Page::Text("Annual report 2026"),
        media::Page::Text("Questions go to press@example.org"),
    ];
    let path = h.dir.path().join("report.pdf");
    std::fs::write(&path, media::pdf_of(pages)).unwrap();
    let options = serde_json::json!({"text": true, "entities": true});
    let asset = h.add(&path, "report.pdf", None, Some(options)).await;
    h.worker.drain().await;

    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    let summary = &asset.analysis[&AnalysisKind::Text];
    assert_eq!(summary.status, AnalysisStatus::Done, "{summary:?}");
    let text = timeline_of(&h, summary.key.as_ref().unwrap()).await;
    let typed = text.items.iter().find(|i| i.name == "Annual report 2026").unwrap_or_else(|| panic!("{text:?}"));
    assert_eq!(typed.pages, [1, 3]);
    let read = text.items.iter().find(|i| i.name == "Minutes of the board").unwrap_or_else(|| panic!("{text:?}"));
    assert_eq!(read.pages, [2]);
    assert!(read.confidence > 0.8 && read.confidence < 1.0, "read, not typed: {read:?}");
    // Language over the pages: the address with the page it is on.
    let entities = timeline_of(&h, asset.analysis[&AnalysisKind::Entity].key.as_ref().unwrap()).await;
    let email = entities.items.iter().find(|e| e.name == "press@example.org").unwrap_or_else(|| panic!("{entities:?}"));
    assert_eq!((email.category.as_deref(), email.pages.as_slice()), (Some("email"), &[4][..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photograph_gets_its_objects_with_boxes() {
    let h = Harness::start().await;
    let photo = mediaport_analysis::inference::default_dir().join("samples/astronaut.png");
    let asset = h.add(&photo, "astronaut.png", None, Some(serde_json::json!({"labels": true}))).await;
    h.worker.drain().await;
    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    let summary = &asset.analysis[&AnalysisKind::Label];
    assert_eq!(summary.status, AnalysisStatus::Done, "{summary:?}");
    let labels = timeline_of(&h, summary.key.as_ref().unwrap()).await;
    let person = labels.items.iter().find(|i| i.name == "person").unwrap_or_else(|| panic!("{labels:?}"));
    // The astronaut fills most of the picture: a box from near the left edge to past the middle.
    let area = &person.boxes[0];
    assert!(area.left < 0.1 && area.width > 0.5 && area.height > 0.8, "{area:?}");
    assert!(person.confidence > 0.5, "{person:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dissolve_and_a_cut_both_start_shots() {
    let h = Harness::start().await;
    let film = h.dir.path().join("dissolve.mp4");
    // 3 s of test pattern dissolving over one second into a caption card (3 s to 4 s), then
    // a cut to a plain card at 6 s.
    let scene_a = "testsrc2=s=640x360:r=25:d=4";
    let scene_b = "color=c=0x806020:s=640x360:r=25:d=3,drawtext=text='LATER':x=200:y=150:fontsize=60:fontcolor=white";
    let scene_c = "color=c=0x104080:s=640x360:r=25:d=2";
    let join = "[0][1]xfade=transition=dissolve:duration=1:offset=3[ab];[ab][2]concat=n=2:v=1:a=0";
    let args = [
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        scene_a,
        "-f",
        "lavfi",
        "-i",
        scene_b,
        "-f",
        "lavfi",
        "-i",
        scene_c,
        "-filter_complex",
        join,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        film.to_str().unwrap(),
    ];
    media::tool("ffmpeg", &args).await;
    let asset = h.add(&film, "dissolve.mp4", None, Some(serde_json::json!({"shots": true}))).await;
    h.worker.drain().await;
    let asset = h.asset(&asset.id).await;
    let shots = timeline_of(&h, asset.analysis[&AnalysisKind::Shot].key.as_ref().unwrap()).await;
    let starts: Vec<u64> =
        shots.items.iter().filter(|i| i.name.starts_with("shot")).map(|i| i.timecodes[0].begin).collect();
    assert_eq!(starts.len(), 3, "{shots:?}");
    assert!((3000..=4000).contains(&starts[1]), "the dissolve, within its second: {starts:?}");
    assert!(starts[2].abs_diff(6000) <= 40, "the cut, on its frame: {starts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_becomes_a_transcript_and_a_silent_film_skips_it() {
    let h = Harness::start().await;
    let said = "Good evening, I'm Sarah Jones. Heavy rain is expected in Lisbon tomorrow. \
                It is terrible news for the farmers.";
    let film = media::spoken_video(h.dir.path(), said, 2).await;
    let options = serde_json::json!({"transcript": true, "keyphrases": true, "entities": true, "sentiment": true});
    let spoken = h.add(&film, "forecast.mp4", None, Some(options.clone())).await;
    let silent = media::two_scenes(h.dir.path(), 1, 2, "QUIET").await;
    let silent = h.add(&silent, "silent.mp4", None, Some(options)).await;
    h.worker.drain().await;

    let spoken = h.asset(&spoken.id).await;
    assert_eq!(spoken.status, AssetStatus::Ready, "{:?}", spoken.error);
    let summary = &spoken.analysis[&AnalysisKind::Transcript];
    assert_eq!(summary.status, AnalysisStatus::Done, "{summary:?}");
    let transcript = timeline_of(&h, summary.key.as_ref().unwrap()).await;
    // No language was given: it was heard, and the asset says which.
    assert_eq!(transcript.language.as_deref(), Some("en"));
    assert_eq!(summary.language.as_deref(), Some("en"));
    let text: Vec<&str> = transcript.items.iter().map(|i| i.name.as_str()).collect();
    assert!(text.join(" ").to_lowercase().contains("lisbon"), "{text:?}");
    // The speech starts 2 s in.
    assert!(transcript.items[0].timecodes[0].begin.abs_diff(2000) <= 1000, "{transcript:?}");
    assert!(transcript.items.iter().all(|i| !i.words.is_empty()), "each stretch has its words: {transcript:?}");

    // Language over the transcript, at the times the sentences were said.
    let said_when = |word: &str| {
        let words = transcript.items.iter().flat_map(|i| &i.words);
        let found = words.into_iter().find(|w| w.text.to_lowercase().contains(word));
        found.unwrap_or_else(|| panic!("{word:?} not heard: {transcript:?}")).begin
    };
    let entities = timeline_of(&h, spoken.analysis[&AnalysisKind::Entity].key.as_ref().unwrap()).await;
    let person = entities.items.iter().find(|e| e.category.as_deref() == Some("person"));
    let person = person.unwrap_or_else(|| panic!("no person in {entities:#?}"));
    assert!(person.name.to_lowercase().contains("jones"), "{person:?}");
    let span = person.timecodes[0];
    assert!(span.begin <= said_when("jones") && said_when("jones") < span.end, "{person:?}");
    let sentiment = timeline_of(&h, spoken.analysis[&AnalysisKind::Sentiment].key.as_ref().unwrap()).await;
    let negative = sentiment.items.iter().find(|i| i.name == "negative").unwrap_or_else(|| panic!("{sentiment:?}"));
    let span = negative.timecodes[0];
    assert!(span.begin <= said_when("terrible") && said_when("terrible") < span.end, "{sentiment:?}");
    let phrases = timeline_of(&h, spoken.analysis[&AnalysisKind::Keyphrase].key.as_ref().unwrap()).await;
    let all = text.join(" ").to_lowercase();
    assert!(!phrases.items.is_empty(), "{phrases:?}");
    assert!(phrases.items.iter().all(|p| all.contains(&p.name.to_lowercase()) && !p.timecodes.is_empty()));
    let key = format!("{}/analysis/embeddings.json", spoken.id);
    let stored = h.storage.get_object(PROXY_BUCKET, &key).await.unwrap();
    let embeddings: mediaport_shared::Embeddings = serde_json::from_slice(&stored).unwrap();
    assert!(embeddings.sentences.len() >= 3, "a vector per sentence: {:?}", embeddings.sentences.len());
    assert!(embeddings.sentences.iter().all(|s| s.vector.len() == 384 && !s.timecodes.is_empty()));
    // Found by what was said, at the moment it was said.
    let found = search(&h, "transcript:lisbon").await;
    assert_eq!(found.hits.len(), 1, "{found:?}");
    let said = &found.hits[0].matches[0];
    assert!(said.timecodes[0].begin <= said_when("lisbon") && said_when("lisbon") < said.timecodes[0].end, "{said:?}");
    assert!(found.hits[0].highlights[0].contains("<b>Lisbon</b>"), "{:?}", found.hits[0].highlights);

    let silent = h.asset(&silent.id).await;
    assert_eq!(silent.status, AssetStatus::Ready, "{:?}", silent.error);
    assert!(!silent.analysis.contains_key(&AnalysisKind::Transcript), "{:?}", silent.analysis);
}

/// A sample photograph fetched by `models/fetch.py --samples`.
fn sample(name: &str) -> std::path::PathBuf {
    mediaport_analysis::inference::default_dir().join("samples").join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_face_indexed_from_one_photograph_is_recognised_in_other_shots_and_nobody_else_is() {
    let h = Harness::start().await;
    let collections = mediaport_core::faces::Collections {
        catalog: h.faces.catalog.as_ref(),
        vectors: h.faces.vectors.as_ref(),
        storage: h.storage.as_ref(),
        bucket: PROXY_BUCKET,
    };
    let staff = collections.create("Staff").await.unwrap();
    let photo = bytes::Bytes::from(std::fs::read(sample("obama.jpg")).unwrap());
    let reader = common::face_reader();
    let enrolled = collections.add_face(Some(&reader), &staff.id, "Barack Obama", "obama.jpg", photo).await.unwrap();

    // Two other photographs of him (one smaller, off centre and brighter) around
    // another man: 2 s each, a frame a second.
    let fit = "scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2";
    let small = "scale=-2:600,eq=brightness=0.12,pad=1280:720:60:40";
    let shots = [(sample("obama2.jpg"), fit), (sample("biden.jpg"), fit), (sample("obama3.jpg"), small)];
    let video = media::slideshow(h.dir.path(), &shots, 2).await;
    let options = serde_json::json!({"faces": true, "face_collection": staff.id});
    let asset = h.add(&video, "visit.mp4", None, Some(options)).await;
    h.worker.drain().await;
    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);

    let summary = &asset.analysis[&AnalysisKind::FaceMatch];
    let matched = timeline_of(&h, summary.key.as_ref().unwrap()).await;
    assert_eq!(matched.items.len(), 1, "{matched:?}");
    let obama = &matched.items[0];
    assert_eq!(obama.name, "Barack Obama");
    let begins: Vec<u64> = obama.timecodes.iter().map(|t| t.begin).collect();
    assert_eq!(begins, [0, 4000], "both of his shots, not the other man's: {:?}", obama.timecodes);
    assert!(obama.timecodes.iter().all(|t| t.end - t.begin == 2000), "{:?}", obama.timecodes);
    assert!(!obama.boxes.is_empty());

    let unnamed = timeline_of(&h, asset.analysis[&AnalysisKind::Face].key.as_ref().unwrap()).await;
    let names: Vec<&str> = unnamed.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["Face 2"], "the other man stays unnamed: {unnamed:?}");
    assert_eq!(unnamed.items[0].timecodes, [Timecode { begin: 2000, end: 4000 }]);

    // One appearance per person, each with a chip; Obama's two shots are one appearance.
    let faces: mediaport_shared::FaceAppearances = serde_json::from_slice(
        &h.storage.get_object(PROXY_BUCKET, &format!("{}/analysis/faces.json", asset.id)).await.unwrap(),
    )
    .unwrap();
    let usable: Vec<_> = faces.appearances.iter().filter(|a| a.usable).collect();
    assert_eq!(usable.len(), 2, "{:?}", faces.appearances.iter().map(|a| (&a.label, &a.timecodes)).collect::<Vec<_>>());
    assert_eq!(usable[0].matched.as_ref().map(|m| m.face_id.as_str()), Some(enrolled.id.as_str()));
    assert!(usable[1].matched.is_none());
    for appearance in usable {
        let chip = h.storage.get_object(PROXY_BUCKET, &appearance.chip).await.unwrap();
        assert_eq!(image::load_from_memory(&chip).unwrap().width(), 150);
    }

    let found = search(&h, "face:\"Barack Obama\"").await;
    assert_eq!(found.hits.len(), 1);
    assert_eq!(search(&h, "face:\"Face 2\"").await.total, 0, "an unnamed face is not a name to search");

    // A picture with no face: an empty result, not an error.
    let cup = h.add(&sample("coffee.png"), "coffee.png", None, Some(serde_json::json!({"faces": true}))).await;
    h.worker.drain().await;
    let cup = h.asset(&cup.id).await;
    let summary = &cup.analysis[&AnalysisKind::Face];
    assert_eq!((summary.status, summary.count), (AnalysisStatus::Done, 0), "{summary:?}");
    let summary = &cup.analysis[&AnalysisKind::FaceMatch];
    assert_eq!((summary.status, summary.count), (AnalysisStatus::Done, 0), "nobody to name: {summary:?}");
}
