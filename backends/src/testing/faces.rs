//! The face catalog port's suite: collections with unique names and their faces, which
//! go with them.

use mediaport_core::{CatalogError, FaceCatalog, FaceRecord};

fn face(id: &str, collection_id: &str, name: &str) -> FaceRecord {
    FaceRecord {
        id: id.into(),
        collection_id: collection_id.into(),
        name: name.into(),
        source: format!("{name}.jpg"),
        crop_key: format!("faces/{collection_id}/{id}.jpg"),
        created_at: String::new(),
    }
}

fn not_found<T: std::fmt::Debug>(result: &Result<T, CatalogError>, step: &str) {
    assert!(matches!(result, Err(CatalogError::NotFound { .. })), "{step}: {result:?}");
}

pub async fn suite(faces: &dyn FaceCatalog) {
    let staff = faces.create_collection("staff", "Staff").await.unwrap();
    assert_eq!((staff.name.as_str(), staff.face_count), ("Staff", 0));
    faces.create_collection("guests", "Guests").await.unwrap();
    let taken = faces.create_collection("staff-2", "Staff").await;
    assert!(matches!(taken, Err(CatalogError::Conflict(_))), "a second collection named Staff: {taken:?}");
    let listed: Vec<String> = faces.list_collections().await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(listed, ["Guests", "Staff"], "collections by name");

    // Faces by name; each counted in its collection.
    let added = faces.add_face(&face("f-ben", "staff", "Ben")).await.unwrap();
    assert!(!added.created_at.is_empty(), "the catalog dates a face");
    faces.add_face(&face("f-ana", "staff", "Ana")).await.unwrap();
    faces.add_face(&face("f-cy", "guests", "Cy")).await.unwrap();
    not_found(&faces.add_face(&face("f-dee", "nowhere", "Dee")).await, "a face in no collection");
    let names: Vec<String> = faces.list_faces("staff").await.unwrap().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["Ana", "Ben"]);
    assert_eq!(faces.get_collection("staff").await.unwrap().face_count, 2);
    assert_eq!(faces.get_face("f-ben").await.unwrap().crop_key, "faces/staff/f-ben.jpg");

    // Renamed, removed.
    assert_eq!(faces.rename_face("f-ben", "Benedict").await.unwrap().name, "Benedict");
    assert_eq!(faces.get_face("f-ben").await.unwrap().name, "Benedict");
    not_found(&faces.rename_face("nobody", "X").await, "renaming an unknown face");
    faces.delete_face("f-ana").await.unwrap();
    not_found(&faces.get_face("f-ana").await, "a removed face");
    not_found(&faces.delete_face("f-ana").await, "removing it again");

    // A collection's faces go with it; the others stay.
    faces.delete_collection("staff").await.unwrap();
    not_found(&faces.get_face("f-ben").await, "a face of a removed collection");
    not_found(&faces.get_collection("staff").await, "a removed collection");
    not_found(&faces.delete_collection("staff").await, "removing it again");
    assert_eq!(faces.list_faces("guests").await.unwrap().len(), 1);
    // Its name is free again.
    faces.create_collection("staff-3", "Staff").await.unwrap();
}
