//! What a face looks like beyond who it is: an age with a range and a gender with its
//! likelihood (HSE's FaceRes), and an expression (oarriaga's mini-Xception, trained on
//! FER-2013). Off unless asked for: some archives must not infer these. Nothing of race.

use image::imageops::FilterType;
use image::{GrayImage, RgbImage};

use super::FaceBox;
use crate::inference::{Floats, Model, ModelError, Models};

pub const AGE_GENDER: &str = "faceres.onnx";
pub const EXPRESSION: &str = "emotion.onnx";
/// The expression model's classes, in its output's order, as people say them.
pub const EXPRESSIONS: [&str; 7] = ["angry", "disgusted", "afraid", "happy", "sad", "surprised", "neutral"];
const FACERES_SIDE: u32 = 224;
/// FaceRes reads the detector's box with this margin, in pixels, BGR minus ImageNet means.
const FACERES_MARGIN: f32 = 10.0;
const BGR_MEANS: [f32; 3] = [103.939, 116.779, 123.68];
/// The expression model reads the box made 1.4 times larger and square, grey, at 64x64.
const EXPRESSION_SIDE: u32 = 64;
const EXPRESSION_WIDEN: f32 = 1.4;
/// The age range given is from this quantile of the model's distribution to its mirror.
const AGE_QUANTILE: f32 = 0.1;

/// One face's traits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traits {
    /// Years: the best guess and a range (the middle 80 % of the model's distribution).
    pub age: f32,
    pub age_low: f32,
    pub age_high: f32,
    /// The likelihood the face is a man's, 0 to 1.
    pub male: f32,
    pub expression: &'static str,
    pub expression_confidence: f32,
}

#[derive(Debug)]
pub struct Describer {
    age_gender: Model,
    expression: Model,
}

impl Describer {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        Ok(Self { age_gender: models.load(AGE_GENDER)?, expression: models.load(EXPRESSION)? })
    }

    /// The traits of each face found on `picture`. Blocking.
    pub fn describe(&self, picture: &RgbImage, faces: &[&FaceBox]) -> Result<Vec<Traits>, ModelError> {
        if faces.is_empty() {
            return Ok(Vec::new());
        }
        let n = faces.len();
        let side = FACERES_SIDE as usize;
        let mut data = Vec::with_capacity(n * side * side * 3);
        for face in faces {
            let crop = crop(picture, widened(face, FACERES_MARGIN, 1.0, false), FACERES_SIDE);
            data.extend(crop.pixels().flat_map(|p| {
                let [r, g, b] = p.0.map(f32::from);
                [b - BGR_MEANS[0], g - BGR_MEANS[1], r - BGR_MEANS[2]]
            }));
        }
        let outputs = self.age_gender.run_all(Floats { shape: vec![n, side, side, 3], data })?;
        let output = |name: &str| {
            outputs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, f)| f.data.clone())
                .ok_or_else(|| ModelError::Runtime(format!("{AGE_GENDER} has no output {name}")))
        };
        let (gender, ages) = (output("gender")?, output("age")?);
        let side = EXPRESSION_SIDE as usize;
        let mut data = Vec::with_capacity(n * side * side);
        for face in faces {
            let crop = crop(picture, widened(face, 0.0, EXPRESSION_WIDEN, true), EXPRESSION_SIDE);
            data.extend(grey(&crop).pixels().map(|p| (f32::from(p.0[0]) / 255.0 - 0.5) * 2.0));
        }
        let expressions = self.expression.run(Floats { shape: vec![n, side, side, 1], data })?.data;
        if gender.len() != n || ages.len() != n * 100 || expressions.len() != n * EXPRESSIONS.len() {
            return Err(ModelError::Runtime("the face trait models gave outputs of another shape".into()));
        }
        Ok((0..n)
            .map(|i| {
                let (age, age_low, age_high) = age_of(&ages[i * 100..(i + 1) * 100]);
                let classes = &expressions[i * EXPRESSIONS.len()..(i + 1) * EXPRESSIONS.len()];
                let (best, confidence) =
                    classes.iter().copied().enumerate().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or((6, 0.0));
                Traits {
                    age,
                    age_low,
                    age_high,
                    male: gender[i],
                    expression: EXPRESSIONS[best],
                    expression_confidence: confidence,
                }
            })
            .collect())
    }
}

/// The face's box grown by `margin` pixels each side, then `scale` times about its
/// centre, and made square on its longer side when `square`: left, top, right, bottom.
fn widened(face: &FaceBox, margin: f32, scale: f32, square: bool) -> [f32; 4] {
    let (cx, cy) = ((face.left + face.right) / 2.0, (face.top + face.bottom) / 2.0);
    let (mut w, mut h) = ((face.width() + 2.0 * margin) * scale, (face.height() + 2.0 * margin) * scale);
    if square {
        (w, h) = (w.max(h), w.max(h));
    }
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// The part of `picture` inside `area` (black where it runs off the picture), resized to `side`.
fn crop(picture: &RgbImage, area: [f32; 4], side: u32) -> RgbImage {
    let [left, top, right, bottom] = area.map(|v| v.round() as i64);
    let (w, h) = ((right - left).max(1) as u32, (bottom - top).max(1) as u32);
    let mut part = RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (left + i64::from(x), top + i64::from(y));
            if sx >= 0 && sy >= 0 && (sx as u32) < picture.width() && (sy as u32) < picture.height() {
                part.put_pixel(x, y, *picture.get_pixel(sx as u32, sy as u32));
            }
        }
    }
    image::imageops::resize(&part, side, side, FilterType::Triangle)
}

/// Grey as the expression model was trained on it (ITU-R 601 weights).
fn grey(picture: &RgbImage) -> GrayImage {
    GrayImage::from_fn(picture.width(), picture.height(), |x, y| {
        let [r, g, b] = picture.get_pixel(x, y).0.map(f32::from);
        image::Luma([(0.2989 * r + 0.5870 * g + 0.1140 * b).round().clamp(0.0, 255.0) as u8])
    })
}

/// Age from the model's distribution over 1 to 100 years: the two likeliest years weighed
/// by their likelihoods (as HSE read it), and the middle 80 % of the distribution.
fn age_of(distribution: &[f32]) -> (f32, f32, f32) {
    let mut ranked: Vec<(usize, f32)> = distribution.iter().copied().enumerate().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (first, second) = (ranked[0], ranked[1]);
    let weight = (first.1 + second.1).max(f32::EPSILON);
    let age = 1.0 + (first.0 as f32 * first.1 + second.0 as f32 * second.1) / weight;
    let total: f32 = distribution.iter().sum::<f32>().max(f32::EPSILON);
    let quantile = |share: f32| {
        let mut sum = 0.0;
        for (year, p) in distribution.iter().enumerate() {
            sum += p / total;
            if sum >= share {
                return year as f32 + 1.0;
            }
        }
        distribution.len() as f32
    };
    (age, quantile(AGE_QUANTILE), quantile(1.0 - AGE_QUANTILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_is_the_two_likeliest_years_weighed_and_the_range_its_middle_80_percent() {
        let mut distribution = vec![0.0; 100];
        // Mostly 40 and 41 years (classes 39 and 40), with tails at 30 and 55.
        distribution[39] = 0.4;
        distribution[40] = 0.4;
        distribution[29] = 0.1;
        distribution[54] = 0.1;
        let (age, low, high) = age_of(&distribution);
        assert!((age - 40.5).abs() < 1e-4, "{age}");
        assert_eq!((low, high), (30.0, 41.0));
    }

    #[test]
    fn the_expression_crop_is_square_about_the_face() {
        let face =
            FaceBox { left: 100.0, top: 50.0, right: 140.0, bottom: 110.0, score: 0.9, landmarks: [[0.0; 2]; 5] };
        let [l, t, r, b] = widened(&face, 0.0, 1.4, true);
        assert!((r - l - 84.0).abs() < 1e-3 && (b - t - 84.0).abs() < 1e-3);
        assert!(((l + r) / 2.0 - 120.0).abs() < 1e-3 && ((t + b) / 2.0 - 80.0).abs() < 1e-3);
    }
}
