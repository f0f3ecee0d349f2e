//! The clip of a shared moment: its stretch of the proxy, cut and encoded on its own so
//! that the link shows that stretch and nothing else of the asset.

use mediaport_core::{CatalogError, keys};
use mediaport_shared::{AssetId, ShareId};

use super::Analyse;
use crate::job::JobError;
use crate::tools::Tool;

impl Analyse {
    /// Cuts the share's stretch from the asset's proxy (video, else audio) into its clip.
    /// A share revoked or gone meanwhile needs none.
    pub async fn clip(&self, asset_id: &AssetId, share_id: &ShareId) -> Result<(), JobError> {
        let share = match self.catalog.share(share_id).await {
            Err(CatalogError::NotFound { .. }) => return Ok(()),
            other => other?.0,
        };
        if share.revoked_at.is_some() {
            return Ok(());
        }
        let asset = self.catalog.get_asset(asset_id).await?;
        let outputs = asset.outputs.unwrap_or_default();
        let Some(proxy) = outputs.video.or(outputs.audio) else {
            return Err(JobError::Media("the asset has no proxy to cut a clip from".into()));
        };
        let work = self.tools.work_dir(asset_id.as_str()).map_err(|e| JobError::Transient(e.to_string()))?;
        let (source, clip) = (work.path().join("proxy"), work.path().join("clip.mp4"));
        self.download(&proxy, &source).await?;
        let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
        // Seeking before the input is fast; re-encoding makes the cut exact, not on a keyframe.
        let args: Vec<String> = [
            "-v",
            "error",
            "-y",
            "-ss",
            &seconds(share.at.begin),
            "-i",
            &source.to_string_lossy(),
            "-t",
            &seconds(share.at.end - share.at.begin),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            &clip.to_string_lossy(),
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        self.tools.run(Tool::Ffmpeg, args).await.map_err(|e| JobError::Media(self.tools.redact(&e.to_string())))?;
        let key = keys::share_clip(asset_id, share_id);
        self.storage.put_file(&self.proxy_bucket, &key, &clip, "video/mp4").await?;
        Ok(())
    }
}
