//! The vision models on pictures made for the test: words drawn by ffmpeg are read back,
//! and moderation scores ordinary pictures as safe.

use std::path::{Path, PathBuf};

use mediaport_analysis::inference::{self, Models};
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
    let scores = moderation.scores(&[text.clone(), text]).unwrap();
    assert_eq!(scores.len(), 2);
    assert!(scores.iter().all(|s| (0.0..0.2).contains(s)), "{scores:?}");
}
