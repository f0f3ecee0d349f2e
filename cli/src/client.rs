//! The HTTP client the `mediaport ingest` and `mediaport faces` commands talk to the API
//! with: the same routes the web app uses, with the session refreshed when the access
//! token runs out mid-run.

use anyhow::Context;
use mediaport_shared::user::{LoginRequest, LoginResponse, RefreshRequest};
use mediaport_shared::{
    Asset, CompleteUploadRequest, CreateFaceCollection, CreateUploadRequest, ErrorBody, FaceCollection,
    FaceCollectionList, IndexedFace, PartUrls, PresignPartsRequest, StoredParts, Upload, UploadId,
};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::RwLock;

/// A failure the API answered with a status and a code.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {message} ({code})")]
pub struct ApiFailure {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    tokens: RwLock<(String, String)>,
}

impl Client {
    /// Signs in and keeps the session.
    pub async fn sign_in(base: &str, username: &str, password: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().build()?;
        let base = base.trim_end_matches('/').to_owned();
        let request = LoginRequest { username: username.to_owned(), password: password.to_owned() };
        let response = http
            .post(format!("{base}/api/auth/login"))
            .json(&request)
            .send()
            .await
            .with_context(|| format!("cannot reach the Mediaport server at {base}"))?;
        let session: LoginResponse = decode(response).await.context("cannot sign in")?;
        Ok(Self { http, base, tokens: RwLock::new((session.access_token, session.refresh_token)) })
    }

    /// The HTTP client, for PUTs to presigned URLs.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    async fn refresh(&self) -> anyhow::Result<()> {
        let refresh_token = self.tokens.read().await.1.clone();
        let response = self
            .http
            .post(format!("{}/api/auth/refresh", self.base))
            .json(&RefreshRequest { refresh_token })
            .send()
            .await?;
        let session: LoginResponse = decode(response).await.context("cannot refresh the session")?;
        *self.tokens.write().await = (session.access_token, session.refresh_token);
        Ok(())
    }

    /// Sends the request `build` makes, refreshing the session once on 401.
    async fn send<T: DeserializeOwned>(&self, build: impl Fn(&str) -> reqwest::RequestBuilder) -> anyhow::Result<T> {
        for attempt in 0..2 {
            let token = self.tokens.read().await.0.clone();
            let response = build(&self.base).bearer_auth(token).send().await;
            let response = response.with_context(|| format!("cannot reach {}", self.base))?;
            if response.status() == StatusCode::UNAUTHORIZED && attempt == 0 {
                self.refresh().await?;
                continue;
            }
            return decode(response).await;
        }
        unreachable!("the loop returns on its second attempt")
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<T> {
        self.send(|base| {
            let request = self.http.request(method.clone(), format!("{base}{path}"));
            match body {
                Some(body) => request.json(body),
                None => request,
            }
        })
        .await
    }

    pub async fn create_upload(&self, request: &CreateUploadRequest) -> anyhow::Result<Upload> {
        self.call(Method::POST, "/api/uploads", Some(request)).await
    }

    pub async fn part_urls(&self, upload_id: &UploadId, part_numbers: Vec<u32>) -> anyhow::Result<PartUrls> {
        let request = PresignPartsRequest { part_numbers };
        self.call(Method::POST, &format!("/api/uploads/{upload_id}/parts"), Some(&request)).await
    }

    pub async fn stored_parts(&self, upload_id: &UploadId) -> anyhow::Result<StoredParts> {
        self.call::<(), _>(Method::GET, &format!("/api/uploads/{upload_id}/parts"), None).await
    }

    pub async fn face_collections(&self) -> anyhow::Result<FaceCollectionList> {
        self.call::<(), _>(Method::GET, "/api/face-collections", None).await
    }

    pub async fn create_face_collection(&self, name: &str) -> anyhow::Result<FaceCollection> {
        let request = CreateFaceCollection { name: name.to_owned() };
        self.call(Method::POST, "/api/face-collections", Some(&request)).await
    }

    /// Indexes the one face of a photograph under `name`.
    pub async fn add_face(
        &self,
        collection_id: &str,
        name: &str,
        file: &str,
        image: &[u8],
    ) -> anyhow::Result<IndexedFace> {
        let path = format!("/api/face-collections/{collection_id}/faces");
        self.send(|base| {
            let photo = Part::bytes(image.to_vec()).file_name(file.to_owned());
            let form = Form::new().text("name", name.to_owned()).part("image", photo);
            self.http.post(format!("{base}{path}")).multipart(form)
        })
        .await
    }

    pub async fn complete(&self, upload_id: &UploadId, request: &CompleteUploadRequest) -> anyhow::Result<Asset> {
        self.call(Method::POST, &format!("/api/uploads/{upload_id}/complete"), Some(request)).await
    }
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> anyhow::Result<T> {
    let status = response.status();
    let text = response.text().await?;
    if status.is_success() {
        // 204 answers carry no body; `()` reads `null`.
        let text = if text.is_empty() { "null" } else { text.as_str() };
        return serde_json::from_str(text).with_context(|| format!("unexpected answer from the server: {text}"));
    }
    let error: ErrorBody = serde_json::from_str(&text)
        .unwrap_or(ErrorBody { code: "http-error".to_owned(), message: text.chars().take(200).collect() });
    Err(ApiFailure { status, code: error.code, message: error.message }.into())
}
