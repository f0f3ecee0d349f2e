//! Face collections: named faces indexed from photographs, recognised in assets.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use bytes::Bytes;
use mediaport_core::FaceRecord;
use mediaport_core::faces::{Collections, check_name};
use mediaport_core::people::Corrections;
use mediaport_core::validate::check_filename;
use mediaport_shared::{
    CreateFaceCollection, ErrorBody, FaceCollection, FaceCollectionList, IndexedFace, IndexedFaceList, Rename,
};

use crate::auth::{Auth, Creator, Viewer};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The largest photograph a face is indexed from: a phone's full-size JPEG fits.
pub const MAX_PHOTO: usize = 32 * 1024 * 1024;

pub(crate) fn collections(state: &AppState) -> Collections<'_> {
    Collections {
        catalog: state.faces.as_ref(),
        vectors: state.vectors.as_ref(),
        storage: state.storage.as_ref(),
        bucket: &state.buckets.proxy,
    }
}

/// Assets recognised by a face that changed are named again. The change is made by
/// then: a queue that cannot take the jobs is logged, and the next analysis of those
/// assets catches up.
async fn face_changed(state: &AppState, face_id: &str) {
    let people = Corrections { catalog: state.people.as_ref(), queue: state.queue.as_ref() };
    if let Err(err) = people.face_changed(face_id).await {
        tracing::warn!(face = face_id, error = %err, "cannot queue the relabelling of the face's assets");
    }
}

async fn indexed(state: &AppState, face: FaceRecord) -> Result<IndexedFace, ApiError> {
    let crop_url = Some(crate::links::presigned(state, &face.crop_key).await?);
    Ok(IndexedFace {
        id: face.id,
        collection_id: face.collection_id,
        name: face.name,
        crop_url,
        source: face.source,
        created_at: face.created_at,
    })
}

/// Every face collection with its number of faces.
#[utoipa::path(get, path = "/api/face-collections", tag = "faces",
    responses((status = 200, body = FaceCollectionList)), security(("bearer" = [])))]
pub async fn list(_caller: Auth<Viewer>, State(state): State<AppState>) -> Result<Json<FaceCollectionList>, ApiError> {
    Ok(Json(FaceCollectionList { items: state.faces.list_collections().await? }))
}

/// Creates an empty collection.
#[utoipa::path(post, path = "/api/face-collections", tag = "faces", request_body = CreateFaceCollection,
    responses((status = 201, body = FaceCollection), (status = 400, body = ErrorBody),
              (status = 409, description = "A collection has that name", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Json(request): Json<CreateFaceCollection>,
) -> Result<(StatusCode, Json<FaceCollection>), ApiError> {
    let collection = collections(&state).create(&request.name).await?;
    tracing::info!(by = %caller.principal.username, id = collection.id, "face collection created");
    Ok((StatusCode::CREATED, Json(collection)))
}

/// Deletes a collection with its faces; people recognised by them become unnamed faces
/// in their assets until they are analysed again.
#[utoipa::path(delete, path = "/api/face-collections/{collection_id}", tag = "faces", params(("collection_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let faces = state.faces.list_faces(&id).await?;
    collections(&state).delete(&id).await?;
    for face in &faces {
        face_changed(&state, &face.id).await;
    }
    tracing::info!(by = %caller.principal.username, id, "face collection deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// A collection's faces with links to their crops.
#[utoipa::path(get, path = "/api/face-collections/{collection_id}/faces", tag = "faces", params(("collection_id" = String, Path)),
    responses((status = 200, body = IndexedFaceList), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_faces(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<IndexedFaceList>, ApiError> {
    state.faces.get_collection(&id).await?;
    let mut items = Vec::new();
    for face in state.faces.list_faces(&id).await? {
        items.push(indexed(&state, face).await?);
    }
    Ok(Json(IndexedFaceList { items }))
}

/// Indexes the one face on a photograph (multipart fields `image` and `name`).
#[utoipa::path(post, path = "/api/face-collections/{collection_id}/faces", tag = "faces", params(("collection_id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`image`: the photograph; `name`: who it is"),
    responses((status = 201, body = IndexedFace), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 413, body = ErrorBody),
              (status = 422, description = "No face, several faces, or a face too small, blurred or turned", body = ErrorBody),
              (status = 503, description = "This server has no face models", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_face(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<IndexedFace>), ApiError> {
    let form = form.map_err(|e| ApiError::new(e.status(), "invalid-body", e.body_text()))?;
    let (name, source, image) = read_form(form).await?;
    let reader = state.face_reader.as_deref();
    let face = collections(&state).add_face(reader, &id, &name, &source, image).await?;
    tracing::info!(by = %caller.principal.username, collection = id, face = face.id, "face indexed");
    Ok((StatusCode::CREATED, Json(indexed(&state, face).await?)))
}

/// Renames a face's person.
#[utoipa::path(patch, path = "/api/faces/{face_id}", tag = "faces", params(("face_id" = String, Path)), request_body = Rename,
    responses((status = 200, body = IndexedFace), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rename(
    _caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(request): Json<Rename>,
) -> Result<Json<IndexedFace>, ApiError> {
    let name = check_name(&request.name)?;
    let face = state.faces.rename_face(&id, &name).await?;
    face_changed(&state, &id).await;
    Ok(Json(indexed(&state, face).await?))
}

/// Removes a face from its collection.
#[utoipa::path(delete, path = "/api/faces/{face_id}", tag = "faces", params(("face_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_face(
    _caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    collections(&state).delete_face(&id).await?;
    face_changed(&state, &id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The form's name, the photograph's file name and its bytes.
async fn read_form(mut form: Multipart) -> Result<(String, String, Bytes), ApiError> {
    let bad = |message: String| ApiError::bad_request("invalid-body", message);
    let (mut name, mut image) = (None, None);
    while let Some(field) = form.next_field().await.map_err(|e| form_error(&e))? {
        match field.name() {
            Some("name") => name = Some(field.text().await.map_err(|e| form_error(&e))?),
            Some("image") => {
                let source = field.file_name().filter(|f| check_filename(f).is_ok()).unwrap_or("photo").to_owned();
                image = Some((source, field.bytes().await.map_err(|e| form_error(&e))?));
            }
            _ => {}
        }
    }
    let name = name.ok_or_else(|| bad("the form has no `name` field".into()))?;
    let (source, image) = image.ok_or_else(|| bad("the form has no `image` file".into()))?;
    if image.is_empty() {
        return Err(bad("the image is empty".into()));
    }
    Ok((name, source, image))
}

fn form_error(err: &axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::new(err.status(), "invalid-body", err.body_text())
}
