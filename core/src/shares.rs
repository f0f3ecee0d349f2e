//! Moments shared with people who have no account (`/api/assets/{id}/shares`,
//! `/api/public/shares/{token}`). A link carries the share's id and a 256-bit secret,
//! of which the catalog keeps only a hash; it shows a clip cut from the proxy for the
//! stretch (a clip job makes it) and the chosen results within it, until it expires or
//! is revoked, and each opening is logged.

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use mediaport_shared::shares::{MAX_SHARE_DAYS, MAX_SHARE_MS};
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, Asset, CreatedShare, Group, NewShare, Share, ShareId, ShareView, SharedMoment,
    Timecode, Timeline,
};
use sha2::{Digest, Sha256};

use crate::error::{ErrorKind, ServiceError};
use crate::keys;
use crate::ports::catalog::{Catalog, CatalogError};
use crate::ports::identity::Principal;
use crate::ports::queue::{Queue, QueueError};
use crate::ports::storage::StorageError;
use crate::results::{Results, ResultsError};
use crate::workflow;

/// How long the clip's link works once the page has it: the page asks again on reload.
const CLIP_LINK: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("{1}")]
    Invalid(&'static str, String),
    /// The link is unknown, wrong, revoked or expired; the code says which.
    #[error("{1}")]
    Closed(&'static str, String),
    #[error("only the share's maker or an admin does this")]
    NotYours,
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl ServiceError for ShareError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(code, _) | Self::Closed(code, _) => code,
            Self::NotYours => "not-your-share",
            Self::Catalog(CatalogError::Conflict(_)) => "already-revoked",
            Self::Catalog(err) => err.code(),
            Self::Results(err) => err.code(),
            Self::Storage(err) => err.code(),
            Self::Queue(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(..) => ErrorKind::Invalid,
            Self::Closed(..) => ErrorKind::NotFound,
            Self::NotYours => ErrorKind::Forbidden,
            Self::Catalog(err) => err.kind(),
            Self::Results(err) => err.kind(),
            Self::Storage(err) => err.kind(),
            Self::Queue(err) => err.kind(),
        }
    }
}

fn invalid(code: &'static str, message: impl Into<String>) -> ShareError {
    ShareError::Invalid(code, message.into())
}

/// The hash a secret is kept as.
fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Whether `new` can be shared from `asset`: a played asset, a stretch inside it of at
/// most half an hour, 1 to 30 days, results it has.
pub fn check(asset: &Asset, new: &NewShare) -> Result<(), ShareError> {
    let outputs = asset.outputs.as_ref();
    if outputs.is_none_or(|o| o.video.is_none() && o.audio.is_none()) {
        return Err(invalid("not-shareable", format!("{} has no video or audio to share", asset.filename)));
    }
    let at = new.at;
    let inside = asset.duration_ms.is_none_or(|d| at.end <= d);
    if at.end <= at.begin || !inside || at.end - at.begin > MAX_SHARE_MS {
        let message = format!("a shared stretch is inside the asset and at most {} minutes", MAX_SHARE_MS / 60_000);
        return Err(invalid("invalid-span", message));
    }
    if !(1..=MAX_SHARE_DAYS).contains(&new.days) {
        return Err(invalid("invalid-days", format!("a link lives 1 to {MAX_SHARE_DAYS} days")));
    }
    for kind in &new.kinds {
        // Notes are the reviewers', not an analysis: there may be none yet.
        let analysed = asset.analysis.get(kind).is_some_and(|s| s.status == AnalysisStatus::Done);
        if *kind != AnalysisKind::Note && !analysed {
            return Err(invalid(
                "not-analysed",
                format!("{} has no {} results to share", asset.filename, kind.as_str()),
            ));
        }
    }
    Ok(())
}

/// A share of `asset` made by `author` at `now`, its link's token and the hash of the
/// token's secret, as the catalog keeps it.
pub fn made(
    asset: &Asset,
    new: NewShare,
    author: &str,
    now: DateTime<Utc>,
) -> Result<(Share, String, String), ShareError> {
    check(asset, &new)?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let share = Share {
        id: crate::new_id(),
        asset_id: asset.id.clone(),
        at: new.at,
        kinds: new.kinds,
        created_by: author.to_owned(),
        created_at: rfc3339(now),
        expires_at: rfc3339(now + chrono::Duration::days(i64::from(new.days))),
        revoked_at: None,
        revoked_by: None,
        views: 0,
    };
    let token = format!("{}.{secret}", share.id);
    Ok((share, token, hash(&secret)))
}

/// Makes a share of `asset` as `author` and queues its clip.
pub async fn create(
    catalog: &dyn Catalog,
    queue: &dyn Queue,
    asset: &Asset,
    new: NewShare,
    author: &str,
) -> Result<CreatedShare, ShareError> {
    let (share, token, secret_hash) = made(asset, new, author, Utc::now())?;
    let share = catalog.add_share(&share, &secret_hash).await?;
    queue.enqueue(workflow::clip_job(&asset.id, &share.id)).await?;
    Ok(CreatedShare { path: format!("/share/{token}"), token, share })
}

/// What a link shows, logging the view once the clip is there; `Closed` with `share-not-found` for a link
/// that is unknown or wrong, `share-revoked` or `share-expired` for one that was good.
pub async fn open(results: &Results<'_>, token: &str, view: ShareView) -> Result<SharedMoment, ShareError> {
    let unknown = || ShareError::Closed("share-not-found", "this link is not known; ask for a new one".into());
    let (id, secret) = token.split_once('.').ok_or_else(unknown)?;
    let catalog = results.catalog;
    let (share, kept) = match catalog.share(&ShareId::from(id)).await {
        Err(CatalogError::NotFound { .. }) => return Err(unknown()),
        other => other?,
    };
    if hash(secret) != kept {
        return Err(unknown());
    }
    if share.revoked_at.is_some() {
        return Err(ShareError::Closed("share-revoked", "this link was withdrawn by the people who shared it".into()));
    }
    let expires = DateTime::parse_from_rfc3339(&share.expires_at).map(|t| t.with_timezone(&Utc));
    let left = expires.map(|t| t - Utc::now()).ok().and_then(|left| left.to_std().ok()).filter(|l| !l.is_zero());
    let Some(left) = left else {
        return Err(ShareError::Closed("share-expired", format!("this link expired at {}", share.expires_at)));
    };
    let asset = catalog.get_asset(&share.asset_id).await?;
    let mut timelines = std::collections::BTreeMap::new();
    for kind in &share.kinds {
        let timeline = match kind {
            AnalysisKind::Note => mediaport_shared::notes::timeline(&catalog.notes(&asset.id).await?),
            _ => results.timeline(&asset, *kind).await?,
        };
        timelines.insert(*kind, within(timeline, share.at));
    }
    let clip = keys::share_clip(&asset.id, &share.id);
    let video = match results.storage.head_object(results.proxy_bucket, &clip).await {
        Ok(_) => Some(results.storage.presign_get(results.proxy_bucket, &clip, CLIP_LINK.min(left)).await?),
        Err(StorageError::NoSuchKey { .. }) => None,
        Err(err) => return Err(err.into()),
    };
    // A view is the moment shown: a page asking while its clip is cut has seen nothing yet.
    if video.is_some() {
        catalog.record_view(&share.id, &view).await?;
    }
    Ok(SharedMoment { filename: asset.filename, at: share.at, expires_at: share.expires_at, video, timelines })
}

/// A timeline's items within `at`, their times counted from its start.
pub fn within(mut timeline: Timeline, at: Timecode) -> Timeline {
    let cut = |t: &Timecode| {
        let (begin, end) = (t.begin.max(at.begin), t.end.min(at.end));
        (end > begin).then(|| Timecode { begin: begin - at.begin, end: end - at.begin })
    };
    timeline.items.retain_mut(|item| {
        item.timecodes = item.timecodes.iter().filter_map(cut).collect();
        item.boxes.retain(|b| (at.begin..at.end).contains(&b.time_ms));
        item.boxes.iter_mut().for_each(|b| b.time_ms -= at.begin);
        item.words.retain(|w| w.begin >= at.begin && w.end <= at.end);
        item.words.iter_mut().for_each(|w| {
            w.begin -= at.begin;
            w.end -= at.begin;
        });
        item.pages.clear();
        !item.timecodes.is_empty()
    });
    timeline
}

fn may_manage(share: &Share, caller: &Principal) -> Result<(), ShareError> {
    if share.created_by == caller.username || caller.group >= Group::Admin { Ok(()) } else { Err(ShareError::NotYours) }
}

/// The shares `caller` manages: an admin's are everyone's, newest first.
pub async fn list(catalog: &dyn Catalog, caller: &Principal) -> Result<Vec<Share>, ShareError> {
    let mine = (caller.group < Group::Admin).then_some(caller.username.as_str());
    Ok(catalog.shares(mine).await?)
}

/// Stops a link for good and deletes its clip.
pub async fn revoke(results: &Results<'_>, id: &ShareId, caller: &Principal) -> Result<Share, ShareError> {
    let (share, _) = results.catalog.share(id).await?;
    may_manage(&share, caller)?;
    let revoked = results.catalog.revoke_share(id, &caller.username, &crate::now_rfc3339()).await?;
    let clip = keys::share_clip(&share.asset_id, id);
    if let Err(err) = results.storage.delete_object(results.proxy_bucket, &clip).await {
        tracing::warn!(share = %id, error = %err, "cannot delete a revoked share's clip");
    }
    Ok(revoked)
}

/// Each opening of a link, newest first.
pub async fn views(catalog: &dyn Catalog, id: &ShareId, caller: &Principal) -> Result<Vec<ShareView>, ShareError> {
    let (share, _) = catalog.share(id).await?;
    may_manage(&share, caller)?;
    Ok(catalog.share_views(id).await?)
}

#[cfg(test)]
mod tests {
    use mediaport_shared::TimelineItem;

    use super::*;

    #[test]
    fn results_within_a_stretch_are_cut_to_it_and_counted_from_its_start() {
        let item = |name: &str, spans: &[(u64, u64)]| TimelineItem {
            name: name.into(),
            confidence: 0.9,
            timecodes: spans.iter().map(|&(begin, end)| Timecode { begin, end }).collect(),
            ..Default::default()
        };
        let labels = Timeline::new(
            AnalysisKind::Label,
            vec![
                item("dog", &[(0, 3000), (9000, 12_000)]),
                item("cat", &[(20_000, 21_000)]),
                item("car", &[(4000, 6000)]),
            ],
        );
        let cut = within(labels, Timecode { begin: 2000, end: 10_000 });
        let shown: Vec<(&str, Vec<(u64, u64)>)> = cut
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.timecodes.iter().map(|t| (t.begin, t.end)).collect()))
            .collect();
        assert_eq!(shown, [("dog", vec![(0, 1000), (7000, 8000)]), ("car", vec![(2000, 4000)])]);
    }

    #[test]
    fn a_share_is_checked_before_it_is_made() {
        let mut asset = crate::memory::asset(mediaport_shared::AssetStatus::Ready);
        asset.duration_ms = Some(60_000);
        let new = |begin, end, days| NewShare { at: Timecode { begin, end }, days, kinds: Vec::new() };
        assert_eq!(check(&asset, &new(0, 1000, 7)).unwrap_err().code(), "not-shareable", "no proxy yet");
        asset.outputs =
            Some(mediaport_shared::IngestOutputs { video: Some("a/proxy.mp4".into()), ..Default::default() });
        check(&asset, &new(1000, 9000, 30)).unwrap();
        for (bad, code) in [
            (new(5000, 4000, 7), "invalid-span"),
            (new(50_000, 61_000, 7), "invalid-span"),
            (new(0, 1000, 0), "invalid-days"),
            (new(0, 1000, 31), "invalid-days"),
            (NewShare { kinds: vec![AnalysisKind::Label], ..new(0, 1000, 7) }, "not-analysed"),
        ] {
            assert_eq!(check(&asset, &bad).unwrap_err().code(), code, "{bad:?}");
        }
    }
}
