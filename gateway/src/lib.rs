//! The gateway is Sextant's only public door. It owns no data: it checks access tokens,
//! turns HTTP/JSON and multipart uploads into gRPC calls to the services, and turns their
//! answers and failures back into HTTP, or relays a chat run's gRPC stream as SSE.
//!
//! A request flows through the layers of `startup` (request id, tracing, CORS, body
//! limit, error shape) into a handler in `routes`, which extracts the caller
//! (`extract::Caller`, a verified token), calls a backend through `backends` with a
//! deadline and the caller's token and request id in the metadata, and answers JSON.
//! Every failure is an `error::ApiError`, rendered as
//! `{"detail", "code", "request_id"}` with the status of DESIGN.md section 4.
//!
//! With `FRONTEND_DIR` set, every path outside the API and the health routes is the
//! browser app (`frontend`), a static export served from the same origin.

mod backends;
mod config;
mod error;
mod extract;
mod frontend;
mod prometheus;
mod routes;
mod startup;

pub use config::Config;
pub use startup::Application;
