use leptos::prelude::*;

/// What a page shows before it has anything to show, with the next step to take.
#[component]
pub fn EmptyState(
    icon: &'static str,
    title: &'static str,
    #[prop(into)] text: String,
    #[prop(optional)] action: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <div class="empty-icon" aria-hidden="true">{icon}</div>
            <h2>{title}</h2>
            <p>{text}</p>
            {action.map(|(href, label)| view! { <a class="button" href=href>{label}</a> })}
        </div>
    }
}
