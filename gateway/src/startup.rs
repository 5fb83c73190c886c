//! Building and running the gateway: bind first (so port 0 works), create the lazy
//! backend channels and the token verifier, stack the layers, serve until the shutdown
//! signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Method, Request};
use sextant_common::auth::Verifier;
use sextant_common::metadata::REQUEST_ID;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::{MakeSpan, TraceLayer};

use crate::Config;
use crate::backends::Backends;
use crate::frontend::Frontend;
use crate::{error, prometheus, routes};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The gRPC services (shared: axum clones the state for every request).
    pub backends: Arc<Backends>,
    /// Verifies access tokens with auth-service's published keys.
    pub verifier: Arc<Verifier>,
    /// Largest file accepted by `POST /files`, in bytes.
    pub upload_limit: u64,
}

/// A bound gateway, ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

/// One span per HTTP request, with the request id; `user_id` is filled in once the
/// caller's token verifies.
#[derive(Debug, Clone, Copy)]
struct HttpSpan;

impl<B> MakeSpan<B> for HttpSpan {
    fn make_span(&mut self, request: &Request<B>) -> tracing::Span {
        let request_id = request
            .headers()
            .get(REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!(
            "http",
            method = %request.method(),
            path = %request.uri().path(),
            request_id,
            user_id = tracing::field::Empty,
        )
    }
}

fn cors(origins: &[String]) -> anyhow::Result<CorsLayer> {
    let origins = origins
        .iter()
        .filter(|origin| !origin.trim().is_empty())
        .map(|origin| HeaderValue::from_str(origin.trim()).with_context(|| format!("CORS origin {origin:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            AUTHORIZATION,
            CONTENT_TYPE,
            HeaderName::from_static("last-event-id"),
            HeaderName::from_static(REQUEST_ID),
        ])
        .expose_headers([HeaderName::from_static(REQUEST_ID)])
        .max_age(Duration::from_secs(600)))
}

impl Application {
    /// Binds the listener and wires the routes; no backend needs to be up yet.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .with_context(|| format!("binding {}", config.listen_addr))?;
        let backends = Backends::new(&config).context("backend URLs")?;
        let timeout = Duration::from_millis(config.backend_timeout_ms);
        let verifier = Verifier::remote(&config.jwt_issuer, &config.jwt_audience, &config.auth_url, timeout)
            .context("AUTH_URL")?;
        let state = AppState {
            backends: Arc::new(backends),
            verifier: Arc::new(verifier),
            upload_limit: config.upload_limit_bytes,
        };
        let request_id = HeaderName::from_static(REQUEST_ID);
        let layers = ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(SetSensitiveRequestHeadersLayer::new([AUTHORIZATION]))
            .layer(TraceLayer::new_for_http().make_span_with(HttpSpan))
            // Outside the propagation layer, so that the response already has its request id.
            .map_response(error::render)
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(cors(&config.cors_origins)?);
        prometheus::install();
        let app = match &config.frontend_dir {
            Some(dir) => Some(Frontend::load(dir).context("FRONTEND_DIR")?.router()),
            None => None,
        };
        let router = routes::router(app)
            .layer(DefaultBodyLimit::max(config.body_limit_bytes))
            .route_layer(axum::middleware::from_fn(prometheus::track))
            .layer(layers)
            .with_state(state);
        Ok(Self { listener, router })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        // A bound TCP listener always has a local address.
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("serving HTTP")
    }
}
