//! The embedded endpoint as a standard S3 client (the AWS SDK) finds it: completions
//! retried after a lost answer, a part uploaded again behind a completion's back, and a
//! full disk.

use mediaport_backends::testing::SmallDisk;
use std::path::Path;

use aws_credential_types::Credentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use crate::storage::{ACCESS, SECRET, start_embedded};

async fn sdk(root: &Path) -> Client {
    let addr = start_embedded(root).await;
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(format!("http://{addr}"))
        .credentials_provider(Credentials::new(ACCESS, SECRET, None, None, "test"))
        .force_path_style(true)
        .build();
    let client = Client::from_conf(config);
    client.create_bucket().bucket("media").send().await.unwrap();
    client
}

async fn put_part(client: &Client, upload_id: &str, bytes: &'static [u8]) -> String {
    let sent = client
        .upload_part()
        .bucket("media")
        .key("clip.mp4")
        .upload_id(upload_id)
        .part_number(1)
        .body(ByteStream::from_static(bytes))
        .send()
        .await
        .unwrap();
    sent.e_tag().unwrap().to_owned()
}

fn parts(etag: &str) -> CompletedMultipartUpload {
    CompletedMultipartUpload::builder().parts(CompletedPart::builder().part_number(1).e_tag(etag).build()).build()
}

async fn read(client: &Client, key: &str) -> Vec<u8> {
    let got = client.get_object().bucket("media").key(key).send().await.unwrap();
    got.body.collect().await.unwrap().into_bytes().to_vec()
}

#[tokio::test]
async fn a_completion_sees_the_parts_as_they_are_and_a_retry_gets_the_same_object() {
    let dir = tempfile::tempdir().unwrap();
    let client = sdk(dir.path()).await;
    let upload = client.create_multipart_upload().bucket("media").key("clip.mp4").send().await.unwrap();
    let upload_id = upload.upload_id().unwrap();
    let listed = put_part(&client, upload_id, b"the first take").await;
    let current = put_part(&client, upload_id, b"the second take").await;

    let complete = || client.complete_multipart_upload().bucket("media").key("clip.mp4").upload_id(upload_id);
    let stale = complete().multipart_upload(parts(&listed)).send().await.unwrap_err();
    assert_eq!(stale.into_service_error().meta().code(), Some("InvalidPart"));

    let done = complete().multipart_upload(parts(&current)).send().await.unwrap();
    assert_eq!(read(&client, "clip.mp4").await, b"the second take");
    // The SDKs retry a completion whose answer was lost: S3 answers it again.
    let again = complete().multipart_upload(parts(&current)).send().await.unwrap();
    assert_eq!(again.e_tag(), done.e_tag());
    let other = complete().multipart_upload(parts(&listed)).send().await.unwrap_err();
    assert_eq!(other.into_service_error().meta().code(), Some("NoSuchUpload"));
    assert_eq!(read(&client, "clip.mp4").await, b"the second take", "the retries changed nothing");
}

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_keeps_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_disk) = SmallDisk::mount(dir.path(), "24m") else {
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    };
    let client = sdk(dir.path()).await;
    let mb = vec![7u8; 1 << 20];
    let mut stored = Vec::new();
    let full = loop {
        let key = format!("fill-{}", stored.len());
        match client.put_object().bucket("media").key(&key).body(ByteStream::from(mb.clone())).send().await {
            Ok(_) => stored.push(key),
            Err(err) => break err.into_service_error(),
        }
        assert!(stored.len() < 40, "a 24 MiB disk never filled");
    };
    assert_eq!(full.meta().code(), Some("InsufficientStorage"), "{full:?}");
    assert!(full.meta().message().unwrap_or_default().contains("disk is full"), "{full:?}");
    assert!(stored.len() > 10, "{} objects fitted", stored.len());
    for key in &stored {
        assert_eq!(read(&client, key).await, mb, "{key} survived the full disk");
    }

    // Deleting frees the space for new objects.
    for key in stored.drain(..4) {
        client.delete_object().bucket("media").key(key).send().await.unwrap();
    }
    client.put_object().bucket("media").key("after").body(ByteStream::from(mb.clone())).send().await.unwrap();
    assert_eq!(read(&client, "after").await, mb);
    let tmp = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
    assert_eq!(tmp, 0, "the failed write left no temporary file");
}

#[tokio::test]
async fn headers_set_at_put_come_back_and_answers_carry_their_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let client = sdk(dir.path()).await;
    let expires = aws_sdk_s3::primitives::DateTime::from_secs(1_900_000_000);
    client
        .put_object()
        .bucket("media")
        .key("report.pdf")
        .body(ByteStream::from_static(b"%PDF"))
        .cache_control("max-age=3600")
        .content_disposition("attachment; filename=\"report.pdf\"")
        .content_encoding("identity")
        .content_language("fr")
        .expires(expires)
        .send()
        .await
        .unwrap();
    let got = client.get_object().bucket("media").key("report.pdf").send().await.unwrap();
    let head = client.head_object().bucket("media").key("report.pdf").send().await.unwrap();
    for (cache, disposition, encoding, language) in [
        (got.cache_control(), got.content_disposition(), got.content_encoding(), got.content_language()),
        (head.cache_control(), head.content_disposition(), head.content_encoding(), head.content_language()),
    ] {
        assert_eq!(cache, Some("max-age=3600"));
        assert_eq!(disposition, Some("attachment; filename=\"report.pdf\""));
        assert_eq!((encoding, language), (Some("identity"), Some("fr")));
    }
    assert_eq!(head.expires_string(), Some("Sun, 17 Mar 2030 17:46:40 GMT"));

    // A multipart upload carries them from its start to its object.
    let upload = client
        .create_multipart_upload()
        .bucket("media")
        .key("clip.mp4")
        .cache_control("no-cache")
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap();
    let part = put_part(&client, upload_id, b"bytes").await;
    let complete = client.complete_multipart_upload().bucket("media").key("clip.mp4").upload_id(upload_id);
    complete.multipart_upload(parts(&part)).send().await.unwrap();
    let head = client.head_object().bucket("media").key("clip.mp4").send().await.unwrap();
    assert_eq!(head.cache_control(), Some("no-cache"));

    // A revalidation that is current answers 304 with the ETag; an error names its request.
    let http = reqwest::Client::new();
    let url = client.get_object().bucket("media").key("report.pdf").presigned(presigning()).await.unwrap();
    let etag = got.e_tag().unwrap();
    let fresh = http.get(url.uri()).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(fresh.status(), 304);
    assert_eq!(fresh.headers()["etag"], etag);
    let url = client.get_object().bucket("media").key("missing").presigned(presigning()).await.unwrap();
    let missing = http.get(url.uri()).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let id = missing.headers()["x-amz-request-id"].to_str().unwrap().to_owned();
    let body = missing.text().await.unwrap();
    assert!(!id.is_empty() && body.contains(&format!("<RequestId>{id}</RequestId>")), "{id} {body}");
}

fn presigning() -> aws_sdk_s3::presigning::PresigningConfig {
    aws_sdk_s3::presigning::PresigningConfig::expires_in(std::time::Duration::from_secs(60)).unwrap()
}

#[tokio::test]
async fn a_large_object_is_copied_part_by_part() {
    let dir = tempfile::tempdir().unwrap();
    let client = sdk(dir.path()).await;
    let original: Vec<u8> = (0..6 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    client.put_object().bucket("media").key("film.mov").body(ByteStream::from(original.clone())).send().await.unwrap();
    let upload = client.create_multipart_upload().bucket("media").key("copy.mov").send().await.unwrap();
    let upload_id = upload.upload_id().unwrap();
    let split = 5 * 1024 * 1024;
    let mut completed = Vec::new();
    for (n, range) in [(1, format!("bytes=0-{}", split - 1)), (2, format!("bytes={split}-{}", original.len() - 1))] {
        let copied = client
            .upload_part_copy()
            .bucket("media")
            .key("copy.mov")
            .upload_id(upload_id)
            .part_number(n)
            .copy_source("media/film.mov")
            .copy_source_range(range)
            .send()
            .await
            .unwrap();
        let etag = copied.copy_part_result().unwrap().e_tag().unwrap().to_owned();
        completed.push(CompletedPart::builder().part_number(n).e_tag(etag).build());
    }
    let beyond = client
        .upload_part_copy()
        .bucket("media")
        .key("copy.mov")
        .upload_id(upload_id)
        .part_number(3)
        .copy_source("media/film.mov")
        .copy_source_range(format!("bytes=0-{}", original.len()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(beyond.into_service_error().meta().code(), Some("InvalidArgument"));
    let all = CompletedMultipartUpload::builder().set_parts(Some(completed)).build();
    let complete = client.complete_multipart_upload().bucket("media").key("copy.mov").upload_id(upload_id);
    complete.multipart_upload(all).send().await.unwrap();
    assert!(read(&client, "copy.mov").await == original, "the copy is the original, byte for byte");
}

#[tokio::test]
async fn a_v1_listing_with_a_delimiter_pages_through_once() {
    let dir = tempfile::tempdir().unwrap();
    let client = sdk(dir.path()).await;
    for key in ["a/1", "a/2", "b", "c/1", "c/2/x", "d"] {
        client.put_object().bucket("media").key(key).body(ByteStream::from_static(b"x")).send().await.unwrap();
    }
    let (mut seen, mut marker) = (Vec::new(), None::<String>);
    loop {
        let page =
            client.list_objects().bucket("media").delimiter("/").max_keys(1).set_marker(marker.clone()).send().await;
        let page = page.unwrap();
        seen.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
        seen.extend(page.common_prefixes().iter().filter_map(|p| p.prefix().map(str::to_owned)));
        if !page.is_truncated().unwrap_or(false) {
            break;
        }
        marker = page.next_marker().map(str::to_owned);
        assert!(seen.len() < 20, "the listing never ends: {seen:?}");
    }
    assert_eq!(seen, ["a/", "b", "c/", "d"]);
}

#[tokio::test]
async fn signature_version_2_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start_embedded(dir.path()).await;
    let http = reqwest::Client::new();
    let signed = http
        .get(format!("http://{addr}/media/clip.mp4"))
        .header("authorization", format!("AWS {ACCESS}:bm90LWEtcmVhbC1zaWduYXR1cmU="))
        .header("date", "Thu, 03 Dec 2026 12:00:00 GMT")
        .send()
        .await
        .unwrap();
    let presigned = http
        .get(format!("http://{addr}/media/clip.mp4?AWSAccessKeyId={ACCESS}&Expires=1900000000&Signature=abc%3D"))
        .send()
        .await
        .unwrap();
    for refused in [signed, presigned] {
        assert_eq!(refused.status(), 403);
        assert!(refused.headers().contains_key("x-amz-request-id"));
        let body = refused.text().await.unwrap();
        assert!(body.contains("<Code>AccessDenied</Code>") && body.contains("SigV4"), "{body}");
    }
}
