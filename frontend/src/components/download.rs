//! Downloads of what the API serves behind the session's token: the file is fetched,
//! then handed to the browser as a local copy under its name. The link stays in the page
//! (hidden, `data-download`) so tests and scripts can read what was saved.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api;
use crate::auth::use_auth;

/// One file a panel offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// Shown on the button: "JSON", "WebVTT"...
    pub label: &'static str,
    /// The API path that serves it.
    pub path: String,
    /// The name it is saved under.
    pub filename: String,
    pub mime: &'static str,
}

/// A row of download buttons.
#[component]
pub fn Downloads(offers: Vec<Offer>) -> impl IntoView {
    let auth = use_auth();
    let failed = RwSignal::new(None::<String>);
    view! {
        <div class="downloads">
            <span class="muted small">"Download"</span>
            {offers.into_iter().map(|offer| {
                let label = offer.label;
                view! {
                    <button class="button button-ghost button-small" data-offer=offer.filename.clone() on:click=move |_| {
                        let offer = offer.clone();
                        leptos::task::spawn_local(async move {
                            match api::get_text(auth, &offer.path).await {
                                Ok(text) => failed.set(save(&offer.filename, offer.mime, &text).err()),
                                Err(e) => failed.set(Some(e.message)),
                            }
                        });
                    }>{label}</button>
                }
            }).collect_view()}
            {move || failed.get().map(|e| view! { <span class="alert-inline small">{e}</span> })}
        </div>
    }
}

/// Saves `text` as a file called `filename`.
pub fn save(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| format!("cannot save {filename}: {e:?}");
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    // The last copy of each file replaces the one before.
    let selector = format!("a[data-download=\"{}\"]", filename.replace('"', ""));
    if let Ok(Some(old)) = document.query_selector(&selector) {
        if let Some(href) = old.get_attribute("href") {
            let _ = web_sys::Url::revoke_object_url(&href);
        }
        old.remove();
    }
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(filename);
    link.set_attribute("data-download", filename).map_err(fail)?;
    link.set_attribute("hidden", "").map_err(fail)?;
    document.body().ok_or("no body")?.append_child(&link).map_err(fail)?;
    link.click();
    Ok(())
}
