# syntax=docker/dockerfile:1
# One build stage for the whole workspace, then one small image per service:
#   docker build --target auth-service -t sextant/auth-service .
# (likewise session-service, file-service, agent-service, gateway). docker-compose.yml builds
# all five; BuildKit runs the builder stage once for them. The gateway image also holds the
# browser app, built by the frontend stage, and serves it at /.

FROM node:20-bookworm-slim AS frontend
ENV NEXT_TELEMETRY_DISABLED=1
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM rust:1.95-bookworm AS builder
# The image's own toolchain, so no other is downloaded: rust-toolchain.toml would add rustfmt
# and clippy, which a release build does not use.
ENV RUSTUP_TOOLCHAIN=${RUST_VERSION}
WORKDIR /src
COPY . .
# The registry and target directory live in BuildKit caches, so the binaries are copied out
# of target/ in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --workspace --bins \
    && mkdir -p /out \
    && for bin in auth-service session-service file-service agent-service gateway; do \
           cp "target/release/$bin" /out/; \
       done

# What every service image shares: CA certificates (LLM providers over HTTPS) and an
# unprivileged user that owns the data directories (named volumes mounted there inherit it).
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --uid 10001 --home-dir /var/lib/sextant --no-create-home \
           --shell /usr/sbin/nologin sextant \
    && mkdir -p /var/lib/sextant/keys /var/lib/sextant/files \
    && chown -R sextant:sextant /var/lib/sextant \
    && chmod 700 /var/lib/sextant/keys
WORKDIR /var/lib/sextant
USER sextant:sextant

FROM runtime AS auth-service
COPY --from=builder /out/auth-service /usr/local/bin/auth-service
ENV AUTH_LISTEN_ADDR=0.0.0.0:8000 \
    JWT_KEY_FILES=/var/lib/sextant/keys/jwt-ed25519.pem
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/auth-service"]

FROM runtime AS session-service
COPY --from=builder /out/session-service /usr/local/bin/session-service
ENV SESSION_LISTEN_ADDR=0.0.0.0:8001
EXPOSE 8001
ENTRYPOINT ["/usr/local/bin/session-service"]

FROM runtime AS file-service
COPY --from=builder /out/file-service /usr/local/bin/file-service
ENV FILE_LISTEN_ADDR=0.0.0.0:8002 \
    FILE_STORAGE_DIR=/var/lib/sextant/files
EXPOSE 8002
ENTRYPOINT ["/usr/local/bin/file-service"]

FROM runtime AS agent-service
COPY --from=builder /out/agent-service /usr/local/bin/agent-service
ENV AGENT_LISTEN_ADDR=0.0.0.0:8005
EXPOSE 8005
ENTRYPOINT ["/usr/local/bin/agent-service"]

# Last, so that a plain `docker build .` gives the gateway.
FROM runtime AS gateway
COPY --from=builder /out/gateway /usr/local/bin/gateway
COPY --from=frontend /frontend/out /usr/share/sextant/frontend
ENV GATEWAY_LISTEN_ADDR=0.0.0.0:8003 \
    FRONTEND_DIR=/usr/share/sextant/frontend
EXPOSE 8003
ENTRYPOINT ["/usr/local/bin/gateway"]
