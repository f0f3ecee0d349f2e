//! Faces: found with MTCNN, aligned on their landmarks, embedded with dlib's face
//! recognition ResNet, and graded (size, sharpness, pose) so that small, blurred or turned
//! faces are shown but never teach a collection or a cluster what someone looks like.

pub mod align;
pub mod mtcnn;
pub mod quality;
pub mod reader;
pub mod traits;

use image::{DynamicImage, RgbImage};

use crate::inference::{Floats, Model, ModelError, Models};
/// How far apart two faces are: under [`SAME_PERSON`], one person.
pub use mediaport_core::ports::vectors::distance;
pub use mtcnn::FaceBox;
pub use quality::Quality;

pub const EMBEDDER: &str = "facenet.onnx";
pub const DIMENSIONS: usize = 128;
/// Two faces closer than this (Euclidean) are taken for one person. dlib suggests 0.6 for
/// its model; measured here on the test photographs, one person's shots were 0.33-0.44
/// apart and different people 0.58 or more, so 0.5 leaves room on both sides.
pub const SAME_PERSON: f32 = 0.5;
/// Faces per embedding run.
const BATCH: usize = 16;

/// A face found on a picture.
#[derive(Debug, Clone)]
pub struct Face {
    pub found: FaceBox,
    pub quality: Quality,
    /// The face's 128 numbers: faces of one person lie close together.
    pub embedding: Vec<f32>,
    /// The aligned 150 x 150 chip the embedding was made from (shown in the UI).
    pub crop: RgbImage,
}

#[derive(Debug)]
pub struct Faces {
    detector: mtcnn::Mtcnn,
    embedder: Model,
}

impl Faces {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        Ok(Self { detector: mtcnn::Mtcnn::new(models)?, embedder: models.load(EMBEDDER)? })
    }

    /// Every face at least `min_face` pixels high, best detection first. Blocking.
    pub fn find(&self, picture: &DynamicImage, min_face: u32) -> Result<Vec<Face>, ModelError> {
        // One RGB copy serves the detector and the alignment.
        let rgb = picture.to_rgb8();
        let found = self.detector.detect(&rgb, min_face)?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let crops: Vec<RgbImage> = found.iter().map(|f| align::aligned(&rgb, &f.landmarks)).collect();
        let embeddings = self.embed(&crops)?;
        Ok(found
            .into_iter()
            .zip(crops)
            .zip(embeddings)
            .map(|((found, crop), embedding)| Face { quality: Quality::of(&found, &crop), found, embedding, crop })
            .collect())
    }

    /// Embeddings of aligned crops. Blocking.
    pub fn embed(&self, crops: &[RgbImage]) -> Result<Vec<Vec<f32>>, ModelError> {
        let mut embeddings = Vec::with_capacity(crops.len());
        let side = align::SIDE as usize;
        for batch in crops.chunks(BATCH) {
            let mut data = Vec::with_capacity(batch.len() * side * side * 3);
            for crop in batch {
                // RGB 0..255: the graph takes the mean colour off itself.
                data.extend(crop.pixels().flat_map(|p| p.0.map(f32::from)));
            }
            let out = self.embedder.run(Floats { shape: vec![batch.len(), side, side, 3], data })?;
            embeddings.extend(out.data.chunks(DIMENSIONS).map(<[f32]>::to_vec));
        }
        Ok(embeddings)
    }
}
