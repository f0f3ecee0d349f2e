use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::layout::Layout;
use crate::pages;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Layout>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::collection::Collection/>
                    <Route path=path!("/login") view=pages::login::Login/>
                    <Route path=path!("/upload") view=pages::upload::Upload/>
                    <Route path=path!("/search") view=pages::search::Search/>
                    <Route path=path!("/assets/:id") view=pages::asset::AssetPage/>
                    <Route path=path!("/processing") view=pages::processing::Processing/>
                    <Route path=path!("/faces") view=pages::faces::Faces/>
                    <Route path=path!("/settings") view=pages::settings::Settings/>
                    <Route path=path!("/users") view=pages::users::Users/>
                </Routes>
            </Layout>
        </Router>
    }
}
