//! The work queue: a table beside the catalog's, in its SQLite file by default and in
//! PostgreSQL at scale. The SQL is written once, with `$1`-style parameters both engines
//! read; only the claim differs, by the row lock PostgreSQL needs.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use mediaport_core::{Job, JobFilter, JobKind, JobStatus, NewJob, Queue, QueueError, Task, now_rfc3339};
use mediaport_shared::{AssetId, JobId};

use crate::db::{Cells, Db, on_db};

/// The queue in the catalog's database. On SQLite one writer at a time keeps two workers
/// from taking one job; on PostgreSQL a claim locks the row it takes with `FOR UPDATE SKIP
/// LOCKED`, so workers on many machines never wait on or take the same job.
#[derive(Debug, Clone)]
pub struct SqlQueue {
    db: Db,
}

/// The queue in the catalog's database (its migrations create the table).
pub fn in_db(db: &Db) -> Arc<dyn Queue> {
    Arc::new(SqlQueue { db: db.clone() })
}

/// The columns of a job, the counters widened so both engines read them as `i64`.
const COLUMNS: &str = "id, kind, payload, status, CAST(attempts AS BIGINT) AS attempts, \
     CAST(max_attempts AS BIGINT) AS max_attempts, error, created_at, started_at, finished_at, updated_at, step";

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2)
}

fn db_err(err: sqlx::Error) -> QueueError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            QueueError::Unavailable(err.to_string())
        }
        other => QueueError::Other(other.to_string()),
    }
}

#[expect(clippy::needless_pass_by_value, reason = "the shape map_err takes")]
fn decode(err: sqlx::Error) -> QueueError {
    QueueError::Other(err.to_string())
}

fn job(row: &impl Cells) -> Result<Job, QueueError> {
    let status = row.text("status").map_err(decode)?;
    let count = |column: &str| row.int(column).map(|n| u32::try_from(n).unwrap_or(0)).map_err(decode);
    Ok(Job {
        id: row.id("id").map_err(decode)?,
        task: Task::from_stored(&row.text("kind").map_err(decode)?, &row.text("payload").map_err(decode)?)?,
        status: JobStatus::parse(&status).ok_or_else(|| QueueError::Other(format!("unknown job status {status}")))?,
        attempts: count("attempts")?,
        max_attempts: count("max_attempts")?,
        error: row.maybe_text("error").map_err(decode)?,
        created_at: row.text("created_at").map_err(decode)?,
        started_at: row.maybe_text("started_at").map_err(decode)?,
        finished_at: row.maybe_text("finished_at").map_err(decode)?,
        changed_ms: row.int("updated_at").map_err(decode)?,
        step: row.maybe_text("step").map_err(decode)?,
    })
}

/// `$first, $first + 1, …` for `count` values.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

impl SqlQueue {
    async fn one(&self, sql: &str, id: &str) -> Result<Option<Job>, QueueError> {
        on_db!(&self.db, |pool| {
            let row = sqlx::query(sql).bind(id.to_owned()).fetch_optional(pool).await.map_err(db_err)?;
            row.as_ref().map(job).transpose()
        })
    }
}

#[async_trait]
impl Queue for SqlQueue {
    async fn enqueue(&self, new: NewJob) -> Result<Job, QueueError> {
        let id: String = mediaport_core::new_id();
        let task = &new.task;
        // The partial unique index settles races between two enqueuers of one key. The job
        // is read back rather than returned, as in a claim.
        let sql = "INSERT INTO jobs (id, kind, asset_id, payload, status, max_attempts, dedupe_key, run_after, created_at) \
             VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8) \
             ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING \
             RETURNING id";
        let inserted = on_db!(&self.db, |pool| {
            sqlx::query_scalar::<_, String>(sql)
                .bind(id)
                .bind(task.kind().as_str())
                .bind(task.asset_id().to_string())
                .bind(task.payload().to_string())
                .bind(i64::from(new.max_attempts.max(1)))
                .bind(new.dedupe_key.clone())
                .bind(now_ms())
                .bind(now_rfc3339())
                .fetch_optional(pool)
                .await
                .map_err(db_err)?
        });
        if let Some(id) = inserted {
            return self.get(&JobId::from(id)).await;
        }
        let key = new.dedupe_key.clone().unwrap_or_default();
        let unfinished =
            format!("SELECT {COLUMNS} FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')");
        match self.one(&unfinished, &key).await? {
            Some(job) => Ok(job),
            // The job that held the key finished in between: the key is free again.
            None => Box::pin(self.enqueue(new)).await,
        }
    }

    async fn claim(&self, worker: &str, kinds: &[JobKind], lease: Duration) -> Result<Option<Job>, QueueError> {
        let now = now_ms();
        // A job whose workers kept dying on it (a crash the job itself causes) fails for good.
        let give_up = "UPDATE jobs SET status = 'failed', finished_at = $1, lease_owner = NULL, lease_until = NULL, \
             error = 'its worker stopped without finishing it, ' || attempts || ' times' \
             WHERE status = 'running' AND lease_until < $2 AND attempts >= max_attempts";
        // A running job whose lease ran out lost its worker (killed, or cut off): take it over.
        let take = |lock: &str| {
            format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $2, \
                 started_at = $3, finished_at = NULL, step = NULL \
                 WHERE id = (SELECT id FROM jobs WHERE kind IN ({}) \
                     AND ((status = 'queued' AND run_after <= $4) OR (status = 'running' AND lease_until < $4)) \
                     ORDER BY run_after, created_at LIMIT 1{lock}) \
                 RETURNING id",
                placeholders(5, kinds.len())
            )
        };
        let sql = take(match self.db {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        });
        let claimed = on_db!(&self.db, |pool| {
            sqlx::query(give_up).bind(now_rfc3339()).bind(now).execute(pool).await.map_err(db_err)?;
            let mut query = sqlx::query_scalar::<_, String>(&sql)
                .bind(worker.to_owned())
                .bind(now + ms(lease))
                .bind(now_rfc3339())
                .bind(now);
            for kind in kinds {
                query = query.bind(kind.as_str());
            }
            query.fetch_optional(pool).await.map_err(db_err)?
        });
        // Read back rather than returned: SQLite's RETURNING misses what triggers stamp.
        match claimed {
            Some(id) => self.get(&JobId::from(id)).await.map(Some),
            None => Ok(None),
        }
    }

    async fn renew(&self, id: &JobId, worker: &str, lease: Duration) -> Result<bool, QueueError> {
        on_db!(&self.db, |pool| {
            let done = sqlx::query(
                "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND status = 'running' AND lease_owner = $2",
            )
            .bind(id.to_string())
            .bind(worker.to_owned())
            .bind(now_ms() + ms(lease))
            .execute(pool)
            .await
            .map_err(db_err)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn set_step(&self, id: &JobId, worker: &str, step: &str) -> Result<bool, QueueError> {
        on_db!(&self.db, |pool| {
            let done =
                sqlx::query("UPDATE jobs SET step = $3 WHERE id = $1 AND status = 'running' AND lease_owner = $2")
                    .bind(id.to_string())
                    .bind(worker.to_owned())
                    .bind(step.to_owned())
                    .execute(pool)
                    .await
                    .map_err(db_err)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn complete(&self, id: &JobId, worker: &str) -> Result<bool, QueueError> {
        on_db!(&self.db, |pool| {
            let done = sqlx::query(
                "UPDATE jobs SET status = 'done', error = NULL, lease_owner = NULL, lease_until = NULL, \
                 finished_at = $3 WHERE id = $1 AND status = 'running' AND lease_owner = $2",
            )
            .bind(id.to_string())
            .bind(worker.to_owned())
            .bind(now_rfc3339())
            .execute(pool)
            .await
            .map_err(db_err)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn fail(
        &self,
        id: &JobId,
        worker: &str,
        error: &str,
        retry_in: Option<Duration>,
    ) -> Result<bool, QueueError> {
        on_db!(&self.db, |pool| {
            let done = sqlx::query(
                "UPDATE jobs SET error = $3, lease_owner = NULL, lease_until = NULL, \
                 status = CASE WHEN CAST($4 AS BIGINT) IS NOT NULL AND attempts < max_attempts \
                     THEN 'queued' ELSE 'failed' END, \
                 run_after = COALESCE(CAST($4 AS BIGINT), run_after), \
                 finished_at = CASE WHEN CAST($4 AS BIGINT) IS NOT NULL AND attempts < max_attempts \
                     THEN NULL ELSE $5 END \
                 WHERE id = $1 AND status = 'running' AND lease_owner = $2",
            )
            .bind(id.to_string())
            .bind(worker.to_owned())
            .bind(error.to_owned())
            .bind(retry_in.map(|wait| now_ms() + ms(wait)))
            .bind(now_rfc3339())
            .execute(pool)
            .await
            .map_err(db_err)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn park(&self, id: &JobId, worker: &str, wait: Duration, why: &str) -> Result<bool, QueueError> {
        on_db!(&self.db, |pool| {
            let done = sqlx::query(
                "UPDATE jobs SET status = 'queued', attempts = attempts - 1, error = $3, lease_owner = NULL, \
                 lease_until = NULL, run_after = $4 WHERE id = $1 AND status = 'running' AND lease_owner = $2",
            )
            .bind(id.to_string())
            .bind(worker.to_owned())
            .bind(why.to_owned())
            .bind(now_ms() + ms(wait))
            .execute(pool)
            .await
            .map_err(db_err)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn cancel(&self, id: &JobId) -> Result<Job, QueueError> {
        let job = self.get(id).await?;
        on_db!(&self.db, |pool| {
            sqlx::query(
                "UPDATE jobs SET status = 'cancelled', lease_owner = NULL, lease_until = NULL, finished_at = $2 \
                 WHERE id = $1 AND status IN ('queued', 'running')",
            )
            .bind(job.id.to_string())
            .bind(now_rfc3339())
            .execute(pool)
            .await
            .map_err(db_err)?;
        });
        self.get(id).await
    }

    async fn retry(&self, id: &JobId) -> Result<Job, QueueError> {
        let job = self.get(id).await?;
        let done = on_db!(&self.db, |pool| {
            sqlx::query(
                "UPDATE jobs SET status = 'queued', attempts = 0, run_after = $2, finished_at = NULL \
                 WHERE id = $1 AND status IN ('failed', 'cancelled')",
            )
            .bind(job.id.to_string())
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        });
        match done {
            Ok(1) => self.get(id).await,
            Ok(_) => Err(QueueError::Conflict(format!(
                "job {id} is {}: only failed or cancelled jobs are retried",
                job.status.as_str()
            ))),
            // Another unfinished job holds the same key.
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                Err(QueueError::Conflict(format!("job {id} is already queued again under another id")))
            }
            Err(err) => Err(db_err(err)),
        }
    }

    async fn get(&self, id: &JobId) -> Result<Job, QueueError> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
        self.one(&sql, id.as_str()).await?.ok_or_else(|| QueueError::NoSuchJob(id.to_string()))
    }

    async fn changed_since(&self, since_ms: i64, limit: u32) -> Result<Vec<Job>, QueueError> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE updated_at >= $1 ORDER BY updated_at, id LIMIT $2");
        on_db!(&self.db, |pool| {
            let rows = sqlx::query(&sql).bind(since_ms).bind(i64::from(limit)).fetch_all(pool).await.map_err(db_err)?;
            rows.iter().map(job).collect()
        })
    }

    async fn due(&self) -> Result<u64, QueueError> {
        let sql = "SELECT COUNT(*) FROM jobs \
                   WHERE (status = 'queued' AND run_after <= $1) OR (status = 'running' AND lease_until < $1)";
        let now = now_ms();
        let due: i64 =
            on_db!(&self.db, |pool| sqlx::query_scalar(sql).bind(now).fetch_one(pool).await.map_err(db_err)?);
        Ok(u64::try_from(due).unwrap_or(0))
    }

    async fn counts(&self, status: JobStatus) -> Result<Vec<(JobKind, u64)>, QueueError> {
        let sql = "SELECT kind, COUNT(*) AS jobs FROM jobs WHERE status = $1 GROUP BY kind ORDER BY kind";
        let rows: Vec<(String, i64)> = on_db!(&self.db, |pool| {
            sqlx::query_as(sql).bind(status.as_str()).fetch_all(pool).await.map_err(db_err)?
        });
        // A kind this version does not know (a newer worker's) is not this queue's to count.
        let known = |kind: &str| JobKind::ALL.into_iter().find(|k| k.as_str() == kind);
        Ok(rows
            .into_iter()
            .filter_map(|(kind, jobs)| Some((known(&kind)?, u64::try_from(jobs).unwrap_or(0))))
            .collect())
    }

    async fn list(&self, filter: &JobFilter, limit: u32) -> Result<Vec<Job>, QueueError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM jobs \
             WHERE (CAST($1 AS TEXT) IS NULL OR asset_id = $1) AND (CAST($2 AS TEXT) IS NULL OR status = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR kind = $3) \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        );
        on_db!(&self.db, |pool| {
            let rows = sqlx::query(&sql)
                .bind(filter.asset_id.as_ref().map(AssetId::as_str))
                .bind(filter.status.map(|s| s.as_str().to_owned()))
                .bind(filter.kind.map(|k| k.as_str().to_owned()))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(db_err)?;
            rows.iter().map(job).collect()
        })
    }
}
