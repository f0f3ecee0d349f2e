//! Media tools (ffprobe, ffmpeg, mediainfo, exiftool, pdftoppm through one process
//! runner), inference (ONNX Runtime) and the analysis engines that the worker runs.
//!
//! Empty until the ingest and vision work lands: the crate exists now so that the
//! workspace already has the shape ARCHITECTURE.md describes.
