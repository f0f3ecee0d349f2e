//! Faces on real photographs: found with their landmarks, graded, and embedded so that
//! one person's different photographs lie close together and other people do not.

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
