//! Ingest of generated media of every type, through a real worker, real tools and the
//! embedded S3 endpoint: what a user would check on the outputs (the proxy plays at the
//! right size and length, one frame per second, the GPS read back, the page text).

use crate::common;

use common::{Harness, PROXY_BUCKET, media};
use mediaport_shared::{AssetStatus, Frame};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_gets_checksums_proxies_frames_and_a_thumbnail() {
    let h = Harness::start().await;
    let file = media::video(h.dir.path(), "clip.mp4", "1280x720", "30", 5, true).await;
    let md5 = Harness::md5_of(&file);
    let asset = h.add(&file, "clip.mp4", Some(&md5), None).await;
    assert_eq!(h.worker.drain().await, 2, "ingest, then analysis of the frames");

    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    assert_eq!(asset.md5.as_deref(), Some(md5.as_str()));
    assert_eq!(asset.sha256, Some(mediaport_analysis::fixity::hash_file(&file).unwrap().sha256));
    let technical = asset.technical.unwrap();
    let video = technical.video.unwrap();
    assert_eq!((video.width, video.height, video.fps, video.codec.as_str()), (1280, 720, 30.0, "h264"));
    assert_eq!(technical.duration_ms, Some(5000));
    assert_eq!(technical.audio.unwrap().codec, "aac");

    // H.264 and AAC that browsers play: the proxy carries the very same streams, fast start.
    let outputs = asset.outputs.unwrap();
    let proxy = h.download(outputs.video.as_ref().unwrap()).await;
    let (w, h_, seconds, audio, _) = media::ffprobe(&proxy).await;
    assert_eq!((w, h_, audio), (1280, 720, true));
    assert!((seconds - 5.0).abs() < 0.1, "proxy lasts {seconds} s");
    assert_eq!(media::streams_md5(&proxy).await, media::streams_md5(&file).await, "copied, not encoded again");
    assert!(media::fast_start(&proxy), "the index comes before the media data");
    let (_, _, seconds, audio, video) = media::ffprobe(&h.download(outputs.audio.as_ref().unwrap()).await).await;
    assert!(audio && !video && (seconds - 5.0).abs() < 0.1);
    let thumbnail = image::open(h.download(outputs.thumbnail.as_ref().unwrap()).await).unwrap();
    assert_eq!((thumbnail.width(), thumbnail.height()), (320, 180));
    assert_eq!(outputs.reports.len(), 3, "ffprobe's, mediainfo's and the shots measured");

    // One frame a second, at 0, 1, 2... seconds, each stored and measured.
    let frames = outputs.frames.unwrap();
    assert_eq!((frames.rate, frames.captured, frames.kept), (1.0, 5, 5));
    let manifest: Vec<Frame> =
        serde_json::from_slice(&h.storage.get_object(PROXY_BUCKET, &frames.manifest).await.unwrap()).unwrap();
    assert_eq!(manifest.iter().map(|f| f.time_ms).collect::<Vec<_>>(), [0, 1000, 2000, 3000, 4000]);
    assert!(manifest.iter().all(|f| f.sharpness > 0.0 && f.phash.len() == 16 && f.kept));
    let frame = image::open(h.download(&manifest[2].key).await).unwrap();
    assert_eq!((frame.width(), frame.height()), (960, 540));

    // The job told watchers its steps; the last one it reached stays on record.
    let filter = mediaport_core::JobFilter { asset_id: Some(asset.id.clone()), status: None, kind: None };
    let jobs = h.queue.list(&filter, 10).await.unwrap();
    let job = jobs.iter().find(|j| j.task.kind() == mediaport_core::JobKind::Ingest).unwrap();
    assert_eq!(job.step.as_deref(), Some("frames"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_browsers_cannot_play_as_it_is_gets_an_encoded_proxy() {
    let h = Harness::start().await;
    let file = media::mpeg4_video(h.dir.path(), "old.mp4", "1280x720", 3).await;
    let asset = h.add(&file, "old.mp4", None, None).await;
    assert_eq!(h.worker.drain().await, 2);
    let asset = h.asset(&asset.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    let proxy = h.download(asset.outputs.unwrap().video.as_ref().unwrap()).await;
    let (w, h_, seconds, audio, _) = media::ffprobe(&proxy).await;
    assert_eq!((w, h_, audio), (960, 540, true), "H.264 within 960x540, AAC");
    assert!((seconds - 3.0).abs() < 0.1, "proxy lasts {seconds} s");
    assert_eq!(media::codecs(&proxy).await, ["h264", "aac"]);
    assert!(media::fast_start(&proxy));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frame_counts_follow_rate_times_duration_at_50_59_94_and_variable_frame_rates() {
    let h = Harness::start().await;
    let fifty = media::video(h.dir.path(), "fifty.mp4", "640x360", "50", 4, true).await;
    let ntsc = media::video(h.dir.path(), "ntsc.mp4", "640x360", "60000/1001", 4, false).await;
    let variable = media::variable_rate_video(h.dir.path()).await;
    let fifty = h.add(&fifty, "fifty.mp4", None, Some(serde_json::json!({"frame_rate": 2.0}))).await;
    let ntsc = h.add(&ntsc, "ntsc.mp4", None, None).await;
    let variable = h.add(&variable, "vfr.mp4", None, None).await;
    assert_eq!(h.worker.drain().await, 6, "each ingested, then analysed");

    for (asset, fps, rate, frames) in [(&fifty, 50.0, 2.0, 8), (&ntsc, 59.94, 1.0, 4), (&variable, 0.0, 1.0, 4)] {
        let asset = h.asset(&asset.id).await;
        assert_eq!(asset.status, AssetStatus::Ready, "{}: {:?}", asset.filename, asset.error);
        let technical = asset.technical.unwrap();
        let video = technical.video.unwrap();
        if fps > 0.0 {
            assert!((video.fps - fps).abs() < 0.01, "{}: {} fps", asset.filename, video.fps);
        } else {
            assert!(video.variable_frame_rate, "mediainfo sees the uneven frames");
        }
        let outputs = asset.outputs.unwrap();
        let set = outputs.frames.unwrap();
        assert_eq!((set.rate, set.captured), (rate, frames), "{}", asset.filename);
        let (w, h_, seconds, _, _) = media::ffprobe(&h.download(outputs.video.as_ref().unwrap()).await).await;
        assert_eq!((w, h_), (640, 360));
        assert!((seconds - 4.0).abs() < 0.2, "{}: proxy lasts {seconds} s", asset.filename);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_video_silent_video_and_an_mp4_with_only_sound() {
    let h = Harness::start().await;
    let phone = media::rotated_video(h.dir.path()).await;
    let silent = media::video(h.dir.path(), "silent.mp4", "640x360", "25", 2, false).await;
    let only_sound = media::sound(h.dir.path(), "voice.mp4", 3).await;
    let phone = h.add(&phone, "phone.mp4", None, None).await;
    let silent = h.add(&silent, "silent.mp4", None, None).await;
    let only_sound = h.add(&only_sound, "voice.mp4", None, None).await;
    assert_eq!(h.worker.drain().await, 5, "sound alone has no frames to analyse");

    // Turned upright: portrait, 304x540 inside the 960x540 box.
    let phone = h.asset(&phone.id).await;
    let video = phone.technical.as_ref().unwrap().video.clone().unwrap();
    assert_eq!((video.width, video.height, video.rotation), (360, 640, 90));
    let (w, h_, _, _, _) = media::ffprobe(&h.download(phone.outputs.unwrap().video.as_ref().unwrap()).await).await;
    assert!(h_ > w && h_ <= 540, "{w}x{h_}");

    let silent = h.asset(&silent.id).await;
    assert_eq!(silent.status, AssetStatus::Ready, "{:?}", silent.error);
    let outputs = silent.outputs.unwrap();
    assert!(outputs.audio.is_none());
    let (_, _, _, audio, video) = media::ffprobe(&h.download(outputs.video.as_ref().unwrap()).await).await;
    assert!(video && !audio);

    // An .mp4 of sound alone is treated as audio: no picture to make, a waveform instead.
    let only_sound = h.asset(&only_sound.id).await;
    assert_eq!(only_sound.status, AssetStatus::Ready, "{:?}", only_sound.error);
    let outputs = only_sound.outputs.unwrap();
    assert!(outputs.video.is_none() && outputs.frames.is_none());
    assert!(outputs.audio.is_some() && outputs.waveform.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_whose_container_has_no_length_are_measured_and_their_frames_counted() {
    let h = Harness::start().await;
    let webm = media::piped_recording(h.dir.path(), "recorded.webm", "webm", 4, true).await;
    let mkv = media::piped_recording(h.dir.path(), "capture.mkv", "matroska", 3, false).await;
    for file in [&webm, &mkv] {
        let (_, _, seconds, _, _) = media::ffprobe(file).await;
        assert_eq!(seconds, 0.0, "{}: the container says no length", file.display());
    }
    let webm = h.add(&webm, "recorded.webm", None, None).await;
    let mkv = h.add(&mkv, "capture.mkv", None, None).await;
    assert_eq!(h.worker.drain().await, 3, "both ingested; sound alone has no frames to analyse");

    for (asset, ms) in [(&webm, 4000), (&mkv, 3000)] {
        let asset = h.asset(&asset.id).await;
        assert_eq!(asset.status, AssetStatus::Ready, "{}: {:?}", asset.filename, asset.error);
        let measured = asset.technical.unwrap().duration_ms.expect("measured");
        assert!(measured.abs_diff(ms) <= 100, "{}: {measured} ms", asset.filename);
        assert!(asset.duration_ms.is_some_and(|d| d.abs_diff(ms) <= 100), "{}", asset.filename);
    }
    // One frame a second of the recording, as for any video.
    let outputs = h.asset(&webm.id).await.outputs.unwrap();
    assert_eq!(outputs.frames.unwrap().captured, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sound_photos_and_documents() {
    let h = Harness::start().await;
    let song = media::sound(h.dir.path(), "song.m4a", 6).await;
    let photo = media::photo_with_gps(h.dir.path()).await;
    let song = h.add(&song, "song.m4a", None, None).await;
    let photo = h.add(&photo, "paris.jpg", None, None).await;
    let report = h.add_bytes(&media::pdf(&["Quarterly results", "Harbour expansion plans"]), "report.pdf").await;
    assert_eq!(h.worker.drain().await, 5, "the photo and the document go on to analysis");

    let song = h.asset(&song.id).await;
    assert_eq!(song.technical.as_ref().unwrap().duration_ms.map(|d| d / 100), Some(60));
    let outputs = song.outputs.unwrap();
    let (_, _, seconds, audio, _) = media::ffprobe(&h.download(outputs.audio.as_ref().unwrap()).await).await;
    assert!(audio && (seconds - 6.0).abs() < 0.1);
    let waveform = image::open(h.download(outputs.waveform.as_ref().unwrap()).await).unwrap();
    assert_eq!((waveform.width(), waveform.height()), (1200, 240));

    // EXIF orientation 6 turns the 400x300 picture to 300x400; GPS read back.
    let photo = h.asset(&photo.id).await;
    assert_eq!(photo.status, AssetStatus::Ready, "{:?}", photo.error);
    let info = photo.technical.unwrap().image.unwrap();
    assert_eq!((info.width, info.height, info.orientation), (300, 400, 6));
    let gps = info.gps.unwrap();
    assert!((gps.latitude - 48.8584).abs() < 1e-4 && (gps.longitude - 2.2945).abs() < 1e-4, "{gps:?}");
    assert_eq!(info.camera.as_deref(), Some("Canon EOS R5"));
    let outputs = photo.outputs.unwrap();
    let proxy = image::open(h.download(outputs.image.as_ref().unwrap()).await).unwrap();
    assert_eq!((proxy.width(), proxy.height()), (300, 400));
    let exif = h.storage.get_object(PROXY_BUCKET, &outputs.reports[0]).await.unwrap();
    assert!(String::from_utf8_lossy(&exif).contains("\"XMP:Title\": \"Eiffel\""), "XMP is in the report");

    let report = h.asset(&report.id).await;
    assert_eq!(report.status, AssetStatus::Ready, "{:?}", report.error);
    assert_eq!(report.technical.unwrap().document.unwrap().pages, 2);
    let outputs = report.outputs.unwrap();
    assert_eq!(outputs.pages.len(), 2);
    let page = image::open(h.download(&outputs.pages[1]).await).unwrap();
    assert_eq!(page.height(), 1600, "pages are rendered 1600 pixels on the long side");
    let text = h.storage.get_object(PROXY_BUCKET, outputs.text.as_ref().unwrap()).await.unwrap();
    let text = String::from_utf8_lossy(&text);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages[0].contains("Quarterly results") && pages[1].contains("Harbour expansion plans"), "{text:?}");
}
