//! Face alignment: the similarity transform (turn, scale, shift) that puts a face's five
//! landmarks closest to where the embedding model saw them in training, and the 150 x 150
//! chip it gives.

use image::{Rgb, RgbImage};

pub const SIDE: u32 = 150;

/// Where the five landmarks sit on dlib's 150 x 150 face chips (its mean face with a
/// quarter of padding on each side), which the embedding model was trained on: eye
/// centres, nose tip, mouth corners.
const TEMPLATE: [[f32; 2]; 5] = [[47.7, 47.1], [100.3, 47.1], [74.0, 80.0], [57.0, 107.0], [93.0, 107.0]];

/// `x' = a x - b y + tx`, `y' = b x + a y + ty`: a rotation and scale, then a shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    a: f32,
    b: f32,
    tx: f32,
    ty: f32,
}

impl Similarity {
    /// The least-squares similarity taking `from` onto `to` (no reflection).
    pub fn fit(from: &[[f32; 2]], to: &[[f32; 2]]) -> Self {
        let n = from.len().min(to.len()).max(1) as f32;
        let mean = |points: &[[f32; 2]]| {
            let (sx, sy) = points.iter().fold((0.0, 0.0), |(sx, sy), p| (sx + p[0], sy + p[1]));
            [sx / n, sy / n]
        };
        let (mf, mt) = (mean(from), mean(to));
        let (mut dot, mut cross, mut norm) = (0.0f32, 0.0f32, 0.0f32);
        for (p, q) in from.iter().zip(to) {
            let (px, py, qx, qy) = (p[0] - mf[0], p[1] - mf[1], q[0] - mt[0], q[1] - mt[1]);
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            norm += px * px + py * py;
        }
        let (a, b) = if norm > 0.0 { (dot / norm, cross / norm) } else { (1.0, 0.0) };
        Self { a, b, tx: mt[0] - (a * mf[0] - b * mf[1]), ty: mt[1] - (b * mf[0] + a * mf[1]) }
    }

    pub fn apply(&self, [x, y]: [f32; 2]) -> [f32; 2] {
        [self.a * x - self.b * y + self.tx, self.b * x + self.a * y + self.ty]
    }

    fn inverse(&self) -> Self {
        let d = self.a * self.a + self.b * self.b;
        let (a, b) = (self.a / d, -self.b / d);
        Self { a, b, tx: -(a * self.tx - b * self.ty), ty: -(b * self.tx + a * self.ty) }
    }
}

/// The face turned upright and scaled into the model's 150 x 150 chip, sampled
/// bilinearly from the picture (black outside it).
pub fn aligned(picture: &RgbImage, landmarks: &[[f32; 2]; 5]) -> RgbImage {
    let back = Similarity::fit(landmarks, &TEMPLATE).inverse();
    RgbImage::from_fn(SIDE, SIDE, |u, v| {
        let [x, y] = back.apply([u as f32, v as f32]);
        sample(picture, x, y)
    })
}

fn sample(picture: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let (w, h) = (picture.width() as i64, picture.height() as i64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let at = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            [0.0; 3]
        } else {
            picture.get_pixel(xi as u32, yi as u32).0.map(f32::from)
        }
    };
    let (p00, p10, p01, p11) = (at(x0, y0), at(x0 + 1, y0), at(x0, y0 + 1), at(x0 + 1, y0 + 1));
    Rgb(std::array::from_fn(|c| {
        let top = p00[c] * (1.0 - fx) + p10[c] * fx;
        let bottom = p01[c] * (1.0 - fx) + p11[c] * fx;
        (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_recovers_a_known_turn_scale_and_shift() {
        let truth = Similarity { a: 0.8, b: 0.3, tx: 12.0, ty: -4.0 };
        let from = [[10.0, 20.0], [50.0, 22.0], [30.0, 40.0], [15.0, 60.0], [45.0, 61.0]];
        let to: Vec<[f32; 2]> = from.iter().map(|&p| truth.apply(p)).collect();
        let fit = Similarity::fit(&from, &to);
        for (p, q) in from.iter().zip(&to) {
            let got = fit.apply(*p);
            assert!((got[0] - q[0]).abs() < 1e-3 && (got[1] - q[1]).abs() < 1e-3, "{got:?} != {q:?}");
        }
        let back = fit.inverse().apply(to[2]);
        assert!((back[0] - from[2][0]).abs() < 1e-3 && (back[1] - from[2][1]).abs() < 1e-3);
    }

    #[test]
    fn landmarks_already_on_the_template_give_the_picture_back() {
        let picture = RgbImage::from_fn(SIDE, SIDE, |x, y| Rgb([x as u8, y as u8, 7]));
        let crop = aligned(&picture, &TEMPLATE);
        assert_eq!(crop.get_pixel(20, 140).0, [20, 140, 7]);
    }
}
