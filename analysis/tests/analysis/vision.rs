//! The vision models on real pictures: scikit-image's photographs get the objects they
//! show, words drawn by ffmpeg are read back, and moderation scores ordinary pictures as
//! safe.

use std::path::{Path, PathBuf};

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::vision::labels::Labels;
use mediaport_analysis::vision::moderation::Moderation;
use mediaport_analysis::vision::ocr::Ocr;

fn models() -> Models {
    Models::open(&inference::default_dir(), 2).expect("models fetched: run python3 models/fetch.py")
}

/// A 960x540 frame with `lines` drawn by ffmpeg's drawtext, white on a dark blue picture.
fn frame_with_text(dir: &Path, lines: &[(&str, u32, u32)]) -> PathBuf {
    let out = dir.join("text.png");
    let mut draw: Vec<String> = lines
        .iter()
        .map(|(text, x, y)| format!("drawtext=text='{text}':x={x}:y={y}:fontsize=48:fontcolor=white"))
        .collect();
    if draw.is_empty() {
        draw.push("null".into());
    }
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x203060:s=960x540:d=1"])
        .args(["-vf", &draw.join(","), "-frames:v", "1"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

#[test]
fn words_drawn_on_a_frame_are_read_back_with_their_boxes() {
    let dir = tempfile::tempdir().unwrap();
    let path = frame_with_text(dir.path(), &[("BREAKING NEWS", 80, 60), ("Storm over Lisbon 2026", 80, 400)]);
    let ocr = Ocr::new(&models()).unwrap();
    let lines = ocr.read(&image::open(&path).unwrap()).unwrap();
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["BREAKING NEWS", "Storm over Lisbon 2026"], "{lines:?}");
    let first = &lines[0];
    assert!(first.confidence > 0.8, "{first:?}");
    assert!((60..100).contains(&first.left) && (40..80).contains(&first.top), "{first:?}");
    assert!(lines[1].top > 360, "{:?}", lines[1]);
    // Read in one batch with the longer line (so padded to its width), the short line's
    // last word still ends where the line ends.
    assert_eq!(first.words.len(), 2, "{first:?}");
    let news = &first.words[1];
    assert!((news.left + news.width).abs_diff(first.left + first.width) <= 16, "{first:?}");
}

#[test]
fn each_word_of_a_line_gets_its_own_box() {
    let dir = tempfile::tempdir().unwrap();
    let ocr = Ocr::new(&models()).unwrap();
    let read = |text: &str| {
        let path = frame_with_text(dir.path(), &[(text, 80, 300)]);
        let lines = ocr.read(&image::open(&path).unwrap()).unwrap();
        assert_eq!(lines.len(), 1, "{text}: {lines:?}");
        lines.into_iter().next().unwrap()
    };
    // Where "Storm over" ends when drawn alone is where the word "over" ends in the line.
    let start = read("Storm over");
    let line = read("Storm over Lisbon 2026");
    let words: Vec<&str> = line.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(words, ["Storm", "over", "Lisbon", "2026"], "{line:?}");
    let right = |l: u32, w: u32| l + w;
    let over = &line.words[1];
    let end_alone = right(start.left, start.width);
    assert!(right(over.left, over.width).abs_diff(end_alone) <= 16, "{over:?} vs {start:?}");
    assert!(line.words[0].left.abs_diff(line.left) <= 16, "{line:?}");
    assert!(right(line.words[3].left, line.words[3].width).abs_diff(right(line.left, line.width)) <= 16);
    for pair in line.words.windows(2) {
        // Left to right, apart: the space between words is not inside either box.
        assert!(right(pair[0].left, pair[0].width) <= pair[1].left + 4, "{pair:?}");
    }
    assert!(line.words.iter().all(|w| w.top == line.top && w.height == line.height));
}

#[test]
fn a_frame_without_text_reads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = frame_with_text(dir.path(), &[]);
    let ocr = Ocr::new(&models()).unwrap();
    assert_eq!(ocr.read(&image::open(&path).unwrap()).unwrap(), []);
}

#[test]
fn ordinary_pictures_score_as_safe() {
    let dir = tempfile::tempdir().unwrap();
    let text = image::open(frame_with_text(dir.path(), &[("Quarterly report", 80, 200)])).unwrap();
    let moderation = Moderation::new(&models()).unwrap();
    let found = moderation.categories(&[text.clone(), text]).unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|c| c.explicit < 0.2 && c.suggestive < 0.2), "{found:?}");
}

#[test]
fn photographs_get_the_objects_they_show() {
    let labels = Labels::new(&models()).unwrap();
    let samples = inference::default_dir().join("samples");
    // (photo, what it shows, where: left, top, right, bottom within a few pixels' slack)
    for (photo, expected) in [("astronaut.png", "person"), ("coffee.png", "cup"), ("chelsea.png", "cat")] {
        let picture = image::open(samples.join(photo)).expect("samples fetched: run python3 models/fetch.py --samples");
        let objects = labels.detect(&picture, 0.25).unwrap();
        let found = objects.iter().find(|o| o.label == expected).unwrap_or_else(|| panic!("{photo}: {objects:?}"));
        assert!(found.right > found.left && found.bottom > found.top, "{photo}: {found:?}");
        assert!(found.right <= picture.width() as f32 && found.bottom <= picture.height() as f32);
        // The cat is the cat, not also a dog on the same box.
        if photo == "chelsea.png" {
            assert!(objects.iter().all(|o| o.label != "dog"), "{objects:?}");
        }
    }
    // The cup's box is the cup (171,22)-(413,267 in the Python peer), not the whole table.
    let coffee = image::open(samples.join("coffee.png")).unwrap();
    let cup = labels.detect(&coffee, 0.25).unwrap().into_iter().find(|o| o.label == "cup").unwrap();
    assert!((cup.left - 171.0).abs() < 12.0 && (cup.bottom - 267.0).abs() < 12.0, "{cup:?}");
}

#[test]
fn a_picture_of_nothing_has_no_objects() {
    let dir = tempfile::tempdir().unwrap();
    let path = frame_with_text(dir.path(), &[]);
    let labels = Labels::new(&models()).unwrap();
    assert_eq!(labels.detect(&image::open(&path).unwrap(), 0.25).unwrap(), []);
}
