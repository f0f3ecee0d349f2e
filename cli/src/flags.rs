use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::{Map, Value, json};

/// Settings flags, accepted by every command; they override file and environment.
#[derive(Debug, Default, clap::Args)]
pub struct SettingsFlags {
    /// TOML settings file (see mediaport.example.toml)
    #[arg(long, global = true, value_name = "FILE", env = "MEDIAPORT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Folder for the catalog, the embedded storage and generated secrets [default: ./data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address of the API and the web app [default: 127.0.0.1:8080]
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Origin browsers use to reach the app, when it differs from http://<listen>
    #[arg(long, global = true, value_name = "URL")]
    pub public_url: Option<String>,
    /// Folder of the built web app; "" serves the API alone [default: frontend/dist]
    #[arg(long, global = true, value_name = "DIR")]
    pub web_dir: Option<String>,
    /// Address of the embedded S3 endpoint [default: 127.0.0.1:9000]
    #[arg(long, global = true, value_name = "ADDR")]
    pub s3_listen: Option<SocketAddr>,
    /// Use this S3 endpoint (SeaweedFS, MinIO, AWS) instead of the embedded one
    #[arg(long, global = true, value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// S3 access key [default: generated on first start, kept in the data folder]
    #[arg(long, global = true, value_name = "KEY")]
    pub s3_access_key: Option<String>,
    /// S3 secret key [default: generated on first start, kept in the data folder]
    #[arg(long, global = true, value_name = "SECRET", hide_env_values = true)]
    pub s3_secret_key: Option<String>,
}

impl SettingsFlags {
    /// The flags that were given, shaped like the settings tree.
    pub fn overrides(&self) -> Value {
        let mut root = Map::new();
        let mut server = Map::new();
        let mut storage = Map::new();
        let mut embedded = Map::new();
        if let Some(dir) = &self.data_dir {
            root.insert("data_dir".into(), json!(dir));
        }
        if let Some(listen) = self.listen {
            server.insert("listen".into(), json!(listen.to_string()));
        }
        if let Some(url) = &self.public_url {
            server.insert("public_url".into(), json!(url));
        }
        if let Some(dir) = &self.web_dir {
            server.insert("web_dir".into(), json!(dir));
        }
        if let Some(listen) = self.s3_listen {
            embedded.insert("listen".into(), json!(listen.to_string()));
        }
        if let Some(endpoint) = &self.s3_endpoint {
            storage.insert("kind".into(), json!("s3"));
            storage.insert("endpoint".into(), json!(endpoint));
        }
        if let Some(key) = &self.s3_access_key {
            storage.insert("access_key".into(), json!(key));
        }
        if let Some(secret) = &self.s3_secret_key {
            storage.insert("secret_key".into(), json!(secret));
        }
        if !embedded.is_empty() {
            storage.insert("embedded".into(), Value::Object(embedded));
        }
        for (name, section) in [("server", server), ("storage", storage)] {
            if !section.is_empty() {
                root.insert(name.into(), Value::Object(section));
            }
        }
        Value::Object(root)
    }

    pub fn load(&self) -> anyhow::Result<mediaport_wiring::Settings> {
        Ok(mediaport_wiring::Settings::load(self.config.as_deref(), &self.overrides())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_land_in_their_sections() {
        let flags = SettingsFlags {
            data_dir: Some("/srv/mp".into()),
            listen: Some("0.0.0.0:80".parse().unwrap()),
            s3_listen: Some("127.0.0.1:9100".parse().unwrap()),
            s3_access_key: Some("AK".into()),
            s3_secret_key: Some("SK".into()),
            ..Default::default()
        };
        let settings = flags.load().unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("/srv/mp"));
        assert_eq!(settings.server.listen.port(), 80);
        assert_eq!(settings.storage.embedded.listen.port(), 9100);
        assert_eq!(settings.storage.access_key.as_deref(), Some("AK"));
        assert!(settings.embedded_storage());
    }

    #[test]
    fn an_endpoint_switches_to_external_storage() {
        let flags = SettingsFlags { s3_endpoint: Some("http://127.0.0.1:8333".into()), ..Default::default() };
        let settings = flags.load().unwrap();
        assert!(!settings.embedded_storage());
        assert_eq!(settings.storage.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
    }
}
