//! Workflow jobs: what each asset's stages are doing, and retrying the ones that failed.

use axum::extract::State;
use mediaport_core::workflow;
use mediaport_core::{Job, JobFilter, JobStatus};
use mediaport_shared::{AssetId, ErrorBody, JobId, JobInfo, JobList};
use serde::Deserialize;

use crate::auth::{Auth, Creator, Viewer};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query, page_size};
use crate::state::AppState;

const DEFAULT_PAGE_SIZE: u32 = 100;
const MAX_PAGE_SIZE: u32 = 500;

pub(crate) fn info(job: Job) -> JobInfo {
    JobInfo {
        id: job.id,
        asset_id: Some(job.task.asset_id().to_owned()),
        stage: job.task.kind().as_str().to_owned(),
        status: job.status.as_str().to_owned(),
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        step: job.step,
        error: job.error,
        created_at: job.created_at,
        started_at: job.started_at,
        finished_at: job.finished_at,
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    asset_id: Option<String>,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    status: Option<String>,
    /// 1 to 500; 100 when left out.
    page_size: Option<i64>,
}

/// Jobs, newest first, optionally for one asset or in one status.
#[utoipa::path(get, path = "/api/jobs", tag = "jobs", params(ListParams),
    responses((status = 200, body = JobList), (status = 400, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<JobList>, ApiError> {
    let status = params
        .status
        .map(|s| {
            JobStatus::parse(&s).ok_or_else(|| ApiError::bad_request("invalid-query", format!("unknown status {s:?}")))
        })
        .transpose()?;
    let limit = page_size(params.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let filter = JobFilter { asset_id: params.asset_id.map(AssetId::from), status, kind: None };
    let items = state.queue.list(&filter, limit).await?.into_iter().map(info).collect();
    Ok(Json(JobList { items }))
}

/// Queues a failed or cancelled job again, with fresh tries.
#[utoipa::path(post, path = "/api/jobs/{job_id}/retry", tag = "jobs", params(("job_id" = String, Path)),
    responses((status = 200, body = JobInfo), (status = 404, body = ErrorBody),
              (status = 409, description = "The job is queued, running or done", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn retry(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(job_id): Path<JobId>,
) -> Result<Json<JobInfo>, ApiError> {
    let job = workflow::retry(state.queue.as_ref(), state.catalog.as_ref(), &job_id).await?;
    tracing::info!(by = %caller.principal.username, job = %job.id, stage = job.task.kind().as_str(), "job retried");
    Ok(Json(info(job)))
}
