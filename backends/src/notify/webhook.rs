//! Webhooks: the notice as a JSON POST, signed with the target's secret as GitHub and
//! Stripe sign theirs, so a receiver can tell Mediaport's calls from anyone's.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use mediaport_core::NotifyError;
use mediaport_shared::{Notice, NotifyTarget};
use reqwest::StatusCode;
use sha2::Sha256;

/// `sha256=` and the hex HMAC-SHA256 of the body, keyed with the target's secret.
pub const SIGNATURE_HEADER: &str = "x-mediaport-signature";
/// How long a receiver has to answer; a slow one is tried again later.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a refusing receiver's answer the delivery log keeps.
const ANSWER_SHOWN: usize = 200;

/// Sends notices to webhook targets.
#[derive(Clone)]
pub struct Webhooks {
    http: reqwest::Client,
}

impl Default for Webhooks {
    fn default() -> Self {
        Self::with_timeout(TIMEOUT)
    }
}

impl Webhooks {
    pub fn with_timeout(timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            // A redirect would resend the signed body somewhere the admin did not name.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Mediaport/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a client with these settings always builds");
        Self { http }
    }

    pub async fn deliver(&self, target: &NotifyTarget, notice: &Notice) -> Result<String, NotifyError> {
        let secret =
            target.secret.as_deref().ok_or_else(|| NotifyError::Refused("the webhook has no secret".into()))?;
        let body = serde_json::to_vec(notice).map_err(|e| NotifyError::Refused(e.to_string()))?;
        let started = Instant::now();
        let answer = self
            .http
            .post(&target.address)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("x-mediaport-event", notice.event.as_str())
            .header("x-mediaport-delivery", &notice.id)
            .header(SIGNATURE_HEADER, signature(secret, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| NotifyError::Unreachable(unreachable(e)))?;
        let status = answer.status();
        let millis = started.elapsed().as_millis();
        if status.is_success() {
            return Ok(format!("HTTP {} in {millis} ms", status.as_u16()));
        }
        if status.is_redirection() {
            let to = answer.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("?");
            return Err(NotifyError::Refused(format!(
                "HTTP {}: moved to {to}; set the target to that URL",
                status.as_u16()
            )));
        }
        let text = first_bytes(answer).await;
        let said = format!("HTTP {status}: {}", text.chars().take(ANSWER_SHOWN).collect::<String>().trim());
        let said = said.trim_end_matches(": ").to_owned();
        if worth_retrying(status) { Err(NotifyError::Unreachable(said)) } else { Err(NotifyError::Refused(said)) }
    }
}

/// Answers that a later try may get past: server errors, timeouts and throttling.
fn worth_retrying(status: StatusCode) -> bool {
    status.is_server_error()
        || matches!(status, StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_EARLY | StatusCode::TOO_MANY_REQUESTS)
}

fn unreachable(err: reqwest::Error) -> String {
    if err.is_timeout() {
        return "no answer in time".into();
    }
    // Without the URL: many carry a token, and the reason is shown beside the job.
    super::chain(&err.without_url())
}

/// The start of a refusing receiver's answer, read no further: a receiver that answers
/// with gigabytes must not fill the worker's memory.
async fn first_bytes(mut answer: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < ANSWER_SHOWN * 4
        && let Ok(Some(chunk)) = answer.chunk().await
    {
        bytes.extend_from_slice(&chunk);
    }
    bytes.truncate(ANSWER_SHOWN * 4);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_rfc_4231s_hmac_sha256() {
        // RFC 4231 test case 2.
        let expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(signature("Jefe", b"what do ya want for nothing?"), expected);
    }
}
