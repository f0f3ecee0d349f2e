//! The embedded S3 endpoint through a real S3 client (aws-sdk-s3) and plain HTTP.

use crate::common;

use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use common::{md5_hex, s3_client, s3_client_with, start};

const BUCKET: &str = "mediaport-ingest";

#[tokio::test]
async fn buckets_exist_after_start() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let s3 = s3_client(&server).await;
    let buckets = s3.list_buckets().send().await.unwrap();
    let mut names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["mediaport-ingest", "mediaport-proxy"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn put_get_and_list_objects() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let s3 = s3_client(&server).await;
    let body = b"frame 0001: a dog on a beach".repeat(1000);

    let put = s3
        .put_object()
        .bucket(BUCKET)
        .key("news/2024/clip one.txt")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(put.e_tag().unwrap().trim_matches('"'), md5_hex(&body));

    let got = s3.get_object().bucket(BUCKET).key("news/2024/clip one.txt").send().await.unwrap();
    let bytes = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(md5_hex(&bytes), md5_hex(&body));

    s3.put_object().bucket(BUCKET).key("other/x.txt").body(ByteStream::from_static(b"x")).send().await.unwrap();
    let listed = s3.list_objects_v2().bucket(BUCKET).prefix("news/").send().await.unwrap();
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["news/2024/clip one.txt"]);
    assert_eq!(listed.contents()[0].size(), Some(body.len() as i64));

    let missing = s3.get_object().bucket(BUCKET).key("news/none").send().await.unwrap_err();
    assert!(missing.into_service_error().is_no_such_key());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn multipart_upload_assembles_the_parts_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let s3 = s3_client(&server).await;
    let key = "uploads/big.bin";
    let part1: Vec<u8> = (0..5 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let part2: Vec<u8> = (0..300_000).map(|i: u32| (i % 13) as u8).collect();

    let upload = s3.create_multipart_upload().bucket(BUCKET).key(key).send().await.unwrap();
    let upload_id = upload.upload_id().unwrap();
    // Parts may arrive in any order, as they do from parallel uploaders.
    let mut completed = Vec::new();
    for (number, data) in [(2, &part2), (1, &part1)] {
        let out = s3
            .upload_part()
            .bucket(BUCKET)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(out.e_tag().unwrap().trim_matches('"'), md5_hex(data));
        completed.push(CompletedPart::builder().part_number(number).e_tag(out.e_tag().unwrap()).build());
    }
    let parts = s3.list_parts().bucket(BUCKET).key(key).upload_id(upload_id).send().await.unwrap();
    assert_eq!(parts.parts().len(), 2);

    completed.sort_by_key(|p| p.part_number());
    s3.complete_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed)).build())
        .send()
        .await
        .unwrap();

    let whole = s3.get_object().bucket(BUCKET).key(key).send().await.unwrap().body.collect().await.unwrap();
    let whole = whole.into_bytes();
    let expected = [part1, part2].concat();
    assert_eq!(whole.len(), expected.len());
    assert_eq!(md5_hex(&whole), md5_hex(&expected));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn requests_signed_with_a_wrong_secret_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let (access, _) = mediaport_wiring::bootstrap::storage_credentials(&server.settings).unwrap().unwrap();
    let s3 = s3_client_with(&server, &access, "not-the-secret").await;
    let err = s3.list_objects_v2().bucket(BUCKET).send().await.unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);

    let anonymous = reqwest::get(format!("{}/{BUCKET}/", server.s3_url().unwrap())).await.unwrap();
    assert_eq!(anonymous.status(), 403);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn presigned_put_works_and_tampered_or_expired_urls_get_403() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let s3 = s3_client(&server).await;
    let http = reqwest::Client::new();
    let body = b"part bytes straight from a browser".to_vec();

    let presigned = s3
        .put_object()
        .bucket(BUCKET)
        .key("presigned/ok.bin")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
        .await
        .unwrap();
    let url = presigned.uri().to_owned();

    // One changed character of the signature: refused, nothing stored.
    let signature_at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let mut tampered = url.clone().into_bytes();
    tampered[signature_at] = if tampered[signature_at] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    let refused = http.put(&tampered).body(body.clone()).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(s3.head_object().bucket(BUCKET).key("presigned/ok.bin").send().await.is_err());

    let accepted = http.put(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(accepted.status(), 200);
    let etag = accepted.headers()["etag"].to_str().unwrap().trim_matches('"').to_owned();
    assert_eq!(etag, md5_hex(&body));
    let head = s3.head_object().bucket(BUCKET).key("presigned/ok.bin").send().await.unwrap();
    assert_eq!(head.content_length(), Some(body.len() as i64));

    // Signed two hours ago for one minute: long expired.
    let expired = s3
        .put_object()
        .bucket(BUCKET)
        .key("presigned/late.bin")
        .presigned(
            PresigningConfig::builder()
                .start_time(SystemTime::now() - Duration::from_secs(7200))
                .expires_in(Duration::from_secs(60))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let late = http.put(expired.uri()).body(body).send().await.unwrap();
    assert_eq!(late.status(), 403);
    assert!(s3.head_object().bucket(BUCKET).key("presigned/late.bin").send().await.is_err());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn cors_allows_the_app_origin_and_exposes_etag() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let s3 = s3_client(&server).await;
    let http = reqwest::Client::new();
    let origin = server.settings.public_url();
    let object_url = format!("{}/{BUCKET}/cors/part.bin", server.s3_url().unwrap());

    let preflight = http
        .request(reqwest::Method::OPTIONS, &object_url)
        .header("Origin", &origin)
        .header("Access-Control-Request-Method", "PUT")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], origin.as_str());
    let methods = preflight.headers()["access-control-allow-methods"].to_str().unwrap().to_owned();
    assert!(methods.contains("PUT"), "{methods}");

    let presigned = s3
        .put_object()
        .bucket(BUCKET)
        .key("cors/part.bin")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(60)).unwrap())
        .await
        .unwrap();
    let put = http.put(presigned.uri()).header("Origin", &origin).body("abc").send().await.unwrap();
    assert_eq!(put.status(), 200);
    let exposed = put.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");

    let foreign = http
        .request(reqwest::Method::OPTIONS, &object_url)
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "PUT")
        .send()
        .await
        .unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_copy_is_adopted_when_announced_and_the_bucket_is_not_scanned_again_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    // Were the bucket scanned on a clock, it would be every second here.
    settings.uploads.scan_interval_secs = 1;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let s3 = s3_client(&server).await;
    s3.put_object().bucket(BUCKET).key("copied/note.txt").body(ByteStream::from_static(b"hello")).send().await.unwrap();
    let mut adopted = None;
    for _ in 0..100 {
        adopted = server.state.catalog.find_asset_by_object(BUCKET, "copied/note.txt").await.unwrap();
        if adopted.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(adopted.is_some(), "the announced copy became an asset");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(server.bucket_scans(), 1, "one scan, at start");
    let metrics = reqwest::get(format!("{}/metrics", server.url())).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("mediaport_bucket_scans_total"), "scans are counted on /metrics");
    server.shutdown().await.unwrap();
}
