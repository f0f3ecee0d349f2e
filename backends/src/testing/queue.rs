//! The queue port's suite: what every queue must do so that workers on many machines share
//! work safely.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use mediaport_core::{JobFilter, JobKind, JobStatus, NewJob, Queue, QueueError, Task};
use mediaport_shared::AssetId;

const LONG: Duration = Duration::from_secs(300);

const INGEST: JobKind = JobKind::Ingest;

const ANALYSE: JobKind = JobKind::Analyse;

fn task(kind: JobKind, asset: &str) -> Task {
    let asset_id = AssetId::from(asset);
    match kind {
        JobKind::Ingest => Task::Ingest { asset_id },
        JobKind::Analyse => Task::Analyse { asset_id, again: false },
        JobKind::Relabel => Task::Relabel { asset_id, reread: false },
        JobKind::Clip => Task::Clip { asset_id, share_id: format!("s-{asset}").into() },
        JobKind::Remove => Task::Remove { asset_id, original: None },
        JobKind::Notify => {
            let notice = mediaport_shared::Notice {
                id: format!("n-{asset}"),
                event: mediaport_shared::NoticeKind::AssetReady,
                occurred_at: "2026-12-04T12:00:00Z".into(),
                asset: None,
            };
            Task::Notify { asset_id, target: "t1".into(), notice }
        }
    }
}

fn job(kind: JobKind, asset: &str, key: Option<&str>, max_attempts: u32) -> NewJob {
    NewJob { task: task(kind, asset), max_attempts, dedupe_key: key.map(str::to_owned) }
}

pub async fn suite(queue: Arc<dyn Queue>) {
    // The same key twice while unfinished: one job.
    let first = queue.enqueue(job(INGEST, "a1", Some("ingest:a1"), 3)).await.unwrap();
    let again = queue.enqueue(job(INGEST, "a1", Some("ingest:a1"), 3)).await.unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!((first.status, first.attempts), (JobStatus::Queued, 0));

    // Claims go by kind; a worker holds its job until done.
    assert!(queue.claim("w1", &[ANALYSE], LONG).await.unwrap().is_none());
    let held = queue.claim("w1", &[INGEST], LONG).await.unwrap().expect("a job is due");
    assert_eq!((held.id.as_str(), held.status, held.attempts), (first.id.as_str(), JobStatus::Running, 1));
    assert_eq!(held.task, Task::Ingest { asset_id: "a1".into() });
    assert!(queue.claim("w2", &[INGEST], LONG).await.unwrap().is_none(), "a held job is not handed out twice");
    assert!(!queue.renew(&held.id, "w2", LONG).await.unwrap(), "only the holder renews");
    assert!(!queue.complete(&held.id, "w2",).await.unwrap(), "only the holder completes");
    assert!(queue.renew(&held.id, "w1", LONG).await.unwrap());
    // The holder says which step it is on; watchers see it as a change.
    let before = queue.get(&held.id).await.unwrap().changed_ms;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(queue.set_step(&held.id, "w1", "proxies").await.unwrap());
    assert!(!queue.set_step(&held.id, "w2", "frames").await.unwrap(), "only the holder reports");
    let stepped = queue.get(&held.id).await.unwrap();
    assert_eq!(stepped.step.as_deref(), Some("proxies"));
    assert!(stepped.changed_ms > before);
    assert!(queue.complete(&held.id, "w1").await.unwrap());
    assert_eq!(queue.get(&held.id).await.unwrap().status, JobStatus::Done);
    // Finished: the key is free for new work.
    let next = queue.enqueue(job(INGEST, "a1", Some("ingest:a1"), 3)).await.unwrap();
    assert_ne!(next.id, first.id);
    queue.cancel(&next.id).await.unwrap();

    // Failures retry until the tries run out, and keep their reason.
    let flaky = queue.enqueue(job(ANALYSE, "a2", None, 2)).await.unwrap();
    let try1 = queue.claim("w1", &[ANALYSE], LONG).await.unwrap().unwrap();
    assert!(queue.fail(&try1.id, "w1", "ffmpeg exited with 1", Some(Duration::ZERO)).await.unwrap());
    let queued = queue.get(&flaky.id).await.unwrap();
    assert_eq!((queued.status, queued.error.as_deref()), (JobStatus::Queued, Some("ffmpeg exited with 1")));
    let try2 = queue.claim("w1", &[ANALYSE], LONG).await.unwrap().unwrap();
    assert_eq!(try2.attempts, 2);
    assert!(queue.fail(&try2.id, "w1", "ffmpeg exited with 1 again", Some(Duration::ZERO)).await.unwrap());
    let failed = queue.get(&flaky.id).await.unwrap();
    assert_eq!((failed.status, failed.error.as_deref()), (JobStatus::Failed, Some("ffmpeg exited with 1 again")));
    assert!(failed.finished_at.is_some());
    assert!(queue.claim("w1", &[ANALYSE], LONG).await.unwrap().is_none());
    // A retry by hand starts the tries again.
    let retried = queue.retry(&flaky.id).await.unwrap();
    assert_eq!((retried.status, retried.attempts), (JobStatus::Queued, 0));
    assert!(matches!(queue.retry(&flaky.id).await, Err(QueueError::Conflict(_))), "a queued job is not retried");
    let try3 = queue.claim("w1", &[ANALYSE], LONG).await.unwrap().unwrap();
    assert!(queue.complete(&try3.id, "w1").await.unwrap());

    // A failure waits out its backoff before it is due again.
    let later = queue.enqueue(job(ANALYSE, "a3", None, 3)).await.unwrap();
    let held = queue.claim("w1", &[ANALYSE], LONG).await.unwrap().unwrap();
    assert!(queue.fail(&held.id, "w1", "storage unavailable", Some(Duration::from_secs(3600))).await.unwrap());
    assert!(queue.claim("w1", &[ANALYSE], LONG).await.unwrap().is_none(), "not due for an hour");
    assert_eq!(queue.due().await.unwrap(), 0, "a job waiting out its backoff is not due");
    queue.cancel(&later.id).await.unwrap();

    // A parked job (waiting on an archive restore) waits, keeps its reason, and gets its
    // try back, however often it waits.
    let waiting = queue.enqueue(job(INGEST, "a9", None, 1)).await.unwrap();
    for _ in 0..3 {
        let held = queue.claim("w1", &[INGEST], LONG).await.unwrap().unwrap();
        assert!(!queue.park(&held.id, "w2", Duration::ZERO, "not mine").await.unwrap(), "only the holder parks");
        assert!(queue.park(&held.id, "w1", Duration::ZERO, "waiting for its restore").await.unwrap());
        let parked = queue.get(&waiting.id).await.unwrap();
        assert_eq!((parked.status, parked.attempts), (JobStatus::Queued, 0));
        assert_eq!(parked.error.as_deref(), Some("waiting for its restore"));
    }
    let held = queue.claim("w1", &[INGEST], LONG).await.unwrap().unwrap();
    assert!(queue.park(&held.id, "w1", Duration::from_secs(3600), "waiting for its restore").await.unwrap());
    assert!(queue.claim("w1", &[INGEST], LONG).await.unwrap().is_none(), "not due for an hour");
    queue.cancel(&waiting.id).await.unwrap();

    // A failure retrying cannot help (a corrupt file) fails for good at once.
    let corrupt = queue.enqueue(job(INGEST, "a7", None, 5)).await.unwrap();
    queue.claim("w1", &[INGEST], LONG).await.unwrap().unwrap();
    assert!(queue.fail(&corrupt.id, "w1", "not a media file", None).await.unwrap());
    let failed_now = queue.get(&corrupt.id).await.unwrap();
    assert_eq!((failed_now.status, failed_now.attempts), (JobStatus::Failed, 1));

    // Watchers see status changes, not lease renewals.
    let watched = queue.enqueue(job(INGEST, "a8", None, 3)).await.unwrap();
    let since = queue.get(&watched.id).await.unwrap().changed_ms;
    assert!(queue.changed_since(since, 100).await.unwrap().iter().any(|j| j.id == watched.id));
    tokio::time::sleep(Duration::from_millis(20)).await;
    let claimed = queue.claim("w1", &[INGEST], LONG).await.unwrap().unwrap();
    assert_eq!(claimed.id, watched.id);
    assert!(claimed.changed_ms > since, "a claim is a change");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(queue.renew(&claimed.id, "w1", LONG).await.unwrap());
    assert_eq!(queue.get(&claimed.id).await.unwrap().changed_ms, claimed.changed_ms, "a renewal is not");
    let later_changes = queue.changed_since(claimed.changed_ms + 1, 100).await.unwrap();
    assert!(!later_changes.iter().any(|j| j.id == watched.id));
    assert!(queue.complete(&claimed.id, "w1").await.unwrap());

    // A worker that dies loses its job when the lease runs out; another takes it over.
    let orphan = queue.enqueue(job(INGEST, "a4", None, 3)).await.unwrap();
    let lost = queue.claim("dead", &[INGEST], Duration::from_millis(200)).await.unwrap().unwrap();
    assert_eq!(lost.id, orphan.id);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let taken = queue.claim("alive", &[INGEST], LONG).await.unwrap().expect("the orphan is due again");
    assert_eq!((taken.id.as_str(), taken.attempts), (orphan.id.as_str(), 2));
    assert!(!queue.complete(&orphan.id, "dead").await.unwrap(), "the dead worker's late answer is ignored");
    assert!(queue.complete(&orphan.id, "alive").await.unwrap());

    // A job its workers keep dying on fails for good with that reason.
    let poison = queue.enqueue(job(INGEST, "a5", None, 1)).await.unwrap();
    queue.claim("dead", &[INGEST], Duration::from_millis(100)).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(queue.claim("alive", &[INGEST], LONG).await.unwrap().is_none());
    let poisoned = queue.get(&poison.id).await.unwrap();
    assert_eq!(poisoned.status, JobStatus::Failed);
    assert!(poisoned.error.unwrap().contains("stopped without finishing"));

    // Cancelling a running job: its worker finds out at the next renewal.
    let long = queue.enqueue(job(INGEST, "a6", None, 3)).await.unwrap();
    queue.claim("w1", &[INGEST], LONG).await.unwrap().unwrap();
    assert_eq!(queue.cancel(&long.id).await.unwrap().status, JobStatus::Cancelled);
    assert!(!queue.renew(&long.id, "w1", LONG).await.unwrap());
    assert!(matches!(queue.get(&"nope".into()).await, Err(QueueError::NoSuchJob(_))));

    // Many workers at once: every job runs exactly once (a kind no job above left due).
    for n in 0..40 {
        queue.enqueue(job(JobKind::Relabel, &format!("b{n}"), None, 3)).await.unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..4 {
        let queue = queue.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = queue.claim(&format!("w{w}"), &[JobKind::Relabel], LONG).await.unwrap() {
                assert!(queue.complete(&job.id, &format!("w{w}")).await.unwrap());
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut seen = HashSet::new();
    for worker in workers {
        for id in worker.await.unwrap() {
            assert!(seen.insert(id), "a job ran twice");
        }
    }
    assert_eq!(seen.len(), 40);

    let for_a1 = queue.list(&JobFilter { asset_id: Some("a1".into()), status: None, kind: None }, 10).await.unwrap();
    assert_eq!(for_a1.len(), 2);
    let failed =
        queue.list(&JobFilter { asset_id: None, status: Some(JobStatus::Failed), kind: None }, 10).await.unwrap();
    assert_eq!(failed.iter().map(|j| j.task.asset_id()).collect::<Vec<_>>(), ["a5", "a7"]);
    assert_eq!(queue.counts(JobStatus::Failed).await.unwrap(), [(JobKind::Ingest, 2)], "counts by kind");
    queue.enqueue(job(ANALYSE, "a9", None, 3)).await.unwrap();
    let queued = queue.counts(JobStatus::Queued).await.unwrap();
    assert_eq!(queued, [(JobKind::Analyse, 1)], "finished and cancelled jobs are not queued");
    let analyses = JobFilter { asset_id: None, status: None, kind: Some(JobKind::Analyse) };
    let analyses = queue.list(&analyses, 10).await.unwrap();
    assert_eq!(analyses.iter().map(|j| j.task.asset_id()).collect::<Vec<_>>(), ["a9", "a3", "a2"], "by kind");
}
