//! The identity port's suite: sign-in, tokens, users and groups, for local users and
//! Cognito alike.

use base64::Engine;
use mediaport_core::{Identity, IdentityError, users};
use mediaport_shared::Group;

/// The password the suite gives the users it makes.
pub const PASSWORD: &str = "Corr3ct-Horse!";

/// The same token with its claims edited and the old signature kept.
fn tampered(token: &str, from: &str, to: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let claims = String::from_utf8(engine.decode(parts[1]).unwrap()).unwrap().replace(from, to);
    format!("{}.{}.{}", parts[0], engine.encode(claims), parts[2])
}

pub async fn suite(identity: &dyn Identity) {
    users::create_user(identity, "ada", "ada@example.org", Group::Creator, Some(PASSWORD)).await.unwrap();
    users::create_user(identity, "bob", "bob@example.org", Group::Viewer, Some(PASSWORD)).await.unwrap();
    let duplicate = users::create_user(identity, "ada", "a2@example.org", Group::Viewer, Some(PASSWORD)).await;
    assert!(matches!(duplicate, Err(IdentityError::UserExists(ref name)) if name == "ada"), "{duplicate:?}");

    let (session, user) = identity.login("ada", PASSWORD).await.unwrap();
    assert_eq!(user.username, "ada");
    assert_eq!(user.email, "ada@example.org");
    assert_eq!(user.groups, [Group::Creator]);
    assert!(session.expires_in > 0);
    let principal = identity.verify(&session.access_token).await.unwrap();
    assert_eq!((principal.username.as_str(), principal.group), ("ada", Group::Creator));

    for (name, password) in [("ada", "Wr0ng-password!"), ("nobody", PASSWORD)] {
        let err = identity.login(name, password).await.unwrap_err();
        assert!(matches!(err, IdentityError::InvalidCredentials), "{name}: {err:?}");
    }
    let forged = tampered(&session.access_token, "\"ada\"", "\"bob\"");
    assert!(matches!(identity.verify(&forged).await, Err(IdentityError::InvalidToken(_))));
    assert!(matches!(identity.verify("not.a.token").await, Err(IdentityError::InvalidToken(_))));

    let listed: Vec<_> = identity.list_users().await.unwrap().into_iter().map(|u| (u.username, u.groups)).collect();
    assert_eq!(listed, [("ada".to_owned(), vec![Group::Creator]), ("bob".to_owned(), vec![Group::Viewer])]);

    let promoted = identity.set_group("bob", Group::Admin).await.unwrap();
    assert_eq!(promoted.groups, [Group::Admin]);
    let (bob, _) = identity.login("bob", PASSWORD).await.unwrap();
    assert_eq!(identity.verify(&bob.access_token).await.unwrap().group, Group::Admin);

    let renewed = identity.refresh(&session.refresh_token).await.unwrap();
    assert_eq!(identity.verify(&renewed.access_token).await.unwrap().username, "ada");
    identity.logout("ada", &renewed.refresh_token).await.unwrap();
    assert!(matches!(identity.refresh(&renewed.refresh_token).await, Err(IdentityError::InvalidToken(_))));

    users::set_password(identity, "ada", "N3w-secret-pass").await.unwrap();
    assert!(matches!(identity.login("ada", PASSWORD).await, Err(IdentityError::InvalidCredentials)));
    identity.login("ada", "N3w-secret-pass").await.unwrap();

    // Another admin first: the local provider refuses to remove the last one.
    identity.set_group("ada", Group::Admin).await.unwrap();
    identity.delete_user("bob").await.unwrap();
    assert!(matches!(identity.get_user("bob").await, Err(IdentityError::NoSuchUser(ref n)) if n == "bob"));
    assert!(matches!(identity.login("bob", PASSWORD).await, Err(IdentityError::InvalidCredentials)));
}
