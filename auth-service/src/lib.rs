//! auth-service owns accounts and access tokens, and nothing else: the `users` table,
//! password hashing, and the Ed25519 keys that sign tokens. Other crates only ever see
//! public keys, fetched with `ListPublicKeys`.
//!
//! A request flows `grpc` (decode, authenticate) → `domain` (parse email and password)
//! → `password` (argon2id on the blocking pool, a bounded number at once) and `store`
//! (one query each) → `keys` (sign the token) → back to `grpc`, with every failure an
//! [`Error`] that becomes one `tonic::Status`.

mod config;
mod domain;
mod error;
mod grpc;
pub mod keys;
mod password;
mod startup;
mod store;

pub use config::Config;
pub use error::Error;
pub use startup::Application;
