//! `GET /api/events`: server-sent events of job and asset changes, the UI's live view.
//! Every API process follows the queue's change stamps, so events reach browsers whichever
//! process or machine ran the job.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, StreamExt};

use crate::auth::{Auth, Viewer};
use crate::extract::Query;
use crate::links;
use crate::routes::jobs;
use crate::state::AppState;

/// How often the feed looks for changes.
const POLL: Duration = Duration::from_millis(500);
/// In poll mode, when a browser asks again (the app reconnects on its own schedule).
const POLL_AGAIN: Duration = Duration::from_secs(3);
/// Changes stamped this long before the cursor are looked at again: a transaction stamped
/// earlier may commit after a later one (PostgreSQL), and must not be missed.
const LOOKBACK_MS: i64 = 3000;
/// Changes read per query.
const PAGE: u32 = 500;
/// How far back a reconnecting browser is given what it missed: one asking from long ago
/// (or from 0) reloads its page instead of replaying the archive's history.
const MAX_REPLAY_MS: i64 = 10 * 60 * 1000;
/// How often an open stream checks that its caller's token still holds (with Cognito,
/// each check asks the user pool for the user's groups: not on every poll).
const RECHECK: Duration = Duration::from_secs(10);

/// Where a browser reconnecting by hand stopped (an `EventSource` it opens again cannot
/// send `Last-Event-ID`).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Resume {
    /// The id of the last event the browser received.
    last_event_id: Option<i64>,
}

/// Live changes: `job` events (a job's new state) and `asset` events (the asset it belongs
/// to, with its thumbnail). Browsers' `EventSource` cannot send headers, so this route also
/// takes the access token as `?access_token=`. With `server.events = "poll"` (and on
/// Lambda) the answer holds what changed since the last event, then a `mark` event
/// carrying the id to ask from next, and ends.
#[utoipa::path(get, path = "/api/events", tag = "jobs",
    params(("access_token" = Option<String>, Query, description = "For EventSource, which cannot send headers"), Resume),
    responses((status = 200, description = "text/event-stream of `job` (JobInfo), `asset` (AssetCard) and `mark` events")),
    security(("bearer" = [])))]
pub async fn events(
    caller: Auth<Viewer>,
    State(state): State<AppState>,
    Query(resume): Query<Resume>,
    headers: HeaderMap,
) -> Response {
    let now = chrono::Utc::now().timestamp_millis();
    // A reconnecting EventSource says where it stopped.
    let since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(resume.last_event_id)
        .map_or(now, |since| since.max(now - MAX_REPLAY_MS));
    let mut feed = Feed { state: state.clone(), cursor: since, seen: HashMap::new() };
    if state.events_poll {
        let mut events = feed.collect().await;
        events.push(Event::default().event("mark").id(feed.cursor.to_string()).data("{}").retry(POLL_AGAIN));
        let events = stream::iter(events.into_iter().map(Ok::<_, Infallible>));
        return Sse::new(events).into_response();
    }
    let stopping = state.stopping.clone().cancelled_owned();
    let ended = access_ends(state, caller.token);
    let stopping = futures::future::select(Box::pin(stopping), Box::pin(ended));
    let events = stream::unfold(feed, |mut feed| async move {
        let batch = feed.next_batch().await;
        Some((stream::iter(batch.into_iter().map(Ok::<_, Infallible>)), feed))
    })
    .flatten()
    .take_until(stopping);
    Sse::new(events).keep_alive(KeepAlive::default()).into_response()
}

/// Resolves when the caller's token no longer holds: it expired, or the user was deleted
/// or lost their group. The browser then reconnects with a fresh token, or is signed out.
async fn access_ends(state: AppState, token: String) {
    loop {
        tokio::time::sleep(RECHECK).await;
        // An unreachable identity provider is no reason to cut a viewer off.
        if let Err(mediaport_core::IdentityError::InvalidToken(_)) = state.identity.verify(&token).await {
            return;
        }
    }
}

struct Feed {
    state: AppState,
    cursor: i64,
    /// Job id -> change stamp already sent, within the look-back window.
    seen: HashMap<mediaport_shared::JobId, i64>,
}

impl Feed {
    /// Every job changed since the look-back point, page after page: a bulk import can
    /// change more jobs within the window than one page holds.
    async fn changes(&self) -> Result<Vec<mediaport_core::Job>, mediaport_core::QueueError> {
        let mut from = self.cursor.saturating_sub(LOOKBACK_MS);
        let mut all = Vec::new();
        loop {
            let page = self.state.queue.changed_since(from, PAGE).await?;
            let full = page.len() == PAGE as usize;
            let last = page.last().map(|j| j.changed_ms);
            all.extend(page);
            match last {
                // Rows stamped in the same millisecond as the page's end are read again, and skipped as seen.
                Some(last) if full && last > from => from = last,
                Some(_) if full => from += 1,
                _ => return Ok(all),
            }
        }
    }

    /// Waits for the next changes and turns them into events.
    async fn next_batch(&mut self) -> Vec<Event> {
        loop {
            tokio::time::sleep(POLL).await;
            let events = self.collect().await;
            if !events.is_empty() {
                return events;
            }
        }
    }

    /// The changes since the cursor not sent yet, as events.
    async fn collect(&mut self) -> Vec<Event> {
        let changed = match self.changes().await {
            Ok(changed) => changed,
            Err(err) => {
                tracing::warn!(error = %err, "the events feed cannot read the queue");
                return Vec::new();
            }
        };
        let mut events = Vec::new();
        for job in changed {
            if self.seen.get(&job.id) == Some(&job.changed_ms) {
                continue;
            }
            self.seen.insert(job.id.clone(), job.changed_ms);
            self.cursor = self.cursor.max(job.changed_ms);
            let stamp = job.changed_ms.to_string();
            let asset_id = job.task.asset_id().to_owned();
            events.extend(Event::default().event("job").id(&stamp).json_data(jobs::info(job)).ok());
            if let Ok(asset) = self.state.catalog.get_asset(&asset_id).await
                && let Ok(card) = links::card(&self.state, asset).await
            {
                events.extend(Event::default().event("asset").id(&stamp).json_data(card).ok());
            }
        }
        let horizon = self.cursor.saturating_sub(LOOKBACK_MS);
        self.seen.retain(|_, stamp| *stamp >= horizon);
        events
    }
}
