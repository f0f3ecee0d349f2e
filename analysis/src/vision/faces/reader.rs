//! The face models lent to the server, which indexes collection faces from photographs
//! while the person who sent them waits.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use image::{DynamicImage, RgbImage};
use mediaport_core::{FaceReadError, FaceReader, ReadFace};

use super::Faces;
use crate::picture::{self, PictureError};

/// Reads faces with models loaded once; each photograph is decoded upright at the size
/// the worker analyses images at, so that a face indexed here embeds like one seen there.
pub struct ModelFaceReader {
    pub faces: Arc<Faces>,
    pub min_face: u32,
}

/// Photographs read at once, at most: one per core. Each may hold up to 400 MB while it
/// is decoded, and a bulk import or many people at once must not exhaust memory.
static READING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
});

#[async_trait]
impl FaceReader for ModelFaceReader {
    async fn read(&self, image: Bytes) -> Result<Vec<ReadFace>, FaceReadError> {
        let (faces, min_face) = (self.faces.clone(), self.min_face);
        let _turn = READING.acquire().await.map_err(|e| FaceReadError::Model(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let max = picture::FACE_PHOTO_MAX_PIXELS;
            let (picture, _) =
                picture::decode_upright_bytes(&image, picture::PROXY_SIDE, max).map_err(|err| match err {
                    PictureError::Decode(reason) => FaceReadError::Unreadable(reason),
                    other => FaceReadError::Unreadable(other.to_string()),
                })?;
            let found = faces.find(&picture, min_face).map_err(|e| FaceReadError::Model(e.to_string()))?;
            found
                .into_iter()
                .map(|face| {
                    Ok(ReadFace {
                        unusable: face.quality.problem(),
                        side: face.quality.side,
                        embedding: face.embedding,
                        crop: jpeg(face.crop)?,
                    })
                })
                .collect()
        })
        .await
        .map_err(|e| FaceReadError::Model(format!("face reading stopped: {e}")))?
    }
}

/// A crop as JPEG, for the proxy bucket.
pub fn jpeg(crop: RgbImage) -> Result<Bytes, FaceReadError> {
    let mut out = std::io::Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    DynamicImage::ImageRgb8(crop).write_with_encoder(encoder).map_err(|e| FaceReadError::Model(e.to_string()))?;
    Ok(out.into_inner().into())
}
