//! People: faces nobody has named, grouped across assets, and reviewers' corrections to
//! them; and the faces of one asset, for its page.

use axum::extract::State;
use mediaport_core::people::{self, Corrections};
use mediaport_core::{AppearanceRecord, Named, PersonRecord};
use mediaport_shared::{
    AssetFace, AssetFaceList, AssetId, ErrorBody, MergePeople, MoveAppearance, NamePerson, Person, PersonId, PersonList,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Auth, Creator, Viewer};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query, page_size};
use crate::state::AppState;

const DEFAULT_PAGE_SIZE: u32 = 100;
const MAX_PAGE_SIZE: u32 = 500;
/// Far beyond any archive's people, and within what both databases take.
const MAX_OFFSET: u64 = 1 << 40;

fn corrections(state: &AppState) -> Corrections<'_> {
    Corrections { catalog: state.people.as_ref(), queue: state.queue.as_ref() }
}

async fn person(state: &AppState, record: PersonRecord) -> Result<Person, ApiError> {
    let mut chips = Vec::with_capacity(record.chips.len());
    for key in &record.chips {
        chips.push(crate::links::presigned(state, key).await?);
    }
    Ok(Person {
        id: record.id,
        name: record.name,
        appearance_count: record.appearances,
        chips,
        updated_at: record.updated_at,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `true`: only named people; `false`: only people nobody has named yet.
    named: Option<bool>,
    /// 1 to 500; 100 when left out.
    page_size: Option<i64>,
    /// `next_offset` of the previous page.
    offset: Option<u64>,
}

/// People, those seen most first.
#[utoipa::path(get, path = "/api/people", tag = "faces", params(ListParams),
    responses((status = 200, body = PersonList), (status = 400, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<PersonList>, ApiError> {
    let named = match params.named {
        None => Named::All,
        Some(true) => Named::Named,
        Some(false) => Named::Unnamed,
    };
    let page_size = page_size(params.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let offset = params.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::bad_request("invalid-offset", format!("offset must be at most {MAX_OFFSET}")));
    }
    // One more than asked tells whether another page exists.
    let mut found = state.people.list_people(named, page_size + 1, offset).await?;
    let next_offset = (found.len() > page_size as usize).then(|| offset + u64::from(page_size));
    found.truncate(page_size as usize);
    let mut items = Vec::with_capacity(found.len());
    for record in found {
        items.push(person(&state, record).await?);
    }
    Ok(Json(PersonList { items, next_offset }))
}

/// One person.
#[utoipa::path(get, path = "/api/people/{person_id}", tag = "faces", params(("person_id" = String, Path)),
    responses((status = 200, body = Person), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path(id): Path<PersonId>,
) -> Result<Json<Person>, ApiError> {
    let record = state.people.get_person(&id).await?;
    Ok(Json(person(&state, record).await?))
}

/// Names a person in every asset they appear in (or takes the name away with null):
/// their timelines and search follow within moments.
#[utoipa::path(patch, path = "/api/people/{person_id}", tag = "faces", params(("person_id" = String, Path)),
    request_body = NamePerson,
    responses((status = 200, body = Person), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn name(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<PersonId>,
    Json(request): Json<NamePerson>,
) -> Result<Json<Person>, ApiError> {
    let record = corrections(&state).name(&id, request.name.as_deref()).await?;
    tracing::info!(by = %caller.principal.username, person = %id, "person named");
    Ok(Json(person(&state, record).await?))
}

/// Says the person is the same as `into`: their faces join `into` for good.
#[utoipa::path(post, path = "/api/people/{person_id}/merge", tag = "faces", params(("person_id" = String, Path)),
    request_body = MergePeople,
    responses((status = 200, description = "The person merged into", body = Person), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn merge(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<PersonId>,
    Json(request): Json<MergePeople>,
) -> Result<Json<Person>, ApiError> {
    let record = corrections(&state).merge(&id, &request.into).await?;
    tracing::info!(by = %caller.principal.username, person = %id, into = %request.into, "people merged");
    Ok(Json(person(&state, record).await?))
}

/// "Not this person": one appearance leaves the person for good, for `to` or a person
/// of its own.
#[utoipa::path(post, path = "/api/people/{person_id}/move", tag = "faces", params(("person_id" = String, Path)),
    request_body = MoveAppearance,
    responses((status = 200, description = "The person the appearance went to", body = Person),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn move_out(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<PersonId>,
    Json(request): Json<MoveAppearance>,
) -> Result<Json<Person>, ApiError> {
    let record = corrections(&state).move_out(&id, &request.appearance_id, request.to.as_ref()).await?;
    tracing::info!(by = %caller.principal.username, person = %id, appearance = request.appearance_id, "appearance moved");
    Ok(Json(person(&state, record).await?))
}

/// Where a person appears: one face per asset, with its chip.
#[utoipa::path(get, path = "/api/people/{person_id}/appearances", tag = "faces", params(("person_id" = String, Path)),
    responses((status = 200, body = AssetFaceList), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn appearances(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path(id): Path<PersonId>,
) -> Result<Json<AssetFaceList>, ApiError> {
    let record = state.people.get_person(&id).await?;
    let label = record.name.unwrap_or_default();
    let mut items = Vec::new();
    for found in state.people.person_appearances(&id).await? {
        items.push(asset_face(&state, &found, label.clone(), Vec::new(), None).await?);
    }
    Ok(Json(AssetFaceList { items }))
}

/// The people in an asset, with what they are called and when they are on screen (an
/// asset whose faces were not analysed has none).
#[utoipa::path(get, path = "/api/assets/{id}/faces", tag = "faces", params(("id" = String, Path)),
    responses((status = 200, body = AssetFaceList), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn of_asset(
    _caller: Auth<Viewer>,
    State(state): State<AppState>,
    Path(id): Path<AssetId>,
) -> Result<Json<AssetFaceList>, ApiError> {
    let asset = state.catalog.get_asset(&id).await?;
    let (faces, people) = (state.faces.as_ref(), state.people.as_ref());
    let seen = people::faces_of(faces, people, state.storage.as_ref(), &state.buckets.proxy, &asset.id).await?;
    let mut items = Vec::with_capacity(seen.len());
    for face in seen {
        items.push(asset_face(&state, &face.record, face.label, face.timecodes, face.traits).await?);
    }
    Ok(Json(AssetFaceList { items }))
}

async fn asset_face(
    state: &AppState,
    record: &AppearanceRecord,
    label: String,
    timecodes: Vec<mediaport_shared::Timecode>,
    traits: Option<mediaport_shared::FaceTraits>,
) -> Result<AssetFace, ApiError> {
    Ok(AssetFace {
        id: record.id.clone(),
        asset_id: record.asset_id.clone(),
        label,
        person_id: record.person_id.clone(),
        face_id: record.face_id.clone(),
        pinned: record.pinned,
        chip_url: Some(crate::links::presigned(state, &record.chip_key).await?),
        timecodes,
        traits,
    })
}
