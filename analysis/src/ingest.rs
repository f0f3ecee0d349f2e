//! The ingest stage of one asset: fixity, technical metadata, then what its type needs
//! (proxies, frames, thumbnails, pages), stored under the asset's prefix in the proxy
//! bucket. Every step overwrites the same keys, so running it again is safe.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use mediaport_core::keys;
use mediaport_core::settings::saved_ai_options;
use mediaport_core::{Availability, Catalog, CatalogError, IngestRecord, Storage, StorageError};
use mediaport_shared::{AiOptions, Asset, AssetId, AssetStatus, AssetType, IngestOutputs, Technical};

use crate::document::{self, DocumentError};
use crate::fixity::{self, FixityError};
use crate::job::{JobError, Progress};
use crate::picture::{self, PictureError};
use crate::tools::Tools;
use crate::vision::shots::Cuts;
use crate::{av, frames, probe};

/// Where ingest keeps the shot boundaries it measured while making the proxies, among the
/// asset's reports: the analysis reads them instead of decoding the proxy again.
pub const SHOTS_REPORT: &str = "reports/shots.json";

/// Files stored at once when a stage has many (frames, pages).
const PARALLEL_PUTS: usize = 8;

/// How frames are captured unless an asset's options say otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameDefaults {
    /// Frames per second.
    pub rate: f64,
    /// Keep only frames that differ from the last kept one.
    pub dynamic: bool,
    /// Hash bits that must differ for dynamic selection to keep a frame.
    pub min_distance: u32,
}

/// What the stage needs.
#[derive(Clone)]
pub struct Ingest {
    pub catalog: Arc<dyn Catalog>,
    pub storage: Arc<dyn Storage>,
    pub tools: Tools,
    pub proxy_bucket: String,
    pub frames: FrameDefaults,
    /// Threads each ffmpeg run may use.
    pub threads: u32,
    /// How often an original being restored from archive storage is looked at again.
    pub restore_check: Duration,
}

/// Days a restored copy of an archived original stays readable: ingest reads it once, and
/// retries within these days need no second restore.
const RESTORE_DAYS: u32 = 7;

/// What a type-specific step adds to the record.
#[derive(Debug, Default)]
struct Made {
    technical: Technical,
    outputs: IngestOutputs,
}

impl Ingest {
    /// Ingests one asset and returns it as recorded; the original is never touched.
    pub async fn run(&self, asset_id: &AssetId, progress: &dyn Progress) -> Result<Asset, JobError> {
        let asset = match self.catalog.get_asset(asset_id).await {
            Err(CatalogError::NotFound { .. }) => return Err(JobError::Media("the asset no longer exists".into())),
            other => other?,
        };
        // The copy outlives a crash so that a retry resumes it instead of fetching it again.
        let originals = self.tools.keep_dir("originals").map_err(|e| JobError::Transient(e.to_string()))?;
        let original = originals.join(asset.id.as_str());
        self.readable(&asset).await?;
        progress.step("fixity").await;
        let fixity = match fixity::fetch(self.storage.as_ref(), &asset.bucket, &asset.key, &original).await {
            Err(FixityError::Storage(StorageError::NoSuchKey { .. })) => {
                return Err(JobError::Media("the original is missing from storage".into()));
            }
            other => other.map_err(|e| JobError::Transient(format!("fixity: {e}")))?,
        };
        // Tools name the files they read: show people the asset's name, never server paths.
        let original_path = original.to_string_lossy().into_owned();
        let redact = |reason: String| self.tools.redact(&reason.replace(&original_path, &asset.filename));
        let result = self.process(&asset, &original, &fixity, progress).await.map_err(|e| match e {
            JobError::Media(reason) => JobError::Media(redact(reason)),
            JobError::Transient(reason) => JobError::Transient(redact(reason)),
            other @ (JobError::Waiting { .. } | JobError::Refused(_)) => other,
        });
        // A file that cannot be processed will not be fetched again: drop the copy.
        if !matches!(result, Err(JobError::Transient(_))) {
            self.forget_copy(&asset.id);
        }
        result
    }

    /// Drops the copies of originals no retry will resume: their asset is gone or no longer
    /// ingesting (finished, or failed for good on another worker). Returns how many.
    /// Waits (see [`JobError::Waiting`]) while the original is in an archive storage
    /// class, asking for its restore the first time.
    async fn readable(&self, asset: &Asset) -> Result<(), JobError> {
        let class = match self.storage.availability(&asset.bucket, &asset.key).await {
            Ok(Availability::Readable) => return Ok(()),
            Err(StorageError::NoSuchKey { .. }) => {
                return Err(JobError::Media("the original is missing from storage".into()));
            }
            Err(err) => return Err(JobError::Transient(format!("restore: {err}"))),
            Ok(Availability::Restoring { class }) => class,
            Ok(Availability::Archived { class }) => {
                self.storage.restore(&asset.bucket, &asset.key, RESTORE_DAYS).await?;
                tracing::info!(asset = %asset.id, class, "asked for the original's restore from archive storage");
                class
            }
        };
        let why = format!(
            "the original is in the {class} storage class: waiting for its restore \
             (Glacier takes hours, Deep Archive up to two days), then ingest goes on"
        );
        Err(JobError::Waiting { why, wait: self.restore_check })
    }

    pub async fn sweep_copies(&self) -> usize {
        let Ok(originals) = self.tools.keep_dir("originals") else { return 0 };
        let Ok(entries) = std::fs::read_dir(&originals) else { return 0 };
        let ids: Vec<AssetId> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| !name.ends_with(".etag"))
            .map(AssetId::from)
            .collect();
        let mut dropped = 0;
        for id in ids {
            let stale = match self.catalog.get_asset(&id).await {
                Ok(asset) => asset.status != AssetStatus::Ingesting,
                Err(CatalogError::NotFound { .. }) => true,
                Err(_) => false, // the catalog is unreachable: decide another time
            };
            if stale {
                self.forget_copy(&id);
                dropped += 1;
            }
        }
        dropped
    }

    /// Drops the worker's copy of an asset's original (kept between tries to resume it).
    pub fn forget_copy(&self, asset_id: &AssetId) {
        if let Ok(originals) = self.tools.keep_dir("originals") {
            let copy = originals.join(asset_id.as_str());
            let _ = std::fs::remove_file(fixity::etag_file(&copy));
            let _ = std::fs::remove_file(copy);
        }
    }

    async fn process(
        &self,
        asset: &Asset,
        original: &Path,
        fixity: &fixity::Fixity,
        progress: &dyn Progress,
    ) -> Result<Asset, JobError> {
        if let Some(sent) = asset.md5.as_deref()
            && !sent.eq_ignore_ascii_case(&fixity.md5)
        {
            return Err(JobError::Media(format!(
                "fixity check failed: the uploader's MD5 is {sent}, the stored object's is {}",
                fixity.md5
            )));
        }
        if fixity.size == 0 {
            return Err(JobError::Media("the file is empty (0 bytes)".into()));
        }
        let work = self.tools.work_dir(asset.id.as_str()).map_err(|e| JobError::Transient(e.to_string()))?;
        let made = match asset.asset_type {
            AssetType::Video | AssetType::Audio => self.audio_video(asset, original, work.path(), progress).await?,
            AssetType::Image => {
                progress.step("pictures").await;
                self.image(asset, original, work.path()).await?
            }
            AssetType::Document => {
                progress.step("pages").await;
                self.document(asset, original, work.path()).await?
            }
            AssetType::Other => return Err(JobError::Media("nothing can process this type of file".into())),
        };
        // Pictures or pages to look at (a video's frames, an image, a document) go on to analysis.
        let outputs = &made.outputs;
        let to_analyse = outputs.frames.is_some() || outputs.image.is_some() || !outputs.pages.is_empty();
        let record = IngestRecord {
            sha256: fixity.sha256.clone(),
            md5: fixity.md5.clone(),
            technical: made.technical,
            outputs: made.outputs,
            status: if to_analyse { AssetStatus::Analysing } else { AssetStatus::Ready },
        };
        match self.catalog.record_ingest(&asset.id, &record).await {
            Err(CatalogError::NotFound { .. }) => Err(JobError::Media("the asset was deleted during ingest".into())),
            other => Ok(other?),
        }
    }

    async fn audio_video(
        &self,
        asset: &Asset,
        original: &Path,
        work: &Path,
        progress: &dyn Progress,
    ) -> Result<Made, JobError> {
        progress.step("metadata").await;
        let probe =
            probe::probe(&self.tools, original).await.map_err(|e| JobError::from_tool("technical metadata", e))?;
        let mut outputs = IngestOutputs::default();
        outputs.reports.push(self.put_bytes(asset, "reports/ffprobe.json", probe.ffprobe.clone()).await?);
        outputs.reports.push(self.put_bytes(asset, "reports/mediainfo.json", probe.mediainfo.clone()).await?);
        let saved = saved_ai_options(self.catalog.as_ref()).await?;
        let mut options = FrameOptions::of(asset, &saved, &self.frames);
        // Long media at a high rate would make more frames than anything can use.
        if let Some(ms) = probe.technical.duration_ms.filter(|ms| *ms > 0) {
            options.rate = options.rate.min(av::MAX_FRAMES as f64 * 1000.0 / ms as f64);
        }
        progress.step("proxies").await;
        let files = av::transcode(&self.tools, original, work, &probe, options.rate, self.threads)
            .await
            .map_err(|e| JobError::from_tool("proxies", e))?;
        if let Some(report) = &files.shots {
            let cuts = Cuts::of(report, probe.technical.duration_ms.unwrap_or(0));
            let cuts = serde_json::to_vec(&cuts).map_err(|e| JobError::Transient(e.to_string()))?;
            outputs.reports.push(self.put_bytes(asset, SHOTS_REPORT, cuts).await?);
        }
        if let Some(video) = &files.video {
            outputs.video = Some(self.put_file(asset, "proxy.mp4", video, "video/mp4").await?);
        }
        if let Some(audio) = &files.audio {
            outputs.audio = Some(self.put_file(asset, "audio.m4a", audio, "audio/mp4").await?);
        }
        if let Some(waveform) = &files.waveform {
            outputs.waveform = Some(self.put_file(asset, "waveform.png", waveform, "image/png").await?);
        }
        if !files.frames.is_empty() {
            progress.step("frames").await;
            let measured =
                frames::measure(files.frames.clone(), &options).await.map_err(|e| JobError::media("frames", e))?;
            let thumbnail = work.join("thumbnail.jpg");
            frames::thumbnail(&files.frames[measured.thumbnail_index], &thumbnail)
                .await
                .map_err(|e| JobError::media("thumbnail", e))?;
            outputs.thumbnail = Some(self.put_file(asset, "thumbnail.jpg", &thumbnail, "image/jpeg").await?);
            let keys: Vec<String> = (1..=files.frames.len()).map(|n| keys::frame(&asset.id, n)).collect();
            self.put_many(files.frames.iter().cloned().zip(keys.iter().cloned()).collect(), "image/jpeg").await?;
            let manifest = measured.manifest(keys, options.rate);
            let json = serde_json::to_vec(&manifest).map_err(|e| JobError::Transient(e.to_string()))?;
            let key = self.put_bytes(asset, "frames.json", json).await?;
            outputs.frames = Some(measured.frame_set(options.rate, key));
        }
        Ok(Made { technical: probe.technical, outputs })
    }

    async fn image(&self, asset: &Asset, original: &Path, work: &Path) -> Result<Made, JobError> {
        let report = picture::exif(&self.tools, original).await.map_err(|e| JobError::from_tool("metadata", e))?;
        let (proxy, thumbnail) = (work.join("image.jpg"), work.join("thumbnail.jpg"));
        let (source, p, t) = (original.to_path_buf(), proxy.clone(), thumbnail.clone());
        let (width, height) = tokio::task::spawn_blocking(move || -> Result<(u32, u32), PictureError> {
            let (upright, size) = picture::decode_upright(&source, picture::PROXY_SIDE)?;
            picture::save_jpeg(&upright, picture::PROXY_SIDE, &p)?;
            picture::save_jpeg(&upright, picture::THUMBNAIL_SIDE, &t)?;
            Ok(size)
        })
        .await
        .map_err(|e| JobError::Transient(e.to_string()))?
        .map_err(|e| match e {
            PictureError::Tool(tool) => JobError::from_tool("image", tool),
            other => JobError::media("image", other),
        })?;
        let info = picture::image_info(&report, width, height);
        let format = serde_json::from_slice::<serde_json::Value>(&report)
            .ok()
            .and_then(|r| r.pointer("/0/File:FileType").and_then(|t| t.as_str()).map(str::to_lowercase));
        let mut outputs = IngestOutputs::default();
        outputs.reports.push(self.put_bytes(asset, "reports/exiftool.json", report).await?);
        outputs.image = Some(self.put_file(asset, "image.jpg", &proxy, "image/jpeg").await?);
        outputs.thumbnail = Some(self.put_file(asset, "thumbnail.jpg", &thumbnail, "image/jpeg").await?);
        Ok(Made { technical: Technical { format, image: Some(info), ..Technical::default() }, outputs })
    }

    async fn document(&self, asset: &Asset, original: &Path, work: &Path) -> Result<Made, JobError> {
        let files = document::process(&self.tools, original, work).await.map_err(|e| match e {
            DocumentError::Tool(tool) => JobError::from_tool("document", tool),
            other => JobError::media("document", other),
        })?;
        let mut outputs = IngestOutputs::default();
        outputs.reports.push(self.put_bytes(asset, "reports/pdfinfo.json", files.report).await?);
        outputs.text = Some(self.put_bytes(asset, "text.txt", files.text.into_bytes()).await?);
        let keys: Vec<String> = (1..=files.pages.len()).map(|n| keys::page(&asset.id, n)).collect();
        self.put_many(files.pages.iter().cloned().zip(keys.iter().cloned()).collect(), "image/png").await?;
        outputs.pages = keys;
        if let Some(first) = files.pages.first() {
            let thumbnail = work.join("thumbnail.jpg");
            frames::thumbnail(first, &thumbnail).await.map_err(|e| JobError::media("thumbnail", e))?;
            outputs.thumbnail = Some(self.put_file(asset, "thumbnail.jpg", &thumbnail, "image/jpeg").await?);
        }
        let technical = Technical { format: Some("pdf".into()), document: Some(files.info), ..Technical::default() };
        Ok(Made { technical, outputs })
    }

    async fn put_file(&self, asset: &Asset, name: &str, path: &Path, content_type: &str) -> Result<String, JobError> {
        let key = keys::output(&asset.id, name);
        self.storage.put_file(&self.proxy_bucket, &key, path, content_type).await?;
        Ok(key)
    }

    async fn put_bytes(&self, asset: &Asset, name: &str, body: Vec<u8>) -> Result<String, JobError> {
        let key = keys::output(&asset.id, name);
        self.storage.put_object(&self.proxy_bucket, &key, body.into()).await?;
        Ok(key)
    }

    async fn put_many(&self, files: Vec<(PathBuf, String)>, content_type: &str) -> Result<(), JobError> {
        futures::stream::iter(files)
            .map(
                |(path, key)| async move { self.storage.put_file(&self.proxy_bucket, &key, &path, content_type).await },
            )
            .buffer_unordered(PARALLEL_PUTS)
            .try_collect::<()>()
            .await?;
        Ok(())
    }
}

/// Frame capture for one asset: its upload options over the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameOptions {
    pub rate: f64,
    pub dynamic: bool,
    pub min_distance: u32,
}

impl FrameOptions {
    /// The asset's options over the saved defaults over the settings file's.
    fn of(asset: &Asset, saved: &AiOptions, defaults: &FrameDefaults) -> Self {
        let options = asset.ai_options.clone().unwrap_or_default().over(saved);
        Self {
            // Between one frame a minute and 30 a second.
            rate: options.frame_rate.unwrap_or(defaults.rate).clamp(1.0 / 60.0, 30.0),
            dynamic: options.dynamic_frames.unwrap_or(defaults.dynamic),
            min_distance: options.frame_min_distance.map_or(defaults.min_distance, |d| d.min(64)),
        }
    }
}
