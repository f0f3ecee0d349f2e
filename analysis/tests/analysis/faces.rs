//! Faces on real photographs: found with their landmarks, graded, and embedded so that
//! one person's different photographs lie close together and other people do not; their
//! apparent age, gender and expressions when asked for, and only then.

use crate::common;

use image::DynamicImage;
use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::vision::faces::{Face, Faces, SAME_PERSON, distance};

fn faces() -> Faces {
    let models = Models::open(&inference::default_dir(), 2).expect("models fetched: run python3 models/fetch.py");
    Faces::new(&models).unwrap()
}

fn photo(name: &str) -> DynamicImage {
    let path = inference::default_dir().join("samples").join(name);
    image::open(&path).unwrap_or_else(|e| panic!("{}: {e} (run python3 models/fetch.py --samples)", path.display()))
}

/// The photo's one clear face (portraits may show someone small in the background).
fn main_face(faces: &Faces, picture: &DynamicImage) -> Face {
    let found = faces.find(picture, 20).unwrap();
    found.into_iter().max_by(|a, b| a.quality.side.total_cmp(&b.quality.side)).expect("a face")
}

#[test]
fn the_astronaut_has_one_usable_face_and_the_cup_and_the_cat_none() {
    let faces = faces();
    let found = faces.find(&photo("astronaut.png"), 20).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let face = &found[0];
    // Her face is about x 180-268, y 60-173 in the 512 x 512 photograph.
    let b = &face.found;
    assert!((165.0..195.0).contains(&b.left) && (250.0..285.0).contains(&b.right), "{b:?}");
    assert!((45.0..80.0).contains(&b.top) && (155.0..190.0).contains(&b.bottom), "{b:?}");
    let [left_eye, right_eye, nose, ..] = b.landmarks;
    assert!(left_eye[0] < nose[0] && nose[0] < right_eye[0] && nose[1] > left_eye[1], "{:?}", b.landmarks);
    assert!(face.quality.usable(), "{:?}", face.quality);
    assert_eq!(face.embedding.len(), 128);
    for empty in ["coffee.png", "chelsea.png"] {
        assert!(faces.find(&photo(empty), 20).unwrap().is_empty(), "{empty} has no face");
    }
}

#[test]
fn one_persons_photographs_match_and_other_people_do_not() {
    let faces = faces();
    let obama: Vec<Face> = ["obama.jpg", "obama2.jpg", "obama3.jpg"].map(|n| main_face(&faces, &photo(n))).into();
    for (i, a) in obama.iter().enumerate() {
        for b in &obama[i + 1..] {
            let d = distance(&a.embedding, &b.embedding);
            assert!(d < SAME_PERSON, "two photographs of one man are {d} apart");
        }
    }
    for other in ["biden.jpg", "astronaut.png"] {
        let face = main_face(&faces, &photo(other));
        for a in &obama {
            let d = distance(&a.embedding, &face.embedding);
            assert!(d > SAME_PERSON + 0.1, "{other} is only {d} from Obama");
        }
    }
}

#[test]
fn a_face_still_matches_scaled_down_moved_and_brightened() {
    let faces = faces();
    let enrolled = main_face(&faces, &photo("obama.jpg"));
    let original = photo("obama2.jpg");
    // Half the size, placed off-centre on a larger grey frame, 40 % brighter.
    let small = original.resize(original.width() / 2, original.height() / 2, image::imageops::FilterType::Triangle);
    let mut frame = image::RgbImage::from_pixel(1280, 720, image::Rgb([90, 90, 90]));
    image::imageops::overlay(&mut frame, &small.brighten(40).to_rgb8(), 700, 250);
    let seen = main_face(&faces, &DynamicImage::ImageRgb8(frame));
    let d = distance(&enrolled.embedding, &seen.embedding);
    assert!(d < SAME_PERSON, "the changed shot is {d} from the enrolled photograph");
    assert!(seen.found.left > 700.0, "found where it was placed: {:?}", seen.found);
}

/// Ages, genders and expressions through the whole analysis, only when asked for: the
/// smiling astronaut is a woman of about thirty to forty, the president a man of middle
/// age, and the smiles are on the expression timeline at their times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faces_get_an_age_a_gender_and_expressions_only_when_asked() {
    use common::{Harness, PROXY_BUCKET, media};
    use mediaport_shared::{AnalysisKind, AssetStatus, FaceAppearances, Timeline};

    let h = Harness::start().await;
    let samples = inference::default_dir().join("samples");
    let fit = "scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2";
    let shots = [(samples.join("astronaut.png"), fit), (samples.join("obama.jpg"), fit)];
    let video = media::slideshow(h.dir.path(), &shots, 2).await;
    let asked = h.add(&video, "asked.mp4", None, Some(serde_json::json!({"faces": true, "face_traits": true}))).await;
    let not_asked = h.add(&video, "not-asked.mp4", None, Some(serde_json::json!({"faces": true}))).await;
    h.worker.drain().await;

    let asset = h.asset(&asked.id).await;
    assert_eq!(asset.status, AssetStatus::Ready, "{:?}", asset.error);
    let stored = h.storage.get_object(PROXY_BUCKET, &format!("{}/analysis/faces.json", asset.id)).await.unwrap();
    let faces: FaceAppearances = serde_json::from_slice(&stored).unwrap();
    let people: Vec<_> = faces.appearances.iter().filter(|a| a.usable).collect();
    assert_eq!(people.len(), 2, "{faces:?}");
    let (astronaut, president) = (people[0].traits.as_ref().unwrap(), people[1].traits.as_ref().unwrap());
    // Eileen Collins was 42 in the photograph, Barack Obama 47 to 50 in his.
    assert_eq!(astronaut.gender, "female", "{astronaut:?}");
    assert!(astronaut.age_low <= 42 && 25 <= astronaut.age && astronaut.age <= 50, "{astronaut:?}");
    assert_eq!(president.gender, "male", "{president:?}");
    assert!(president.gender_confidence > 0.9 && (35..=60).contains(&president.age), "{president:?}");
    assert!(president.age_low < president.age && president.age < president.age_high, "{president:?}");

    let key = asset.analysis[&AnalysisKind::Emotion].key.clone().unwrap();
    let expressions: Timeline =
        serde_json::from_slice(&h.storage.get_object(PROXY_BUCKET, &key).await.unwrap()).unwrap();
    let happy = expressions.items.iter().find(|i| i.name == "happy").unwrap_or_else(|| panic!("{expressions:?}"));
    let seen: Vec<u64> = happy.timecodes.iter().map(|t| t.begin).collect();
    assert_eq!(seen, [0], "both smile, one after the other: {happy:?}");
    assert!(happy.timecodes[0].end >= 4000 && !happy.boxes.is_empty(), "{happy:?}");

    let plain = h.asset(&not_asked.id).await;
    assert!(!plain.analysis.contains_key(&AnalysisKind::Emotion), "{:?}", plain.analysis.keys());
    let stored = h.storage.get_object(PROXY_BUCKET, &format!("{}/analysis/faces.json", plain.id)).await.unwrap();
    let faces: FaceAppearances = serde_json::from_slice(&stored).unwrap();
    assert!(faces.appearances.iter().all(|a| a.traits.is_none()), "nothing inferred unasked: {faces:?}");
}
