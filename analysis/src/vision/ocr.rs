//! On-screen text with PP-OCRv4 (mobile): a detector that marks where text is, then a
//! recogniser that reads each marked line. Lines come back with their boxes, and so do
//! their words.

use image::imageops::FilterType;
use image::{DynamicImage, RgbImage};

use super::cells::Cells;
use super::ctc::{self, Reading};
use crate::inference::{Floats, Model, ModelError, Models};

pub const DETECTOR: &str = "ppocr-det.onnx";
pub const RECOGNISER: &str = "ppocr-rec.onnx";

/// The detector sees pictures at most this wide or high (multiples of 32).
const DETECT_SIDE: u32 = 960;
/// A pixel is text above this probability...
const PIXEL_THRESHOLD: f32 = 0.3;
/// ...and a region is a line if its mean probability reaches this.
const REGION_THRESHOLD: f32 = 0.5;
/// Regions grow by area x ratio / perimeter: the detector marks text's shrunken core.
const UNCLIP_RATIO: f32 = 1.6;
const MIN_REGION_SIDE: usize = 3;
/// The recogniser reads lines 48 pixels high, padded to at least 320 wide (its training
/// shape), at most 960.
const LINE_HEIGHT: u32 = 48;
const MIN_LINE_WIDTH: u32 = 320;
const MAX_LINE_WIDTH: u32 = 960;
/// Lines read in one run (PP-OCR's own batch size).
const LINE_BATCH: usize = 6;
/// Lines read with less confidence than this are noise.
const MIN_LINE_CONFIDENCE: f32 = 0.5;

/// One line of text and where it is, in the picture's pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub confidence: f32,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    pub words: Vec<Word>,
}

/// One word of a line and where it is, in the picture's pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug)]
pub struct Ocr {
    detector: Model,
    recogniser: Model,
    /// The recogniser's classes: index 0 is CTC's blank, then these characters.
    charset: Vec<String>,
}

impl Ocr {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        let recogniser = models.load(RECOGNISER)?;
        let characters = recogniser
            .metadata("character")?
            .ok_or_else(|| ModelError::Runtime(format!("{RECOGNISER} carries no character set")))?;
        // The space is not in the list but is the last class.
        let mut charset: Vec<String> = characters.lines().map(str::to_owned).collect();
        charset.push(" ".into());
        Ok(Self { detector: models.load(DETECTOR)?, recogniser, charset })
    }

    /// Every line of text in `picture`, top to bottom. Blocking.
    pub fn read(&self, picture: &DynamicImage) -> Result<Vec<Line>, ModelError> {
        self.read_after(picture, &mut Recent::default())
    }

    /// Every line of text in `picture`, top to bottom, reading again only the lines that
    /// are not the same as one of the `recent` picture's (a caption that stays on screen
    /// is read once); `recent` then holds this picture's lines. Blocking.
    pub fn read_after(&self, picture: &DynamicImage, recent: &mut Recent) -> Result<Vec<Line>, ModelError> {
        let rgb = picture.to_rgb8();
        let crops: Vec<Crop> = self.detect(&rgb)?.into_iter().map(|region| Crop::of(&rgb, region)).collect();
        let cells: Vec<Cells> = crops.iter().map(|c| Cells::grid(&c.line, c.line.width() as usize / 8, 6)).collect();
        let mut readings: Vec<Option<(Reading, u32, u32)>> =
            cells.iter().map(|cells| recent.reading(cells).cloned()).collect();
        // Lines of like widths share a run, so little of each batch is padding.
        let mut order: Vec<usize> = (0..crops.len()).filter(|&i| readings[i].is_none()).collect();
        order.sort_by_key(|&i| crops[i].line.width());
        for batch in order.chunks(LINE_BATCH) {
            let lines: Vec<&RgbImage> = batch.iter().map(|&i| &crops[i].line).collect();
            for (&i, reading) in batch.iter().zip(self.recognise(&lines)?) {
                readings[i] = Some(reading);
            }
        }
        recent.lines = cells.into_iter().zip(readings.iter().cloned()).filter_map(|(c, r)| Some((c, r?))).collect();
        let mut lines = Vec::new();
        for (crop, reading) in crops.into_iter().zip(readings) {
            let Some((reading, width, padded)) = reading else { continue };
            let text = reading.text();
            if text.is_empty() || reading.confidence < MIN_LINE_CONFIDENCE {
                continue;
            }
            let words = place_words(&reading, width, padded, &crop.region, crop.vertical);
            lines.push(Line { text, confidence: reading.confidence, words, ..crop.region });
        }
        Ok(lines)
    }

    fn detect(&self, rgb: &RgbImage) -> Result<Vec<Line>, ModelError> {
        let (width, height) = rgb.dimensions();
        let scale = (DETECT_SIDE as f32 / width.max(height) as f32).min(1.0);
        // Halves to even, as the Python peer rounds.
        let round32 = |side: u32| ((side as f32 * scale / 32.0).round_ties_even() as u32).max(1) * 32;
        let (w, h) = (round32(width), round32(height));
        let resized = image::imageops::resize(rgb, w, h, FilterType::Triangle);
        let plane = (w * h) as usize;
        let mut data = vec![0f32; plane * 3];
        for (i, pixel) in resized.pixels().enumerate() {
            let [r, g, b] = pixel.0;
            for (c, value) in [b, g, r].into_iter().enumerate() {
                data[c * plane + i] = f32::from(value) / 127.5 - 1.0;
            }
        }
        let map = self.detector.run(Floats { shape: vec![1, 3, h as usize, w as usize], data })?;
        let (sx, sy) = (width as f32 / w as f32, height as f32 / h as f32);
        let mut lines: Vec<Line> = regions(&map.data, w as usize, h as usize)
            .into_iter()
            .filter_map(|r| {
                let left = ((r.left * sx).floor().max(0.0) as u32).min(width - 1);
                let top = ((r.top * sy).floor().max(0.0) as u32).min(height - 1);
                let right = ((r.right * sx).ceil() as u32).min(width);
                let bottom = ((r.bottom * sy).ceil() as u32).min(height);
                (right > left + 1 && bottom > top + 1).then(|| Line {
                    text: String::new(),
                    confidence: r.score,
                    left,
                    top,
                    width: right - left,
                    height: bottom - top,
                    words: Vec::new(),
                })
            })
            .collect();
        // Reading order: rows top to bottom (a row is lines whose tops are close), then left to right.
        lines.sort_by_key(|l| (l.top / 10, l.left));
        Ok(lines)
    }

    /// Reads lines already scaled to `LINE_HEIGHT`, in one run: each is padded on the
    /// right to the batch's widest (at least the training width) with zeros, mid-grey once
    /// normalised, as in training. Gives each reading with its line's width and the padded
    /// width the recogniser's steps spread over.
    fn recognise(&self, lines: &[&RgbImage]) -> Result<Vec<(Reading, u32, u32)>, ModelError> {
        let padded = lines.iter().map(|l| l.width()).max().unwrap_or(0).max(MIN_LINE_WIDTH);
        let plane = padded as usize * LINE_HEIGHT as usize;
        let mut data = vec![0f32; plane * 3 * lines.len()];
        for (n, line) in lines.iter().enumerate() {
            let image = &mut data[n * plane * 3..(n + 1) * plane * 3];
            for (x, y, pixel) in line.enumerate_pixels() {
                let i = y as usize * padded as usize + x as usize;
                let [r, g, b] = pixel.0;
                for (c, value) in [b, g, r].into_iter().enumerate() {
                    image[c * plane + i] = f32::from(value) / 127.5 - 1.0;
                }
            }
        }
        let shape = vec![lines.len(), 3, LINE_HEIGHT as usize, padded as usize];
        let out = self.recogniser.run(Floats { shape, data })?;
        let classes = *out.shape.last().unwrap_or(&1);
        let per_line = out.data.len() / lines.len().max(1);
        Ok(lines
            .iter()
            .zip(out.data.chunks(per_line.max(1)))
            .map(|(line, probabilities)| (ctc::decode(probabilities, classes, &self.charset), line.width(), padded))
            .collect())
    }
}

/// The lines of the picture read last, as the recogniser saw them, and what it read.
#[derive(Debug, Default)]
pub struct Recent {
    lines: Vec<(Cells, (Reading, u32, u32))>,
}

impl Recent {
    fn reading(&self, line: &Cells) -> Option<&(Reading, u32, u32)> {
        self.lines.iter().find(|(cells, _)| cells.same_as(line)).map(|(_, reading)| reading)
    }
}

/// A detected region cut out and scaled for the recogniser.
struct Crop {
    region: Line,
    vertical: bool,
    /// The region `LINE_HEIGHT` high, read left to right.
    line: RgbImage,
}

impl Crop {
    fn of(rgb: &RgbImage, region: Line) -> Self {
        let mut crop = image::imageops::crop_imm(rgb, region.left, region.top, region.width, region.height).to_image();
        // A box much taller than wide is vertical text: turn it to read left to right
        // (a quarter turn anticlockwise: the crop's x is then the picture's y).
        let vertical = region.height * 2 >= region.width * 3;
        if vertical {
            crop = image::imageops::rotate270(&crop);
        }
        let (width, height) = crop.dimensions();
        let w = ((LINE_HEIGHT as f32 * width as f32 / height.max(1) as f32).ceil() as u32).clamp(8, MAX_LINE_WIDTH);
        let line = image::imageops::resize(&crop, w, LINE_HEIGHT, FilterType::Triangle);
        Self { region, vertical, line }
    }
}

/// Each word's box in the picture. The recogniser's steps are spread evenly over the padded
/// line, so a word covers its first to last step, widened by half a step each side (a
/// character is read near its middle).
fn place_words(reading: &Reading, resized_width: u32, padded: u32, line: &Line, vertical: bool) -> Vec<Word> {
    let stride = padded as f32 / reading.steps.max(1) as f32;
    let along = if vertical { line.height } else { line.width };
    let to_line = along as f32 / resized_width as f32;
    reading
        .words()
        .into_iter()
        .filter_map(|word| {
            let start = ((word.first as f32 - 0.5) * stride * to_line).floor().max(0.0) as u32;
            let end = (((word.last as f32 + 1.5) * stride * to_line).ceil() as u32).min(along);
            (end > start).then(|| {
                let (left, top, width, height) = if vertical {
                    (line.left, line.top + start, line.width, end - start)
                } else {
                    (line.left + start, line.top, end - start, line.height)
                };
                Word { text: word.text, left, top, width, height }
            })
        })
        .collect()
}

/// A text region on the probability map, in map pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Region {
    left: f32,
    top: f32,
    right: f32,
    bottom: f32,
    score: f32,
}

/// Connected regions of text pixels, each grown back to the text's full size.
fn regions(map: &[f32], width: usize, height: usize) -> Vec<Region> {
    // Text pixels, spread one pixel right and down so nearly touching letters join.
    let mut text: Vec<bool> = map.iter().map(|&p| p > PIXEL_THRESHOLD).collect();
    for y in (0..height).rev() {
        for x in (0..width).rev() {
            let i = y * width + x;
            text[i] = text[i]
                || (x > 0 && text[i - 1])
                || (y > 0 && text[i - width])
                || (x > 0 && y > 0 && text[i - width - 1]);
        }
    }
    let mut label = vec![false; map.len()];
    let mut found = Vec::new();
    let mut stack = Vec::new();
    for start in 0..map.len() {
        if label[start] || !text[start] {
            continue;
        }
        label[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        let (mut sum, mut count) = (0f32, 0usize);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % width, i / width);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            sum += map[i];
            count += 1;
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < width).then(|| i + 1),
                (y > 0).then(|| i - width),
                (y + 1 < height).then(|| i + width),
            ];
            for n in neighbours.into_iter().flatten() {
                if !label[n] && text[n] {
                    label[n] = true;
                    stack.push(n);
                }
            }
        }
        let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
        let score = sum / count as f32;
        if w.min(h) < MIN_REGION_SIDE || score < REGION_THRESHOLD {
            continue;
        }
        let grow = (w * h) as f32 * UNCLIP_RATIO / (2 * (w + h)) as f32;
        found.push(Region {
            left: (x0 as f32 - grow).max(0.0),
            top: (y0 as f32 - grow).max(0.0),
            right: ((x1 + 1) as f32 + grow).min(width as f32),
            bottom: ((y1 + 1) as f32 + grow).min(height as f32),
            score,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_blobs_are_separate_regions_grown_back() {
        let (w, h) = (40, 20);
        let mut map = vec![0f32; w * h];
        for y in 5..10 {
            for x in 2..12 {
                map[y * w + x] = 0.9;
            }
            for x in 20..35 {
                map[y * w + x] = 0.8;
            }
        }
        map[19 * w + 39] = 0.95; // one pixel: too small
        let found = regions(&map, w, h);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].left < 2.0 && found[0].right > 12.0 && found[0].top < 5.0);
    }
}
