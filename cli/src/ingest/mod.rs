//! `mediaport ingest PATH...`: uploads whole folders through the API, the way the web
//! app does, resumably, with progress bars and a summary.

mod journal;
mod send;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mediaport_shared::{AiOptions, AssetType};
use tokio::sync::Semaphore;

use self::journal::Journal;
use self::send::{LocalFile, Outcome, Shared};
use crate::client::Client;

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Files and folders to upload (folders are walked; hidden files are left out)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The Mediaport server
    #[arg(long, env = "MEDIAPORT_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A creator or admin account
    #[arg(long, env = "MEDIAPORT_USER")]
    user: String,
    /// Group the new assets belong to
    #[arg(long)]
    group: Option<String>,
    /// An attribute for every new asset, as key=value (repeatable)
    #[arg(long = "attr", value_parser = parse_attribute)]
    attributes: Vec<(String, String)>,
    /// Parts in flight at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Journal of what was sent (default: one per server in ~/.local/state/mediaport)
    #[arg(long)]
    journal: Option<PathBuf>,
    /// Run only these analyses, comma-separated (labels, text, moderation, shots,
    /// transcript, keyphrases, entities, sentiment, faces); the server's defaults otherwise
    #[arg(long, value_delimiter = ',')]
    analyses: Option<Vec<String>>,
    /// Name the people of this face collection in the new assets
    #[arg(long, value_name = "NAME")]
    face_collection: Option<String>,
    /// Frames analysed per second of video (1/60 to 30)
    #[arg(long)]
    frame_rate: Option<f64>,
    /// The language spoken, e.g. en or es ("auto" detects it)
    #[arg(long)]
    language: Option<String>,
    /// Also send files no analysis understands (they are stored and marked unsupported)
    #[arg(long)]
    all_files: bool,
}

fn parse_attribute(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{text:?} is not key=value"))
}

/// Every file under `root` (itself, if a file), hidden ones left out, in path order.
pub(crate) fn walk(root: &std::path::Path) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
}

/// Every file under `paths` worth sending, in path order.
fn collect(paths: &[PathBuf], all_files: bool) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for root in paths {
        anyhow::ensure!(root.exists(), "{} does not exist", root.display());
        for entry in walk(root) {
            let entry = entry?;
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if all_files || AssetType::of_file(&name, None) != AssetType::Other {
                files.push(std::path::absolute(entry.path())?);
            }
        }
    }
    files.dedup();
    Ok(files)
}

pub(crate) fn password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("MEDIAPORT_PASSWORD") {
        return Ok(password);
    }
    rpassword::prompt_password("password: ").context("no password: set MEDIAPORT_PASSWORD or run in a terminal")
}

/// The analysis options the flags ask for, if any; a collection is named by its name.
async fn ai_options(args: &IngestArgs, client: &Client) -> anyhow::Result<Option<AiOptions>> {
    let mut options = match &args.analyses {
        Some(names) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            AiOptions::only(&names).map_err(|e| anyhow::anyhow!("--analyses: {e}"))?
        }
        None => AiOptions::default(),
    };
    options.frame_rate = args.frame_rate;
    options.language.clone_from(&args.language);
    if let Some(name) = &args.face_collection {
        let collections = client.face_collections().await.context("cannot list the face collections")?;
        let found = collections.items.into_iter().find(|c| c.name.eq_ignore_ascii_case(name));
        let collection = found.with_context(|| format!("--face-collection: no collection is called {name:?}"))?;
        options.face_collection = Some(collection.id);
        // Naming people needs their faces found.
        if options.faces == Some(false) {
            options.faces = Some(true);
        }
    }
    options.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((options != AiOptions::default()).then_some(options))
}

pub async fn run(args: IngestArgs) -> anyhow::Result<()> {
    let files = collect(&args.paths, args.all_files)?;
    let client = Client::sign_in(&args.server, &args.user, &password()?).await?;
    let ai_options = ai_options(&args, &client).await?;
    let journal_path = args.journal.clone().unwrap_or_else(|| Journal::default_path(&args.server));
    let journal = Journal::open(&journal_path)?;

    let mut stats = Vec::with_capacity(files.len());
    for path in files {
        stats.push(LocalFile::stat(path)?);
    }
    let total_bytes: u64 = stats.iter().map(|f| f.size).sum();
    let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(4));
    let total = bars.add(ProgressBar::new(total_bytes));
    total.set_style(style(
        "total {msg:>14} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
    ));
    let ctx = Shared {
        client,
        journal,
        group: args.group.clone(),
        attributes: args.attributes.iter().cloned().collect::<BTreeMap<_, _>>(),
        ai_options,
        part_slots: Arc::new(Semaphore::new(usize::from(args.jobs))),
        jobs: usize::from(args.jobs),
        total: total.clone(),
    };
    let count = stats.len();
    let started = Instant::now();
    let mut finished = 0usize;
    let results: Vec<(PathBuf, anyhow::Result<Outcome>)> = futures::stream::iter(stats.iter())
        .map(|file| {
            let (ctx, bars) = (&ctx, &bars);
            async move {
                let bar = bars.insert_from_back(1, ProgressBar::new(file.size));
                bar.set_style(style("{msg:30!} [{bar:30}] {binary_bytes}/{binary_total_bytes}"));
                bar.set_message(file.path.file_name().unwrap_or_default().to_string_lossy().into_owned());
                let outcome = if file.size == 0 {
                    Ok(Outcome::Skipped("empty file".to_owned()))
                } else {
                    send::send(ctx, file, &bar).await
                };
                if !matches!(outcome, Ok(Outcome::Uploaded { .. })) {
                    // Skipped and failed bytes will not be sent: take them off the total.
                    ctx.total.set_length(ctx.total.length().unwrap_or(0).saturating_sub(file.size - bar.position()));
                }
                bar.finish_and_clear();
                (file.path.clone(), outcome)
            }
        })
        .buffer_unordered(usize::from(args.jobs))
        .inspect(|_| {
            finished += 1;
            total.set_message(format!("{finished}/{count} files"));
        })
        .collect()
        .await;
    total.finish_and_clear();
    summarise(&results, started.elapsed(), ctx.journal.path())
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ")
}

fn summarise(
    results: &[(PathBuf, anyhow::Result<Outcome>)],
    took: Duration,
    journal: &std::path::Path,
) -> anyhow::Result<()> {
    let (mut uploaded, mut bytes) = (0usize, 0u64);
    let (mut skipped, mut failed) = (Vec::new(), Vec::new());
    for (path, outcome) in results {
        match outcome {
            Ok(Outcome::Uploaded { bytes: b }) => {
                uploaded += 1;
                bytes += b;
            }
            Ok(Outcome::Skipped(reason)) => skipped.push(format!("  {}: {reason}", path.display())),
            Err(err) => failed.push(format!("  {}: {err:#}", path.display())),
        }
    }
    let secs = took.as_secs_f64().max(0.001);
    println!(
        "uploaded {uploaded} files ({:.1} MiB) in {secs:.1} s: {:.1} MiB/s, {:.1} files/s",
        bytes as f64 / 1_048_576.0,
        bytes as f64 / 1_048_576.0 / secs,
        uploaded as f64 / secs
    );
    println!("skipped {}", skipped.len());
    for line in &skipped {
        println!("{line}");
    }
    println!("failed {}", failed.len());
    for line in &failed {
        println!("{line}");
    }
    println!("journal: {}", journal.display());
    anyhow::ensure!(failed.is_empty(), "{} files failed; run the same command again to retry them", failed.len());
    Ok(())
}
