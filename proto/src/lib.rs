//! The gRPC contracts of Sextant: one package `sextant.<svc>.v1` per service, generated
//! by tonic from `proto/sextant/**`. Clients and servers both live here; every service
//! crate implements its own server trait and calls the others through these clients.

pub mod chat;
pub mod json;

/// Identity: accounts, sign-in and token verification keys.
pub mod auth {
    /// Version 1 of the auth contract.
    #[allow(missing_docs, clippy::all)]
    pub mod v1 {
        tonic::include_proto!("sextant.auth.v1");
    }
}

/// Named analysis sessions.
pub mod session {
    /// Version 1 of the session contract.
    #[allow(missing_docs, clippy::all)]
    pub mod v1 {
        tonic::include_proto!("sextant.session.v1");
    }
}

/// Datasets, their profiles and the active file of each session.
pub mod file {
    /// Version 1 of the file contract.
    #[allow(missing_docs, clippy::all)]
    pub mod v1 {
        tonic::include_proto!("sextant.file.v1");
    }
}

/// The analyst and its chat stream.
pub mod agent {
    /// Version 1 of the agent contract.
    #[allow(missing_docs, clippy::all)]
    pub mod v1 {
        tonic::include_proto!("sextant.agent.v1");
    }
}

/// Conversions between protobuf timestamps and `std::time::SystemTime`.
pub use prost_types::Timestamp;
