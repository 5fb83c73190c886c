//! The auth-service binary: `auth-service` serves, `auth-service keygen PATH` makes a key.

use auth_service::{Application, Config, keys};
use clap::{Parser, Subcommand};

/// The Sextant auth service: accounts, sign-in and access tokens over gRPC.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a new Ed25519 signing key (PKCS#8 PEM, mode 0600) to PATH; never overwrites.
    Keygen {
        /// Where to write the key.
        path: std::path::PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Keygen { path }) = cli.command {
        keys::write_new_key(&path)?;
        println!("wrote a new signing key to {}", path.display());
        return Ok(());
    }
    sextant_common::runtime::block_on(serve(cli.config))?
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let _telemetry = sextant_common::telemetry::init("auth-service");
    let application = Application::build(config).await?;
    tracing::info!(addr = %application.local_addr(), "listening");
    application.run_until_stopped(sextant_common::shutdown::signal()).await
}
