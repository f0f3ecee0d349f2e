use clap::{Parser, Subcommand};
use mediaport_cli::flags::SettingsFlags;
use mediaport_cli::users::{self, UserCommand};
use mediaport_cli::{faces, ingest, server, worker};

/// Mediaport: move a media archive into object storage and make it searchable.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    settings: SettingsFlags,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API, the web app and the embedded S3 endpoint
    Serve,
    /// Run workflow jobs (ingest, analysis) from the queue the server shares
    Worker,
    /// Manage user accounts (works on the same data folder as the server)
    #[command(subcommand)]
    User(UserCommand),
    /// Upload files and folders to a Mediaport server, resumably
    Ingest(ingest::IngestArgs),
    /// Work with face collections on a Mediaport server
    #[command(subcommand)]
    Faces(faces::FacesCommand),
    /// Print the effective settings (file, environment and flags applied) as TOML
    Config,
    /// Rebuild the search index from the catalog and the stored analysis results
    Reindex,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Before any thread starts: the process may be replaced by itself.
    if matches!(cli.command, Command::Serve | Command::Worker) {
        mediaport_cli::allocator::give_back_freed_memory();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings.load()?;
    match cli.command {
        Command::Config => {
            print!("{}", settings.to_display_toml());
            Ok(())
        }
        Command::User(command) => users::run(command, &settings).await,
        Command::Ingest(args) => ingest::run(args).await,
        Command::Faces(command) => faces::run(command).await,
        Command::Reindex => {
            let count = worker::reindex(&settings).await?;
            println!("indexed {count} assets");
            Ok(())
        }
        Command::Worker => {
            mediaport_wiring::telemetry::init(&settings.log);
            worker::run(settings).await
        }
        Command::Serve => {
            mediaport_wiring::telemetry::init(&settings.log);
            let running = server::start(settings).await?;
            print_banner(&running);
            running.run_until_signal().await
        }
    }
}

fn print_banner(running: &server::RunningServer) {
    let settings = &running.settings;
    println!();
    println!("  Mediaport is running at {}", settings.public_url());
    match running.s3_url() {
        Some(url) => println!(
            "  Embedded S3 endpoint:   {url} (credentials in {})",
            settings.data_dir.join("storage-credentials.json").display()
        ),
        None => println!("  S3 endpoint:            {}", settings.storage.endpoint.as_deref().unwrap_or("Amazon S3")),
    }
    println!("  Data folder:            {}", settings.data_dir.display());
    if let Some((username, password)) = &running.first_admin {
        println!();
        println!("  First sign-in (shown once, change it after signing in):");
        println!("    username: {username}");
        println!("    password: {password}");
    }
    println!("  Press Ctrl-C to stop.");
    println!();
}
