//! Local users in the catalog database: argon2id password hashes, signed access tokens,
//! rotating refresh tokens, and growing delays after failed sign-ins.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use async_trait::async_trait;
use base64::Engine;
use mediaport_core::{Identity, IdentityError, NewUser, Principal, Session};
use mediaport_shared::{Group, User};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{Row, SqlitePool};

use super::tokens::SigningKey;

const REFRESH_TTL_SECS: u64 = 30 * 24 * 3600;
/// Failures allowed before delays start; each further failure doubles the wait.
const FREE_FAILURES: i64 = 3;
const MAX_DELAY_SECS: u64 = 15 * 60;

/// The local identity provider, sharing the catalog's SQLite database.
#[derive(Clone)]
pub struct LocalIdentity {
    pool: SqlitePool,
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

/// Hashing is deliberately slow: it runs on the blocking pool, not the async runtime.
async fn hash_password(password: &str) -> Result<String, IdentityError> {
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

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<User, IdentityError> {
    let group: String = row.try_get("user_group").map_err(db_err)?;
    Ok(User {
        username: row.try_get("username").map_err(db_err)?,
        email: row.try_get("email").map_err(db_err)?,
        groups: vec![Group::parse(&group).ok_or_else(|| IdentityError::Other(format!("unknown group {group}")))?],
    })
}

impl LocalIdentity {
    /// How long access tokens live (15 minutes unless set); refresh tokens last 30 days.
    pub fn with_access_ttl(mut self, secs: u64) -> Self {
        self.access_ttl_secs = secs;
        self
    }

    pub async fn new(pool: SqlitePool, key: SigningKey) -> Result<Self, IdentityError> {
        let dummy_hash = Arc::new(hash_password("not-a-real-password").await?);
        Ok(Self { pool, key, dummy_hash, access_ttl_secs: 15 * 60 })
    }

    /// Whether any user exists (the first start creates an admin when none does).
    pub async fn is_empty(&self) -> Result<bool, IdentityError> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await.map_err(db_err)?;
        Ok(count == 0)
    }

    /// Seconds the caller must still wait before trying `username` again.
    async fn wait_left(&self, username: &str) -> Result<u64, IdentityError> {
        let row = sqlx::query("SELECT failures, last_failure_at FROM login_failures WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(0) };
        let failures: i64 = row.get("failures");
        let last: i64 = row.get("last_failure_at");
        if failures < FREE_FAILURES {
            return Ok(0);
        }
        let delay = 1u64.checked_shl((failures - FREE_FAILURES) as u32).unwrap_or(u64::MAX).min(MAX_DELAY_SECS);
        Ok((last.max(0) as u64 + delay).saturating_sub(now()))
    }

    async fn record_failure(&self, username: &str) -> Result<(), IdentityError> {
        sqlx::query(
            "INSERT INTO login_failures (username, failures, last_failure_at) VALUES (?1, 1, ?2) \
             ON CONFLICT (username) DO UPDATE SET failures = failures + 1, last_failure_at = ?2",
        )
        .bind(username)
        .bind(now() as i64)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn open_session(&self, username: &str) -> Result<Session, IdentityError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let refresh_token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        sqlx::query("INSERT INTO refresh_tokens (token_hash, username, expires_at, created_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash(&refresh_token))
            .bind(username)
            .bind((now() + REFRESH_TTL_SECS) as i64)
            .bind(now().to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        let access_token = self.key.sign(username, now(), self.access_ttl_secs)?;
        Ok(Session { access_token, refresh_token, expires_in: self.access_ttl_secs })
    }

    async fn end_sessions(&self, username: &str) -> Result<(), IdentityError> {
        sqlx::query("DELETE FROM refresh_tokens WHERE username = ?")
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl Identity for LocalIdentity {
    async fn login(&self, username: &str, password: &str) -> Result<(Session, User), IdentityError> {
        let wait = self.wait_left(username).await?;
        if wait > 0 {
            return Err(IdentityError::TooManyAttempts { retry_after_secs: wait });
        }
        let row = sqlx::query("SELECT * FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let hash = match &row {
            Some(row) => row.try_get::<String, _>("password_hash").map_err(db_err)?,
            None => self.dummy_hash.to_string(),
        };
        let valid = verify_password(password, &hash).await;
        let Some(row) = row.filter(|_| valid) else {
            self.record_failure(username).await?;
            return Err(IdentityError::InvalidCredentials);
        };
        let user = user_from_row(&row)?;
        sqlx::query("DELETE FROM login_failures WHERE username = ?")
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok((self.open_session(&user.username).await?, user))
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Session, IdentityError> {
        // Rotation: the presented token is spent whether or not it is still valid.
        let row = sqlx::query("DELETE FROM refresh_tokens WHERE token_hash = ? RETURNING username, expires_at")
            .bind(token_hash(refresh_token))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(IdentityError::InvalidToken("unknown refresh token"))?;
        let expires_at: i64 = row.get("expires_at");
        if expires_at.max(0) as u64 <= now() {
            return Err(IdentityError::InvalidToken("expired"));
        }
        let username: String = row.get("username");
        self.open_session(&username).await
    }

    async fn logout(&self, username: &str, refresh_token: &str) -> Result<(), IdentityError> {
        sqlx::query("DELETE FROM refresh_tokens WHERE token_hash = ? AND username = ?")
            .bind(token_hash(refresh_token))
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
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
        let row = sqlx::query("SELECT * FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(|| IdentityError::NoSuchUser(username.to_owned()))?;
        user_from_row(&row)
    }

    async fn list_users(&self) -> Result<Vec<User>, IdentityError> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY username").fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn create_user(&self, user: NewUser) -> Result<User, IdentityError> {
        let hash = hash_password(&user.password).await?;
        let stamp = now().to_string();
        let result = sqlx::query(
            "INSERT INTO users (username, email, user_group, password_hash, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.username)
        .bind(&user.email)
        .bind(user.group.as_str())
        .bind(hash)
        .bind(&stamp)
        .bind(&stamp)
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => self.get_user(&user.username).await,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(IdentityError::UserExists(user.username)),
            Err(e) => Err(db_err(e)),
        }
    }

    async fn set_group(&self, username: &str, group: Group) -> Result<User, IdentityError> {
        let done = sqlx::query("UPDATE users SET user_group = ?, updated_at = ? WHERE username = ?")
            .bind(group.as_str())
            .bind(now().to_string())
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(IdentityError::NoSuchUser(username.to_owned()));
        }
        self.get_user(username).await
    }

    async fn set_password(&self, username: &str, password: &str) -> Result<(), IdentityError> {
        let hash = hash_password(password).await?;
        let done = sqlx::query("UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?")
            .bind(hash)
            .bind(now().to_string())
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(IdentityError::NoSuchUser(username.to_owned()));
        }
        self.end_sessions(username).await
    }

    async fn delete_user(&self, username: &str) -> Result<(), IdentityError> {
        let done = sqlx::query("DELETE FROM users WHERE username = ?")
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(IdentityError::NoSuchUser(username.to_owned()));
        }
        Ok(())
    }
}
