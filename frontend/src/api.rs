//! Every HTTP call the app makes, in one place, typed with `mediaport-shared`.
//! Authenticated calls carry the session's token; a 401 triggers one refresh and retry.

use gloo_net::http::{Request, RequestBuilder, Response};
use mediaport_shared::codes;
use mediaport_shared::user::{
    CreateUserRequest, CreatedUser, LoginRequest, LoginResponse, RefreshRequest, SetGroupRequest, UserList,
};
use mediaport_shared::{
    AiOptions, AnalysisKind, Asset, AssetDetail, AssetFace, AssetFaceList, AssetId, AssetList, CompleteUploadRequest,
    Correction, CorrectionEntry, CorrectionId, CorrectionList, CreateFaceCollection, CreateUploadRequest, CreatedShare,
    Deliveries, Delivery, ErrorBody, FaceCollection, FaceCollectionList, FaceImport, Group, Health, IndexedFace,
    IndexedFaceList, JobId, JobInfo, JobList, MergePeople, MoveAppearance, NamePerson, NewNote, NewNotifyTarget,
    NewShare, Note, NoteId, NoteList, NotifyTarget, NotifyTargets, PartUrl, PartUrls, Person, PersonId, PersonList,
    PresignPartsRequest, Reanalyse, Rename, SearchResults, Share, ShareId, ShareList, ShareView, ShareViewList,
    SharedMoment, Stats, StoredPart, StoredParts, TestDelivery, Timeline, Upload, UploadId, User,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{Auth, StoredSession};

/// A failed call, worded for the person using the app.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ApiError {
    fn network(err: &gloo_net::Error) -> Self {
        Self { code: codes::NETWORK.into(), message: format!("the server could not be reached ({err})") }
    }
}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => ApiError { code: body.code, message: body.message },
        Err(_) => ApiError { code: format!("http-{status}"), message: format!("the server answered {status}") },
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        response.json::<T>().await.map_err(|e| ApiError::network(&e))
    } else {
        Err(error_of(response).await)
    }
}

async fn expect_ok(response: Response) -> Result<(), ApiError> {
    if response.ok() { Ok(()) } else { Err(error_of(response).await) }
}

fn with_body(builder: RequestBuilder, body: &impl Serialize) -> Result<Request, ApiError> {
    builder.json(body).map_err(|e| ApiError::network(&e))
}

/// Sends an authenticated request built by `build`; refreshes the session once on 401.
async fn send(auth: Auth, build: impl Fn() -> RequestBuilder) -> Result<Response, ApiError> {
    send_with(auth, |b| b.build().map_err(|e| ApiError::network(&e)), build).await
}

async fn send_json(
    auth: Auth,
    body: &impl Serialize,
    build: impl Fn() -> RequestBuilder,
) -> Result<Response, ApiError> {
    send_with(auth, |b| with_body(b, body), build).await
}

async fn send_with(
    auth: Auth,
    finish: impl Fn(RequestBuilder) -> Result<Request, ApiError>,
    build: impl Fn() -> RequestBuilder,
) -> Result<Response, ApiError> {
    for attempt in 0..2 {
        let token = auth.access_token();
        let mut builder = build();
        if let Some(token) = &token {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        let response = finish(builder)?.send().await.map_err(|e| ApiError::network(&e))?;
        if response.status() != 401 || attempt == 1 || renew(auth, token).await.is_err() {
            return Ok(response);
        }
    }
    unreachable!("the loop returns on its second attempt")
}

/// The server's health: version, catalog and storage status.
pub async fn health() -> Result<Health, ApiError> {
    let response = Request::get("/healthz").send().await.map_err(|e| ApiError::network(&e))?;
    // A degraded server answers 503 with the same body: show it rather than fail.
    if response.status() == 503 {
        return response.json::<Health>().await.map_err(|e| ApiError::network(&e));
    }
    decode(response).await
}

/// The number of operations the server documents, from its OpenAPI document.
pub async fn api_operation_count() -> Result<usize, ApiError> {
    let response = Request::get("/api/openapi.json").send().await.map_err(|e| ApiError::network(&e))?;
    let doc: serde_json::Value = decode(response).await?;
    let paths = doc.get("paths").and_then(|p| p.as_object());
    Ok(paths.map_or(0, |p| p.values().filter_map(|v| v.as_object()).map(|ops| ops.len()).sum()))
}

pub async fn login(username: String, password: String) -> Result<LoginResponse, ApiError> {
    let request = with_body(Request::post("/api/auth/login"), &LoginRequest { username, password })?;
    decode(request.send().await.map_err(|e| ApiError::network(&e))?).await
}

thread_local! {
    /// One renewal at a time in this tab: refresh tokens work once, so a second renewal
    /// with the same token would fail and sign the user out.
    static RENEWING: std::rc::Rc<futures::lock::Mutex<()>> = std::rc::Rc::default();
}

/// Renews the session with its refresh token; a refused token signs the user out.
pub async fn refresh(auth: Auth) -> Result<(), ApiError> {
    renew(auth, auth.access_token()).await
}

/// Renews the session whose access token was `spent`, unless it has been renewed
/// already: by a call of this tab that got there first (two requests refused at once
/// renew once), or by another tab, whose session is then taken.
async fn renew(auth: Auth, spent: Option<String>) -> Result<(), ApiError> {
    let lock = RENEWING.with(std::rc::Rc::clone);
    let _one_at_a_time = lock.lock().await;
    if auth.adopt_stored() || auth.access_token() != spent {
        return Ok(());
    }
    let Some(refresh_token) = auth.refresh_token() else {
        return Err(ApiError { code: codes::SIGNED_OUT.into(), message: "sign in first".into() });
    };
    let request = with_body(Request::post("/api/auth/refresh"), &RefreshRequest { refresh_token })?;
    let response = request.send().await.map_err(|e| ApiError::network(&e))?;
    match decode::<LoginResponse>(response).await {
        Ok(login) => {
            auth.set(Some(StoredSession::from_login(login)));
            Ok(())
        }
        Err(err) if err.code == codes::NETWORK => Err(err),
        Err(err) => {
            // Another tab may have spent the token a moment ago: its answer is on the way.
            gloo_timers::future::TimeoutFuture::new(1_000).await;
            if auth.adopt_stored() {
                return Ok(());
            }
            auth.set(None);
            Err(err)
        }
    }
}

/// Ends the session on the server and forgets it here, whatever the server says.
pub async fn logout(auth: Auth) {
    if let Some(refresh_token) = auth.refresh_token() {
        let body = RefreshRequest { refresh_token };
        let _ = send_json(auth, &body, || Request::post("/api/auth/logout")).await;
    }
    auth.set(None);
}

/// One page of assets; empty filters mean any.
pub async fn list_assets(
    auth: Auth,
    asset_type: &str,
    status: &str,
    cursor: Option<String>,
    page_size: u32,
) -> Result<AssetList, ApiError> {
    let mut query = vec![format!("page_size={page_size}")];
    if !asset_type.is_empty() {
        query.push(format!("type={asset_type}"));
    }
    if !status.is_empty() {
        query.push(format!("status={status}"));
    }
    if let Some(cursor) = cursor {
        query.push(format!("cursor={}", encode(&cursor)));
    }
    let path = format!("/api/assets?{}", query.join("&"));
    decode(send(auth, || Request::get(&path)).await?).await
}

/// `GET /api/search`: a query with optional comma-separated types, from a page's cursor.
/// `mode`: how the free words are read (`words`, `meaning`, `both`); empty is words.
pub async fn search(
    auth: Auth,
    q: &str,
    types: &str,
    mode: &str,
    cursor: Option<String>,
) -> Result<SearchResults, ApiError> {
    let mut query = vec![format!("q={}", encode(q)), "page_size=20".to_owned()];
    if !types.is_empty() {
        query.push(format!("type={}", encode(types)));
    }
    if !mode.is_empty() {
        query.push(format!("mode={}", encode(mode)));
    }
    if let Some(cursor) = cursor {
        query.push(format!("cursor={}", encode(&cursor)));
    }
    let path = format!("/api/search?{}", query.join("&"));
    decode(send(auth, || Request::get(&path)).await?).await
}

pub async fn get_asset(auth: Auth, id: &AssetId) -> Result<AssetDetail, ApiError> {
    let path = format!("/api/assets/{}", encode(id));
    decode(send(auth, || Request::get(&path)).await?).await
}

/// One kind of analysis of an asset: each name with its time ranges.
pub async fn get_timeline(auth: Auth, id: &AssetId, kind: AnalysisKind) -> Result<Timeline, ApiError> {
    let path = format!("/api/assets/{}/analysis/{}", encode(id), kind.as_str());
    decode(send(auth, || Request::get(&path)).await?).await
}

/// A track of an asset as text: `transcript.vtt`, `text.vtt`...
pub async fn get_track(auth: Auth, id: &AssetId, file: &str) -> Result<String, ApiError> {
    let path = format!("/api/assets/{}/tracks/{}", encode(id), encode(file));
    let response = send(auth, || Request::get(&path)).await?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    response.text().await.map_err(|e| ApiError::network(&e))
}

/// An asset's corrections, undone ones too, oldest first (creators and admins).
pub async fn corrections(auth: Auth, id: &AssetId) -> Result<Vec<CorrectionEntry>, ApiError> {
    let path = format!("/api/assets/{}/corrections", encode(id));
    let list: CorrectionList = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(list.items)
}

pub async fn correct(auth: Auth, id: &AssetId, correction: &Correction) -> Result<CorrectionEntry, ApiError> {
    let path = format!("/api/assets/{}/corrections", encode(id));
    decode(send_json(auth, correction, || Request::post(&path)).await?).await
}

pub async fn undo_correction(auth: Auth, id: &AssetId, correction: &CorrectionId) -> Result<CorrectionEntry, ApiError> {
    let path = format!("/api/assets/{}/corrections/{}/undo", encode(id), encode(correction));
    decode(send(auth, || Request::post(&path)).await?).await
}

/// An asset's notes and replies, oldest first.
pub async fn notes(auth: Auth, id: &AssetId) -> Result<Vec<Note>, ApiError> {
    let path = format!("/api/assets/{}/notes", encode(id));
    let list: NoteList = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(list.items)
}

pub async fn add_note(auth: Auth, id: &AssetId, note: &NewNote) -> Result<Note, ApiError> {
    let path = format!("/api/assets/{}/notes", encode(id));
    decode(send_json(auth, note, || Request::post(&path)).await?).await
}

pub async fn delete_note(auth: Auth, id: &AssetId, note: &NoteId) -> Result<(), ApiError> {
    let path = format!("/api/assets/{}/notes/{}", encode(id), encode(note));
    expect_ok(send(auth, || Request::delete(&path)).await?).await
}

/// Shares a stretch of an asset through a secret link.
pub async fn share(auth: Auth, id: &AssetId, new: &NewShare) -> Result<CreatedShare, ApiError> {
    let path = format!("/api/assets/{}/shares", encode(id));
    decode(send_json(auth, new, || Request::post(&path)).await?).await
}

/// The shares the user manages (an admin's: all), newest first.
pub async fn shares(auth: Auth) -> Result<Vec<Share>, ApiError> {
    let list: ShareList = decode(send(auth, || Request::get("/api/shares")).await?).await?;
    Ok(list.items)
}

pub async fn revoke_share(auth: Auth, id: &ShareId) -> Result<Share, ApiError> {
    let path = format!("/api/shares/{}/revoke", encode(id));
    decode(send(auth, || Request::post(&path)).await?).await
}

pub async fn share_views(auth: Auth, id: &ShareId) -> Result<Vec<ShareView>, ApiError> {
    let path = format!("/api/shares/{}/views", encode(id));
    let list: ShareViewList = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(list.items)
}

/// What a shared link shows; no account needed.
pub async fn shared_moment(token: &str) -> Result<SharedMoment, ApiError> {
    let path = format!("/api/public/shares/{}", encode(token));
    decode(Request::get(&path).send().await.map_err(|e| ApiError::network(&e))?).await
}

/// Analyses an asset again with `options` laid over its own.
pub async fn reanalyse(auth: Auth, id: &AssetId, options: AiOptions) -> Result<Asset, ApiError> {
    let path = format!("/api/assets/{}/analysis", encode(id));
    let request = Reanalyse { ai_options: Some(options) };
    decode(send_json(auth, &request, || Request::post(&path)).await?).await
}

/// The analysis defaults for new assets, every field set.
pub async fn ai_defaults(auth: Auth) -> Result<AiOptions, ApiError> {
    decode(send(auth, || Request::get("/api/settings/ai-options")).await?).await
}

pub async fn save_ai_defaults(auth: Auth, options: &AiOptions) -> Result<AiOptions, ApiError> {
    decode(send_json(auth, options, || Request::put("/api/settings/ai-options")).await?).await
}

/// The notification targets, with webhooks' secrets.
pub async fn notify_targets(auth: Auth) -> Result<Vec<NotifyTarget>, ApiError> {
    let list: NotifyTargets = decode(send(auth, || Request::get("/api/settings/notifications")).await?).await?;
    Ok(list.items)
}

pub async fn add_notify_target(auth: Auth, new: &NewNotifyTarget) -> Result<NotifyTarget, ApiError> {
    decode(send_json(auth, new, || Request::post("/api/settings/notifications")).await?).await
}

pub async fn remove_notify_target(auth: Auth, id: &str) -> Result<(), ApiError> {
    let path = format!("/api/settings/notifications/{}", encode(id));
    expect_ok(send(auth, || Request::delete(&path)).await?).await
}

pub async fn test_notify_target(auth: Auth, id: &str) -> Result<TestDelivery, ApiError> {
    let path = format!("/api/settings/notifications/{}/test", encode(id));
    decode(send(auth, || Request::post(&path)).await?).await
}

/// The newest deliveries of notices.
pub async fn deliveries(auth: Auth) -> Result<Vec<Delivery>, ApiError> {
    let path = "/api/settings/notifications/deliveries?page_size=50";
    let list: Deliveries = decode(send(auth, || Request::get(path)).await?).await?;
    Ok(list.items)
}

pub async fn stats(auth: Auth) -> Result<Stats, ApiError> {
    decode(send(auth, || Request::get("/api/stats")).await?).await
}

/// Any API path's answer as text (downloads: timelines, tracks, the EDL, the export).
pub async fn get_text(auth: Auth, path: &str) -> Result<String, ApiError> {
    let response = send(auth, || Request::get(path)).await?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    response.text().await.map_err(|e| ApiError::network(&e))
}

/// The newest jobs, of one asset when `asset_id` is given.
pub async fn list_jobs(auth: Auth, asset_id: Option<&AssetId>) -> Result<Vec<JobInfo>, ApiError> {
    let path = match asset_id {
        Some(id) => format!("/api/jobs?page_size=100&asset_id={}", encode(id)),
        None => "/api/jobs?page_size=200".to_owned(),
    };
    let list: JobList = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(list.items)
}

pub async fn retry_job(auth: Auth, job_id: &JobId) -> Result<JobInfo, ApiError> {
    let path = format!("/api/jobs/{}/retry", encode(job_id));
    decode(send(auth, || Request::post(&path)).await?).await
}

pub async fn list_users(auth: Auth) -> Result<Vec<User>, ApiError> {
    let list: UserList = decode(send(auth, || Request::get("/api/users")).await?).await?;
    Ok(list.items)
}

pub async fn create_user(auth: Auth, request: CreateUserRequest) -> Result<CreatedUser, ApiError> {
    decode(send_json(auth, &request, || Request::post("/api/users")).await?).await
}

pub async fn set_group(auth: Auth, username: &str, group: Group) -> Result<User, ApiError> {
    let path = format!("/api/users/{}/group", encode(username));
    decode(send_json(auth, &SetGroupRequest { group }, || Request::put(&path)).await?).await
}

/// Deletes an asset; with `purge`, its original too.
pub async fn delete_asset(auth: Auth, id: &AssetId, purge: bool) -> Result<(), ApiError> {
    let path = format!("/api/assets/{}?purge={purge}", encode(id));
    expect_ok(send(auth, || Request::delete(&path)).await?).await
}

pub async fn delete_user(auth: Auth, username: &str) -> Result<(), ApiError> {
    let path = format!("/api/users/{}", encode(username));
    expect_ok(send(auth, || Request::delete(&path)).await?).await
}

pub async fn list_face_collections(auth: Auth) -> Result<Vec<FaceCollection>, ApiError> {
    let list: FaceCollectionList = decode(send(auth, || Request::get("/api/face-collections")).await?).await?;
    Ok(list.items)
}

pub async fn create_face_collection(auth: Auth, name: String) -> Result<FaceCollection, ApiError> {
    let request = CreateFaceCollection { name };
    decode(send_json(auth, &request, || Request::post("/api/face-collections")).await?).await
}

pub async fn delete_face_collection(auth: Auth, id: &str) -> Result<(), ApiError> {
    let path = format!("/api/face-collections/{}", encode(id));
    expect_ok(send(auth, || Request::delete(&path)).await?).await
}

pub async fn list_faces(auth: Auth, collection_id: &str) -> Result<Vec<IndexedFace>, ApiError> {
    let path = format!("/api/face-collections/{}/faces", encode(collection_id));
    let list: IndexedFaceList = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(list.items)
}

/// Indexes the face on `photo` as `name`.
pub async fn add_face(
    auth: Auth,
    collection_id: &str,
    name: &str,
    photo: &web_sys::File,
) -> Result<IndexedFace, ApiError> {
    let path = format!("/api/face-collections/{}/faces", encode(collection_id));
    let form = |b: RequestBuilder| {
        let unavailable =
            |_| ApiError { code: codes::FORM.into(), message: "the browser could not build the form".into() };
        let data = web_sys::FormData::new().map_err(unavailable)?;
        data.append_with_str("name", name).map_err(unavailable)?;
        data.append_with_blob_and_filename("image", photo, &photo.name()).map_err(unavailable)?;
        b.body(data).map_err(|e| ApiError::network(&e))
    };
    decode(send_with(auth, form, || Request::post(&path)).await?).await
}

/// Indexes every photograph of a zip archive into a collection.
pub async fn import_faces(auth: Auth, collection_id: &str, archive: &web_sys::File) -> Result<FaceImport, ApiError> {
    let path = format!("/api/face-collections/{}/import", encode(collection_id));
    let body = |b: RequestBuilder| {
        b.header("Content-Type", "application/zip").body(archive.clone()).map_err(|e| ApiError::network(&e))
    };
    decode(send_with(auth, body, || Request::post(&path)).await?).await
}

pub async fn rename_face(auth: Auth, face_id: &str, name: String) -> Result<IndexedFace, ApiError> {
    let path = format!("/api/faces/{}", encode(face_id));
    decode(send_json(auth, &Rename { name }, || Request::patch(&path)).await?).await
}

pub async fn delete_face(auth: Auth, face_id: &str) -> Result<(), ApiError> {
    let path = format!("/api/faces/{}", encode(face_id));
    expect_ok(send(auth, || Request::delete(&path)).await?).await
}

/// People seen in assets, most seen first; `named` filters named or unnamed ones.
pub async fn list_people(auth: Auth, named: Option<bool>) -> Result<Vec<Person>, ApiError> {
    let path = match named {
        Some(named) => format!("/api/people?page_size=500&named={named}"),
        None => "/api/people?page_size=500".to_owned(),
    };
    let list: PersonList = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(list.items)
}

pub async fn get_person(auth: Auth, id: &PersonId) -> Result<Person, ApiError> {
    let path = format!("/api/people/{}", encode(id));
    decode(send(auth, || Request::get(&path)).await?).await
}

pub async fn person_appearances(auth: Auth, id: &PersonId) -> Result<Vec<AssetFace>, ApiError> {
    let path = format!("/api/people/{}/appearances", encode(id));
    let list: AssetFaceList = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(list.items)
}

/// Names a person everywhere, or takes the name away with `None`.
pub async fn name_person(auth: Auth, id: &PersonId, name: Option<String>) -> Result<Person, ApiError> {
    let path = format!("/api/people/{}", encode(id));
    decode(send_json(auth, &NamePerson { name }, || Request::patch(&path)).await?).await
}

pub async fn merge_people(auth: Auth, id: &PersonId, into: PersonId) -> Result<Person, ApiError> {
    let path = format!("/api/people/{}/merge", encode(id));
    decode(send_json(auth, &MergePeople { into }, || Request::post(&path)).await?).await
}

/// "Not this person": the appearance leaves `id` for a person of its own.
pub async fn move_appearance(auth: Auth, id: &PersonId, appearance_id: String) -> Result<Person, ApiError> {
    let path = format!("/api/people/{}/move", encode(id));
    let request = MoveAppearance { appearance_id, to: None };
    decode(send_json(auth, &request, || Request::post(&path)).await?).await
}

pub async fn asset_faces(auth: Auth, asset_id: &AssetId) -> Result<Vec<AssetFace>, ApiError> {
    let path = format!("/api/assets/{}/faces", encode(asset_id));
    let list: AssetFaceList = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(list.items)
}

pub async fn create_upload(auth: Auth, request: &CreateUploadRequest) -> Result<Upload, ApiError> {
    decode(send_json(auth, request, || Request::post("/api/uploads")).await?).await
}

pub async fn part_urls(auth: Auth, upload_id: &UploadId, part_numbers: Vec<u32>) -> Result<Vec<PartUrl>, ApiError> {
    let path = format!("/api/uploads/{}/parts", encode(upload_id));
    let urls: PartUrls =
        decode(send_json(auth, &PresignPartsRequest { part_numbers }, || Request::post(&path)).await?).await?;
    Ok(urls.parts)
}

pub async fn stored_parts(auth: Auth, upload_id: &UploadId) -> Result<Vec<StoredPart>, ApiError> {
    let path = format!("/api/uploads/{}/parts", encode(upload_id));
    let parts: StoredParts = decode(send(auth, || Request::get(&path)).await?).await?;
    Ok(parts.parts)
}

pub async fn complete_upload(
    auth: Auth,
    upload_id: &UploadId,
    request: &CompleteUploadRequest,
) -> Result<Asset, ApiError> {
    let path = format!("/api/uploads/{}/complete", encode(upload_id));
    decode(send_json(auth, request, || Request::post(&path)).await?).await
}

pub async fn abort_upload(auth: Auth, upload_id: &UploadId) -> Result<(), ApiError> {
    let path = format!("/api/uploads/{}", encode(upload_id));
    expect_ok(send(auth, || Request::delete(&path)).await?).await
}

/// PUTs one part's bytes to its presigned URL and returns the ETag storage answered.
pub async fn put_part(url: &str, bytes: &js_sys::Uint8Array) -> Result<String, ApiError> {
    let response = Request::put(url)
        .body(bytes)
        .map_err(|e| ApiError::network(&e))?
        .send()
        .await
        .map_err(|e| ApiError::network(&e))?;
    if !response.ok() {
        return Err(ApiError {
            code: format!("storage-{}", response.status()),
            message: format!("storage refused a part ({})", response.status()),
        });
    }
    response.headers().get("etag").ok_or_else(|| ApiError {
        code: codes::NO_ETAG.into(),
        message: "storage did not expose the part's ETag: allow this site's origin in its CORS settings".into(),
    })
}

/// Percent-encodes text for one path segment or query value: all but the unreserved
/// characters.
pub fn encode(text: impl AsRef<str>) -> String {
    text.as_ref()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
