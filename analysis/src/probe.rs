//! Technical metadata: ffprobe's view of the streams (what the other stages plan with)
//! and mediainfo's full report (what people read), summarised into [`Technical`].

use std::path::Path;
use std::time::Duration;

use mediaport_shared::{AudioInfo, Technical, VideoInfo};
use serde::Deserialize;

use crate::tools::{Tool, ToolError, Tools, args};

/// Both reports as the tools wrote them, and the summary.
#[derive(Debug, Clone)]
pub struct Probe {
    pub technical: Technical,
    pub ffprobe: Vec<u8>,
    pub mediainfo: Vec<u8>,
    /// Which streams the proxy can carry as they are.
    pub remux: Remux,
}

/// Streams every browser already plays, copied into the proxy instead of encoded again:
/// encoding is most of an ingest's time, and a copy loses nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Remux {
    pub video: bool,
    pub audio: bool,
}

/// Containers whose H.264 and AAC streams copy cleanly into MP4.
const REMUX_CONTAINERS: [&str; 2] = ["mov", "matroska"];
/// H.264 profiles every browser decodes (not High 10 or 4:2:2, which some cannot).
const PLAYABLE_PROFILES: [&str; 4] = ["Constrained Baseline", "Baseline", "Main", "High"];
/// The largest picture a copied proxy may have (either way up): bigger is re-encoded.
const REMUX_PIXELS: u32 = 1920 * 1080;
/// The highest bit rate a copied proxy may have: reviewers stream it over ordinary links.
const REMUX_BIT_RATE: u64 = 20_000_000;

#[derive(Debug, Deserialize)]
struct FfprobeReport {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Debug, Deserialize)]
struct Format {
    format_name: Option<String>,
    duration: Option<String>,
    bit_rate: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    profile: Option<String>,
    pix_fmt: Option<String>,
    field_order: Option<String>,
    bit_rate: Option<String>,
    channels: Option<u32>,
    sample_rate: Option<String>,
    duration: Option<String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
    #[serde(default)]
    tags: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    disposition: serde_json::Map<String, serde_json::Value>,
}

/// Runs ffprobe and mediainfo on `file`; an unreadable file is ffprobe's error.
pub async fn probe(tools: &Tools, file: &Path) -> Result<Probe, ToolError> {
    let ffprobe = tools
        .run(Tool::Ffprobe, args!["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file])
        .await?;
    let mediainfo = tools.run(Tool::Mediainfo, args!["--Output=JSON", file]).await?;
    let failed = |message| ToolError::Failed { program: "ffprobe", message };
    let mut technical = summarise(&ffprobe, &mediainfo).map_err(failed)?;
    if technical.duration_ms.is_none() && (technical.video.is_some() || technical.audio.is_some()) {
        technical.duration_ms = measure_duration(tools, file, technical.video.is_some()).await?;
    }
    let remux = remux(&ffprobe, &technical).map_err(failed)?;
    Ok(Probe { technical, ffprobe, mediainfo, remux })
}

/// Reading a whole recording's packets (no decoding) takes seconds an hour; a day of it
/// is the most anyone should wait for.
const MEASURE_LIMIT: Duration = Duration::from_secs(3600);

/// The length of media whose container does not say (a browser's MediaRecorder WebM, a
/// piped Matroska): the time of its last packet, read by copying the stream to nowhere.
/// Every later stage plans with it: frame counts, proxies' time limits.
async fn measure_duration(tools: &Tools, file: &Path, video: bool) -> Result<Option<u64>, ToolError> {
    let stream = if video { "0:v:0" } else { "0:a:0" };
    let command = args![
        "-nostdin",
        "-v",
        "error",
        "-i",
        file,
        "-map",
        stream,
        "-c",
        "copy",
        "-f",
        "null",
        "-",
        "-progress",
        "pipe:1",
        "-nostats"
    ];
    let report = tools.run_for(Tool::Ffmpeg, command, MEASURE_LIMIT).await?;
    Ok(last_out_time_ms(&String::from_utf8_lossy(&report)))
}

/// The last `out_time_us` of ffmpeg's `-progress` report, in milliseconds; none when it
/// never got past zero.
fn last_out_time_ms(report: &str) -> Option<u64> {
    let last = report.lines().filter_map(|line| line.strip_prefix("out_time_us=")).next_back()?;
    last.trim().parse::<u64>().ok().map(|us| us / 1000).filter(|ms| *ms > 0)
}

fn summarise(ffprobe: &[u8], mediainfo: &[u8]) -> Result<Technical, String> {
    let report: FfprobeReport = serde_json::from_slice(ffprobe).map_err(|e| format!("unreadable report: {e}"))?;
    let format = report.format.as_ref();
    // Cover art in an audio file is a "video" stream with the attached_pic flag: not video.
    let video = report.streams.iter().find(|s| {
        s.codec_type.as_deref() == Some("video")
            && s.disposition.get("attached_pic").and_then(|v| v.as_i64()) != Some(1)
    });
    let audio = report.streams.iter().find(|s| s.codec_type.as_deref() == Some("audio"));
    let seconds = format
        .and_then(|f| f.duration.as_deref())
        .or_else(|| video.and_then(|v| v.duration.as_deref()))
        .or_else(|| audio.and_then(|a| a.duration.as_deref()))
        .and_then(|d| d.parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d > 0.0);
    Ok(Technical {
        format: format.and_then(|f| f.format_name.clone()),
        duration_ms: seconds.map(|s| (s * 1000.0).round() as u64),
        bit_rate: format.and_then(|f| f.bit_rate.as_deref()).and_then(|b| b.parse().ok()),
        video: video.map(|v| video_info(v, variable_frame_rate(mediainfo))),
        audio: audio.map(|a| AudioInfo {
            codec: a.codec_name.clone().unwrap_or_default(),
            channels: a.channels.unwrap_or(0),
            sample_rate: a.sample_rate.as_deref().and_then(|r| r.parse().ok()).unwrap_or(0),
        }),
        image: None,
        document: None,
    })
}

/// Which streams can be copied into the proxy: H.264 in 8-bit 4:2:0, progressive, at most
/// 1080p, 60 frames a second and 20 Mb/s, at a constant rate (a variable one is made
/// constant, so frame numbers and times agree later), upright (a turned one is turned
/// in its pixels, as its frames are, so boxes found on frames fit the proxy in any
/// player); AAC-LC in stereo or mono.
fn remux(ffprobe: &[u8], technical: &Technical) -> Result<Remux, String> {
    let report: FfprobeReport = serde_json::from_slice(ffprobe).map_err(|e| format!("unreadable report: {e}"))?;
    let container = report.format.as_ref().and_then(|f| f.format_name.as_deref()).unwrap_or_default();
    if !container.split(',').any(|name| REMUX_CONTAINERS.contains(&name)) {
        return Ok(Remux::default());
    }
    let audio = report.streams.iter().find(|s| s.codec_type.as_deref() == Some("audio"));
    let audio = audio.is_some_and(|a| {
        a.codec_name.as_deref() == Some("aac")
            && a.profile.as_deref() == Some("LC")
            && matches!(a.channels, Some(1 | 2))
    });
    let Some(info) = technical.video.as_ref() else { return Ok(Remux { video: false, audio }) };
    let stream = report.streams.iter().find(|s| {
        s.codec_type.as_deref() == Some("video")
            && s.disposition.get("attached_pic").and_then(|v| v.as_i64()) != Some(1)
    });
    let Some(stream) = stream else { return Ok(Remux::default()) };
    let bit_rate = stream.bit_rate.as_deref().or(report.format.as_ref().and_then(|f| f.bit_rate.as_deref()));
    let video = stream.codec_name.as_deref() == Some("h264")
        && stream.profile.as_deref().is_some_and(|p| PLAYABLE_PROFILES.contains(&p))
        && matches!(stream.pix_fmt.as_deref(), Some("yuv420p" | "yuvj420p"))
        && matches!(stream.field_order.as_deref(), None | Some("progressive"))
        && info.width * info.height <= REMUX_PIXELS
        && info.width.max(info.height) <= 1920
        && info.fps > 0.0
        && info.fps <= 60.0
        && !info.variable_frame_rate
        && info.rotation == 0
        && bit_rate.and_then(|b| b.parse::<u64>().ok()).is_some_and(|b| b <= REMUX_BIT_RATE);
    Ok(Remux { video, audio })
}

fn video_info(stream: &Stream, variable: bool) -> VideoInfo {
    let rotation = rotation(stream);
    let (mut width, mut height) = (stream.width.unwrap_or(0), stream.height.unwrap_or(0));
    if rotation.rem_euclid(180) == 90 {
        std::mem::swap(&mut width, &mut height);
    }
    let avg = stream.avg_frame_rate.as_deref().and_then(ratio);
    let fps = avg.or_else(|| stream.r_frame_rate.as_deref().and_then(ratio)).unwrap_or(0.0);
    VideoInfo {
        codec: stream.codec_name.clone().unwrap_or_default(),
        width,
        height,
        fps: (fps * 1000.0).round() / 1000.0,
        rotation,
        variable_frame_rate: variable,
    }
}

/// Degrees a player turns the picture: the display matrix, or the older `rotate` tag.
fn rotation(stream: &Stream) -> i32 {
    let from_matrix = stream.side_data_list.iter().find_map(|d| d.get("rotation").and_then(|r| r.as_f64()));
    let from_tag = || stream.tags.get("rotate").and_then(|r| r.as_str()).and_then(|r| r.parse::<f64>().ok());
    from_matrix.or_else(from_tag).map_or(0, |r| (r.round() as i32).rem_euclid(360))
}

/// `30000/1001` as a number; `0/0` (unknown) as none.
fn ratio(text: &str) -> Option<f64> {
    let (num, den) = text.split_once('/')?;
    let (num, den): (f64, f64) = (num.parse().ok()?, den.parse().ok()?);
    (num > 0.0 && den > 0.0).then(|| num / den)
}

/// mediainfo reads the frame timing and says VFR where ffprobe only averages.
fn variable_frame_rate(mediainfo: &[u8]) -> bool {
    let Ok(report) = serde_json::from_slice::<serde_json::Value>(mediainfo) else { return false };
    let tracks = report.pointer("/media/track").and_then(|t| t.as_array()).cloned().unwrap_or_default();
    tracks.iter().any(|t| t["@type"] == "Video" && t["FrameRate_Mode"] == "VFR")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measured_length_is_the_last_progress_time() {
        let report = "frame=10\nout_time_us=400000\nprogress=continue\nout_time_us=4975000\nprogress=end\n";
        assert_eq!(last_out_time_ms(report), Some(4975));
        assert_eq!(last_out_time_ms("out_time_us=0\nprogress=end\n"), None, "nothing read");
        assert_eq!(last_out_time_ms("out_time_us=N/A\n"), None);
    }

    #[test]
    fn rates_read_as_numbers() {
        assert_eq!(ratio("30000/1001").map(|r| (r * 100.0).round()), Some(2997.0));
        assert_eq!(ratio("0/0"), None);
        assert_eq!(ratio("50/1"), Some(50.0));
    }

    #[test]
    fn a_phone_video_turned_a_quarter_is_taller_than_wide() {
        let report = br#"{"format": {"format_name": "mov", "duration": "2.5"},
            "streams": [{"codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
                         "avg_frame_rate": "30/1", "side_data_list": [{"rotation": -90}]},
                        {"codec_type": "audio", "codec_name": "aac", "channels": 2, "sample_rate": "48000"}]}"#;
        let technical = summarise(report, b"{}").unwrap();
        let video = technical.video.unwrap();
        assert_eq!((video.width, video.height, video.rotation), (1080, 1920, 270));
        assert_eq!(technical.duration_ms, Some(2500));
        assert_eq!(technical.audio.unwrap().sample_rate, 48000);
    }

    const PHONE: &[u8] =
        br#"{"format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "60", "bit_rate": "8100000"},
        "streams": [{"codec_type": "video", "codec_name": "h264", "profile": "High", "pix_fmt": "yuv420p",
                     "field_order": "progressive", "width": 1920, "height": 1080, "avg_frame_rate": "30/1",
                     "bit_rate": "8000000"},
                    {"codec_type": "audio", "codec_name": "aac", "profile": "LC", "channels": 2}]}"#;

    fn remux_of(report: &str) -> Remux {
        remux(report.as_bytes(), &summarise(report.as_bytes(), b"{}").unwrap()).unwrap()
    }

    #[test]
    fn browser_playable_streams_are_copied() {
        let phone = std::str::from_utf8(PHONE).unwrap();
        assert_eq!(remux_of(phone), Remux { video: true, audio: true });
        // Sound that is not AAC-LC stereo is encoded; the picture still copied.
        assert_eq!(
            remux_of(&phone.replace(r#""channels": 2"#, r#""channels": 6"#)),
            Remux { video: true, audio: false }
        );
        // Any reason not to copy the picture encodes it.
        for (from, to) in [
            (r#""profile": "High""#, r#""profile": "High 10""#),
            (r#""pix_fmt": "yuv420p""#, r#""pix_fmt": "yuv422p""#),
            (r#""field_order": "progressive""#, r#""field_order": "tt""#),
            (r#""width": 1920"#, r#""width": 3840"#),
            (r#""avg_frame_rate": "30/1""#, r#""avg_frame_rate": "120/1""#),
            (r#""bit_rate": "8000000""#, r#""bit_rate": "45000000""#),
            (r#""codec_name": "h264""#, r#""codec_name": "hevc""#),
        ] {
            assert!(!remux_of(&phone.replace(from, to)).video, "{to}");
        }
        // A phone's portrait video (1080x1920) is as many pixels: copied.
        let portrait = phone.replace(r#""width": 1920, "height": 1080"#, r#""width": 1080, "height": 1920"#);
        assert!(remux_of(&portrait).video);
        // Without its own bit rate, the file's counts.
        assert!(remux_of(&phone.replace(r#", "bit_rate": "8000000""#, "")).video);
        // A phone's turned video is turned in its pixels: encoded.
        let turned = phone
            .replace(r#""bit_rate": "8000000""#, r#""bit_rate": "8000000", "side_data_list": [{"rotation": -90}]"#);
        assert!(!remux_of(&turned).video);
        // A variable frame rate is made constant: encoded.
        let technical = summarise(PHONE, br#"{"media": {"track": [{"@type": "Video", "FrameRate_Mode": "VFR"}]}}"#);
        assert_eq!(remux(PHONE, &technical.unwrap()).unwrap(), Remux { video: false, audio: true });
        // Nothing is copied out of a transport stream.
        assert_eq!(remux_of(&phone.replace("mov,mp4,m4a,3gp,3g2,mj2", "mpegts")), Remux::default());
    }

    #[test]
    fn cover_art_is_not_video() {
        let report = br#"{"format": {"duration": "1"}, "streams": [
            {"codec_type": "audio", "codec_name": "mp3"},
            {"codec_type": "video", "codec_name": "mjpeg", "disposition": {"attached_pic": 1}}]}"#;
        assert!(summarise(report, b"{}").unwrap().video.is_none());
    }
}
