//! Test media made on the spot with ffmpeg, exiftool and qpdf (nothing downloaded), and
//! broken files made on purpose.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs a media tool to make a fixture; a failure here is the test set-up's fault.
pub async fn tool(program: &str, args: &[&str]) {
    let out = tokio::process::Command::new(program).args(args).output().await.expect(program);
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `seconds` of test pattern at `size` and `rate` with a tone, or silent (`audio` false).
pub async fn video(dir: &Path, name: &str, size: &str, rate: &str, seconds: u32, audio: bool) -> PathBuf {
    let out = dir.join(name);
    let pattern = format!("testsrc2=s={size}:r={rate}:d={seconds}");
    let mut args = vec!["-v", "error", "-y", "-f", "lavfi", "-i", &pattern];
    let tone = format!("sine=f=440:d={seconds}");
    if audio {
        args.extend(["-f", "lavfi", "-i", &tone, "-c:a", "aac"]);
    }
    args.extend(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]);
    args.push(out.to_str().unwrap());
    tool("ffmpeg", &args).await;
    out
}

/// `seconds` of test pattern in MPEG-4 Part 2 with MP3 sound: an MP4 no browser plays.
pub async fn mpeg4_video(dir: &Path, name: &str, size: &str, seconds: u32) -> PathBuf {
    let out = dir.join(name);
    let (pattern, tone) = (format!("testsrc2=s={size}:r=25:d={seconds}"), format!("sine=f=440:d={seconds}"));
    let args = ["-v", "error", "-y", "-f", "lavfi", "-i", &pattern, "-f", "lavfi", "-i", &tone];
    let mut args = args.to_vec();
    args.extend(["-c:v", "mpeg4", "-c:a", "libmp3lame", out.to_str().unwrap()]);
    tool("ffmpeg", &args).await;
    out
}

/// The MD5 of every packet of a file's streams, as they are: equal for a stream copied.
pub async fn streams_md5(path: &Path) -> String {
    let out = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0", "-c", "copy", "-f", "md5", "-"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "ffmpeg cannot read {}", path.display());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The codecs of a file's streams, in order.
pub async fn codecs(path: &Path) -> Vec<String> {
    let report = report(path).await;
    let streams = report["streams"].as_array().unwrap();
    streams.iter().map(|s| s["codec_name"].as_str().unwrap_or_default().to_owned()).collect()
}

/// Whether an MP4's index (`moov`) comes before its media (`mdat`): players start
/// before the whole file has come.
pub fn fast_start(path: &Path) -> bool {
    let bytes = std::fs::read(path).unwrap();
    let at = |name: &[u8]| bytes.windows(4).position(|w| w == name);
    matches!((at(b"moov"), at(b"mdat")), (Some(moov), Some(mdat)) if moov < mdat)
}

/// Runs ffmpeg with `inputs_and_filters`, encoding H.264 (4:2:0, fast) to `out`.
async fn encode(inputs_and_filters: &[&str], out: &Path) {
    let mut args = vec!["-v", "error", "-y"];
    args.extend(inputs_and_filters);
    args.extend(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", out.to_str().unwrap()]);
    tool("ffmpeg", &args).await;
}

/// Two scenes cut together at `cut` seconds (of `seconds`): a test pattern, then a news
/// caption (`caption`) on a dark blue picture.
pub async fn two_scenes(dir: &Path, cut: u32, seconds: u32, caption: &str) -> PathBuf {
    let out = dir.join("two-scenes.mp4");
    let first = format!("testsrc2=s=640x360:r=25:d={cut}");
    let second = format!(
        "color=c=0x203060:s=640x360:r=25:d={},drawtext=text='{caption}':x=40:y=280:fontsize=40:fontcolor=white",
        seconds - cut
    );
    let cut_together = "[0][1]concat=n=2:v=1:a=0";
    encode(&["-f", "lavfi", "-i", &first, "-f", "lavfi", "-i", &second, "-filter_complex", cut_together], &out).await;
    out
}

/// A still picture under moving grain for `seconds`, its caption's last word changing
/// at `change` seconds from `before` to `after`.
pub async fn changing_caption(dir: &Path, seconds: u32, change: u32, before: &str, after: &str) -> PathBuf {
    let out = dir.join("caption.mp4");
    let picture = format!("color=c=0x405070:s=640x360:r=25:d={seconds}");
    let caption = |word: &str, when: &str| {
        format!("drawtext=text='Storm over {word}':x=40:y=280:fontsize=36:fontcolor=white:enable='{when}'")
    };
    let filters = format!(
        "noise=alls=6:allf=t,{},{}",
        caption(before, &format!("lt(t,{change})")),
        caption(after, &format!("gte(t,{change})"))
    );
    encode(&["-f", "lavfi", "-i", &picture, "-vf", &filters], &out).await;
    out
}

/// A video whose frames come at uneven intervals (7 of every 10 kept, timestamps intact).
pub async fn variable_rate_video(dir: &Path) -> PathBuf {
    let out = dir.join("vfr.mp4");
    let (pattern, keep) = ("testsrc2=s=640x360:r=30:d=4", "select='lt(mod(n\\,10)\\,7)'");
    encode(&["-f", "lavfi", "-i", pattern, "-vf", keep, "-fps_mode", "vfr"], &out).await;
    out
}

/// A phone-style video: landscape pixels with a display matrix turning them a quarter.
pub async fn rotated_video(dir: &Path) -> PathBuf {
    let source = video(dir, "landscape.mp4", "640x360", "30", 2, true).await;
    let out = dir.join("phone.mp4");
    let args = ["-v", "error", "-y", "-i", source.to_str().unwrap(), "-c", "copy", "-metadata:s:v:0", "rotate=90"];
    tool("ffmpeg", &[&args[..], &[out.to_str().unwrap()]].concat()).await;
    out
}

/// A 1280x720 video of still photographs, `seconds` each, each placed by its filter
/// (e.g. `scale=iw/2:-2` then padded at an offset, `eq=brightness=0.1`); the filter ends
/// with the picture padded or scaled to 1280x720.
pub async fn slideshow(dir: &Path, shots: &[(PathBuf, &str)], seconds: u32) -> PathBuf {
    let out = dir.join("slideshow.mp4");
    let mut args: Vec<String> = Vec::new();
    let mut graph = String::new();
    for (i, (photo, filter)) in shots.iter().enumerate() {
        let t = seconds.to_string();
        args.extend(["-loop", "1", "-framerate", "25", "-t", &t, "-i", photo.to_str().unwrap()].map(str::to_owned));
        graph.push_str(&format!("[{i}]{filter},setsar=1,format=yuv420p[v{i}];"));
    }
    for i in 0..shots.len() {
        graph.push_str(&format!("[v{i}]"));
    }
    graph.push_str(&format!("concat=n={}:v=1:a=0", shots.len()));
    args.extend(["-filter_complex".to_owned(), graph]);
    encode(&args.iter().map(String::as_str).collect::<Vec<_>>(), &out).await;
    out
}

/// Sound alone, in the container `name`'s extension names.
pub async fn sound(dir: &Path, name: &str, seconds: u32) -> PathBuf {
    let out = dir.join(name);
    let tone = format!("sine=f=330:d={seconds}");
    tool("ffmpeg", &["-v", "error", "-y", "-f", "lavfi", "-i", &tone, "-c:a", "aac", out.to_str().unwrap()]).await;
    out
}

/// `seconds` of test pattern (with a tone) or of tone alone, written to a pipe as a
/// browser's MediaRecorder or a live capture writes it: the container never learns its
/// length. `format` is `webm` (VP8 and Opus) or `matroska` (H.264 and AAC).
pub async fn piped_recording(dir: &Path, name: &str, format: &str, seconds: u32, picture: bool) -> PathBuf {
    let (pattern, tone) = (format!("testsrc2=s=320x240:r=25:d={seconds}"), format!("sine=f=440:d={seconds}"));
    let mut args = vec!["-v", "error", "-f", "lavfi", "-i", &tone];
    if picture {
        args.extend(["-f", "lavfi", "-i", &pattern]);
    }
    args.extend(match format {
        "webm" => ["-c:a", "libopus", "-c:v", "libvpx", "-deadline", "realtime"],
        _ => ["-c:a", "aac", "-c:v", "libx264", "-preset", "ultrafast"],
    });
    args.extend(["-f", format, "pipe:1"]);
    let out = tokio::process::Command::new("ffmpeg").args(&args).output().await.expect("ffmpeg");
    assert!(out.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let path = dir.join(name);
    std::fs::write(&path, out.stdout).unwrap();
    path
}

/// A 400x300 JPEG whose EXIF says it was shot in Paris, camera turned (orientation 6).
pub async fn photo_with_gps(dir: &Path) -> PathBuf {
    let out = dir.join("paris.jpg");
    tool(
        "ffmpeg",
        &["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=400x300", "-frames:v", "1", out.to_str().unwrap()],
    )
    .await;
    let args = [
        "-q",
        "-overwrite_original",
        "-n",
        "-GPSLatitude=48.8584",
        "-GPSLatitudeRef=N",
        "-GPSLongitude=2.2945",
        "-GPSLongitudeRef=E",
        "-GPSAltitude=35",
        "-Orientation=6",
        "-Make=Canon",
        "-Model=EOS R5",
        "-XMP-dc:Title=Eiffel",
        out.to_str().unwrap(),
    ];
    tool("exiftool", &args).await;
    out
}

/// A page of a test PDF: typed text, or a scan (a JPEG picture of `width` x `height`
/// pixels filling the page, with no text behind it).
pub enum Page<'a> {
    Text(&'a str),
    Scan { jpeg: Vec<u8>, width: u32, height: u32 },
}

/// A PDF with one page per text, written by hand (objects, xref, trailer).
pub fn pdf(pages: &[&str]) -> Vec<u8> {
    pdf_of(pages.iter().map(|t| Page::Text(t)).collect())
}

/// A PDF of typed and scanned pages.
pub fn pdf_of(pages: Vec<Page>) -> Vec<u8> {
    let count = pages.len();
    // Objects 1-3 are fixed; each page then takes three: page, contents, picture.
    let kids: Vec<String> = (0..count).map(|i| format!("{} 0 R", 4 + 3 * i)).collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {count} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for (i, page) in pages.into_iter().enumerate() {
        let (contents, picture) = (5 + 3 * i, 6 + 3 * i);
        let pictures = match page {
            Page::Scan { .. } => format!("/XObject << /Im1 {picture} 0 R >>"),
            Page::Text(_) => String::new(),
        };
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {contents} 0 R \
                 /Resources << /Font << /F1 3 0 R >> {pictures} >> >>"
            )
            .into_bytes(),
        );
        let (content, image) = match page {
            Page::Text(text) => (format!("BT /F1 24 Tf 72 700 Td ({text}) Tj ET"), Vec::new()),
            Page::Scan { jpeg, width, height } => ("q 612 0 0 792 0 0 cm /Im1 Do Q".to_owned(), {
                let mut object = format!(
                    "<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB \
                     /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
                    jpeg.len()
                )
                .into_bytes();
                object.extend(jpeg);
                object.extend(b"\nendstream");
                object
            }),
        };
        objects.push(format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes());
        // A text page's picture slot is left empty, so numbering stays regular.
        objects.push(if image.is_empty() { b"null".to_vec() } else { image });
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// The same PDF locked with a user password (qpdf, AES-256).
pub async fn locked_pdf(dir: &Path) -> PathBuf {
    let open = dir.join("open.pdf");
    std::fs::write(&open, pdf(&["Secret minutes"])).unwrap();
    let out = dir.join("locked.pdf");
    tool("qpdf", &["--encrypt", "user-pass", "owner-pass", "256", "--", open.to_str().unwrap(), out.to_str().unwrap()])
        .await;
    out
}

/// A decompression bomb: a valid 30000x30000 greyscale PNG of a few megabytes that would
/// need 900 MB decoded.
pub fn png_bomb(path: &Path) {
    const SIDE: u32 = 30_000;
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let row = vec![0u8; SIDE as usize + 1]; // filter byte + pixels
    for _ in 0..SIDE {
        zlib.write_all(&row).unwrap();
    }
    let data = zlib.finish().unwrap();
    let mut header = Vec::new();
    header.extend_from_slice(&SIDE.to_be_bytes());
    header.extend_from_slice(&SIDE.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, body) in [(b"IHDR", header.as_slice()), (b"IDAT", data.as_slice()), (b"IEND", &[][..])] {
        png.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(body);
        png.extend_from_slice(kind);
        png.extend_from_slice(body);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    std::fs::write(path, png).unwrap();
}

/// ffprobe's report of a file's format and streams.
async fn report(path: &Path) -> serde_json::Value {
    let out = tokio::process::Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "ffprobe cannot read {}", path.display());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What ffprobe reads in a file: (width, height, seconds, has audio, has video).
pub async fn ffprobe(path: &Path) -> (u32, u32, f64, bool, bool) {
    let report = report(path).await;
    let streams = report["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video");
    let audio = streams.iter().any(|s| s["codec_type"] == "audio");
    // None said (a piped recording) reads as 0.
    let seconds: f64 = report["format"]["duration"].as_str().map_or(0.0, |d| d.parse().unwrap());
    let size = |k: &str| video.and_then(|v| v[k].as_u64()).unwrap_or(0) as u32;
    (size("width"), size("height"), seconds, audio, video.is_some())
}

/// A test pattern with `text` spoken by espeak-ng from `at` seconds, the picture running a
/// second past the end of the speech.
pub async fn spoken_video(dir: &Path, text: &str, at: u32) -> PathBuf {
    let voice = dir.join("voice.wav");
    tool("espeak-ng", &["-s", "150", "-w", voice.to_str().unwrap(), text]).await;
    let out = dir.join("spoken.mp4");
    let delay = format!("adelay={}:all=1,apad=pad_dur=1", at * 1000);
    let args = ["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25", "-i", voice.to_str().unwrap(), "-af", &delay];
    let mut all = vec!["-v", "error", "-y"];
    all.extend(args);
    all.extend(["-shortest", "-c:a", "aac", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]);
    all.push(out.to_str().unwrap());
    tool("ffmpeg", &all).await;
    out
}

/// A film of four scenes with known starts (0, 9, 17 and 26 s of 34): the astronaut (the
/// whole photograph, then cut to a close-up), the coffee and the cat (the same), then a
/// weather card. A second of black and silence comes before the coffee and before the
/// card; the cat follows the coffee by a plain cut. Each scene has a sentence about it
/// said across its cut, over a room tone heard everywhere but in the black.
pub async fn scenes_film(dir: &Path, samples: &Path) -> (PathBuf, Vec<u64>) {
    let photo = |name: &str| samples.join(name).to_str().unwrap().to_owned();
    let fit = "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2";
    let close =
        "crop=iw/2:ih/2:iw/4:ih/5,scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2";
    // (input, seconds, filter)
    let shots: Vec<(Vec<String>, &str)> = vec![
        (still(&photo("astronaut.png")), fit),
        (still(&photo("astronaut.png")), close),
        (lavfi("color=c=black:s=640x360:r=25:d=1"), "null"),
        (still(&photo("coffee.png")), fit),
        (still(&photo("coffee.png")), close),
        (still(&photo("chelsea.png")), fit),
        (still(&photo("chelsea.png")), close),
        (lavfi("color=c=black:s=640x360:r=25:d=1"), "null"),
        (
            lavfi(
                "color=c=0x802020:s=640x360:r=25:d=8,drawtext=text='WEATHER REPORT':x=60:y=150:fontsize=48:fontcolor=white",
            ),
            "null",
        ),
    ];
    let said = [
        (1, "An astronaut in a white space suit floats high above the blue planet."),
        (10, "A cup of hot black coffee waits on the kitchen table every morning."),
        (18, "The striped cat sleeps quietly in the warm afternoon sun."),
        (27, "Here is the weather report: heavy rain tomorrow across the north."),
    ];
    let mut args: Vec<String> = Vec::new();
    let mut graph = String::new();
    for (i, (input, filter)) in shots.iter().enumerate() {
        args.extend(input.iter().cloned());
        graph.push_str(&format!("[{i}:v]{filter},setsar=1,fps=25,format=yuv420p[v{i}];"));
    }
    let pictures: String = (0..shots.len()).map(|i| format!("[v{i}]")).collect();
    graph.push_str(&format!("{pictures}concat=n={}:v=1:a=0[video];", shots.len()));
    // Room tone all through, silenced in the two black seconds; each sentence laid over it.
    let tone = shots.len();
    args.extend(lavfi("anoisesrc=color=pink:amplitude=0.02:sample_rate=16000:duration=34"));
    graph.push_str(&format!("[{tone}:a]volume='if(between(t,8,9)+between(t,25,26),0,1)':eval=frame[tone];"));
    let mut voices = String::from("[tone]");
    for (n, (at, sentence)) in said.iter().enumerate() {
        let voice = dir.join(format!("said{n}.wav"));
        tool("espeak-ng", &["-s", "150", "-w", voice.to_str().unwrap(), sentence]).await;
        args.extend(["-i".to_owned(), voice.to_str().unwrap().to_owned()]);
        graph.push_str(&format!("[{}:a]aresample=16000,adelay={}:all=1[s{n}];", tone + 1 + n, at * 1000));
        voices.push_str(&format!("[s{n}]"));
    }
    graph.push_str(&format!("{voices}amix=inputs={}:normalize=0:duration=first[audio]", said.len() + 1));
    let out = dir.join("scenes.mp4");
    let mut all: Vec<String> = ["-v", "error", "-y"].map(str::to_owned).to_vec();
    all.extend(args);
    all.extend(["-filter_complex", &graph, "-map", "[video]", "-map", "[audio]"].map(str::to_owned));
    all.extend(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"].map(str::to_owned));
    all.push(out.to_str().unwrap().to_owned());
    tool("ffmpeg", &all.iter().map(String::as_str).collect::<Vec<_>>()).await;
    (out, vec![0, 9000, 17_000, 26_000])
}

/// A photograph held for four seconds, as ffmpeg input arguments.
fn still(path: &str) -> Vec<String> {
    ["-loop", "1", "-framerate", "25", "-t", "4", "-i", path].map(str::to_owned).to_vec()
}

fn lavfi(source: &str) -> Vec<String> {
    ["-f", "lavfi", "-i", source].map(str::to_owned).to_vec()
}

/// A tape's opening and close around a programme, at 960x540 (times in seconds of 32): 3 s
/// of SMPTE bars, 1 of black, a still slate of three lines to 8 s, 12 s of test pattern,
/// then 12 s of credits rising 80 pixels a second over black.
pub async fn cues_film(dir: &Path) -> PathBuf {
    let slate = dir.join("slate.txt");
    std::fs::write(&slate, "MEDIAPORT TEST REEL\nROLL 12   TAKE 3\n05 DEC 2026\n").unwrap();
    let credits = dir.join("credits.txt");
    let names = "DIRECTED BY\nAnna Berg\n\nPRODUCED BY\nTomas Lind\n\nMUSIC\nKarin Holm\n\nEDITOR\nJonas Ek\n";
    std::fs::write(&credits, names).unwrap();
    let text = |file: &Path, at: &str, size: u32| {
        format!("drawtext=textfile='{}':{at}:fontsize={size}:fontcolor=white:line_spacing=20", file.display())
    };
    let parts = [
        "smptebars=s=960x540:r=25:d=3".to_owned(),
        "color=c=black:s=960x540:r=25:d=1".to_owned(),
        format!("color=c=0x202020:s=960x540:r=25:d=4,{}", text(&slate, "x=90:y=150", 48)),
        "testsrc2=s=960x540:r=25:d=12".to_owned(),
        format!("color=c=black:s=960x540:r=25:d=12,{}", text(&credits, "x=(w-text_w)/2:y=h-t*80", 44)),
    ];
    let mut args: Vec<String> = ["-v", "error", "-y"].map(str::to_owned).to_vec();
    for part in &parts {
        args.extend(lavfi(part));
    }
    let inputs: String = (0..parts.len()).map(|i| format!("[{i}:v]")).collect();
    let graph = format!("{inputs}concat=n={}:v=1:a=0,format=yuv420p[video]", parts.len());
    let out = dir.join("cues.mp4");
    args.extend(
        ["-filter_complex", &graph, "-map", "[video]", "-c:v", "libx264", "-preset", "ultrafast"].map(str::to_owned),
    );
    args.push(out.to_str().unwrap().to_owned());
    tool("ffmpeg", &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    out
}
