//! Starts the real server on port 0 with a fresh data folder, as users run it.

#![allow(dead_code)]

use std::path::Path;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use mediaport_api::{Settings, bootstrap};
use mediaport_cli::server::{self, RunningServer};

pub fn settings(data_dir: &Path) -> Settings {
    server::ephemeral_settings(data_dir)
}

pub async fn start(data_dir: &Path) -> RunningServer {
    server::start(settings(data_dir)).await.expect("server starts")
}

/// An S3 client for the server's embedded endpoint, with the credentials the server made.
pub async fn s3_client(server: &RunningServer) -> Client {
    let (access, secret) = bootstrap::storage_credentials(&server.settings).unwrap().unwrap();
    s3_client_with(server, &access, &secret).await
}

pub async fn s3_client_with(server: &RunningServer, access: &str, secret: &str) -> Client {
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.s3_url().unwrap())
        .credentials_provider(Credentials::new(access, secret, None, None, "test"))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

/// An S3 client for whatever storage the server uses: its embedded endpoint, or the
/// external S3 server in its settings.
pub async fn s3_client_for(server: &RunningServer) -> Client {
    if server.s3_url().is_some() {
        return s3_client(server).await;
    }
    let storage = &server.settings.storage;
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(storage.region.clone()))
        .endpoint_url(storage.endpoint.clone().unwrap())
        .credentials_provider(Credentials::new(
            storage.access_key.clone().unwrap(),
            storage.secret_key.clone().unwrap(),
            None,
            None,
            "test",
        ))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

pub fn md5_hex(data: &[u8]) -> String {
    format!("{:x}", <md5::Md5 as md5::Digest>::digest(data))
}
