use leptos::prelude::*;

const ROLES: [(&str, &str); 3] = [
    ("Viewer", "browses, searches and reviews assets"),
    ("Creator", "also uploads, re-analyses, deletes and manages faces"),
    ("Admin", "also manages users and settings"),
];

/// User administration: who may do what.
#[component]
pub fn Users() -> impl IntoView {
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Users"</h1>
                    <p class="subtitle">"Who can use this archive, and what each of them may do."</p>
                </div>
            </header>
            <div class="card">
                <h2>"Roles"</h2>
                <table class="table">
                    <thead><tr><th>"Role"</th><th>"May"</th></tr></thead>
                    <tbody>
                        {ROLES.iter().map(|(role, may)| view! {
                            <tr><td><span class="badge">{*role}</span></td><td>{*may}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
