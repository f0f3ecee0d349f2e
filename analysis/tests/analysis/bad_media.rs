//! Bad media: each broken file fails its own asset with a reason a person understands, at
//! once (no retries that cannot help), the original stays in storage, and a good file
//! ingested beside them is unaffected.

use crate::common;

use common::{Harness, INGEST_BUCKET, media};
use mediaport_core::{JobFilter, JobStatus};
use mediaport_shared::AssetStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_files_fail_their_asset_with_a_reason_and_lose_nothing() {
    let h = Harness::start().await;
    let dir = h.dir.path();
    let good = media::video(dir, "good.mp4", "640x360", "25", 2, true).await;
    let whole = std::fs::read(&good).unwrap();
    let bomb = dir.join("bomb.png");
    media::png_bomb(&bomb);
    let locked = media::locked_pdf(dir).await;
    let noise: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();

    let cases = vec![
        // ffmpeg writes the index (moov) last: cut the file and nothing can find it.
        (h.add_bytes(&whole[..whole.len() / 2], "truncated.mp4").await, "moov atom not found"),
        (h.add_bytes(&noise, "noise.mp4").await, "Invalid data found when processing input"),
        (h.add_bytes(b"", "empty.mov").await, "the file is empty (0 bytes)"),
        (h.add(&bomb, "bomb.png", None, None).await, "the image is 30000x30000 pixels"),
        (h.add(&locked, "locked.pdf", None, None).await, "the document is password-protected"),
        (h.add_bytes(&media::pdf(&[]), "blank.pdf").await, "the document has no pages"),
        (h.add(&good, "tampered.mp4", Some("0123456789abcdef0123456789abcdef"), None).await, "fixity check failed"),
    ];
    let fine = h.add(&good, "fine.mp4", None, None).await;
    // Each broken file is tried once; the good one is ingested, then analysed.
    assert_eq!(h.worker.drain().await, cases.len() + 2, "each file is tried once");

    for (asset, reason) in &cases {
        let now = h.asset(&asset.id).await;
        assert_eq!(now.status, AssetStatus::Failed, "{}", asset.filename);
        let error = now.error.unwrap_or_default();
        assert!(error.contains(reason), "{}: {error:?} should say {reason:?}", asset.filename);
        let jobs =
            h.queue.list(&JobFilter { asset_id: Some(asset.id.clone()), status: None, kind: None }, 5).await.unwrap();
        assert_eq!((jobs[0].status, jobs[0].attempts), (JobStatus::Failed, 1), "{}", asset.filename);
        assert_eq!(jobs[0].error.as_deref(), Some(error.as_str()));
        let original = h.storage.head_object(INGEST_BUCKET, &asset.key).await.unwrap();
        assert_eq!(original.size, asset.size, "{}: the original stays", asset.filename);
    }
    let fine = h.asset(&fine.id).await;
    assert_eq!(fine.status, AssetStatus::Ready, "{:?}", fine.error);

    // The worker kept no copy of what it could not process.
    let left: Vec<_> = std::fs::read_dir(dir.join("work/originals")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_asset_retried_by_hand_runs_again_and_clears_its_reason() {
    let h = Harness::start().await;
    let clip = media::video(h.dir.path(), "clip.mp4", "320x240", "25", 1, true).await;
    let asset = h.add(&clip, "clip.mp4", None, None).await;
    // The original goes missing before ingest reaches it (someone deleted it by mistake).
    h.storage.delete_object(INGEST_BUCKET, &asset.key).await.unwrap();
    h.worker.drain().await;
    let failed = h.asset(&asset.id).await;
    assert_eq!(failed.status, AssetStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("the original is missing from storage"));

    // It is put back and the job retried by hand: the asset is processed, its reason gone.
    h.storage.put_file(INGEST_BUCKET, &asset.key, &clip, "video/mp4").await.unwrap();
    let job = h
        .queue
        .list(&JobFilter { asset_id: Some(asset.id.clone()), status: None, kind: None }, 1)
        .await
        .unwrap()
        .remove(0);
    h.queue.retry(&job.id).await.unwrap();
    assert_eq!(h.worker.drain().await, 2, "ingest, then analysis");
    let ready = h.asset(&asset.id).await;
    assert_eq!((ready.status, ready.error), (AssetStatus::Ready, None));
    assert_eq!(h.queue.get(&job.id).await.unwrap().status, JobStatus::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_no_retry_will_resume_are_dropped_when_a_worker_starts() {
    let harness = Harness::start().await;
    let done = harness.add_bytes(&media::pdf(&["done"]), "done.pdf").await;
    harness.worker.drain().await;
    assert_eq!(harness.asset(&done.id).await.status, AssetStatus::Ready);
    let waiting = harness.add_bytes(&media::pdf(&["waiting"]), "waiting.pdf").await;

    // Copies as a crashed worker leaves them: one per asset, with its ETag marker.
    let originals = harness.dir.path().join("work/originals");
    for id in [done.id.as_str(), waiting.id.as_str(), "deleted-asset"] {
        std::fs::write(originals.join(id), b"partial copy").unwrap();
        std::fs::write(originals.join(format!("{id}.etag")), b"\"abc\"").unwrap();
    }
    assert_eq!(harness.ingest.sweep_copies().await, 2);
    let left: Vec<String> = std::fs::read_dir(&originals)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(left, [waiting.id.to_string(), format!("{}.etag", waiting.id)], "only the ingesting asset's copy stays");
}
