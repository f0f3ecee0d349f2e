//! A client that talks to the API as the web app does, for tests that upload many files.

use md5::{Digest, Md5};
use mediaport_cli::server::RunningServer;
use serde_json::{Value, json};

pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Browser {
    pub fn new(server: &RunningServer, token: String) -> Self {
        Self { http: reqwest::Client::new(), base: server.url(), token }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = answer.status();
        let text = answer.text().await.map_err(|e| format!("{path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {text}"));
        }
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text).map_err(|e| e.to_string())? })
    }

    /// One upload as the web app does it: start, part URLs, PUT each part to storage,
    /// complete. Returns the asset and the ETag storage gave the object.
    pub async fn upload(&self, server: &RunningServer, name: &str, data: &[u8]) -> Result<(Value, String), String> {
        let started = json!({"filename": name, "size": data.len(), "content_type": "application/octet-stream"});
        let upload = self.call(reqwest::Method::POST, "/api/uploads", Some(started)).await?;
        let id = upload["upload_id"].as_str().unwrap_or_default().to_owned();
        let part_size = upload["part_size"].as_u64().unwrap_or(1) as usize;
        let numbers: Vec<u32> = (1..=data.len().div_ceil(part_size) as u32).collect();
        let path = format!("/api/uploads/{id}/parts");
        let urls = self.call(reqwest::Method::POST, &path, Some(json!({"part_numbers": numbers}))).await?;
        let mut parts = Vec::new();
        for part in urls["parts"].as_array().into_iter().flatten() {
            let number = part["part_number"].as_u64().unwrap_or(0) as usize;
            let bytes = data[(number - 1) * part_size..(number * part_size).min(data.len())].to_vec();
            let put = self.http.put(part["url"].as_str().unwrap_or_default()).body(bytes).send().await;
            let put = put.map_err(|e| format!("part {number}: {e}"))?;
            if !put.status().is_success() {
                return Err(format!("part {number}: {} {}", put.status(), put.text().await.unwrap_or_default()));
            }
            let etag = put.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            parts.push(json!({"part_number": number, "etag": etag}));
        }
        let completed = json!({"parts": parts, "md5": format!("{:x}", Md5::digest(data))});
        let asset = self.call(reqwest::Method::POST, &format!("/api/uploads/{id}/complete"), Some(completed)).await?;
        let stored = server
            .state
            .storage
            .head_object(upload["bucket"].as_str().unwrap_or_default(), upload["key"].as_str().unwrap_or_default())
            .await;
        let etag = stored.map_err(|e| e.to_string())?.etag.unwrap_or_default().trim_matches('"').to_owned();
        Ok((asset, etag))
    }
}
