//! Face detection with MTCNN: a proposal net run over an image pyramid, then a refine net
//! and an output net on crops of the surviving boxes; the last also places five
//! landmarks (eyes, nose, mouth corners).
//!
//! The weights are the original Caffe ones, trained in MATLAB on column-major pictures:
//! every net reads its input with x and y swapped, and box coordinates keep MATLAB's
//! 1-based crops. Both quirks are kept as the weights expect them.

use image::RgbImage;
use image::imageops::{self, FilterType};

use crate::inference::{Floats, Model, ModelError, Models};

pub const MODELS: [&str; 3] = ["mtcnn-pnet.onnx", "mtcnn-rnet.onnx", "mtcnn-onet.onnx"];

/// The proposal net looks at 12 px cells, two pixels apart.
const CELL: f32 = 12.0;
const STRIDE: f32 = 2.0;
/// Each pyramid level is this much smaller than the one before (the paper's 0.709).
const SCALE_STEP: f32 = 0.709;
/// Score each stage needs to keep a box.
const THRESHOLDS: [f32; 3] = [0.6, 0.7, 0.7];
/// The refine nets' crop sizes.
const REFINE_SIDE: u32 = 24;
const OUTPUT_SIDE: u32 = 48;
/// Crops per run of the refine and output nets.
const BATCH: usize = 128;

/// A face: its box in pixels, the output net's score, and landmarks (x, y) in the order
/// left eye, right eye, nose, left and right mouth corner (left and right as seen).
#[derive(Debug, Clone, PartialEq)]
pub struct FaceBox {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
    pub score: f32,
    pub landmarks: [[f32; 2]; 5],
}

impl FaceBox {
    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    pub fn height(&self) -> f32 {
        self.bottom - self.top
    }
}

#[derive(Debug)]
pub struct Mtcnn {
    proposal: Model,
    refine: Model,
    output: Model,
}

/// A candidate between stages: x1, y1, x2, y2, score and the net's box offsets.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    bounds: [f32; 4],
    score: f32,
    offsets: [f32; 4],
}

impl Mtcnn {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        Ok(Self { proposal: models.load(MODELS[0])?, refine: models.load(MODELS[1])?, output: models.load(MODELS[2])? })
    }

    /// The faces at least `min_face` pixels high in the picture. Blocking.
    pub fn detect(&self, rgb: &RgbImage, min_face: u32) -> Result<Vec<FaceBox>, ModelError> {
        let candidates = self.propose(rgb, min_face.max(12) as f32)?;
        let refined = self.refine(rgb, &candidates)?;
        self.finish(rgb, &refined)
    }

    /// Stage 1: every pyramid level through the proposal net; boxes calibrated and squared.
    fn propose(&self, rgb: &RgbImage, min_face: f32) -> Result<Vec<Candidate>, ModelError> {
        let (width, height) = rgb.dimensions();
        let mut all = Vec::new();
        let mut scale = CELL / min_face;
        let mut side = width.min(height) as f32 * scale;
        while side >= CELL {
            let (w, h) = ((width as f32 * scale).ceil() as u32, (height as f32 * scale).ceil() as u32);
            let level = imageops::resize(rgb, w, h, FilterType::Triangle);
            let outputs = self
                .proposal
                .run_all(Floats { shape: vec![1, w as usize, h as usize, 3], data: transposed(&level) })?;
            let (offsets, scores) = (&outputs[0].1, &outputs[1].1);
            let (cols, rows) = (scores.shape[1], scores.shape[2]);
            let mut found = Vec::new();
            for i in 0..cols {
                for j in 0..rows {
                    let cell = i * rows + j;
                    let score = scores.data[cell * 2 + 1];
                    if score < THRESHOLDS[0] {
                        continue;
                    }
                    let (x, y) = (i as f32 * STRIDE, j as f32 * STRIDE);
                    let bounds = [
                        ((x + 1.0) / scale).trunc(),
                        ((y + 1.0) / scale).trunc(),
                        ((x + CELL) / scale).trunc(),
                        ((y + CELL) / scale).trunc(),
                    ];
                    let offsets = [0, 1, 2, 3].map(|k| offsets.data[cell * 4 + k]);
                    found.push(Candidate { bounds, score, offsets });
                }
            }
            all.extend(suppress(found, 0.5, Overlap::Union));
            scale *= SCALE_STEP;
            side *= SCALE_STEP;
        }
        let kept = suppress(all, 0.7, Overlap::Union);
        Ok(kept
            .into_iter()
            .map(|c| {
                let [x1, y1, x2, y2] = c.bounds;
                let (w, h) = (x2 - x1, y2 - y1);
                let shifted =
                    [x1 + c.offsets[0] * w, y1 + c.offsets[1] * h, x2 + c.offsets[2] * w, y2 + c.offsets[3] * h];
                Candidate { bounds: square(shifted).map(f32::trunc), score: c.score, offsets: [0.0; 4] }
            })
            .collect())
    }

    /// Stage 2: 24 px crops through the refine net.
    fn refine(&self, rgb: &RgbImage, candidates: &[Candidate]) -> Result<Vec<Candidate>, ModelError> {
        let mut kept = Vec::new();
        for batch in candidates.chunks(BATCH) {
            let outputs = self.output_of(&self.refine, rgb, batch, REFINE_SIDE)?;
            let (offsets, scores) = (&outputs[0].1, &outputs[1].1);
            for (k, c) in batch.iter().enumerate() {
                let score = scores.data[k * 2 + 1];
                if score > THRESHOLDS[1] {
                    kept.push(Candidate {
                        bounds: c.bounds,
                        score,
                        offsets: [0, 1, 2, 3].map(|n| offsets.data[k * 4 + n]),
                    });
                }
            }
        }
        Ok(suppress(kept, 0.7, Overlap::Union)
            .into_iter()
            .map(|c| Candidate { bounds: square(shift(c.bounds, c.offsets)).map(f32::trunc), ..c })
            .collect())
    }

    /// Stage 3: 48 px crops through the output net, which also places the landmarks.
    fn finish(&self, rgb: &RgbImage, candidates: &[Candidate]) -> Result<Vec<FaceBox>, ModelError> {
        let mut faces = Vec::new();
        for batch in candidates.chunks(BATCH) {
            let outputs = self.output_of(&self.output, rgb, batch, OUTPUT_SIDE)?;
            let (offsets, points, scores) = (&outputs[0].1, &outputs[1].1, &outputs[2].1);
            for (k, c) in batch.iter().enumerate() {
                let score = scores.data[k * 2 + 1];
                if score <= THRESHOLDS[2] {
                    continue;
                }
                let [x1, y1, x2, y2] = c.bounds;
                let (w, h) = (x2 - x1 + 1.0, y2 - y1 + 1.0);
                let p = &points.data[k * 10..k * 10 + 10];
                let landmarks = [0, 1, 2, 3, 4].map(|n| [w * p[n] + x1 - 1.0, h * p[n + 5] + y1 - 1.0]);
                let [left, top, right, bottom] = shift(c.bounds, [0, 1, 2, 3].map(|n| offsets.data[k * 4 + n]));
                faces.push(FaceBox { left, top, right, bottom, score, landmarks });
            }
        }
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut kept: Vec<FaceBox> = Vec::new();
        for face in faces {
            let bounds = [face.left, face.top, face.right, face.bottom];
            if kept.iter().all(|k| overlap(&[k.left, k.top, k.right, k.bottom], &bounds, Overlap::Min) <= 0.7) {
                kept.push(face);
            }
        }
        let (width, height) = (rgb.width() as f32, rgb.height() as f32);
        for face in &mut kept {
            face.left = face.left.clamp(0.0, width);
            face.top = face.top.clamp(0.0, height);
            face.right = face.right.clamp(0.0, width);
            face.bottom = face.bottom.clamp(0.0, height);
        }
        Ok(kept)
    }

    /// Runs a refine net on the candidates' crops, each resized to `side`.
    fn output_of(
        &self,
        net: &Model,
        rgb: &RgbImage,
        batch: &[Candidate],
        side: u32,
    ) -> Result<Vec<(String, Floats)>, ModelError> {
        let s = side as usize;
        let mut data = Vec::with_capacity(batch.len() * s * s * 3);
        for c in batch {
            let crop = crop_padded(rgb, c.bounds);
            data.extend(transposed(&imageops::resize(&crop, side, side, FilterType::Triangle)));
        }
        net.run_all(Floats { shape: vec![batch.len(), s, s, 3], data })
    }
}

/// The picture as the nets read it: x before y, values (v - 127.5) / 128.
fn transposed(picture: &RgbImage) -> Vec<f32> {
    let (w, h) = picture.dimensions();
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for x in 0..w {
        for y in 0..h {
            data.extend(picture.get_pixel(x, y).0.map(|v| (f32::from(v) - 127.5) * 0.0078125));
        }
    }
    data
}

/// The box's pixels (MATLAB's 1-based, inclusive bounds), black where it leaves the picture.
fn crop_padded(rgb: &RgbImage, [x1, y1, x2, y2]: [f32; 4]) -> RgbImage {
    let (x1, y1, x2, y2) = (x1 as i64, y1 as i64, x2 as i64, y2 as i64);
    let (w, h) = ((x2 - x1 + 1).max(1) as u32, (y2 - y1 + 1).max(1) as u32);
    let mut crop = RgbImage::new(w, h);
    for (cx, cy, pixel) in crop.enumerate_pixels_mut() {
        let (x, y) = (x1 - 1 + i64::from(cx), y1 - 1 + i64::from(cy));
        if x >= 0 && y >= 0 && x < i64::from(rgb.width()) && y < i64::from(rgb.height()) {
            *pixel = *rgb.get_pixel(x as u32, y as u32);
        }
    }
    crop
}

/// The box moved by the net's offsets, in units of its inclusive size.
fn shift([x1, y1, x2, y2]: [f32; 4], offsets: [f32; 4]) -> [f32; 4] {
    let (w, h) = (x2 - x1 + 1.0, y2 - y1 + 1.0);
    [x1 + offsets[0] * w, y1 + offsets[1] * h, x2 + offsets[2] * w, y2 + offsets[3] * h]
}

/// The square around the box's centre with its longer side.
fn square([x1, y1, x2, y2]: [f32; 4]) -> [f32; 4] {
    let (w, h) = (x2 - x1, y2 - y1);
    let side = w.max(h);
    let (left, top) = (x1 + w * 0.5 - side * 0.5, y1 + h * 0.5 - side * 0.5);
    [left, top, left + side, top + side]
}

#[derive(Debug, Clone, Copy)]
enum Overlap {
    /// Intersection over union.
    Union,
    /// Intersection over the smaller box: drops a box inside another.
    Min,
}

fn overlap(a: &[f32; 4], b: &[f32; 4], kind: Overlap) -> f32 {
    let area = |r: &[f32; 4]| (r[2] - r[0] + 1.0) * (r[3] - r[1] + 1.0);
    let w = (a[2].min(b[2]) - a[0].max(b[0]) + 1.0).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1]) + 1.0).max(0.0);
    let inter = w * h;
    match kind {
        Overlap::Union => inter / (area(a) + area(b) - inter),
        Overlap::Min => inter / area(a).min(area(b)),
    }
}

/// Keeps the best-scored candidates, dropping any that overlaps a kept one above `limit`.
fn suppress(mut candidates: Vec<Candidate>, limit: f32, kind: Overlap) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        if kept.iter().all(|k| overlap(&k.bounds, &c.bounds, kind) <= limit) {
            kept.push(c);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_inside_a_better_one_is_dropped_by_the_min_overlap_not_by_union() {
        let outer = Candidate { bounds: [0.0, 0.0, 99.0, 99.0], score: 0.9, offsets: [0.0; 4] };
        let inner = Candidate { bounds: [10.0, 10.0, 39.0, 39.0], score: 0.8, offsets: [0.0; 4] };
        assert_eq!(suppress(vec![inner, outer], 0.7, Overlap::Union).len(), 2);
        let kept = suppress(vec![inner, outer], 0.7, Overlap::Min);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].score, 0.9);
    }

    #[test]
    fn boxes_are_squared_about_their_centre_and_crops_padded_with_black() {
        assert_eq!(square([10.0, 20.0, 30.0, 60.0]), [0.0, 20.0, 40.0, 60.0]);
        let rgb = RgbImage::from_pixel(4, 4, image::Rgb([200, 100, 50]));
        let crop = crop_padded(&rgb, [0.0, 0.0, 5.0, 5.0]);
        assert_eq!(crop.dimensions(), (6, 6));
        assert_eq!(crop.get_pixel(0, 0).0, [0, 0, 0]); // column 0 of MATLAB's 1-based picture
        assert_eq!(crop.get_pixel(1, 1).0, [200, 100, 50]);
        assert_eq!(crop.get_pixel(5, 5).0, [0, 0, 0]);
    }
}
