//! Users and sessions in memory, with the local provider's rules: tokens name their user
//! and are honoured only as issued, a user's group is read at each check, signing out
//! ends the session, the last admin stays. Passwords are kept as given: this adapter is
//! for tests only. It passes the same suite (`backends::testing::identity`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use base64::Engine;
use mediaport_shared::{Group, User};

use crate::ports::identity::{Identity, IdentityError, NewUser, Principal, Session};

/// Seconds an access token is said to last.
const ACCESS_SECS: u64 = 900;

#[derive(Debug)]
struct Account {
    user: User,
    password: String,
}

#[derive(Debug, Default)]
struct Directory {
    accounts: BTreeMap<String, Account>,
    /// Access token → username.
    access: HashMap<String, String>,
    /// Refresh token → username.
    refresh: HashMap<String, String>,
}

#[derive(Debug, Default)]
pub struct MemoryIdentity {
    directory: Mutex<Directory>,
}

impl MemoryIdentity {
    fn with<T>(&self, f: impl FnOnce(&mut Directory) -> T) -> T {
        super::locked(&self.directory, f)
    }
}

/// A token shaped as a JWT, its claims naming the user; the last part is random, so
/// only a token as issued is found again.
fn token(username: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = serde_json::json!({ "username": username }).to_string();
    format!("{}.{}.{}", engine.encode(r#"{"alg":"none"}"#), engine.encode(claims), uuid::Uuid::new_v4().simple())
}

impl Directory {
    fn account(&mut self, username: &str) -> Result<&mut Account, IdentityError> {
        self.accounts.get_mut(username).ok_or_else(|| IdentityError::NoSuchUser(username.to_owned()))
    }

    fn session(&mut self, username: &str) -> Session {
        let (access_token, refresh_token) = (token(username), token(username));
        self.access.insert(access_token.clone(), username.to_owned());
        self.refresh.insert(refresh_token.clone(), username.to_owned());
        Session { access_token, refresh_token, expires_in: ACCESS_SECS }
    }

    /// Refuses to take away the last admin.
    fn unless_last_admin(&self, username: &str) -> Result<(), IdentityError> {
        let admins = self.accounts.values().filter(|a| a.user.group() == Group::Admin);
        let others = admins.filter(|a| a.user.username != username).count();
        let is_admin = self.accounts.get(username).is_some_and(|a| a.user.group() == Group::Admin);
        if is_admin && others == 0 { Err(IdentityError::LastAdmin(username.to_owned())) } else { Ok(()) }
    }
}

#[async_trait]
impl Identity for MemoryIdentity {
    async fn login(&self, username: &str, password: &str) -> Result<(Session, User), IdentityError> {
        self.with(|directory| {
            let account = directory.accounts.get(username).filter(|a| a.password == password);
            let user = account.ok_or(IdentityError::InvalidCredentials)?.user.clone();
            Ok((directory.session(username), user))
        })
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Session, IdentityError> {
        self.with(|directory| {
            let username = directory.refresh.get(refresh_token).cloned();
            let username = username.filter(|u| directory.accounts.contains_key(u));
            let username = username.ok_or(IdentityError::InvalidToken("unknown refresh token"))?;
            let mut session = directory.session(&username);
            // The refresh token stays the one the client holds.
            directory.refresh.remove(&session.refresh_token);
            session.refresh_token = refresh_token.to_owned();
            Ok(session)
        })
    }

    async fn logout(&self, username: &str, refresh_token: &str) -> Result<(), IdentityError> {
        self.with(|directory| {
            if directory.refresh.get(refresh_token).is_some_and(|u| u == username) {
                directory.refresh.remove(refresh_token);
            }
        });
        Ok(())
    }

    async fn verify(&self, access_token: &str) -> Result<Principal, IdentityError> {
        self.with(|directory| {
            let username = directory.access.get(access_token).cloned().ok_or(IdentityError::InvalidToken("unknown"))?;
            let account = directory.accounts.get(&username).ok_or(IdentityError::InvalidToken("user deleted"))?;
            Ok(Principal { username, group: account.user.group() })
        })
    }

    async fn get_user(&self, username: &str) -> Result<User, IdentityError> {
        self.with(|directory| directory.account(username).map(|a| a.user.clone()))
    }

    async fn list_users(&self) -> Result<Vec<User>, IdentityError> {
        Ok(self.with(|directory| directory.accounts.values().map(|a| a.user.clone()).collect()))
    }

    async fn create_user(&self, user: NewUser) -> Result<User, IdentityError> {
        self.with(|directory| {
            if directory.accounts.contains_key(&user.username) {
                return Err(IdentityError::UserExists(user.username));
            }
            let made = User { username: user.username.clone(), email: user.email, groups: vec![user.group] };
            directory.accounts.insert(user.username, Account { user: made.clone(), password: user.password });
            Ok(made)
        })
    }

    async fn set_group(&self, username: &str, group: Group) -> Result<User, IdentityError> {
        self.with(|directory| {
            directory.account(username)?;
            if group != Group::Admin {
                directory.unless_last_admin(username)?;
            }
            let account = directory.account(username)?;
            account.user.groups = vec![group];
            Ok(account.user.clone())
        })
    }

    async fn set_password(&self, username: &str, password: &str) -> Result<(), IdentityError> {
        self.with(|directory| {
            directory.account(username)?.password = password.to_owned();
            Ok(())
        })
    }

    async fn delete_user(&self, username: &str) -> Result<(), IdentityError> {
        self.with(|directory| {
            directory.account(username)?;
            directory.unless_last_admin(username)?;
            directory.accounts.remove(username);
            directory.access.retain(|_, u| u != username);
            directory.refresh.retain(|_, u| u != username);
            Ok(())
        })
    }
}
