//! Video and audio outputs in one ffmpeg run, so the source is decoded once: the proxy
//! (H.264/AAC MP4 with fast start: the source's own streams where browsers play them,
//! otherwise encoded at most 960x540), the audio proxy (M4A), frame captures at a fixed
//! rate, the shot measurement of every frame, and for sound alone a waveform picture.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mediaport_shared::Technical;

use crate::probe::Probe;
use crate::tools::{Tool, ToolError, Tools, args};
use crate::vision::shots::{Measurement, ShotReport};

/// Fits the picture in 960x540 without enlarging it, on even dimensions (H.264 needs them).
const FIT: &str = "scale=w='min(960,iw)':h='min(540,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2";

/// Frames captured from one asset at most: long media at a high rate would make more
/// than anything can use.
pub const MAX_FRAMES: u32 = 20_000;

/// What ffmpeg made, in the work folder.
#[derive(Debug, Clone, Default)]
pub struct AvFiles {
    pub video: Option<PathBuf>,
    pub audio: Option<PathBuf>,
    pub waveform: Option<PathBuf>,
    /// Captured frames, in time order: frame `i` shows time `i / rate`.
    pub frames: Vec<PathBuf>,
    /// Every frame's difference from the one before, for shots.
    pub shots: Option<ShotReport>,
}

/// Makes the outputs the probed file calls for into `dir`, capturing `frame_rate` frames a second.
pub async fn transcode(
    tools: &Tools,
    input: &Path,
    dir: &Path,
    probe: &Probe,
    frame_rate: f64,
    threads: u32,
) -> Result<AvFiles, ToolError> {
    let technical = &probe.technical;
    let has_video = technical.video.is_some();
    let has_audio = technical.audio.is_some();
    let mut files = AvFiles::default();
    let mut command: Vec<OsString> =
        args!["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-threads", threads.to_string(), "-i", input];
    let audio_codec = || {
        if probe.remux.audio { args!["-c:a", "copy"] } else { args!["-c:a", "aac", "-b:a", "128k", "-ac", "2"] }
    };
    let mut measurement = None;
    if let Some(video) = technical.video.as_ref() {
        let out = dir.join("proxy.mp4");
        command.extend(args!["-map", "0:v:0"]);
        if has_audio {
            command.extend(args!["-map", "0:a:0"]);
            command.extend(audio_codec());
        }
        if probe.remux.video {
            command.extend(args!["-c:v", "copy"]);
        } else {
            command.extend(args!["-vf", format!("{FIT},format=yuv420p")]);
            // Variable frame rate (phones, screen captures) becomes constant in the proxy, so
            // frame numbers and timecodes agree in every later stage.
            if video.variable_frame_rate && video.fps > 0.0 {
                command.extend(args!["-fps_mode", "cfr", "-r", format!("{:.3}", video.fps.min(60.0))]);
            }
            command.extend(args![
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-b:v",
                "2M",
                "-maxrate",
                "2500k",
                "-bufsize",
                "4M",
                "-threads",
                threads.to_string()
            ]);
        }
        command.extend(args!["-movflags", "+faststart", &out]);
        files.video = Some(out);
        let frames = dir.join("frames");
        std::fs::create_dir_all(&frames).map_err(|source| ToolError::Io { program: "ffmpeg", source })?;
        command.extend(args![
            "-map",
            "0:v:0",
            "-vf",
            // round=up: frame n is the one shown at n / rate exactly, not up to half an
            // interval later, so frame times are the timecodes search hits land on.
            format!("fps={frame_rate}:round=up,{FIT}"),
            "-q:v",
            "3"
        ]);
        // One frame per instant n / rate inside the media: rounding up would add one for the
        // last frame's tail (a 4.004 s clip would get a frame "at 4 s").
        // Without a length (nothing could measure it) the cap is the most frames any
        // asset gets: never an unbounded folder of pictures.
        let count = match technical.duration_ms.filter(|ms| *ms > 0) {
            Some(ms) => (ms as f64 / 1000.0 * frame_rate - 0.01).ceil().max(1.0) as u64,
            None => u64::from(MAX_FRAMES),
        };
        command.extend(args!["-frames:v", count.min(u64::from(MAX_FRAMES)).to_string()]);
        command.push(frames.join("%06d.jpg").into());
        let shots = Measurement::in_dir(dir, has_audio);
        command.extend(shots.args());
        measurement = Some(shots);
    }
    if has_audio {
        let out = dir.join("audio.m4a");
        command.extend(args!["-map", "0:a:0", "-vn"]);
        command.extend(audio_codec());
        command.extend(args!["-movflags", "+faststart", &out]);
        files.audio = Some(out);
        if !has_video {
            let out = dir.join("waveform.png");
            command.extend(args![
                "-filter_complex",
                "[0:a:0]aformat=channel_layouts=mono,showwavespic=s=1200x240:colors=0x3b82f6[wave]",
                "-map",
                "[wave]",
                "-frames:v",
                "1",
                &out
            ]);
            files.waveform = Some(out);
        }
    }
    if !has_video && !has_audio {
        return Err(ToolError::Failed { program: "ffprobe", message: "the file has no video or audio stream".into() });
    }
    tools.run_for(Tool::Ffmpeg, command, time_limit(technical)).await?;
    if has_video {
        let mut frames: Vec<PathBuf> = std::fs::read_dir(dir.join("frames"))
            .map_err(|source| ToolError::Io { program: "ffmpeg", source })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        frames.sort();
        files.frames = frames;
    }
    if let Some(measurement) = measurement {
        files.shots = Some(measurement.read(technical.duration_ms.unwrap_or(0)).await?);
    }
    Ok(files)
}

/// Transcodes take time in proportion to the media: allow four times its length, ten
/// minutes for anything short, and never more than a day (a broken header can claim years).
fn time_limit(technical: &Technical) -> Duration {
    let media = Duration::from_millis(technical.duration_ms.unwrap_or(0));
    (media * 4).clamp(Duration::from_secs(600), Duration::from_secs(24 * 3600))
}
