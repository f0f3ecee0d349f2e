//! Measures search for bench/search.sh, which runs the SQLite FTS5 peer
//! (bench/search_peer.py) on the same corpus and queries and prints both side by side.
//!
//!   cargo bench -p mediaport-backends --bench search -- corpus FILE ASSETS
//!   cargo bench -p mediaport-backends --bench search -- queries
//!   cargo bench -p mediaport-backends --bench search -- run FILE
//!
//! `corpus` writes ASSETS made-up assets to FILE as JSON lines (one `AssetDocument` each),
//! unless FILE is there already: about 100 timecoded detections per asset (one detection is
//! one moment of one name), from the same seed every time. `queries` prints the query mix,
//! one form a line: its name, Mediaport's query and the same question in FTS5's syntax,
//! tab-separated. `run` reads FILE, then indexes it in a tantivy index on disk in batches of
//! 5,000 (`BULK_DOCUMENTS`) through one `upsert_batches`, as `mediaport reindex` does, then times every form through `search::run` (what
//! `GET /api/search` runs: page, facets, matching names with their moments, highlights),
//! with one client and with two at once. It prints `mediaport build ...`, one
//! `mediaport query FORM ...` line per form and `mediaport overall clients=N ...`.
//! `BENCH_REPEAT` sets the timed runs per form (200).

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use mediaport_backends::search::TantivyIndex;
use mediaport_core::search::{self, query};
use mediaport_core::{AssetDocument, BULK_DOCUMENTS, IndexedName, SearchIndex, SearchRequest};
use mediaport_shared::{AnalysisKind, AssetType, Timecode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 2026;
/// Assets per batch, as `mediaport reindex` hands them over.
const BATCH: usize = BULK_DOCUMENTS;
/// Untimed runs of each form first, so the timed ones read warm caches.
const WARM_UP: usize = 10;
const CLIENTS: usize = 2;
/// Words in the vocabulary: the common words below, then made-up ones.
const VOCABULARY: usize = 4000;
const PEOPLE: usize = 300;

/// The 80 COCO classes, which the label model names, in COCO's order (person first,
/// which is also about how often they are seen).
const COCO: &str = "person,bicycle,car,motorcycle,airplane,bus,train,truck,boat,traffic light,fire hydrant,stop sign,\
    parking meter,bench,bird,cat,dog,horse,sheep,cow,elephant,bear,zebra,giraffe,backpack,umbrella,\
    handbag,tie,suitcase,frisbee,skis,snowboard,sports ball,kite,baseball bat,baseball glove,skateboard,\
    surfboard,tennis racket,bottle,wine glass,cup,fork,knife,spoon,bowl,banana,apple,sandwich,orange,\
    broccoli,carrot,hot dog,pizza,donut,cake,chair,couch,potted plant,bed,dining table,toilet,tv,laptop,\
    mouse,remote,keyboard,cell phone,microwave,oven,toaster,sink,refrigerator,book,clock,vase,scissors,\
    teddy bear,hair drier,toothbrush";

/// The most frequent words, most frequent first: these words before the content ones.
const FUNCTION_WORDS: usize = 40;
const COMMON: &str = "the of and to a in is it that for on was with as at be this have from by we they you are but not or \
    an will all there their has been more one about out up so news people city time year today \
    government police water weather rain world school day report market storm game team home road \
    president minister council election river fire country week family children company music film \
    health hospital street night morning season price money power energy sea train house war peace \
    court law vote party player coach match goal sport crowd protest bridge flood snow wind sun summer \
    winter heat cold forecast island mountain village farm harbour airport station museum festival \
    concert church local national live interview story history archive camera studio heavy breaking \
    wealth weapon wear weak prime stock press conference traffic cup north south east west climate \
    change public high brigade general bank football town hall red cross ship strike workers union \
    budget tax doctor nurse student teacher library garden park beach coast valley forest bus ferry \
    dance theatre painting artist writer book radio television speech debate mayor queen king army";

/// Words that go together, dropped into sentences now and then, so phrases have hits.
const COLLOCATIONS: &str = "heavy rain,breaking news,prime minister,city council,stock market,traffic jam,press conference,\
    world cup,climate change,public health,high school,fire brigade,police station,general election,\
    weather forecast,river bank,football match,town hall,north sea,red cross";

/// Captions stations put on screen.
const CAPTIONS: &str = "BREAKING NEWS,LIVE,WEATHER FORECAST,EXCLUSIVE,NEWS AT SIX,SPORT,ARCHIVE FOOTAGE";

const FIRST_NAMES: &str = "Jane Omar Li Maria Kofi Anna Ravi Sofia Tomas Aiko Pedro Fatima Lukas Nadia Ivan Grace Mateo Leila \
    Jonas Priya Hugo Amara Felix Yara Oscar Ines Karim Elena Noah Mei";

const GROUPS: &str = "newsroom sport archive press documentary regional web radio";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["corpus", file, assets] => corpus(Path::new(file), assets.parse()?),
        ["queries"] => {
            for form in forms(&Vocabulary::new()) {
                println!("{}\t{}\t{}", form.name, form.mediaport, form.fts5);
            }
            Ok(())
        }
        ["run", file] => run(Path::new(file)).await,
        _ => anyhow::bail!("usage: search (corpus FILE ASSETS | queries | run FILE)"),
    }
}

/// Draws ranks 0..n, rank r about 1 / (r + 1) as often as rank 0, as words are used.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let cumulative = (1..=n)
            .scan(0.0, |sum, rank| {
                *sum += 1.0 / rank as f64;
                Some(*sum)
            })
            .collect();
        Self { cumulative }
    }

    fn draw(&self, rng: &mut StdRng) -> usize {
        let x = rng.random::<f64>() * self.cumulative.last().copied().unwrap_or_default();
        self.cumulative.partition_point(|c| *c <= x).min(self.cumulative.len() - 1)
    }
}

/// The words and people the corpus and the queries are made of; the same every time.
struct Vocabulary {
    words: Vec<String>,
    people: Vec<String>,
}

impl Vocabulary {
    fn new() -> Self {
        let mut rng = StdRng::seed_from_u64(SEED);
        let mut seen = HashSet::new();
        let mut words: Vec<String> =
            COMMON.split_whitespace().map(str::to_owned).filter(|w| seen.insert(w.clone())).collect();
        while words.len() < VOCABULARY {
            let word = made_up_word(&mut rng);
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let first_names: Vec<&str> = FIRST_NAMES.split_whitespace().collect();
        let mut people = Vec::with_capacity(PEOPLE);
        while people.len() < PEOPLE {
            let person = format!("{} {}", pick(&mut rng, &first_names), capitalised(&made_up_word(&mut rng)));
            if seen.insert(person.clone()) {
                people.push(person);
            }
        }
        Self { words, people }
    }
}

/// Two or three syllables: letters only, so both tokenizers see one word.
fn made_up_word(rng: &mut StdRng) -> String {
    const ONSETS: &[&str] = &["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr"];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou"];
    const CODAS: &[&str] = &["", "", "", "n", "r", "s", "l", "m"];
    let syllables = rng.random_range(2..=3);
    (0..syllables)
        .map(|_| {
            let pick = |rng: &mut StdRng, from: &[&'static str]| from[rng.random_range(0..from.len())];
            format!("{}{}{}", pick(rng, ONSETS), pick(rng, VOWELS), pick(rng, CODAS))
        })
        .collect()
}

type Names = BTreeMap<AnalysisKind, Vec<IndexedName>>;

/// Makes assets: what analysis would have found in a mix of videos, audio, images and
/// documents, with the moments it found each name at.
struct Generator {
    rng: StdRng,
    vocabulary: Vocabulary,
    word_ranks: Zipf,
    label_ranks: Zipf,
    person_ranks: Zipf,
    label_names: Vec<&'static str>,
    collocations: Vec<&'static str>,
    captions: Vec<&'static str>,
    groups: Vec<&'static str>,
}

impl Generator {
    fn new() -> Self {
        Self {
            rng: StdRng::seed_from_u64(SEED + 1),
            vocabulary: Vocabulary::new(),
            word_ranks: Zipf::new(VOCABULARY),
            label_ranks: Zipf::new(COCO.split(',').count()),
            label_names: COCO.split(',').collect(),
            collocations: COLLOCATIONS.split(',').collect(),
            captions: CAPTIONS.split(',').collect(),
            groups: GROUPS.split_whitespace().collect(),
            person_ranks: Zipf::new(PEOPLE),
        }
    }

    fn asset(&mut self, n: usize) -> AssetDocument {
        let (asset_type, names, extension) = match self.rng.random_range(0..100) {
            0..55 => (AssetType::Video, self.video(), "mp4"),
            55..70 => (AssetType::Audio, self.audio(), "wav"),
            70..90 => (AssetType::Image, self.image(), "jpg"),
            _ => (AssetType::Document, self.document(), "pdf"),
        };
        let asset_id = uuid::Builder::from_random_bytes(self.rng.random()).into_uuid().to_string();
        let group = self.rng.random_bool(0.7).then(|| pick(&mut self.rng, &self.groups));
        let mut attributes = BTreeMap::new();
        if self.rng.random_bool(0.25) {
            attributes.insert("project".to_owned(), format!("{} {}", self.content_word(), self.content_word()));
        }
        AssetDocument {
            filename: format!("{}-{}-{n:06}.{extension}", self.content_word(), self.content_word()),
            thumbnail: Some(format!("{asset_id}/thumbnail.jpg")),
            asset_id: asset_id.into(),
            asset_type,
            group,
            attributes,
            created_at: format!(
                "2025-{:02}-{:02}T{:02}:{:02}:00Z",
                self.rng.random_range(1..=12),
                self.rng.random_range(1..=28),
                self.rng.random_range(0..24),
                self.rng.random_range(0..60)
            ),
            names,
            sentences: vec![],
        }
    }

    /// About 140 detections (images have few and documents pages instead, so the whole
    /// corpus averages about 100).
    fn video(&mut self) -> Names {
        let duration = self.rng.random_range(60_000..3_600_000);
        let budget = self.rng.random_range(70..=211);
        let share = |percent: usize| budget * percent / 100;
        let mut names = Names::new();
        names.insert(AnalysisKind::Label, self.labels(share(40), duration));
        names.insert(AnalysisKind::FaceMatch, self.faces(share(15), duration));
        names.insert(AnalysisKind::Text, self.on_screen(share(15), duration));
        names.insert(AnalysisKind::Keyphrase, self.keyphrases(share(4), duration));
        names.insert(AnalysisKind::Entity, self.entities(share(4), duration));
        let said = budget - names.values().map(|n| detections(n)).sum::<usize>();
        names.insert(AnalysisKind::Transcript, self.transcript(said, duration));
        names
    }

    fn audio(&mut self) -> Names {
        let duration = self.rng.random_range(60_000..3_600_000);
        let budget = self.rng.random_range(70..=211);
        let mut names = Names::new();
        names.insert(AnalysisKind::Keyphrase, self.keyphrases(budget / 10, duration));
        names.insert(AnalysisKind::Entity, self.entities(budget / 10, duration));
        let said = budget - names.values().map(|n| detections(n)).sum::<usize>();
        names.insert(AnalysisKind::Transcript, self.transcript(said, duration));
        names
    }

    /// A still: every name once, at the picture's one moment.
    fn image(&mut self) -> Names {
        let labels = self.rng.random_range(3..=8);
        let faces = self.rng.random_range(0..=2);
        let lines = self.rng.random_range(0..=3);
        let mut names = Names::new();
        names.insert(AnalysisKind::Label, self.labels(labels, 1));
        names.insert(AnalysisKind::FaceMatch, self.faces(faces, 1));
        names.insert(AnalysisKind::Text, self.on_screen(lines, 1));
        names.retain(|_, n| !n.is_empty());
        names
    }

    /// Pages, not moments: no detections in the sense counted here.
    fn document(&mut self) -> Names {
        let pages = self.rng.random_range(1..=40);
        let (lines, phrases) = (self.rng.random_range(10..=40), self.rng.random_range(3..=8));
        let lines = (0..lines)
            .map(|_| {
                let line = self.sentence(4, 14);
                self.on_page(line, pages)
            })
            .collect();
        let phrases = (0..phrases)
            .map(|_| {
                let phrase = self.keyphrase();
                self.on_page(phrase, pages)
            })
            .collect();
        Names::from([(AnalysisKind::Text, lines), (AnalysisKind::Keyphrase, phrases)])
    }

    fn on_page(&mut self, name: String, pages: u32) -> IndexedName {
        IndexedName {
            name,
            confidence: self.confidence(),
            timecodes: vec![],
            pages: vec![self.rng.random_range(1..=pages)],
        }
    }

    fn labels(&mut self, detections: usize, duration: u64) -> Vec<IndexedName> {
        let distinct = self.rng.random_range(5..=15).min(detections);
        let labels = self.distinct(distinct, |this| this.label_names[this.label_ranks.draw(&mut this.rng)].to_owned());
        self.seen(labels, detections, duration, 10_000)
    }

    fn faces(&mut self, detections: usize, duration: u64) -> Vec<IndexedName> {
        let distinct = self.rng.random_range(1..=5).min(detections);
        let people = self.distinct(distinct, Self::person);
        self.seen(people, detections, duration, 8_000)
    }

    fn on_screen(&mut self, detections: usize, duration: u64) -> Vec<IndexedName> {
        let lines = (0..detections.div_ceil(2)).map(|_| self.caption()).collect();
        self.seen(lines, detections, duration, 5_000)
    }

    fn keyphrases(&mut self, detections: usize, duration: u64) -> Vec<IndexedName> {
        let phrases = self.distinct(detections.div_ceil(2), Self::keyphrase);
        self.seen(phrases, detections, duration, 4_000)
    }

    fn entities(&mut self, detections: usize, duration: u64) -> Vec<IndexedName> {
        let entities = self.distinct(detections.div_ceil(2), |this| {
            if this.rng.random_bool(0.5) { this.person() } else { capitalised(&this.content_word()) }
        });
        self.seen(entities, detections, duration, 4_000)
    }

    /// One sentence per moment, one after the other through the recording.
    fn transcript(&mut self, sentences: usize, duration: u64) -> Vec<IndexedName> {
        let step = duration / sentences.max(1) as u64;
        (0..sentences as u64)
            .map(|i| {
                let begin = i * step + self.rng.random_range(0..step / 4 + 1);
                let end = begin + self.rng.random_range(1_500..6_000).min(step.max(2) - 1);
                IndexedName {
                    name: self.sentence(6, 16),
                    confidence: self.confidence(),
                    timecodes: vec![Timecode { begin, end: end.max(begin + 1) }],
                    pages: vec![],
                }
            })
            .collect()
    }

    /// `count` names none the same, made by `make` (fewer if it keeps repeating itself).
    fn distinct(&mut self, count: usize, mut make: impl FnMut(&mut Self) -> String) -> Vec<String> {
        let mut names: Vec<String> = Vec::with_capacity(count);
        for _ in 0..count * 10 {
            if names.len() == count {
                break;
            }
            let name = make(self);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Each name seen at least once, `detections` moments in all, spread over `duration`.
    fn seen(&mut self, names: Vec<String>, detections: usize, duration: u64, longest: u64) -> Vec<IndexedName> {
        if names.is_empty() {
            return vec![];
        }
        let mut counts = vec![1; names.len()];
        for _ in names.len()..detections {
            counts[self.rng.random_range(0..names.len())] += 1;
        }
        names
            .into_iter()
            .zip(counts)
            .map(|(name, count)| IndexedName {
                name,
                confidence: self.confidence(),
                timecodes: self.moments(count, duration, longest),
                pages: vec![],
            })
            .collect()
    }

    /// `count` moments in order; a still's is its one moment, 0 to 1 ms, as analysis gives.
    fn moments(&mut self, count: usize, duration: u64, longest: u64) -> Vec<Timecode> {
        if duration <= 1 {
            return vec![Timecode { begin: 0, end: 1 }; count];
        }
        let mut begins: Vec<u64> = (0..count).map(|_| self.rng.random_range(0..duration - 1)).collect();
        begins.sort_unstable();
        begins
            .into_iter()
            .map(|begin| Timecode { begin, end: (begin + self.rng.random_range(500..longest)).min(duration) })
            .collect()
    }

    fn confidence(&mut self) -> f32 {
        self.rng.random_range(50..100u8) as f32 / 100.0
    }

    fn word(&mut self) -> String {
        self.vocabulary.words[self.word_ranks.draw(&mut self.rng)].clone()
    }

    fn content_word(&mut self) -> String {
        loop {
            let rank = self.word_ranks.draw(&mut self.rng);
            if rank >= FUNCTION_WORDS {
                return self.vocabulary.words[rank].clone();
            }
        }
    }

    fn person(&mut self) -> String {
        self.vocabulary.people[self.person_ranks.draw(&mut self.rng)].clone()
    }

    fn keyphrase(&mut self) -> String {
        if self.rng.random_bool(0.3) {
            return pick(&mut self.rng, &self.collocations);
        }
        (0..self.rng.random_range(2..=3)).map(|_| self.content_word()).collect::<Vec<_>>().join(" ")
    }

    /// A line of on-screen text: a station's caption or a few words, often in capitals.
    fn caption(&mut self) -> String {
        if self.rng.random_bool(0.2) {
            return pick(&mut self.rng, &self.captions);
        }
        let line = (0..self.rng.random_range(2..=6)).map(|_| self.word()).collect::<Vec<_>>().join(" ");
        if self.rng.random_bool(0.3) { line.to_uppercase() } else { capitalised(&line) }
    }

    fn sentence(&mut self, shortest: usize, longest: usize) -> String {
        let mut words: Vec<String> = (0..self.rng.random_range(shortest..=longest)).map(|_| self.word()).collect();
        if self.rng.random_bool(0.1) {
            let at = self.rng.random_range(0..=words.len());
            words.insert(at, pick(&mut self.rng, &self.collocations));
        }
        format!("{}.", capitalised(&words.join(" ")))
    }
}

fn pick(rng: &mut StdRng, from: &[&str]) -> String {
    from[rng.random_range(0..from.len())].to_owned()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Moments of all the names: the detections counted here.
fn detections(names: &[IndexedName]) -> usize {
    names.iter().map(|n| n.timecodes.len()).sum()
}

fn corpus(file: &Path, assets: usize) -> anyhow::Result<()> {
    if file.exists() {
        println!("mediaport corpus assets={assets} bytes={} made=no", file.metadata()?.len());
        return Ok(());
    }
    let started = Instant::now();
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Written aside then renamed: an interrupted run must not leave half a corpus that
    // the next run would take as whole.
    let partial = file.with_extension("partial");
    let mut out = BufWriter::new(File::create(&partial)?);
    let mut generator = Generator::new();
    for n in 0..assets {
        serde_json::to_writer(&mut out, &generator.asset(n))?;
        out.write_all(b"\n")?;
    }
    out.into_inner()?.sync_all()?;
    std::fs::rename(&partial, file)?;
    let seconds = started.elapsed().as_secs_f64();
    println!("mediaport corpus assets={assets} bytes={} made=yes seconds={seconds:.1}", file.metadata()?.len());
    Ok(())
}

/// One query form: Mediaport's query and the same question in FTS5's MATCH syntax.
struct Form {
    name: &'static str,
    mediaport: String,
    fts5: String,
}

/// The mix. A word with no field is any text, as Mediaport's `all` field holds it: every
/// column of the peer but the type and the group.
fn forms(vocabulary: &Vocabulary) -> Vec<Form> {
    let rare = vocabulary.words.last().expect("a vocabulary");
    let person = &vocabulary.people[3];
    let any = "- {type grp} :";
    let form = |name, mediaport: &str, fts5: String| Form { name, mediaport: mediaport.to_owned(), fts5 };
    vec![
        form("common_word", "news", format!("{any} news")),
        form("rare_word", rare.as_str(), format!("{any} {rare}")),
        form("two_words", "storm river", format!("{any} (storm river)")),
        form("phrase", r#"transcript:"heavy rain""#, r#"transcript : "heavy rain""#.to_owned()),
        form("label", "label:dog", "label : dog".to_owned()),
        form("face", &format!(r#"face:"{person}""#), format!(r#"{{face face_match}} : "{person}""#)),
        form("label_and_said", "label:dog AND transcript:rain", "label : dog AND transcript : rain".to_owned()),
        form("or", "rain OR snow", format!("{any} (rain OR snow)")),
        form("and_not", "rain AND NOT label:person", format!("({any} rain) NOT (label : person)")),
        form("prefix", "wea*", format!("{any} wea*")),
        form("type_and_text", "type:video AND text:breaking", "type : video AND text : breaking".to_owned()),
    ]
}

/// Assets per batch: `BENCH_BATCH`, or as `mediaport reindex` hands them over.
fn batch() -> anyhow::Result<usize> {
    Ok(std::env::var("BENCH_BATCH").ok().map(|r| r.parse()).transpose()?.unwrap_or(BATCH))
}

fn repeat() -> anyhow::Result<usize> {
    Ok(std::env::var("BENCH_REPEAT").ok().map(|r| r.parse()).transpose()?.unwrap_or(200))
}

async fn run(corpus: &Path) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let index = TantivyIndex::open(dir.path())?;
    build(&index, corpus, dir.path()).await?;
    let requests = forms(&Vocabulary::new())
        .into_iter()
        .map(|form| Ok((form.name, SearchRequest::new(query::parse(&form.mediaport)?))))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let repeat = repeat()?;
    let mut all = Vec::new();
    let mut seconds = 0.0;
    for (name, request) in &requests {
        let mut total = 0;
        for _ in 0..WARM_UP {
            total = search::run(&index, request).await?.total;
        }
        let started = Instant::now();
        let times = timed(&index, std::slice::from_ref(request), repeat).await?;
        let spent = started.elapsed().as_secs_f64();
        println!("mediaport query {name} total={total} {}", summary(&times, spent));
        seconds += spent;
        all.extend(times);
    }
    println!("mediaport overall clients=1 {}", summary(&all, seconds));
    let requests: Vec<SearchRequest> = requests.into_iter().map(|(_, r)| r).collect();
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (index, mut order) = (index.clone(), requests.clone());
            // Each client starts elsewhere in the mix, so they are not asking the same thing at once.
            order.rotate_left(client * requests.len() / CLIENTS);
            tokio::spawn(async move { timed(&index, &order, repeat).await })
        })
        .collect();
    let mut all = Vec::new();
    for client in clients {
        all.extend(client.await??);
    }
    println!("mediaport overall clients={CLIENTS} {}", summary(&all, started.elapsed().as_secs_f64()));
    Ok(())
}

/// Indexes the corpus as a rebuild does, batch by batch through one `upsert_batches`. The
/// file is read first, so only the index's own work is timed, as the peer times its inserts.
async fn build(index: &TantivyIndex, corpus: &Path, dir: &Path) -> anyhow::Result<()> {
    let mut lines = BufReader::new(File::open(corpus)?).lines();
    let (mut batches, mut assets, mut found) = (Vec::new(), 0, 0);
    loop {
        let batch = lines
            .by_ref()
            .take(batch()?)
            .map(|line| Ok(serde_json::from_str::<AssetDocument>(&line?)?))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if batch.is_empty() {
            break;
        }
        assets += batch.len();
        found += batch.iter().flat_map(|d| d.names.values()).map(|n| detections(n)).sum::<usize>();
        batches.push(batch);
    }
    eprintln!("bench: read {assets} assets; indexing");
    let started = Instant::now();
    index.upsert_batches(Box::pin(futures::stream::iter(batches))).await?;
    let seconds = started.elapsed().as_secs_f64();
    let bytes: u64 = std::fs::read_dir(dir)?.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum();
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("meta.json"))?)?;
    let segments = meta["segments"].as_array().map_or(0, Vec::len);
    println!(
        "mediaport build assets={assets} detections={found} seconds={seconds:.1} assets_per_second={:.0} \
         detections_per_second={:.0} bytes={bytes} segments={segments}",
        assets as f64 / seconds,
        found as f64 / seconds
    );
    Ok(())
}

/// Milliseconds of each search, `repeat` times through `requests` in turn.
async fn timed(index: &TantivyIndex, requests: &[SearchRequest], repeat: usize) -> anyhow::Result<Vec<f64>> {
    let mut times = Vec::with_capacity(requests.len() * repeat);
    for request in requests {
        for _ in 0..repeat {
            let started = Instant::now();
            let results = search::run(index, request).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(results);
        }
    }
    Ok(times)
}

/// `queries= p50_ms= p99_ms= qps=`; a percentile is the nearest rank, as the peer takes it.
fn summary(times: &[f64], seconds: f64) -> String {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |p: f64| sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1];
    format!(
        "queries={} p50_ms={:.3} p99_ms={:.3} qps={:.1}",
        sorted.len(),
        at(0.50),
        at(0.99),
        sorted.len() as f64 / seconds
    )
}
