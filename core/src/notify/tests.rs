use std::sync::Mutex;

use async_trait::async_trait;
use mediaport_shared::AssetStatus;

use super::*;
use crate::memory::{MemoryCatalog, MemoryQueue};

/// Records what it is handed; refuses targets whose address says so.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<(String, Notice)>>,
}

#[async_trait]
impl Notifier for Recorder {
    async fn deliver(&self, target: &NotifyTarget, notice: &Notice) -> Result<String, NotifyError> {
        if target.address.contains("refuses") {
            return Err(NotifyError::Refused("HTTP 410 Gone".into()));
        }
        self.sent.lock().unwrap().push((target.id.clone(), notice.clone()));
        Ok("HTTP 204".into())
    }
}

fn webhook(address: &str, events: &[NoticeKind]) -> NewNotifyTarget {
    NewNotifyTarget { kind: TargetKind::Webhook, address: address.into(), events: events.to_vec() }
}

fn asset(status: AssetStatus, error: Option<&str>) -> Asset {
    Asset { error: error.map(str::to_owned), ..crate::memory::asset(status) }
}

#[tokio::test]
async fn targets_are_checked_and_webhooks_get_a_secret() {
    let catalog = MemoryCatalog::default();
    for (new, why) in [
        (webhook("ftp://example.org/hook", &[]), "not http"),
        (webhook("https://", &[]), "no host"),
        (webhook("https://user:pw@example.org/hook", &[]), "credentials in the URL"),
        (webhook("https://example.org/a hook", &[]), "a space"),
        (webhook("https://example.org/hook", &[NoticeKind::Test]), "test is not subscribable"),
        (
            NewNotifyTarget {
                kind: TargetKind::Sns,
                address: "arn:aws:sqs:eu-west-1:123456789012:q".into(),
                events: vec![],
            },
            "not sns",
        ),
        (
            NewNotifyTarget { kind: TargetKind::Sns, address: "arn:aws:sns:eu-west-1:1234:t".into(), events: vec![] },
            "short account",
        ),
    ] {
        assert!(matches!(add_target(&catalog, new).await, Err(TargetError::Invalid(_))), "{why}");
    }
    assert!(targets(&catalog).await.unwrap().is_empty(), "nothing refused was saved");

    let hook = add_target(&catalog, webhook(" https://example.org/hook ", &[])).await.unwrap();
    assert_eq!(hook.address, "https://example.org/hook");
    assert_eq!(hook.events, NoticeKind::SUBSCRIBABLE, "no events named: all of them");
    let secret = hook.secret.clone().unwrap();
    assert!(secret.starts_with("mpwh_") && secret.len() == 69, "{secret}");
    let topic = NewNotifyTarget {
        kind: TargetKind::Sns,
        address: "arn:aws:sns:eu-west-1:123456789012:media-events.fifo".into(),
        events: vec![NoticeKind::AssetFailed, NoticeKind::AssetFailed],
    };
    let topic = add_target(&catalog, topic).await.unwrap();
    assert_eq!((topic.secret, topic.events), (None, vec![NoticeKind::AssetFailed]));
    let again = add_target(&catalog, webhook("https://example.org/hook", &[NoticeKind::AssetFailed])).await;
    assert!(matches!(again, Err(TargetError::Taken(_))), "one target per address");
    let other = add_target(&catalog, webhook("http://10.0.0.5:8080/in", &[])).await.unwrap();
    assert_ne!(other.secret, hook.secret, "each webhook its own secret");

    remove_target(&catalog, &other.id).await.unwrap();
    let ids: Vec<String> = targets(&catalog).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(ids, [hook.id, topic.id]);
    assert!(matches!(remove_target(&catalog, &other.id).await, Err(TargetError::NoSuchTarget(_))));
    for n in 2..MAX_TARGETS {
        add_target(&catalog, webhook(&format!("https://example.org/{n}"), &[])).await.unwrap();
    }
    assert!(matches!(add_target(&catalog, webhook("https://example.org/x", &[])).await, Err(TargetError::Invalid(_))));
}

#[tokio::test]
async fn a_notice_goes_to_the_targets_that_want_it_each_with_its_own_id() {
    let (catalog, queue, recorder) = (MemoryCatalog::default(), MemoryQueue::default(), Recorder::default());
    let all = add_target(&catalog, webhook("https://example.org/all", &[])).await.unwrap();
    let failures =
        add_target(&catalog, webhook("https://example.org/failures", &[NoticeKind::AssetFailed])).await.unwrap();

    let clip = asset(AssetStatus::Ready, None);
    let ready = notice(&clip, NoticeKind::AssetReady, Some("https://media.example.org/"));
    let page = format!("https://media.example.org/assets/{}", clip.id);
    assert_eq!(ready.asset.as_ref().unwrap().url.as_deref(), Some(page.as_str()));
    assert_eq!(announce(&catalog, &queue, ready).await.unwrap(), 1);
    let failed = asset(AssetStatus::Failed, Some("ffprobe: moov atom not found"));
    let failed = notice(&failed, NoticeKind::AssetFailed, None);
    assert_eq!(failed.asset.as_ref().unwrap().reason.as_deref(), Some("ffprobe: moov atom not found"));
    assert_eq!(announce(&catalog, &queue, failed.clone()).await.unwrap(), 2);
    // Announced again (its stage ran twice): the waiting deliveries are not doubled.
    announce(&catalog, &queue, failed).await.unwrap();

    let log = deliveries(&queue, 10).await.unwrap();
    assert_eq!(log.len(), 3);
    let mut ids: Vec<String> = Vec::new();
    for entry in &log {
        let job = queue.get(&entry.id).await.unwrap();
        let Task::Notify { target, notice, .. } = job.task else { panic!("a delivery runs a notify job") };
        assert_eq!(
            (entry.target_id.as_str(), entry.event, entry.status.as_str()),
            (target.as_str(), notice.event, "queued")
        );
        assert_eq!(deliver(&catalog, &recorder, &target, &notice).await.unwrap(), "HTTP 204");
        assert_eq!(entry.notice_id, notice.id);
        ids.push(notice.id);
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each delivery's notice has its own id");
    let to_failures = recorder.sent.lock().unwrap().iter().filter(|(t, _)| *t == failures.id).count();
    assert_eq!(to_failures, 1);
    assert!(recorder.sent.lock().unwrap().iter().any(|(t, n)| *t == all.id && n.event == NoticeKind::AssetReady));

    remove_target(&catalog, &all.id).await.unwrap();
    let stale = notice(&asset(AssetStatus::Ready, None), NoticeKind::AssetReady, None);
    assert!(matches!(deliver(&catalog, &recorder, &all.id, &stale).await, Err(NotifyError::Refused(_))));
}

#[tokio::test]
async fn the_test_button_sends_a_test_notice_and_says_how_it_went() {
    let (catalog, recorder) = (MemoryCatalog::default(), Recorder::default());
    let good = add_target(&catalog, webhook("https://example.org/in", &[])).await.unwrap();
    let bad = add_target(&catalog, webhook("https://example.org/refuses", &[])).await.unwrap();

    let sent = test(&catalog, &recorder, &good.id).await.unwrap();
    assert_eq!((sent.delivered, sent.answer.as_str()), (true, "HTTP 204"));
    let (_, notice) = recorder.sent.lock().unwrap()[0].clone();
    assert_eq!((notice.event, notice.asset), (NoticeKind::Test, None));
    let refused = test(&catalog, &recorder, &bad.id).await.unwrap();
    assert_eq!((refused.delivered, refused.answer.as_str()), (false, "HTTP 410 Gone"));
    assert!(matches!(test(&catalog, &recorder, "nope").await, Err(TargetError::NoSuchTarget(_))));
}
