//! Whether two pictures are the same but for noise: a frame of a static shot, a slide or
//! a presenter who hardly moves, or a caption's line still showing the same words. The
//! models would find the same things on them, so findings are carried forward instead of
//! computed again.
//!
//! "The same" is judged on a grid of small cells, not on the perceptual hash: a hash of
//! the whole picture stays put when a clock ticks or a caption's word changes, a cell
//! under that word does not. Any cell whose mean colour moved more than grain or JPEG
//! noise can move it makes the picture new.

use image::{DynamicImage, RgbImage};

/// Cells across and down a frame: about 15 pixels square on a 960x540 frame, so one
/// changed character of a small caption moves its cell's mean well past the tolerance.
const ACROSS: usize = 64;
const DOWN: usize = 36;
/// How far (of 255) a cell's mean red, green or blue may move on a picture that is still
/// the same. Light grain through H.264 (ffmpeg's noise=alls=6) moved a test film's cells
/// by up to 8, its caption's changed word by 56 to 86. Heavier grain makes every frame
/// new: analysed as before, only slower.
const TOLERANCE: u8 = 12;

/// The mean colour of each cell of a picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    width: u32,
    height: u32,
    means: Vec<[u8; 3]>,
}

impl Cells {
    /// A frame's cells.
    pub fn of(picture: &DynamicImage) -> Self {
        match picture.as_rgb8() {
            Some(rgb) => Self::grid(rgb, ACROSS, DOWN),
            None => Self::grid(&picture.to_rgb8(), ACROSS, DOWN),
        }
    }

    /// `across` x `down` cells of a picture (fewer if it has fewer pixels).
    pub fn grid(rgb: &RgbImage, across: usize, down: usize) -> Self {
        let (width, height) = rgb.dimensions();
        let (across, down) = (across.min(width as usize).max(1), down.min(height as usize).max(1));
        let mut sums = vec![[0u64; 4]; across * down];
        let column: Vec<usize> = (0..width as usize).map(|x| x * across / width as usize).collect();
        for (x, y, pixel) in rgb.enumerate_pixels() {
            let cell = (y as usize * down / height as usize) * across + column[x as usize];
            let sum = &mut sums[cell];
            for (total, value) in sum.iter_mut().zip(pixel.0) {
                *total += u64::from(value);
            }
            sum[3] += 1;
        }
        let means = sums.iter().map(|s| [0, 1, 2].map(|c| (s[c] / s[3].max(1)) as u8)).collect();
        Self { width, height, means }
    }

    /// Whether `later` shows the same picture: same size, and no cell moved past the tolerance.
    pub fn same_as(&self, later: &Cells) -> bool {
        self.width == later.width
            && self.height == later.height
            && self.means.iter().zip(&later.means).all(|(a, b)| (0..3).all(|c| a[c].abs_diff(b[c]) <= TOLERANCE))
    }
}

/// Which pictures are the same as the last one before them that is not: compared with the
/// last new picture, not the one just before, so a slow pan or fade cannot creep past the
/// tolerance a frame at a time. `anchor` is the last new picture of the chunks before, and
/// becomes this chunk's last new one.
pub fn still(cells: Vec<Cells>, anchor: &mut Option<Cells>) -> Vec<bool> {
    cells
        .into_iter()
        .map(|cells| {
            let still = anchor.as_ref().is_some_and(|a| a.same_as(&cells));
            if !still {
                *anchor = Some(cells);
            }
            still
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage};

    use super::*;

    fn grey(value: u8) -> RgbImage {
        RgbImage::from_pixel(960, 540, Rgb([value; 3]))
    }

    /// A noisy picture: every pixel moved by up to `amount` either way, deterministically.
    fn grained(mut picture: RgbImage, amount: i32, seed: u32) -> DynamicImage {
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        for pixel in picture.pixels_mut() {
            for c in 0..3 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let delta = (state % (2 * amount as u32 + 1)) as i32 - amount;
                pixel.0[c] = (i32::from(pixel.0[c]) + delta).clamp(0, 255) as u8;
            }
        }
        DynamicImage::ImageRgb8(picture)
    }

    /// A white 3 x 12 pixel stroke, as thin as a small caption's character.
    fn with_stroke(mut picture: RgbImage, x: u32, y: u32) -> RgbImage {
        for dy in 0..12 {
            for dx in 0..3 {
                picture.put_pixel(x + dx, y + dy, Rgb([255; 3]));
            }
        }
        picture
    }

    #[test]
    fn grain_alone_is_the_same_picture() {
        let a = Cells::of(&grained(grey(100), 20, 1));
        let b = Cells::of(&grained(grey(100), 20, 2));
        assert!(a.same_as(&b));
    }

    #[test]
    fn one_small_stroke_under_grain_is_a_new_picture() {
        let a = Cells::of(&grained(grey(40), 20, 1));
        let b = Cells::of(&grained(with_stroke(grey(40), 500, 300), 20, 2));
        assert!(!a.same_as(&b));
    }

    #[test]
    fn a_change_of_colour_alone_is_a_new_picture() {
        let red = DynamicImage::ImageRgb8(RgbImage::from_pixel(960, 540, Rgb([200, 40, 40])));
        let green = DynamicImage::ImageRgb8(RgbImage::from_pixel(960, 540, Rgb([40, 120, 40])));
        assert!(!Cells::of(&red).same_as(&Cells::of(&green)));
    }

    #[test]
    fn a_slow_fade_is_compared_with_the_last_new_picture() {
        // Each frame 5 levels brighter: within tolerance of the one before, not of the
        // third one before.
        let frames: Vec<Cells> = (0..6).map(|i| Cells::of(&DynamicImage::ImageRgb8(grey(100 + 5 * i)))).collect();
        let mut anchor = None;
        assert_eq!(still(frames, &mut anchor), [false, true, true, false, true, true]);
        assert_eq!(anchor, Some(Cells::of(&DynamicImage::ImageRgb8(grey(115)))));
    }

    #[test]
    fn pictures_of_another_size_are_new() {
        let small = DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 360, Rgb([100; 3])));
        assert!(!Cells::of(&small).same_as(&Cells::of(&DynamicImage::ImageRgb8(grey(100)))));
    }
}
