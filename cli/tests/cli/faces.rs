//! Face collections through the HTTP API on the real server and face models: a portrait
//! indexes its face, a cup, a group or a text file are refused with the reason, and
//! renaming and deleting keep the catalog, the crops and the vectors in step.

use crate::common;

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

/// A folder of photographs as people keep them: by person, or named after the person.
fn press_folder(dir: &std::path::Path) -> std::path::PathBuf {
    let root = dir.join("press");
    std::fs::create_dir_all(root.join("Barack Obama")).unwrap();
    std::fs::create_dir_all(root.join("cup")).unwrap();
    std::fs::copy(sample("obama.jpg"), root.join("Barack Obama/podium.jpg")).unwrap();
    std::fs::copy(sample("obama2.jpg"), root.join("Barack Obama/portrait.jpg")).unwrap();
    std::fs::copy(sample("biden.jpg"), root.join("Joe_Biden_1.jpg")).unwrap();
    std::fs::copy(sample("coffee.png"), root.join("cup/coffee.png")).unwrap();
    std::fs::write(root.join("Two People.jpg"), two_people(dir)).unwrap();
    std::fs::write(root.join("notes.txt"), "who is who").unwrap();
    std::fs::write(root.join(".DS_Store"), "hidden").unwrap();
    root
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_or_a_folder_of_photographs_is_indexed_by_person_with_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(&dir.path().join("server")).await;
    let api = api(&server).await;
    let root = press_folder(dir.path());

    // The zip, made by Python's zipfile as people's tools make them.
    let archive = dir.path().join("press.zip");
    let zipped = std::process::Command::new("python3")
        .args(["-m", "zipfile", "-c"])
        .arg(&archive)
        .args(["Barack Obama", "Joe_Biden_1.jpg", "cup", "Two People.jpg", "notes.txt", ".DS_Store"])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(zipped.success());
    let (status, staff) =
        api.call(reqwest::Method::POST, "/api/face-collections", Some(json!({"name": "Staff"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = staff["id"].as_str().unwrap().to_owned();
    let url = format!("{}/api/face-collections/{id}/import", api.base);
    let body = std::fs::read(&archive).unwrap();
    let (status, report) = api.send(api.http.post(&url).header("content-type", "application/zip").body(body)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    // Each listed photograph's file and one other field, in file order.
    let listed = |list: &str, field: &str| {
        let mut pairs: Vec<(String, String)> = report[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["file"].as_str().unwrap().to_owned(), f[field].as_str().unwrap().to_owned()))
            .collect();
        pairs.sort();
        pairs
    };
    assert_eq!(
        listed("indexed", "name"),
        [
            ("Barack Obama/podium.jpg".to_owned(), "Barack Obama".to_owned()),
            ("Barack Obama/portrait.jpg".to_owned(), "Barack Obama".to_owned()),
            ("Joe_Biden_1.jpg".to_owned(), "Joe Biden".to_owned()),
        ]
    );
    assert_eq!(
        listed("refused", "code"),
        [
            ("Two People.jpg".to_owned(), "several-faces".to_owned()),
            ("cup/coffee.png".to_owned(), "no-face".to_owned()),
            ("notes.txt".to_owned(), "not-a-picture".to_owned()),
        ],
        "hidden files are not looked at"
    );
    assert_eq!(server.state.vectors.count(&format!("faces/{id}")).await.unwrap(), 3);
    let (status, bad) = api.send(api.http.post(&url).body("not a zip")).await;
    assert_eq!((status, bad["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-archive")));

    // The same folder from the command line, into a collection it makes.
    let (admin, password) = server.first_admin.clone().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mediaport"))
        .args(["faces", "import"])
        .arg(&root)
        .args(["--collection", "Press", "--server", &server.url(), "--user", &admin])
        .env("MEDIAPORT_PASSWORD", &password)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("made the collection \"Press\""), "{said}");
    assert!(said.contains("indexed  Joe_Biden_1.jpg as Joe Biden"), "{said}");
    assert!(said.contains("refused  cup/coffee.png: no face was found on the image (no-face)"), "{said}");
    assert!(said.trim_end().ends_with("3 indexed, 3 refused into \"Press\""), "{said}");
    let (_, list) = api.call(reqwest::Method::GET, "/api/face-collections", None).await;
    let press = list["items"].as_array().unwrap().iter().find(|c| c["name"] == "Press").unwrap().clone();
    assert_eq!(press["face_count"], 3);
    server.shutdown().await.unwrap();
}
