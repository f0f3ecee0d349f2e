use std::time::Duration;

use async_trait::async_trait;
use mediaport_core::{Job, JobFilter, JobStatus, NewJob, Queue, QueueError};

use super::{db_err, ms, now_ms, now_text};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

/// The queue in PostgreSQL, for workers on many machines: a claim locks the row it takes
/// with `FOR UPDATE SKIP LOCKED`, so concurrent claims never wait on or take the same job.
#[derive(Debug, Clone)]
pub struct PostgresQueue {
    pool: PgPool,
}

impl PostgresQueue {
    /// The queue in the catalog's PostgreSQL database (its migrations create the table).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn job_from_row(row: &PgRow) -> Result<Job, QueueError> {
    let decode = |e: sqlx::Error| QueueError::Other(e.to_string());
    let status: String = row.try_get("status").map_err(decode)?;
    let payload: String = row.try_get("payload").map_err(decode)?;
    Ok(Job {
        id: row.try_get("id").map_err(decode)?,
        kind: row.try_get("kind").map_err(decode)?,
        asset_id: row.try_get("asset_id").map_err(decode)?,
        payload: serde_json::from_str(&payload).map_err(|e| QueueError::Other(e.to_string()))?,
        status: JobStatus::parse(&status).ok_or_else(|| QueueError::Other(format!("unknown job status {status}")))?,
        attempts: row.try_get::<i32, _>("attempts").map_err(decode)? as u32,
        max_attempts: row.try_get::<i32, _>("max_attempts").map_err(decode)? as u32,
        error: row.try_get("error").map_err(decode)?,
        created_at: row.try_get("created_at").map_err(decode)?,
        started_at: row.try_get("started_at").map_err(decode)?,
        finished_at: row.try_get("finished_at").map_err(decode)?,
        changed_ms: row.try_get("updated_at").map_err(decode)?,
        step: row.try_get("step").map_err(decode)?,
    })
}

#[async_trait]
impl Queue for PostgresQueue {
    async fn enqueue(&self, job: NewJob) -> Result<Job, QueueError> {
        let id = mediaport_core::new_id();
        // The partial unique index settles races between two enqueuers of one key.
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, kind, asset_id, payload, status, max_attempts, dedupe_key, run_after, created_at) \
             VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8) \
             ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING \
             RETURNING *",
        )
        .bind(&id)
        .bind(&job.kind)
        .bind(&job.asset_id)
        .bind(job.payload.to_string())
        .bind(job.max_attempts.max(1) as i32)
        .bind(&job.dedupe_key)
        .bind(now_ms())
        .bind(now_text())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        if let Some(row) = inserted {
            return job_from_row(&row);
        }
        let row = sqlx::query("SELECT * FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')")
            .bind(&job.dedupe_key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        match row {
            Some(row) => job_from_row(&row),
            // The job that held the key finished in between: the key is free again.
            None => Box::pin(self.enqueue(job)).await,
        }
    }

    async fn claim(&self, worker: &str, kinds: &[&str], lease: Duration) -> Result<Option<Job>, QueueError> {
        let now = now_ms();
        // A job whose workers kept dying on it (a crash the job itself causes) fails for good.
        sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1, lease_owner = NULL, lease_until = NULL, \
             error = 'its worker stopped without finishing it, ' || attempts || ' times' \
             WHERE status = 'running' AND lease_until < $2 AND attempts >= max_attempts",
        )
        .bind(now_text())
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
        let row = sqlx::query(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $2, \
             started_at = $3, finished_at = NULL, step = NULL \
             WHERE id = (SELECT id FROM jobs WHERE kind = ANY($4) \
                 AND ((status = 'queued' AND run_after <= $5) OR (status = 'running' AND lease_until < $5)) \
                 ORDER BY run_after, created_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING *",
        )
        .bind(worker)
        .bind(now + ms(lease))
        .bind(now_text())
        .bind(&kinds)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn renew(&self, id: &str, worker: &str, lease: Duration) -> Result<bool, QueueError> {
        let done =
            sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND status = 'running' AND lease_owner = $3")
                .bind(now_ms() + ms(lease))
                .bind(id)
                .bind(worker)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_step(&self, id: &str, worker: &str, step: &str) -> Result<bool, QueueError> {
        let done = sqlx::query("UPDATE jobs SET step = $1 WHERE id = $2 AND status = 'running' AND lease_owner = $3")
            .bind(step)
            .bind(id)
            .bind(worker)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn complete(&self, id: &str, worker: &str) -> Result<bool, QueueError> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'done', error = NULL, lease_owner = NULL, lease_until = NULL, finished_at = $1 \
             WHERE id = $2 AND status = 'running' AND lease_owner = $3",
        )
        .bind(now_text())
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn fail(&self, id: &str, worker: &str, error: &str, retry_in: Option<Duration>) -> Result<bool, QueueError> {
        let done = sqlx::query(
            "UPDATE jobs SET error = $1, lease_owner = NULL, lease_until = NULL, \
             status = CASE WHEN $2::BIGINT IS NOT NULL AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
             run_after = COALESCE($2::BIGINT, run_after), \
             finished_at = CASE WHEN $2::BIGINT IS NOT NULL AND attempts < max_attempts THEN NULL ELSE $3 END \
             WHERE id = $4 AND status = 'running' AND lease_owner = $5",
        )
        .bind(error)
        .bind(retry_in.map(|wait| now_ms() + ms(wait)))
        .bind(now_text())
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn cancel(&self, id: &str) -> Result<Job, QueueError> {
        let job = self.get(id).await?;
        sqlx::query(
            "UPDATE jobs SET status = 'cancelled', lease_owner = NULL, lease_until = NULL, finished_at = $1 \
             WHERE id = $2 AND status IN ('queued', 'running')",
        )
        .bind(now_text())
        .bind(&job.id)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        self.get(id).await
    }

    async fn retry(&self, id: &str) -> Result<Job, QueueError> {
        let job = self.get(id).await?;
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', attempts = 0, run_after = $1, finished_at = NULL \
             WHERE id = $2 AND status IN ('failed', 'cancelled')",
        )
        .bind(now_ms())
        .bind(&job.id)
        .execute(&self.pool)
        .await;
        match done {
            Ok(done) if done.rows_affected() == 1 => self.get(id).await,
            Ok(_) => Err(QueueError::Conflict(format!(
                "job {id} is {}: only failed or cancelled jobs are retried",
                job.status.as_str()
            ))),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                Err(QueueError::Conflict(format!("job {id} is already queued again under another id")))
            }
            Err(err) => Err(db_err(err)),
        }
    }

    async fn get(&self, id: &str) -> Result<Job, QueueError> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(|| QueueError::NoSuchJob(id.to_owned()))?;
        job_from_row(&row)
    }

    async fn changed_since(&self, since_ms: i64, limit: u32) -> Result<Vec<Job>, QueueError> {
        let rows = sqlx::query("SELECT * FROM jobs WHERE updated_at >= $1 ORDER BY updated_at, id LIMIT $2")
            .bind(since_ms)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(job_from_row).collect()
    }

    async fn list(&self, filter: &JobFilter, limit: u32) -> Result<Vec<Job>, QueueError> {
        let rows = sqlx::query(
            "SELECT * FROM jobs WHERE ($1::TEXT IS NULL OR asset_id = $1) AND ($2::TEXT IS NULL OR status = $2) \
             ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(&filter.asset_id)
        .bind(filter.status.map(JobStatus::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(job_from_row).collect()
    }
}
