//! `mediaport faces import DIR --collection NAME`: indexes a folder of photographs into a
//! face collection, each named after the person its folder or file name says, through
//! the same API route the Faces page uses; prints what was indexed and what was refused.

use std::path::{Path, PathBuf};

use anyhow::Context;
use mediaport_shared::import_name;

use crate::client::{ApiFailure, Client};

#[derive(Debug, clap::Subcommand)]
pub enum FacesCommand {
    /// Index a folder of photographs ("Jane Doe/1.jpg" or "Jane_Doe.jpg") into a collection
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The folder of photographs
    dir: PathBuf,
    /// The collection to index them into (made if it does not exist)
    #[arg(long)]
    collection: String,
    /// The Mediaport server
    #[arg(long, env = "MEDIAPORT_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A creator or admin account
    #[arg(long, env = "MEDIAPORT_USER")]
    user: String,
}

/// Every file under `dir` (hidden ones left out), in path order, with its path inside it.
fn photos(dir: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
    let mut found = Vec::new();
    for entry in crate::ingest::walk(dir) {
        let entry = entry?;
        if entry.file_type().is_file() {
            let inside = entry.path().strip_prefix(dir)?.components();
            let relative: Vec<String> = inside.map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            found.push((entry.path().to_path_buf(), relative.join("/")));
        }
    }
    Ok(found)
}

pub async fn run(command: FacesCommand) -> anyhow::Result<()> {
    let FacesCommand::Import(args) = command;
    let files = photos(&args.dir)?;
    let client = Client::sign_in(&args.server, &args.user, &crate::ingest::password()?).await?;
    let collections = client.face_collections().await.context("cannot list the face collections")?;
    let collection = match collections.items.into_iter().find(|c| c.name.eq_ignore_ascii_case(&args.collection)) {
        Some(found) => found,
        None => {
            println!("made the collection {:?}", args.collection);
            client.create_face_collection(&args.collection).await?
        }
    };
    let (mut indexed, mut refused) = (0, 0);
    for (path, file) in files {
        let refuse = |reason: &str| println!("refused  {file}: {reason}");
        let name = match import_name(&file) {
            Ok(name) => name,
            Err((code, reason)) => {
                refuse(&format!("{reason} ({code})"));
                refused += 1;
                continue;
            }
        };
        let image = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let source = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match client.add_face(&collection.id, &name, &source, &image).await {
            Ok(_) => {
                println!("indexed  {file} as {name}");
                indexed += 1;
            }
            // The photograph's fault: said, and the import goes on.
            Err(err) if err.downcast_ref::<ApiFailure>().is_some_and(|f| f.status.is_client_error()) => {
                let failure = err.downcast_ref::<ApiFailure>().expect("checked above");
                refuse(&format!("{} ({})", failure.message, failure.code));
                refused += 1;
            }
            Err(err) => return Err(err.context(format!("stopped at {file}"))),
        }
    }
    println!("{indexed} indexed, {refused} refused into {:?}", collection.name);
    Ok(())
}
