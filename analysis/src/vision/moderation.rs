//! Moderation categories with nsfwjs's MobileNetV2 (GantMan's nsfw_model): five classes
//! per picture (drawing, hentai, neutral, porn, sexy), reported as three categories:
//! explicit (porn or hentai), suggestive (sexy) and drawing (an illustration, safe).

use image::DynamicImage;

use crate::inference::{Floats, Model, ModelError, Models};

pub const MODEL: &str = "nsfwjs-mobilenet-v2.onnx";
/// Pictures per run: enough to keep the cores busy, small enough for memory.
const BATCH: usize = 8;
const SIDE: usize = 224;
/// The model's outputs, in order.
const DRAWING: usize = 0;
const HENTAI: usize = 1;
const PORN: usize = 3;
const SEXY: usize = 4;
const CLASSES: usize = 5;

/// How likely a picture is of each category, 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Categories {
    pub explicit: f32,
    pub suggestive: f32,
    pub drawing: f32,
}

impl Categories {
    /// From the model's five probabilities.
    fn of(classes: &[f32]) -> Self {
        let class = |i: usize| classes.get(i).copied().unwrap_or(0.0);
        Self { explicit: class(PORN) + class(HENTAI), suggestive: class(SEXY), drawing: class(DRAWING) }
    }

    /// Each category's name as timelines and search know it, with its likelihood.
    pub fn named(&self) -> [(&'static str, f32); 3] {
        [("explicit", self.explicit), ("suggestive", self.suggestive), ("drawing", self.drawing)]
    }
}

#[derive(Debug)]
pub struct Moderation {
    model: Model,
}

impl Moderation {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        Ok(Self { model: models.load(MODEL)? })
    }

    /// Scores with another model of the same shape (a retrained one, or a test's).
    pub fn with_model(model: Model) -> Self {
        Self { model }
    }

    /// The categories of each picture. Blocking.
    pub fn categories(&self, pictures: &[DynamicImage]) -> Result<Vec<Categories>, ModelError> {
        let mut found = Vec::with_capacity(pictures.len());
        for batch in pictures.chunks(BATCH) {
            let mut data = Vec::with_capacity(batch.len() * SIDE * SIDE * 3);
            for picture in batch {
                prepare(picture, &mut data);
            }
            let out = self.model.run(Floats { shape: vec![batch.len(), SIDE, SIDE, 3], data })?;
            if out.data.len() != batch.len() * CLASSES {
                return Err(ModelError::Runtime(format!(
                    "{MODEL}: {} values for {} pictures",
                    out.data.len(),
                    batch.len()
                )));
            }
            found.extend(out.data.chunks(CLASSES).map(Categories::of));
        }
        Ok(found)
    }
}

/// Appends the picture as nsfwjs gives it to the model: RGB over 255, squeezed to 224x224
/// by bilinear sampling with the corners aligned (TF.js's `resizeBilinear(.., true)`).
fn prepare(picture: &DynamicImage, into: &mut Vec<f32>) {
    let rgb = picture.to_rgb8();
    let (w, h) = rgb.dimensions();
    if w == 0 || h == 0 {
        into.resize(into.len() + SIDE * SIDE * 3, 0.0);
        return;
    }
    // Output pixel n samples the source at n * (size - 1) / (SIDE - 1).
    let axis = |size: u32| -> Vec<(u32, u32, f32)> {
        let step = (size - 1) as f32 / (SIDE - 1) as f32;
        (0..SIDE)
            .map(|n| {
                let at = n as f32 * step;
                let low = (at.floor() as u32).min(size - 1);
                (low, (low + 1).min(size - 1), at - low as f32)
            })
            .collect()
    };
    let (xs, ys) = (axis(w), axis(h));
    let pixel = |x: u32, y: u32, c: usize| f32::from(rgb.get_pixel(x, y).0[c]) / 255.0;
    for &(y0, y1, dy) in &ys {
        for &(x0, x1, dx) in &xs {
            for c in 0..3 {
                let top = pixel(x0, y0, c) + (pixel(x1, y0, c) - pixel(x0, y0, c)) * dx;
                let bottom = pixel(x0, y1, c) + (pixel(x1, y1, c) - pixel(x0, y1, c)) * dx;
                into.push(top + (bottom - top) * dy);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_are_kept_and_the_middle_is_interpolated() {
        // A 3x1 picture: black, grey, white.
        let mut picture = image::RgbImage::new(3, 1);
        for (x, level) in [0u8, 128, 255].into_iter().enumerate() {
            picture.put_pixel(x as u32, 0, image::Rgb([level; 3]));
        }
        let mut data = Vec::new();
        prepare(&DynamicImage::ImageRgb8(picture), &mut data);
        assert_eq!(data.len(), SIDE * SIDE * 3);
        let at = |x: usize| data[x * 3];
        assert_eq!((at(0), at(SIDE - 1)), (0.0, 1.0));
        // Output 56 of 224 samples source 0.502: most of the way to grey.
        let expected = 0.502 * (128.0 / 255.0);
        assert!((at(56) - expected).abs() < 1e-3, "{}", at(56));
    }

    #[test]
    fn porn_and_hentai_are_explicit() {
        let c = Categories::of(&[0.1, 0.2, 0.1, 0.5, 0.1]);
        assert_eq!(c.named().map(|(n, _)| n), ["explicit", "suggestive", "drawing"]);
        assert!((c.explicit - 0.7).abs() < 1e-6 && c.suggestive == 0.1 && c.drawing == 0.1);
    }
}
