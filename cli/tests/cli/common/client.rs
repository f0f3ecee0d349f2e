//! The API as three people call it: an admin, an editor (creator) and a viewer, each
//! signed in to the server under test.

use std::path::Path;
use std::time::{Duration, Instant};

use mediaport_cli::server::RunningServer;
use mediaport_core::users;
use mediaport_shared::{Asset, AssetDetail, AssetStatus, ErrorBody, Group, SearchResults};
use serde_json::{Value, json};

pub struct Client {
    http: reqwest::Client,
    url: String,
    pub admin: String,
    pub editor: String,
    pub viewer: String,
}

impl Client {
    /// Creates `ada` (admin), `editor` (creator) and `vera` (viewer) and signs them in.
    pub async fn new(server: &RunningServer, password: &str) -> Self {
        let identity = server.state.identity.as_ref();
        for (name, group) in [("ada", Group::Admin), ("editor", Group::Creator), ("vera", Group::Viewer)] {
            users::create_user(identity, name, &format!("{name}@example.org"), group, Some(password)).await.unwrap();
        }
        let token = async |name: &str| identity.login(name, password).await.unwrap().0.access_token;
        let (admin, editor, viewer) = (token("ada").await, token("editor").await, token("vera").await);
        Self { http: reqwest::Client::new(), url: server.url(), admin, editor, viewer }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, format!("{}{path}", self.url)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// A GET that must succeed, read as `T`.
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> T {
        let response = self.call(reqwest::Method::GET, path, token, None).await;
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// The status and error code of a call expected to fail.
    pub async fn refused(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, String) {
        let response = self.call(method, path, token, body).await;
        let status = response.status().as_u16();
        (status, response.json::<ErrorBody>().await.unwrap().code)
    }

    /// Puts `file` in the ingest bucket at `key` and registers it as the editor; the asset's id.
    pub async fn register(&self, server: &RunningServer, file: &Path, key: &str) -> String {
        let bucket = &server.settings.storage.ingest_bucket;
        server.state.storage.put_file(bucket, key, file, "image/png").await.unwrap();
        let request = json!({"bucket": bucket, "key": key});
        let response = self.call(reqwest::Method::POST, "/api/assets", &self.editor, Some(request)).await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// The asset once ingested and analysed; panics if it fails or takes over two minutes.
    pub async fn ready(&self, id: &str) -> Asset {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let detail: AssetDetail = self.get(&format!("/api/assets/{id}"), &self.editor).await;
            match detail.asset.status {
                AssetStatus::Ready => return detail.asset,
                AssetStatus::Failed => panic!("{:?}", detail.asset.error),
                _ if Instant::now() > deadline => panic!("not analysed in time"),
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// How many assets a search finds.
    pub async fn found(&self, q: &str) -> u64 {
        self.get::<SearchResults>(&format!("/api/search?q={q}"), &self.editor).await.total
    }
}
