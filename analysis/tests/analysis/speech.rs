//! Whisper on speech made by espeak-ng from known sentences: the words come back, the
//! cues land where the sentences were placed, silence or noise gives no words, and rare
//! names given as hot words are spelled right.

use std::path::{Path, PathBuf};
use std::process::Command;

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::speech::{self, SAMPLE_RATE, Speech};

const SENTENCES: [&str; 6] = [
    "The storm over Lisbon brought heavy rain to the coast this morning.",
    "Firefighters rescued three families from the flooded valley.",
    "The city council will meet on Thursday to discuss new bridges.",
    "Farmers expect a good harvest after the wet spring.",
    "The national museum opens a new exhibition of modern paintings.",
    "Train services between the two cities resume next week.",
];

fn speech() -> Speech {
    let models = Models::open(&inference::default_dir(), 2).expect("models fetched: run python3 models/fetch.py");
    Speech::load(&models, speech::TINY_EN).unwrap()
}

fn run(command: &mut Command) {
    let status = command.status().unwrap();
    assert!(status.success(), "{command:?}");
}

/// `text` spoken by espeak-ng, as a WAV file.
fn speak(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(format!("{name}.wav"));
    run(Command::new("espeak-ng").args(["-s", "150", "-w"]).arg(&path).arg(text));
    path
}

/// Any audio file as 16 kHz mono samples.
fn samples(path: &Path) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "f32le", "-ac", "1", "-ar", &SAMPLE_RATE.to_string(), "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    speech::pcm(&out.stdout)
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word error rate: word-level edit distance over the reference's length.
fn wer(reference: &str, hypothesis: &str) -> f64 {
    let (r, h) = (words(reference), words(hypothesis));
    let mut row: Vec<usize> = (0..=h.len()).collect();
    for i in 1..=r.len() {
        let mut previous = row[0];
        row[0] = i;
        for j in 1..=h.len() {
            let substitution = previous + usize::from(r[i - 1] != h[j - 1]);
            previous = row[j];
            row[j] = substitution.min(row[j] + 1).min(row[j - 1] + 1);
        }
    }
    row[h.len()] as f64 / r.len().max(1) as f64
}

#[test]
fn word_error_rate_works() {
    assert_eq!(wer("the cat sat", "the cat sat"), 0.0);
    assert!((wer("the cat sat down", "the bat sat") - 0.5).abs() < 1e-9);
}

#[test]
fn spoken_sentences_are_transcribed() {
    let dir = tempfile::tempdir().unwrap();
    let text = SENTENCES.join(" ");
    let audio = samples(&speak(dir.path(), "news", &text));
    let transcript = speech().transcribe(&audio, None).unwrap();
    let heard: Vec<&str> = transcript.said.iter().map(|s| s.text.as_str()).collect();
    let rate = wer(&text, &heard.join(" "));
    eprintln!("WER {rate:.3}: {heard:?}");
    assert_eq!(transcript.language, "en");
    // Whisper tiny.en scores 5.6 % on LibriSpeech test-clean (OpenAI's paper); espeak-ng's
    // robotic voice is harder (8.5 % here). 15 % leaves room for that and still fails on
    // anything broken in the features or the decoding, which give 50 % and more.
    assert!(rate < 0.15, "WER {rate:.3}: {heard:?}");
}

/// Seconds at which each sentence starts in the long clip: pauses of 3 s or more, and a
/// sentence across the 30-second edge of Whisper's first window.
const PLACED: [f32; 6] = [1.0, 9.0, 17.5, 28.5, 41.0, 52.0];

/// The sentences spoken at their `PLACED` times, in silence: the clip and each voice.
fn placed_clip(dir: &Path) -> (Vec<f32>, Vec<Vec<f32>>) {
    let spoken: Vec<Vec<f32>> =
        SENTENCES.iter().enumerate().map(|(i, s)| samples(&speak(dir, &i.to_string(), s))).collect();
    let at = |seconds: f32| (seconds * SAMPLE_RATE as f32) as usize;
    let last = spoken.last().unwrap().len();
    let mut clip = vec![0f32; at(PLACED[5]) + last + at(3.0)];
    for (start, voice) in PLACED.iter().zip(&spoken) {
        clip[at(*start)..at(*start) + voice.len()].copy_from_slice(voice);
    }
    (clip, spoken)
}

/// Samples written as a 16 kHz mono WAV of floats: read back, they are the same numbers.
fn wav_of(dir: &Path, samples: &[f32]) -> PathBuf {
    let raw = dir.join("clip.f32");
    std::fs::write(&raw, samples.iter().flat_map(|s| s.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
    let wav = dir.join("clip.wav");
    let rate = SAMPLE_RATE.to_string();
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "f32le", "-ar", &rate, "-ac", "1", "-i"])
        .arg(&raw)
        .args(["-c:a", "pcm_f32le"])
        .arg(&wav));
    wav
}

fn tools(dir: &Path) -> mediaport_analysis::tools::Tools {
    mediaport_analysis::tools::Tools::new(2, std::time::Duration::from_secs(600), &dir.join("work")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_streamed_through_ffmpeg_is_heard_as_the_same_samples_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (clip, _) = placed_clip(dir.path());
    let wav = wav_of(dir.path(), &clip);
    let speech = std::sync::Arc::new(speech());
    let in_memory = speech.transcribe(&clip, Some("en")).unwrap();
    let limit = std::time::Duration::from_secs(120);
    let streamed = speech::file::transcribe(&tools(dir.path()), &speech, &wav, speech::TINY_EN, Some("en"), &[], limit)
        .await
        .unwrap();
    assert!(!streamed.said.is_empty());
    assert_eq!(streamed, in_memory);

    let broken = dir.path().join("broken.m4a");
    std::fs::write(&broken, b"not audio at all").unwrap();
    let refused =
        speech::file::transcribe(&tools(dir.path()), &speech, &broken, speech::TINY_EN, None, &[], limit).await;
    let reason = refused.unwrap_err().to_string();
    assert!(reason.starts_with("the audio cannot be decoded"), "{reason}");
}

/// Silence heard in a process of its own (so that its peak memory is this alone), to
/// the peak memory in MB.
fn peak_mb_hearing_silence(hours: f64) -> u64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "speech::silent_hours_in_a_process_of_their_own", "--ignored", "--nocapture"])
        .env("MEDIAPORT_SILENT_HOURS", hours.to_string())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}\n{}", String::from_utf8_lossy(&out.stderr));
    let figure = printed.lines().find_map(|l| l.strip_prefix("peak memory MB: "));
    figure.unwrap_or_else(|| panic!("no figure in {printed}")).parse().unwrap()
}

#[test]
fn hours_of_silence_are_heard_in_bounded_memory() {
    // Decoded, three hours are 690 MB (230 MB an hour): holding them, as the recording
    // was read before, would take the peak up by 1,150 MB from half an hour's (twice).
    let (short, long) = (peak_mb_hearing_silence(0.5), peak_mb_hearing_silence(3.0));
    eprintln!("silence heard with a peak of {short} MB for half an hour, {long} MB for three hours");
    assert!(long < short + 100, "{long} MB for three hours against {short} MB for half an hour");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by hours_of_silence_are_heard_in_bounded_memory, in a process of its own"]
async fn silent_hours_in_a_process_of_their_own() {
    let Some(hours) = std::env::var("MEDIAPORT_SILENT_HOURS").ok().and_then(|h| h.parse::<f64>().ok()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let flac = dir.path().join("silence.flac");
    let seconds = (hours * 3600.0).to_string();
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", &seconds, "-c:a", "flac"])
        .arg(&flac));
    let speech = std::sync::Arc::new(speech());
    let limit = std::time::Duration::from_secs(3600);
    let heard =
        speech::file::transcribe(&tools(dir.path()), &speech, &flac, speech::TINY_EN, None, &[], limit).await.unwrap();
    assert_eq!(heard.said, []);
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    println!("peak memory MB: {}", peak_kb / 1024);
}

#[test]
fn cues_fall_where_the_sentences_were_placed_across_windows() {
    let dir = tempfile::tempdir().unwrap();
    let (clip, spoken) = placed_clip(dir.path());
    let transcript = speech().transcribe(&clip, Some("en")).unwrap();
    let said = &transcript.said;
    for ((sentence, start), voice) in SENTENCES.iter().zip(PLACED).zip(&spoken) {
        let (begin, end) =
            ((start * 1000.0) as u64, (start * 1000.0) as u64 + (voice.len() * 1000 / SAMPLE_RATE) as u64);
        // The stretches that hold most of this sentence's words.
        let heard: Vec<_> = said.iter().filter(|s| s.end_ms > begin && s.begin_ms < end).collect();
        let text: Vec<&str> = heard.iter().map(|s| s.text.as_str()).collect();
        // Enough of it to know the sentence (accuracy is the other test's business).
        assert!(wer(sentence, &text.join(" ")) < 0.5, "{sentence:?} at {start} s heard as {text:?} in {said:#?}");
        let (first, last) = (heard.first().unwrap(), heard.last().unwrap());
        assert!(first.begin_ms.abs_diff(begin) <= 1000, "{sentence:?} placed at {begin} ms, cue from {first:?}");
        assert!(last.end_ms.abs_diff(end) <= 1000, "{sentence:?} ends at {end} ms, cue to {last:?}");
    }
    // As subtitles: a valid WebVTT file with ordered cues, timed by the words.
    let timeline = transcript.timeline();
    assert!(timeline.items.iter().all(|i| !i.words.is_empty()), "{timeline:#?}");
    let vtt = mediaport_shared::analysis::subtitles_vtt(&timeline.items);
    let mut cues = Vec::new();
    let mut blocks = vtt.split("\n\n");
    assert_eq!(blocks.next(), Some("WEBVTT"));
    for block in blocks.filter(|b| !b.trim().is_empty()) {
        let (timing, text) = block.split_once('\n').unwrap();
        let (begin, end) = timing.split_once(" --> ").unwrap();
        let ms = |t: &str| {
            let parts: Vec<f64> = t.split(':').map(|p| p.parse().unwrap()).collect();
            ((parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]) * 1000.0).round() as u64
        };
        let previous_end = cues.last().map_or(0, |&(_, end)| end);
        assert!(ms(begin) < ms(end) && ms(begin) >= previous_end, "{block}");
        assert!(!text.trim().is_empty() && !text.contains("-->"), "{block}");
        cues.push((ms(begin), ms(end)));
    }
    // Each sentence has a cue that starts, and one that ends, within a second of it.
    for (start, voice) in PLACED.iter().zip(&spoken) {
        let begin = (start * 1000.0) as u64;
        let end = begin + (voice.len() * 1000 / SAMPLE_RATE) as u64;
        assert!(cues.iter().any(|c| c.0.abs_diff(begin) <= 1000), "no cue starts near {begin} ms: {vtt}");
        assert!(cues.iter().any(|c| c.1.abs_diff(end) <= 1000), "no cue ends near {end} ms: {vtt}");
    }
}

#[test]
fn silence_and_noise_give_no_words() {
    let seconds = 10 * SAMPLE_RATE;
    let silence = vec![0f32; seconds];
    // Pink-ish noise: white noise smoothed, from a fixed seed.
    let mut seed = 0x2545_f491u32;
    let mut level = 0f32;
    let noise: Vec<f32> = (0..seconds)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            level = 0.9 * level + 0.1 * (seed as f32 / u32::MAX as f32 * 2.0 - 1.0);
            level * 2.0
        })
        .collect();
    // Music-like: a chord arpeggio, a note every half second, with a swell.
    let notes = [261.6f32, 329.6, 392.0, 523.3];
    let music: Vec<f32> = (0..seconds)
        .map(|i| {
            let t = i as f32 / SAMPLE_RATE as f32;
            let note = notes[(t * 2.0) as usize % notes.len()];
            let swell = 0.5 + 0.5 * (t * 3.0).sin().abs();
            0.3 * swell
                * ((2.0 * std::f32::consts::PI * note * t).sin() + 0.5 * (4.0 * std::f32::consts::PI * note * t).sin())
        })
        .collect();
    let speech = speech();
    for (name, audio) in [("silence", silence), ("noise", noise), ("music", music)] {
        let transcript = speech.transcribe(&audio, None).unwrap();
        assert_eq!(transcript.said, [], "{name} was heard as words");
    }
}

#[test]
fn the_multilingual_model_detects_spanish_and_is_taken_when_spanish_is_forced() {
    let dir = tempfile::tempdir().unwrap();
    // espeak-ng's Spanish voice: its French one is too robotic for Whisper base, whichever
    // program runs it (faster-whisper takes it for Latin).
    let said = "Buenos días a todos. Hoy hablamos del tiempo. Mañana va a llover en toda la costa.";
    let path = dir.path().join("es.wav");
    run(Command::new("espeak-ng").args(["-v", "es", "-s", "130", "-w"]).arg(&path).arg(said));
    let audio = samples(&path);
    let speech = speech();
    let detected = speech.transcribe_with(&audio, "base", None).unwrap();
    let heard: Vec<&str> = detected.said.iter().map(|s| s.text.as_str()).collect();
    eprintln!("base heard {:?} in {:?}", heard, detected.language);
    assert_eq!(detected.language, "es", "{heard:?}");
    // Whisper base is weaker than tiny.en is on English, and the voice robotic (faster-whisper
    // misses a third of these words): half of them is still plainly this text, where a wrong
    // language or broken decoding gets next to none.
    let rate = wer(said, &heard.join(" "));
    assert!(rate < 0.5, "WER {rate:.3}: {heard:?}");
    // Spanish forced on the default English-only model takes the multilingual one, and so
    // does Spanish said with no language given: the multilingual model hears which it is.
    for language in [Some("es"), None] {
        let heard = speech.transcribe(&audio, language).unwrap();
        assert_eq!(heard.language, "es", "given {language:?}");
        assert!(wer(said, &heard.said.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ")) < 0.5);
    }
}

#[test]
fn names_given_as_hot_words_are_spelled_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let said = "Our correspondent Siobhan Nakagawa reports from Kraków, where the mayor, \
                Jarosław Wójcik, opened the new bridge.";
    let audio = samples(&speak(dir.path(), "names", said));
    let speech = speech();
    let text = |hot_words: &[String]| -> String {
        let heard = speech.transcribe_hinted(&audio, speech::TINY_EN, Some("en"), hot_words).unwrap();
        heard.said.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ")
    };
    let names = ["Siobhan Nakagawa", "Kraków", "Jarosław Wójcik"];
    // Unhinted, Whisper cannot know these spellings ("Shivor Naka", "Krakow", "Jara's Lord Wojcic").
    let plain = text(&[]);
    assert!(names.iter().filter(|n| plain.contains(*n)).count() <= 1, "{plain}");
    let hinted = text(&names.map(str::to_owned));
    assert!(names.iter().all(|n| hinted.contains(n)), "{hinted}");
    assert!(hinted.contains("bridge"), "the rest is still heard: {hinted}");
}
