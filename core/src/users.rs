//! User management rules that hold whichever identity provider is behind the port.

use mediaport_shared::{Group, User};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

use crate::ports::identity::{Identity, IdentityError, NewUser};

/// The longest password any account can have.
const MAX_PASSWORD_BYTES: usize = 256;

const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";

/// Cognito's default policy: at least 8 characters with an upper-case letter, a
/// lower-case letter, a digit and a symbol.
pub fn check_password(password: &str) -> Result<(), IdentityError> {
    let mut missing = Vec::new();
    if password.chars().count() < 8 {
        missing.push("at least 8 characters");
    }
    if !password.chars().any(|c| c.is_uppercase()) {
        missing.push("an upper-case letter");
    }
    if !password.chars().any(|c| c.is_lowercase()) {
        missing.push("a lower-case letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        missing.push("a digit");
    }
    if !password.chars().any(|c| SYMBOLS.contains(c) || c == ' ') {
        missing.push("a symbol");
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(IdentityError::WeakPassword("the password must be at most 256 characters".into()));
    }
    match missing.as_slice() {
        [] => Ok(()),
        _ => Err(IdentityError::WeakPassword(format!("the password needs {}", missing.join(", ")))),
    }
}

/// Usernames: 1 to 64 of letters, digits and `.`, `_`, `-`, `@`, starting with a letter or digit.
pub fn check_username(username: &str) -> Result<(), IdentityError> {
    let ok = (1..=64).contains(&username.len())
        && username.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(IdentityError::InvalidInput(
            "a username is 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit".into(),
        ))
    }
}

fn check_email(email: &str) -> Result<(), IdentityError> {
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if ok { Ok(()) } else { Err(IdentityError::InvalidInput(format!("{email:?} is not an email address"))) }
}

/// Whether a sign-in could be someone's at all: a name no account can have, or a password
/// longer than any can be, is refused before anything is counted, stored or hashed.
pub fn could_sign_in(username: &str, password: &str) -> bool {
    check_username(username).is_ok() && password.len() <= MAX_PASSWORD_BYTES
}

/// A random password that passes [`check_password`], for invitations and the first admin.
pub fn generate_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const SYMBOLS: &[u8] = b"-_.!#%+=";
    let mut rng = rand::rng();
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, SYMBOLS].concat();
    // One of each class guarantees the policy; the rest is drawn from all of them.
    let mut chars: Vec<u8> =
        [LOWER, UPPER, DIGITS, SYMBOLS].iter().map(|set| *set.choose(&mut rng).unwrap_or(&b'x')).collect();
    chars.extend((0..16).map(|_| all[rng.random_range(0..all.len())]));
    chars.shuffle(&mut rng);
    String::from_utf8(chars).unwrap_or_default()
}

/// Creates a user after checking name, email and password; without a password one is
/// generated and returned.
pub async fn create_user(
    identity: &dyn Identity,
    username: &str,
    email: &str,
    group: Group,
    password: Option<&str>,
) -> Result<(User, Option<String>), IdentityError> {
    check_username(username)?;
    check_email(email)?;
    let (password, generated) = match password {
        Some(p) => (p.to_owned(), None),
        None => {
            let p = generate_password();
            (p.clone(), Some(p))
        }
    };
    check_password(&password)?;
    let user = identity
        .create_user(NewUser { username: username.to_owned(), email: email.to_owned(), group, password })
        .await?;
    Ok((user, generated))
}

/// Changes a user's group, refusing to demote the last admin.
pub async fn set_group(identity: &dyn Identity, username: &str, group: Group) -> Result<User, IdentityError> {
    let user = identity.get_user(username).await?;
    if user.group() == Group::Admin && group != Group::Admin {
        ensure_another_admin(identity, username).await?;
    }
    identity.set_group(username, group).await
}

/// Deletes a user, refusing to delete the last admin.
pub async fn delete_user(identity: &dyn Identity, username: &str) -> Result<(), IdentityError> {
    let user = identity.get_user(username).await?;
    if user.group() == Group::Admin {
        ensure_another_admin(identity, username).await?;
    }
    identity.delete_user(username).await
}

/// Sets a password after checking it against the policy.
pub async fn set_password(identity: &dyn Identity, username: &str, password: &str) -> Result<(), IdentityError> {
    check_password(password)?;
    identity.set_password(username, password).await
}

async fn ensure_another_admin(identity: &dyn Identity, username: &str) -> Result<(), IdentityError> {
    let admins = identity.list_users().await?.into_iter().filter(|u| u.group() == Group::Admin).count();
    if admins <= 1 { Err(IdentityError::LastAdmin(username.to_owned())) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServiceError;

    #[test]
    fn the_policy_names_what_is_missing() {
        assert!(check_password("Tr0ub4dor&3").is_ok());
        let err = check_password("password").unwrap_err().to_string();
        assert!(err.contains("upper-case") && err.contains("digit") && err.contains("symbol"), "{err}");
        assert!(!err.contains("8 characters"), "{err}");
        assert!(check_password("Sh0rt!").unwrap_err().to_string().contains("8 characters"));
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate_password();
        let b = generate_password();
        assert_ne!(a, b);
        for p in [a, b] {
            check_password(&p).unwrap();
            assert_eq!(p.len(), 20);
        }
    }

    #[test]
    fn usernames_and_emails_are_checked() {
        assert!(check_username("ada.lovelace").is_ok());
        assert!(check_username("").is_err());
        assert!(check_username("-x").is_err());
        assert!(check_username("a b").is_err());
        assert!(check_email("ada@example.org").is_ok());
        assert!(check_email("ada").is_err());
    }

    #[tokio::test]
    async fn a_new_user_is_checked_first_and_a_generated_password_signs_in() {
        let identity = crate::memory::MemoryIdentity::default();
        let refused = [
            create_user(&identity, "a b", "ab@example.org", Group::Viewer, None).await,
            create_user(&identity, "ab", "ab", Group::Viewer, None).await,
            create_user(&identity, "ab", "ab@example.org", Group::Viewer, Some("password")).await,
        ];
        let codes: Vec<&str> = refused.iter().map(|r| r.as_ref().unwrap_err().code()).collect();
        assert_eq!(codes, ["invalid-input", "invalid-input", "weak-password"]);
        assert!(identity.list_users().await.unwrap().is_empty(), "nothing stored for a refused user");

        let (user, password) = create_user(&identity, "ada", "ada@example.org", Group::Admin, None).await.unwrap();
        assert_eq!(user.group(), Group::Admin);
        identity.login("ada", &password.expect("generated")).await.unwrap();
        assert!(set_password(&identity, "ada", "short").await.is_err());
    }

    #[tokio::test]
    async fn the_last_admin_can_be_neither_demoted_nor_deleted() {
        let identity = crate::memory::MemoryIdentity::default();
        create_user(&identity, "ada", "ada@example.org", Group::Admin, Some("Corr3ct-Horse!")).await.unwrap();
        create_user(&identity, "bob", "bob@example.org", Group::Viewer, Some("Corr3ct-Horse!")).await.unwrap();
        let demoted = set_group(&identity, "ada", Group::Creator).await.unwrap_err();
        assert_eq!((demoted.code(), demoted.kind()), ("last-admin", crate::error::ErrorKind::Conflict));
        assert_eq!(delete_user(&identity, "ada").await.unwrap_err().code(), "last-admin");
        assert_eq!(identity.get_user("ada").await.unwrap().group(), Group::Admin);

        // With another admin, either may go.
        set_group(&identity, "bob", Group::Admin).await.unwrap();
        delete_user(&identity, "ada").await.unwrap();
        assert_eq!(delete_user(&identity, "ada").await.unwrap_err().code(), "not-found");
        assert_eq!(set_group(&identity, "bob", Group::Viewer).await.unwrap_err().code(), "last-admin");
    }
}
