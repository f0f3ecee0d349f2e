use leptos::prelude::*;

/// Sign-in form.
#[component]
pub fn Login() -> impl IntoView {
    view! {
        <section class="auth-page">
            <form class="card auth-card" on:submit=|ev| ev.prevent_default()>
                <div class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    <span class="brand-name">"Mediaport"</span>
                </div>
                <h1>"Sign in"</h1>
                <label class="field">
                    <span>"Username"</span>
                    <input name="username" autocomplete="username" required=true/>
                </label>
                <label class="field">
                    <span>"Password"</span>
                    <input name="password" type="password" autocomplete="current-password" required=true/>
                </label>
                <button class="button button-wide" type="submit">"Sign in"</button>
            </form>
        </section>
    }
}
