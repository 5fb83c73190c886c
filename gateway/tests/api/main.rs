//! End-to-end tests of the gateway with every service running in-process on port 0,
//! against real PostgreSQL (a fresh database per service per test) and real Redis.

mod agent;
mod auth;
mod chat;
mod files;
mod frontend;
mod harness;
mod http;
mod models;
mod resilience;
mod sessions;
mod tokens;
