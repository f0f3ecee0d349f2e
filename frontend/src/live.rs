//! The live feed (`GET /api/events`): job and asset changes pushed by the server, for the
//! pages that show work in progress. `EventSource` cannot send headers, so the access
//! token rides in the query; when the connection fails or ends (a restart, an expired
//! token, or a server that answers each request and closes, as on Lambda) it is opened
//! again with the current token and the id of the last event seen, so nothing is missed.

use leptos::prelude::*;
use mediaport_shared::{AssetCard, JobInfo};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

use crate::auth::Auth;

/// A change the server announced.
#[derive(Debug, Clone)]
pub enum Change {
    Job(JobInfo),
    Asset(Box<AssetCard>),
}

/// Calls `on_change` for every change until the calling component is unmounted.
pub fn follow(auth: Auth, on_change: impl Fn(Change) + Clone + 'static) {
    let source: StoredValue<Option<EventSource>, LocalStorage> = StoredValue::new_local(None);
    let alive = StoredValue::new(true);
    let last_id = StoredValue::new(None::<String>);
    connect(auth, on_change, Feed { source, alive, last_id });
    on_cleanup(move || {
        alive.set_value(false);
        if let Some(s) = source.get_value() {
            s.close();
        }
    });
}

/// One page's feed: the open `EventSource`, whether the page is still shown, and the id
/// of the last event received.
#[derive(Clone, Copy)]
struct Feed {
    source: StoredValue<Option<EventSource>, LocalStorage>,
    alive: StoredValue<bool>,
    last_id: StoredValue<Option<String>>,
}

fn connect(auth: Auth, on_change: impl Fn(Change) + Clone + 'static, feed: Feed) {
    let Some(token) = auth.access_token() else { return };
    let resume = feed.last_id.get_value().map(|id| format!("&last_event_id={id}")).unwrap_or_default();
    let Ok(events) = EventSource::new(&format!("/api/events?access_token={token}{resume}")) else { return };
    // `mark` events carry no change, only the id to resume from.
    for name in ["job", "asset", "mark"] {
        let on_change = on_change.clone();
        let listener = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let id = event.last_event_id();
            if !id.is_empty() {
                feed.last_id.set_value(Some(id));
            }
            let Some(data) = event.data().as_string() else { return };
            let change = match name {
                "job" => serde_json::from_str(&data).ok().map(Change::Job),
                "asset" => serde_json::from_str(&data).ok().map(|card| Change::Asset(Box::new(card))),
                _ => None,
            };
            if let Some(change) = change {
                on_change(change);
            }
        });
        let _ = events.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        listener.forget(); // lives as long as the EventSource, which is closed on cleanup
    }
    let retry = Closure::<dyn Fn()>::new(move || {
        if let Some(s) = feed.source.get_value() {
            s.close();
        }
        let on_change = on_change.clone();
        set_timeout(
            move || {
                if feed.alive.get_value() {
                    connect(auth, on_change, feed);
                }
            },
            std::time::Duration::from_secs(3),
        );
    });
    events.set_onerror(Some(retry.as_ref().unchecked_ref()));
    retry.forget();
    feed.source.set_value(Some(events));
}
