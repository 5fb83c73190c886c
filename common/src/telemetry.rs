//! Tracing set-up shared by every binary: human-readable logs by default, JSON lines with
//! `LOG_FORMAT=json`, filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Installs the global subscriber for the binary `service`. Call once, first thing in `main`.
pub fn init(service: &'static str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry().with(filter);
    if json {
        registry
            .with(fmt::layer().json().with_current_span(true))
            .init();
    } else {
        registry.with(fmt::layer()).init();
    }
    tracing::info!(service, version = env!("CARGO_PKG_VERSION"), "starting");
}
