//! Uploads one browser file straight to storage: parts PUT to presigned URLs several at a
//! time, the MD5 computed in order as the parts are read, pause, cancel, and resume
//! after a reload (the upload id is kept in `localStorage`, keyed by name, size and date).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use leptos::prelude::*;
use md5::{Digest, Md5};
use mediaport_shared::codes;
use mediaport_shared::{
    AiOptions, AssetId, CompleteUploadRequest, CompletedPart, CreateUploadRequest, PartPlan, UploadId, plan_parts,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, ApiError};
use crate::auth::Auth;

const RESUME_KEY: &str = "mediaport.uploads";
const URL_BATCH: u32 = 16;
const PART_TRIES: u32 = 4;

/// Where one file's upload stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Queued,
    Uploading,
    Paused,
    Completing,
    Done(String),
    Failed(String),
    Cancelled,
}

/// One file in the upload list; the signals drive its row.
#[derive(Clone)]
pub struct Item {
    pub id: u32,
    pub name: String,
    pub size: u64,
    pub file: StoredValue<web_sys::File, LocalStorage>,
    pub stage: RwSignal<Stage>,
    pub sent: RwSignal<u64>,
    /// Bytes per second over this session.
    pub speed: RwSignal<f64>,
    pub note: RwSignal<Option<String>>,
    pub pause: RwSignal<bool>,
    pub cancel: RwSignal<bool>,
    /// The asset the upload makes, once the server has registered it.
    pub asset_id: RwSignal<Option<AssetId>>,
}

/// What every upload of a batch shares.
#[derive(Clone)]
pub struct Options {
    pub group: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub parts_in_flight: usize,
    /// The analyses chosen for the batch; the server's defaults when none.
    pub ai_options: Option<AiOptions>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Resume {
    upload_id: UploadId,
    asset_id: AssetId,
}

fn resume_key(file: &web_sys::File) -> String {
    format!("{}|{}|{}", file.name(), file.size() as u64, file.last_modified() as u64)
}

fn resume_map() -> HashMap<String, Resume> {
    window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(RESUME_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn save_resume(key: &str, value: Option<Resume>) {
    let mut map = resume_map();
    match value {
        Some(v) => map.insert(key.to_owned(), v),
        None => map.remove(key),
    };
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(RESUME_KEY, &serde_json::to_string(&map).unwrap_or_default());
    }
}

fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

async fn read_part(file: &web_sys::File, plan: PartPlan, size: u64, number: u32) -> Result<Vec<u8>, ApiError> {
    let (start, end) = plan.range(size, number);
    let unreadable = |_| ApiError { code: codes::UNREADABLE_FILE.into(), message: "the file could not be read".into() };
    let blob = file.slice_with_f64_and_f64(start as f64, end as f64).map_err(unreadable)?;
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(unreadable)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Feeds the hasher parts in order, holding parts that arrive early.
struct OrderedMd5 {
    hasher: Md5,
    next: u32,
    early: BTreeMap<u32, Vec<u8>>,
}

impl OrderedMd5 {
    fn add(&mut self, number: u32, bytes: Vec<u8>) {
        self.early.insert(number, bytes);
        while let Some(bytes) = self.early.remove(&self.next) {
            self.hasher.update(&bytes);
            self.next += 1;
        }
    }
}

/// Runs one upload to its end (done, failed, cancelled); safe to run again to resume.
pub async fn run(auth: Auth, item: Item, options: Options) {
    item.stage.set(Stage::Uploading);
    item.note.set(None);
    let outcome = upload(auth, &item, &options).await;
    match outcome {
        Ok(Some(status)) => item.stage.set(Stage::Done(status)),
        Ok(None) => item.stage.set(Stage::Cancelled),
        Err(err) => item.stage.set(Stage::Failed(err.message)),
    }
}

async fn upload(auth: Auth, item: &Item, options: &Options) -> Result<Option<String>, ApiError> {
    let file = item.file.get_value();
    let key = resume_key(&file);
    let plan = plan_parts(item.size)
        .ok_or_else(|| ApiError { code: codes::EMPTY_FILE.into(), message: "empty files cannot be uploaded".into() })?;

    let mut held: BTreeMap<u32, String> = BTreeMap::new();
    let mut upload_id = None;
    if let Some(resume) = resume_map().remove(&key)
        && let Ok(parts) = api::stored_parts(auth, &resume.upload_id).await
    {
        for part in parts {
            if part.size == plan.part_len(item.size, part.part_number) {
                held.insert(part.part_number, part.etag);
            }
        }
        item.note.set(Some(format!("resumed: {} of {} parts were already stored", held.len(), plan.part_count)));
        item.asset_id.set(Some(resume.asset_id.clone()));
        upload_id = Some(resume.upload_id);
    }
    let upload_id = match upload_id {
        Some(id) => id,
        None => {
            let request = CreateUploadRequest {
                filename: item.name.clone(),
                size: item.size,
                content_type: Some(file.type_()).filter(|t| !t.is_empty()),
                md5: None,
                group: options.group.clone(),
                attributes: options.attributes.clone(),
                ai_options: options.ai_options.clone(),
            };
            let upload = api::create_upload(auth, &request).await?;
            item.asset_id.set(Some(upload.asset_id.clone()));
            save_resume(&key, Some(Resume { upload_id: upload.upload_id.clone(), asset_id: upload.asset_id }));
            upload.upload_id
        }
    };

    let held_bytes: u64 = held.keys().map(|&n| plan.part_len(item.size, n)).sum();
    item.sent.set(held_bytes);
    let started = now_ms();
    let mut md5 = OrderedMd5 { hasher: Md5::new(), next: 1, early: BTreeMap::new() };
    let mut urls: HashMap<u32, String> = HashMap::new();
    let missing: Vec<u32> = (1..=plan.part_count).filter(|n| !held.contains_key(n)).collect();
    let stored_before: BTreeSet<u32> = held.keys().copied().collect();
    let mut queue = missing.iter().copied().peekable();
    let mut in_flight = FuturesUnordered::new();

    loop {
        if item.cancel.get_untracked() {
            let _ = api::abort_upload(auth, &upload_id).await;
            save_resume(&key, None);
            return Ok(None);
        }
        // Parts storage already held are read for the MD5 when their turn comes.
        while stored_before.contains(&md5.next) {
            let number = md5.next;
            md5.add(number, read_part(&file, plan, item.size, number).await?);
        }
        let paused = item.pause.get_untracked();
        item.stage.set(if paused { Stage::Paused } else { Stage::Uploading });
        while !paused && in_flight.len() < options.parts_in_flight.max(1) {
            let Some(number) = queue.next() else { break };
            if !urls.contains_key(&number) {
                let batch: Vec<u32> = std::iter::once(number)
                    .chain(missing.iter().copied().filter(|n| *n > number).take(URL_BATCH as usize - 1))
                    .collect();
                for part in api::part_urls(auth, &upload_id, batch).await? {
                    urls.insert(part.part_number, part.url);
                }
            }
            let url = urls.remove(&number).unwrap_or_default();
            let file = file.clone();
            in_flight.push(async move {
                let bytes = read_part(&file, plan, item.size, number).await?;
                let etag = send_part(&url, &bytes, number).await?;
                Ok::<_, ApiError>((number, etag, bytes))
            });
        }
        if in_flight.is_empty() {
            if paused {
                sleep_ms(200).await;
                continue;
            }
            break;
        }
        let (number, etag, bytes) = in_flight.next().await.expect("not empty")?;
        let len = bytes.len() as u64;
        md5.add(number, bytes);
        held.insert(number, etag);
        item.sent.update(|s| *s += len);
        let seconds = ((now_ms() - started) / 1000.0).max(0.001);
        item.speed.set((item.sent.get_untracked() - held_bytes) as f64 / seconds);
    }
    drop(in_flight);
    while md5.next <= plan.part_count {
        let number = md5.next;
        md5.add(number, read_part(&file, plan, item.size, number).await?);
    }

    item.stage.set(Stage::Completing);
    let parts = held.into_iter().map(|(part_number, etag)| CompletedPart { part_number, etag }).collect();
    let digest = format!("{:x}", md5.hasher.finalize());
    let asset = api::complete_upload(auth, &upload_id, &CompleteUploadRequest { parts, md5: Some(digest) }).await?;
    save_resume(&key, None);
    Ok(Some(asset.status.as_str().to_owned()))
}

/// PUTs a part, trying again after a pause when the network drops.
async fn send_part(url: &str, bytes: &[u8], number: u32) -> Result<String, ApiError> {
    let body = js_sys::Uint8Array::from(bytes);
    let mut last = None;
    for attempt in 0..PART_TRIES {
        if attempt > 0 {
            sleep_ms(1000 << attempt).await;
        }
        match api::put_part(url, &body).await {
            Ok(etag) => return Ok(etag),
            Err(err) => last = Some(err),
        }
    }
    Err(last
        .unwrap_or(ApiError { code: codes::PART_FAILED.into(), message: format!("part {number} could not be sent") }))
}
