//! Amazon Cognito user pools: sign-in with USER_PASSWORD_AUTH, users and groups through
//! the admin APIs, access tokens verified against the pool's published keys (JWKS).

use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, MessageActionType, UserType};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mediaport_core::{Identity, IdentityError, NewUser, Principal, Session};
use mediaport_shared::{Group, User};
use serde::Deserialize;
use tokio::sync::RwLock;

/// Where the user pool is and how to reach it.
#[derive(Debug, Clone)]
pub struct CognitoConfig {
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
    /// Cognito API endpoint; `None` is AWS's.
    pub endpoint: Option<String>,
    /// `None`: `<issuer>/.well-known/jwks.json`.
    pub jwks_url: Option<String>,
    /// `None`: `https://cognito-idp.<region>.amazonaws.com/<pool>`.
    pub issuer: Option<String>,
    /// Static credentials for the admin APIs; `None` uses the AWS default chain.
    pub credentials: Option<(String, String)>,
    /// Whether a pool user in none of Mediaport's groups may read (as a viewer); by
    /// default they get no access.
    pub ungrouped_can_view: bool,
}

impl CognitoConfig {
    fn issuer(&self) -> String {
        self.issuer
            .clone()
            .unwrap_or_else(|| format!("https://cognito-idp.{}.amazonaws.com/{}", self.region, self.user_pool_id))
    }

    fn jwks_url(&self) -> String {
        self.jwks_url.clone().unwrap_or_else(|| format!("{}/.well-known/jwks.json", self.issuer()))
    }
}

/// Keys are fetched again for an unknown `kid`, but not more often than this.
const JWKS_REFETCH: Duration = Duration::from_secs(60);

pub struct CognitoIdentity {
    client: Client,
    config: CognitoConfig,
    http: reqwest::Client,
    keys: RwLock<Option<(Instant, JwkSet)>>,
}

#[derive(Debug, Deserialize)]
struct AccessClaims {
    username: String,
    token_use: String,
    client_id: String,
}

fn sdk_err<E: ProvideErrorMetadata + std::fmt::Debug>(err: &SdkError<E>) -> IdentityError {
    match err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => IdentityError::Unavailable(format!("{err:?}")),
        _ => match err.code() {
            Some("UserNotFoundException") => IdentityError::NoSuchUser(String::new()),
            Some("UsernameExistsException") => IdentityError::UserExists(String::new()),
            Some("InvalidPasswordException") => {
                IdentityError::WeakPassword(err.message().unwrap_or("the password does not meet the policy").into())
            }
            Some("TooManyRequestsException" | "LimitExceededException") => {
                IdentityError::TooManyAttempts { retry_after_secs: 30 }
            }
            _ => IdentityError::Other(format!("{:?}: {:?}", err.code(), err.message())),
        },
    }
}

/// Fills in the user name that Cognito's errors leave out.
fn for_user(err: IdentityError, username: &str) -> IdentityError {
    match err {
        IdentityError::NoSuchUser(_) => IdentityError::NoSuchUser(username.to_owned()),
        IdentityError::UserExists(_) => IdentityError::UserExists(username.to_owned()),
        other => other,
    }
}

fn email_of(attributes: &[AttributeType]) -> String {
    attributes.iter().find(|a| a.name() == "email").and_then(|a| a.value()).unwrap_or_default().to_owned()
}

impl CognitoIdentity {
    pub async fn connect(config: CognitoConfig) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(config.region.clone()));
        if let Some((access, secret)) = &config.credentials {
            loader = loader.credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new(
                access,
                secret,
                None,
                None,
                "mediaport-settings",
            ));
        }
        let shared = loader.load().await;
        let mut builder = aws_sdk_cognitoidentityprovider::config::Builder::from(&shared);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Self {
            client: Client::from_conf(builder.build()),
            config,
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default(),
            keys: RwLock::new(None),
        }
    }

    /// Creates the admin, creator and viewer groups when the pool lacks them.
    pub async fn ensure_groups(&self) -> Result<(), IdentityError> {
        for (precedence, group) in Group::ALL.iter().rev().enumerate() {
            let created = self
                .client
                .create_group()
                .user_pool_id(&self.config.user_pool_id)
                .group_name(group.as_str())
                .description(format!("Mediaport {}", group.as_str()))
                .precedence(precedence as i32)
                .send()
                .await;
            match created {
                Ok(_) => {}
                Err(err) if err.code() == Some("GroupExistsException") => {}
                Err(err) => return Err(sdk_err(&err)),
            }
        }
        Ok(())
    }

    /// The Mediaport group a pool user acts in: their highest, or for a user in none,
    /// viewer if the settings allow it and no access otherwise.
    fn group_of(&self, username: &str, groups: &[Group]) -> Result<Group, IdentityError> {
        match groups.iter().max() {
            Some(group) => Ok(*group),
            None if self.config.ungrouped_can_view => Ok(Group::Viewer),
            None => Err(IdentityError::NoGroup(username.to_owned())),
        }
    }

    async fn groups_of(&self, username: &str) -> Result<Vec<Group>, IdentityError> {
        let out = self
            .client
            .admin_list_groups_for_user()
            .user_pool_id(&self.config.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| for_user(sdk_err(&e), username))?;
        Ok(out.groups().iter().filter_map(|g| g.group_name().and_then(Group::parse)).collect())
    }

    async fn key_for(&self, kid: &str) -> Result<DecodingKey, IdentityError> {
        let find = |set: &JwkSet| set.find(kid).map(DecodingKey::from_jwk);
        {
            let keys = self.keys.read().await;
            if let Some((fetched, set)) = keys.as_ref() {
                if let Some(key) = find(set) {
                    return key.map_err(|_| IdentityError::InvalidToken("unusable key"));
                }
                if fetched.elapsed() < JWKS_REFETCH {
                    return Err(IdentityError::InvalidToken("unknown key"));
                }
            }
        }
        let set: JwkSet = self
            .http
            .get(self.config.jwks_url())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| IdentityError::Unavailable(format!("cannot fetch the pool's keys: {e}")))?
            .json()
            .await
            .map_err(|e| IdentityError::Unavailable(format!("the pool's keys are not a JWKS: {e}")))?;
        let key = find(&set);
        *self.keys.write().await = Some((Instant::now(), set));
        key.ok_or(IdentityError::InvalidToken("unknown key"))?.map_err(|_| IdentityError::InvalidToken("unusable key"))
    }

    async fn user_of(&self, user: &UserType) -> Result<User, IdentityError> {
        let username = user.username().unwrap_or_default().to_owned();
        let mut groups = self.groups_of(&username).await?;
        groups.sort_unstable();
        Ok(User { email: email_of(user.attributes()), groups, username })
    }
}

#[async_trait]
impl Identity for CognitoIdentity {
    async fn login(&self, username: &str, password: &str) -> Result<(Session, User), IdentityError> {
        let out = self
            .client
            .initiate_auth()
            .client_id(&self.config.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map_err(|err| match err.code() {
                // The same answer for both, as the local provider gives.
                Some("NotAuthorizedException" | "UserNotFoundException") => IdentityError::InvalidCredentials,
                _ => sdk_err(&err),
            })?;
        let Some(result) = out.authentication_result() else {
            return Err(IdentityError::InvalidInput(format!(
                "this account must complete a sign-in challenge ({:?}) first",
                out.challenge_name()
            )));
        };
        let session = Session {
            access_token: result.access_token().unwrap_or_default().to_owned(),
            refresh_token: result.refresh_token().unwrap_or_default().to_owned(),
            expires_in: result.expires_in().max(0) as u64,
        };
        let user = self.get_user(username).await?;
        self.group_of(&user.username, &user.groups)?;
        Ok((session, user))
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Session, IdentityError> {
        let out = self
            .client
            .initiate_auth()
            .client_id(&self.config.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token)
            .send()
            .await
            .map_err(|err| match err.code() {
                Some("NotAuthorizedException") => IdentityError::InvalidToken("refresh token refused"),
                _ => sdk_err(&err),
            })?;
        let result = out.authentication_result().ok_or(IdentityError::InvalidToken("refresh token refused"))?;
        Ok(Session {
            access_token: result.access_token().unwrap_or_default().to_owned(),
            // Cognito keeps the refresh token unless rotation is enabled on the client.
            refresh_token: result.refresh_token().unwrap_or(refresh_token).to_owned(),
            expires_in: result.expires_in().max(0) as u64,
        })
    }

    async fn logout(&self, username: &str, refresh_token: &str) -> Result<(), IdentityError> {
        let revoked = self.client.revoke_token().client_id(&self.config.client_id).token(refresh_token).send().await;
        if revoked.is_ok() {
            return Ok(());
        }
        // Pools or emulators without token revocation: end every session of the user.
        self.client
            .admin_user_global_sign_out()
            .user_pool_id(&self.config.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| for_user(sdk_err(&e), username))?;
        Ok(())
    }

    async fn verify(&self, access_token: &str) -> Result<Principal, IdentityError> {
        let header = jsonwebtoken::decode_header(access_token).map_err(|_| IdentityError::InvalidToken("malformed"))?;
        if header.alg != Algorithm::RS256 {
            return Err(IdentityError::InvalidToken("wrong algorithm"));
        }
        let kid = header.kid.ok_or(IdentityError::InvalidToken("no key id"))?;
        let key = self.key_for(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[self.config.issuer()]);
        // Access tokens carry `client_id`, not `aud`: checked below.
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.leeway = 5;
        let claims = jsonwebtoken::decode::<AccessClaims>(access_token, &key, &validation)
            .map_err(|e| {
                IdentityError::InvalidToken(match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => "expired",
                    jsonwebtoken::errors::ErrorKind::InvalidIssuer => "wrong issuer",
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => "bad signature",
                    _ => "malformed",
                })
            })?
            .claims;
        if claims.token_use != "access" {
            return Err(IdentityError::InvalidToken("not an access token"));
        }
        if claims.client_id != self.config.client_id {
            return Err(IdentityError::InvalidToken("issued to another client"));
        }
        // The groups the user is in now, not when the token was issued: a demoted or
        // deleted user loses access on the next request, as with local users.
        let groups = self.groups_of(&claims.username).await.map_err(|e| match e {
            IdentityError::NoSuchUser(_) => IdentityError::InvalidToken("the user no longer exists"),
            other => other,
        })?;
        let group = self.group_of(&claims.username, &groups)?;
        Ok(Principal { username: claims.username, group })
    }

    async fn get_user(&self, username: &str) -> Result<User, IdentityError> {
        let out = self
            .client
            .admin_get_user()
            .user_pool_id(&self.config.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| for_user(sdk_err(&e), username))?;
        let mut groups = self.groups_of(username).await?;
        groups.sort_unstable();
        Ok(User { username: out.username().to_owned(), email: email_of(out.user_attributes()), groups })
    }

    async fn list_users(&self) -> Result<Vec<User>, IdentityError> {
        let mut pages = self.client.list_users().user_pool_id(&self.config.user_pool_id).into_paginator().send();
        let mut users = Vec::new();
        while let Some(page) = pages.next().await {
            for user in page.map_err(|e| sdk_err(&e))?.users() {
                users.push(self.user_of(user).await?);
            }
        }
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(users)
    }

    async fn create_user(&self, user: NewUser) -> Result<User, IdentityError> {
        let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
        let email = attribute("email", &user.email).map_err(|e| IdentityError::Other(e.to_string()))?;
        let verified = attribute("email_verified", "true").map_err(|e| IdentityError::Other(e.to_string()))?;
        self.client
            .admin_create_user()
            .user_pool_id(&self.config.user_pool_id)
            .username(&user.username)
            .temporary_password(&user.password)
            .message_action(MessageActionType::Suppress)
            .user_attributes(email)
            .user_attributes(verified)
            .send()
            .await
            .map_err(|e| for_user(sdk_err(&e), &user.username))?;
        // The password was chosen by an admin (or generated and shown once): make it the
        // real one, as the local provider does, instead of forcing a change at first sign-in.
        self.set_password(&user.username, &user.password).await?;
        self.set_group(&user.username, user.group).await
    }

    async fn set_group(&self, username: &str, group: Group) -> Result<User, IdentityError> {
        for old in self.groups_of(username).await? {
            if old != group {
                self.client
                    .admin_remove_user_from_group()
                    .user_pool_id(&self.config.user_pool_id)
                    .username(username)
                    .group_name(old.as_str())
                    .send()
                    .await
                    .map_err(|e| for_user(sdk_err(&e), username))?;
            }
        }
        self.client
            .admin_add_user_to_group()
            .user_pool_id(&self.config.user_pool_id)
            .username(username)
            .group_name(group.as_str())
            .send()
            .await
            .map_err(|e| for_user(sdk_err(&e), username))?;
        self.get_user(username).await
    }

    async fn set_password(&self, username: &str, password: &str) -> Result<(), IdentityError> {
        self.client
            .admin_set_user_password()
            .user_pool_id(&self.config.user_pool_id)
            .username(username)
            .password(password)
            .permanent(true)
            .send()
            .await
            .map_err(|e| for_user(sdk_err(&e), username))?;
        Ok(())
    }

    async fn delete_user(&self, username: &str) -> Result<(), IdentityError> {
        self.client
            .admin_delete_user()
            .user_pool_id(&self.config.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| for_user(sdk_err(&e), username))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ungrouped_can_view: bool) -> CognitoConfig {
        CognitoConfig {
            region: "eu-west-1".into(),
            user_pool_id: "eu-west-1_pool".into(),
            client_id: "client".into(),
            endpoint: Some("http://127.0.0.1:9".into()),
            jwks_url: None,
            issuer: None,
            credentials: Some(("test".into(), "test".into())),
            ungrouped_can_view,
        }
    }

    #[tokio::test]
    async fn a_pool_user_in_none_of_the_groups_gets_no_access_unless_the_settings_allow_reading() {
        let strict = CognitoIdentity::connect(config(false)).await;
        assert!(matches!(strict.group_of("ned", &[]), Err(IdentityError::NoGroup(_))));
        assert_eq!(strict.group_of("ned", &[Group::Viewer, Group::Creator]).unwrap(), Group::Creator);
        let open = CognitoIdentity::connect(config(true)).await;
        assert_eq!(open.group_of("ned", &[]).unwrap(), Group::Viewer);
    }
}
