//! The agent-service binary.

use agent_service::{Application, Config};
use clap::Parser;

fn main() -> anyhow::Result<()> {
    sextant_common::runtime::block_on(serve())?
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::parse();
    let _telemetry = sextant_common::telemetry::init("agent-service");
    let provider = agent_service::provider(&config)?;
    let application = Application::build(config, provider).await?;
    tracing::info!(addr = %application.local_addr(), "listening");
    application.run_until_stopped(sextant_common::shutdown::signal()).await
}
