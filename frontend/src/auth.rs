//! The signed-in session: kept in `localStorage` so it survives a reload, shared with
//! every component through a context.

use leptos::prelude::*;
use mediaport_shared::user::LoginResponse;
use mediaport_shared::{Group, User};
use serde::{Deserialize, Serialize};

const STORAGE_KEY: &str = "mediaport.session";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSession {
    pub access_token: String,
    pub refresh_token: String,
    /// When the access token expires, in milliseconds since the epoch.
    pub expires_at_ms: f64,
    pub user: User,
}

impl StoredSession {
    pub fn from_login(login: LoginResponse) -> Self {
        Self {
            access_token: login.access_token,
            refresh_token: login.refresh_token,
            expires_at_ms: js_sys_now() + login.expires_in as f64 * 1000.0,
            user: login.user,
        }
    }

    /// Whether the access token expires within `margin_ms`.
    pub fn expires_within(&self, margin_ms: f64) -> bool {
        self.expires_at_ms - js_sys_now() < margin_ms
    }
}

fn js_sys_now() -> f64 {
    window().performance().map_or(0.0, |p| p.time_origin() + p.now())
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The session signal, provided at the root of the app.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    pub session: RwSignal<Option<StoredSession>>,
}

/// The session as `localStorage` holds it now (another tab may have renewed it).
fn stored() -> Option<StoredSession> {
    let text = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())?;
    serde_json::from_str::<StoredSession>(&text).ok()
}

impl Auth {
    /// The session saved by an earlier visit, if any.
    pub fn load() -> Self {
        Self { session: RwSignal::new(stored()) }
    }

    /// Takes the stored session when another tab renewed it: its access token is not
    /// this tab's. Returns whether it did.
    pub fn adopt_stored(&self) -> bool {
        let Some(newer) = stored() else { return false };
        let differs = self.session.with_untracked(|s| s.as_ref().map(|s| &s.access_token) != Some(&newer.access_token));
        if differs {
            self.session.set(Some(newer));
        }
        differs
    }

    /// Follows the session other tabs of the app store: a renewal there is taken here
    /// (this tab's refresh token was spent by it), a sign-out there signs out here.
    pub fn follow_other_tabs(&self) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let session = self.session;
        let listener = Closure::<dyn Fn(web_sys::StorageEvent)>::new(move |event: web_sys::StorageEvent| {
            if event.key().as_deref() == Some(STORAGE_KEY) {
                let now = event.new_value().and_then(|text| serde_json::from_str::<StoredSession>(&text).ok());
                session.set(now);
            }
        });
        let _ = window().add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
        // For the life of the page.
        listener.forget();
    }

    pub fn set(&self, session: Option<StoredSession>) {
        if let Some(storage) = storage() {
            let _ = match &session {
                Some(s) => storage.set_item(STORAGE_KEY, &serde_json::to_string(s).unwrap_or_default()),
                None => storage.remove_item(STORAGE_KEY),
            };
        }
        self.session.set(session);
    }

    /// The current access token, read without subscribing (for HTTP calls).
    pub fn access_token(&self) -> Option<String> {
        self.session.with_untracked(|s| s.as_ref().map(|s| s.access_token.clone()))
    }

    pub fn refresh_token(&self) -> Option<String> {
        self.session.with_untracked(|s| s.as_ref().map(|s| s.refresh_token.clone()))
    }

    pub fn user(&self) -> Option<User> {
        self.session.with(|s| s.as_ref().map(|s| s.user.clone()))
    }

    /// Whether the signed-in user has at least `group` (reactive).
    pub fn can(&self, group: Group) -> bool {
        self.session.with(|s| s.as_ref().is_some_and(|s| s.user.group() >= group))
    }

    pub fn signed_in(&self) -> bool {
        self.session.with(Option::is_some)
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
