//! Local users in the catalog database (SQLite or PostgreSQL): argon2id password hashes, signed access tokens,
//! rotating refresh tokens, and growing delays after failed sign-ins.

use std::sync::Arc;

use crate::db::{Cells, Db, on_db};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use async_trait::async_trait;
use base64::Engine;
use mediaport_core::{Identity, IdentityError, NewUser, Principal, Session};
use mediaport_shared::{Group, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::tokens::SigningKey;

const REFRESH_TTL_SECS: u64 = 30 * 24 * 3600;
/// Failures allowed before delays start; each further failure doubles the wait.
const FREE_FAILURES: i64 = 3;
const MAX_DELAY_SECS: u64 = 15 * 60;
/// Failures this long after the last one no longer count.
const FORGIVE_AFTER_SECS: u64 = 60 * 60;

/// The local identity provider, sharing the catalog's database.
#[derive(Clone)]
pub struct LocalIdentity {
    db: Db,
    key: SigningKey,
    /// Verified against when the user does not exist, so both cases cost the same.
    dummy_hash: Arc<String>,
    access_ttl_secs: u64,
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn db_err(err: sqlx::Error) -> IdentityError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            IdentityError::Unavailable(err.to_string())
        }
        other => IdentityError::Other(other.to_string()),
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Password hashes computed at once, at most: each holds 19 MiB and a core for tens of
/// milliseconds, so a burst of sign-ins waits here instead of exhausting memory.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
});

/// Hashing is deliberately slow: it runs on the blocking pool, not the async runtime.
async fn hash_password(password: &str) -> Result<String, IdentityError> {
    let _turn = HASHING.acquire().await.map_err(|e| IdentityError::Other(e.to_string()))?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| IdentityError::Other(e.to_string()))?
    .map_err(|e| IdentityError::Other(e.to_string()))
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(_turn) = HASHING.acquire().await else { return false };
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn user_from_row(row: &impl Cells) -> Result<User, IdentityError> {
    let group = row.text("user_group").map_err(db_err)?;
    Ok(User {
        username: row.text("username").map_err(db_err)?,
        email: row.text("email").map_err(db_err)?,
        groups: vec![Group::parse(&group).ok_or_else(|| IdentityError::Other(format!("unknown group {group}")))?],
    })
}

impl LocalIdentity {
    /// How long access tokens live (15 minutes unless set); refresh tokens last 30 days.
    pub fn with_access_ttl(mut self, secs: u64) -> Self {
        self.access_ttl_secs = secs;
        self
    }

    pub async fn new(db: Db, key: SigningKey) -> Result<Self, IdentityError> {
        let dummy_hash = Arc::new(hash_password("not-a-real-password").await?);
        Ok(Self { db, key, dummy_hash, access_ttl_secs: 15 * 60 })
    }

    /// Whether any user exists (the first start creates an admin when none does).
    pub async fn is_empty(&self) -> Result<bool, IdentityError> {
        let count: i64 =
            on_db!(&self.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)
                .map_err(db_err)?;
        Ok(count == 0)
    }

    /// Counts a sign-in attempt on `username` before its password is checked, or says how
    /// long to wait. Counting first, with a compare-and-set on the count, means parallel
    /// guesses cannot all slip through while the first is still being checked.
    async fn claim_attempt(&self, username: &str) -> Result<(), IdentityError> {
        for _ in 0..8 {
            let sql = "SELECT failures, last_failure_at FROM login_failures WHERE username = lower($1)";
            let seen = on_db!(&self.db, |pool| {
                let row = sqlx::query(sql).bind(username).fetch_optional(pool).await.map_err(db_err)?;
                row.map(|row| Ok::<_, sqlx::Error>((row.int("failures")?, row.int("last_failure_at")?)))
                    .transpose()
                    .map_err(db_err)?
            });
            let now = now();
            // Failures long past are forgiven: a user is not slowed down forever by old typos.
            let failures = match seen {
                Some((failures, last)) if (last.max(0) as u64) + FORGIVE_AFTER_SECS > now => failures,
                _ => 0,
            };
            if failures >= FREE_FAILURES {
                let last = seen.map_or(0, |(_, last)| last.max(0) as u64);
                let delay = 1u64.checked_shl((failures - FREE_FAILURES) as u32).unwrap_or(u64::MAX).min(MAX_DELAY_SECS);
                // Times are whole seconds: counted from the end of the failure's second, the
                // wait is never shorter than the delay.
                let wait = (last + delay + 1).saturating_sub(now);
                if wait > 0 {
                    return Err(IdentityError::TooManyAttempts { retry_after_secs: wait });
                }
            }
            let claimed = match seen {
                None => {
                    // Records past their window count for nothing: they go as new ones come.
                    let forgotten = (now.saturating_sub(FORGIVE_AFTER_SECS)) as i64;
                    let sql = "DELETE FROM login_failures WHERE last_failure_at < $1";
                    on_db!(&self.db, |pool| sqlx::query(sql).bind(forgotten).execute(pool).await.map(drop))
                        .map_err(db_err)?;
                    let sql = "INSERT INTO login_failures (username, failures, last_failure_at) \
                               VALUES (lower($1), 1, $2) ON CONFLICT (username) DO NOTHING";
                    on_db!(&self.db, |pool| sqlx::query(sql)
                        .bind(username)
                        .bind(now as i64)
                        .execute(pool)
                        .await
                        .map(|done| done.rows_affected()))
                }
                Some((seen_failures, seen_last)) => {
                    let sql = "UPDATE login_failures SET failures = $2, last_failure_at = $3 \
                               WHERE username = lower($1) AND failures = $4 AND last_failure_at = $5";
                    on_db!(&self.db, |pool| sqlx::query(sql)
                        .bind(username)
                        .bind(failures + 1)
                        .bind(now as i64)
                        .bind(seen_failures)
                        .bind(seen_last)
                        .execute(pool)
                        .await
                        .map(|done| done.rows_affected()))
                }
            }
            .map_err(db_err)?;
            if claimed == 1 {
                return Ok(());
            }
            // Another attempt on this name counted itself first: look again.
        }
        Err(IdentityError::TooManyAttempts { retry_after_secs: 1 })
    }

    async fn forget_failures(&self, username: &str) -> Result<(), IdentityError> {
        let sql = "DELETE FROM login_failures WHERE username = lower($1)";
        on_db!(&self.db, |pool| sqlx::query(sql).bind(username).execute(pool).await.map(drop)).map_err(db_err)
    }

    /// Runs a statement on the user named `username` (any case); `NoSuchUser` when none is.
    async fn change_user(&self, sql: &str, value: &str, username: &str) -> Result<(), IdentityError> {
        let at = now().to_string();
        let changed = on_db!(&self.db, |pool| {
            let query = sqlx::query(sql).bind(value).bind(&at).bind(username);
            query.execute(pool).await.map(|done| done.rows_affected())
        })
        .map_err(db_err)?;
        if changed == 0 {
            return Err(IdentityError::NoSuchUser(username.to_owned()));
        }
        Ok(())
    }

    /// The user row's fields and its password hash.
    async fn find_user(&self, username: &str) -> Result<Option<(User, String)>, IdentityError> {
        let sql = "SELECT * FROM users WHERE lower(username) = lower($1)";
        on_db!(&self.db, |pool| {
            let row = sqlx::query(sql).bind(username).fetch_optional(pool).await.map_err(db_err)?;
            row.map(|row| Ok((user_from_row(&row)?, row.text("password_hash").map_err(db_err)?))).transpose()
        })
    }

    async fn open_session(&self, username: &str) -> Result<Session, IdentityError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let refresh_token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let sql = "INSERT INTO refresh_tokens (token_hash, username, expires_at, created_at) VALUES ($1, $2, $3, $4)";
        let (hash, expires, at) = (token_hash(&refresh_token), (now() + REFRESH_TTL_SECS) as i64, now().to_string());
        on_db!(&self.db, |pool| {
            let query = sqlx::query(sql).bind(&hash).bind(username).bind(expires).bind(&at);
            query.execute(pool).await.map(drop)
        })
        .map_err(db_err)?;
        let access_token = self.key.sign(username, now(), self.access_ttl_secs)?;
        Ok(Session { access_token, refresh_token, expires_in: self.access_ttl_secs })
    }

    /// Runs `sql` on the user (`$1` the name; with `value`, `$2` it and `$3` the time)
    /// unless it would leave no admin: `LastAdmin` then. The admins' rows are locked first
    /// (touched by an update: a row lock on PostgreSQL, the write lock on SQLite), so two
    /// admins demoting or deleting each other at once leave one, not none.
    async fn unless_last_admin(&self, username: &str, sql: &str, value: Option<&str>) -> Result<(), IdentityError> {
        let at = now().to_string();
        on_db!(&self.db, |pool, begin| async {
            let mut tx = pool.begin_with(begin).await?;
            sqlx::query("UPDATE users SET updated_at = updated_at WHERE user_group = 'admin'")
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query("SELECT user_group FROM users WHERE lower(username) = lower($1)")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else { return Ok(Err(IdentityError::NoSuchUser(username.to_owned()))) };
            if row.text("user_group")? == Group::Admin.as_str() {
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE user_group = 'admin' AND lower(username) <> lower($1)",
                )
                .bind(username)
                .fetch_one(&mut *tx)
                .await?;
                if others == 0 {
                    return Ok(Err(IdentityError::LastAdmin(username.to_owned())));
                }
            }
            let query = sqlx::query(sql).bind(username);
            let query = match value {
                Some(value) => query.bind(value).bind(&at),
                None => query,
            };
            query.execute(&mut *tx).await?;
            tx.commit().await.map(|()| Ok(()))
        }
        .await)
        .map_err(db_err)?
    }

    async fn end_sessions(&self, username: &str) -> Result<(), IdentityError> {
        let sql = "DELETE FROM refresh_tokens WHERE username = $1";
        on_db!(&self.db, |pool| sqlx::query(sql).bind(username).execute(pool).await.map(drop)).map_err(db_err)
    }
}

#[async_trait]
impl Identity for LocalIdentity {
    async fn login(&self, username: &str, password: &str) -> Result<(Session, User), IdentityError> {
        self.claim_attempt(username).await?;
        let found = self.find_user(username).await?;
        let hash = match &found {
            Some((_, hash)) => hash.clone(),
            None => self.dummy_hash.to_string(),
        };
        let valid = verify_password(password, &hash).await;
        let Some((user, _)) = found.filter(|_| valid) else {
            return Err(IdentityError::InvalidCredentials);
        };
        self.forget_failures(username).await?;
        Ok((self.open_session(&user.username).await?, user))
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Session, IdentityError> {
        // Rotation: the presented token is spent whether or not it is still valid.
        let sql = "DELETE FROM refresh_tokens WHERE token_hash = $1 RETURNING username, expires_at";
        let hash = token_hash(refresh_token);
        let (username, expires_at) = on_db!(&self.db, |pool| {
            let row = sqlx::query(sql).bind(&hash).fetch_optional(pool).await.map_err(db_err)?;
            let row = row.ok_or(IdentityError::InvalidToken("unknown refresh token"))?;
            (row.text("username").map_err(db_err)?, row.int("expires_at").map_err(db_err)?)
        });
        if expires_at.max(0) as u64 <= now() {
            return Err(IdentityError::InvalidToken("expired"));
        }
        self.open_session(&username).await
    }

    async fn logout(&self, username: &str, refresh_token: &str) -> Result<(), IdentityError> {
        let sql = "DELETE FROM refresh_tokens WHERE token_hash = $1 AND username = $2";
        let hash = token_hash(refresh_token);
        on_db!(&self.db, |pool| sqlx::query(sql).bind(&hash).bind(username).execute(pool).await.map(drop))
            .map_err(db_err)
    }

    async fn verify(&self, access_token: &str) -> Result<Principal, IdentityError> {
        let username = self.key.verify(access_token)?;
        // The group is read now, not from the token: a demotion or deletion takes
        // effect on the next request.
        let user = self.get_user(&username).await.map_err(|e| match e {
            IdentityError::NoSuchUser(_) => IdentityError::InvalidToken("the user no longer exists"),
            other => other,
        })?;
        Ok(Principal { group: user.group(), username: user.username })
    }

    async fn get_user(&self, username: &str) -> Result<User, IdentityError> {
        let found = self.find_user(username).await?;
        found.map(|(user, _)| user).ok_or_else(|| IdentityError::NoSuchUser(username.to_owned()))
    }

    async fn list_users(&self) -> Result<Vec<User>, IdentityError> {
        let sql = "SELECT * FROM users ORDER BY lower(username)";
        on_db!(&self.db, |pool| {
            let found = sqlx::query(sql).fetch_all(pool).await.map_err(db_err)?;
            found.iter().map(user_from_row).collect()
        })
    }

    async fn create_user(&self, user: NewUser) -> Result<User, IdentityError> {
        let hash = hash_password(&user.password).await?;
        let stamp = now().to_string();
        let sql = "INSERT INTO users (username, email, user_group, password_hash, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $5)";
        let result = on_db!(&self.db, |pool| {
            let query = sqlx::query(sql).bind(&user.username).bind(&user.email).bind(user.group.as_str());
            query.bind(&hash).bind(&stamp).execute(pool).await.map(drop)
        });
        match result {
            Ok(()) => self.get_user(&user.username).await,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(IdentityError::UserExists(user.username)),
            Err(e) => Err(db_err(e)),
        }
    }

    async fn set_group(&self, username: &str, group: Group) -> Result<User, IdentityError> {
        if group == Group::Admin {
            let sql = "UPDATE users SET user_group = $1, updated_at = $2 WHERE lower(username) = lower($3)";
            self.change_user(sql, group.as_str(), username).await?;
        } else {
            let sql = "UPDATE users SET user_group = $2, updated_at = $3 WHERE lower(username) = lower($1)";
            self.unless_last_admin(username, sql, Some(group.as_str())).await?;
        }
        self.get_user(username).await
    }

    async fn set_password(&self, username: &str, password: &str) -> Result<(), IdentityError> {
        let hash = hash_password(password).await?;
        let sql = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE lower(username) = lower($3)";
        self.change_user(sql, &hash, username).await?;
        let user = self.get_user(username).await?;
        self.end_sessions(&user.username).await
    }

    async fn delete_user(&self, username: &str) -> Result<(), IdentityError> {
        self.unless_last_admin(username, "DELETE FROM users WHERE lower(username) = lower($1)", None).await
    }
}
