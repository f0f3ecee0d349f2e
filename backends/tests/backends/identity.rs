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
