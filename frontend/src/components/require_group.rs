use leptos::prelude::*;
use mediaport_shared::Group;

use crate::auth::use_auth;
use crate::components::empty_state::EmptyState;

/// Shows `children` to users with at least `group`; others get an explanation. The
/// server enforces the same rule on every API call: this only spares a broken page.
#[component]
pub fn RequireGroup(group: Group, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || auth.can(group) fallback=move || view! {
            <section class="page">
                <EmptyState icon="⊘" title="Not available to you"
                    text=format!("This page needs the {} role. Ask an admin if you need it.", group.as_str())
                    action=("/", "Back to the collection")/>
            </section>
        }>
            {children()}
        </Show>
    }
}
