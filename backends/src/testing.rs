//! Emulators and independent servers that adapter tests run against, started as child
//! processes on free loopback ports and killed when dropped. Only with the `testing`
//! feature; the tools themselves are installed by `scripts/setup.sh --for-tests`.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
use tokio::process::{Child, Command};

use crate::identity::CognitoConfig;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// moto's Cognito emulator with one user pool and one app client, as an AWS admin
/// would set them up.
pub struct MotoCognito {
    pub endpoint: String,
    pub config: CognitoConfig,
    _server: Child,
}

impl MotoCognito {
    pub async fn start() -> anyhow::Result<Self> {
        let moto_dir =
            std::env::var("MOTO_DIR").context("MOTO_DIR is not set: run the tests through scripts/test.sh")?;
        let port = free_port();
        let server = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .env("PYTHONPATH", moto_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start moto")?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut up = false;
        for _ in 0..150 {
            if http.get(format!("{endpoint}/moto-api/")).send().await.is_ok() {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if !up {
            bail!("moto_server did not start on {endpoint}");
        }
        let admin = aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::config::Builder::new()
                .behavior_version(BehaviorVersion::latest())
                // moto answers unsigned calls (sign-in, sign-out) from its us-east-1 side.
                .region(Region::new("us-east-1"))
                .endpoint_url(&endpoint)
                .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
                .build(),
        );
        let pool = admin.create_user_pool().pool_name("mediaport").send().await?;
        let pool_id = pool.user_pool().and_then(|p| p.id()).context("no pool id")?.to_owned();
        let client = admin
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("mediaport-web")
            .generate_secret(false)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await?;
        let client_id = client.user_pool_client().and_then(|c| c.client_id()).context("no client id")?.to_owned();
        let config = CognitoConfig {
            region: "us-east-1".into(),
            jwks_url: Some(format!("{endpoint}/{pool_id}/.well-known/jwks.json")),
            user_pool_id: pool_id,
            client_id,
            endpoint: Some(endpoint.clone()),
            // moto signs with AWS's issuer URL, as a real pool does.
            issuer: None,
            credentials: Some(("test".into(), "test".into())),
        };
        Ok(Self { endpoint, config, _server: server })
    }
}
