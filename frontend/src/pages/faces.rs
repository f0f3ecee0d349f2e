use leptos::prelude::*;

use crate::components::empty_state::EmptyState;

/// Face collections and the people seen in assets but not yet named.
#[component]
pub fn Faces() -> impl IntoView {
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Faces"</h1>
                    <p class="subtitle">"Named people to match against, and unknown faces grouped across the archive."</p>
                </div>
            </header>
            <div class="grid-2">
                <EmptyState icon="☺" title="No face collections"
                    text="A collection holds named people: add a few photos of each and Mediaport finds them in every video."/>
                <EmptyState icon="?" title="No unknown people yet"
                    text="Faces that match nobody are grouped here; name a group once and every asset where it appears is updated."/>
            </div>
        </section>
    }
}
