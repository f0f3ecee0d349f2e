//! Fixity over a stored object: both checksums in one pass, and a copy cut short by a
//! crash resumed from where it stopped instead of fetched again.

use crate::common;

use common::{Harness, INGEST_BUCKET};
use mediaport_analysis::fixity;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixity_hashes_the_stored_object_and_resumes_a_partial_copy() {
    let h = Harness::start().await;
    let data: Vec<u8> = (0..20_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    let source = h.dir.path().join("source.bin");
    std::fs::write(&source, &data).unwrap();
    h.storage.put_file(INGEST_BUCKET, "big.bin", &source, "application/octet-stream").await.unwrap();
    let truth = fixity::hash_file(&source).unwrap();
    let reference = md5_sha256_by_tools(&source).await;
    assert_eq!((truth.md5.clone(), truth.sha256.clone()), reference, "agrees with md5sum and sha256sum");

    let copy = h.dir.path().join("copy.bin");
    let fresh = fixity::fetch(h.storage.as_ref(), INGEST_BUCKET, "big.bin", &copy).await.unwrap();
    assert_eq!(fresh, truth);
    assert_eq!(std::fs::read(&copy).unwrap(), data);

    // A crash left the first 7 MB on disk: the rest is fetched, the whole is hashed.
    let file = std::fs::OpenOptions::new().write(true).open(&copy).unwrap();
    file.set_len(7_000_000).unwrap();
    let resumed = fixity::fetch(h.storage.as_ref(), INGEST_BUCKET, "big.bin", &copy).await.unwrap();
    assert_eq!(resumed, truth);
    assert_eq!(std::fs::read(&copy).unwrap(), data);

    // Proof that the prefix on disk was used rather than fetched again: a prefix that differs
    // from storage (never the case in real life) shows up in the result.
    std::fs::write(&copy, vec![0u8; 7_000_000]).unwrap();
    let trusted_disk = fixity::fetch(h.storage.as_ref(), INGEST_BUCKET, "big.bin", &copy).await.unwrap();
    assert_ne!(trusted_disk.md5, truth.md5);
    assert_eq!(trusted_disk.size, truth.size);

    // A partial copy of another object (the key was overwritten since) is not resumed.
    std::fs::write(&copy, vec![0u8; 7_000_000]).unwrap();
    std::fs::write(fixity::etag_file(&copy), "\"an-older-version\"").unwrap();
    assert_eq!(fixity::fetch(h.storage.as_ref(), INGEST_BUCKET, "big.bin", &copy).await.unwrap(), truth);

    // A longer file than the object is not a prefix of it: started over.
    std::fs::write(&copy, vec![1u8; 25_000_000]).unwrap();
    assert_eq!(fixity::fetch(h.storage.as_ref(), INGEST_BUCKET, "big.bin", &copy).await.unwrap(), truth);
}

async fn md5_sha256_by_tools(path: &std::path::Path) -> (String, String) {
    let mut sums = Vec::new();
    for tool in ["md5sum", "sha256sum"] {
        let out = tokio::process::Command::new(tool).arg(path).output().await.unwrap();
        sums.push(String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_owned());
    }
    (sums[0].clone(), sums[1].clone())
}
