//! The identity port's suite, run against the local provider and against Amazon Cognito
//! as emulated by moto (`moto_server`, PyPI `moto[server]`): an emulator, not AWS.

use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use mediaport_backends::catalog::SqliteCatalog;
use mediaport_backends::identity::{CognitoConfig, CognitoIdentity, LocalIdentity, SigningKey};
use mediaport_core::{Identity, IdentityError, users};
use mediaport_shared::Group;

const PASSWORD: &str = "Corr3ct-Horse!";

/// The same token with its claims edited and the old signature kept.
fn tampered(token: &str, from: &str, to: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let claims = String::from_utf8(engine.decode(parts[1]).unwrap()).unwrap().replace(from, to);
    format!("{}.{}.{}", parts[0], engine.encode(claims), parts[2])
}

async fn suite(identity: &dyn Identity) {
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

    identity.delete_user("bob").await.unwrap();
    assert!(matches!(identity.get_user("bob").await, Err(IdentityError::NoSuchUser(ref n)) if n == "bob"));
    assert!(matches!(identity.login("bob", PASSWORD).await, Err(IdentityError::InvalidCredentials)));
}

#[tokio::test]
async fn local_identity_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqliteCatalog::open(&dir.path().join("catalog.db")).await.unwrap();
    let identity = LocalIdentity::new(catalog.pool(), SigningKey::from_secret(&[3; 32]).unwrap()).await.unwrap();
    suite(&identity).await;
}

/// moto's Python package folder, installed by scripts/setup.sh --for-tests.
fn moto_dir() -> std::path::PathBuf {
    std::env::var("MOTO_DIR").expect("MOTO_DIR is not set: run the tests through scripts/test.sh").into()
}

#[tokio::test]
async fn cognito_on_moto_passes_the_suite() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut moto = tokio::process::Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .env("PYTHONPATH", moto_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if http.get(format!("{endpoint}/moto-api/")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(up, "moto_server did not start");

    // The pool and its app client, as an AWS admin would make them.
    let admin = {
        let conf = aws_sdk_cognitoidentityprovider::config::Builder::new()
            .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
            .region(aws_sdk_cognitoidentityprovider::config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new(
                "test", "test", None, None, "t",
            ))
            .build();
        aws_sdk_cognitoidentityprovider::Client::from_conf(conf)
    };
    let pool = admin.create_user_pool().pool_name("mediaport").send().await.unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_owned();
    let client = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("mediaport-web")
        .generate_secret(false)
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap();
    let client_id = client.user_pool_client().unwrap().client_id().unwrap().to_owned();

    let identity = CognitoIdentity::connect(CognitoConfig {
        region: "us-east-1".into(),
        user_pool_id: pool_id.clone(),
        client_id,
        endpoint: Some(endpoint.clone()),
        // moto serves the keys locally but signs with AWS's issuer URL, as the real pool does.
        jwks_url: Some(format!("{endpoint}/{pool_id}/.well-known/jwks.json")),
        issuer: None,
        credentials: Some(("test".into(), "test".into())),
    })
    .await;
    identity.ensure_groups().await.unwrap();
    identity.ensure_groups().await.unwrap(); // again: already there is fine
    suite(&identity).await;
    moto.kill().await.unwrap();
}
