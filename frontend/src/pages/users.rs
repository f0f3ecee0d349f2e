use leptos::prelude::*;
use leptos::task::spawn_local;
use mediaport_shared::user::CreateUserRequest;
use mediaport_shared::{Group, User};

use crate::api;
use crate::auth::use_auth;
use crate::components::notice::{Notice, NoticeLine};

/// User administration: who may use the archive, and with which role.
#[component]
pub fn Users() -> impl IntoView {
    let auth = use_auth();
    // Bumped after every change to reload the list.
    let version = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        version.track();
        api::list_users(auth)
    });
    let notice = RwSignal::new(None::<Result<String, String>>);

    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Users"</h1>
                    <p class="subtitle">"Viewers browse and search; creators also upload and edit; admins also manage users and settings."</p>
                </div>
            </header>
            <NoticeLine notice/>
            <NewUserForm version notice/>
            <div class="card">
                <table class="table" data-testid="users">
                    <thead><tr><th>"Username"</th><th>"Email"</th><th>"Role"</th><th></th></tr></thead>
                    <tbody>
                        {move || match users.get() {
                            None => view! { <tr><td colspan="4" class="muted">"Loading…"</td></tr> }.into_any(),
                            Some(Err(e)) => view! { <tr><td colspan="4" class="alert-error">{e.message}</td></tr> }.into_any(),
                            Some(Ok(list)) => list.into_iter().map(|user| view! { <UserRow user version notice/> }).collect_view().into_any(),
                        }}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

fn group_options(selected: Group) -> impl IntoView {
    Group::ALL
        .iter()
        .map(|g| view! { <option value=g.as_str() selected=*g == selected>{g.as_str()}</option> })
        .collect_view()
}

#[component]
fn UserRow(user: User, version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let name = user.username.clone();
    let change_group = {
        let name = name.clone();
        move |ev: leptos::ev::Event| {
            let Some(group) = Group::parse(&event_target_value(&ev)) else { return };
            let name = name.clone();
            spawn_local(async move {
                match api::set_group(auth, &name, group).await {
                    Ok(user) => notice.set(Some(Ok(format!("{} is now {}", user.username, user.group().as_str())))),
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    let delete = {
        let name = name.clone();
        move |_| {
            let confirmed =
                window().confirm_with_message(&format!("Delete {name}? They will be signed out.")).unwrap_or(false);
            if !confirmed {
                return;
            }
            let name = name.clone();
            spawn_local(async move {
                match api::delete_user(auth, &name).await {
                    Ok(()) => notice.set(Some(Ok(format!("{name} was deleted")))),
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    let role_label = format!("Role of {name}");
    let shown_name = name.clone();
    view! {
        <tr data-username=name>
            <td class="strong">{shown_name}</td>
            <td class="muted">{user.email.clone()}</td>
            <td>
                <select aria-label=role_label on:change=change_group>{group_options(user.group())}</select>
            </td>
            <td class="row-actions"><button class="button button-danger" on:click=delete>"Delete"</button></td>
        </tr>
    }
}

#[component]
fn NewUserForm(version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let username = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let group = RwSignal::new(Group::Viewer);
    let password = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CreateUserRequest {
            username: username.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            group: group.get_untracked(),
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
        };
        spawn_local(async move {
            match api::create_user(auth, request).await {
                Ok(created) => {
                    let mut text =
                        format!("{} was created as {}", created.user.username, created.user.group().as_str());
                    if let Some(temporary) = created.temporary_password {
                        text.push_str(&format!(". Temporary password (shown once): {temporary}"));
                    }
                    notice.set(Some(Ok(text)));
                    username.set(String::new());
                    email.set(String::new());
                    password.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(Err(e.message))),
            }
        });
    };
    view! {
        <form class="card form-grid" on:submit=submit data-testid="new-user">
            <h2>"Add a user"</h2>
            <label class="field"><span>"Username"</span><input name="username" required=true bind:value=username/></label>
            <label class="field"><span>"Email"</span><input name="email" type="email" required=true bind:value=email/></label>
            <label class="field"><span>"Role"</span>
                <select name="group" on:change=move |ev| if let Some(g) = Group::parse(&event_target_value(&ev)) { group.set(g) }>
                    {group_options(Group::Viewer)}
                </select>
            </label>
            <label class="field"><span>"Password"</span>
                <input name="password" type="password" autocomplete="new-password" placeholder="Leave empty to generate one" bind:value=password/>
            </label>
            <div class="form-actions"><button class="button" type="submit">"Add user"</button></div>
        </form>
    }
}
