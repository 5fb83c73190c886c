//! The process's Prometheus recorder: installed once on first use (several services in one
//! test process share it), rendered in the text exposition format by each service's
//! `GET /metrics`. Metrics are recorded through the `metrics` crate's macros.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds, for every metric named `*_seconds`: sub-millisecond
/// proxying up to a model's minute-long answer.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Only fails when another recorder is installed; the handle still renders ours.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Installs the recorder; call once at start-up, before anything is recorded.
pub fn install() {
    handle();
}

/// The content type of [`render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Every metric recorded so far, in the text exposition format.
pub fn render() -> String {
    handle().render()
}
