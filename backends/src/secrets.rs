//! Database credentials kept in AWS Secrets Manager, as RDS keeps them when it manages
//! the master password (`{"username": …, "password": …}`). Reading them at start and
//! again every few minutes lets RDS rotate the password under running servers, workers
//! and functions: open connections stay, new ones use the new password.

use std::time::Duration;

use anyhow::{Context, bail};
use aws_config::BehaviorVersion;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::db::Db;

/// How often a rotated password is looked for.
const REFRESH_EVERY: Duration = Duration::from_secs(300);

/// Characters kept as they are in a URL's user and password; the rest are escaped.
const USERINFO: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DatabaseCredentials {
    pub username: String,
    pub password: String,
}

/// Reads the secret (its ARN or name) with the AWS default credential chain; the standard
/// `AWS_ENDPOINT_URL_SECRETS_MANAGER` points it at an emulator.
pub async fn database_credentials(secret_id: &str) -> anyhow::Result<DatabaseCredentials> {
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let answer = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(aws_sdk_secretsmanager::Error::from)
        .context("cannot read catalog.credentials_secret from Secrets Manager")?;
    let text = answer.secret_string().context("catalog.credentials_secret holds no text")?;
    // The secret's text is never shown: a parse error would quote it.
    serde_json::from_str(text)
        .map_err(|_| anyhow::anyhow!("catalog.credentials_secret is not JSON with \"username\" and \"password\""))
}

/// `postgres://HOST…` with the credentials written in, escaped.
pub fn with_credentials(url: &str, credentials: &DatabaseCredentials) -> anyhow::Result<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        bail!("catalog.url has no scheme");
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    if host.contains('@') {
        bail!("catalog.url must not hold a user or password when catalog.credentials_secret is set");
    }
    let user = utf8_percent_encode(&credentials.username, USERINFO);
    let password = utf8_percent_encode(&credentials.password, USERINFO);
    Ok(format!("{scheme}://{user}:{password}@{rest}"))
}

/// Opens the catalog at `url` with the secret's credentials, and keeps reading the secret
/// so that new connections follow a rotation.
pub async fn open_with_secret(url: &str, secret_id: &str, connections: u32) -> anyhow::Result<Db> {
    let mut current = database_credentials(secret_id).await?;
    let db = Db::open_sized(&with_credentials(url, &current)?, connections).await?;
    if let Db::Postgres(pool) = &db {
        let (pool, url, secret_id) = (pool.clone(), url.to_owned(), secret_id.to_owned());
        tokio::spawn(async move {
            while !pool.is_closed() {
                tokio::time::sleep(REFRESH_EVERY).await;
                match database_credentials(&secret_id).await {
                    Ok(fresh) if fresh != current => match with_credentials(&url, &fresh).and_then(|u| {
                        u.parse::<sqlx::postgres::PgConnectOptions>().context("catalog.url is not a PostgreSQL URL")
                    }) {
                        Ok(options) => {
                            pool.set_connect_options(options);
                            current = fresh;
                            tracing::info!("the catalog's password changed in Secrets Manager; new connections use it");
                        }
                        Err(err) => tracing::warn!("{err:#}"),
                    },
                    Ok(_) => {}
                    Err(err) => tracing::warn!("{err:#}; keeping the credentials read before"),
                }
            }
        });
    }
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_escaped_into_the_url() {
        let credentials = DatabaseCredentials { username: "media port".into(), password: "p@ss:w/rd?#%".into() };
        let url = with_credentials("postgres://db.internal:5432/mediaport?sslmode=require", &credentials).unwrap();
        assert_eq!(url, "postgres://media%20port:p%40ss%3Aw%2Frd%3F%23%25@db.internal:5432/mediaport?sslmode=require");
        let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
        assert_eq!(options.get_username(), "media port");
        assert_eq!(options.get_host(), "db.internal");
    }

    #[test]
    fn a_url_with_its_own_user_is_refused() {
        let credentials = DatabaseCredentials { username: "a".into(), password: "b".into() };
        let err = with_credentials("postgres://me:secret@db/mediaport", &credentials).unwrap_err();
        assert!(err.to_string().contains("must not hold a user"), "{err}");
    }
}
