//! Face collections through the HTTP API on the real server and face models: a portrait
//! indexes its face, a cup, a group or a text file are refused with the reason, and
//! renaming and deleting keep the catalog, the crops and the vectors in step.

mod common;

use mediaport_cli::server::RunningServer;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn sample(name: &str) -> std::path::PathBuf {
    mediaport_analysis::inference::default_dir().join("samples").join(name)
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    async fn add_face(&self, collection: &str, name: Option<&str>, file: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let mut form = Form::new().part("image", Part::bytes(bytes).file_name(file.to_owned()));
        if let Some(name) = name {
            form = form.text("name", name.to_owned());
        }
        let url = format!("{}/api/face-collections/{collection}/faces", self.base);
        self.send(self.http.post(url).multipart(form)).await
    }
}

async fn api(server: &RunningServer) -> Api {
    let (user, password) = server.first_admin.clone().expect("a first admin");
    let (session, _) = server.state.identity.login(&user, &password).await.unwrap();
    Api { http: reqwest::Client::new(), base: server.url(), token: session.access_token }
}

/// Two portraits side by side, faces of about one size.
fn two_people(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("two.jpg");
    let (a, b) = (sample("obama2.jpg"), sample("biden.jpg"));
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i", a.to_str().unwrap(), "-i", b.to_str().unwrap()])
        .args(["-filter_complex", "[0]scale=-2:800[a];[1]scale=-2:800[b];[a][b]hstack", "-frames:v", "1"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_index_one_clear_face_per_photograph_and_forget_it_completely() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    let api = api(&server).await;
    use reqwest::Method as M;

    let (status, staff) = api.call(M::POST, "/api/face-collections", Some(json!({"name": " Staff "}))).await;
    assert_eq!(status, StatusCode::CREATED, "{staff}");
    assert_eq!(staff["name"], "Staff");
    let id = staff["id"].as_str().unwrap().to_owned();
    let (status, again) = api.call(M::POST, "/api/face-collections", Some(json!({"name": "Staff"}))).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("collection-exists")));
    let (status, bad) = api.call(M::POST, "/api/face-collections", Some(json!({"name": "  "}))).await;
    assert_eq!((status, bad["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-name")));

    let portrait = std::fs::read(sample("obama.jpg")).unwrap();
    let (status, face) = api.add_face(&id, Some("Barack Obama"), "obama.jpg", portrait.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{face}");
    assert_eq!((face["name"].as_str(), face["source"].as_str()), (Some("Barack Obama"), Some("obama.jpg")));
    let crop = reqwest::get(face["crop_url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap();
    assert_eq!(&crop[..2], b"\xFF\xD8", "the crop is a JPEG");
    let face_id = face["id"].as_str().unwrap().to_owned();
    let space = format!("faces/{id}");
    assert_eq!(server.state.vectors.count(&space).await.unwrap(), 1);

    // Refused, each with its reason, and nothing stored.
    let cup = std::fs::read(sample("coffee.png")).unwrap();
    let refusals = [
        (api.add_face(&id, Some("Cup"), "coffee.png", cup).await, StatusCode::UNPROCESSABLE_ENTITY, "no-face"),
        (
            api.add_face(&id, Some("Pair"), "two.jpg", two_people(dir.path())).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "several-faces",
        ),
        (
            api.add_face(&id, Some("Notes"), "notes.jpg", b"not a picture".to_vec()).await,
            StatusCode::BAD_REQUEST,
            "unreadable-image",
        ),
        (api.add_face(&id, None, "obama.jpg", portrait.clone()).await, StatusCode::BAD_REQUEST, "invalid-body"),
        (
            api.add_face("no-such-collection", Some("X"), "obama.jpg", portrait.clone()).await,
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            api.call(M::POST, &format!("/api/face-collections/{id}/faces"), Some(json!({"name": "X"}))).await,
            StatusCode::BAD_REQUEST,
            "invalid-body",
        ),
    ];
    for (n, ((status, body), want, code)) in refusals.into_iter().enumerate() {
        assert_eq!((status, body["code"].as_str()), (want, Some(code)), "refusal {n}: {body}");
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(server.state.vectors.count(&space).await.unwrap(), 1);

    let (_, list) = api.call(M::GET, "/api/face-collections", None).await;
    assert_eq!(list["items"][0]["face_count"], 1, "{list}");
    let (status, renamed) =
        api.call(M::PATCH, &format!("/api/faces/{face_id}"), Some(json!({"name": "President Obama"}))).await;
    assert_eq!((status, renamed["name"].as_str()), (StatusCode::OK, Some("President Obama")));
    let (status, faces) = api.call(M::GET, &format!("/api/face-collections/{id}/faces"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        faces["items"].as_array().unwrap().iter().map(|f| f["name"].clone()).collect::<Vec<_>>(),
        [json!("President Obama")]
    );

    // Deleting a face takes its vector and crop with it.
    let crop_key = format!("faces/{id}/{face_id}.jpg");
    let (status, _) = api.call(M::DELETE, &format!("/api/faces/{face_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api.call(M::DELETE, &format!("/api/faces/{face_id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(server.state.vectors.count(&space).await.unwrap(), 0);
    let proxy = &server.settings.storage.proxy_bucket;
    assert!(server.state.storage.head_object(proxy, &crop_key).await.is_err(), "the crop is gone");

    // And a collection takes its faces.
    let (status, _) = api.add_face(&id, Some("Barack Obama"), "obama.jpg", portrait).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = api.call(M::DELETE, &format!("/api/face-collections/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api.call(M::GET, &format!("/api/face-collections/{id}/faces"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(server.state.vectors.count(&space).await.unwrap(), 0);
    assert!(server.state.storage.list_objects(proxy, &format!("faces/{id}/")).await.unwrap().is_empty());
    server.shutdown().await.unwrap();
}
