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

#[async_trait]
impl FaceReader for ModelFaceReader {
    async fn read(&self, image: Bytes) -> Result<Vec<ReadFace>, FaceReadError> {
        let (faces, min_face) = (self.faces.clone(), self.min_face);
        tokio::task::spawn_blocking(move || {
            let (picture, _) = picture::decode_upright_bytes(&image, picture::PROXY_SIDE).map_err(|err| match err {
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
