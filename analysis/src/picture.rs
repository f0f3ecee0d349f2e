//! Still images: EXIF, GPS and XMP through exiftool, then a JPEG proxy and a thumbnail
//! with the EXIF orientation applied, decoded under a pixel budget so a decompression
//! bomb fails its asset instead of the worker's memory.

use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use mediaport_shared::{Gps, ImageInfo};
use serde_json::Value;

use crate::tools::{Tool, ToolError, Tools, args};

/// Images above this many pixels are refused (a 200-megapixel scan still passes).
pub const MAX_PIXELS: u64 = 250_000_000;

/// Photographs sent to index a face are decoded in the API process while someone waits:
/// they get a smaller budget (a 50-megapixel camera still passes).
pub const FACE_PHOTO_MAX_PIXELS: u64 = 50_000_000;

/// Longest side of the proxy and of the thumbnail.
pub const PROXY_SIDE: u32 = 1920;
pub const THUMBNAIL_SIDE: u32 = 320;

#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("the image is {width}x{height} pixels, more than the {} megapixels allowed", .limit / 1_000_000)]
    TooLarge { width: u32, height: u32, limit: u64 },
    #[error("cannot decode the image: {0}")]
    Decode(String),
    #[error(transparent)]
    Tool(#[from] ToolError),
}

/// exiftool's report: every tag, numbers as numbers (signed GPS coordinates).
pub async fn exif(tools: &Tools, file: &Path) -> Result<Vec<u8>, ToolError> {
    tools.run(Tool::Exiftool, args!["-json", "-n", "-G", "-struct", file]).await
}

/// The fields people filter on, from exiftool's grouped report.
pub fn image_info(report: &[u8], width: u32, height: u32) -> ImageInfo {
    let tags: Value =
        serde_json::from_slice::<Vec<Value>>(report).ok().and_then(|mut list| list.pop()).unwrap_or(Value::Null);
    // `-G` names tags by group ("EXIF:Make"); take the first group that has the tag.
    let tag = |name: &str| -> Option<&Value> {
        tags.as_object()?.iter().find(|(key, _)| key.rsplit(':').next() == Some(name)).map(|(_, v)| v)
    };
    let text = |name: &str| tag(name).and_then(|v| v.as_str().map(str::to_owned).or_else(|| Some(v.to_string())));
    let number = |name: &str| tag(name).and_then(Value::as_f64);
    let camera = [text("Make"), text("Model")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let gps = match (
        tags.get("Composite:GPSLatitude").and_then(Value::as_f64),
        tags.get("Composite:GPSLongitude").and_then(Value::as_f64),
    ) {
        (Some(latitude), Some(longitude)) => Some(Gps { latitude, longitude, altitude: number("GPSAltitude") }),
        _ => None,
    };
    ImageInfo {
        width,
        height,
        orientation: number("Orientation").map_or(1, |o| o as u16),
        camera: (!camera.is_empty()).then_some(camera),
        taken_at: text("DateTimeOriginal").or_else(|| text("CreateDate")),
        gps,
    }
}

/// The picture turned upright and shrunk to at most `side` pixels, and its full size as
/// displayed. It is shrunk before it is turned, so turning never copies the full picture.
pub fn decode_upright(file: &Path, side: u32) -> Result<(DynamicImage, (u32, u32)), PictureError> {
    upright(ImageReader::open(file).map_err(|e| PictureError::Decode(e.to_string()))?, side, MAX_PIXELS)
}

/// [`decode_upright`] for a picture in memory (a photograph sent to the API), within
/// `max_pixels`: the size its header states is checked before anything is decoded.
pub fn decode_upright_bytes(
    bytes: &[u8],
    side: u32,
    max_pixels: u64,
) -> Result<(DynamicImage, (u32, u32)), PictureError> {
    upright(ImageReader::new(std::io::Cursor::new(bytes)), side, max_pixels)
}

fn upright<R: std::io::BufRead + std::io::Seek>(
    reader: ImageReader<R>,
    side: u32,
    max_pixels: u64,
) -> Result<(DynamicImage, (u32, u32)), PictureError> {
    let decode = |e: image::ImageError| PictureError::Decode(e.to_string());
    let mut decoder = reader
        .with_guessed_format()
        .map_err(|e| PictureError::Decode(e.to_string()))?
        .into_decoder()
        .map_err(decode)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(PictureError::TooLarge { width, height, limit: max_pixels });
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_pixels * 8);
    decoder.set_limits(limits).map_err(decode)?;
    let orientation = decoder.orientation().map_err(decode)?;
    let full = DynamicImage::from_decoder(decoder).map_err(decode)?;
    let mut picture = fit(full, side);
    picture.apply_orientation(orientation);
    // Orientations 5 to 8 turn the picture a quarter: width and height swap.
    let quarter_turn = matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    );
    Ok((picture, if quarter_turn { (height, width) } else { (width, height) }))
}

fn fit(picture: DynamicImage, side: u32) -> DynamicImage {
    if picture.width() > side || picture.height() > side {
        picture.resize(side, side, image::imageops::FilterType::Triangle)
    } else {
        picture
    }
}

/// Writes `picture` as a JPEG whose longest side is at most `side`.
pub fn save_jpeg(picture: &DynamicImage, side: u32, path: &Path) -> Result<(), PictureError> {
    let fitted = fit(picture.clone(), side);
    // JPEG has no alpha: flatten to RGB first.
    let file = std::fs::File::create(path).map_err(|e| PictureError::Decode(e.to_string()))?;
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(std::io::BufWriter::new(file), 85);
    encoder.encode_image(&DynamicImage::ImageRgb8(fitted.to_rgb8())).map_err(|e| PictureError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BMP whose header states `width` x `height` and whose pixels are missing.
    fn bmp_header(width: i32, height: i32) -> Vec<u8> {
        let mut bmp = b"BM".to_vec();
        bmp.extend(70u32.to_le_bytes()); // file size, as stated
        bmp.extend([0; 4]);
        bmp.extend(54u32.to_le_bytes()); // where the pixels start
        bmp.extend(40u32.to_le_bytes()); // BITMAPINFOHEADER
        bmp.extend(width.to_le_bytes());
        bmp.extend(height.to_le_bytes());
        bmp.extend(1u16.to_le_bytes());
        bmp.extend(24u16.to_le_bytes());
        bmp.extend([0; 24]);
        bmp
    }

    #[test]
    fn a_face_photo_is_refused_by_the_size_its_header_states_before_decoding() {
        let huge = bmp_header(10_000, 10_000);
        let refused = decode_upright_bytes(&huge, PROXY_SIDE, FACE_PHOTO_MAX_PIXELS).unwrap_err();
        assert!(matches!(refused, PictureError::TooLarge { width: 10_000, height: 10_000, .. }), "{refused}");
        assert!(refused.to_string().contains("more than the 50 megapixels allowed"), "{refused}");
        // Within the budget, the same lie is found out by decoding, not by the size check.
        let small = bmp_header(2_000, 2_000);
        let unreadable = decode_upright_bytes(&small, PROXY_SIDE, FACE_PHOTO_MAX_PIXELS).unwrap_err();
        assert!(matches!(unreadable, PictureError::Decode(_)), "{unreadable}");
    }

    #[test]
    fn gps_camera_and_orientation_come_from_the_grouped_report() {
        let report = br#"[{"EXIF:Make": "Canon", "EXIF:Model": "EOS R5", "EXIF:Orientation": 6,
            "EXIF:DateTimeOriginal": "2024:05:01 10:00:00", "EXIF:GPSAltitude": 35,
            "Composite:GPSLatitude": -33.8568, "Composite:GPSLongitude": 151.2153}]"#;
        let info = image_info(report, 300, 400);
        assert_eq!(info.camera.as_deref(), Some("Canon EOS R5"));
        assert_eq!(info.orientation, 6);
        assert_eq!(info.gps, Some(Gps { latitude: -33.8568, longitude: 151.2153, altitude: Some(35.0) }));
        assert_eq!(info.taken_at.as_deref(), Some("2024:05:01 10:00:00"));
        assert_eq!(image_info(b"not json", 1, 1).gps, None);
    }
}
