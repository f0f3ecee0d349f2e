//! Amazon SNS: the notice as the message (JSON), its kind as the `event` message
//! attribute (for subscription filter policies), a one-line subject for e-mail
//! subscribers.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_sns::config::http::HttpResponse;
use aws_sdk_sns::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sns::types::MessageAttributeValue;
use mediaport_core::NotifyError;
use mediaport_shared::{Notice, NotifyTarget};
use tokio::sync::OnceCell;

/// SNS subjects are at most 100 printable ASCII characters.
const SUBJECT_MAX: usize = 100;

/// Publishes notices to SNS topics.
#[derive(Default)]
pub struct Topics {
    /// Loaded on the first notice: most servers never send one.
    config: OnceCell<SdkConfig>,
}

impl Topics {
    /// Topics reached with `config` (an emulator's endpoint and credentials, in tests).
    pub fn with_config(config: SdkConfig) -> Self {
        Self { config: OnceCell::new_with(Some(config)) }
    }

    pub async fn deliver(&self, target: &NotifyTarget, notice: &Notice) -> Result<String, NotifyError> {
        let config = self.config.get_or_init(|| aws_config::defaults(BehaviorVersion::latest()).load()).await;
        // A topic is published to in its own region, whatever the server's is.
        let region = target.address.split(':').nth(3).unwrap_or_default().to_owned();
        let sns = aws_sdk_sns::config::Builder::from(config).region(aws_sdk_sns::config::Region::new(region)).build();
        let sns = aws_sdk_sns::Client::from_conf(sns);
        let message = serde_json::to_string(notice).map_err(|e| NotifyError::Refused(e.to_string()))?;
        let event = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(notice.event.as_str())
            .build()
            .map_err(|e| NotifyError::Refused(e.to_string()))?;
        let mut publish = sns
            .publish()
            .topic_arn(&target.address)
            .message(message)
            .subject(subject(notice))
            .message_attributes("event", event);
        if target.address.ends_with(".fifo") {
            // In order per asset; a retried delivery is dropped by SNS if the first got through.
            let group = notice.asset.as_ref().map_or("mediaport", |a| a.id.as_str());
            publish = publish.message_group_id(group).message_deduplication_id(&notice.id);
        }
        match publish.send().await {
            Ok(sent) => Ok(format!("SNS message {}", sent.message_id().unwrap_or("?"))),
            Err(err) => Err(refused_or_not(&err)),
        }
    }
}

/// `Mediaport: asset.ready clip.mp4`, in printable ASCII.
fn subject(notice: &Notice) -> String {
    let name = notice.asset.as_ref().map_or("", |a| a.filename.as_str());
    let line = format!("Mediaport: {} {name}", notice.event.as_str());
    let ascii: String = line.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect();
    ascii.trim_end().chars().take(SUBJECT_MAX).collect()
}

/// A request SNS turned down for what it is (no such topic, no permission, a bad
/// parameter: a 4xx) is refused; throttling (also a 4xx), expired credentials or clock
/// skew, 5xx and no answer may pass later.
fn refused_or_not<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &SdkError<E, HttpResponse>,
) -> NotifyError {
    let code = err.code().unwrap_or_default().to_owned();
    let said = match err.message() {
        Some(message) => format!("SNS {code}: {message}"),
        None => format!("SNS: {}", super::chain(err)),
    };
    let status = err.raw_response().map(|r| r.status().as_u16());
    let passing = code.contains("Throttl")
        || matches!(code.as_str(), "ExpiredToken" | "RequestExpired" | "InternalError" | "InternalFailure");
    let refused =
        matches!(err, SdkError::ServiceError(_)) && status.is_some_and(|s| (400..500).contains(&s) && s != 429);
    if refused && !passing { NotifyError::Refused(said) } else { NotifyError::Unreachable(said) }
}

#[cfg(test)]
mod tests {
    use mediaport_shared::{NoticeAsset, NoticeKind};

    use super::*;

    #[test]
    fn the_subject_is_short_printable_ascii() {
        let asset = NoticeAsset {
            id: "a1".into(),
            filename: format!("Café «{}».mov", "x".repeat(200)),
            asset_type: mediaport_shared::AssetType::Video,
            reason: None,
            url: None,
        };
        let notice =
            Notice { id: "n".into(), event: NoticeKind::AssetReady, occurred_at: "t".into(), asset: Some(asset) };
        let subject = subject(&notice);
        assert!(subject.starts_with("Mediaport: asset.ready Caf? ?xx"), "{subject}");
        assert_eq!(subject.len(), SUBJECT_MAX);
    }
}
