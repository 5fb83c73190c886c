//! The gRPC server every service runs: request tracing with the gateway's request id,
//! HTTP/2 keep-alives, `grpc.health.v1`, and a listener bound before the server starts
//! (so port 0 works in tests).

use std::future::Future;
use std::time::Duration;

use http::Request;
use tonic::service::Routes;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tower_http::trace::{MakeSpan, TraceLayer};

use crate::health::{self, Dependency, Facet};

/// Makes one span per RPC, carrying the method and the request id from the metadata;
/// `user_id` is filled in once the caller's token verifies. The span is the only one on
/// the path of a call that hits the cache: spans cost allocations on every request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RpcSpan;

impl<B> MakeSpan<B> for RpcSpan {
    fn make_span(&mut self, request: &Request<B>) -> tracing::Span {
        let request_id = request
            .headers()
            .get(crate::metadata::REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!(
            "rpc",
            method = %request.uri().path(),
            request_id,
            user_id = tracing::field::Empty,
        )
    }
}

/// Serves `routes` plus `grpc.health.v1` (reflecting `dependencies`, see
/// [`crate::health`]) on an already bound `listener` until `shutdown` resolves, then
/// lets the calls in flight finish. Each of `facets` is reported as a named health service.
pub async fn serve(
    listener: tokio::net::TcpListener,
    dependencies: Vec<Dependency>,
    facets: Vec<Facet>,
    routes: Routes,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let (reporter, health_service) = tonic_health::server::health_reporter();
    let watcher = health::watch(reporter, dependencies, facets);
    let served = Server::builder()
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)))
        .layer(TraceLayer::new_for_grpc().make_span_with(RpcSpan))
        .add_routes(routes.add_service(health_service))
        .serve_with_incoming_shutdown(TcpIncoming::from(listener).with_nodelay(Some(true)), shutdown)
        .await;
    watcher.abort();
    served
}
