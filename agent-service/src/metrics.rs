//! agent-service's Prometheus metrics, served at `GET /metrics` on `AGENT_METRICS_ADDR`:
//! model calls by provider and outcome with their duration, retries, fallbacks to the
//! offline analyst, whether the provider's circuit breaker is open, tokens and cost by
//! model and node, and runs by how they ended.

use std::sync::Arc;
use std::time::Duration;

use sextant_common::metrics as recorder;

use crate::llm::ModelError;
use crate::provider::Provider;
use crate::usage::Usage;

/// A model call ended: `llm_calls_total{provider, outcome}` (`ok` or the error's
/// [kind](ModelError::kind)) and
/// `llm_call_duration_seconds{provider}`.
pub fn model_call(provider: &'static str, outcome: Result<(), &ModelError>, took: Duration) {
    let outcome = outcome.err().map_or("ok", ModelError::kind);
    metrics::counter!("llm_calls_total", "provider" => provider, "outcome" => outcome).increment(1);
    metrics::histogram!("llm_call_duration_seconds", "provider" => provider).record(took.as_secs_f64());
}

/// An attempt failed and is tried again: `llm_retries_total{provider}`.
pub fn retry(provider: &'static str) {
    metrics::counter!("llm_retries_total", "provider" => provider).increment(1);
}

/// A decision the offline analyst made because the model could not be reached:
/// `llm_fallbacks_total{provider}`.
pub fn fallback(provider: &'static str) {
    metrics::counter!("llm_fallbacks_total", "provider" => provider).increment(1);
}

/// What one call of `node` used: `llm_tokens_total{model, node, kind}` (`input`, `output`)
/// and `llm_cost_microusd_total{model, node}` (millionths of a US dollar).
pub fn usage(model: &str, node: &str, used: Usage) {
    let (model, node) = (model.to_owned(), node.to_owned());
    for (kind, tokens) in [("input", used.input_tokens), ("output", used.output_tokens)] {
        metrics::counter!("llm_tokens_total", "model" => model.clone(), "node" => node.clone(), "kind" => kind)
            .increment(tokens);
    }
    // Counters hold integers: the cost is kept in millionths of a dollar.
    metrics::counter!("llm_cost_microusd_total", "model" => model, "node" => node)
        .increment((used.cost_usd * 1e6).round() as u64);
}

/// A run ended: `agent_runs_total{outcome}`.
pub fn run(outcome: &'static str) {
    metrics::counter!("agent_runs_total", "outcome" => outcome).increment(1);
}

/// Serves `GET /metrics` on `listener` until the task is aborted. A remote `provider`'s
/// circuit breaker is read at each scrape and appended as this instance's own gauge (not
/// through the process's recorder, which several instances in one test process share):
/// `llm_breaker_open` is 1 while it refuses calls (answers then come from the offline
/// analyst), else 0.
pub fn serve(listener: tokio::net::TcpListener, provider: Arc<dyn Provider>) -> tokio::task::JoinHandle<()> {
    recorder::install();
    let scrape = move || {
        let mut text = recorder::render();
        if provider.remote() {
            let open = u8::from(!provider.available());
            text.push_str(&format!(
                "# HELP llm_breaker_open 1 while the model provider's circuit breaker refuses calls\n\
                 # TYPE llm_breaker_open gauge\nllm_breaker_open {open}\n"
            ));
        }
        ([(axum::http::header::CONTENT_TYPE, recorder::CONTENT_TYPE)], text)
    };
    let app = axum::Router::new().route("/metrics", axum::routing::get(move || std::future::ready(scrape())));
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    })
}
