//! Visual analysis of the frames ingest captured: objects, shots, on-screen text, moderation.

pub mod cells;
pub mod ctc;
pub mod cues;
pub mod faces;
pub mod labels;
pub mod moderation;
pub mod ocr;
pub mod shots;
