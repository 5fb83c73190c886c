//! The session-service binary.

use clap::Parser;
use session_service::{Application, Config};

fn main() -> anyhow::Result<()> {
    sextant_common::runtime::block_on(serve())?
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::parse();
    let _telemetry = sextant_common::telemetry::init("session-service");
    let application = Application::build(config).await?;
    tracing::info!(addr = %application.local_addr(), "listening");
    application.run_until_stopped(sextant_common::shutdown::signal()).await
}
