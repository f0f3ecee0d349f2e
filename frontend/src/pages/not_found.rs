use leptos::prelude::*;

use crate::components::empty_state::EmptyState;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="page">
            <EmptyState icon="∅" title="Page not found" text="This address does not match any page." action=("/", "Back to the collection")/>
        </section>
    }
}
