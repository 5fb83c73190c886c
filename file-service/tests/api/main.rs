//! file-service end to end over gRPC: the real server on port 0 with the real
//! auth-service and session-service, a fresh PostgreSQL database per service and test,
//! and a Redis key prefix per test.

mod cache;
mod files;
mod harness;
mod profiles;
mod upload;
