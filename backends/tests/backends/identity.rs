//! The identity port's suite, run against the local provider and against Amazon Cognito
//! as emulated by moto (`moto_server`, PyPI `moto[server]`): an emulator, not AWS.

use mediaport_backends::catalog::SqlCatalog;
use mediaport_backends::db::Db;
use mediaport_backends::identity::{CognitoIdentity, LocalIdentity, SigningKey};
use mediaport_backends::testing;
use mediaport_backends::testing::{MotoCognito, Postgres};
use mediaport_core::{Identity, IdentityError, users};
use mediaport_shared::Group;

use mediaport_backends::testing::identity::PASSWORD;

#[tokio::test]
async fn the_in_memory_identity_passes_the_suite() {
    testing::identity::suite(&mediaport_core::memory::MemoryIdentity::default()).await;
}

#[tokio::test]
async fn local_identity_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await.unwrap();
    let identity = LocalIdentity::new(catalog.db().clone(), SigningKey::from_secret(&[3; 32]).unwrap()).await.unwrap();
    testing::identity::suite(&identity).await;
}

/// Twenty guesses sent at once: only the free ones are checked, the rest are told to wait.
async fn parallel_guesses_are_throttled(identity: &LocalIdentity) {
    users::create_user(identity, "eve", "eve@example.org", Group::Viewer, Some(PASSWORD)).await.unwrap();
    let guesses = (0..20).map(|i| identity.login("eve", if i == 19 { PASSWORD } else { "guess-Password-1" }));
    let answers = futures::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| !matches!(a, Err(IdentityError::TooManyAttempts { .. }))).count();
    assert!((1..=4).contains(&checked), "{answers:?}");
}

#[tokio::test]
async fn local_identity_counts_parallel_guesses() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await.unwrap();
    let identity = LocalIdentity::new(catalog.db().clone(), SigningKey::from_secret(&[3; 32]).unwrap()).await.unwrap();
    parallel_guesses_are_throttled(&identity).await;
    let server = Postgres::start().await.unwrap();
    let catalog = SqlCatalog::new(Db::open(&server.url).await.unwrap()).await.unwrap();
    let identity = LocalIdentity::new(catalog.db().clone(), SigningKey::from_secret(&[3; 32]).unwrap()).await.unwrap();
    parallel_guesses_are_throttled(&identity).await;
}

/// Two admins demote each other, or delete each other, at the same moment, again and
/// again: one admin is always left.
async fn admins_removing_each_other_leave_one(identity: &LocalIdentity) {
    for name in ["ann", "bob"] {
        users::create_user(identity, name, "a@example.org", Group::Admin, Some(PASSWORD)).await.unwrap();
    }
    let admins =
        || async { identity.list_users().await.unwrap().into_iter().filter(|u| u.group() == Group::Admin).count() };
    for round in 0..10 {
        let (a, b) = if round % 2 == 0 {
            let (a, b) =
                tokio::join!(identity.set_group("ann", Group::Viewer), identity.set_group("bob", Group::Creator));
            (a.map(drop), b.map(drop))
        } else {
            tokio::join!(identity.delete_user("ann"), identity.delete_user("bob"))
        };
        assert_eq!(admins().await, 1, "round {round}: {a:?} {b:?}");
        let refused = [&a, &b].iter().filter(|r| matches!(r, Err(IdentityError::LastAdmin(_)))).count();
        assert_eq!(refused, 1, "round {round}: {a:?} {b:?}");
        for name in ["ann", "bob"] {
            match identity.get_user(name).await {
                Ok(_) => identity.set_group(name, Group::Admin).await.map(drop).unwrap(),
                Err(_) => users::create_user(identity, name, "a@example.org", Group::Admin, Some(PASSWORD))
                    .await
                    .map(drop)
                    .unwrap(),
            }
        }
    }
}

#[tokio::test]
async fn the_last_admin_stays_when_admins_remove_each_other_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await.unwrap();
    let identity = LocalIdentity::new(catalog.db().clone(), SigningKey::from_secret(&[3; 32]).unwrap()).await.unwrap();
    admins_removing_each_other_leave_one(&identity).await;
    let server = Postgres::start().await.unwrap();
    let catalog = SqlCatalog::new(Db::open(&server.url).await.unwrap()).await.unwrap();
    let identity = LocalIdentity::new(catalog.db().clone(), SigningKey::from_secret(&[3; 32]).unwrap()).await.unwrap();
    admins_removing_each_other_leave_one(&identity).await;
}

#[tokio::test]
async fn local_identity_on_postgres_passes_the_suite() {
    let server = Postgres::start().await.unwrap();
    let catalog = SqlCatalog::new(Db::open(&server.url).await.unwrap()).await.unwrap();
    let identity = LocalIdentity::new(catalog.db().clone(), SigningKey::from_secret(&[3; 32]).unwrap()).await.unwrap();
    testing::identity::suite(&identity).await;
    // Names are one whatever their case, as with SQLite.
    let taken = users::create_user(&identity, "ADA", "x@example.org", Group::Viewer, Some(PASSWORD)).await;
    assert!(matches!(taken, Err(IdentityError::UserExists(_))), "{taken:?}");
    assert_eq!(identity.get_user("Ada").await.unwrap().username, "ada");
}

#[tokio::test]
async fn cognito_on_moto_passes_the_suite() {
    let moto = MotoCognito::start().await.unwrap();
    let identity = CognitoIdentity::connect(moto.config.clone()).await;
    identity.ensure_groups().await.unwrap();
    identity.ensure_groups().await.unwrap(); // again: already there is fine
    testing::identity::suite(&identity).await;
}
