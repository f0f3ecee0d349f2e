//! The notifier on its two channels: webhooks against a local receiver, SNS on moto's
//! emulator with an HTTP subscription delivering to the same kind of receiver.

use std::time::Duration;

use mediaport_backends::notify::{Channels, SIGNATURE_HEADER, Topics, Webhooks, signature};
use mediaport_backends::testing::Moto;
use mediaport_backends::testing::notifier::{Inbox, sample, suite};
use mediaport_core::{Notifier, NotifyError};
use mediaport_shared::{NoticeKind, NotifyTarget, TargetKind};

fn target(kind: TargetKind, address: &str) -> NotifyTarget {
    NotifyTarget {
        id: "t1".into(),
        kind,
        address: address.into(),
        secret: (kind == TargetKind::Webhook).then(|| "mpwh_test-secret".into()),
        events: NoticeKind::SUBSCRIBABLE.to_vec(),
        created_at: "2026-12-04T12:00:00.000Z".into(),
    }
}

#[tokio::test]
async fn webhooks_deliver_signed_notices_and_say_which_failures_may_pass() {
    let inbox = Inbox::start().await.unwrap();
    let notifier = Channels::with(Webhooks::with_timeout(Duration::from_secs(1)), Topics::default());
    let hook = target(TargetKind::Webhook, &inbox.url("/hook"));
    suite(&notifier, &hook, "/hook", &target(TargetKind::Webhook, &inbox.url("/status/410")), &inbox).await;

    // A receiver checks the signature over the body as it came, with its copy of the secret.
    let notice = sample(NoticeKind::AssetFailed);
    notifier.deliver(&hook, &notice).await.unwrap();
    let got = inbox.received().pop().unwrap();
    let signed = got.headers[SIGNATURE_HEADER].to_str().unwrap();
    assert_eq!(signed, signature("mpwh_test-secret", &got.body));
    assert_ne!(signed, signature("another secret", &got.body));
    assert_eq!(got.headers["x-mediaport-event"], "asset.failed");
    assert_eq!(got.headers["x-mediaport-delivery"], notice.id.as_str());
    assert_eq!(got.headers["content-type"], "application/json");

    for (path, passes) in [("/status/503", true), ("/status/429", true), ("/status/404", false), ("/slow", true)] {
        match notifier.deliver(&target(TargetKind::Webhook, &inbox.url(path)), &notice).await {
            Err(NotifyError::Unreachable(why)) if passes => assert!(!why.is_empty()),
            Err(NotifyError::Refused(why)) if !passes => assert!(why.contains("HTTP 404"), "{why}"),
            other => panic!("{path}: {other:?}"),
        }
    }
    let moved = notifier.deliver(&target(TargetKind::Webhook, &inbox.url("/status/301")), &notice).await;
    assert!(matches!(&moved, Err(NotifyError::Refused(why)) if why.contains("/moved")), "{moved:?}");
    assert_eq!(inbox.wait_for("/moved", 1, Duration::from_millis(200)).await.len(), 0, "redirects are not followed");
    let closed = format!("http://127.0.0.1:{}/hook", mediaport_backends::testing::free_port());
    let nobody = notifier.deliver(&target(TargetKind::Webhook, &closed), &notice).await;
    assert!(matches!(&nobody, Err(NotifyError::Unreachable(why)) if why.contains("onnect")), "{nobody:?}");
}

#[tokio::test]
async fn sns_topics_deliver_notices_to_their_subscribers_on_moto() {
    let moto = Moto::start().await.unwrap();
    let inbox = Inbox::start().await.unwrap();
    let sns = aws_sdk_sns::Client::new(&moto.sdk_config());
    let topic = sns.create_topic().name("mediaport-notices").send().await.unwrap();
    let topic = topic.topic_arn().unwrap().to_owned();
    sns.subscribe().topic_arn(&topic).protocol("http").endpoint(inbox.url("/sns")).send().await.unwrap();
    // A subscriber that wants failures only, by the `event` attribute.
    let failures = sns.subscribe().topic_arn(&topic).protocol("http").endpoint(inbox.url("/sns-failures"));
    failures.attributes("FilterPolicy", r#"{"event": ["asset.failed"]}"#).send().await.unwrap();

    let notifier = Channels::with(Webhooks::default(), Topics::with_config(moto.sdk_config()));
    let missing = target(TargetKind::Sns, &topic.replace("mediaport-notices", "no-such-topic"));
    suite(&notifier, &target(TargetKind::Sns, &topic), "/sns", &missing, &inbox).await;

    // Subscribers filter on the kind; e-mail ones get a readable subject.
    let filtered = inbox.received().into_iter().filter(|r| r.path == "/sns-failures").collect::<Vec<_>>();
    let kinds: Vec<_> = filtered.iter().filter_map(|r| r.notice()).map(|n| n.event).collect();
    assert_eq!(kinds, [NoticeKind::AssetFailed], "the filter policy saw the event attribute");
    let envelope: serde_json::Value = serde_json::from_slice(&filtered[0].body).unwrap();
    assert!(envelope["Subject"].as_str().unwrap().starts_with("Mediaport: asset.failed Caf? "), "{envelope}");
}
