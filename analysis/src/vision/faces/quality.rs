//! How usable a face is for recognition: big enough, sharp enough, and facing the camera.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::mtcnn::FaceBox;

/// Below these a face is still reported, but it does not teach a collection or a cluster.
pub const MIN_SIDE: f32 = 40.0;
pub const MIN_SHARPNESS: f32 = 40.0;
pub const MAX_YAW: f32 = 0.35;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// The box's shorter side, in pixels of the analysed picture.
    pub side: f32,
    /// Variance of the Laplacian of the aligned crop's grey levels: low when blurred (or
    /// scaled up from a few pixels).
    pub sharpness: f32,
    /// How far the nose sits off the line between the eyes, in eye distances: 0 facing the
    /// camera, about 0.5 in profile. Signed: positive turned to the picture's right.
    pub yaw: f32,
}

impl Quality {
    pub fn of(face: &FaceBox, crop: &RgbImage) -> Self {
        Self { side: face.width().min(face.height()), sharpness: sharpness(crop), yaw: yaw(&face.landmarks) }
    }

    /// Good enough to recognise someone by.
    pub fn usable(&self) -> bool {
        self.problem().is_none()
    }

    /// Why the face is not usable, in words for the person who sent it.
    pub fn problem(&self) -> Option<String> {
        if self.side < MIN_SIDE {
            Some(format!("it is {:.0} pixels across, under {MIN_SIDE:.0}", self.side))
        } else if self.sharpness < MIN_SHARPNESS {
            Some("it is blurred".into())
        } else if self.yaw.abs() > MAX_YAW {
            Some("it is turned away from the camera".into())
        } else {
            None
        }
    }
}

fn sharpness(crop: &RgbImage) -> f32 {
    let (w, h) = crop.dimensions();
    let grey = |x: u32, y: u32| {
        let [r, g, b] = crop.get_pixel(x, y).0.map(f32::from);
        0.299 * r + 0.587 * g + 0.114 * b
    };
    let mut values = Vec::with_capacity((w.saturating_sub(2) * h.saturating_sub(2)) as usize);
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            values.push(grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1) - 4.0 * grey(x, y));
        }
    }
    if values.is_empty() {
        return 0.0;
    }
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / values.len() as f32
}

fn yaw(landmarks: &[[f32; 2]; 5]) -> f32 {
    let [left_eye, right_eye, nose, ..] = landmarks;
    let (dx, dy) = (right_eye[0] - left_eye[0], right_eye[1] - left_eye[1]);
    let distance = (dx * dx + dy * dy).sqrt();
    if distance <= f32::EPSILON {
        return 1.0;
    }
    // The nose's offset from the eyes' midpoint, along the line between the eyes.
    let (mx, my) = ((left_eye[0] + right_eye[0]) / 2.0, (left_eye[1] + right_eye[1]) / 2.0);
    ((nose[0] - mx) * dx + (nose[1] - my) * dy) / (distance * distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_crop_is_not_sharp_and_a_centred_nose_faces_the_camera() {
        let flat = RgbImage::from_pixel(112, 112, image::Rgb([128, 128, 128]));
        assert_eq!(sharpness(&flat), 0.0);
        let checks = RgbImage::from_fn(112, 112, |x, y| image::Rgb(if (x + y) % 2 == 0 { [0; 3] } else { [255; 3] }));
        assert!(sharpness(&checks) > 1000.0);
        let frontal = [[40.0, 50.0], [70.0, 50.0], [55.0, 70.0], [42.0, 90.0], [68.0, 90.0]];
        assert!(yaw(&frontal).abs() < 1e-6);
        let turned = [[40.0, 50.0], [70.0, 50.0], [67.0, 70.0], [42.0, 90.0], [68.0, 90.0]];
        assert!((yaw(&turned) - 0.4).abs() < 1e-6);
    }
}
