//! Visual analysis of the frames ingest captured: shots, on-screen text, moderation.

pub mod moderation;
pub mod ocr;
pub mod shots;
