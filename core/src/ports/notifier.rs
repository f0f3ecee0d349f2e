use async_trait::async_trait;
use mediaport_shared::{Notice, NotifyTarget};

use crate::error::{ErrorKind, ServiceError};

/// Why a notice did not reach its target.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The receiver said no (a 4xx, a topic that does not exist, no permission): sending
    /// the same notice again cannot help until someone changes the target.
    #[error("{0}")]
    Refused(String),
    /// No answer, a 5xx, throttled: a later try may get through.
    #[error("{0}")]
    Unreachable(String),
}

impl ServiceError for NotifyError {
    fn code(&self) -> &'static str {
        match self {
            Self::Refused(_) => "notification-refused",
            Self::Unreachable(_) => "notification-unreachable",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Refused(_) => ErrorKind::Unprocessable,
            Self::Unreachable(_) => ErrorKind::Unavailable,
        }
    }
}

/// Tells other systems what happened: signed webhooks, Amazon SNS topics.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Sends `notice` to `target` once; says what the receiver answered (for the delivery log).
    async fn deliver(&self, target: &NotifyTarget, notice: &Notice) -> Result<String, NotifyError>;
}
