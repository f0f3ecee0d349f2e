//! Presigned links to an asset's outputs in the proxy bucket, so browsers fetch media
//! straight from storage and never through the API.

use std::time::Duration;

use mediaport_shared::{Asset, AssetCard, AssetDetail, Proxies};

use crate::error::ApiError;
use crate::state::AppState;

/// How long a link works: long enough to watch a film in one sitting.
const LINK_TTL: Duration = Duration::from_secs(4 * 3600);

async fn link(state: &AppState, key: Option<&String>) -> Result<Option<String>, ApiError> {
    match key {
        Some(key) => Ok(Some(state.storage.presign_get(&state.buckets.proxy, key, LINK_TTL).await?)),
        None => Ok(None),
    }
}

/// A presigned link to an object of the proxy bucket.
pub async fn presigned(state: &AppState, key: &str) -> Result<String, ApiError> {
    Ok(state.storage.presign_get(&state.buckets.proxy, key, LINK_TTL).await?)
}

/// An asset with its thumbnail link, for grids and live events.
pub async fn card(state: &AppState, asset: Asset) -> Result<AssetCard, ApiError> {
    let thumbnail_url = link(state, asset.outputs.as_ref().and_then(|o| o.thumbnail.as_ref())).await?;
    Ok(AssetCard { asset, thumbnail_url })
}

/// An asset with links to everything ingest made.
pub async fn detail(state: &AppState, asset: Asset) -> Result<AssetDetail, ApiError> {
    let Some(outputs) = asset.outputs.clone() else { return Ok(AssetDetail { asset, proxies: Proxies::default() }) };
    let mut proxies = Proxies {
        video: link(state, outputs.video.as_ref()).await?,
        audio: link(state, outputs.audio.as_ref()).await?,
        image: link(state, outputs.image.as_ref()).await?,
        waveform: link(state, outputs.waveform.as_ref()).await?,
        text: link(state, outputs.text.as_ref()).await?,
        frames: link(state, outputs.frames.as_ref().map(|f| &f.manifest)).await?,
        ..Proxies::default()
    };
    proxies.thumbnails.extend(link(state, outputs.thumbnail.as_ref()).await?);
    for page in &outputs.pages {
        proxies.pages.extend(link(state, Some(page)).await?);
    }
    for report in &outputs.reports {
        proxies.reports.extend(link(state, Some(report)).await?);
    }
    Ok(AssetDetail { asset, proxies })
}
