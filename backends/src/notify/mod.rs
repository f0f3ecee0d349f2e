//! The notifier: signed webhooks over HTTP, and Amazon SNS topics, chosen by each
//! target's kind.

mod sns;
mod webhook;

use async_trait::async_trait;
use mediaport_core::{Notifier, NotifyError};
use mediaport_shared::{Notice, NotifyTarget, TargetKind};

pub use sns::Topics;
pub use webhook::{SIGNATURE_HEADER, Webhooks, signature};

/// Both channels behind the one port.
pub struct Channels {
    webhooks: Webhooks,
    topics: Topics,
}

impl Channels {
    /// Webhooks with their default timeout; SNS with the AWS default credential chain and
    /// settings (`AWS_ENDPOINT_URL_SNS` points it at an emulator).
    pub fn new() -> Self {
        Self { webhooks: Webhooks::default(), topics: Topics::default() }
    }

    pub fn with(webhooks: Webhooks, topics: Topics) -> Self {
        Self { webhooks, topics }
    }
}

impl Default for Channels {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Notifier for Channels {
    async fn deliver(&self, target: &NotifyTarget, notice: &Notice) -> Result<String, NotifyError> {
        match target.kind {
            TargetKind::Webhook => self.webhooks.deliver(target, notice).await,
            TargetKind::Sns => self.topics.deliver(target, notice).await,
        }
    }
}

/// An error and its causes on one line: reqwest's and the AWS SDK's top lines alone say
/// only that a request failed.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}
