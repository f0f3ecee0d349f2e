use clap::{Parser, Subcommand};
use mediaport_cli::flags::SettingsFlags;
use mediaport_cli::server;

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
    /// Print the effective settings (file, environment and flags applied) as TOML
    Config,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = cli.settings.load()?;
    match cli.command {
        Command::Config => {
            print!("{}", settings.to_display_toml());
            Ok(())
        }
        Command::Serve => {
            mediaport_api::telemetry::init(&settings.log);
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
        None => println!(
            "  S3 endpoint:            {}",
            settings.storage.endpoint.as_deref().unwrap_or("Amazon S3")
        ),
    }
    println!("  Data folder:            {}", settings.data_dir.display());
    println!("  Press Ctrl-C to stop.");
    println!();
}
