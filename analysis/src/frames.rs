//! What each captured frame looks like to the analyses: a perceptual hash (near-identical
//! frames hash alike), a sharpness score (blurred or flat frames score low), its colours
//! (scenes compare them), and dynamic frame selection, which keeps a frame only when it
//! differs from the last one kept.

use std::path::{Path, PathBuf};

use image::GrayImage;
use mediaport_shared::{Frame, FrameSet};

use crate::ingest::FrameOptions;
use crate::picture::{self, PictureError};
use image::imageops::FilterType;
use image_hasher::{HashAlg, HasherConfig, ImageHash};

/// How a frame measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameLook {
    pub phash: ImageHash,
    pub sharpness: f64,
    pub colours: [u8; COLOUR_BINS],
}

/// Colour histogram bins: 4 levels of each of red, green and blue.
pub const COLOUR_BINS: usize = 64;

/// The frame's DCT hash and the variance of its Laplacian (on a 320-pixel-wide copy, so
/// scores compare across source sizes).
pub fn look(frame: &image::DynamicImage) -> FrameLook {
    let hasher = HasherConfig::new().hash_size(8, 8).hash_alg(HashAlg::Mean).preproc_dct().to_hasher();
    let phash = hasher.hash_image(frame);
    let gray = frame.to_luma8();
    let width = gray.width().clamp(1, 320);
    let height = (u64::from(gray.height()) * u64::from(width) / u64::from(gray.width().max(1))).max(1) as u32;
    let small = image::imageops::resize(&gray, width, height, FilterType::Triangle);
    FrameLook { phash, sharpness: laplacian_variance(&small), colours: colours(frame) }
}

/// The share of pixels in each of the 64 colour bins, times 255 (rounded, so the bins add
/// up to about 255), over a 64x36 copy: enough to tell one set or light from another.
pub fn colours(frame: &image::DynamicImage) -> [u8; COLOUR_BINS] {
    let small = image::imageops::thumbnail(&frame.to_rgb8(), 64, 36);
    let mut counts = [0u32; COLOUR_BINS];
    for pixel in small.pixels() {
        let [r, g, b] = pixel.0.map(|c| usize::from(c >> 6));
        counts[r * 16 + g * 4 + b] += 1;
    }
    let total = (small.width() * small.height()).max(1);
    counts.map(|n| ((n * 255 + total / 2) / total) as u8)
}

/// The 4-neighbour Laplacian's variance: edges make it high, blur and flat colour low.
fn laplacian_variance(gray: &GrayImage) -> f64 {
    let (w, h) = gray.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: u32, y: u32| f64::from(gray.get_pixel(x, y)[0]);
    let (mut sum, mut sum_sq, mut n) = (0.0, 0.0, 0.0);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let v = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y);
            sum += v;
            sum_sq += v * v;
            n += 1.0;
        }
    }
    let mean = sum / n;
    ((sum_sq / n - mean * mean) * 100.0).round() / 100.0
}

/// Keeps the first frame, then each frame whose hash is more than `min_distance` bits from
/// the last kept one. `min_distance` 0 keeps every frame.
pub fn select(hashes: &[ImageHash], min_distance: u32) -> Vec<bool> {
    let mut last: Option<&ImageHash> = None;
    hashes
        .iter()
        .map(|hash| {
            let keep = min_distance == 0 || last.is_none_or(|l| l.dist(hash) > min_distance);
            if keep {
                last = Some(hash);
            }
            keep
        })
        .collect()
}

/// Every captured frame measured, and which ones dynamic selection kept.
#[derive(Debug, Clone)]
pub struct Measured {
    pub looks: Vec<FrameLook>,
    pub kept: Vec<bool>,
    /// The frame to make the asset's thumbnail from.
    pub thumbnail_index: usize,
}

impl Measured {
    /// The manifest of frames: frame `i` shows the moment `i / rate` seconds in.
    pub fn manifest(&self, keys: Vec<String>, rate: f64) -> Vec<Frame> {
        keys.into_iter()
            .zip(self.looks.iter().zip(&self.kept))
            .enumerate()
            .map(|(i, (key, (look, kept)))| Frame {
                key,
                time_ms: (i as f64 * 1000.0 / rate).round() as u64,
                phash: look.phash.as_bytes().iter().map(|b| format!("{b:02x}")).collect(),
                sharpness: look.sharpness,
                kept: *kept,
                colours: look.colours.iter().map(|b| format!("{b:02x}")).collect(),
            })
            .collect()
    }

    pub fn frame_set(&self, rate: f64, manifest: String) -> FrameSet {
        let kept = self.kept.iter().filter(|k| **k).count();
        FrameSet { rate, captured: self.looks.len() as u32, kept: kept as u32, manifest }
    }
}

/// Measures the frame files on every core, then selects (`options.dynamic`) and picks the
/// thumbnail: the sharpest of the first tenth, so it is neither a fade-in nor a spoiler.
pub async fn measure(files: Vec<PathBuf>, options: &FrameOptions) -> Result<Measured, String> {
    let min_distance = if options.dynamic { options.min_distance.max(1) } else { 0 };
    tokio::task::spawn_blocking(move || {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = files.len().div_ceil(threads).max(1);
        let looks: Result<Vec<Vec<FrameLook>>, String> = std::thread::scope(|s| {
            let workers: Vec<_> = files
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter().map(|f| image::open(f).map(|i| look(&i)).map_err(|e| e.to_string())).collect()
                    })
                })
                .collect();
            // A decoder that panics on a crafted frame fails this asset, not the worker.
            workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err(CRASHED.to_owned()))).collect()
        });
        let looks: Vec<FrameLook> = looks?.into_iter().flatten().collect();
        let hashes: Vec<ImageHash> = looks.iter().map(|l| l.phash.clone()).collect();
        let kept = select(&hashes, min_distance);
        let early = (looks.len() / 10).max(1);
        let thumbnail_index =
            (0..early).max_by(|a, b| looks[*a].sharpness.total_cmp(&looks[*b].sharpness)).unwrap_or(0);
        Ok(Measured { looks, kept, thumbnail_index })
    })
    .await
    .unwrap_or_else(|_| Err(CRASHED.to_owned()))
}

const CRASHED: &str = "the image decoder crashed on a frame";

/// A small JPEG of a frame or page, for grids.
pub async fn thumbnail(source: &Path, dest: &Path) -> Result<(), PictureError> {
    let (source, dest) = (source.to_path_buf(), dest.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let picture = image::open(&source).map_err(|e| PictureError::Decode(e.to_string()))?;
        picture::save_jpeg(&picture, picture::THUMBNAIL_SIDE, &dest)
    })
    .await
    .unwrap_or_else(|_| Err(PictureError::Decode(CRASHED.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, Luma, RgbImage};

    fn checkerboard(cell: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(320, 180, |x, y| {
            if (x / cell + y / cell).is_multiple_of(2) { image::Rgb([255, 255, 255]) } else { image::Rgb([0, 0, 0]) }
        }))
    }

    #[test]
    fn sharp_edges_score_higher_than_blur_and_flat_grey() {
        let sharp = look(&checkerboard(8)).sharpness;
        let blurred = look(&checkerboard(8).blur(4.0)).sharpness;
        let flat = look(&DynamicImage::ImageLuma8(GrayImage::from_pixel(320, 180, Luma([128])))).sharpness;
        assert!(sharp > blurred, "{sharp} vs {blurred}");
        assert!(blurred > flat);
        assert_eq!(flat, 0.0);
    }

    #[test]
    fn near_identical_frames_hash_alike_and_different_scenes_do_not() {
        let a = look(&checkerboard(40)).phash;
        let a_brighter = look(&checkerboard(40).brighten(20)).phash;
        let b = look(&checkerboard(7)).phash;
        assert!(a.dist(&a_brighter) <= 4, "{}", a.dist(&a_brighter));
        assert!(a.dist(&b) > 10, "{}", a.dist(&b));
        assert_eq!(select(&[a.clone(), a_brighter, b.clone(), b], 10), [true, false, true, false]);
        assert_eq!(select(&[a.clone(), a], 0), [true, true]);
    }
}
