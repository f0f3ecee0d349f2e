//! Media tools (ffprobe, ffmpeg, mediainfo, exiftool, poppler through one process
//! runner), the ingest stage, and the worker loop that runs stages off the queue.

pub mod analyse;
pub mod av;
pub mod document;
pub mod fixity;
pub mod frames;
pub mod indexer;
pub mod inference;
pub mod ingest;
pub mod job;
pub mod language;
pub mod on_demand;
pub mod picture;
pub mod probe;
pub mod scenes;
pub mod speech;
pub mod timeline;
pub mod tools;
pub mod vision;
pub mod worker;
pub mod workspace;

pub use analyse::{Analyse, Vision};
pub use ingest::{FrameDefaults, Ingest};
pub use job::{JobError, Progress, Unwatched};
pub use mediaport_core::analysis::AnalysisDefaults;
pub use tools::{Tool, ToolError, Tools};
pub use worker::{Worker, WorkerConfig};
