//! Compiles the protos with protox, so no system `protoc` is needed.

const PROTOS: &[&str] = &[
    "sextant/auth/v1/auth.proto",
    "sextant/session/v1/session.proto",
    "sextant/file/v1/file.proto",
    "sextant/agent/v1/agent.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    for proto in PROTOS {
        println!("cargo:rerun-if-changed=proto/{proto}");
    }
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
