//! Measures language analysis for bench/language.sh: `cargo bench --bench language --
//! SENTENCES.txt` (one sentence per line) loads MiniLM and Rampart once, then times
//! embedding every sentence, finding their entities, and the whole `Language::read`
//! (embeddings, key phrases, entities, sentiment), and prints
//! `mediaport language sentences=… embed_rate=… entity_rate=… read_rate=…` (sentences/s).

use std::time::Instant;

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::language::sentences::Sentence;
use mediaport_analysis::language::{Language, Wanted};
use mediaport_shared::{AnalysisKind, Timecode};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let [file] = args.as_slice() else {
        anyhow::bail!("usage: language SENTENCES.txt");
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let models = Models::open(&inference::default_dir(), threads)?;
    let language = Language::load(&models)?;
    let text = std::fs::read_to_string(file)?;
    let texts: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    // One warm-up batch: the first run of a session allocates its buffers.
    language.embedder.embed(&texts[..texts.len().min(32)])?;
    language.entities.find(&texts[..texts.len().min(16)])?;

    let rate = |started: Instant| texts.len() as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    language.embedder.embed(&texts)?;
    let embed_rate = rate(started);
    let started = Instant::now();
    language.entities.find(&texts)?;
    let entity_rate = rate(started);
    let sentences: Vec<Sentence> = texts
        .iter()
        .enumerate()
        .map(|(n, t)| Sentence {
            text: (*t).into(),
            source: AnalysisKind::Transcript,
            timecodes: vec![Timecode { begin: n as u64 * 3000, end: n as u64 * 3000 + 2500 }],
            pages: vec![],
        })
        .collect();
    let started = Instant::now();
    language.read(&sentences, "en", Wanted { keyphrases: true, entities: true, sentiment: true })?;
    let read_rate = rate(started);
    println!(
        "mediaport language sentences={} embed_rate={embed_rate:.1} entity_rate={entity_rate:.1} read_rate={read_rate:.1}",
        texts.len()
    );
    Ok(())
}
