//! Notifications: the targets admins set (kept in the catalog's settings, so every server
//! and worker reads the same), the notices the workflow announces (one queued delivery per
//! target that wants it, retried with the queue's backoff) and the log of deliveries.

use std::time::Instant;

use mediaport_shared::{
    Asset, Delivery, NewNotifyTarget, Notice, NoticeAsset, NoticeKind, NotifyTarget, TargetKind, TestDelivery,
};

use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::{Catalog, CatalogError};
use crate::ports::notifier::{Notifier, NotifyError};
use crate::ports::queue::{Job, JobFilter, JobKind, NewJob, Queue, QueueError, Task};
use crate::workflow::WorkflowError;

/// The catalog's name for the saved targets.
const TARGETS: &str = "notifications";
/// More would be a mailing list, not a set of integrations.
const MAX_TARGETS: usize = 20;
/// Tries of one delivery: with the queue's doubling backoff from 5 s, the last comes about
/// 45 minutes after the first, long enough to ride out a receiver's restart or deploy.
const ATTEMPTS: u32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{0}")]
    Invalid(String),
    #[error("no notification target has the id {0}")]
    NoSuchTarget(String),
    #[error("{0} is a notification target already")]
    Taken(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl ServiceError for TargetError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid-notification-target",
            Self::NoSuchTarget(_) => mediaport_shared::codes::NOT_FOUND,
            Self::Taken(_) => "notification-target-exists",
            Self::Catalog(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Invalid,
            Self::NoSuchTarget(_) => ErrorKind::NotFound,
            Self::Taken(_) => ErrorKind::Conflict,
            Self::Catalog(err) => err.kind(),
        }
    }
}

/// The targets admins added, oldest first.
pub async fn targets(catalog: &dyn Catalog) -> Result<Vec<NotifyTarget>, CatalogError> {
    let Some(text) = catalog.setting(TARGETS).await? else { return Ok(Vec::new()) };
    serde_json::from_str(&text).map_err(|e| CatalogError::Other(format!("the saved notification targets: {e}")))
}

async fn save(catalog: &dyn Catalog, targets: &[NotifyTarget]) -> Result<(), CatalogError> {
    let text = serde_json::to_string(targets).map_err(|e| CatalogError::Other(e.to_string()))?;
    catalog.save_setting(TARGETS, &text).await
}

/// Adds a target; a webhook gets a new signing secret.
pub async fn add_target(catalog: &dyn Catalog, new: NewNotifyTarget) -> Result<NotifyTarget, TargetError> {
    let address = new.address.trim().to_owned();
    match new.kind {
        TargetKind::Webhook => check_url(&address),
        TargetKind::Sns => check_topic(&address),
    }
    .map_err(TargetError::Invalid)?;
    if new.events.contains(&NoticeKind::Test) {
        return Err(TargetError::Invalid(
            "\"test\" is sent by the test button only: it cannot be subscribed to".into(),
        ));
    }
    let mut events: Vec<NoticeKind> = NoticeKind::SUBSCRIBABLE.into_iter().filter(|k| new.events.contains(k)).collect();
    if events.is_empty() {
        events = NoticeKind::SUBSCRIBABLE.to_vec();
    }
    let mut saved = targets(catalog).await?;
    if saved.iter().any(|t| t.kind == new.kind && t.address == address) {
        return Err(TargetError::Taken(address));
    }
    if saved.len() >= MAX_TARGETS {
        return Err(TargetError::Invalid(format!("at most {MAX_TARGETS} notification targets: remove one first")));
    }
    let secret = (new.kind == TargetKind::Webhook).then(new_secret);
    let target =
        NotifyTarget { id: crate::new_id(), kind: new.kind, address, secret, events, created_at: crate::now_rfc3339() };
    saved.push(target.clone());
    save(catalog, &saved).await?;
    Ok(target)
}

/// Removes a target; deliveries still queued for it end at their next try.
pub async fn remove_target(catalog: &dyn Catalog, id: &str) -> Result<(), TargetError> {
    let mut saved = targets(catalog).await?;
    let before = saved.len();
    saved.retain(|t| t.id != id);
    if saved.len() == before {
        return Err(TargetError::NoSuchTarget(id.to_owned()));
    }
    Ok(save(catalog, &saved).await?)
}

/// 256 random bits as hex, prefixed so that a leaked one is recognisable in a scan.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("mpwh_{hex}")
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("a webhook's address is an http(s) URL, not {url:?}"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{url:?} is not a URL a webhook can be sent to"));
    }
    if host.contains('@') {
        // It would be shown in the settings and logs: a receiver checks the signature instead.
        return Err("a webhook's URL must not hold a user or password: receivers check the signature".into());
    }
    Ok(())
}

/// `arn:aws:sns:REGION:ACCOUNT:NAME` (other partitions too; `.fifo` topics included).
fn check_topic(arn: &str) -> Result<(), String> {
    let wrong = || format!("{arn:?} is not an SNS topic's ARN (arn:aws:sns:REGION:ACCOUNT:NAME)");
    let parts: Vec<&str> = arn.split(':').collect();
    let [scheme, partition, service, region, account, name] = parts[..] else { return Err(wrong()) };
    let name_ok = !name.is_empty()
        && name.len() <= 256
        && name.trim_end_matches(".fifo").chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let region_ok =
        !region.is_empty() && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
    if scheme != "arn" || !partition.starts_with("aws") || service != "sns" || !region_ok || !account_ok || !name_ok {
        return Err(wrong());
    }
    Ok(())
}

/// The notice of `event` about `asset`, linked to its page under `public_url` when given.
pub fn notice(asset: &Asset, event: NoticeKind, public_url: Option<&str>) -> Notice {
    let reason = if event == NoticeKind::AssetFailed { asset.error.clone() } else { None };
    let url = public_url.map(|base| format!("{}/assets/{}", base.trim_end_matches('/'), asset.id));
    let about = NoticeAsset {
        id: asset.id.clone(),
        filename: asset.filename.clone(),
        asset_type: asset.asset_type,
        reason,
        url,
    };
    Notice { id: crate::new_id(), event, occurred_at: crate::now_rfc3339(), asset: Some(about) }
}

/// Queues one delivery of `notice` per target that wants its kind; returns how many.
/// Each delivery's notice id is `notice.id` and the target's (the same over its tries,
/// and when the same notice is announced again); one still waiting is not queued twice.
pub async fn announce(catalog: &dyn Catalog, queue: &dyn Queue, notice: Notice) -> Result<usize, WorkflowError> {
    let Some(asset_id) = notice.asset.as_ref().map(|a| a.id.clone()) else { return Ok(0) };
    let mut queued = 0;
    for target in targets(catalog).await?.into_iter().filter(|t| t.events.contains(&notice.event)) {
        let notice = Notice { id: format!("{}.{}", notice.id, target.id), ..notice.clone() };
        let dedupe_key = Some(format!("notify:{}", notice.id));
        let task = Task::Notify { asset_id: asset_id.clone(), target: target.id, notice };
        queue.enqueue(NewJob { task, max_attempts: ATTEMPTS, dedupe_key }).await?;
        queued += 1;
    }
    Ok(queued)
}

/// Sends a queued delivery's notice to its target as it is set now.
pub async fn deliver(
    catalog: &dyn Catalog,
    notifier: &dyn Notifier,
    target_id: &str,
    notice: &Notice,
) -> Result<String, NotifyError> {
    let saved = targets(catalog)
        .await
        .map_err(|e| NotifyError::Unreachable(format!("cannot read the notification targets: {e}")))?;
    let target = saved.iter().find(|t| t.id == target_id);
    let target = target.ok_or_else(|| NotifyError::Refused("the target was removed".into()))?;
    notifier.deliver(target, notice).await
}

/// Sends a `test` notice to a target at once and says how it went.
pub async fn test(
    catalog: &dyn Catalog,
    notifier: &dyn Notifier,
    target_id: &str,
) -> Result<TestDelivery, TargetError> {
    let saved = targets(catalog).await?;
    let target = saved.iter().find(|t| t.id == target_id);
    let target = target.ok_or_else(|| TargetError::NoSuchTarget(target_id.to_owned()))?;
    let notice =
        Notice { id: crate::new_id(), event: NoticeKind::Test, occurred_at: crate::now_rfc3339(), asset: None };
    let started = Instant::now();
    let outcome = notifier.deliver(target, &notice).await;
    let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(match outcome {
        Ok(answer) => TestDelivery { delivered: true, answer, millis },
        Err(err) => TestDelivery { delivered: false, answer: err.to_string(), millis },
    })
}

/// The newest deliveries, at most `limit`.
pub async fn deliveries(queue: &dyn Queue, limit: u32) -> Result<Vec<Delivery>, QueueError> {
    let filter = JobFilter { asset_id: None, status: None, kind: Some(JobKind::Notify) };
    Ok(queue.list(&filter, limit).await?.into_iter().filter_map(delivery).collect())
}

/// A delivery's job as the log shows it; `None` for other jobs.
fn delivery(job: Job) -> Option<Delivery> {
    let Task::Notify { asset_id, target, notice } = job.task else { return None };
    Some(Delivery {
        id: job.id,
        notice_id: notice.id,
        target_id: target,
        event: notice.event,
        asset_id,
        status: job.status.as_str().to_owned(),
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        answer: job.step,
        error: job.error,
        created_at: job.created_at,
        finished_at: job.finished_at,
    })
}

#[cfg(test)]
mod tests;
