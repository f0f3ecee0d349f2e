//! Objects (the 80 COCO classes) with NanoDet: a small one-stage detector that scores
//! every class at every cell of three grids and says how far the box's sides are from the
//! cell's centre. Boxes come back in the picture's pixels.

use image::imageops::FilterType;
use image::{DynamicImage, RgbImage};

use crate::inference::{Floats, Model, ModelError, Models};

pub const MODEL: &str = "nanodet.onnx";
/// The square the picture is fitted into (kept in proportion, centred on black).
const SIDE: u32 = 416;
const STRIDES: [usize; 3] = [8, 16, 32];
/// Each box side is a distribution over 0..=10 cells.
const BINS: usize = 11;
/// NanoDet was trained on BGR pictures normalised with these.
const BGR_MEANS: [f32; 3] = [103.53, 116.28, 123.675];
const BGR_STDS: [f32; 3] = [57.375, 57.12, 58.395];
/// Boxes of one class overlapping more than this are one object.
const SAME_OBJECT: f32 = 0.6;
/// Boxes of two classes overlapping more than this are one object seen two ways (a cat
/// also scored as a dog): the better class keeps it.
const SAME_BOX: f32 = 0.8;
const MAX_OBJECTS: usize = 100;
/// Below this a score is noise, whatever the settings ask: a lower floor would hand
/// suppression every class of every cell (284,000 candidates a frame).
const MIN_THRESHOLD: f32 = 0.05;

pub const CLASSES: [&str; 80] = [
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic light",
    "fire hydrant",
    "stop sign",
    "parking meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports ball",
    "kite",
    "baseball bat",
    "baseball glove",
    "skateboard",
    "surfboard",
    "tennis racket",
    "bottle",
    "wine glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted plant",
    "bed",
    "dining table",
    "toilet",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy bear",
    "hair drier",
    "toothbrush",
];

/// One object: its class, score and box (left, top, right, bottom) in picture pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub label: &'static str,
    pub score: f32,
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

#[derive(Debug)]
pub struct Labels {
    model: Model,
}

impl Labels {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        Ok(Self { model: models.load(MODEL)? })
    }

    /// The objects in `picture` scoring at least `threshold`, best first. Blocking.
    pub fn detect(&self, picture: &DynamicImage, threshold: f32) -> Result<Vec<Object>, ModelError> {
        let threshold = threshold.max(MIN_THRESHOLD);
        let rgb = picture.to_rgb8();
        let fit = Letterbox::of(&rgb);
        let outputs =
            self.model.run_all(Floats { shape: vec![1, 3, SIDE as usize, SIDE as usize], data: fit.input(&rgb) })?;
        // Outputs come as scores and boxes for each stride, in the model's order.
        let named = |name: &str| outputs.iter().find(|(n, _)| n == name).map(|(_, f)| f);
        let mut candidates = Vec::new();
        for stride in STRIDES {
            let (Some(scores), Some(boxes)) = (named(&format!("scores_{stride}")), named(&format!("boxes_{stride}")))
            else {
                return Err(ModelError::Runtime(format!("{MODEL} has no outputs for stride {stride}")));
            };
            candidates.extend(decode(&scores.data, &boxes.data, stride, threshold));
        }
        let kept = suppress(candidates);
        Ok(kept.into_iter().map(|c| fit.back(c)).collect())
    }
}

/// How the picture was fitted into the model's square.
struct Letterbox {
    scale: f32,
    width: u32,
    height: u32,
    left: u32,
    top: u32,
}

impl Letterbox {
    fn of(rgb: &RgbImage) -> Self {
        let (w, h) = rgb.dimensions();
        let scale = (SIDE as f32 / w as f32).min(SIDE as f32 / h as f32);
        let (width, height) = (((w as f32 * scale).round() as u32).max(1), ((h as f32 * scale).round() as u32).max(1));
        Self { scale, width, height, left: (SIDE - width) / 2, top: (SIDE - height) / 2 }
    }

    /// The model's input: NCHW, BGR, normalised; the border is black before normalising.
    fn input(&self, rgb: &RgbImage) -> Vec<f32> {
        let resized = image::imageops::resize(rgb, self.width, self.height, FilterType::Triangle);
        let plane = (SIDE * SIDE) as usize;
        let mut data = vec![0f32; plane * 3];
        for c in 0..3 {
            data[c * plane..(c + 1) * plane].fill(-BGR_MEANS[c] / BGR_STDS[c]);
        }
        for (x, y, pixel) in resized.enumerate_pixels() {
            let i = ((y + self.top) * SIDE + x + self.left) as usize;
            let [r, g, b] = pixel.0;
            for (c, value) in [b, g, r].into_iter().enumerate() {
                data[c * plane + i] = (f32::from(value) - BGR_MEANS[c]) / BGR_STDS[c];
            }
        }
        data
    }

    /// A box in model pixels, back in picture pixels.
    fn back(&self, c: Candidate) -> Object {
        let (w, h) = (self.width as f32 / self.scale, self.height as f32 / self.scale);
        let x = |v: f32| ((v - self.left as f32) / self.scale).clamp(0.0, w);
        let y = |v: f32| ((v - self.top as f32) / self.scale).clamp(0.0, h);
        Object {
            label: CLASSES[c.class],
            score: c.score,
            left: x(c.left),
            top: y(c.top),
            right: x(c.right),
            bottom: y(c.bottom),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    class: usize,
    score: f32,
    left: f32,
    top: f32,
    right: f32,
    bottom: f32,
}

/// Every (cell, class) scoring at least `threshold` on one grid, with its box.
fn decode(scores: &[f32], boxes: &[f32], stride: usize, threshold: f32) -> Vec<Candidate> {
    let n = SIDE as usize / stride;
    let mut found = Vec::new();
    for (cell, row) in scores.chunks(CLASSES.len()).enumerate() {
        let (cx, cy) = (((cell % n) as f32 + 0.5) * stride as f32, ((cell / n) as f32 + 0.5) * stride as f32);
        let sides = &boxes[cell * 4 * BINS..(cell + 1) * 4 * BINS];
        // The distances are worked out only for cells something scored on.
        let mut distances: Option<[f32; 4]> = None;
        for (class, &score) in row.iter().enumerate() {
            if score < threshold {
                continue;
            }
            let [l, t, r, b] = *distances.get_or_insert_with(|| {
                let mut d = [0f32; 4];
                for (side, bins) in sides.chunks(BINS).enumerate() {
                    d[side] = expectation(bins) * stride as f32;
                }
                d
            });
            let clip = |v: f32| v.clamp(0.0, SIDE as f32);
            found.push(Candidate {
                class,
                score,
                left: clip(cx - l),
                top: clip(cy - t),
                right: clip(cx + r),
                bottom: clip(cy + b),
            });
        }
    }
    found
}

/// The expected bin of a softmax over logits.
fn expectation(logits: &[f32]) -> f32 {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let weights: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let total: f32 = weights.iter().sum();
    weights.iter().enumerate().map(|(i, w)| i as f32 * w).sum::<f32>() / total
}

fn iou(a: &Candidate, b: &Candidate) -> f32 {
    let w = (a.right.min(b.right) - a.left.max(b.left)).max(0.0);
    let h = (a.bottom.min(b.bottom) - a.top.max(b.top)).max(0.0);
    let inter = w * h;
    let area = |c: &Candidate| (c.right - c.left) * (c.bottom - c.top);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

/// Best first: a box is dropped if a better one of its class overlaps it more than
/// `SAME_OBJECT`, or a better one of any class almost covers the same ground.
fn suppress(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        let clash = kept.iter().any(|k| {
            let overlap = iou(k, &c);
            (k.class == c.class && overlap > SAME_OBJECT) || overlap > SAME_BOX
        });
        if !clash {
            kept.push(c);
            if kept.len() == MAX_OBJECTS {
                break;
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(class: usize, score: f32, left: f32) -> Candidate {
        Candidate { class, score, left, top: 0.0, right: left + 100.0, bottom: 100.0 }
    }

    #[test]
    fn overlapping_boxes_of_a_class_are_one_object_and_a_second_class_on_the_same_box_goes() {
        let kept = suppress(vec![
            candidate(15, 0.57, 0.0),   // cat
            candidate(16, 0.39, 2.0),   // dog on the same box
            candidate(15, 0.40, 10.0),  // the same cat again
            candidate(15, 0.45, 300.0), // another cat
        ]);
        let seen: Vec<(usize, f32)> = kept.iter().map(|c| (c.class, c.score)).collect();
        assert_eq!(seen, [(15, 0.57), (15, 0.45)]);
    }

    #[test]
    fn a_peaked_distribution_gives_its_bin() {
        let mut logits = [-10.0f32; BINS];
        logits[3] = 10.0;
        assert!((expectation(&logits) - 3.0).abs() < 1e-3);
    }
}
