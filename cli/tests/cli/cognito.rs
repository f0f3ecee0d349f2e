//! The server with `identity.kind = "cognito"`, against moto's Cognito emulator: the
//! same API signs in and enforces roles as with local users.

use crate::common;

use mediaport_backends::identity::CognitoIdentity;
use mediaport_backends::testing::MotoCognito;
use mediaport_core::users;
use mediaport_shared::Group;
use mediaport_wiring::settings::{CognitoSettings, IdentityKind};
use serde_json::{Value, json};

const PASSWORD: &str = "Corr3ct-Horse!";

#[tokio::test]
async fn the_api_signs_in_and_enforces_roles_with_cognito() {
    let moto = MotoCognito::start().await.unwrap();
    let pool = CognitoIdentity::connect(moto.config.clone()).await;
    pool.ensure_groups().await.unwrap();
    users::create_user(&pool, "chief", "chief@example.org", Group::Admin, Some(PASSWORD)).await.unwrap();
    users::create_user(&pool, "vera", "vera@example.org", Group::Viewer, Some(PASSWORD)).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    settings.identity.kind = IdentityKind::Cognito;
    let c = &moto.config;
    settings.identity.cognito = CognitoSettings {
        region: c.region.clone(),
        user_pool_id: c.user_pool_id.clone(),
        client_id: c.client_id.clone(),
        endpoint: c.endpoint.clone(),
        jwks_url: c.jwks_url.clone(),
        issuer: None,
        access_key: Some("test".into()),
        secret_key: Some("test".into()),
        ungrouped_can_view: false,
    };
    let server = mediaport_cli::server::start(settings).await.unwrap();
    assert!(server.first_admin.is_none(), "Cognito pools get no generated admin");

    let http = reqwest::Client::new();
    let login = |name: &'static str, password: &'static str| {
        http.post(format!("{}/api/auth/login", server.url()))
            .json(&json!({"username": name, "password": password}))
            .send()
    };
    assert_eq!(login("chief", "Wr0ng-password!").await.unwrap().status(), 401);
    let chief: Value = login("chief", PASSWORD).await.unwrap().json().await.unwrap();
    assert_eq!(chief["user"]["groups"], json!(["admin"]));
    let vera: Value = login("vera", PASSWORD).await.unwrap().json().await.unwrap();

    let list_users = |token: Value| {
        http.get(format!("{}/api/users", server.url())).bearer_auth(token.as_str().unwrap_or_default()).send()
    };
    let listed = list_users(chief["access_token"].clone()).await.unwrap();
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    let names: Vec<_> = listed["items"].as_array().unwrap().iter().map(|u| u["username"].clone()).collect();
    assert_eq!(names, [json!("chief"), json!("vera")]);
    assert_eq!(list_users(vera["access_token"].clone()).await.unwrap().status(), 403);

    // Changes in the pool apply on the next request, whatever the token says.
    users::create_user(&pool, "deputy", "deputy@example.org", Group::Admin, Some(PASSWORD)).await.unwrap();
    users::set_group(&pool, "chief", Group::Viewer).await.unwrap();
    assert_eq!(list_users(chief["access_token"].clone()).await.unwrap().status(), 403, "demoted");
    users::delete_user(&pool, "vera").await.unwrap();
    let gone = http.get(format!("{}/api/assets", server.url())).bearer_auth(vera["access_token"].as_str().unwrap());
    assert_eq!(gone.send().await.unwrap().status(), 401, "deleted");
    server.shutdown().await.unwrap();
}
