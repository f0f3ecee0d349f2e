//! Unsafe-content scores with Yahoo's Open NSFW model: a ResNet-50 that gives each
//! picture a probability of being unsafe for work.

use image::DynamicImage;
use image::imageops::FilterType;

use crate::inference::{Floats, Model, ModelError, Models};

pub const MODEL: &str = "open-nsfw.onnx";
/// Pictures per run: enough to keep the cores busy, small enough for memory.
const BATCH: usize = 8;
const SIDE: u32 = 224;
/// The Caffe model was trained on 256x256 pictures cropped to their middle 224x224, in
/// BGR order with these channel means taken off.
const RESIZE: u32 = 256;
const BGR_MEANS: [f32; 3] = [104.0, 117.0, 123.0];

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

    /// One score per picture, 0 (safe) to 1 (unsafe). Blocking.
    pub fn scores(&self, pictures: &[DynamicImage]) -> Result<Vec<f32>, ModelError> {
        let mut scores = Vec::with_capacity(pictures.len());
        for batch in pictures.chunks(BATCH) {
            let side = SIDE as usize;
            let mut data = Vec::with_capacity(batch.len() * side * side * 3);
            for picture in batch {
                prepare(picture, &mut data);
            }
            let out = self.model.run(Floats { shape: vec![batch.len(), side, side, 3], data })?;
            // Two columns per picture: safe, unsafe.
            scores.extend(out.data.chunks(2).map(|pair| pair.get(1).copied().unwrap_or(0.0)));
        }
        Ok(scores)
    }
}

/// Appends the picture as the model reads it: NHWC, BGR, means taken off.
fn prepare(picture: &DynamicImage, into: &mut Vec<f32>) {
    let resized = picture.resize_exact(RESIZE, RESIZE, FilterType::Triangle).to_rgb8();
    let offset = (RESIZE - SIDE) / 2;
    for y in offset..offset + SIDE {
        for x in offset..offset + SIDE {
            let [r, g, b] = resized.get_pixel(x, y).0;
            into.extend([f32::from(b) - BGR_MEANS[0], f32::from(g) - BGR_MEANS[1], f32::from(r) - BGR_MEANS[2]]);
        }
    }
}
