//! Signing in, sessions and user administration through the HTTP API.

use crate::common;

use mediaport_cli::server::RunningServer;
use mediaport_core::users;
use mediaport_shared::Group;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "Corr3ct-Horse!";

async fn add(server: &RunningServer, name: &str, group: Group) {
    users::create_user(server.state.identity.as_ref(), name, "u@example.org", group, Some(PASSWORD)).await.unwrap();
}

async fn login(server: &RunningServer, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/auth/login", server.url()))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn session(server: &RunningServer, username: &str) -> Value {
    let response = login(server, username, PASSWORD).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn call(
    server: &RunningServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", server.url())).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_user_signs_in_and_sees_themself() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    add(&server, "ada", Group::Creator).await;
    let session = session(&server, "ada").await;
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    assert_eq!(session["user"]["groups"], json!(["creator"]));
    let me = call(&server, reqwest::Method::GET, "/api/me", session["access_token"].as_str().unwrap(), None).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "ada");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same_and_repeated_failures_wait() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    add(&server, "ada", Group::Viewer).await;

    let wrong = login(&server, "ada", "Wr0ng-password!").await;
    let unknown = login(&server, "nobody", "Wr0ng-password!").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["code"], "invalid-credentials");

    for name in ["ada", "nobody"] {
        while login(&server, name, "Wr0ng-password!").await.status() == StatusCode::UNAUTHORIZED {}
    }
    // After three failures even the right password must wait, and says for how long.
    let blocked = login(&server, "ada", PASSWORD).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    let blocked_unknown = login(&server, "nobody", PASSWORD).await;
    assert_eq!(blocked_unknown.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = blocked.json().await.unwrap();
    assert_eq!(body["code"], "too-many-attempts");

    tokio::time::sleep(std::time::Duration::from_millis(retry * 1000 + 200)).await;
    assert_eq!(login(&server, "ada", PASSWORD).await.status(), 200);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn refresh_tokens_rotate_and_logout_ends_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    add(&server, "ada", Group::Viewer).await;
    let first = session(&server, "ada").await;
    let http = reqwest::Client::new();
    let refresh = |token: Value| {
        http.post(format!("{}/api/auth/refresh", server.url())).json(&json!({"refresh_token": token})).send()
    };

    let second = refresh(first["refresh_token"].clone()).await.unwrap();
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.unwrap();
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["user"]["username"], "ada");
    // A spent refresh token is refused.
    assert_eq!(refresh(first["refresh_token"].clone()).await.unwrap().status(), 401);

    let token = second["access_token"].as_str().unwrap();
    let out = call(
        &server,
        reqwest::Method::POST,
        "/api/auth/logout",
        token,
        Some(json!({"refresh_token": second["refresh_token"]})),
    )
    .await;
    assert_eq!(out.status(), 204);
    assert_eq!(refresh(second["refresh_token"].clone()).await.unwrap().status(), 401);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn group_changes_and_deletions_apply_to_live_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    add(&server, "boss", Group::Admin).await;
    add(&server, "ada", Group::Admin).await;
    let boss = session(&server, "boss").await["access_token"].as_str().unwrap().to_owned();
    let ada = session(&server, "ada").await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(call(&server, reqwest::Method::GET, "/api/users", &ada, None).await.status(), 200);

    let demoted =
        call(&server, reqwest::Method::PUT, "/api/users/ada/group", &boss, Some(json!({"group": "viewer"}))).await;
    assert_eq!(demoted.status(), 200);
    assert_eq!(call(&server, reqwest::Method::GET, "/api/users", &ada, None).await.status(), 403);

    let deleted = call(&server, reqwest::Method::DELETE, "/api/users/ada", &boss, None).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(call(&server, reqwest::Method::GET, "/api/me", &ada, None).await.status(), 401);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_last_admin_stays() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    let (name, password) = server.first_admin.clone().expect("a first admin on a fresh data folder");
    let token = {
        let response = login(&server, &name, &password).await;
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    };
    for (method, path, body) in [
        (reqwest::Method::DELETE, "/api/users/admin", None),
        (reqwest::Method::PUT, "/api/users/admin/group", Some(json!({"group": "creator"}))),
    ] {
        let response = call(&server, method, path, &token, body).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "last-admin");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn admins_create_users_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    add(&server, "boss", Group::Admin).await;
    let boss = session(&server, "boss").await["access_token"].as_str().unwrap().to_owned();
    let create = |body: Value| call(&server, reqwest::Method::POST, "/api/users", &boss, Some(body));

    let weak =
        create(json!({"username": "bob", "email": "bob@example.org", "group": "viewer", "password": "password"})).await;
    assert_eq!(weak.status(), 400);
    let weak: Value = weak.json().await.unwrap();
    assert_eq!(weak["code"], "weak-password");
    assert!(weak["message"].as_str().unwrap().contains("upper-case"), "{weak}");

    // An invitation: no password given, a temporary one comes back once and works.
    let invited = create(json!({"username": "bob", "email": "bob@example.org", "group": "creator"})).await;
    assert_eq!(invited.status(), 201);
    let invited: Value = invited.json().await.unwrap();
    assert_eq!(invited["groups"], json!(["creator"]));
    let temporary = invited["temporary_password"].as_str().unwrap();
    assert_eq!(login(&server, "bob", temporary).await.status(), 200);

    let duplicate = create(json!({"username": "BOB", "email": "b@example.org", "group": "viewer"})).await;
    assert_eq!(duplicate.status(), 409);
    assert_eq!(duplicate.json::<Value>().await.unwrap()["code"], "user-exists");

    let bad_group = create(json!({"username": "carl", "email": "c@example.org", "group": "root"})).await;
    assert_eq!(bad_group.status(), 400);
    assert_eq!(bad_group.json::<Value>().await.unwrap()["code"], "invalid-body");

    let listed: Value = call(&server, reqwest::Method::GET, "/api/users", &boss, None).await.json().await.unwrap();
    let names: Vec<_> = listed["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "bob", "boss"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_first_admin_is_made_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = common::start(dir.path()).await;
    assert!(first.first_admin.is_some());
    first.shutdown().await.unwrap();
    let second = common::start(dir.path()).await;
    assert!(second.first_admin.is_none());
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn floods_of_made_up_or_huge_names_are_refused_before_anything_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    add(&server, "ada", Group::Viewer).await;
    let catalog_bytes = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("catalog"))
            .map(|e| e.metadata().unwrap().len())
            .sum::<u64>()
    };
    let before = catalog_bytes();

    // Names no account can have, and passwords longer than any, cost nothing: refused as
    // any wrong sign-in, never counted against a name.
    let huge = "x".repeat(1 << 20);
    for _ in 0..10 {
        assert_eq!(login(&server, &huge, "Wr0ng-password!").await.status(), StatusCode::UNAUTHORIZED);
    }
    let long_password = login(&server, "ada", &"p".repeat(1 << 20)).await;
    assert_eq!(long_password.status(), StatusCode::UNAUTHORIZED);

    // Made-up names from one address: after a burst of failures the address waits, and
    // the names it tries then are not even looked at.
    let mut statuses = Vec::new();
    for n in 0..300 {
        statuses.push(login(&server, &format!("guess{n}"), "Wr0ng-password!").await.status());
    }
    let slowed = statuses.iter().position(|s| *s == StatusCode::TOO_MANY_REQUESTS).expect("the address is slowed");
    assert!(slowed <= 10, "{slowed} guesses went through first");
    assert!(statuses[slowed..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS));
    let grown = catalog_bytes().saturating_sub(before);
    assert!(grown < 1 << 20, "the catalog grew by {grown} bytes");
    server.shutdown().await.unwrap();
}

/// Reads an event stream until the server ends it; `false` if it is still open after `within`.
async fn ends_within(mut events: reqwest::Response, within: std::time::Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, events.chunk()).await {
            Err(_) => return false,
            Ok(Ok(Some(_))) => {}
            Ok(_) => return true,
        }
    }
}

#[tokio::test]
async fn an_event_stream_ends_when_its_token_expires_or_its_user_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    add(&server, "eve", Group::Viewer).await;
    add(&server, "sam", Group::Viewer).await;
    let open = |token: String| {
        let url = format!("{}/api/events?access_token={token}", server.url());
        // A browser that was away asks for everything since 0: it gets a bounded replay.
        async move { reqwest::Client::new().get(url).header("last-event-id", "0").send().await.unwrap() }
    };
    // A token that lives one second, signed with the server's own key.
    let key = std::fs::read_to_string(dir.path().join("token-signing.key")).unwrap();
    let key = mediaport_backends::identity::SigningKey::from_hex(&key).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let eve = open(key.sign("eve", now, 1).unwrap()).await;
    assert_eq!(eve.status(), 200);
    assert!(ends_within(eve, std::time::Duration::from_secs(30)).await, "the stream outlived its token");

    let sam = open(session(&server, "sam").await["access_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(sam.status(), 200);
    users::delete_user(server.state.identity.as_ref(), "sam").await.unwrap();
    assert!(ends_within(sam, std::time::Duration::from_secs(30)).await, "a deleted user's stream goes on");
    server.shutdown().await.unwrap();
}

/// With `server.events = "poll"` (how the Lambda function answers, as API Gateway hands
/// on only whole answers) each request gets what changed since the id it gives, then a
/// `mark` event with the id to ask from next, and ends.
#[tokio::test]
async fn polled_events_answer_what_changed_since_the_last_one_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    settings.server.events = mediaport_wiring::settings::EventsMode::Poll;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    add(&server, "eve", Group::Viewer).await;
    let token = session(&server, "eve").await["access_token"].as_str().unwrap().to_owned();
    let poll = async |since: &str| {
        let url = format!("{}/api/events?access_token={token}&last_event_id={since}", server.url());
        let answer = reqwest::Client::new().get(url).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let text = tokio::time::timeout(std::time::Duration::from_secs(10), answer.text()).await;
        text.expect("a polled answer ends").unwrap()
    };
    let mark = |text: &str| {
        let at = text.find("event: mark").expect("a mark event");
        text[at..].lines().find_map(|l| l.strip_prefix("id: ")).unwrap().to_owned()
    };

    let before = (chrono::Utc::now().timestamp_millis() - 1).to_string();
    let queue = server.state.queue.as_ref();
    let first = queue.enqueue(mediaport_core::workflow::remove_job(&"gone-1".into(), None)).await.unwrap();
    let answer = poll(&before).await;
    assert!(answer.contains("event: job") && answer.contains(first.id.as_str()), "{answer}");
    let next = mark(&answer);
    assert!(next.parse::<i64>().unwrap() >= first.changed_ms, "the mark is past what was sent");

    let second = queue.enqueue(mediaport_core::workflow::remove_job(&"gone-2".into(), None)).await.unwrap();
    let answer = poll(&next).await;
    assert!(answer.contains(second.id.as_str()), "{answer}");
    server.shutdown().await.unwrap();
}
