//! The line at the top of a page that says how the last action went.

use leptos::prelude::*;

/// `Ok`: what was done; `Err`: why it was not (the server's reason).
pub type Notice = RwSignal<Option<Result<String, String>>>;

#[component]
pub fn NoticeLine(notice: Notice) -> impl IntoView {
    move || {
        notice.get().map(|n| match n {
            Ok(text) => view! { <p class="alert alert-ok" role="status" data-testid="notice">{text}</p> }.into_any(),
            Err(text) => view! { <p class="alert alert-error" role="alert" data-testid="notice">{text}</p> }.into_any(),
        })
    }
}
